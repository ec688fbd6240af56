package sigil

import (
	"context"
	"encoding/json"
	"time"
)

// GenerationMode says whether a generation was a single response or a stream.
type GenerationMode string

const (
	GenerationModeSync   GenerationMode = "SYNC"
	GenerationModeStream GenerationMode = "STREAM"
)

// ModelRef identifies the provider and model of a generation.
type ModelRef struct {
	Provider string `json:"provider"`
	Name     string `json:"name"`
}

// ToolDefinition describes a tool the model could call.
type ToolDefinition struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Type        string          `json:"type,omitempty"`
	InputSchema json.RawMessage `json:"input_schema,omitempty"`
	Deferred    bool            `json:"deferred,omitempty"`
}

// Generation is the normalized, provider-independent record of one model
// call. Pass it to GenerationRecorder.SetResult; fields left zero are taken
// from the GenerationStart, the context, the client defaults, or libsigil's
// defaults, in that order.
type Generation struct {
	// ID is the generation id; libsigil assigns "gen_" + 16 hex digits when
	// neither the start nor the result sets one.
	ID                string         `json:"id,omitempty"`
	ConversationID    string         `json:"conversation_id,omitempty"`
	ConversationTitle string         `json:"conversation_title,omitempty"`
	UserID            string         `json:"user_id,omitempty"`
	AgentName         string         `json:"agent_name,omitempty"`
	AgentVersion      string         `json:"agent_version,omitempty"`
	Mode              GenerationMode `json:"mode,omitempty"`
	// OperationName maps to gen_ai.operation.name; the default is
	// "generateText" for SYNC and "streamText" for STREAM.
	OperationName string `json:"operation_name,omitempty"`
	// TraceID and SpanID identify the generation's span. libsigil sets them
	// on export; values set here are ignored.
	TraceID         string            `json:"trace_id,omitempty"`
	SpanID          string            `json:"span_id,omitempty"`
	Model           ModelRef          `json:"model"`
	ResponseID      string            `json:"response_id,omitempty"`
	ResponseModel   string            `json:"response_model,omitempty"`
	SystemPrompt    string            `json:"system_prompt,omitempty"`
	Input           []Message         `json:"input,omitempty"`
	Output          []Message         `json:"output,omitempty"`
	Tools           []ToolDefinition  `json:"tools,omitempty"`
	MaxTokens       *int64            `json:"max_tokens,omitempty"`
	Temperature     *float64          `json:"temperature,omitempty"`
	TopP            *float64          `json:"top_p,omitempty"`
	ToolChoice      *string           `json:"tool_choice,omitempty"`
	ThinkingEnabled *bool             `json:"thinking_enabled,omitempty"`
	Usage           TokenUsage        `json:"usage,omitempty"`
	StopReason      string            `json:"stop_reason,omitempty"`
	StartedAt       time.Time         `json:"started_at,omitempty"`
	CompletedAt     time.Time         `json:"completed_at,omitempty"`
	Tags            map[string]string `json:"tags,omitempty"`
	Metadata        map[string]any    `json:"metadata,omitempty"`
	Artifacts       []Artifact        `json:"artifacts,omitempty"`
	// CallError is the provider failure text; SetCallError fills it.
	CallError string `json:"call_error,omitempty"`
}

// Validate checks g with libsigil's validation rules (see ValidateGeneration).
func (g Generation) Validate() error { return ValidateGeneration(g) }

// GenerationStart seeds a generation before the provider call. Zero fields
// can be filled later by the result passed to SetResult.
type GenerationStart struct {
	ID                string
	ConversationID    string
	ConversationTitle string
	UserID            string
	AgentName         string
	AgentVersion      string
	// Mode defaults to SYNC for StartGeneration and STREAM for
	// StartStreamingGeneration.
	Mode            GenerationMode
	OperationName   string
	Model           ModelRef
	SystemPrompt    string
	Tools           []ToolDefinition
	MaxTokens       *int64
	Temperature     *float64
	TopP            *float64
	ToolChoice      *string
	ThinkingEnabled *bool
	Tags            map[string]string
	Metadata        map[string]any
	StartedAt       time.Time
	// ContentCapture overrides the client's mode for this generation
	// (ContentCaptureModeDefault defers to the context's mode, see
	// WithContentCaptureMode, then to the resolver and the client).
	ContentCapture ContentCaptureMode
}

// GenerationRecorder records one in-flight generation:
//
//	ctx, rec := client.StartGeneration(ctx, start)
//	defer rec.End()
//	resp, err := provider.Call(ctx, req)
//	if err != nil { rec.SetCallError(err); return err }
//	rec.SetResult(mapper.FromRequestResponse(req, resp))
//
// Its methods are safe for concurrent use and on a nil or no-op recorder.
type GenerationRecorder struct {
	recorder[*cGeneration]

	callErr      error
	mapErr       error // the first mapping problem (SetResult's error, provider JSON)
	generation   Generation
	hasResult    bool
	firstTokenAt time.Time
	startMode    GenerationMode     // a start Mode libsigil's start struct cannot carry
	encodeErr    error              // a start or result value the binding could not encode
	inputErr     error              // the first result libsigil rejected
	captureMode  ContentCaptureMode // resolved at start
}

// StartGeneration starts a synchronous generation and returns a context for
// the provider call, carrying the generation's trace context so that
// recorders started from it become its children. With a nil client it
// returns a no-op recorder.
func (c *Client) StartGeneration(ctx context.Context, start GenerationStart) (context.Context, *GenerationRecorder) {
	return c.startGeneration(ctx, &start, false)
}

// StartStreamingGeneration is StartGeneration for streaming calls (mode
// STREAM, operation "streamText" by default). Record the first chunk's
// arrival with SetFirstTokenAt.
func (c *Client) StartStreamingGeneration(ctx context.Context, start GenerationStart) (context.Context, *GenerationRecorder) {
	return c.startGeneration(ctx, &start, true)
}

func (c *Client) startGeneration(ctx context.Context, s *GenerationStart, streaming bool) (context.Context, *GenerationRecorder) {
	if ctx == nil {
		ctx = context.Background()
	}
	if c == nil || c.ptr == nil {
		return ctx, &GenerationRecorder{}
	}
	switch s.Mode {
	case GenerationModeStream:
		streaming = true
	case GenerationModeSync:
		streaming = false
	}
	cv := contextValuesOf(ctx)
	a := getArgs()
	defer putArgs(a)
	var cs cGenerationStartArgs
	cs.id = a.str(s.ID)
	cs.conversation_id = a.str(s.ConversationID)
	cs.conversation_title = a.str(s.ConversationTitle)
	cs.user_id = a.str(s.UserID)
	cs.agent_name = a.str(s.AgentName)
	cs.agent_version = a.str(s.AgentVersion)
	cs.operation_name = a.str(s.OperationName)
	cs.model_provider = a.str(s.Model.Provider)
	cs.model_name = a.str(s.Model.Name)
	cs.system_prompt = a.str(s.SystemPrompt)
	cs.tool_choice = -1
	if s.ToolChoice != nil {
		cs.tool_choice = a.always(*s.ToolChoice)
	}
	if s.MaxTokens != nil {
		cs.has_max_tokens, cs.max_tokens = 1, cInt64(*s.MaxTokens)
	}
	if s.Temperature != nil {
		cs.has_temperature, cs.temperature = 1, cDouble(*s.Temperature)
	}
	if s.TopP != nil {
		cs.has_top_p, cs.top_p = 1, cDouble(*s.TopP)
	}
	if s.ThinkingEnabled != nil {
		cs.has_thinking_enabled, cs.thinking_enabled = 1, cbool(*s.ThinkingEnabled)
	}
	var encodeErr error
	cs.tools_json, cs.tools_json_len = -1, 0
	cs.tags_json, cs.tags_json_len = -1, 0
	cs.metadata_json, cs.metadata_json_len = -1, 0
	if len(s.Tools) > 0 || len(s.Tags) > 0 || len(s.Metadata) > 0 {
		j := getJSON()
		if len(s.Tools) > 0 {
			j.b = appendTools(j.b[:0], s.Tools)
			cs.tools_json, cs.tools_json_len = a.bytes(j.b)
		}
		if len(s.Tags) > 0 {
			j.b = appendTags(j.b[:0], s.Tags)
			cs.tags_json, cs.tags_json_len = a.bytes(j.b)
		}
		if len(s.Metadata) > 0 {
			var err error
			if j.b, err = appendMetadata(j.b[:0], s.Metadata); err != nil {
				encodeErr = wrapEnqueue(err)
			} else {
				cs.metadata_json, cs.metadata_json_len = a.bytes(j.b)
			}
		}
		putJSON(j)
	}
	cs.started_at_ns = c.startTime(s.StartedAt)
	mode := s.ContentCapture
	if mode == ContentCaptureModeDefault {
		mode = cv.contentCapture // WithContentCaptureMode, or the enclosing generation's mode
	}
	cs.content_capture = cmode(mode)
	var release func()
	cs.call_ctx, release = c.resolverContext(ctx)
	defer release()
	cs.ctx_conversation_id = a.str(cv.conversationID)
	cs.ctx_conversation_title = a.str(cv.conversationTitle)
	cs.ctx_user_id = a.str(cv.userID)
	cs.ctx_agent_name = a.str(cv.agentName)
	cs.ctx_agent_version = a.str(cv.agentVersion)
	cs.streaming = cbool(streaming)
	op := s.OperationName
	if op == "" {
		op = "generateText"
		if streaming {
			op = "streamText"
		}
	}
	hs := c.beginHost(ctx, cv, RecordGeneration, spanName(op, s.Model.Name), &cs.started_at_ns)
	cs.parent_traceparent, cs.parent_is_local = a.str(hs.parent), cbool(hs.parentLocal)
	cs.span_traceparent = a.str(hs.spanTP)

	if e := a.nulError("generation start"); e != nil && encodeErr == nil {
		encodeErr = e // the record is not exported; Err reports it
	}
	handle, traceparent := c.generationStart(&cs, a)
	rec := &GenerationRecorder{recorder: recorder[*cGeneration]{client: c, handle: handle, hostTP: hs.spanTP},
		encodeErr: encodeErr}
	ctx = c.afterHost(ctx, hs, traceparent, handle != nil)
	if handle != nil {
		rec.captureMode = generationCaptureMode(handle)
	}
	if s.Mode != "" && s.Mode != GenerationModeSync && s.Mode != GenerationModeStream {
		rec.startMode = s.Mode // libsigil's validation rejects it at End
	}
	if handle != nil {
		setCleanup(rec, finalizeGeneration)
		// Tool executions started from the returned context inherit the
		// generation's resolved mode (the reference's parent-generation layer).
		return cv.withRecorder(ctx, traceparent, rec.captureMode), rec
	}
	return cv.withTraceparent(ctx, traceparent), rec
}

// ContentCaptureMode returns the content capture mode libsigil resolved at
// the start (start > context > resolver > client); Default for a no-op
// recorder. The context StartGeneration returned carries it to the tool
// executions started from it.
func (r *GenerationRecorder) ContentCaptureMode() ContentCaptureMode {
	if r == nil {
		return ContentCaptureModeDefault
	}
	return r.captureMode
}

// SetCallError records that the provider call failed. The generation is
// still exported, with call_error set. A nil err is ignored.
func (r *GenerationRecorder) SetCallError(err error) {
	if r == nil || err == nil {
		return
	}
	r.set(func() { r.callErr = err })
}

// SetFirstTokenAt records when the first streamed chunk arrived (for
// gen_ai.client.time_to_first_token). A zero time is ignored.
func (r *GenerationRecorder) SetFirstTokenAt(firstTokenAt time.Time) {
	if r == nil || firstTokenAt.IsZero() {
		return
	}
	r.set(func() { r.firstTokenAt = firstTokenAt })
}

// SetResult stores the mapped generation and the mapper's error, so that
// rec.SetResult(mapper.FromRequestResponse(req, resp)) chains. A non-nil err
// marks the generation as SetMappingError does (MappingErr reports it). The result is
// encoded and handed to libsigil at once (the last call wins); input libsigil
// rejects, such as invalid UTF-8, is reported by Err right away and by End.
func (r *GenerationRecorder) SetResult(g Generation, err error) {
	if r == nil {
		return
	}
	r.set(func() { r.setResult(&g, err) })
}

func (r *GenerationRecorder) setResult(g *Generation, err error) {
	if err != nil && r.mapErr == nil {
		r.mapErr = err
	}
	r.hasResult = true
	if r.handle == nil {
		return
	}
	if err != nil {
		defer r.setMappingError(err.Error()) // after the result: it must not replace the mark
	}
	if r.startMode != "" && g.Mode == "" {
		g.Mode = r.startMode
	}
	if r.client.now != nil && g.CompletedAt.IsZero() {
		g.CompletedAt = r.client.now()
	}
	j := getJSON()
	defer putJSON(j)
	var encodeErr error
	if j.b, encodeErr = appendGeneration(j.b, g); encodeErr != nil {
		if r.encodeErr == nil {
			r.encodeErr = wrapEnqueue(encodeErr)
		}
		j.b = append(j.b[:0], rejectDocument...)
	}
	if e := setResultJSON(r.handle, j.b); e != nil && r.inputErr == nil {
		r.inputErr = generationError(e) // libsigil keeps the first input error, and so do we
	}
}

// rejectDocument is a result libsigil refuses (it is not a JSON object): it
// stands for a Go value the binding could not encode, so that the record is
// not exported and its span is marked. Err reports the Go-side reason.
const rejectDocument = `"value not representable as JSON"`

// End finalizes the generation: libsigil resolves identity, validates, and
// enqueues it for export without waiting on I/O. End takes no arguments and
// returns nothing, so `defer rec.End()` works; it is idempotent and safe on a
// nil or no-op recorder. Err reports what went wrong locally.
func (r *GenerationRecorder) End() {
	if r != nil {
		r.end(r)
	}
}

func (r *GenerationRecorder) finish(handle *cGeneration) error {
	var doc []byte
	switch {
	case r.encodeErr != nil:
		doc = []byte(rejectDocument)
	case !r.hasResult && (r.startMode != "" || r.client.now != nil):
		// Values the start struct cannot carry, as a result document.
		g := Generation{Mode: r.startMode}
		if r.client.now != nil {
			g.CompletedAt = r.client.now()
		}
		doc, _ = appendGeneration(nil, &g)
	}
	err := r.client.generationFinish(handle, doc, r.callErr, r.firstTokenAt)
	if r.encodeErr != nil {
		return r.encodeErr
	}
	return generationError(err)
}

// Err returns the local error of End (validation, enqueue, shutdown), like
// sql.Rows.Err. Provider call errors and background export failures are not
// local errors. Before End it reports input SetResult already found invalid
// (and nil otherwise). It is nil on a nil recorder.
func (r *GenerationRecorder) Err() error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return r.finalErr
	}
	if r.encodeErr != nil {
		return r.encodeErr
	}
	return r.inputErr
}

func wrapEnqueue(err error) error {
	return &Error{Code: CodeInvalidJSON, Message: "generation enqueue failed: " + err.Error(),
		wraps: []error{ErrEnqueueFailed, err}}
}

// startTime is the start timestamp to pass: the explicit one, else the
// configured clock, else 0 (libsigil's clock).
func (c *Client) startTime(t time.Time) cInt64T {
	if !t.IsZero() {
		return cInt64T(saturatingUnixNano(t))
	}
	if c.now != nil {
		return cInt64T(saturatingUnixNano(c.now()))
	}
	return 0
}

func finalizeGeneration(r *GenerationRecorder) {
	if r.handle != nil {
		freeGeneration(r.handle)
		r.client.endHostSpan(r.hostTP) // a host span libsigil gave no span for
	}
}
