use std::ffi::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::Arc;
use std::time::Duration;

use sigil_sys as sys;

use crate::config::{Config, LogLevel, Logger, Options, SpanCallback};
use crate::context::{Context, ContextGuard};
use crate::error::{check, Error, Result};
use crate::ffi::millis;
use crate::privacy::{ContentCaptureResolver, RecordKind, Sanitizer};
use crate::span::Span;

/// Records generations, tool executions and embeddings through one libsigil
/// client, which validates, batches and exports in the background.
///
/// `Client` is `Send + Sync` and cheap to clone (clones share one engine
/// client). Call [`shutdown`](Client::shutdown) before the process exits to
/// deliver what is queued; when the last clone (and the last recorder started
/// from it) is dropped, the engine client is shut down with a 5 s deadline
/// and freed.
///
/// ```no_run
/// use std::time::Duration;
///
/// let client = sigil::Client::new(sigil::Config::default())?; // SIGIL_* environment
/// // ... record ...
/// client.shutdown(Duration::from_secs(5))?;
/// # Ok::<(), sigil::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) ptr: NonNull<sys::sigil_client_t>,
    // Borrowed by the engine (user_data) until sigil_client_free returns;
    // dropped after it, in ClientInner's drop.
    _logger: Option<Box<Logger>>,
    _span_callback: Option<Box<SpanCallback>>,
    _resolver: Option<Box<ContentCaptureResolver>>,
    _sanitizer: Option<Box<Sanitizer>>,
    has_resolver: bool,
    /// The host OpenTelemetry pipeline (feature `otel`), also the metric
    /// callback's user data.
    #[cfg(feature = "otel")]
    pub(crate) host: Option<Arc<crate::host::Host>>,
    /// Set by shutdown: recorders started afterwards record nothing, so
    /// they start no host span.
    closed: std::sync::atomic::AtomicBool,
}

impl ClientInner {
    #[cfg_attr(not(feature = "otel"), allow(dead_code))]
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(std::sync::atomic::Ordering::Relaxed)
    }
}

// SAFETY: a sigil_client_t is fully thread-safe (sigil.h, THREADING), and the
// callbacks it holds are Send + Sync.
unsafe impl Send for ClientInner {}
unsafe impl Sync for ClientInner {}

impl Drop for ClientInner {
    fn drop(&mut self) {
        // SAFETY: the client is freed once; no recorder outlives it (they hold
        // an Arc<ClientInner>). Shuts down with a 5 s deadline if still running.
        unsafe { sys::sigil_client_free(self.ptr.as_ptr()) }
    }
}

unsafe extern "C" fn log_trampoline(user_data: *mut c_void, level: u32, message: *const c_char, len: usize) {
    // No panic may unwind into the engine.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let logger = &*(user_data as *const Logger);
        let bytes = if message.is_null() { &[][..] } else { std::slice::from_raw_parts(message.cast::<u8>(), len) };
        logger(LogLevel::from_raw(level), &String::from_utf8_lossy(bytes));
    }));
}

unsafe extern "C" fn span_trampoline(user_data: *mut c_void, span: *const sys::sigil_span_t) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if let Some(raw) = span.as_ref() {
            let callback = &*(user_data as *const SpanCallback);
            callback(&Span::from_raw(raw));
        }
    }));
}

#[cfg(feature = "otel")]
unsafe extern "C" fn metric_trampoline(user_data: *mut c_void, point: *const sys::sigil_metric_point_t) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if let Some(p) = point.as_ref() {
            let host = &*(user_data as *const crate::host::Host);
            host.on_metric(&crate::span::metric_point(p));
        }
    }));
}

unsafe extern "C" fn resolver_trampoline(
    user_data: *mut c_void,
    kind: u32,
    metadata: *const c_char,
    len: usize,
    mode: *mut u32,
) -> std::ffi::c_int {
    let decided = catch_unwind(AssertUnwindSafe(|| {
        let resolver = &*(user_data as *const ContentCaptureResolver);
        let metadata = if metadata.is_null() || len == 0 {
            serde_json::Map::new()
        } else {
            // The engine hands over the metadata JSON object it was given.
            serde_json::from_slice(std::slice::from_raw_parts(metadata.cast::<u8>(), len)).ok()?
        };
        Some(resolver(RecordKind::from_raw(kind), &metadata))
    }));
    match decided {
        Ok(Some(m)) if !mode.is_null() => {
            *mode = crate::privacy::raw_mode(m);
            0
        }
        _ => 1, // the engine fails closed: metadata only
    }
}

unsafe extern "C" fn sanitizer_trampoline(
    user_data: *mut c_void,
    path: *const c_char,
    path_len: usize,
    value: *const c_char,
    value_len: usize,
    out: *mut sys::sigil_sanitized_t,
) -> std::ffi::c_int {
    let text = |p: *const c_char, n: usize| {
        String::from_utf8_lossy(if p.is_null() { &[][..] } else { std::slice::from_raw_parts(p.cast::<u8>(), n) })
    };
    let decided = catch_unwind(AssertUnwindSafe(|| {
        let sanitizer = &*(user_data as *const Sanitizer);
        sanitizer(&text(path, path_len), &text(value, value_len))
    }));
    match decided {
        Ok(None) => 0,
        Ok(Some(replacement)) => {
            let st = sys::sigil_sanitized_set(out, replacement.as_ptr().cast(), replacement.len());
            std::ffi::c_int::from(st != sys::SIGIL_OK)
        }
        Err(_) => 1, // the engine fails closed: "[REDACTED:sanitizer_error]"
    }
}

/// Export counters since the client started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Stats {
    pub generations_enqueued: u64,
    /// Accepted by the server.
    pub generations_exported: u64,
    /// Refused by the server (per item or request).
    pub generations_rejected: u64,
    pub dropped_queue_full: u64,
    pub dropped_byte_budget: u64,
    pub dropped_payload_too_large: u64,
    pub dropped_retry_exhausted: u64,
    pub dropped_shutdown_timeout: u64,
    pub validation_failures: u64,
    pub export_attempts: u64,
    pub export_retries: u64,
    /// Currently queued.
    pub queue_items: u64,
    /// Currently queued, estimated.
    pub queue_bytes: u64,
    /// Refused by the spool's byte or age budget.
    pub dropped_spool_full: u64,
    /// The sum of every `dropped_*` counter.
    pub dropped_total: u64,
    /// Undeliverable, kept in the spool.
    pub generations_spooled: u64,
    /// Delivered from the spool (of this or an earlier process) and accepted;
    /// not counted in `generations_exported`.
    pub generations_replayed: u64,
    /// Spans accepted by the OTLP receiver (the engine's own OTLP export).
    pub spans_exported: u64,
    /// Spans lost: neither exported nor spooled.
    pub spans_dropped: u64,
    /// Metrics exports that did not reach the receiver and were not spooled.
    pub metric_exports_failed: u64,
    /// Spans kept in the spool when the receiver could not take them.
    pub spans_spooled: u64,
    /// Spooled spans this client delivered later.
    pub spans_replayed: u64,
    /// Final metrics snapshots kept in the spool.
    pub metric_exports_spooled: u64,
    /// Spooled snapshots this client delivered later.
    pub metric_exports_replayed: u64,
    /// Scores taken by [`Client::submit_score`].
    pub scores_enqueued: u64,
    /// Scores accepted by the server (a known score id too).
    pub scores_exported: u64,
    /// Scores refused by the server.
    pub scores_rejected: u64,
    /// Scores lost: queue full, retries over, or shutdown deadline.
    pub scores_dropped: u64,
    pub score_export_attempts: u64,
    pub score_export_retries: u64,
    /// Generations with usage (or an estimate) whose model has no price.
    pub generations_unpriced: u64,
    /// Generations not exported: outside the export sample.
    pub generations_export_sampled_out: u64,
    /// Generations exported metadata-only: outside the content sample.
    pub generations_content_sampled_out: u64,
}

impl Stats {
    /// Every generation dropped before delivery, for any reason (`dropped_total`).
    pub fn dropped(&self) -> u64 {
        self.dropped_total
    }
}

impl Client {
    /// Creates a client: the engine resolves `config`, the `SIGIL_*` / `OTEL_*`
    /// environment and the defaults, validates the result, and starts its
    /// background export worker. Fails with [`Error::InvalidConfig`] for an
    /// invalid configuration (also when the linked libsigil implements a
    /// different ABI than this crate was written for).
    pub fn new(config: Config) -> Result<Client> {
        // SAFETY: no arguments.
        let abi = unsafe { sys::sigil_abi_version() };
        if abi != sys::SIGIL_ABI_VERSION {
            return Err(Error::InvalidConfig(format!(
                "libsigil ABI mismatch: the library implements ABI {abi}, this crate was built for ABI {}",
                sys::SIGIL_ABI_VERSION
            )));
        }
        let options = Options::new(&config)?;
        let mode = config.resolved_telemetry_mode();
        #[cfg(feature = "otel")]
        let host = config.tracer.is_some() || config.meter.is_some() || mode != crate::TelemetryMode::Engine;
        #[cfg(feature = "otel")]
        let host = host.then(|| {
            Arc::new(crate::host::Host::new(
                config.tracer.clone(),
                config.meter.clone(),
                mode != crate::TelemetryMode::Engine,
            ))
        });
        #[cfg(not(feature = "otel"))]
        if mode != crate::TelemetryMode::Engine {
            return Err(Error::InvalidConfig(format!(
                "telemetry mode {mode:?} needs the application's OpenTelemetry tracer and meter: enable the sigil crate's `otel` feature"
            )));
        }
        let logger = config.logger.map(Box::new);
        #[cfg(feature = "otel")]
        let span_callback: Option<crate::config::SpanCallback> = match (&host, config.span_callback.clone()) {
            (Some(h), user) if h.pipeline => {
                let h = h.clone();
                Some(Arc::new(move |s: &Span| {
                    h.on_span(s);
                    if let Some(u) = &user {
                        u(s);
                    }
                }))
            }
            (_, user) => user,
        };
        #[cfg(not(feature = "otel"))]
        let span_callback = config.span_callback.clone();
        let span_callback = span_callback.map(Box::new);
        let resolver = config.content_capture_resolver.map(Box::new);
        let sanitizer = config.sanitizer.map(Box::new);
        // SAFETY: the boxes are kept in ClientInner and outlive the engine client.
        unsafe {
            if let Some(l) = &logger {
                let user_data = &**l as *const Logger as *mut c_void;
                check(sys::sigil_options_set_logger(options.0, Some(log_trampoline), user_data), std::ptr::null_mut())?;
            }
            if let Some(s) = &span_callback {
                let user_data = &**s as *const SpanCallback as *mut c_void;
                check(
                    sys::sigil_options_set_span_callback(options.0, Some(span_trampoline), user_data),
                    std::ptr::null_mut(),
                )?;
            }
            #[cfg(feature = "otel")]
            if let Some(h) = host.as_ref().filter(|h| h.pipeline) {
                let user_data = Arc::as_ptr(h) as *mut c_void;
                check(
                    sys::sigil_options_set_metric_callback(options.0, Some(metric_trampoline), user_data),
                    std::ptr::null_mut(),
                )?;
            }
            check(sys::sigil_options_set_telemetry_pipeline(options.0, mode.raw()), std::ptr::null_mut())?;
            if let Some(r) = &resolver {
                let user_data = &**r as *const ContentCaptureResolver as *mut c_void;
                let st =
                    sys::sigil_options_set_content_capture_resolver(options.0, Some(resolver_trampoline), user_data);
                check(st, std::ptr::null_mut())?;
            }
            if let Some(s) = &sanitizer {
                let user_data = &**s as *const Sanitizer as *mut c_void;
                check(
                    sys::sigil_options_set_sanitizer(options.0, Some(sanitizer_trampoline), user_data),
                    std::ptr::null_mut(),
                )?;
            }
        }
        let mut raw = std::ptr::null_mut();
        let mut err = std::ptr::null_mut();
        // SAFETY: options is valid for the call; out-pointers to locals.
        unsafe { check(sys::sigil_client_new(options.0, &mut raw, &mut err), err)? };
        let ptr =
            NonNull::new(raw).ok_or_else(|| Error::InternalError("sigil_client_new returned no client".into()))?;
        Ok(Client {
            inner: Arc::new(ClientInner {
                ptr,
                _logger: logger,
                _span_callback: span_callback,
                has_resolver: resolver.is_some(),
                _resolver: resolver,
                _sanitizer: sanitizer,
                #[cfg(feature = "otel")]
                host,
                closed: std::sync::atomic::AtomicBool::new(false),
            }),
        })
    }

    /// A client configured by the environment and defaults only
    /// (`Client::new(Config::default())`).
    pub fn from_env() -> Result<Client> {
        Client::new(Config::default())
    }

    pub(crate) fn raw(&self) -> *mut sys::sigil_client_t {
        self.inner.ptr.as_ptr()
    }

    /// For a start under an explicit context: makes `ctx` current on this
    /// thread for the call, so that the resolver (which the engine calls
    /// during the start) sees the record's context. Only with a resolver.
    pub(crate) fn resolver_scope(&self, ctx: &Context) -> Option<ContextGuard> {
        self.inner.has_resolver.then(|| ctx.clone().attach())
    }

    /// Blocks until every generation ended before the call has been delivered
    /// or dropped, or until `timeout` passes ([`Error::Timeout`]); with OTLP
    /// export configured, spans and a metrics snapshot are then sent within
    /// the same deadline. [`Error::ClientShutdown`] after shutdown.
    pub fn flush(&self, timeout: Duration) -> Result<()> {
        let mut err = std::ptr::null_mut();
        // SAFETY: valid client; out-pointer to a local.
        unsafe { check(sys::sigil_client_flush(self.raw(), millis(timeout), &mut err), err) }
    }

    /// Stops accepting records, delivers what is queued within `timeout`,
    /// then stops the background workers. What cannot be delivered in time is
    /// dropped, counted, and reported as [`Error::Timeout`]. Idempotent: later
    /// calls return `Ok` at once. Recorders ended afterwards report
    /// [`Error::ClientShutdown`].
    pub fn shutdown(&self, timeout: Duration) -> Result<()> {
        self.inner.closed.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut err = std::ptr::null_mut();
        // SAFETY: as for flush.
        unsafe { check(sys::sigil_client_shutdown(self.raw(), millis(timeout), &mut err), err) }
    }

    /// The export counters since the client started.
    pub fn stats(&self) -> Stats {
        let mut s = sys::sigil_stats_t { version: sys::SIGIL_STATS_VERSION, ..Default::default() };
        // SAFETY: valid client; `s` has its version set.
        unsafe { sys::sigil_client_stats(self.raw(), &mut s) };
        Stats {
            generations_enqueued: s.generations_enqueued,
            generations_exported: s.generations_exported,
            generations_rejected: s.generations_rejected,
            dropped_queue_full: s.dropped_queue_full,
            dropped_byte_budget: s.dropped_byte_budget,
            dropped_payload_too_large: s.dropped_payload_too_large,
            dropped_retry_exhausted: s.dropped_retry_exhausted,
            dropped_shutdown_timeout: s.dropped_shutdown_timeout,
            validation_failures: s.validation_failures,
            export_attempts: s.export_attempts,
            export_retries: s.export_retries,
            queue_items: s.queue_items,
            queue_bytes: s.queue_bytes,
            dropped_spool_full: s.dropped_spool_full,
            dropped_total: s.dropped_total,
            generations_spooled: s.generations_spooled,
            generations_replayed: s.generations_replayed,
            spans_exported: s.spans_exported,
            spans_dropped: s.spans_dropped,
            metric_exports_failed: s.metric_exports_failed,
            spans_spooled: s.spans_spooled,
            spans_replayed: s.spans_replayed,
            metric_exports_spooled: s.metric_exports_spooled,
            metric_exports_replayed: s.metric_exports_replayed,
            scores_enqueued: s.scores_enqueued,
            scores_exported: s.scores_exported,
            scores_rejected: s.scores_rejected,
            scores_dropped: s.scores_dropped,
            score_export_attempts: s.score_export_attempts,
            score_export_retries: s.score_export_retries,
            generations_unpriced: s.generations_unpriced,
            generations_export_sampled_out: s.generations_export_sampled_out,
            generations_content_sampled_out: s.generations_content_sampled_out,
        }
    }

    /// The aggregated GenAI histograms as JSON (see
    /// `sigil_client_metrics_snapshot` in sigil.h for the shape). Works after
    /// shutdown too.
    pub fn metrics_snapshot(&self) -> Result<serde_json::Value> {
        let mut out = std::ptr::null_mut();
        let mut len = 0usize;
        let mut err = std::ptr::null_mut();
        // SAFETY: valid client; out-pointers to locals; the snapshot is freed below.
        unsafe {
            check(sys::sigil_client_metrics_snapshot(self.raw(), &mut out, &mut len, &mut err), err)?;
            let bytes = std::slice::from_raw_parts(out.cast::<u8>(), len);
            let parsed = serde_json::from_slice(bytes);
            sys::sigil_metrics_snapshot_free(out);
            parsed.map_err(|e| Error::InternalError(format!("metrics snapshot is not JSON: {e}")))
        }
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("ptr", &self.inner.ptr).finish()
    }
}

/// Validates a generation with the rules
/// [`GenerationRecorder::end`](crate::GenerationRecorder::end) applies,
/// without a client and without recording anything.
///
/// ```
/// use sigil::{Generation, Message, ModelRef};
///
/// let g = Generation {
///     model: ModelRef::new("openai", "gpt-4o"),
///     input: vec![Message::user_text("Hello")],
///     ..Default::default()
/// };
/// assert!(sigil::validate_generation(&g).is_ok());
///
/// let no_model = Generation::default();
/// assert!(matches!(sigil::validate_generation(&no_model), Err(sigil::Error::ValidationFailed(_))));
/// ```
pub fn validate_generation(generation: &crate::Generation) -> Result<()> {
    let mut args = crate::ffi::Args::new();
    let doc = args.json(|b| crate::encode::generation(b, generation));
    let mut err = std::ptr::null_mut();
    // SAFETY: the document is valid for the call; out-pointer to a local.
    unsafe { check(sys::sigil_validate_generation_json(args.ptr(doc), args.len(doc), &mut err), err) }
}

/// The linked libsigil's version ("MAJOR.MINOR.PATCH").
pub fn version() -> &'static str {
    // SAFETY: a static, NUL-terminated string.
    unsafe { std::ffi::CStr::from_ptr(sys::sigil_version_string()) }.to_str().unwrap_or("")
}
