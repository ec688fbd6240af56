package sigil

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// ToolExecutionStart seeds a tool execution before the tool runs.
type ToolExecutionStart struct {
	ToolName          string
	ToolCallID        string
	ToolType          string
	ToolDescription   string
	ConversationID    string
	ConversationTitle string
	AgentName         string
	AgentVersion      string
	// RequestModel is the model that asked for the tool call (e.g. "gpt-5").
	RequestModel string
	// RequestProvider is the provider that served that model (e.g. "openai").
	RequestProvider string
	StartedAt       time.Time
	// IncludeContent records the arguments and result on the span
	// (gen_ai.tool.call.arguments, gen_ai.tool.call.result).
	IncludeContent bool
	// ContentCapture overrides the client's mode for this execution
	// (ContentCaptureModeDefault defers to the context's mode: the enclosing
	// generation's or WithContentCaptureMode's, then the resolver's and the
	// client's).
	ContentCapture ContentCaptureMode
}

// ToolExecutionEnd is what the tool was called with and returned. A string
// or []byte that is valid JSON is recorded as is, other text as a JSON
// string; any other value is marshaled with encoding/json.
type ToolExecutionEnd struct {
	Arguments   any
	Result      any
	CompletedAt time.Time
}

// ToolExecutionRecorder records one tool execution (a span and metrics; tool
// executions are not exported as generations). Its methods are safe for
// concurrent use and on a nil or no-op recorder.
type ToolExecutionRecorder struct {
	recorder[*cToolExecution]

	execErr   error
	result    ToolExecutionEnd
	hasResult bool
}

// StartToolExecution starts a tool execution and returns a context whose
// recorders become its children. A nil client or an empty tool name gives a
// no-op recorder.
func (c *Client) StartToolExecution(ctx context.Context, start ToolExecutionStart) (context.Context, *ToolExecutionRecorder) {
	if ctx == nil {
		ctx = context.Background()
	}
	if c == nil || c.ptr == nil {
		return ctx, &ToolExecutionRecorder{}
	}
	cv := contextValuesOf(ctx)
	a := getArgs()
	defer putArgs(a)
	var cs cToolStartArgs
	cs.tool_name = a.str(start.ToolName)
	cs.tool_call_id = a.str(start.ToolCallID)
	cs.tool_type = a.str(start.ToolType)
	cs.tool_description = a.str(start.ToolDescription)
	cs.conversation_id = a.str(start.ConversationID)
	cs.conversation_title = a.str(start.ConversationTitle)
	cs.agent_name = a.str(start.AgentName)
	cs.agent_version = a.str(start.AgentVersion)
	cs.request_model = a.str(start.RequestModel)
	cs.request_provider = a.str(start.RequestProvider)
	cs.include_content = cbool(start.IncludeContent)
	cs.started_at_ns = c.startTime(start.StartedAt)
	mode := start.ContentCapture
	if mode == ContentCaptureModeDefault {
		mode = cv.contentCapture // the enclosing generation's mode, if any
	}
	cs.content_capture = cmode(mode)
	var release func()
	cs.call_ctx, release = c.resolverContext(ctx)
	defer release()
	cs.ctx_conversation_id = a.str(cv.conversationID)
	cs.ctx_conversation_title = a.str(cv.conversationTitle)
	cs.ctx_agent_name = a.str(cv.agentName)
	cs.ctx_agent_version = a.str(cv.agentVersion)
	subject := start.ToolName
	if subject == "" {
		subject = "unknown"
	}
	hs := c.beginHost(ctx, cv, RecordToolExecution, spanName("execute_tool", subject), &cs.started_at_ns)
	cs.parent_traceparent, cs.parent_is_local = a.str(hs.parent), cbool(hs.parentLocal)
	cs.span_traceparent = a.str(hs.spanTP)
	handle, traceparent := c.toolStart(&cs, a)
	rec := &ToolExecutionRecorder{recorder: recorder[*cToolExecution]{client: c, handle: handle, hostTP: hs.spanTP}}
	ctx = c.afterHost(ctx, hs, traceparent, handle != nil)
	if e := a.nulError("tool execution start"); e != nil {
		rec.startErr = e
	}
	if handle != nil {
		setCleanup(rec, finalizeToolExecution)
	}
	return cv.withTraceparent(ctx, traceparent), rec
}

// SetExecError records that the tool failed. Err returns it after End.
func (r *ToolExecutionRecorder) SetExecError(err error) {
	if r == nil || err == nil {
		return
	}
	r.set(func() { r.execErr = err })
}

// SetResult stores the tool's arguments and result.
func (r *ToolExecutionRecorder) SetResult(end ToolExecutionEnd) {
	if r == nil {
		return
	}
	r.set(func() { r.result, r.hasResult = end, true })
}

// End finalizes the tool execution's span. It is idempotent and safe on a nil
// or no-op recorder.
func (r *ToolExecutionRecorder) End() {
	if r != nil {
		r.end(r)
	}
}

func (r *ToolExecutionRecorder) finish(handle *cToolExecution) error {
	var arguments, result string
	var contentErr error
	completedAt := r.result.CompletedAt
	if completedAt.IsZero() && r.client.now != nil {
		completedAt = r.client.now()
	}
	if r.hasResult {
		var err error
		if arguments, err = toolContent(r.result.Arguments); err != nil {
			contentErr = errors.New("serialize tool arguments: " + err.Error())
		}
		if result, err = toolContent(r.result.Result); err != nil && contentErr == nil {
			contentErr = errors.New("serialize tool result: " + err.Error())
		}
	}
	failure := r.execErr
	switch {
	case failure != nil && contentErr != nil:
		failure = joinErrors(failure, contentErr)
	case contentErr != nil:
		failure = contentErr
	}
	local := toolFinish(handle, r.hasResult || !completedAt.IsZero(), arguments, result, completedAt, failure)
	var localErr error
	if local != nil {
		if local.Code == CodeShutdown {
			local.with(ErrClientShutdown)
		}
		localErr = local
	}
	switch {
	case failure != nil && localErr != nil:
		return joinErrors(failure, localErr)
	case failure != nil:
		return failure
	}
	return localErr
}

// Err returns the tool's error (SetExecError), a serialization error, or a
// local libsigil error, after End.
func (r *ToolExecutionRecorder) Err() error {
	if r == nil {
		return nil
	}
	return r.err()
}

// toolContent turns a tool argument or result into text for libsigil, which
// records JSON as is and anything else as a JSON string.
func toolContent(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	case json.RawMessage:
		return string(x), nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	if string(data) == "null" {
		return "", nil
	}
	return string(data), nil
}

func finalizeToolExecution(r *ToolExecutionRecorder) {
	if r.handle != nil {
		freeToolExecution(r.handle)
		r.client.endHostSpan(r.hostTP) // a host span libsigil gave no span for
	}
}
