//! Client configuration.
//!
//! Precedence is the engine's: what is set here wins over the `SIGIL_*` and
//! `OTEL_*` environment variables, which win over the defaults. Anything left
//! unset here is resolved by the engine, once, when the client is created;
//! the engine also validates the result ([`Error::InvalidConfig`]).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;
use crate::privacy::{ContentCaptureMode, ContentCaptureResolver, RecordKind, Redaction, Sanitizer};
use crate::span::Span;

/// Generation export transport (`SIGIL_PROTOCOL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// gRPC (the default), endpoint "localhost:4317".
    Grpc,
    /// HTTP JSON; "/api/v1/generations:export" is appended to an endpoint without a path.
    Http,
    /// No generation export: spans and metrics only.
    None,
}

/// Export authentication (`SIGIL_AUTH_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthMode {
    None,
    /// `X-Scope-OrgID: <tenant id>`.
    Tenant,
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: Basic <user:password>` (user defaults to the tenant id).
    Basic,
}

/// Durability of spool writes (`SIGIL_SPOOL_SYNC`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpoolSync {
    /// Left to the kernel: survives a crash of the process, not of the machine.
    None,
    /// `fdatasync` once per spooled batch (the default).
    Batch,
    /// `fdatasync` after every record.
    Record,
}

/// Which generations go through the spool (`SIGIL_SPOOL_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpoolMode {
    /// Only what cannot be delivered is spooled (the default): generations
    /// still queued in memory are lost if the process crashes.
    Fallback,
    /// Every generation is in the spool before `end` returns and leaves it
    /// once the server answered: a crash (kill -9) loses nothing whose `end`
    /// returned. Needs a spool directory.
    WriteAhead,
}

/// Severity of a background diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    pub(crate) fn from_raw(level: u32) -> LogLevel {
        match level {
            sigil_sys::SIGIL_LOG_DEBUG => LogLevel::Debug,
            sigil_sys::SIGIL_LOG_INFO => LogLevel::Info,
            sigil_sys::SIGIL_LOG_WARN => LogLevel::Warn,
            _ => LogLevel::Error,
        }
    }
}

/// Receives the engine's background diagnostics (export failures, drops),
/// on an engine thread. It must not call the same client's `flush` or
/// `shutdown`. A panic inside it is caught and discarded.
pub type Logger = Arc<dyn Fn(LogLevel, &str) + Send + Sync>;

/// Receives every finished (sampled) span, on the thread that ends the
/// recorder, before `end` returns. Keep it quick; it must not call the same
/// client's `flush` or `shutdown`. A panic inside it is caught and discarded.
pub type SpanCallback = Arc<dyn Fn(&Span) + Send + Sync>;

/// How a client is configured. Build one with [`Config::builder`];
/// `Config::default()` sets nothing (environment variables and defaults only).
#[derive(Clone, Default)]
pub struct Config {
    pub(crate) use_environment: Option<bool>,
    pub(crate) protocol: Option<Protocol>,
    pub(crate) endpoint: Option<String>,
    pub(crate) insecure: Option<bool>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) ca_file: Option<String>,
    pub(crate) ca_dir: Option<String>,
    pub(crate) client_cert: Option<String>,
    pub(crate) client_key: Option<String>,
    pub(crate) otlp_certificate: Option<String>,
    pub(crate) otlp_client_certificate: Option<String>,
    pub(crate) otlp_client_key: Option<String>,
    pub(crate) auth_mode: Option<AuthMode>,
    pub(crate) auth_tenant_id: Option<String>,
    pub(crate) auth_bearer_token: Option<String>,
    pub(crate) auth_basic_user: Option<String>,
    pub(crate) auth_basic_password: Option<String>,
    pub(crate) agent_name: Option<String>,
    pub(crate) agent_version: Option<String>,
    pub(crate) user_id: Option<String>,
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) batch_size: Option<u32>,
    pub(crate) flush_interval: Option<Duration>,
    pub(crate) queue_size: Option<u32>,
    pub(crate) queue_max_bytes: Option<u64>,
    pub(crate) max_retries: Option<u32>,
    pub(crate) initial_backoff: Option<Duration>,
    pub(crate) max_backoff: Option<Duration>,
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) payload_max_bytes: Option<u64>,
    pub(crate) api_endpoint: Option<String>,
    pub(crate) otlp_endpoint: Option<String>,
    pub(crate) otlp_traces_endpoint: Option<String>,
    pub(crate) otlp_metrics_endpoint: Option<String>,
    pub(crate) otlp_headers: Vec<(String, String)>,
    pub(crate) service_name: Option<String>,
    pub(crate) resource_attributes: Vec<(String, String)>,
    pub(crate) metric_export_interval: Option<Duration>,
    pub(crate) embedding_capture: Option<EmbeddingCapture>,
    pub(crate) debug: Option<bool>,
    pub(crate) content_capture: Option<ContentCaptureMode>,
    pub(crate) redaction: Option<Redaction>,
    pub(crate) max_field_bytes: Option<u64>,
    pub(crate) prices_file: Option<std::path::PathBuf>,
    pub(crate) token_estimates: Option<bool>,
    pub(crate) content_sample_rate: Option<f64>,
    pub(crate) export_sample_rate: Option<f64>,
    pub(crate) spool_dir: Option<std::path::PathBuf>,
    pub(crate) spool_max_bytes: Option<u64>,
    pub(crate) spool_max_age: Option<Duration>,
    pub(crate) spool_sync: Option<SpoolSync>,
    pub(crate) spool_mode: Option<SpoolMode>,
    pub(crate) logger: Option<Logger>,
    pub(crate) span_callback: Option<SpanCallback>,
    pub(crate) content_capture_resolver: Option<ContentCaptureResolver>,
    pub(crate) sanitizer: Option<Sanitizer>,
    pub(crate) telemetry_mode: Option<crate::TelemetryMode>,
    #[cfg(feature = "otel")]
    pub(crate) tracer: Option<Arc<opentelemetry::global::BoxedTracer>>,
    #[cfg(feature = "otel")]
    pub(crate) meter: Option<opentelemetry::metrics::Meter>,
}

impl Config {
    /// The mode in force: the explicit one, else `Host` when a tracer or
    /// meter is given, else `Engine`.
    pub(crate) fn resolved_telemetry_mode(&self) -> crate::TelemetryMode {
        #[cfg(feature = "otel")]
        let given = self.tracer.is_some() || self.meter.is_some();
        #[cfg(not(feature = "otel"))]
        let given = false;
        self.telemetry_mode.unwrap_or(if given { crate::TelemetryMode::Host } else { crate::TelemetryMode::Engine })
    }
}

/// Capture of embedding input texts on spans (`gen_ai.embeddings.input_texts`).
/// Off by default: the texts may hold personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EmbeddingCapture {
    pub capture_input: bool,
    /// The first N texts (0 keeps the default, 20).
    pub max_input_items: u32,
    /// Each cut to N code points (0 keeps the default, 1024).
    pub max_text_length: u32,
}

impl Config {
    /// A builder with nothing set.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder(Config::default())
    }
}

/// Builds a [`Config`]; every method sets one knob.
///
/// ```
/// use std::time::Duration;
/// use sigil::{AuthMode, Config, Protocol};
///
/// let config = Config::builder()
///     .protocol(Protocol::Http)
///     .endpoint("https://sigil.example.com")
///     .auth_mode(AuthMode::Tenant)
///     .auth_tenant_id("42")
///     .agent_name("support-bot")
///     .tag("env", "prod")
///     .flush_interval(Duration::from_millis(500))
///     .build();
/// # let _ = config;
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct ConfigBuilder(Config);

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {$(
        $(#[$doc])*
        pub fn $name(mut self, value: $ty) -> Self {
            self.0.$name = Some(value.into());
            self
        }
    )*};
}

impl ConfigBuilder {
    setters! {
        /// Whether `SIGIL_*` / `OTEL_*` environment variables are consulted (default true).
        use_environment: bool;
        /// Generation export transport. Env: `SIGIL_PROTOCOL`.
        protocol: Protocol;
        /// Plaintext (true) or TLS (false) for endpoints without an http/https
        /// scheme. Unset: plaintext only for loopback hosts. Env: `SIGIL_INSECURE`.
        insecure: bool;
        /// Export authentication mode. Env: `SIGIL_AUTH_MODE`.
        auth_mode: AuthMode;
        /// Generations per export request (default 100).
        batch_size: u32;
        /// Time between background exports (default 1 s).
        flush_interval: Duration;
        /// Queued generations before new ones are dropped (default 2000).
        queue_size: u32;
        /// Estimated queued bytes before new generations are dropped (default 64 MiB).
        queue_max_bytes: u64;
        /// Retries after the first attempt (default 5; 0 disables retries).
        max_retries: u32;
        /// First retry delay, doubling with jitter (default 100 ms).
        initial_backoff: Duration;
        /// Longest retry delay (default 5 s).
        max_backoff: Duration;
        /// Time allowed per export attempt (default 10 s).
        attempt_timeout: Duration;
        /// Largest encoded generation; bigger ones fail with `PayloadTooLarge` (default 16 MiB).
        payload_max_bytes: u64;
        /// Time between periodic metric exports (default 60 s). Env: `OTEL_METRIC_EXPORT_INTERVAL`.
        metric_export_interval: Duration;
        /// Embedding input text capture on spans.
        embedding_capture: EmbeddingCapture;
        /// Log debug-level diagnostics too. Env: `SIGIL_DEBUG`.
        debug: bool;
        /// Which content leaves the process (default
        /// [`NoToolContent`](ContentCaptureMode::NoToolContent)). Env: `SIGIL_CONTENT_CAPTURE_MODE`.
        content_capture: ContentCaptureMode;
        /// Built-in redaction categories (default [`Redaction::ALL`]). Env: `SIGIL_REDACT`.
        redaction: Redaction;
        /// Per-field byte limit for content text values (default: none; at
        /// least 64). Longer values are cut and marked; fields that hold JSON
        /// stay valid JSON. Env: `SIGIL_MAX_FIELD_BYTES`.
        max_field_bytes: u64;
        /// Byte budget of the spool's files together (default 256 MiB). Env: `SIGIL_SPOOL_MAX_BYTES`.
        spool_max_bytes: u64;
        /// Age budget of spooled records (default 7 days).
        spool_max_age: Duration;
        /// Durability of spool writes. Env: `SIGIL_SPOOL_SYNC`.
        spool_sync: SpoolSync;
        /// Which generations go through the spool. Env: `SIGIL_SPOOL_MODE`.
        spool_mode: SpoolMode;
        /// Token estimates for generations without usage, marked
        /// `sigil.usage.estimated` (default on). Env: `SIGIL_TOKEN_ESTIMATES`.
        token_estimates: bool;
        /// Share of traces whose generations keep their content, 0 to 1
        /// (default 1); outside it a generation is exported metadata-only.
        /// Env: `SIGIL_CONTENT_SAMPLE_RATE`.
        content_sample_rate: f64;
        /// Share of traces whose generations are exported, 0 to 1 (default 1);
        /// outside it nothing is exported, spans and metrics still count it.
        /// Env: `SIGIL_EXPORT_SAMPLE_RATE`.
        export_sample_rate: f64;
    }

    /// A JSON price table whose entries add to and replace the built-in ones
    /// (docs/cost.md). A file that cannot be read or is not a valid table
    /// makes [`Client::new`](crate::Client::new) fail with a configuration
    /// error. Env: `SIGIL_PRICES_FILE`.
    pub fn prices_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.0.prices_file = Some(path.into());
        self
    }

    /// A spool directory: generations that cannot be delivered (retries
    /// exhausted, shutdown deadline) are written there instead of being
    /// dropped, and replayed when the backend answers again, also by the next
    /// process that opens it (sigil.h, "Spool"). Created 0700 if missing.
    /// Env: `SIGIL_SPOOL_DIR`.
    pub fn spool_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.0.spool_dir = Some(dir.into());
        self
    }

    setters! {
        /// Generation ingest endpoint: "host:port", "grpc://host:port",
        /// "http://host:port[/path]" or "https://...". Env: `SIGIL_ENDPOINT`.
        endpoint: impl Into<String>;
        /// Tenant id (`X-Scope-OrgID`). Env: `SIGIL_AUTH_TENANT_ID`.
        auth_tenant_id: impl Into<String>;
        /// Bearer token. Env: `SIGIL_AUTH_TOKEN`.
        auth_bearer_token: impl Into<String>;
        /// Basic-auth user (the tenant id when unset).
        auth_basic_user: impl Into<String>;
        /// Basic-auth password. Env: `SIGIL_AUTH_TOKEN` (mode basic).
        auth_basic_password: impl Into<String>;
        /// Default agent name of records that set none. Env: `SIGIL_AGENT_NAME`.
        agent_name: impl Into<String>;
        /// Default agent version. Env: `SIGIL_AGENT_VERSION`.
        agent_version: impl Into<String>;
        /// Default end-user id. Env: `SIGIL_USER_ID`.
        user_id: impl Into<String>;
        /// Sigil API base URL, for ratings (default "http://localhost:8080"). Env: `SIGIL_API_ENDPOINT`.
        api_endpoint: impl Into<String>;
        /// OTLP base URL ("/v1/traces" and "/v1/metrics" are appended). Env: `OTEL_EXPORTER_OTLP_ENDPOINT`.
        otlp_endpoint: impl Into<String>;
        /// Full OTLP URL for spans. Env: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`.
        otlp_traces_endpoint: impl Into<String>;
        /// Full OTLP URL for metrics. Env: `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`.
        otlp_metrics_endpoint: impl Into<String>;
        /// Resource `service.name`. Env: `OTEL_SERVICE_NAME`.
        service_name: impl Into<String>;
        /// PEM CA bundle trusted for the Sigil server (export and ratings;
        /// OTLP falls back to it), replacing the system store. Env:
        /// `SIGIL_CA_FILE`, then `SSL_CERT_FILE`.
        ca_file: impl Into<String>;
        /// OpenSSL hashed CA directory, searched as well. Env: `SIGIL_CA_DIR`, then `SSL_CERT_DIR`.
        ca_dir: impl Into<String>;
        /// PEM client certificate for mTLS (may hold the key). Env: `SIGIL_CLIENT_CERT`.
        client_cert: impl Into<String>;
        /// PEM private key of the client certificate. Env: `SIGIL_CLIENT_KEY`.
        client_key: impl Into<String>;
        /// PEM CA bundle for OTLP. Env: `OTEL_EXPORTER_OTLP_[TRACES_|METRICS_]CERTIFICATE`.
        otlp_certificate: impl Into<String>;
        /// Client certificate for OTLP mTLS. Env: `OTEL_EXPORTER_OTLP_[..._]CLIENT_CERTIFICATE`.
        otlp_client_certificate: impl Into<String>;
        /// Its key. Env: `OTEL_EXPORTER_OTLP_[..._]CLIENT_KEY`.
        otlp_client_key: impl Into<String>;
    }

    /// Adds one export header (wins over auth-derived headers). Env: `SIGIL_HEADERS`.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.headers.push((name.into(), value.into()));
        self
    }

    /// Adds one client-wide tag, merged under every generation's tags. Env: `SIGIL_TAGS`.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.tags.push((key.into(), value.into()));
        self
    }

    /// Adds one header sent with every OTLP request. Env: `OTEL_EXPORTER_OTLP_HEADERS`.
    pub fn otlp_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.otlp_headers.push((name.into(), value.into()));
        self
    }

    /// Adds one resource attribute. Env: `OTEL_RESOURCE_ATTRIBUTES`.
    pub fn resource_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.resource_attributes.push((key.into(), value.into()));
        self
    }

    /// Receives background diagnostics. Without one, warnings and errors go
    /// to stderr when `SIGIL_DEBUG` is true and are otherwise only counted.
    pub fn logger(mut self, logger: impl Fn(LogLevel, &str) + Send + Sync + 'static) -> Self {
        self.0.logger = Some(Arc::new(logger));
        self
    }

    /// Receives every finished (sampled) span; see [`SpanCallback`].
    pub fn on_span(mut self, callback: impl Fn(&Span) + Send + Sync + 'static) -> Self {
        self.0.span_callback = Some(Arc::new(callback));
        self
    }

    /// Decides each record's content capture mode when neither its start nor
    /// its context sets one; see [`ContentCaptureResolver`].
    pub fn content_capture_resolver(
        mut self,
        resolver: impl Fn(RecordKind, &serde_json::Map<String, serde_json::Value>) -> Option<ContentCaptureMode>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        self.0.content_capture_resolver = Some(Arc::new(resolver));
        self
    }

    /// Custom redaction after the built-in one, for every text value that
    /// leaves the process (rating comments and metadata too); see [`Sanitizer`].
    pub fn sanitizer(mut self, sanitizer: impl Fn(&str, &str) -> Option<String> + Send + Sync + 'static) -> Self {
        self.0.sanitizer = Some(Arc::new(sanitizer));
        self
    }

    /// Where spans and GenAI metrics go ([`TelemetryMode`](crate::TelemetryMode)).
    /// The default is `Host` when a tracer or meter is given (feature
    /// `otel`), else `Engine`. `Host` and `Both` need the `otel` feature.
    pub fn telemetry_mode(mut self, mode: crate::TelemetryMode) -> Self {
        self.0.telemetry_mode = Some(mode);
        self
    }

    /// The application's OpenTelemetry tracer (feature `otel`): recorders
    /// start their spans through it (see README, "Telemetry").
    #[cfg(feature = "otel")]
    pub fn tracer<T>(mut self, tracer: T) -> Self
    where
        T: opentelemetry::trace::Tracer + Send + Sync + 'static,
        T::Span: Send + Sync + 'static,
    {
        self.0.tracer = Some(Arc::new(opentelemetry::global::BoxedTracer::new(Box::new(tracer))));
        self
    }

    /// The application's OpenTelemetry meter (feature `otel`): the four
    /// GenAI histograms are recorded through it.
    #[cfg(feature = "otel")]
    pub fn meter(mut self, meter: opentelemetry::metrics::Meter) -> Self {
        self.0.meter = Some(meter);
        self
    }

    /// The configuration. Values are validated by [`Client::new`](crate::Client::new).
    pub fn build(self) -> Config {
        self.0
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn redacted(v: &Option<String>) -> Option<&'static str> {
            v.as_ref().map(|_| "<redacted>")
        }
        let header_names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        let otlp_header_names: Vec<&str> = self.otlp_headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Config")
            .field("use_environment", &self.use_environment)
            .field("protocol", &self.protocol)
            .field("endpoint", &self.endpoint)
            .field("insecure", &self.insecure)
            .field("headers", &header_names)
            .field("ca_file", &self.ca_file)
            .field("ca_dir", &self.ca_dir)
            .field("client_cert", &self.client_cert)
            .field("client_key", &self.client_key)
            .field("otlp_certificate", &self.otlp_certificate)
            .field("otlp_client_certificate", &self.otlp_client_certificate)
            .field("otlp_client_key", &self.otlp_client_key)
            .field("auth_mode", &self.auth_mode)
            .field("auth_tenant_id", &self.auth_tenant_id)
            .field("auth_bearer_token", &redacted(&self.auth_bearer_token))
            .field("auth_basic_user", &self.auth_basic_user)
            .field("auth_basic_password", &redacted(&self.auth_basic_password))
            .field("agent_name", &self.agent_name)
            .field("agent_version", &self.agent_version)
            .field("user_id", &self.user_id)
            .field("tags", &self.tags)
            .field("batch_size", &self.batch_size)
            .field("flush_interval", &self.flush_interval)
            .field("queue_size", &self.queue_size)
            .field("queue_max_bytes", &self.queue_max_bytes)
            .field("max_retries", &self.max_retries)
            .field("initial_backoff", &self.initial_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("payload_max_bytes", &self.payload_max_bytes)
            .field("api_endpoint", &self.api_endpoint)
            .field("otlp_endpoint", &self.otlp_endpoint)
            .field("otlp_traces_endpoint", &self.otlp_traces_endpoint)
            .field("otlp_metrics_endpoint", &self.otlp_metrics_endpoint)
            .field("otlp_headers", &otlp_header_names)
            .field("service_name", &self.service_name)
            .field("resource_attributes", &self.resource_attributes)
            .field("metric_export_interval", &self.metric_export_interval)
            .field("embedding_capture", &self.embedding_capture)
            .field("debug", &self.debug)
            .field("content_capture", &self.content_capture)
            .field("redaction", &self.redaction)
            .field("max_field_bytes", &self.max_field_bytes)
            .field("prices_file", &self.prices_file)
            .field("token_estimates", &self.token_estimates)
            .field("content_sample_rate", &self.content_sample_rate)
            .field("export_sample_rate", &self.export_sample_rate)
            .field("spool_dir", &self.spool_dir)
            .field("spool_max_bytes", &self.spool_max_bytes)
            .field("spool_max_age", &self.spool_max_age)
            .field("spool_sync", &self.spool_sync)
            .field("spool_mode", &self.spool_mode)
            .field("content_capture_resolver", &self.content_capture_resolver.as_ref().map(|_| "Fn"))
            .field("sanitizer", &self.sanitizer.as_ref().map(|_| "Fn"))
            .field("logger", &self.logger.as_ref().map(|_| "Fn"))
            .field("on_span", &self.span_callback.as_ref().map(|_| "Fn"))
            .finish()
    }
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An options object filled from a [`Config`]; freed on drop.
pub(crate) struct Options(pub(crate) *mut sigil_sys::sigil_options_t);

impl Drop for Options {
    fn drop(&mut self) {
        // SAFETY: the pointer came from sigil_options_new and is freed once.
        unsafe { sigil_sys::sigil_options_free(self.0) }
    }
}

impl Options {
    /// Translates `config` into option setters (one per knob). The SDK name
    /// is always "sdk-rust".
    pub(crate) fn new(config: &Config) -> Result<Options, Error> {
        use sigil_sys as sys;
        let mut raw = std::ptr::null_mut();
        // SAFETY: out-pointer to a local.
        let st = unsafe { sys::sigil_options_new(&mut raw) };
        if st != sys::SIGIL_OK || raw.is_null() {
            return Err(Error::from_status(st, "cannot allocate options".into()));
        }
        let options = Options(raw);
        let o = options.0;
        let mut setter = Setter { first_error: None };

        setter.string("sdk name", "sdk-rust", |s| unsafe { sys::sigil_options_set_sdk_name(o, s) });
        if let Some(v) = config.use_environment {
            setter.status("use_environment", unsafe { sys::sigil_options_set_use_environment(o, v.into()) });
        }
        if let Some(p) = config.protocol {
            let p = match p {
                Protocol::Grpc => sys::SIGIL_PROTOCOL_GRPC,
                Protocol::Http => sys::SIGIL_PROTOCOL_HTTP,
                Protocol::None => sys::SIGIL_PROTOCOL_NONE,
            };
            setter.status("protocol", unsafe { sys::sigil_options_set_protocol(o, p) });
        }
        if let Some(v) = config.insecure {
            setter.status("insecure", unsafe { sys::sigil_options_set_insecure(o, v.into()) });
        }
        if let Some(m) = config.auth_mode {
            let m = match m {
                AuthMode::None => sys::SIGIL_AUTH_NONE,
                AuthMode::Tenant => sys::SIGIL_AUTH_TENANT,
                AuthMode::Bearer => sys::SIGIL_AUTH_BEARER,
                AuthMode::Basic => sys::SIGIL_AUTH_BASIC,
            };
            setter.status("auth mode", unsafe { sys::sigil_options_set_auth_mode(o, m) });
        }
        type StrSetter = unsafe extern "C" fn(*mut sys::sigil_options_t, *const std::ffi::c_char) -> u32;
        let strings: [(&str, &Option<String>, StrSetter); 20] = [
            ("endpoint", &config.endpoint, sys::sigil_options_set_endpoint),
            ("auth tenant id", &config.auth_tenant_id, sys::sigil_options_set_auth_tenant_id),
            ("auth bearer token", &config.auth_bearer_token, sys::sigil_options_set_auth_bearer_token),
            ("auth basic user", &config.auth_basic_user, sys::sigil_options_set_auth_basic_user),
            ("auth basic password", &config.auth_basic_password, sys::sigil_options_set_auth_basic_password),
            ("agent name", &config.agent_name, sys::sigil_options_set_agent_name),
            ("agent version", &config.agent_version, sys::sigil_options_set_agent_version),
            ("user id", &config.user_id, sys::sigil_options_set_user_id),
            ("API endpoint", &config.api_endpoint, sys::sigil_options_set_api_endpoint),
            ("OTLP endpoint", &config.otlp_endpoint, sys::sigil_options_set_otlp_endpoint),
            ("OTLP traces endpoint", &config.otlp_traces_endpoint, sys::sigil_options_set_otlp_traces_endpoint),
            ("OTLP metrics endpoint", &config.otlp_metrics_endpoint, sys::sigil_options_set_otlp_metrics_endpoint),
            ("service name", &config.service_name, sys::sigil_options_set_service_name),
            ("CA file", &config.ca_file, sys::sigil_options_set_ca_file),
            ("CA directory", &config.ca_dir, sys::sigil_options_set_ca_dir),
            ("client certificate", &config.client_cert, sys::sigil_options_set_client_cert),
            ("client key", &config.client_key, sys::sigil_options_set_client_key),
            ("OTLP certificate", &config.otlp_certificate, sys::sigil_options_set_otlp_certificate),
            (
                "OTLP client certificate",
                &config.otlp_client_certificate,
                sys::sigil_options_set_otlp_client_certificate,
            ),
            ("OTLP client key", &config.otlp_client_key, sys::sigil_options_set_otlp_client_key),
        ];
        for (what, value, set) in strings {
            if let Some(v) = value {
                setter.string(what, v, |s| unsafe { set(o, s) });
            }
        }
        type PairSetter =
            unsafe extern "C" fn(*mut sys::sigil_options_t, *const std::ffi::c_char, *const std::ffi::c_char) -> u32;
        type Pairs = Vec<(String, String)>;
        let pairs: [(&str, &Pairs, PairSetter); 4] = [
            ("header", &config.headers, sys::sigil_options_set_header),
            ("tag", &config.tags, sys::sigil_options_set_tag),
            ("OTLP header", &config.otlp_headers, sys::sigil_options_set_otlp_header),
            ("resource attribute", &config.resource_attributes, sys::sigil_options_set_resource_attribute),
        ];
        for (what, list, set) in pairs {
            for (k, v) in list {
                setter.pair(what, k, v, |k, v| unsafe { set(o, k, v) });
            }
        }
        let u32s: [(&str, Option<u32>, unsafe extern "C" fn(*mut sys::sigil_options_t, u32) -> u32); 7] = [
            ("batch size", config.batch_size, sys::sigil_options_set_batch_size),
            ("flush interval", config.flush_interval.map(crate::ffi::millis), sys::sigil_options_set_flush_interval_ms),
            ("queue size", config.queue_size, sys::sigil_options_set_queue_size),
            (
                "initial backoff",
                config.initial_backoff.map(crate::ffi::millis),
                sys::sigil_options_set_initial_backoff_ms,
            ),
            ("max backoff", config.max_backoff.map(crate::ffi::millis), sys::sigil_options_set_max_backoff_ms),
            (
                "attempt timeout",
                config.attempt_timeout.map(crate::ffi::millis),
                sys::sigil_options_set_attempt_timeout_ms,
            ),
            (
                "metric export interval",
                config.metric_export_interval.map(crate::ffi::millis),
                sys::sigil_options_set_metric_export_interval_ms,
            ),
        ];
        for (what, value, set) in u32s {
            if let Some(v) = value {
                setter.status(what, unsafe { set(o, v) });
            }
        }
        if let Some(v) = config.queue_max_bytes {
            setter.status("queue max bytes", unsafe { sys::sigil_options_set_queue_max_bytes(o, v) });
        }
        if let Some(v) = config.payload_max_bytes {
            setter.status("payload max bytes", unsafe { sys::sigil_options_set_payload_max_bytes(o, v) });
        }
        match config.max_retries {
            Some(0) => setter.status("max retries", unsafe { sys::sigil_options_set_no_retries(o) }),
            Some(n) => setter.status("max retries", unsafe { sys::sigil_options_set_max_retries(o, n) }),
            None => {}
        }
        if let Some(c) = config.embedding_capture {
            setter.status("embedding capture", unsafe {
                sys::sigil_options_set_embedding_capture(
                    o,
                    c.capture_input.into(),
                    c.max_input_items,
                    c.max_text_length,
                )
            });
        }
        if let Some(v) = config.debug {
            setter.status("debug", unsafe { sys::sigil_options_set_debug(o, v.into()) });
        }
        if let Some(m) = config.content_capture {
            setter.status("content capture mode", unsafe { sys::sigil_options_set_content_capture_mode(o, m.raw()) });
        }
        if let Some(r) = config.redaction {
            setter.status("redaction", unsafe { sys::sigil_options_set_redaction(o, r.bits()) });
        }
        if let Some(n) = config.max_field_bytes {
            setter.status("max field bytes", unsafe { sys::sigil_options_set_max_field_bytes(o, n) });
        }
        if let Some(path) = &config.prices_file {
            match path.to_str() {
                Some(p) => setter.string("prices file", p, |s| unsafe { sys::sigil_options_set_prices_file(o, s) }),
                None => setter.fail("prices file is not valid UTF-8"),
            }
        }
        if let Some(v) = config.token_estimates {
            setter.status("token estimates", unsafe { sys::sigil_options_set_token_estimates(o, v.into()) });
        }
        if let Some(r) = config.content_sample_rate {
            setter.status("content sample rate (from 0 to 1)", unsafe {
                sys::sigil_options_set_content_sample_rate(o, r)
            });
        }
        if let Some(r) = config.export_sample_rate {
            setter
                .status("export sample rate (from 0 to 1)", unsafe { sys::sigil_options_set_export_sample_rate(o, r) });
        }
        if let Some(dir) = &config.spool_dir {
            match dir.to_str() {
                Some(d) => setter.string("spool dir", d, |s| unsafe { sys::sigil_options_set_spool_dir(o, s) }),
                None => setter.fail("spool dir is not valid UTF-8"),
            }
        }
        if let Some(n) = config.spool_max_bytes {
            setter.status("spool max bytes", unsafe { sys::sigil_options_set_spool_max_bytes(o, n) });
        }
        if let Some(d) = config.spool_max_age {
            let ms = u64::try_from(d.as_nanos().div_ceil(1_000_000)).unwrap_or(u64::MAX);
            setter.status("spool max age", unsafe { sys::sigil_options_set_spool_max_age_ms(o, ms) });
        }
        if let Some(p) = config.spool_sync {
            let p = match p {
                SpoolSync::None => sys::SIGIL_SPOOL_SYNC_NONE,
                SpoolSync::Batch => sys::SIGIL_SPOOL_SYNC_BATCH,
                SpoolSync::Record => sys::SIGIL_SPOOL_SYNC_RECORD,
            };
            setter.status("spool sync", unsafe { sys::sigil_options_set_spool_sync(o, p) });
        }
        if let Some(m) = config.spool_mode {
            let m = match m {
                SpoolMode::Fallback => sys::SIGIL_SPOOL_MODE_FALLBACK,
                SpoolMode::WriteAhead => sys::SIGIL_SPOOL_MODE_WRITE_AHEAD,
            };
            setter.status("spool mode", unsafe { sys::sigil_options_set_spool_mode(o, m) });
        }
        match setter.first_error {
            Some(e) => Err(e),
            None => Ok(options),
        }
    }
}

/// Calls setters, keeping the first failure as an `InvalidConfig` error.
struct Setter {
    first_error: Option<Error>,
}

impl Setter {
    fn fail(&mut self, message: &str) {
        if self.first_error.is_none() {
            self.first_error = Some(Error::InvalidConfig(message.to_string()));
        }
    }

    fn status(&mut self, what: &str, st: u32) {
        if st != sigil_sys::SIGIL_OK && self.first_error.is_none() {
            self.first_error =
                Some(Error::InvalidConfig(format!("invalid {what} ({})", crate::error::status_name(st))));
        }
    }

    fn cstring(&mut self, what: &str, s: &str) -> Option<std::ffi::CString> {
        match std::ffi::CString::new(s) {
            Ok(c) => Some(c),
            Err(_) => {
                if self.first_error.is_none() {
                    self.first_error = Some(Error::InvalidConfig(format!("{what} contains a NUL byte")));
                }
                None
            }
        }
    }

    fn string(&mut self, what: &str, s: &str, set: impl FnOnce(*const std::ffi::c_char) -> u32) {
        if let Some(c) = self.cstring(what, s) {
            let st = set(c.as_ptr());
            self.status(what, st);
        }
    }

    fn pair(
        &mut self,
        what: &str,
        k: &str,
        v: &str,
        set: impl FnOnce(*const std::ffi::c_char, *const std::ffi::c_char) -> u32,
    ) {
        if let (Some(k), Some(v)) = (self.cstring(what, k), self.cstring(what, v)) {
            let st = set(k.as_ptr(), v.as_ptr());
            self.status(what, st);
        }
    }
}
