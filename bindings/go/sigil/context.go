package sigil

import "context"

// All values the binding keeps in a context.Context live in one immutable
// struct under one key, so a start call does a single ctx.Value lookup.
type contextKey struct{}

type contextValues struct {
	conversationID    string
	conversationTitle string
	userID            string
	agentName         string
	agentVersion      string
	// traceparent is the W3C traceparent of the innermost recorder started
	// from this context; recorders started from it become its children.
	traceparent string
	// explicitParent: traceparent came from ContextWithTraceparent or
	// Extract, so it wins over the host tracer's current span (see host.go)
	// and is a remote parent.
	explicitParent bool
	// tracestate is the W3C tracestate the trace carries (Extract, or the
	// innermost span's); spans started from this context carry it on.
	tracestate string
	// span is the innermost span started from this context (SpanFromContext).
	span *SpanRecorder
	// contentCapture is the resolved mode of the innermost generation started
	// from this context; tool executions inherit it.
	contentCapture ContentCaptureMode
}

var emptyContextValues contextValues

func contextValuesOf(ctx context.Context) *contextValues {
	if ctx != nil {
		if v, ok := ctx.Value(contextKey{}).(*contextValues); ok {
			return v
		}
	}
	return &emptyContextValues
}

func withValue(ctx context.Context, set func(*contextValues)) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	v := *contextValuesOf(ctx)
	set(&v)
	return context.WithValue(ctx, contextKey{}, &v)
}

// withTraceparent returns ctx carrying tp as the parent for nested recorders
// (ctx unchanged when tp is empty, e.g. for a no-op recorder).
func (cv *contextValues) withTraceparent(ctx context.Context, tp string) context.Context {
	if tp == "" {
		return ctx
	}
	v := *cv
	v.traceparent, v.explicitParent = tp, false
	return context.WithValue(ctx, contextKey{}, &v)
}

// withRecorder is withTraceparent that also records a generation's mode.
func (cv *contextValues) withRecorder(ctx context.Context, tp string, mode ContentCaptureMode) context.Context {
	if tp == "" && mode == cv.contentCapture {
		return ctx
	}
	v := *cv
	if tp != "" {
		v.traceparent, v.explicitParent = tp, false
	}
	v.contentCapture = mode
	return context.WithValue(ctx, contextKey{}, &v)
}

// WithConversationID stores a conversation id in the context. Generations and
// tool executions started from it use it when their own field is empty.
func WithConversationID(ctx context.Context, id string) context.Context {
	return withValue(ctx, func(v *contextValues) { v.conversationID = id })
}

// ConversationIDFromContext returns the conversation id WithConversationID stored.
func ConversationIDFromContext(ctx context.Context) (string, bool) {
	v := contextValuesOf(ctx).conversationID
	return v, v != ""
}

// WithConversationTitle stores a conversation title in the context.
// Generations and tool executions started from it use it when their own field
// is empty.
func WithConversationTitle(ctx context.Context, title string) context.Context {
	return withValue(ctx, func(v *contextValues) { v.conversationTitle = title })
}

// ConversationTitleFromContext returns the title WithConversationTitle stored.
func ConversationTitleFromContext(ctx context.Context) (string, bool) {
	v := contextValuesOf(ctx).conversationTitle
	return v, v != ""
}

// WithUserID stores an end-user id in the context. Generations started from
// it use it when their own field is empty.
func WithUserID(ctx context.Context, userID string) context.Context {
	return withValue(ctx, func(v *contextValues) { v.userID = userID })
}

// UserIDFromContext returns the user id WithUserID stored.
func UserIDFromContext(ctx context.Context) (string, bool) {
	v := contextValuesOf(ctx).userID
	return v, v != ""
}

// WithAgentName stores an agent name in the context. Generations, tool
// executions and embeddings started from it use it when their own field is
// empty.
func WithAgentName(ctx context.Context, name string) context.Context {
	return withValue(ctx, func(v *contextValues) { v.agentName = name })
}

// AgentNameFromContext returns the agent name WithAgentName stored.
func AgentNameFromContext(ctx context.Context) (string, bool) {
	v := contextValuesOf(ctx).agentName
	return v, v != ""
}

// WithAgentVersion stores an agent version in the context. Generations, tool
// executions and embeddings started from it use it when their own field is
// empty.
func WithAgentVersion(ctx context.Context, version string) context.Context {
	return withValue(ctx, func(v *contextValues) { v.agentVersion = version })
}

// AgentVersionFromContext returns the agent version WithAgentVersion stored.
func AgentVersionFromContext(ctx context.Context) (string, bool) {
	v := contextValuesOf(ctx).agentVersion
	return v, v != ""
}

// ContextWithTraceparent makes recorders started from the returned context
// children of the span a W3C traceparent ("00-<trace>-<span>-<flags>")
// names, e.g. the current span of the host's own tracer. Start calls store
// their own recorder's traceparent this way. An empty value starts new traces.
func ContextWithTraceparent(ctx context.Context, traceparent string) context.Context {
	return withValue(ctx, func(v *contextValues) { v.traceparent, v.explicitParent = traceparent, traceparent != "" })
}

// TraceparentFromContext returns the traceparent recorders started from ctx
// use as their parent: the innermost recorder's, or ContextWithTraceparent's.
func TraceparentFromContext(ctx context.Context) (string, bool) {
	v := contextValuesOf(ctx).traceparent
	return v, v != ""
}
