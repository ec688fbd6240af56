use std::fmt::Display;
use std::sync::Arc;
use std::time::SystemTime;

use serde_json::Value;
use sigil_sys as sys;

use crate::client::{Client, ClientInner};
use crate::context::Context;
use crate::error::{check, status_name, Error, Result};
use crate::ffi::{unix_ns, Args};
use crate::generation::{child_context, record_context, traceparent};

/// What is known before a tool runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolExecutionStart {
    /// Required; an empty name gives a recorder that records nothing.
    pub tool_name: String,
    pub tool_call_id: String,
    /// E.g. "function".
    pub tool_type: String,
    pub tool_description: String,
    pub conversation_id: String,
    pub conversation_title: String,
    pub agent_name: String,
    pub agent_version: String,
    /// The model that asked for the call, e.g. "gpt-4o".
    pub request_model: String,
    /// The provider that served that model, e.g. "openai".
    pub request_provider: String,
    /// Record the arguments and result on the span
    /// (`gen_ai.tool.call.arguments`, `gen_ai.tool.call.result`).
    pub include_content: bool,
    /// Default: now.
    pub started_at: Option<SystemTime>,
    /// This record's content capture mode; `None` takes the context's (a
    /// generation's context carries its mode), then the resolver's and
    /// the client's.
    pub content_capture: Option<crate::ContentCaptureMode>,
}

impl ToolExecutionStart {
    /// A start for the tool `name`, everything else unset.
    pub fn new(tool_name: impl Into<String>) -> ToolExecutionStart {
        ToolExecutionStart { tool_name: tool_name.into(), ..Default::default() }
    }
}

/// A tool's arguments or result as handed to the engine: JSON text, or plain
/// text (which the engine records as a JSON string unless it parses as JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolContent(String);

impl ToolContent {
    /// `value` as compact JSON.
    pub fn json(value: &Value) -> ToolContent {
        ToolContent(value.to_string())
    }

    /// Text as given.
    pub fn text(text: impl Into<String>) -> ToolContent {
        ToolContent(text.into())
    }

    /// What is passed to the engine.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for ToolContent {
    fn from(s: &str) -> ToolContent {
        ToolContent(s.to_string())
    }
}

impl From<String> for ToolContent {
    fn from(s: String) -> ToolContent {
        ToolContent(s)
    }
}

/// A JSON string becomes its text; any other value compact JSON.
impl From<Value> for ToolContent {
    fn from(v: Value) -> ToolContent {
        match v {
            Value::String(s) => ToolContent(s),
            other => ToolContent(other.to_string()),
        }
    }
}

impl From<&Value> for ToolContent {
    fn from(v: &Value) -> ToolContent {
        match v {
            Value::String(s) => ToolContent(s.clone()),
            other => ToolContent(other.to_string()),
        }
    }
}

/// What a tool was called with and returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolExecutionEnd {
    pub arguments: Option<ToolContent>,
    pub result: Option<ToolContent>,
    /// Default: when the recorder ends.
    pub completed_at: Option<SystemTime>,
}

impl ToolExecutionEnd {
    /// Arguments and result.
    pub fn new(arguments: impl Into<ToolContent>, result: impl Into<ToolContent>) -> ToolExecutionEnd {
        ToolExecutionEnd { arguments: Some(arguments.into()), result: Some(result.into()), completed_at: None }
    }
}

/// Records one tool execution: a span (`execute_tool <name>`) and metrics;
/// tool executions are not exported as generations. Ends on drop too.
///
/// ```no_run
/// use serde_json::json;
/// use sigil::{Client, ToolExecutionEnd, ToolExecutionStart};
///
/// # fn main() -> Result<(), sigil::Error> {
/// let client = Client::from_env()?;
/// let mut tool = client.start_tool_execution(&ToolExecutionStart {
///     include_content: true,
///     ..ToolExecutionStart::new("get_weather")
/// });
/// tool.set_result(&ToolExecutionEnd::new(json!({"city": "Paris"}), json!({"temp_c": 18})));
/// tool.end()?;
/// # Ok(()) }
/// ```
#[must_use = "a recorder ends when dropped: keep it until the call completes, then call end()"]
pub struct ToolExecutionRecorder {
    handle: *mut sys::sigil_tool_execution_t,
    _client: Option<Arc<ClientInner>>,
    context: Context,
    pending: Option<Error>,
    /// The host pipeline's span (feature `otel`); dropped after the end.
    #[cfg_attr(not(feature = "otel"), allow(dead_code))]
    host: crate::host::HostSlot,
}

// SAFETY: as for GenerationRecorder.
unsafe impl Send for ToolExecutionRecorder {}

impl Client {
    /// Starts a tool execution under this thread's current [`Context`].
    pub fn start_tool_execution(&self, start: &ToolExecutionStart) -> ToolExecutionRecorder {
        Context::with_current(|ctx| self.start_tool_execution_impl(start, ctx))
    }

    /// Starts a tool execution under an explicit context (a generation's
    /// [`context`](crate::GenerationRecorder::context) makes it a child of
    /// that generation that follows its content capture mode).
    pub fn start_tool_execution_with_context(&self, s: &ToolExecutionStart, ctx: &Context) -> ToolExecutionRecorder {
        let _scope = self.resolver_scope(ctx);
        self.start_tool_execution_impl(s, ctx)
    }

    fn start_tool_execution_impl(&self, s: &ToolExecutionStart, ctx: &Context) -> ToolExecutionRecorder {
        let mut a = Args::new();
        let tool_name = a.str("tool_name", &s.tool_name);
        let tool_call_id = a.str("tool_call_id", &s.tool_call_id);
        let tool_type = a.str("tool_type", &s.tool_type);
        let tool_description = a.str("tool_description", &s.tool_description);
        let conversation_id = a.str("conversation_id", &s.conversation_id);
        let conversation_title = a.str("conversation_title", &s.conversation_title);
        let agent_name = a.str("agent_name", &s.agent_name);
        let agent_version = a.str("agent_version", &s.agent_version);
        let request_model = a.str("request_model", &s.request_model);
        let request_provider = a.str("request_provider", &s.request_provider);
        let c = ctx.data();
        let mode = s.content_capture.or_else(|| ctx.content_capture_mode());
        let ctx_conversation_id = a.opt("context conversation_id", c.and_then(|c| c.conversation_id.as_deref()));
        let ctx_conversation_title =
            a.opt("context conversation_title", c.and_then(|c| c.conversation_title.as_deref()));
        let ctx_agent_name = a.opt("context agent_name", c.and_then(|c| c.agent_name.as_deref()));
        let ctx_agent_version = a.opt("context agent_version", c.and_then(|c| c.agent_version.as_deref()));
        let hs = crate::host::begin(
            &self.inner,
            c,
            crate::RecordKind::ToolExecution,
            || crate::host::span_name("execute_tool", if s.tool_name.is_empty() { "unknown" } else { &s.tool_name }),
            s.started_at.map_or(0, unix_ns),
        );
        let parent = a.opt("context parent_traceparent", hs.parent.as_deref());
        let span_tp = a.opt("span traceparent", hs.span_traceparent.as_deref());
        let failed = |e| ToolExecutionRecorder {
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
        let raw = sys::sigil_tool_execution_start_t {
            version: sys::SIGIL_TOOL_EXECUTION_START_VERSION,
            tool_name: a.ptr(tool_name),
            tool_call_id: a.ptr(tool_call_id),
            tool_type: a.ptr(tool_type),
            tool_description: a.ptr(tool_description),
            conversation_id: a.ptr(conversation_id),
            conversation_title: a.ptr(conversation_title),
            agent_name: a.ptr(agent_name),
            agent_version: a.ptr(agent_version),
            request_model: a.ptr(request_model),
            request_provider: a.ptr(request_provider),
            include_content: s.include_content.into(),
            started_at_ns: hs.started_at_ns,
            context_conversation_id: a.ptr(ctx_conversation_id),
            context_conversation_title: a.ptr(ctx_conversation_title),
            context_agent_name: a.ptr(ctx_agent_name),
            context_agent_version: a.ptr(ctx_agent_version),
            parent_traceparent: a.ptr(parent),
            content_capture: crate::privacy::raw_mode(mode),
            parent_is_local: hs.parent_is_local.into(),
            span_traceparent: a.ptr(span_tp),
        };
        let mut handle = std::ptr::null_mut();
        // SAFETY: `raw` and its strings are valid for the call.
        let st = unsafe { sys::sigil_tool_execution_start(self.raw(), &raw, &mut handle) };
        // SAFETY: live (or NULL) handle; the buffer is large enough.
        let host = hs.finish(
            &self.inner,
            || {
                crate::generation::traceparent(|buf, len| unsafe {
                    sys::sigil_tool_execution_traceparent(handle, buf, len)
                })
            },
            !handle.is_null(),
        );
        if handle.is_null() {
            return failed(Error::from_status(st, status_name(st).into()));
        }
        ToolExecutionRecorder {
            handle,
            _client: Some(self.inner.clone()),
            context: record_context(ctx, s.content_capture),
            pending: None,
            host,
        }
    }
}

impl ToolExecutionRecorder {
    /// Sets the arguments, the result and the completion time (the last call wins).
    pub fn set_result(&mut self, end: &ToolExecutionEnd) {
        if self.handle.is_null() {
            return;
        }
        let (args, args_len) = content(&end.arguments);
        let (result, result_len) = content(&end.result);
        // SAFETY: live handle; the texts are borrowed for the call.
        unsafe {
            sys::sigil_tool_execution_set_result(
                self.handle,
                args,
                args_len,
                result,
                result_len,
                end.completed_at.map_or(0, unix_ns),
            )
        };
    }

    /// Records that the tool failed (not a local error: `end` still returns `Ok`).
    pub fn set_exec_error(&mut self, error: impl Display) {
        self.exec_error(&error.to_string(), 0);
    }

    /// [`set_exec_error`](Self::set_exec_error) with an HTTP status, when the
    /// tool called an HTTP API.
    pub fn set_exec_error_with_status(&mut self, error: impl Display, http_status: u16) {
        self.exec_error(&error.to_string(), http_status.into());
    }

    fn exec_error(&mut self, message: &str, http_status: i32) {
        if !self.handle.is_null() {
            // SAFETY: live handle; the message is borrowed for the call.
            unsafe {
                sys::sigil_tool_execution_set_error(self.handle, message.as_ptr().cast(), message.len(), http_status)
            };
        }
    }

    /// This execution's span as a W3C traceparent.
    pub fn traceparent(&self) -> Option<String> {
        // SAFETY: live (or NULL) handle; the buffer is large enough.
        traceparent(|buf, len| unsafe { sys::sigil_tool_execution_traceparent(self.handle, buf, len) })
    }

    /// The OpenTelemetry context with this record's span current (feature
    /// `otel`; see [`GenerationRecorder::otel_context`](crate::GenerationRecorder::otel_context)).
    #[cfg(feature = "otel")]
    pub fn otel_context(&self) -> opentelemetry::Context {
        self.host.cx.clone().unwrap_or_else(opentelemetry::Context::current)
    }

    /// The start context with this execution as the parent span.
    pub fn context(&self) -> Context {
        child_context(&self.context, self.traceparent())
    }

    /// Ends the execution. Returns `Ok` also when the tool failed; errors are
    /// local: malformed input, [`Error::ClientShutdown`].
    pub fn end(mut self) -> Result<()> {
        let handle = std::mem::replace(&mut self.handle, std::ptr::null_mut());
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        let mut err = std::ptr::null_mut();
        // SAFETY: live handle, ended and freed once.
        unsafe {
            let st = sys::sigil_tool_execution_end(handle, &mut err);
            sys::sigil_tool_execution_free(handle);
            check(st, err)
        }
    }
}

fn content(c: &Option<ToolContent>) -> (*const std::ffi::c_char, usize) {
    match c {
        Some(c) => (c.0.as_ptr().cast(), c.0.len()),
        None => (std::ptr::null(), 0),
    }
}

impl Drop for ToolExecutionRecorder {
    /// Ends the execution if [`end`](Self::end) was not called; while a panic
    /// unwinds, records the execution as failed ("panicked") first.
    fn drop(&mut self) {
        if self.handle.is_null() {
            return;
        }
        if std::thread::panicking() {
            self.exec_error("panicked while the tool was running", 0);
        }
        // Dropping is this binding's scoped end (RAII), so it ends the record
        // itself: the engine warns only about recorders freed without end.
        // SAFETY: live handle; ended (a second end is a no-op error), then freed once.
        unsafe {
            sys::sigil_tool_execution_end(self.handle, std::ptr::null_mut());
            sys::sigil_tool_execution_free(self.handle);
        }
        self.handle = std::ptr::null_mut();
    }
}

impl std::fmt::Debug for ToolExecutionRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolExecutionRecorder").field("traceparent", &self.traceparent()).finish()
    }
}
