use std::ffi::c_char;
use std::fmt::Display;
use std::sync::Arc;
use std::time::SystemTime;

use sigil_sys as sys;

use crate::client::{Client, ClientInner};
use crate::context::Context;
use crate::error::{check, status_name, Error, Result};
use crate::ffi::{unix_ns, Args};
use crate::generation::{child_context, record_context, traceparent};
use crate::model::ModelRef;

/// What is known before an embedding call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmbeddingStart {
    /// Required by validation.
    pub model: ModelRef,
    pub agent_name: String,
    pub agent_version: String,
    /// Requested dimensions.
    pub dimensions: Option<i64>,
    /// E.g. "float", "base64".
    pub encoding_format: String,
    /// Default: now.
    pub started_at: Option<SystemTime>,
    /// This record's content capture mode; `None` takes the resolver's, then
    /// the client's (a context's mode does not apply to embeddings, as in
    /// the reference SDKs).
    pub content_capture: Option<crate::ContentCaptureMode>,
}

impl EmbeddingStart {
    /// A start for `model`, everything else unset.
    pub fn new(model: ModelRef) -> EmbeddingStart {
        EmbeddingStart { model, ..Default::default() }
    }
}

/// What an embedding call returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmbeddingResult {
    pub input_count: i64,
    pub input_tokens: i64,
    pub response_model: String,
    pub dimensions: Option<i64>,
    /// Recorded on the span only when embedding capture is configured.
    pub input_texts: Vec<String>,
}

/// Records one embedding call: a span (`embeddings <model>`) and metrics;
/// embeddings are not exported as generations. Ends on drop too.
#[must_use = "a recorder ends when dropped: keep it until the call completes, then call end()"]
pub struct EmbeddingRecorder {
    handle: *mut sys::sigil_embedding_t,
    _client: Option<Arc<ClientInner>>,
    context: Context,
    pending: Option<Error>,
    /// The host pipeline's span (feature `otel`); dropped after the end.
    #[cfg_attr(not(feature = "otel"), allow(dead_code))]
    host: crate::host::HostSlot,
}

// SAFETY: as for GenerationRecorder.
unsafe impl Send for EmbeddingRecorder {}

impl Client {
    /// Starts an embedding call under this thread's current [`Context`].
    pub fn start_embedding(&self, start: &EmbeddingStart) -> EmbeddingRecorder {
        Context::with_current(|ctx| self.start_embedding_impl(start, ctx))
    }

    /// Starts an embedding call under an explicit context.
    pub fn start_embedding_with_context(&self, s: &EmbeddingStart, ctx: &Context) -> EmbeddingRecorder {
        let _scope = self.resolver_scope(ctx);
        self.start_embedding_impl(s, ctx)
    }

    fn start_embedding_impl(&self, s: &EmbeddingStart, ctx: &Context) -> EmbeddingRecorder {
        let mut a = Args::new();
        let model_provider = a.str("model.provider", &s.model.provider);
        let model_name = a.str("model.name", &s.model.name);
        let agent_name = a.str("agent_name", &s.agent_name);
        let agent_version = a.str("agent_version", &s.agent_version);
        let encoding_format = a.str("encoding_format", &s.encoding_format);
        let c = ctx.data();
        // Only the call's own mode: embeddings do not follow a context's (or
        // an enclosing generation's) mode, as in the reference SDKs.
        let mode = s.content_capture;
        let ctx_agent_name = a.opt("context agent_name", c.and_then(|c| c.agent_name.as_deref()));
        let ctx_agent_version = a.opt("context agent_version", c.and_then(|c| c.agent_version.as_deref()));
        let hs = crate::host::begin(
            &self.inner,
            c,
            crate::RecordKind::Embedding,
            || crate::host::span_name("embeddings", &s.model.name),
            s.started_at.map_or(0, unix_ns),
        );
        let parent = a.opt("context parent_traceparent", hs.parent.as_deref());
        let span_tp = a.opt("span traceparent", hs.span_traceparent.as_deref());
        let failed = |e| EmbeddingRecorder {
            handle: std::ptr::null_mut(),
            _client: Some(self.inner.clone()),
            context: ctx.clone(),
            pending: Some(e),
            host: Default::default(),
        };
        if let Some(e) = a.error.take() {
            hs.finish(&self.inner, || None, false);
            return failed(e);
        }
        let raw = sys::sigil_embedding_start_t {
            version: sys::SIGIL_EMBEDDING_START_VERSION,
            model_provider: a.ptr(model_provider),
            model_name: a.ptr(model_name),
            agent_name: a.ptr(agent_name),
            agent_version: a.ptr(agent_version),
            has_dimensions: s.dimensions.is_some().into(),
            dimensions: s.dimensions.unwrap_or(0),
            encoding_format: a.ptr(encoding_format),
            started_at_ns: hs.started_at_ns,
            context_agent_name: a.ptr(ctx_agent_name),
            context_agent_version: a.ptr(ctx_agent_version),
            parent_traceparent: a.ptr(parent),
            content_capture: crate::privacy::raw_mode(mode),
            parent_is_local: hs.parent_is_local.into(),
            span_traceparent: a.ptr(span_tp),
        };
        let mut handle = std::ptr::null_mut();
        // SAFETY: `raw` and its strings are valid for the call.
        let st = unsafe { sys::sigil_embedding_start(self.raw(), &raw, &mut handle) };
        // SAFETY: live (or NULL) handle; the buffer is large enough.
        let host = hs.finish(
            &self.inner,
            || crate::generation::traceparent(|buf, len| unsafe { sys::sigil_embedding_traceparent(handle, buf, len) }),
            !handle.is_null(),
        );
        if handle.is_null() {
            return failed(Error::from_status(st, status_name(st).into()));
        }
        EmbeddingRecorder {
            handle,
            _client: Some(self.inner.clone()),
            context: record_context(ctx, s.content_capture),
            pending: None,
            host,
        }
    }
}

impl EmbeddingRecorder {
    /// The engine handle (NULL for a recorder that could not start).
    pub(crate) fn raw_handle(&self) -> *mut sys::sigil_embedding_t {
        self.handle
    }
}

impl EmbeddingRecorder {
    /// Sets the result (the last call wins). A text C cannot receive (one
    /// holding a NUL byte) is an [`Error::InvalidArgument`], returned here and
    /// by [`end`](Self::end).
    pub fn set_result(&mut self, result: &EmbeddingResult) -> Result<()> {
        if self.handle.is_null() {
            return Ok(());
        }
        let mut a = Args::new();
        let response_model = a.str("response_model", &result.response_model);
        let slots: Vec<_> = result.input_texts.iter().map(|t| a.always("input_texts", t)).collect();
        if let Some(e) = a.error.take() {
            self.pending.get_or_insert(e.clone());
            return Err(e);
        }
        let texts: Vec<*const c_char> = slots.iter().map(|&s| a.ptr(s)).collect();
        let raw = sys::sigil_embedding_result_t {
            version: sys::SIGIL_EMBEDDING_RESULT_VERSION,
            input_count: result.input_count,
            input_tokens: result.input_tokens,
            response_model: a.ptr(response_model),
            has_dimensions: result.dimensions.is_some().into(),
            dimensions: result.dimensions.unwrap_or(0),
            input_texts: if texts.is_empty() { std::ptr::null() } else { texts.as_ptr() },
            input_texts_count: texts.len(),
        };
        // SAFETY: live handle; `raw` and its strings are valid for the call.
        let st = unsafe { sys::sigil_embedding_set_result(self.handle, &raw) };
        match st {
            sys::SIGIL_OK => Ok(()),
            st => Err(Error::from_status(st, status_name(st).into())),
        }
    }

    /// Records that the embedding call failed (not a local error).
    pub fn set_call_error(&mut self, error: impl Display) {
        self.call_error(&error.to_string(), 0);
    }

    /// [`set_call_error`](Self::set_call_error) with the provider's HTTP status.
    pub fn set_call_error_with_status(&mut self, error: impl Display, http_status: u16) {
        self.call_error(&error.to_string(), http_status.into());
    }

    fn call_error(&mut self, message: &str, http_status: i32) {
        if !self.handle.is_null() {
            // SAFETY: live handle; the message is borrowed for the call.
            unsafe {
                sys::sigil_embedding_set_call_error(self.handle, message.as_ptr().cast(), message.len(), http_status)
            };
        }
    }

    /// This embedding's span as a W3C traceparent.
    pub fn traceparent(&self) -> Option<String> {
        // SAFETY: live (or NULL) handle; the buffer is large enough.
        traceparent(|buf, len| unsafe { sys::sigil_embedding_traceparent(self.handle, buf, len) })
    }

    /// The OpenTelemetry context with this record's span current (feature
    /// `otel`; see [`GenerationRecorder::otel_context`](crate::GenerationRecorder::otel_context)).
    #[cfg(feature = "otel")]
    pub fn otel_context(&self) -> opentelemetry::Context {
        self.host.cx.clone().unwrap_or_else(opentelemetry::Context::current)
    }

    /// The start context with this embedding as the parent span.
    pub fn context(&self) -> Context {
        child_context(&self.context, self.traceparent())
    }

    /// Ends the embedding: [`Error::ValidationFailed`] for an invalid start
    /// or result, [`Error::ClientShutdown`] after shutdown.
    pub fn end(mut self) -> Result<()> {
        let handle = std::mem::replace(&mut self.handle, std::ptr::null_mut());
        if let Some(e) = self.pending.take() {
            if !handle.is_null() {
                // SAFETY: live handle, freed once; it ends without the bad result.
                unsafe { sys::sigil_embedding_free(handle) };
            }
            return Err(e);
        }
        let mut err = std::ptr::null_mut();
        // SAFETY: live handle, ended and freed once.
        unsafe {
            let st = sys::sigil_embedding_end(handle, &mut err);
            sys::sigil_embedding_free(handle);
            check(st, err)
        }
    }
}

impl Drop for EmbeddingRecorder {
    /// Ends the embedding if [`end`](Self::end) was not called; while a panic
    /// unwinds, records the call as failed ("panicked") first.
    fn drop(&mut self) {
        if self.handle.is_null() {
            return;
        }
        if std::thread::panicking() {
            self.call_error("panicked while the embedding was in progress", 0);
        }
        // Dropping is this binding's scoped end (RAII), so it ends the record
        // itself: the engine warns only about recorders freed without end.
        // SAFETY: live handle; ended (a second end is a no-op error), then freed once.
        unsafe {
            sys::sigil_embedding_end(self.handle, std::ptr::null_mut());
            sys::sigil_embedding_free(self.handle);
        }
        self.handle = std::ptr::null_mut();
    }
}

impl std::fmt::Debug for EmbeddingRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddingRecorder").field("traceparent", &self.traceparent()).finish()
    }
}
