//! Agent tracing: spans of the steps around generations and tool executions
//! (an agent run, a chain, a retriever, a workflow, a task, any step). The
//! engine builds the span (docs/agent-tracing.md); this module translates
//! Rust's idioms: a guard that ends the span when dropped, the thread's
//! current [`Context`] (and a future wrapper for async code) as the parent of
//! what starts inside, and closures that run inside a span.

use std::ffi::c_char;
use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::task::{Context as TaskContext, Poll};
use std::time::SystemTime;

use serde_json::Value;
use sigil_sys as sys;

use crate::client::Client;
use crate::context::{Context, ContextGuard};
use crate::error::{check, status_name, Error, Result};
use crate::ffi::{unix_ns, Args};
use crate::generation::traceparent;
use crate::privacy::{ContentCaptureMode, RecordKind};
use crate::span::AttributeValue;

/// The kind of step a span records (its `sigil.span.kind`). Generations,
/// tool executions and embeddings keep their own recorders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepKind {
    /// An agent run: named `invoke_agent <agent name>`, with
    /// `gen_ai.operation.name` = `invoke_agent` and `gen_ai.agent.name`.
    Agent,
    Chain,
    Retriever,
    Workflow,
    Task,
    /// Any other step.
    Custom,
}

impl StepKind {
    /// The kind's name on the wire ("agent", "chain", ...).
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Agent => "agent",
            StepKind::Chain => "chain",
            StepKind::Retriever => "retriever",
            StepKind::Workflow => "workflow",
            StepKind::Task => "task",
            StepKind::Custom => "custom",
        }
    }

    fn raw(self) -> u32 {
        match self {
            StepKind::Agent => sys::SIGIL_STEP_AGENT,
            StepKind::Chain => sys::SIGIL_STEP_CHAIN,
            StepKind::Retriever => sys::SIGIL_STEP_RETRIEVER,
            StepKind::Workflow => sys::SIGIL_STEP_WORKFLOW,
            StepKind::Task => sys::SIGIL_STEP_TASK,
            StepKind::Custom => sys::SIGIL_STEP_CUSTOM,
        }
    }
}

impl std::str::FromStr for StepKind {
    type Err = Error;

    /// "agent", "chain", "retriever", "workflow", "task" or "custom" (any case).
    fn from_str(s: &str) -> Result<StepKind> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "agent" => StepKind::Agent,
            "chain" => StepKind::Chain,
            "retriever" => StepKind::Retriever,
            "workflow" => StepKind::Workflow,
            "task" => StepKind::Task,
            "custom" => StepKind::Custom,
            _ => {
                return Err(Error::InvalidArgument(format!(
                    "unknown span kind {s:?} (want agent, chain, retriever, workflow, task or custom)"
                )))
            }
        })
    }
}

impl fmt::Display for StepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A client kept in a [`Context`] (the client of the innermost span), compared by identity.
#[derive(Clone)]
pub(crate) struct ClientRef(pub(crate) Client);

impl PartialEq for ClientRef {
    fn eq(&self, other: &ClientRef) -> bool {
        Arc::ptr_eq(&self.0.inner, &other.0.inner)
    }
}

impl Eq for ClientRef {}

/// A span kept in a [`Context`], compared by identity.
#[derive(Clone)]
pub(crate) struct SpanRef(Weak<SpanInner>);

impl PartialEq for SpanRef {
    fn eq(&self, other: &SpanRef) -> bool {
        Weak::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for SpanRef {}

/// The innermost span current on this thread (or in the polled future),
/// if it is still open.
pub fn current_span() -> Option<SpanRecorder> {
    Context::with_current(|ctx| ctx.data().and_then(|d| d.span.as_ref()).and_then(|s| s.0.upgrade()))
        .map(|inner| SpanRecorder { inner })
}

/// The client [`in_span`] and [`in_span_async`] use outside any span.
static TRACING_CLIENT: OnceLock<Mutex<Option<Client>>> = OnceLock::new();

/// Makes `client` the one the free functions [`in_span`] and
/// [`in_span_async`] record root spans with (spans inside a span use that
/// span's client). `None` turns them into no-ops that still run the closure.
pub fn configure_tracing(client: Option<&Client>) {
    let slot = TRACING_CLIENT.get_or_init(|| Mutex::new(None));
    *slot.lock().unwrap_or_else(|e| e.into_inner()) = client.cloned();
}

fn tracing_client() -> Option<Client> {
    if let Some(c) = Context::with_current(|ctx| ctx.data().and_then(|d| d.client.clone())) {
        return Some(c.0);
    }
    TRACING_CLIENT.get().and_then(|m| m.lock().unwrap_or_else(|e| e.into_inner()).clone())
}

/// Seeds a span: [`Client::span`]. Unset fields come from the context
/// (conversation, agent) and the client.
#[must_use = "a builder does nothing until start() or start_detached()"]
#[derive(Debug, Clone)]
pub struct SpanBuilder {
    client: Client,
    kind: StepKind,
    name: String,
    conversation_id: String,
    conversation_title: String,
    agent_name: String,
    agent_version: String,
    started_at: Option<SystemTime>,
    content_capture: Option<ContentCaptureMode>,
    parent: Option<Context>,
}

impl SpanBuilder {
    /// The conversation id (else the context's).
    pub fn conversation_id(mut self, v: impl Into<String>) -> SpanBuilder {
        self.conversation_id = v.into();
        self
    }

    /// The conversation title (else the context's); content.
    pub fn conversation_title(mut self, v: impl Into<String>) -> SpanBuilder {
        self.conversation_title = v.into();
        self
    }

    /// The agent name (else the context's; an agent span falls back to its name).
    pub fn agent_name(mut self, v: impl Into<String>) -> SpanBuilder {
        self.agent_name = v.into();
        self
    }

    /// The agent version (else the context's).
    pub fn agent_version(mut self, v: impl Into<String>) -> SpanBuilder {
        self.agent_version = v.into();
        self
    }

    /// The start time (default: now).
    pub fn started_at(mut self, t: SystemTime) -> SpanBuilder {
        self.started_at = Some(t);
        self
    }

    /// This span's content capture mode: content values (input, output,
    /// content attributes and events) are left out under
    /// [`MetadataOnly`](ContentCaptureMode::MetadataOnly) and
    /// [`FullWithMetadataSpans`](ContentCaptureMode::FullWithMetadataSpans).
    pub fn content_capture(mut self, mode: ContentCaptureMode) -> SpanBuilder {
        self.content_capture = Some(mode);
        self
    }

    /// Starts under `ctx` instead of this thread's current context (e.g. one
    /// [`extract`]ed from a request, or a recorder's
    /// [`context`](SpanRecorder::context)).
    pub fn parent(mut self, ctx: &Context) -> SpanBuilder {
        self.parent = Some(ctx.clone());
        self
    }

    /// Starts the span and makes it current on this thread until the guard
    /// drops (which ends it).
    pub fn start(self) -> SpanGuard {
        let span = self.start_detached();
        let scope = Some(span.context().attach());
        SpanGuard { span, scope }
    }

    /// Starts the span without making it current: for async code, where the
    /// span travels by value ([`SpanRecorder::context`],
    /// [`Context::wrap_future`]).
    pub fn start_detached(mut self) -> SpanRecorder {
        match self.parent.take() {
            Some(ctx) => {
                let _scope = self.client.resolver_scope(&ctx);
                self.start_impl(&ctx)
            }
            None => Context::with_current(|ctx| self.start_impl(ctx)),
        }
    }

    fn host_name(&self) -> String {
        let name = if self.name.trim().is_empty() { self.kind.as_str() } else { &self.name };
        if self.kind == StepKind::Agent {
            let agent = if self.agent_name.is_empty() { name } else { &self.agent_name };
            return crate::host::span_name("invoke_agent", agent);
        }
        name.to_string()
    }

    fn start_impl(&self, ctx: &Context) -> SpanRecorder {
        let mut a = Args::new();
        let name = a.str("name", &self.name);
        let conversation_id = a.str("conversation_id", &self.conversation_id);
        let conversation_title = a.str("conversation_title", &self.conversation_title);
        let agent_name = a.str("agent_name", &self.agent_name);
        let agent_version = a.str("agent_version", &self.agent_version);
        let c = ctx.data();
        let ctx_conversation_id = a.opt("context conversation_id", c.and_then(|c| c.conversation_id.as_deref()));
        let ctx_conversation_title =
            a.opt("context conversation_title", c.and_then(|c| c.conversation_title.as_deref()));
        let ctx_agent_name = a.opt("context agent_name", c.and_then(|c| c.agent_name.as_deref()));
        let ctx_agent_version = a.opt("context agent_version", c.and_then(|c| c.agent_version.as_deref()));
        let mode = self.content_capture.or_else(|| ctx.content_capture_mode());
        let inner = &self.client.inner;
        let hs =
            crate::host::begin(inner, c, RecordKind::Span, || self.host_name(), self.started_at.map_or(0, unix_ns));
        let context_parent = c.and_then(|c| c.parent_traceparent.as_deref());
        // The trace's tracestate travels with the context's parent only.
        let tracestate = match (hs.parent.as_deref(), context_parent) {
            (Some(p), Some(cp)) if p == cp => c.and_then(|c| c.tracestate.as_deref()),
            _ => None,
        };
        let parent = a.opt("context parent_traceparent", hs.parent.as_deref());
        let parent_tracestate = a.opt("context tracestate", tracestate);
        let span_tp = a.opt("span traceparent", hs.span_traceparent.as_deref());
        if let Some(e) = a.error.take() {
            hs.finish(inner, || None, false);
            return SpanRecorder::refused(Some(self.client.clone()), ctx.clone(), e);
        }
        let raw = sys::sigil_span_start_t {
            version: sys::SIGIL_SPAN_START_VERSION,
            kind: self.kind.raw(),
            name: a.ptr(name),
            conversation_id: a.ptr(conversation_id),
            conversation_title: a.ptr(conversation_title),
            agent_name: a.ptr(agent_name),
            agent_version: a.ptr(agent_version),
            started_at_ns: hs.started_at_ns,
            context_conversation_id: a.ptr(ctx_conversation_id),
            context_conversation_title: a.ptr(ctx_conversation_title),
            context_agent_name: a.ptr(ctx_agent_name),
            context_agent_version: a.ptr(ctx_agent_version),
            parent_traceparent: a.ptr(parent),
            parent_tracestate: a.ptr(parent_tracestate),
            parent_is_local: hs.parent_is_local.into(),
            content_capture: crate::privacy::raw_mode(mode),
            span_traceparent: a.ptr(span_tp),
        };
        let mut handle = std::ptr::null_mut();
        // SAFETY: `raw` and its strings are valid for the call.
        let st = unsafe { sys::sigil_span_start(self.client.raw(), &raw, &mut handle) };
        // SAFETY: live (or NULL) handle; the buffer is large enough.
        let tp = traceparent(|buf, len| unsafe { sys::sigil_span_traceparent(handle, buf, len) });
        let host = hs.finish(inner, || tp.clone(), !handle.is_null() && st == sys::SIGIL_OK);
        if handle.is_null() || st != sys::SIGIL_OK {
            // SAFETY: a no-op recorder (or NULL), freed once.
            unsafe { sys::sigil_span_free(handle) };
            let e = Error::from_status(st, format!("span start refused: {}", status_name(st)));
            return SpanRecorder::refused(Some(self.client.clone()), ctx.clone(), e);
        }
        let tracestate = span_tracestate(handle);
        let mut children = ctx.clone().with_client(ClientRef(self.client.clone()));
        if let Some(tp) = &tp {
            children = children.with_local_parent(tp.clone());
            children = match tracestate {
                Some(ts) => children.with_tracestate(ts),
                None => children.without_tracestate(),
            };
        }
        let inner = Arc::new_cyclic(|weak| SpanInner {
            state: Mutex::new(State { handle, pending: None, _host: host }),
            context: children.with_span(SpanRef(weak.clone())),
            traceparent: tp,
        });
        SpanRecorder { inner }
    }
}

fn span_tracestate(handle: *const sys::sigil_span_recorder_t) -> Option<String> {
    let mut p: *const c_char = std::ptr::null();
    let mut n = 0usize;
    // SAFETY: live handle; the string is owned by the recorder and copied here.
    unsafe {
        if sys::sigil_span_tracestate(handle, &mut p, &mut n) != sys::SIGIL_OK || p.is_null() || n == 0 {
            return None;
        }
        Some(String::from_utf8_lossy(std::slice::from_raw_parts(p.cast::<u8>(), n)).into_owned())
    }
}

struct State {
    handle: *mut sys::sigil_span_recorder_t,
    /// The first value this binding could not pass (reported by `end`).
    pending: Option<Error>,
    /// The host pipeline's span (feature `otel`); dropped after the end.
    _host: crate::host::HostSlot,
}

// SAFETY: the handle is only used under the mutex (one owner at a time, as
// the header asks), and the engine's recorders are not tied to a thread.
unsafe impl Send for State {}

struct SpanInner {
    state: Mutex<State>,
    /// What children start under: the start context with this span as the
    /// (local) parent, its tracestate and its client.
    context: Context,
    traceparent: Option<String>,
}

impl Drop for SpanInner {
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        if state.handle.is_null() {
            return;
        }
        if std::thread::panicking() {
            let msg = "panicked while the span was open";
            // SAFETY: live handle; the strings are borrowed for the call.
            unsafe { sys::sigil_span_set_error(state.handle, c"panic".as_ptr(), msg.as_ptr().cast(), msg.len()) };
        }
        // SAFETY: live handle, ended and freed once.
        unsafe {
            sys::sigil_span_end(state.handle, 0, std::ptr::null_mut());
            sys::sigil_span_free(state.handle);
        }
        state.handle = std::ptr::null_mut();
    }
}

/// Records one span. Cheap to clone (the clones are the same span);
/// `Send + Sync`. The span ends with [`end`](SpanRecorder::end), or when the
/// last clone drops (marked as failed when that happens while a panic
/// unwinds). Setters never fail: a value the binding cannot pass (a NUL in a
/// key) is reported by `end`, as the engine reports malformed input.
#[derive(Clone)]
pub struct SpanRecorder {
    inner: Arc<SpanInner>,
}

impl SpanRecorder {
    fn refused(client: Option<Client>, ctx: Context, e: Error) -> SpanRecorder {
        let context = match client {
            Some(c) => ctx.with_client(ClientRef(c)),
            None => ctx,
        };
        SpanRecorder {
            inner: Arc::new(SpanInner {
                state: Mutex::new(State { handle: std::ptr::null_mut(), pending: Some(e), _host: Default::default() }),
                context,
                traceparent: None,
            }),
        }
    }

    /// A span that records nothing (what [`in_span`] runs the closure with
    /// when no client is configured).
    pub fn noop() -> SpanRecorder {
        let r = SpanRecorder::refused(None, Context::current(), Error::InvalidArgument(String::new()));
        r.lock().pending = None;
        r
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` with the live handle and an argument buffer; keeps the first
    /// binding-side error for `end`.
    fn call(&self, f: impl FnOnce(*mut sys::sigil_span_recorder_t, &mut Args) -> Option<u32>) {
        let mut state = self.lock();
        if state.handle.is_null() {
            return;
        }
        let mut a = Args::new();
        let st = f(state.handle, &mut a);
        if let Some(e) = a.error.take() {
            state.pending.get_or_insert(e);
        } else if st.is_none() {
            state.pending.get_or_insert(Error::InvalidArgument("a value this binding cannot pass".into()));
        }
    }

    /// Sets an attribute (a later value of the same key replaces it). Keys
    /// the engine sets itself (`sigil.span.kind`, `gen_ai.*` identity) are
    /// never replaced.
    ///
    /// ```no_run
    /// # let client = sigil::Client::from_env().unwrap();
    /// let span = client.start_span(sigil::StepKind::Retriever, "search-docs");
    /// span.set_attribute("documents", 3);
    /// span.set_attribute("index", "docs-v2");
    /// ```
    pub fn set_attribute(&self, key: &str, value: impl Into<AttributeValue>) {
        self.attribute(key, value.into(), false);
    }

    /// Sets an attribute whose value is content (an argument, a document):
    /// left out under the content-free capture modes, redacted otherwise.
    pub fn set_content_attribute(&self, key: &str, value: impl Into<AttributeValue>) {
        self.attribute(key, value.into(), true);
    }

    fn attribute(&self, key: &str, value: AttributeValue, content: bool) {
        self.call(|h, a| {
            let k = a.always("attribute key", key);
            let kp = a.ptr(k);
            if a.error.is_some() {
                return Some(sys::SIGIL_OK);
            }
            let content = content.into();
            // SAFETY: live handle; the key and value are borrowed for the call.
            Some(unsafe {
                match &value {
                    AttributeValue::String(s) => {
                        sys::sigil_span_set_attribute_string(h, kp, s.as_ptr().cast(), s.len(), content)
                    }
                    AttributeValue::Int(i) => sys::sigil_span_set_attribute_int(h, kp, *i, content),
                    AttributeValue::Double(d) => sys::sigil_span_set_attribute_double(h, kp, *d, content),
                    AttributeValue::Bool(b) => sys::sigil_span_set_attribute_bool(h, kp, (*b).into(), content),
                    AttributeValue::StringArray(_) => {
                        a.error = Some(Error::InvalidArgument(format!(
                            "attribute {key:?}: a span attribute is a string, int, double or bool (string arrays \
                             are for events)"
                        )));
                        sys::SIGIL_OK
                    }
                }
            })
        });
    }

    /// The step's input (`sigil.span.input`, JSON; content).
    pub fn set_input(&self, input: &Value) {
        self.json(input, false);
    }

    /// The step's output (`sigil.span.output`, JSON; content).
    pub fn set_output(&self, output: &Value) {
        self.json(output, true);
    }

    fn json(&self, v: &Value, output: bool) {
        if !self.captures_content() {
            return; // dropped by the engine anyway: not even serialized
        }
        let text = v.to_string();
        self.call(|h, _| {
            // SAFETY: live handle; the text is borrowed for the call.
            Some(unsafe {
                if output {
                    sys::sigil_span_set_output(h, text.as_ptr().cast(), text.len())
                } else {
                    sys::sigil_span_set_input(h, text.as_ptr().cast(), text.len())
                }
            })
        });
    }

    /// Adds an event (now) with attributes.
    ///
    /// ```no_run
    /// # let span = sigil::SpanRecorder::noop();
    /// span.add_event("ranked", [("top", sigil::AttributeValue::from(3)), ("reranker", "bm25".into())]);
    /// ```
    pub fn add_event<K: AsRef<str>>(&self, name: &str, attributes: impl IntoIterator<Item = (K, AttributeValue)>) {
        self.event(name, attributes, false);
    }

    /// Adds an event whose attribute values are content (left out under the
    /// content-free capture modes).
    pub fn add_content_event<K: AsRef<str>>(
        &self,
        name: &str,
        attributes: impl IntoIterator<Item = (K, AttributeValue)>,
    ) {
        self.event(name, attributes, true);
    }

    fn event<K: AsRef<str>>(
        &self,
        name: &str,
        attributes: impl IntoIterator<Item = (K, AttributeValue)>,
        content: bool,
    ) {
        let attrs: Vec<(K, AttributeValue)> = attributes.into_iter().collect();
        self.call(|h, a| {
            let n = a.always("event name", name);
            let mut slots = Vec::with_capacity(attrs.len());
            for (k, v) in &attrs {
                let key = a.always("event attribute key", k.as_ref());
                let vals: Vec<_> = match v {
                    AttributeValue::String(s) => vec![a.always("event attribute value", s)],
                    AttributeValue::StringArray(xs) => {
                        xs.iter().map(|s| a.always("event attribute value", s)).collect()
                    }
                    _ => Vec::new(),
                };
                slots.push((key, vals));
            }
            if a.error.is_some() {
                return Some(sys::SIGIL_OK);
            }
            // Pointers only now: every string is in the buffer.
            let arrays: Vec<(Vec<*const c_char>, Vec<usize>)> = slots
                .iter()
                .map(|(_, vals)| (vals.iter().map(|s| a.ptr(*s)).collect(), vals.iter().map(|s| a.len(*s)).collect()))
                .collect();
            let raw: Vec<sys::sigil_attribute_t> = attrs
                .iter()
                .zip(&slots)
                .zip(&arrays)
                .map(|(((_, v), (key, _)), (ptrs, lens))| {
                    let mut r = sys::sigil_attribute_t {
                        key: a.ptr(*key),
                        key_len: a.len(*key),
                        type_: sys::SIGIL_ATTRIBUTE_STRING,
                        string_value: std::ptr::null(),
                        string_value_len: 0,
                        int_value: 0,
                        double_value: 0.0,
                        string_values: std::ptr::null(),
                        string_value_lens: std::ptr::null(),
                        string_values_count: 0,
                    };
                    match v {
                        AttributeValue::String(_) => {
                            r.string_value = ptrs[0];
                            r.string_value_len = lens[0];
                        }
                        AttributeValue::Bool(b) => {
                            r.type_ = sys::SIGIL_ATTRIBUTE_BOOL;
                            r.int_value = (*b).into();
                        }
                        AttributeValue::Int(i) => {
                            r.type_ = sys::SIGIL_ATTRIBUTE_INT;
                            r.int_value = *i;
                        }
                        AttributeValue::Double(d) => {
                            r.type_ = sys::SIGIL_ATTRIBUTE_DOUBLE;
                            r.double_value = *d;
                        }
                        AttributeValue::StringArray(_) => {
                            r.type_ = sys::SIGIL_ATTRIBUTE_STRING_ARRAY;
                            r.string_values = ptrs.as_ptr();
                            r.string_value_lens = lens.as_ptr();
                            r.string_values_count = ptrs.len();
                        }
                    }
                    r
                })
                .collect();
            // SAFETY: live handle; every pointer is borrowed for the call.
            Some(unsafe { sys::sigil_span_add_event(h, a.ptr(n), 0, raw.as_ptr(), raw.len(), content.into()) })
        });
    }

    /// Records that the step failed: status ERROR with the error's message,
    /// `error.type` = the error's type name (`ParseIntError`), and an
    /// `exception` event.
    pub fn set_error<E: std::error::Error + ?Sized>(&self, error: &E) {
        self.set_error_type(short_type_name::<E>(), &error.to_string());
    }

    /// [`set_error`](Self::set_error) with an explicit `error.type`.
    pub fn set_error_type(&self, error_type: &str, message: &str) {
        self.call(|h, a| {
            let t = a.str("error type", error_type);
            // SAFETY: live handle; the strings are borrowed for the call.
            Some(unsafe { sys::sigil_span_set_error(h, a.ptr(t), message.as_ptr().cast(), message.len()) })
        });
    }

    /// Whether content values recorded on this span are kept (its content
    /// capture mode allows them).
    pub fn captures_content(&self) -> bool {
        let state = self.lock();
        // SAFETY: live (or NULL) handle.
        !state.handle.is_null() && unsafe { sys::sigil_span_captures_content(state.handle) } != 0
    }

    /// This span as a W3C traceparent (`None` for a span that did not start).
    pub fn traceparent(&self) -> Option<&str> {
        self.inner.traceparent.as_deref()
    }

    /// This span's trace id (32 lowercase hex digits).
    pub fn trace_id(&self) -> Option<&str> {
        self.traceparent().map(|tp| &tp[3..35])
    }

    /// The context children start under: this span as their parent, with
    /// the trace's tracestate. [`inject`] writes it into outgoing headers.
    pub fn context(&self) -> Context {
        self.inner.context.clone()
    }

    /// Makes this span current on this thread until the guard drops.
    pub fn enter(&self) -> ContextGuard {
        self.context().attach()
    }

    /// Ends the span now. Returns the first malformed input recorded on it,
    /// [`Error::ClientShutdown`], or [`Error::AlreadyEnded`] when it (or a
    /// clone) was ended before.
    pub fn end(&self) -> Result<()> {
        let mut state = self.lock();
        let handle = std::mem::replace(&mut state.handle, std::ptr::null_mut());
        let pending = state.pending.take();
        if handle.is_null() {
            return match pending {
                Some(e) => Err(e),
                None if self.inner.traceparent.is_some() => {
                    Err(Error::AlreadyEnded("the span was already ended".into()))
                }
                None => Ok(()),
            };
        }
        let mut err = std::ptr::null_mut();
        // SAFETY: live handle, ended and freed once.
        let r = unsafe {
            let st = sys::sigil_span_end(handle, 0, &mut err);
            sys::sigil_span_free(handle);
            check(st, err)
        };
        match pending {
            Some(e) => Err(e),
            None => r,
        }
    }

    /// Records `error` ([`set_error`](Self::set_error)) and ends the span.
    pub fn end_with_error<E: std::error::Error + ?Sized>(&self, error: &E) -> Result<()> {
        self.set_error(error);
        self.end()
    }
}

impl fmt::Debug for SpanRecorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpanRecorder").field("traceparent", &self.traceparent()).finish()
    }
}

/// The last path segment of a type's name, without generic arguments.
fn short_type_name<E: ?Sized>() -> &'static str {
    let full = std::any::type_name::<E>();
    let base = full.split('<').next().unwrap_or(full);
    let base = base.rsplit("::").next().unwrap_or(base);
    base.trim_start_matches("dyn ")
}

/// A span current on this thread ([`Client::start_span`], [`SpanBuilder::start`]):
/// generations, tool executions and spans started on the thread meanwhile
/// are its children. Dropping it ends the span (as failed while a panic
/// unwinds) and restores the previous context. Derefs to [`SpanRecorder`].
/// Not `Send`: in async code use [`in_span_async`] or
/// [`SpanBuilder::start_detached`].
#[must_use = "the span ends when the guard is dropped"]
pub struct SpanGuard {
    span: SpanRecorder,
    scope: Option<ContextGuard>,
}

impl SpanGuard {
    /// Ends the span (see [`SpanRecorder::end`]) and restores the previous context.
    pub fn end(mut self) -> Result<()> {
        let r = self.span.end();
        self.scope.take();
        r
    }

    /// Records `error` and ends the span.
    pub fn end_with_error<E: std::error::Error + ?Sized>(self, error: &E) -> Result<()> {
        self.span.set_error(error);
        self.end()
    }

    /// The recorder (a clone of it outlives the guard).
    pub fn recorder(&self) -> &SpanRecorder {
        &self.span
    }
}

impl Deref for SpanGuard {
    type Target = SpanRecorder;

    fn deref(&self) -> &SpanRecorder {
        &self.span
    }
}

impl Drop for SpanGuard {
    fn drop(&mut self) {
        if self.scope.is_none() {
            return; // ended by end()
        }
        if std::thread::panicking() {
            self.span.set_error_type("panic", "panicked while the span was open");
        }
        let _ = self.span.end();
        self.scope.take();
    }
}

impl fmt::Debug for SpanGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SpanGuard").field(&self.span).finish()
    }
}

impl Client {
    /// A span builder (name, identity, start time, content capture, parent).
    pub fn span(&self, kind: StepKind, name: impl Into<String>) -> SpanBuilder {
        SpanBuilder {
            client: self.clone(),
            kind,
            name: name.into(),
            conversation_id: String::new(),
            conversation_title: String::new(),
            agent_name: String::new(),
            agent_version: String::new(),
            started_at: None,
            content_capture: None,
            parent: None,
        }
    }

    /// Starts a span under this thread's current context and makes it
    /// current until the guard drops (which ends it).
    ///
    /// ```no_run
    /// use sigil::StepKind;
    /// # let client = sigil::Client::from_env().unwrap();
    /// let agent = client.start_span(StepKind::Agent, "travel-agent");
    /// {
    ///     let plan = client.start_span(StepKind::Chain, "plan"); // a child of the agent
    ///     plan.set_attribute("steps", 2);
    /// } // plan ends here
    /// agent.end()?;
    /// # Ok::<(), sigil::Error>(())
    /// ```
    pub fn start_span(&self, kind: StepKind, name: impl Into<String>) -> SpanGuard {
        self.span(kind, name).start()
    }

    /// Runs `f` inside a new span (current on this thread meanwhile) and
    /// ends it; a panic marks it failed and propagates.
    pub fn in_span<R>(&self, kind: StepKind, name: impl Into<String>, f: impl FnOnce(&SpanRecorder) -> R) -> R {
        let guard = self.start_span(kind, name);
        let r = f(&guard);
        drop(guard);
        r
    }

    /// Runs the future `f` makes inside a new span, which is current whenever
    /// the future is polled (on whichever thread), and ends it when the
    /// future completes.
    pub async fn in_span_async<F, Fut>(&self, kind: StepKind, name: impl Into<String>, f: F) -> Fut::Output
    where
        F: FnOnce(SpanRecorder) -> Fut,
        Fut: Future,
    {
        let span = self.span(kind, name).start_detached();
        run_async(span, f).await
    }
}

async fn run_async<F, Fut>(span: SpanRecorder, f: F) -> Fut::Output
where
    F: FnOnce(SpanRecorder) -> Fut,
    Fut: Future,
{
    let ctx = span.context();
    let out = ctx.wrap_future(f(span.clone())).await;
    let _ = span.end();
    out
}

/// [`Client::in_span`] with the client of the current span, else the one
/// given to [`configure_tracing`]; without either, `f` runs with a no-op span.
///
/// ```no_run
/// use sigil::StepKind;
///
/// let client = sigil::Client::from_env()?;
/// sigil::configure_tracing(Some(&client));
/// let answer = sigil::in_span(StepKind::Agent, "travel-agent", |_| {
///     sigil::in_span(StepKind::Retriever, "search-docs", |span| {
///         span.set_attribute("documents", 2);
///         "Paris"
///     })
/// });
/// # Ok::<(), sigil::Error>(())
/// ```
pub fn in_span<R>(kind: StepKind, name: impl Into<String>, f: impl FnOnce(&SpanRecorder) -> R) -> R {
    match tracing_client() {
        Some(c) => c.in_span(kind, name, f),
        None => f(&SpanRecorder::noop()),
    }
}

/// [`Client::in_span_async`] with the client of the current span (as seen
/// when the future is first polled), else the one given to
/// [`configure_tracing`]; without either, the future runs with a no-op span.
pub async fn in_span_async<F, Fut>(kind: StepKind, name: impl Into<String>, f: F) -> Fut::Output
where
    F: FnOnce(SpanRecorder) -> Fut,
    Fut: Future,
{
    let span = match tracing_client() {
        Some(c) => c.span(kind, name).start_detached(),
        None => SpanRecorder::noop(),
    };
    run_async(span, f).await
}

/// A future with a [`Context`] current on its thread whenever it is polled
/// ([`Context::wrap_future`]).
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct WithContext<F> {
    ctx: Context,
    fut: F,
}

impl Context {
    /// Wraps `fut` so that this context is current whenever it is polled:
    /// recorders and spans started inside it (on any thread of the runtime)
    /// start under this context. Pass `Context::current().wrap_future(fut)`
    /// to `tokio::spawn` to carry the current span into a task.
    pub fn wrap_future<F: Future>(self, fut: F) -> WithContext<F> {
        WithContext { ctx: self, fut }
    }
}

impl<F: Future> Future for WithContext<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        // SAFETY: `fut` is structurally pinned: never moved out of `self`.
        let this = unsafe { self.get_unchecked_mut() };
        let _scope = this.ctx.clone().attach();
        // SAFETY: as above.
        unsafe { Pin::new_unchecked(&mut this.fut) }.poll(cx)
    }
}

/// The W3C headers of [`inject`] and [`extract`].
pub const TRACEPARENT_HEADER: &str = "traceparent";
pub const TRACESTATE_HEADER: &str = "tracestate";

/// A header map [`inject`] writes into.
pub trait Injector {
    /// Sets `key` (lowercase) to `value`, replacing a previous value.
    fn set(&mut self, key: &str, value: String);
}

/// A header map [`extract`] reads from.
pub trait Extractor {
    /// The value of `key`, matched case-insensitively.
    fn get(&self, key: &str) -> Option<&str>;
}

impl<S: std::hash::BuildHasher> Injector for std::collections::HashMap<String, String, S> {
    fn set(&mut self, key: &str, value: String) {
        self.retain(|k, _| k == key || !k.eq_ignore_ascii_case(key));
        self.insert(key.to_string(), value);
    }
}

impl<S: std::hash::BuildHasher> Extractor for std::collections::HashMap<String, String, S> {
    fn get(&self, key: &str) -> Option<&str> {
        if let Some(v) = std::collections::HashMap::get(self, key) {
            return Some(v);
        }
        self.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }
}

#[cfg(feature = "http")]
impl Injector for http::HeaderMap {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(k), Ok(v)) = (http::HeaderName::from_bytes(key.as_bytes()), http::HeaderValue::from_str(&value)) {
            self.insert(k, v);
        }
    }
}

#[cfg(feature = "http")]
impl Extractor for http::HeaderMap {
    fn get(&self, key: &str) -> Option<&str> {
        http::HeaderMap::get(self, key).and_then(|v| v.to_str().ok())
    }
}

/// Writes the current context's trace (its innermost span's traceparent and
/// the trace's tracestate) into `carrier`; see [`Context::inject`].
pub fn inject(carrier: &mut impl Injector) -> bool {
    Context::with_current(|ctx| ctx.inject(carrier))
}

/// The current context continued from `carrier`'s trace context; see
/// [`Context::extract`].
pub fn extract(carrier: &impl Extractor) -> Context {
    Context::current().extract(carrier)
}

/// A parsed W3C traceparent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TraceContext {
    /// 32 lowercase hex digits.
    pub trace_id: String,
    /// 16 lowercase hex digits.
    pub span_id: String,
    pub sampled: bool,
}

/// Parses a W3C traceparent with libsigil's parser (the one every binding
/// uses); `None` for a malformed one.
pub fn parse_w3c_traceparent(tp: &str) -> Option<TraceContext> {
    let mut trace_id = [0 as c_char; 33];
    let mut span_id = [0 as c_char; 17];
    let mut sampled = 0;
    // SAFETY: the header is borrowed for the call; the buffers have the sizes the header asks for.
    let st = unsafe {
        sys::sigil_traceparent_parse(
            tp.as_ptr().cast(),
            tp.len(),
            trace_id.as_mut_ptr(),
            span_id.as_mut_ptr(),
            &mut sampled,
        )
    };
    // SAFETY: NUL-terminated on success.
    (st == sys::SIGIL_OK).then(|| unsafe {
        TraceContext {
            trace_id: crate::ffi::string(trace_id.as_ptr()),
            span_id: crate::ffi::string(span_id.as_ptr()),
            sampled: sampled != 0,
        }
    })
}

fn valid_tracestate(ts: &str) -> bool {
    // SAFETY: the header is borrowed for the call.
    unsafe { sys::sigil_tracestate_validate(ts.as_ptr().cast(), ts.len()) == sys::SIGIL_OK }
}

impl Context {
    /// Writes this context's parent span (`traceparent`) and the trace's
    /// `tracestate` into `carrier`, for an outgoing request. Inside a span
    /// that is the span; inside a recorder's [`context`](crate::GenerationRecorder::context)
    /// that recorder. Writes nothing and returns false without a valid parent.
    pub fn inject(&self, carrier: &mut impl Injector) -> bool {
        let Some(tp) = self.parent_traceparent().filter(|tp| parse_w3c_traceparent(tp).is_some()) else {
            return false;
        };
        carrier.set(TRACEPARENT_HEADER, tp.to_string());
        if let Some(ts) = self.tracestate().filter(|ts| !ts.is_empty()) {
            carrier.set(TRACESTATE_HEADER, ts.to_string());
        }
        true
    }

    /// This context continued from `carrier`'s `traceparent` and
    /// `tracestate` (names case-insensitive): what starts under it is a
    /// child of the remote span, flagged as remote on the wire. Without a
    /// valid traceparent, this context unchanged; a malformed tracestate is
    /// dropped, as W3C asks.
    pub fn extract(&self, carrier: &impl Extractor) -> Context {
        let Some(tp) = carrier.get(TRACEPARENT_HEADER).map(str::trim).filter(|tp| parse_w3c_traceparent(tp).is_some())
        else {
            return self.clone();
        };
        let ctx = self.clone().with_parent_traceparent(tp);
        match carrier.get(TRACESTATE_HEADER).map(str::trim).filter(|ts| !ts.is_empty() && valid_tracestate(ts)) {
            Some(ts) => ctx.with_tracestate(ts),
            None => ctx,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_and_print() {
        for k in [
            StepKind::Agent,
            StepKind::Chain,
            StepKind::Retriever,
            StepKind::Workflow,
            StepKind::Task,
            StepKind::Custom,
        ] {
            assert_eq!(k.as_str().parse::<StepKind>().unwrap(), k);
            assert_eq!(k.to_string().to_uppercase().parse::<StepKind>().unwrap(), k);
        }
        assert!(matches!("planner".parse::<StepKind>(), Err(Error::InvalidArgument(m)) if m.contains("planner")));
    }

    #[test]
    fn without_a_client_in_span_runs_the_closure_with_a_noop_span() {
        let (tp, current) =
            in_span(StepKind::Task, "no client", |s| (s.traceparent().map(String::from), current_span()));
        assert_eq!(tp, None);
        assert!(current.is_none());
        assert!(SpanRecorder::noop().end().is_ok());
    }

    #[test]
    fn error_type_is_the_short_type_name() {
        assert_eq!(short_type_name::<std::num::ParseIntError>(), "ParseIntError");
        assert_eq!(short_type_name::<std::io::Error>(), "Error");
    }

    #[test]
    fn traceparent_parsing_is_the_engines() {
        let tc = parse_w3c_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").unwrap();
        assert_eq!(tc.trace_id, "0af7651916cd43dd8448eb211c80319c");
        assert_eq!(tc.span_id, "b7ad6b7169203331");
        assert!(tc.sampled);
        assert_eq!(parse_w3c_traceparent("00-00000000000000000000000000000000-b7ad6b7169203331-01"), None);
        assert_eq!(parse_w3c_traceparent("garbage"), None);
    }

    #[test]
    fn extract_is_case_insensitive_and_drops_a_bad_tracestate() {
        let mut h = std::collections::HashMap::new();
        h.insert("TraceParent".to_string(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_string());
        h.insert("TRACESTATE".to_string(), "=bad".to_string());
        let ctx = Context::new().extract(&h);
        assert_eq!(ctx.parent_traceparent(), Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        assert_eq!(ctx.tracestate(), None);
        h.insert("tracestate".to_string(), "vendor=x".to_string());
        h.remove("TRACESTATE");
        let ctx = Context::new().extract(&h);
        assert_eq!(ctx.tracestate(), Some("vendor=x"));
        let mut out = std::collections::HashMap::new();
        assert!(ctx.inject(&mut out));
        assert_eq!(out.len(), 2);
        assert!(!Context::new().extract(&std::collections::HashMap::<String, String>::new()).inject(&mut out));
    }
}
