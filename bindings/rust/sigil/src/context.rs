//! Request-scoped identity: conversation, user, agent, and the parent span.
//!
//! A [`Context`] is an immutable, cheaply cloned value (`Send + Sync`). There
//! are two ways to apply one, and they combine:
//!
//! * **Scoped (thread-local):** [`Context::attach`] makes a context current on
//!   this thread until the returned [`ContextGuard`] drops, and
//!   [`Context::in_scope`] does the same around a closure. Every recorder
//!   started on the thread meanwhile (`client.start_generation(...)`) uses it.
//!   The guard is `!Send`, so it cannot be held across an `.await` in a task
//!   that may move between threads.
//! * **Explicit:** the `*_with_context` start methods take a `&Context`, for
//!   async code or anywhere the thread-local is the wrong scope.
//!
//! Context values have lower precedence than the start's own fields and
//! higher than metadata and the client's defaults; the engine resolves them.
//! A recorder's [`context`](crate::GenerationRecorder::context) is its start
//! context with itself as the parent span, so recorders started from it
//! (tool executions inside a generation, say) become its children.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::privacy::ContentCaptureMode;

#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct ContextData {
    pub(crate) conversation_id: Option<String>,
    pub(crate) conversation_title: Option<String>,
    pub(crate) user_id: Option<String>,
    pub(crate) agent_name: Option<String>,
    pub(crate) agent_version: Option<String>,
    pub(crate) parent_traceparent: Option<String>,
    /// The parent is a span of this process (a recorder's own), not one
    /// propagated from elsewhere: exported spans flag a remote parent.
    pub(crate) parent_is_local: bool,
    /// The W3C tracestate the trace carries (extracted, or a span's).
    pub(crate) tracestate: Option<String>,
    pub(crate) content_capture: Option<ContentCaptureMode>,
    /// The client of the innermost span ([`crate::in_span`] starts its
    /// children there).
    pub(crate) client: Option<crate::span_recorder::ClientRef>,
    /// The innermost span ([`crate::current_span`]); weak, so that a stored
    /// context does not keep a span from ending.
    pub(crate) span: Option<crate::span_recorder::SpanRef>,
}

/// Identity values and a parent span for the recorders started under it.
///
/// ```
/// use sigil::Context;
///
/// let ctx = Context::new().with_conversation_id("conv-1").with_user_id("user-42");
/// let _guard = ctx.attach(); // current on this thread until `_guard` drops
/// assert_eq!(Context::current().user_id(), Some("user-42"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Context(Option<Arc<ContextData>>);

thread_local! {
    static CURRENT: RefCell<Context> = const { RefCell::new(Context(None)) };
}

macro_rules! field {
    ($(#[$doc:meta])* $with:ident, $get:ident) => {
        $(#[$doc])*
        pub fn $with(mut self, value: impl Into<String>) -> Context {
            self.data_mut().$get = Some(value.into());
            self
        }

        /// The value, if set.
        pub fn $get(&self) -> Option<&str> {
            self.0.as_ref().and_then(|d| d.$get.as_deref())
        }
    };
}

impl Context {
    /// An empty context.
    pub fn new() -> Context {
        Context(None)
    }

    /// The context current on this thread (empty outside any scope).
    pub fn current() -> Context {
        CURRENT.with(|c| c.borrow().clone())
    }

    /// Runs `f` with this thread's current context (without cloning it).
    pub(crate) fn with_current<R>(f: impl FnOnce(&Context) -> R) -> R {
        CURRENT.with(|c| f(&c.borrow()))
    }

    pub(crate) fn data(&self) -> Option<&ContextData> {
        self.0.as_deref()
    }

    fn data_mut(&mut self) -> &mut ContextData {
        Arc::make_mut(self.0.get_or_insert_with(Default::default))
    }

    field!(
        /// Sets the conversation id (generations and tool executions).
        with_conversation_id, conversation_id
    );
    field!(
        /// Sets the conversation title (generations and tool executions).
        with_conversation_title, conversation_title
    );
    field!(
        /// Sets the end user's id (generations).
        with_user_id, user_id
    );
    field!(
        /// Sets the agent name (every recorder).
        with_agent_name, agent_name
    );
    field!(
        /// Sets the agent version (every recorder).
        with_agent_version, agent_version
    );
    /// Sets the parent span as a W3C traceparent
    /// (`00-<trace id>-<span id>-<flags>`), e.g. the current span of the
    /// host's own tracer or one propagated from another process. Recorders
    /// started under it become its children, their parent flagged as
    /// remote.
    pub fn with_parent_traceparent(mut self, value: impl Into<String>) -> Context {
        let d = self.data_mut();
        d.parent_traceparent = Some(value.into());
        d.parent_is_local = false;
        d.tracestate = None;
        self
    }

    /// The parent span's traceparent, if set.
    pub fn parent_traceparent(&self) -> Option<&str> {
        self.0.as_ref().and_then(|d| d.parent_traceparent.as_deref())
    }

    /// Sets the W3C tracestate that travels with the parent (carried on by
    /// the spans started under this context, and by [`inject`](crate::inject)).
    pub fn with_tracestate(mut self, value: impl Into<String>) -> Context {
        self.data_mut().tracestate = Some(value.into());
        self
    }

    /// The tracestate, if set.
    pub fn tracestate(&self) -> Option<&str> {
        self.0.as_ref().and_then(|d| d.tracestate.as_deref())
    }

    pub(crate) fn without_tracestate(mut self) -> Context {
        if self.tracestate().is_some() {
            self.data_mut().tracestate = None;
        }
        self
    }

    /// This context with a recorder of this process as the parent span.
    pub(crate) fn with_local_parent(mut self, traceparent: String) -> Context {
        let d = self.data_mut();
        d.parent_traceparent = Some(traceparent);
        d.parent_is_local = true;
        self
    }

    pub(crate) fn with_span(mut self, span: crate::span_recorder::SpanRef) -> Context {
        self.data_mut().span = Some(span);
        self
    }

    pub(crate) fn with_client(mut self, client: crate::span_recorder::ClientRef) -> Context {
        self.data_mut().client = Some(client);
        self
    }

    /// Sets the content capture mode of the generations and tool executions
    /// started under this context that set none themselves; it wins over the
    /// resolver and the client's mode. Embeddings do not follow it (as in the
    /// reference SDKs). A generation's
    /// [`context`](crate::GenerationRecorder::context) carries the mode the
    /// engine resolved for it, so the tool executions it runs follow it.
    pub fn with_content_capture_mode(mut self, mode: ContentCaptureMode) -> Context {
        self.data_mut().content_capture = Some(mode);
        self
    }

    /// The content capture mode, if set.
    pub fn content_capture_mode(&self) -> Option<ContentCaptureMode> {
        self.0.as_ref().and_then(|d| d.content_capture)
    }

    /// Makes this context current on this thread until the guard drops;
    /// then the previous one is current again. Guards must drop in reverse
    /// order of creation (as scopes do).
    pub fn attach(self) -> ContextGuard {
        let previous = CURRENT.with(|c| c.replace(self));
        ContextGuard { previous: Some(previous), _not_send: PhantomData }
    }

    /// Runs `f` with this context current on this thread.
    ///
    /// ```
    /// use sigil::Context;
    ///
    /// let name = Context::new().with_agent_name("planner").in_scope(|| Context::current().agent_name().map(String::from));
    /// assert_eq!(name.as_deref(), Some("planner"));
    /// assert_eq!(Context::current().agent_name(), None);
    /// ```
    pub fn in_scope<R>(self, f: impl FnOnce() -> R) -> R {
        let _guard = self.attach();
        f()
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Context");
        if let Some(c) = self.data() {
            for (k, v) in [
                ("conversation_id", &c.conversation_id),
                ("conversation_title", &c.conversation_title),
                ("user_id", &c.user_id),
                ("agent_name", &c.agent_name),
                ("agent_version", &c.agent_version),
                ("parent_traceparent", &c.parent_traceparent),
                ("tracestate", &c.tracestate),
            ] {
                if let Some(v) = v {
                    d.field(k, v);
                }
            }
            if let Some(m) = c.content_capture {
                d.field("content_capture", &m);
            }
        }
        d.finish()
    }
}

/// Restores the previous context when dropped (see [`Context::attach`]).
#[must_use = "the context is current only until the guard is dropped"]
pub struct ContextGuard {
    previous: Option<Context>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for ContextGuard {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            // A thread being torn down may have lost its locals already.
            let _ = CURRENT.try_with(|c| c.replace(previous));
        }
    }
}

impl fmt::Debug for ContextGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ContextGuard")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_nest_and_restore() {
        assert_eq!(Context::current(), Context::new());
        let outer = Context::new().with_conversation_id("c1").with_agent_name("a");
        let g1 = outer.clone().attach();
        {
            let _g2 = Context::current().with_user_id("u").attach();
            let cur = Context::current();
            assert_eq!((cur.conversation_id(), cur.user_id(), cur.agent_name()), (Some("c1"), Some("u"), Some("a")));
        }
        assert_eq!(Context::current(), outer);
        drop(g1);
        assert_eq!(Context::current().conversation_id(), None);
    }

    #[test]
    fn with_does_not_change_other_clones() {
        let a = Context::new().with_agent_name("a");
        let b = a.clone().with_agent_name("b");
        assert_eq!((a.agent_name(), b.agent_name()), (Some("a"), Some("b")));
    }

    #[test]
    fn contexts_are_thread_local() {
        let _g = Context::new().with_user_id("main").attach();
        let other = std::thread::spawn(|| Context::current().user_id().map(String::from)).join().unwrap();
        assert_eq!(other, None);
    }

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn context_is_send_and_sync() {
        assert_send_sync::<Context>();
    }
}
