use std::ffi::{c_char, CStr};
use std::fmt::Display;
use std::sync::Arc;
use std::time::SystemTime;

use sigil_sys as sys;

use crate::client::{Client, ClientInner};
use crate::context::Context;
use crate::error::{check, status_name, Error, Result};
use crate::ffi::{unix_ns, Args};
use crate::model::{Generation, GenerationStart};
use crate::privacy::ContentCaptureMode;

/// Records one in-flight generation (a model call). Start it with
/// [`Client::start_generation`], set what happened, then [`end`](Self::end)
/// it — or let it drop, which ends it too (discarding the error).
///
/// ```no_run
/// use sigil::{Client, Generation, GenerationStart, Message, ModelRef, TokenUsage};
///
/// # fn main() -> Result<(), sigil::Error> {
/// let client = Client::from_env()?;
/// let mut rec = client.start_generation(&GenerationStart::new(ModelRef::new("openai", "gpt-4o")));
/// // ... call the model ...
/// rec.set_result(&Generation {
///     input: vec![Message::user_text("Hello")],
///     output: vec![Message::assistant_text("Hi!")],
///     usage: TokenUsage { input_tokens: 5, output_tokens: 2, ..Default::default() },
///     ..Default::default()
/// })?;
/// rec.end()?; // validation, queue full, shutdown: local errors only
/// # Ok(()) }
/// ```
///
/// A recorder has one owner at a time: it is `Send` (it may move between
/// threads) but not `Sync`. Ending never waits on I/O: the generation is
/// validated and queued, and the client's worker exports it.
#[must_use = "a recorder ends when dropped: keep it until the call completes, then call end()"]
pub struct GenerationRecorder {
    /// NULL for a recorder the binding could not start (see `pending`).
    handle: *mut sys::sigil_generation_t,
    /// Keeps the client (and the callbacks the engine may call while this
    /// recorder ends) alive.
    _client: Option<Arc<ClientInner>>,
    context: Context,
    /// Why the engine has no recorder: reported by `end`.
    pending: Option<Error>,
    /// The host pipeline's span (feature `otel`); dropped after the end.
    #[cfg_attr(not(feature = "otel"), allow(dead_code))]
    host: crate::host::HostSlot,
}

// SAFETY: a recorder may move between threads (sigil.h, THREADING); it is not
// Sync because calls on one recorder must not overlap.
unsafe impl Send for GenerationRecorder {}

impl Client {
    /// Starts a synchronous generation (mode SYNC, operation "generateText"
    /// by default) under this thread's current [`Context`].
    pub fn start_generation(&self, start: &GenerationStart) -> GenerationRecorder {
        Context::with_current(|ctx| self.start_generation_impl(start, ctx, false))
    }

    /// Starts a streaming generation (mode STREAM, operation "streamText" by
    /// default) under this thread's current [`Context`]. Record the first
    /// chunk's arrival with [`GenerationRecorder::set_first_token_at`].
    pub fn start_streaming_generation(&self, start: &GenerationStart) -> GenerationRecorder {
        Context::with_current(|ctx| self.start_generation_impl(start, ctx, true))
    }

    /// [`start_generation`](Self::start_generation) under an explicit context.
    pub fn start_generation_with_context(&self, start: &GenerationStart, context: &Context) -> GenerationRecorder {
        let _scope = self.resolver_scope(context);
        self.start_generation_impl(start, context, false)
    }

    /// [`start_streaming_generation`](Self::start_streaming_generation) under an explicit context.
    pub fn start_streaming_generation_with_context(
        &self,
        start: &GenerationStart,
        context: &Context,
    ) -> GenerationRecorder {
        let _scope = self.resolver_scope(context);
        self.start_generation_impl(start, context, true)
    }

    fn start_generation_impl(&self, s: &GenerationStart, ctx: &Context, streaming: bool) -> GenerationRecorder {
        let mut a = Args::new();
        let id = a.str("id", &s.id);
        let conversation_id = a.str("conversation_id", &s.conversation_id);
        let conversation_title = a.str("conversation_title", &s.conversation_title);
        let user_id = a.str("user_id", &s.user_id);
        let agent_name = a.str("agent_name", &s.agent_name);
        let agent_version = a.str("agent_version", &s.agent_version);
        let operation_name = a.str("operation_name", &s.operation_name);
        let model_provider = a.str("model.provider", &s.model.provider);
        let model_name = a.str("model.name", &s.model.name);
        let system_prompt = a.str("system_prompt", &s.system_prompt);
        let tool_choice = s.tool_choice.as_deref().and_then(|c| a.always("tool_choice", c));
        let tools = (!s.tools.is_empty()).then(|| a.json(|b| crate::encode::tools(b, &s.tools))).flatten();
        let tags = (!s.tags.is_empty()).then(|| a.json(|b| crate::encode::tags(b, &s.tags))).flatten();
        let metadata = (!s.metadata.is_empty()).then(|| a.json(|b| crate::encode::metadata(b, &s.metadata))).flatten();
        let c = ctx.data();
        let mode = s.content_capture.or_else(|| ctx.content_capture_mode());
        let ctx_conversation_id = a.opt("context conversation_id", c.and_then(|c| c.conversation_id.as_deref()));
        let ctx_conversation_title =
            a.opt("context conversation_title", c.and_then(|c| c.conversation_title.as_deref()));
        let ctx_user_id = a.opt("context user_id", c.and_then(|c| c.user_id.as_deref()));
        let ctx_agent_name = a.opt("context agent_name", c.and_then(|c| c.agent_name.as_deref()));
        let ctx_agent_version = a.opt("context agent_version", c.and_then(|c| c.agent_version.as_deref()));
        let hs = crate::host::begin(
            &self.inner,
            c,
            crate::RecordKind::Generation,
            || {
                crate::host::span_name(
                    if !s.operation_name.is_empty() {
                        &s.operation_name
                    } else if streaming {
                        "streamText"
                    } else {
                        "generateText"
                    },
                    &s.model.name,
                )
            },
            s.started_at.map_or(0, unix_ns),
        );
        let parent = a.opt("context parent_traceparent", hs.parent.as_deref());
        let span_tp = a.opt("span traceparent", hs.span_traceparent.as_deref());
        if let Some(e) = a.error.take() {
            hs.finish(&self.inner, || None, false);
            return GenerationRecorder::failed(self, ctx, e);
        }
        let raw = sys::sigil_generation_start_t {
            version: sys::SIGIL_GENERATION_START_VERSION,
            id: a.ptr(id),
            conversation_id: a.ptr(conversation_id),
            conversation_title: a.ptr(conversation_title),
            user_id: a.ptr(user_id),
            agent_name: a.ptr(agent_name),
            agent_version: a.ptr(agent_version),
            operation_name: a.ptr(operation_name),
            model_provider: a.ptr(model_provider),
            model_name: a.ptr(model_name),
            system_prompt: a.ptr(system_prompt),
            has_max_tokens: s.max_tokens.is_some().into(),
            max_tokens: s.max_tokens.unwrap_or(0),
            has_temperature: s.temperature.is_some().into(),
            temperature: s.temperature.unwrap_or(0.0),
            has_top_p: s.top_p.is_some().into(),
            top_p: s.top_p.unwrap_or(0.0),
            tool_choice: a.ptr(tool_choice),
            has_thinking_enabled: s.thinking_enabled.is_some().into(),
            thinking_enabled: s.thinking_enabled.unwrap_or(false).into(),
            tools_json: a.ptr(tools),
            tools_json_len: a.len(tools),
            tags_json: a.ptr(tags),
            tags_json_len: a.len(tags),
            metadata_json: a.ptr(metadata),
            metadata_json_len: a.len(metadata),
            started_at_ns: hs.started_at_ns,
            context_conversation_id: a.ptr(ctx_conversation_id),
            context_conversation_title: a.ptr(ctx_conversation_title),
            context_user_id: a.ptr(ctx_user_id),
            context_agent_name: a.ptr(ctx_agent_name),
            context_agent_version: a.ptr(ctx_agent_version),
            parent_traceparent: a.ptr(parent),
            content_capture: crate::privacy::raw_mode(mode),
            parent_is_local: hs.parent_is_local.into(),
            span_traceparent: a.ptr(span_tp),
        };
        let mut handle = std::ptr::null_mut();
        // SAFETY: `raw` and the strings in `a` are valid for the call. A
        // shut-down client still yields a recorder whose end reports it.
        let st = unsafe {
            if streaming {
                sys::sigil_generation_start_streaming(self.raw(), &raw, &mut handle)
            } else {
                sys::sigil_generation_start(self.raw(), &raw, &mut handle)
            }
        };
        // SAFETY: live (or NULL) handle; the buffer is large enough.
        let host = hs.finish(
            &self.inner,
            || traceparent(|buf, len| unsafe { sys::sigil_generation_traceparent(handle, buf, len) }),
            !handle.is_null(),
        );
        if handle.is_null() {
            return GenerationRecorder::failed(self, ctx, Error::from_status(st, status_name(st).into()));
        }
        GenerationRecorder { handle, _client: Some(self.inner.clone()), context: ctx.clone(), pending: None, host }
    }
}

impl GenerationRecorder {
    /// The engine handle (NULL for a recorder that could not start).
    pub(crate) fn raw_handle(&self) -> *mut sys::sigil_generation_t {
        self.handle
    }

    fn failed(client: &Client, ctx: &Context, error: Error) -> GenerationRecorder {
        GenerationRecorder {
            handle: std::ptr::null_mut(),
            _client: Some(client.inner.clone()),
            context: ctx.clone(),
            pending: Some(error),
            host: Default::default(),
        }
    }

    /// Sets the result (the last call wins). The engine checks the document
    /// at once: invalid JSON bytes fields (e.g. `input_json` that is not
    /// UTF-8) are returned here and again by [`end`](Self::end), and the
    /// generation is not exported.
    pub fn set_result(&mut self, generation: &Generation) -> Result<()> {
        if self.handle.is_null() {
            return Ok(());
        }
        let mut a = Args::new();
        let doc = a.json(|b| crate::encode::generation(b, generation));
        // SAFETY: live handle; the document is valid for the call.
        let st = unsafe { sys::sigil_generation_set_result_json(self.handle, a.ptr(doc), a.len(doc)) };
        match st {
            sys::SIGIL_OK => Ok(()),
            st => Err(Error::from_status(
                st,
                format!("the result was rejected ({}); end() reports the offending field", status_name(st)),
            )),
        }
    }

    /// Records that the provider call failed. The generation is still
    /// exported, with `call_error` set to the error's text; a status code
    /// in the text classifies it (see
    /// [`set_call_error_with_status`](Self::set_call_error_with_status)).
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
                sys::sigil_generation_set_call_error(self.handle, message.as_ptr().cast(), message.len(), http_status)
            };
        }
    }

    /// Adds one string metadata entry to the result (the last value of a key
    /// wins). [`Error::InvalidArgument`] for a key or value holding a NUL byte.
    pub fn set_metadata(&mut self, key: &str, value: &str) -> Result<()> {
        if self.handle.is_null() {
            return Ok(());
        }
        let nul = |what: &str| Error::InvalidArgument(format!("metadata {what} holds a NUL byte"));
        let k = std::ffi::CString::new(key).map_err(|_| nul("key"))?;
        let v = std::ffi::CString::new(value).map_err(|_| nul("value"))?;
        // SAFETY: live handle; both strings are borrowed for the call.
        // and check is given no error object to free.
        unsafe {
            check(sys::sigil_generation_set_metadata_string(self.handle, k.as_ptr(), v.as_ptr()), std::ptr::null_mut())
        }
    }

    /// Records when the first streamed chunk arrived (time to first token).
    pub fn set_first_token_at(&mut self, at: SystemTime) {
        if !self.handle.is_null() {
            // SAFETY: live handle.
            unsafe { sys::sigil_generation_set_first_token_at(self.handle, unix_ns(at)) };
        }
    }

    /// The generation id (assigned at start when none was given); "" for a
    /// recorder that could not start.
    pub fn id(&self) -> &str {
        if self.handle.is_null() {
            return "";
        }
        // SAFETY: owned by the recorder; valid until it is freed (after self).
        unsafe { cstr(sys::sigil_generation_id(self.handle)) }
    }

    /// This generation's span as a W3C traceparent (`00-<trace>-<span>-01`).
    pub fn traceparent(&self) -> Option<String> {
        // SAFETY: live (or NULL) handle; the buffer is large enough.
        traceparent(|buf, len| unsafe { sys::sigil_generation_traceparent(self.handle, buf, len) })
    }

    /// The content capture mode the engine resolved for this generation at
    /// its start (start field > context > resolver > client); `None` for a
    /// recorder that could not start.
    pub fn content_capture_mode(&self) -> Option<ContentCaptureMode> {
        // SAFETY: live (or NULL) handle.
        ContentCaptureMode::from_raw(unsafe { sys::sigil_generation_content_capture_mode(self.handle) })
    }

    /// The start context with this generation as the parent span and its
    /// resolved content capture mode: recorders started under it become
    /// children of this generation and follow its mode.
    pub fn context(&self) -> Context {
        // The mode the engine resolved (start > context > resolver > client)
        // travels to the recorders started under this generation.
        child_context(&record_context(&self.context, self.content_capture_mode()), self.traceparent())
    }

    /// The OpenTelemetry context with this generation's span current
    /// (feature `otel`): attach it (`let _guard = rec.otel_context().attach();`)
    /// so that spans the application starts meanwhile are its children.
    #[cfg(feature = "otel")]
    pub fn otel_context(&self) -> opentelemetry::Context {
        self.host.cx.clone().unwrap_or_else(opentelemetry::Context::current)
    }

    /// Ends the generation: the engine resolves identity, validates, stamps
    /// the SDK identity, and queues it for export, without waiting on I/O.
    /// Returns the local error, if any: [`Error::ValidationFailed`],
    /// [`Error::InvalidUtf8`], [`Error::InvalidJson`], [`Error::QueueFull`],
    /// [`Error::ByteBudgetExceeded`], [`Error::PayloadTooLarge`],
    /// [`Error::ClientShutdown`]. A provider call error is not a local error.
    pub fn end(mut self) -> Result<()> {
        let handle = std::mem::replace(&mut self.handle, std::ptr::null_mut());
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        let mut err = std::ptr::null_mut();
        // SAFETY: live handle, ended and freed once.
        unsafe {
            let st = sys::sigil_generation_end(handle, &mut err);
            sys::sigil_generation_free(handle);
            check(st, err)
        }
    }
}

impl Drop for GenerationRecorder {
    /// Ends the generation if [`end`](Self::end) was not called, discarding
    /// its error. While a panic unwinds, the generation is recorded as a
    /// failed call ("panicked") first.
    fn drop(&mut self) {
        if self.handle.is_null() {
            return;
        }
        if std::thread::panicking() {
            self.call_error("panicked while the generation was in progress", 0);
        }
        // Dropping is this binding's scoped end (RAII), so it ends the record
        // itself: the engine warns only about recorders freed without end.
        // SAFETY: live handle; ended (a second end is a no-op error), then freed once.
        unsafe {
            sys::sigil_generation_end(self.handle, std::ptr::null_mut());
            sys::sigil_generation_free(self.handle);
        }
        self.handle = std::ptr::null_mut();
    }
}

impl std::fmt::Debug for GenerationRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenerationRecorder").field("id", &self.id()).finish()
    }
}

/// A string the engine owns; "" if it is not UTF-8 (the engine only returns
/// UTF-8 it validated).
pub(crate) unsafe fn cstr<'a>(p: *const c_char) -> &'a str {
    if p.is_null() {
        ""
    } else {
        CStr::from_ptr(p).to_str().unwrap_or("")
    }
}

pub(crate) fn traceparent(write: impl FnOnce(*mut c_char, usize) -> u32) -> Option<String> {
    let mut buf = [0 as c_char; 64];
    if write(buf.as_mut_ptr(), buf.len()) != sys::SIGIL_OK {
        return None;
    }
    // SAFETY: the engine wrote a NUL-terminated string into the buffer.
    let s = unsafe { cstr(buf.as_ptr()) };
    (!s.is_empty()).then(|| s.to_string())
}

/// The context a recorder hands to its children: its start context, plus the
/// content capture mode its start asked for.
pub(crate) fn record_context(ctx: &Context, mode: Option<crate::ContentCaptureMode>) -> Context {
    match mode {
        Some(m) => ctx.clone().with_content_capture_mode(m),
        None => ctx.clone(),
    }
}

pub(crate) fn child_context(start: &Context, traceparent: Option<String>) -> Context {
    match traceparent {
        Some(tp) => start.clone().with_local_parent(tp),
        None => start.clone(),
    }
}
