// Command sigil-conformance-driver-go speaks the conformance line protocol
// (conformance/README.md) on stdin/stdout and performs every operation
// through the Go binding's public API, the way a Go program would: context
// values and parent trace context travel in a context.Context (WithUserID,
// ContextWithTraceparent, ...), results are sigil.Generation values, tool
// content is JSON-ready Go values, and errors are matched by errors.As on
// *sigil.Error. Diagnostics go to stderr.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

const protocolVersion = 1

// Canonical error names (conformance/README.md) by engine status code.
var errorNames = map[sigil.Code]string{
	sigil.CodeInvalidArgument:  "InvalidArgument",
	sigil.CodeValidation:       "ValidationFailed",
	sigil.CodeQueueFull:        "QueueFull",
	sigil.CodePayloadTooLarge:  "PayloadTooLarge",
	sigil.CodeShutdown:         "ClientShutdown",
	sigil.CodeInvalidUTF8:      "InvalidUTF8",
	sigil.CodeInvalidJSON:      "InvalidJSON",
	sigil.CodeConfig:           "InvalidConfig",
	sigil.CodeTimeout:          "Timeout",
	sigil.CodeTransport:        "TransportError",
	sigil.CodeAlreadyEnded:     "AlreadyEnded",
	sigil.CodeNoMemory:         "OutOfMemory",
	sigil.CodeInternal:         "InternalError",
	sigil.CodeByteBudget:       "ByteBudgetExceeded",
	sigil.CodeRejected:         "Rejected",
	sigil.CodeRatingValidation: "RatingValidationFailed",
	sigil.CodeRatingConflict:   "RatingConflict",
	sigil.CodeUnsupported:      "Unsupported",
}

// reply is one protocol answer; extra holds the op-specific fields.
type reply struct {
	ok          bool
	err         string
	message     string
	unsupported bool
	extra       map[string]any
}

func (r reply) MarshalJSON() ([]byte, error) {
	out := map[string]any{"ok": r.ok, "error": nil, "message": nil}
	if r.err != "" {
		out["error"] = r.err
	}
	if r.message != "" || r.err != "" || !r.ok {
		out["message"] = r.message
	}
	if r.unsupported {
		out["unsupported"] = true
	}
	for k, v := range r.extra {
		out[k] = v
	}
	return json.Marshal(out)
}

// sdkReply reports what the binding answered: nil, or an error from the
// binding. Only libsigil's errors (*sigil.Error) are SDK errors; a tool's own
// failure that Err hands back is not.
func sdkReply(err error, extra map[string]any) reply {
	r := reply{ok: true, extra: extra}
	var se *sigil.Error
	switch {
	case err == nil:
	case errors.As(err, &se):
		r.err, r.message = errorNames[se.Code], se.Error()
		if r.err == "" {
			r.err = "InternalError"
		}
	case errors.Is(err, context.DeadlineExceeded):
		r.err, r.message = "Timeout", err.Error()
	}
	return r
}

// badRequest is a request the driver cannot carry out (ok: false).
type badRequest struct {
	message     string
	unsupported bool
}

func (b *badRequest) Error() string { return b.message }

func bad(format string, args ...any) error { return &badRequest{message: fmt.Sprintf(format, args...)} }

func unsupported(format string, args ...any) error {
	return &badRequest{message: fmt.Sprintf(format, args...), unsupported: true}
}

// recorder is a handle: the recorder, the context its start returned, and
// whether the driver already ended it (End is idempotent in Go; the protocol
// reports a second end as AlreadyEnded).
type recorder struct {
	kind       string
	ctx        context.Context
	generation *sigil.GenerationRecorder
	tool       *sigil.ToolExecutionRecorder
	embedding  *sigil.EmbeddingRecorder
	span       *sigil.SpanRecorder
	ended      bool
}

type driver struct {
	client  *sigil.Client
	handles map[string]*recorder
	order   []*recorder
}

func main() {
	d := &driver{handles: map[string]*recorder{}}
	in := bufio.NewReader(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	for {
		line, err := in.ReadBytes('\n')
		if len(strings.TrimSpace(string(line))) > 0 {
			r := d.handle(line)
			data, merr := json.Marshal(r)
			if merr != nil {
				data = []byte(`{"ok":false,"error":null,"message":"driver could not encode its reply"}`)
			}
			out.Write(data)
			out.WriteByte('\n')
			out.Flush()
		}
		if err != nil {
			break
		}
	}
	d.close()
}

// close ends what is still open and shuts the client down, as a program
// leaving would.
func (d *driver) close() {
	for _, r := range d.order {
		switch r.kind {
		case "generation":
			r.generation.End()
		case "tool_execution":
			r.tool.End()
		case "embedding":
			r.embedding.End()
		case "span":
			r.span.End()
		}
	}
	if d.client != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := d.client.Shutdown(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "shutdown:", err)
		}
	}
}

func (d *driver) handle(line []byte) (r reply) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintln(os.Stderr, "panic:", p)
			r = reply{ok: false, message: fmt.Sprint("driver panic: ", p)}
		}
	}()
	req, err := parseObject(line)
	if err != nil {
		return reply{ok: false, message: "request is not a JSON object: " + err.Error()}
	}
	op, _, err := req.str("op")
	if err != nil {
		return reply{ok: false, message: err.Error()}
	}
	fn := ops[op]
	if fn == nil {
		return reply{ok: false, message: fmt.Sprintf("unknown op %q", op), unsupported: true}
	}
	res, err := fn(d, req)
	if err != nil {
		var b *badRequest
		if errors.As(err, &b) {
			return reply{ok: false, message: b.message, unsupported: b.unsupported}
		}
		return reply{ok: false, message: err.Error()}
	}
	return res
}

var ops map[string]func(*driver, *object) (reply, error)

func init() {
	ops = map[string]func(*driver, *object) (reply, error){
		"hello":                            (*driver).hello,
		"client.new":                       (*driver).clientNew,
		"client.flush":                     (*driver).clientFlush,
		"client.shutdown":                  (*driver).clientShutdown,
		"client.stats":                     (*driver).clientStats,
		"generation.start":                 (*driver).generationStart,
		"generation.set_result":            (*driver).generationSetResult,
		"generation.set_call_error":        (*driver).generationSetCallError,
		"generation.set_first_token_at":    (*driver).generationSetFirstTokenAt,
		"generation.end":                   (*driver).generationEnd,
		"generation.set_provider_request":  (*driver).generationSetProviderRequest,
		"generation.set_provider_response": (*driver).generationSetProviderResponse,
		"generation.add_provider_events":   (*driver).generationAddProviderEvents,
		"generation.set_mapping_error":     (*driver).generationSetMappingError,
		"tool_execution.start":             (*driver).toolStart,
		"tool_execution.set_result":        (*driver).toolSetResult,
		"tool_execution.set_error":         (*driver).toolSetError,
		"tool_execution.end":               (*driver).toolEnd,
		"embedding.start":                  (*driver).embeddingStart,
		"embedding.set_result":             (*driver).embeddingSetResult,
		"embedding.set_call_error":         (*driver).embeddingSetCallError,
		"embedding.end":                    (*driver).embeddingEnd,
		"embedding.set_provider_result":    (*driver).embeddingSetProviderResult,
		"span.start":                       (*driver).spanStart,
		"span.set_attribute":               (*driver).spanSetAttribute,
		"span.add_event":                   (*driver).spanAddEvent,
		"span.set_input":                   (*driver).spanSetInput,
		"span.set_output":                  (*driver).spanSetOutput,
		"span.set_error":                   (*driver).spanSetError,
		"span.end":                         (*driver).spanEnd,
		"traceparent":                      (*driver).traceparent,
		"rating.submit":                    (*driver).ratingSubmit,
	}
}

func (d *driver) hello(req *object) (reply, error) {
	return sdkReply(nil, map[string]any{"protocol": protocolVersion, "language": "go",
		"library_version": sigil.Version()}), nil
}

// ---------------------------------------------------------------------------
// client.*

func (d *driver) clientNew(req *object) (reply, error) {
	if err := req.only("op", "config"); err != nil {
		return reply{}, err
	}
	if d.client != nil {
		return reply{}, bad("client.new: the driver already has a client")
	}
	cfg := sigil.DefaultConfig()
	if c, ok, err := req.obj("config"); err != nil {
		return reply{}, err
	} else if ok {
		if err := c.only("protocol", "endpoint", "api_endpoint", "otlp_endpoint", "headers", "tags", "agent_name",
			"agent_version", "user_id", "batch_size", "flush_interval_ms", "queue_size", "max_retries",
			"payload_max_bytes"); err != nil {
			return reply{}, err
		}
		if err := applyConfig(c, &cfg); err != nil {
			return reply{}, err
		}
	}
	client, err := sigil.NewClientWithError(cfg)
	if err != nil {
		return sdkReply(err, nil), nil
	}
	d.client = client
	return sdkReply(nil, nil), nil
}

func applyConfig(c *object, cfg *sigil.Config) error {
	ex := &cfg.GenerationExport
	var err error
	set := func(key string, dst *string) {
		if v, ok, e := c.str(key); e != nil {
			err = e
		} else if ok {
			*dst = v
		}
	}
	var protocol string
	set("protocol", &protocol)
	switch protocol {
	case "":
	case "grpc":
		ex.Protocol = sigil.GenerationExportProtocolGRPC
	case "http":
		ex.Protocol = sigil.GenerationExportProtocolHTTP
	case "none":
		ex.Protocol = sigil.GenerationExportProtocolNone
	default:
		return bad("unknown protocol %q", protocol)
	}
	set("endpoint", &ex.Endpoint)
	set("api_endpoint", &cfg.API.Endpoint)
	set("otlp_endpoint", &cfg.Telemetry.OTLPEndpoint)
	set("agent_name", &cfg.Defaults.AgentName)
	set("agent_version", &cfg.Defaults.AgentVersion)
	set("user_id", &cfg.Defaults.UserID)
	if err != nil {
		return err
	}
	if ex.Headers, _, err = c.strMap("headers"); err != nil {
		return err
	}
	if cfg.Defaults.Tags, _, err = c.strMap("tags"); err != nil {
		return err
	}
	if n, ok, err := c.int("batch_size"); err != nil {
		return err
	} else if ok {
		ex.BatchSize = int(n)
	}
	if n, ok, err := c.int("flush_interval_ms"); err != nil {
		return err
	} else if ok {
		ex.FlushInterval = time.Duration(n) * time.Millisecond
	}
	if n, ok, err := c.int("queue_size"); err != nil {
		return err
	} else if ok {
		ex.QueueSize = int(n)
	}
	if n, ok, err := c.int("max_retries"); err != nil {
		return err
	} else if ok {
		ex.MaxRetries = int(n)
		if n == 0 {
			ex.MaxRetries = -1 // no retries
		}
	}
	if n, ok, err := c.int("payload_max_bytes"); err != nil {
		return err
	} else if ok {
		ex.PayloadMaxBytes = int(n)
	}
	return nil
}

func (d *driver) needClient() (*sigil.Client, error) {
	if d.client == nil {
		return nil, bad("no client: send client.new first")
	}
	return d.client, nil
}

// timeoutCtx is a context with the request's timeout_ms (default 5000).
func timeoutCtx(req *object, def int64) (context.Context, context.CancelFunc, error) {
	ms, ok, err := req.int("timeout_ms")
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		ms = def
	}
	if ms <= 0 {
		return context.Background(), func() {}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(ms)*time.Millisecond)
	return ctx, cancel, nil
}

func (d *driver) clientFlush(req *object) (reply, error) {
	return d.lifecycle(req, (*sigil.Client).Flush)
}

func (d *driver) clientShutdown(req *object) (reply, error) {
	return d.lifecycle(req, (*sigil.Client).Shutdown)
}

func (d *driver) lifecycle(req *object, fn func(*sigil.Client, context.Context) error) (reply, error) {
	if err := req.only("op", "timeout_ms"); err != nil {
		return reply{}, err
	}
	client, err := d.needClient()
	if err != nil {
		return reply{}, err
	}
	ctx, cancel, err := timeoutCtx(req, 5000)
	if err != nil {
		return reply{}, err
	}
	defer cancel()
	return sdkReply(fn(client, ctx), nil), nil
}

func (d *driver) clientStats(req *object) (reply, error) {
	client, err := d.needClient()
	if err != nil {
		return reply{}, err
	}
	s, err := client.Stats()
	return sdkReply(err, map[string]any{"stats": map[string]uint64{
		"generations_enqueued":      s.GenerationsEnqueued,
		"generations_exported":      s.GenerationsExported,
		"generations_rejected":      s.GenerationsRejected,
		"dropped_queue_full":        s.DroppedQueueFull,
		"dropped_byte_budget":       s.DroppedByteBudget,
		"dropped_payload_too_large": s.DroppedPayloadTooLarge,
		"dropped_retry_exhausted":   s.DroppedRetryExhausted,
		"dropped_shutdown_timeout":  s.DroppedShutdownTimeout,
		"validation_failures":       s.ValidationFailures,
		"export_attempts":           s.ExportAttempts,
		"export_retries":            s.ExportRetries,
		"queue_items":               s.QueueItems,
		"queue_bytes":               s.QueueBytes,
	}}), nil
}

// ---------------------------------------------------------------------------
// Context: the request's "context" object goes through context.Context.

// withContext also starts from the context of the span "parent_span" names
// (what StartSpan returned), or from the trace context extracted from
// "headers" (sigil.Extract).
func (d *driver) withContext(req *object, allowed ...string) (context.Context, error) {
	ctx := context.Background()
	c, ok, err := req.obj("context")
	if err != nil || !ok {
		return ctx, err
	}
	if err := c.only(allowed...); err != nil {
		return nil, err
	}
	if parent, ok, err := c.str("parent_span"); err != nil {
		return nil, err
	} else if ok {
		r := d.handles[parent]
		if r == nil || r.kind != "span" {
			return nil, bad("context.parent_span %q is not a span handle", parent)
		}
		ctx = r.ctx
	}
	if h, ok, err := c.obj("headers"); err != nil {
		return nil, err
	} else if ok {
		if err := h.only("traceparent", "tracestate"); err != nil {
			return nil, err
		}
		carrier := sigil.MapCarrier{}
		for _, k := range []string{"traceparent", "tracestate"} {
			if v, ok, err := h.str(k); err != nil {
				return nil, err
			} else if ok {
				carrier[k] = v
			}
		}
		ctx = sigil.Extract(ctx, carrier)
	}
	apply := map[string]func(context.Context, string) context.Context{
		"conversation_id":    sigil.WithConversationID,
		"conversation_title": sigil.WithConversationTitle,
		"user_id":            sigil.WithUserID,
		"agent_name":         sigil.WithAgentName,
		"agent_version":      sigil.WithAgentVersion,
		"parent_traceparent": sigil.ContextWithTraceparent,
	}
	for _, key := range c.keys {
		if key == "parent_span" || key == "headers" {
			continue
		}
		v, ok, err := c.str(key)
		if err != nil {
			return nil, err
		}
		if ok {
			ctx = apply[key](ctx, v)
		}
	}
	return ctx, nil
}

func (d *driver) newHandle(req *object) (string, error) {
	name, ok, err := req.str("handle")
	if err != nil {
		return "", err
	}
	if !ok {
		return "", bad("\"handle\" is required")
	}
	if d.handles[name] != nil {
		return "", bad("handle %q already exists", name)
	}
	return name, nil
}

func (d *driver) add(name string, r *recorder) {
	d.handles[name] = r
	d.order = append(d.order, r)
}

func (d *driver) recorder(req *object, kind string) (*recorder, error) {
	name, ok, err := req.str("handle")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, bad("\"handle\" is required")
	}
	r := d.handles[name]
	if r == nil {
		return nil, bad("unknown handle %q", name)
	}
	if kind != "" && r.kind != kind {
		return nil, bad("handle %q is a different kind of recorder", name)
	}
	return r, nil
}

// alreadyEnded answers a second end: Go's End is idempotent, so the driver
// reports what the protocol expects.
func alreadyEnded() reply {
	return reply{ok: true, err: "AlreadyEnded", message: "the recorder was already ended"}
}

// providerError is a provider failure with an HTTP status, as SDK error
// types carry one (StatusCode()).
type providerError struct {
	message string
	status  int
}

func (e *providerError) Error() string   { return e.message }
func (e *providerError) StatusCode() int { return e.status }

func callError(req *object) (error, error) {
	if err := req.only("op", "handle", "message", "http_status"); err != nil {
		return nil, err
	}
	msg, _, err := req.str("message")
	if err != nil {
		return nil, err
	}
	status, _, err := req.int("http_status")
	if err != nil {
		return nil, err
	}
	if status != 0 {
		return &providerError{message: msg, status: int(status)}, nil
	}
	return errors.New(msg), nil
}

// ---------------------------------------------------------------------------
// generation.*

func (d *driver) generationStart(req *object) (reply, error) {
	if err := req.only("op", "handle", "mode", "start", "context"); err != nil {
		return reply{}, err
	}
	name, err := d.newHandle(req)
	if err != nil {
		return reply{}, err
	}
	mode, _, err := req.str("mode")
	if err != nil {
		return reply{}, err
	}
	if mode != "" && mode != "sync" && mode != "stream" {
		return reply{}, bad("unknown mode %q", mode)
	}
	start, err := generationStart(req)
	if err != nil {
		return reply{}, err
	}
	ctx, err := d.withContext(req, "parent_span", "conversation_id", "conversation_title", "user_id", "agent_name",
		"agent_version", "parent_traceparent")
	if err != nil {
		return reply{}, err
	}
	client, err := d.needClient()
	if err != nil {
		return reply{}, err
	}
	var rec *sigil.GenerationRecorder
	if mode == "stream" {
		ctx, rec = client.StartStreamingGeneration(ctx, start)
	} else {
		ctx, rec = client.StartGeneration(ctx, start)
	}
	d.add(name, &recorder{kind: "generation", ctx: ctx, generation: rec})
	return sdkReply(nil, nil), nil // a reference-style start reports nothing; End does
}

func generationStart(req *object) (sigil.GenerationStart, error) {
	var s sigil.GenerationStart
	o, ok, err := req.obj("start")
	if err != nil || !ok {
		return s, err
	}
	if err := o.only("id", "conversation_id", "conversation_title", "user_id", "agent_name", "agent_version",
		"operation_name", "model", "system_prompt", "max_tokens", "temperature", "top_p", "tool_choice",
		"thinking_enabled", "tools", "tags", "metadata", "content_capture"); err != nil {
		return s, err
	}
	e := &collector{}
	s.ID = e.str(o, "id")
	s.ConversationID = e.str(o, "conversation_id")
	s.ConversationTitle = e.str(o, "conversation_title")
	s.UserID = e.str(o, "user_id")
	s.AgentName = e.str(o, "agent_name")
	s.AgentVersion = e.str(o, "agent_version")
	s.OperationName = e.str(o, "operation_name")
	s.Model = e.model(o, "model")
	s.SystemPrompt = e.str(o, "system_prompt")
	s.MaxTokens = e.intPtr(o, "max_tokens")
	s.Temperature = e.floatPtr(o, "temperature")
	s.TopP = e.floatPtr(o, "top_p")
	s.ToolChoice = e.strPtr(o, "tool_choice")
	s.ThinkingEnabled = e.boolPtr(o, "thinking_enabled")
	s.Tools = e.tools(o, "tools")
	s.Tags = e.strMap(o, "tags")
	s.Metadata = e.anyMap(o, "metadata")
	s.ContentCapture = e.captureMode(o, "content_capture")
	return s, e.err
}

func (d *driver) generationSetResult(req *object) (reply, error) {
	if err := req.only("op", "handle", "result"); err != nil {
		return reply{}, err
	}
	r, err := d.recorder(req, "generation")
	if err != nil {
		return reply{}, err
	}
	o, ok, err := req.obj("result")
	if err != nil {
		return reply{}, err
	}
	if !ok {
		return reply{}, bad("\"result\" must be an object")
	}
	g, err := generation(o)
	if err != nil {
		return reply{}, err
	}
	r.generation.SetResult(g, nil)
	return sdkReply(r.generation.Err(), nil), nil // SetResult's input errors show in Err at once
}

func (d *driver) generationSetCallError(req *object) (reply, error) {
	r, err := d.recorder(req, "generation")
	if err != nil {
		return reply{}, err
	}
	callErr, err := callError(req)
	if err != nil {
		return reply{}, err
	}
	r.generation.SetCallError(callErr)
	return sdkReply(nil, nil), nil
}

func (d *driver) generationSetFirstTokenAt(req *object) (reply, error) {
	if err := req.only("op", "handle", "unix_ns"); err != nil {
		return reply{}, err
	}
	r, err := d.recorder(req, "generation")
	if err != nil {
		return reply{}, err
	}
	ns, ok, err := req.int("unix_ns")
	if err != nil {
		return reply{}, err
	}
	at := time.Now()
	if ok && ns != 0 {
		at = time.Unix(0, ns)
	}
	r.generation.SetFirstTokenAt(at)
	return sdkReply(nil, nil), nil
}

func (d *driver) generationEnd(req *object) (reply, error) {
	if err := req.only("op", "handle"); err != nil {
		return reply{}, err
	}
	r, err := d.recorder(req, "generation")
	if err != nil {
		return reply{}, err
	}
	if r.ended {
		return alreadyEnded(), nil
	}
	r.ended = true
	r.generation.End()
	return sdkReply(r.generation.Err(), nil), nil
}

// ---------------------------------------------------------------------------
// tool_execution.*

func (d *driver) toolStart(req *object) (reply, error) {
	if err := req.only("op", "handle", "start", "context"); err != nil {
		return reply{}, err
	}
	name, err := d.newHandle(req)
	if err != nil {
		return reply{}, err
	}
	var s sigil.ToolExecutionStart
	if o, ok, err := req.obj("start"); err != nil {
		return reply{}, err
	} else if ok {
		if err := o.only("tool_name", "tool_call_id", "tool_type", "tool_description", "conversation_id",
			"conversation_title", "agent_name", "agent_version", "request_model", "request_provider",
			"include_content", "content_capture"); err != nil {
			return reply{}, err
		}
		e := &collector{}
		s.ToolName = e.str(o, "tool_name")
		s.ToolCallID = e.str(o, "tool_call_id")
		s.ToolType = e.str(o, "tool_type")
		s.ToolDescription = e.str(o, "tool_description")
		s.ConversationID = e.str(o, "conversation_id")
		s.ConversationTitle = e.str(o, "conversation_title")
		s.AgentName = e.str(o, "agent_name")
		s.AgentVersion = e.str(o, "agent_version")
		s.RequestModel = e.str(o, "request_model")
		s.RequestProvider = e.str(o, "request_provider")
		if b := e.boolPtr(o, "include_content"); b != nil {
			s.IncludeContent = *b
		}
		s.ContentCapture = e.captureMode(o, "content_capture")
		if e.err != nil {
			return reply{}, e.err
		}
	}
	ctx, err := d.withContext(req, "parent_span", "conversation_id", "conversation_title", "agent_name",
		"agent_version", "parent_traceparent")
	if err != nil {
		return reply{}, err
	}
	client, err := d.needClient()
	if err != nil {
		return reply{}, err
	}
	ctx, rec := client.StartToolExecution(ctx, s)
	d.add(name, &recorder{kind: "tool_execution", ctx: ctx, tool: rec})
	return sdkReply(nil, nil), nil
}

func (d *driver) toolSetResult(req *object) (reply, error) {
	if err := req.only("op", "handle", "arguments", "result", "completed_at_unix_ns"); err != nil {
		return reply{}, err
	}
	r, err := d.recorder(req, "tool_execution")
	if err != nil {
		return reply{}, err
	}
	end := sigil.ToolExecutionEnd{Arguments: toolContent(req.vals["arguments"]), Result: toolContent(req.vals["result"])}
	if ns, ok, err := req.int("completed_at_unix_ns"); err != nil {
		return reply{}, err
	} else if ok && ns != 0 {
		end.CompletedAt = time.Unix(0, ns)
	}
	r.tool.SetResult(end)
	return sdkReply(nil, nil), nil
}

// toolContent is a JSON string as its text, any other JSON value as itself
// (json.RawMessage: already JSON).
func toolContent(raw json.RawMessage) any {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return raw
}

func (d *driver) toolSetError(req *object) (reply, error) {
	r, err := d.recorder(req, "tool_execution")
	if err != nil {
		return reply{}, err
	}
	execErr, err := callError(req)
	if err != nil {
		return reply{}, err
	}
	r.tool.SetExecError(execErr)
	return sdkReply(nil, nil), nil
}

func (d *driver) toolEnd(req *object) (reply, error) {
	if err := req.only("op", "handle"); err != nil {
		return reply{}, err
	}
	r, err := d.recorder(req, "tool_execution")
	if err != nil {
		return reply{}, err
	}
	if r.ended {
		return alreadyEnded(), nil
	}
	r.ended = true
	r.tool.End()
	return sdkReply(r.tool.Err(), nil), nil
}

// ---------------------------------------------------------------------------
// embedding.*

func (d *driver) embeddingStart(req *object) (reply, error) {
	if err := req.only("op", "handle", "start", "context"); err != nil {
		return reply{}, err
	}
	name, err := d.newHandle(req)
	if err != nil {
		return reply{}, err
	}
	var s sigil.EmbeddingStart
	if o, ok, err := req.obj("start"); err != nil {
		return reply{}, err
	} else if ok {
		if err := o.only("model", "agent_name", "agent_version", "dimensions", "encoding_format",
			"content_capture"); err != nil {
			return reply{}, err
		}
		e := &collector{}
		s.Model = e.model(o, "model")
		s.AgentName = e.str(o, "agent_name")
		s.AgentVersion = e.str(o, "agent_version")
		s.Dimensions = e.intPtr(o, "dimensions")
		s.EncodingFormat = e.str(o, "encoding_format")
		s.ContentCapture = e.captureMode(o, "content_capture")
		if e.err != nil {
			return reply{}, e.err
		}
	}
	ctx, err := d.withContext(req, "agent_name", "agent_version", "parent_traceparent")
	if err != nil {
		return reply{}, err
	}
	client, err := d.needClient()
	if err != nil {
		return reply{}, err
	}
	ctx, rec := client.StartEmbedding(ctx, s)
	d.add(name, &recorder{kind: "embedding", ctx: ctx, embedding: rec})
	return sdkReply(nil, nil), nil
}

func (d *driver) embeddingSetResult(req *object) (reply, error) {
	if err := req.only("op", "handle", "result"); err != nil {
		return reply{}, err
	}
	r, err := d.recorder(req, "embedding")
	if err != nil {
		return reply{}, err
	}
	var res sigil.EmbeddingResult
	if o, ok, err := req.obj("result"); err != nil {
		return reply{}, err
	} else if ok {
		if err := o.only("input_count", "input_tokens", "response_model", "dimensions", "input_texts"); err != nil {
			return reply{}, err
		}
		e := &collector{}
		if n := e.intPtr(o, "input_count"); n != nil {
			res.InputCount = int(*n)
		}
		if n := e.intPtr(o, "input_tokens"); n != nil {
			res.InputTokens = *n
		}
		res.ResponseModel = e.str(o, "response_model")
		res.Dimensions = e.intPtr(o, "dimensions")
		res.InputTexts = e.strList(o, "input_texts")
		if e.err != nil {
			return reply{}, e.err
		}
	}
	r.embedding.SetResult(res)
	return sdkReply(nil, nil), nil
}

func (d *driver) embeddingSetCallError(req *object) (reply, error) {
	r, err := d.recorder(req, "embedding")
	if err != nil {
		return reply{}, err
	}
	callErr, err := callError(req)
	if err != nil {
		return reply{}, err
	}
	r.embedding.SetCallError(callErr)
	return sdkReply(nil, nil), nil
}

func (d *driver) embeddingEnd(req *object) (reply, error) {
	if err := req.only("op", "handle"); err != nil {
		return reply{}, err
	}
	r, err := d.recorder(req, "embedding")
	if err != nil {
		return reply{}, err
	}
	if r.ended {
		return alreadyEnded(), nil
	}
	r.ended = true
	r.embedding.End()
	return sdkReply(r.embedding.Err(), nil), nil
}

// ---------------------------------------------------------------------------
// traceparent, rating.submit

// traceparent is what a Go program has at hand: the context its start call
// returned, which carries the recorder's trace context.
func (d *driver) traceparent(req *object) (reply, error) {
	if err := req.only("op", "handle"); err != nil {
		return reply{}, err
	}
	r, err := d.recorder(req, "")
	if err != nil {
		return reply{}, err
	}
	tp, ok := sigil.TraceparentFromContext(r.ctx)
	if !ok {
		return reply{ok: true, err: "InvalidArgument", message: "the recorder has no span",
			extra: map[string]any{"traceparent": nil}}, nil
	}
	return sdkReply(nil, map[string]any{"traceparent": tp}), nil
}

func (d *driver) ratingSubmit(req *object) (reply, error) {
	if err := req.only("op", "input", "timeout_ms"); err != nil {
		return reply{}, err
	}
	in, _, err := req.obj("input")
	if err != nil {
		return reply{}, err
	}
	if in == nil {
		in = &object{vals: map[string]json.RawMessage{}}
	}
	if err := in.only("conversation_id", "rating_id", "rating", "comment", "metadata", "generation_id", "rater_id",
		"source"); err != nil {
		return reply{}, err
	}
	e := &collector{}
	conversationID := e.str(in, "conversation_id")
	input := sigil.ConversationRatingInput{
		RatingID:     e.str(in, "rating_id"),
		Rating:       sigil.ConversationRatingValue(e.str(in, "rating")),
		Comment:      e.str(in, "comment"),
		Metadata:     e.anyMap(in, "metadata"),
		GenerationID: e.str(in, "generation_id"),
		RaterID:      e.str(in, "rater_id"),
		Source:       e.str(in, "source"),
	}
	if e.err != nil {
		return reply{}, e.err
	}
	client, err := d.needClient()
	if err != nil {
		return reply{}, err
	}
	ctx, cancel, err := timeoutCtx(req, 0)
	if err != nil {
		return reply{}, err
	}
	defer cancel()
	resp, err := client.SubmitConversationRating(ctx, conversationID, input)
	if err != nil {
		return sdkReply(err, map[string]any{"response": nil}), nil
	}
	rt, sm := resp.Rating, resp.Summary
	metadata := rt.Metadata
	if metadata == nil {
		metadata = map[string]any{}
	}
	createdAt := ""
	if !rt.CreatedAt.IsZero() {
		createdAt = rt.CreatedAt.UTC().Format(time.RFC3339Nano)
	}
	return sdkReply(nil, map[string]any{"response": map[string]any{
		"rating": map[string]any{
			"rating_id": rt.RatingID, "conversation_id": rt.ConversationID, "rating": ratingName(rt.Rating),
			"comment": rt.Comment, "metadata": metadata, "generation_id": rt.GenerationID,
			"rater_id": rt.RaterID, "source": rt.Source, "created_at": createdAt,
		},
		"summary": map[string]any{
			"total_count": sm.TotalCount, "good_count": sm.GoodCount, "bad_count": sm.BadCount,
			"latest_rating": ratingName(sm.LatestRating), "has_bad_rating": sm.HasBadRating,
		},
	}}), nil
}

func ratingName(v string) string {
	switch sigil.ConversationRatingValue(v) {
	case sigil.ConversationRatingValueGood, sigil.ConversationRatingValueBad:
		return v
	}
	return "CONVERSATION_RATING_VALUE_UNSPECIFIED"
}

// ---------------------------------------------------------------------------
// sigil.v1 protojson Generation -> sigil.Generation

func generation(o *object) (sigil.Generation, error) {
	var g sigil.Generation
	e := &collector{}
	for _, key := range o.keys {
		switch key {
		case "id":
			g.ID = e.str(o, key)
		case "conversation_id":
			g.ConversationID = e.str(o, key)
		case "conversation_title":
			g.ConversationTitle = e.str(o, key)
		case "user_id":
			g.UserID = e.str(o, key)
		case "agent_name":
			g.AgentName = e.str(o, key)
		case "agent_version":
			g.AgentVersion = e.str(o, key)
		case "operation_name":
			g.OperationName = e.str(o, key)
		case "response_id":
			g.ResponseID = e.str(o, key)
		case "response_model":
			g.ResponseModel = e.str(o, key)
		case "system_prompt":
			g.SystemPrompt = e.str(o, key)
		case "stop_reason":
			g.StopReason = e.str(o, key)
		case "call_error":
			g.CallError = e.str(o, key)
		case "trace_id":
			g.TraceID = e.str(o, key)
		case "span_id":
			g.SpanID = e.str(o, key)
		case "mode":
			switch m := e.str(o, key); m {
			case "GENERATION_MODE_SYNC", "SYNC":
				g.Mode = sigil.GenerationModeSync
			case "GENERATION_MODE_STREAM", "STREAM":
				g.Mode = sigil.GenerationModeStream
			default:
				g.Mode = sigil.GenerationMode(m)
			}
		case "model":
			g.Model = e.model(o, key)
		case "input":
			g.Input = e.messages(o, key)
		case "output":
			g.Output = e.messages(o, key)
		case "tools":
			g.Tools = e.tools(o, key)
		case "usage":
			g.Usage = e.usage(o, key)
		case "started_at":
			g.StartedAt = e.time(o, key)
		case "completed_at":
			g.CompletedAt = e.time(o, key)
		case "tags":
			g.Tags = e.strMap(o, key)
		case "metadata":
			g.Metadata = e.anyMap(o, key)
		case "raw_artifacts", "artifacts":
			g.Artifacts = e.artifacts(o, key)
		case "max_tokens":
			g.MaxTokens = e.intPtr(o, key)
		case "temperature":
			g.Temperature = e.floatPtr(o, key)
		case "top_p":
			g.TopP = e.floatPtr(o, key)
		case "tool_choice":
			g.ToolChoice = e.strPtr(o, key)
		case "thinking_enabled":
			g.ThinkingEnabled = e.boolPtr(o, key)
		case "parent_generation_ids", "effective_version":
			e.fail(unsupported("sigil.Generation has no field for %q", key))
		default:
			e.fail(bad("result: unknown key %q", key))
		}
	}
	return g, e.err
}

// collector reads typed fields, keeping the first error.
type collector struct{ err error }

func (e *collector) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

func (e *collector) str(o *object, key string) string {
	v, _, err := o.str(key)
	e.fail(err)
	return v
}

func (e *collector) strPtr(o *object, key string) *string {
	v, ok, err := o.str(key)
	e.fail(err)
	if !ok {
		return nil
	}
	return &v
}

func (e *collector) intPtr(o *object, key string) *int64 {
	v, ok, err := o.int(key)
	e.fail(err)
	if !ok {
		return nil
	}
	return &v
}

func (e *collector) floatPtr(o *object, key string) *float64 {
	raw, ok := o.present(key)
	if !ok {
		return nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			e.fail(bad("%q must be a number", key))
			return nil
		}
		var perr error
		if f, perr = strconv.ParseFloat(s, 64); perr != nil {
			e.fail(bad("%q must be a number", key))
		}
	}
	return &f
}

func (e *collector) boolPtr(o *object, key string) *bool {
	raw, ok := o.present(key)
	if !ok {
		return nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		e.fail(bad("%q must be a boolean", key))
	}
	return &b
}

func (e *collector) strMap(o *object, key string) map[string]string {
	m, _, err := o.strMap(key)
	e.fail(err)
	return m
}

func (e *collector) anyMap(o *object, key string) map[string]any {
	raw, ok := o.present(key)
	if !ok {
		return nil
	}
	v, err := decodeAny(raw)
	if err != nil {
		e.fail(err)
		return nil
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		e.fail(bad("%q must be an object", key))
	}
	return m
}

func (e *collector) strList(o *object, key string) []string {
	raw, ok := o.present(key)
	if !ok {
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		e.fail(bad("%q must be an array of strings", key))
		return nil
	}
	out := make([]string, len(items))
	for i, item := range items {
		s, err := decodeString(item)
		if err != nil {
			e.fail(bad("%q must be an array of strings", key))
		}
		out[i] = s
	}
	return out
}

func (e *collector) time(o *object, key string) time.Time {
	raw, ok := o.present(key)
	if !ok {
		return time.Time{}
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return time.Unix(0, n)
	}
	s, err := decodeString(raw)
	if err == nil {
		var t time.Time
		if t, err = time.Parse(time.RFC3339Nano, s); err == nil {
			return t
		}
	}
	e.fail(bad("%q must be an RFC 3339 timestamp or Unix nanoseconds", key))
	return time.Time{}
}

func (e *collector) model(o *object, key string) sigil.ModelRef {
	m, ok, err := o.obj(key)
	if err != nil || !ok {
		e.fail(err)
		return sigil.ModelRef{}
	}
	e.fail(m.only("provider", "name"))
	return sigil.ModelRef{Provider: e.str(m, "provider"), Name: e.str(m, "name")}
}

func (e *collector) objects(o *object, key string) []*object {
	raw, ok := o.present(key)
	if !ok {
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		e.fail(bad("%q must be an array", key))
		return nil
	}
	out := make([]*object, 0, len(items))
	for _, item := range items {
		obj, err := parseObject(item)
		if err != nil {
			e.fail(bad("%q must be an array of objects", key))
			return nil
		}
		out = append(out, obj)
	}
	return out
}

// bytesField is a protojson bytes value: a base64 string, or (extension) the
// JSON value itself.
func (e *collector) bytesField(o *object, key string) []byte {
	raw, ok := o.present(key)
	if !ok {
		return nil
	}
	if raw[0] == '"' {
		s, err := decodeString(raw)
		b, berr := base64.StdEncoding.DecodeString(s)
		if err != nil || berr != nil {
			e.fail(bad("%q must be base64 or a JSON value", key))
		}
		return b
	}
	return append([]byte(nil), raw...)
}

var roles = map[string]sigil.Role{
	"MESSAGE_ROLE_USER": sigil.RoleUser, "MESSAGE_ROLE_ASSISTANT": sigil.RoleAssistant, "MESSAGE_ROLE_TOOL": sigil.RoleTool,
	"user": sigil.RoleUser, "assistant": sigil.RoleAssistant, "tool": sigil.RoleTool,
}

func (e *collector) messages(o *object, key string) []sigil.Message {
	var out []sigil.Message
	for _, m := range e.objects(o, key) {
		e.fail(m.only("role", "name", "parts"))
		msg := sigil.Message{Name: e.str(m, "name"), Parts: []sigil.Part{}}
		if r := e.str(m, "role"); r != "" && r != "MESSAGE_ROLE_UNSPECIFIED" {
			role, known := roles[r]
			if !known {
				role = sigil.Role(r)
			}
			msg.Role = role
		}
		for _, p := range e.objects(m, "parts") {
			msg.Parts = append(msg.Parts, e.part(p))
		}
		out = append(out, msg)
	}
	return out
}

func (e *collector) part(p *object) sigil.Part {
	var part sigil.Part
	for _, key := range p.keys {
		switch key {
		case "text":
			part.Kind, part.Text = sigil.PartKindText, e.str(p, key)
		case "thinking":
			part.Kind, part.Thinking = sigil.PartKindThinking, e.str(p, key)
		case "tool_call":
			c, _, err := p.obj(key)
			if err != nil || c == nil {
				e.fail(bad("tool_call must be an object"))
				continue
			}
			e.fail(c.only("id", "name", "input_json"))
			part.Kind = sigil.PartKindToolCall
			part.ToolCall = &sigil.ToolCall{ID: e.str(c, "id"), Name: e.str(c, "name"), InputJSON: e.bytesField(c, "input_json")}
		case "tool_result":
			r, _, err := p.obj(key)
			if err != nil || r == nil {
				e.fail(bad("tool_result must be an object"))
				continue
			}
			e.fail(r.only("tool_call_id", "name", "content", "content_json", "is_error"))
			part.Kind = sigil.PartKindToolResult
			part.ToolResult = &sigil.ToolResult{ToolCallID: e.str(r, "tool_call_id"), Name: e.str(r, "name"),
				Content: e.str(r, "content"), ContentJSON: e.bytesField(r, "content_json")}
			if b := e.boolPtr(r, "is_error"); b != nil {
				part.ToolResult.IsError = *b
			}
		case "metadata":
			m, _, err := p.obj(key)
			if err != nil || m == nil {
				e.fail(bad("part metadata must be an object"))
				continue
			}
			e.fail(m.only("provider_type"))
			part.Metadata.ProviderType = e.str(m, "provider_type")
		case "media":
			e.fail(unsupported("sigil.Part has no media payload"))
		default:
			e.fail(bad("part: unknown key %q", key))
		}
	}
	return part
}

func (e *collector) tools(o *object, key string) []sigil.ToolDefinition {
	var out []sigil.ToolDefinition
	for _, t := range e.objects(o, key) {
		e.fail(t.only("name", "description", "type", "input_schema_json", "deferred"))
		def := sigil.ToolDefinition{Name: e.str(t, "name"), Description: e.str(t, "description"), Type: e.str(t, "type"),
			InputSchema: e.bytesField(t, "input_schema_json")}
		if b := e.boolPtr(t, "deferred"); b != nil {
			def.Deferred = *b
		}
		out = append(out, def)
	}
	return out
}

func (e *collector) usage(o *object, key string) sigil.TokenUsage {
	var u sigil.TokenUsage
	m, ok, err := o.obj(key)
	if err != nil || !ok {
		e.fail(err)
		return u
	}
	fields := map[string]*int64{
		"input_tokens": &u.InputTokens, "output_tokens": &u.OutputTokens, "total_tokens": &u.TotalTokens,
		"cache_read_input_tokens": &u.CacheReadInputTokens, "cache_write_input_tokens": &u.CacheWriteInputTokens,
		"cache_creation_input_tokens": &u.CacheCreationInputTokens, "reasoning_tokens": &u.ReasoningTokens,
	}
	for _, k := range m.keys {
		dst, known := fields[k]
		if !known {
			e.fail(bad("usage: unknown key %q", k))
			continue
		}
		if v := e.intPtr(m, k); v != nil {
			*dst = *v
		}
	}
	return u
}

var artifactKinds = map[string]sigil.ArtifactKind{
	"ARTIFACT_KIND_REQUEST": sigil.ArtifactKindRequest, "ARTIFACT_KIND_RESPONSE": sigil.ArtifactKindResponse,
	"ARTIFACT_KIND_TOOLS": sigil.ArtifactKindTools, "ARTIFACT_KIND_PROVIDER_EVENT": sigil.ArtifactKindProviderEvent,
}

func (e *collector) artifacts(o *object, key string) []sigil.Artifact {
	var out []sigil.Artifact
	for _, a := range e.objects(o, key) {
		e.fail(a.only("kind", "name", "content_type", "payload", "record_id", "uri"))
		k := e.str(a, "kind")
		kind, known := artifactKinds[k]
		if !known {
			kind = sigil.ArtifactKind(k)
		}
		out = append(out, sigil.Artifact{Kind: kind, Name: e.str(a, "name"), ContentType: e.str(a, "content_type"),
			Payload: e.bytesField(a, "payload"), RecordID: e.str(a, "record_id"), URI: e.str(a, "uri")})
	}
	return out
}

// captureMode reads the optional "content_capture" mode name of a start.
func (e *collector) captureMode(o *object, key string) sigil.ContentCaptureMode {
	name := e.str(o, key)
	switch name {
	case "", "default":
		return sigil.ContentCaptureModeDefault
	case "full":
		return sigil.ContentCaptureModeFull
	case "no_tool_content":
		return sigil.ContentCaptureModeNoToolContent
	case "metadata_only":
		return sigil.ContentCaptureModeMetadataOnly
	case "full_with_metadata_spans":
		return sigil.ContentCaptureModeFullWithMetadataSpans
	}
	if e.err == nil {
		e.err = fmt.Errorf("unknown content_capture %q", name)
	}
	return sigil.ContentCaptureModeDefault
}

// ---- provider JSON ----

// providerBody is a body as the protocol gives it: a JSON string is the
// provider's JSON text, any other JSON value is its compact text.
func providerBody(raw json.RawMessage, key string) ([]byte, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, bad("%q is required", key)
	}
	if raw[0] == '"' || raw[0] == '{' {
		if s, err := decodeString(raw); err == nil {
			return []byte(s), nil
		}
	}
	var out bytes.Buffer
	if err := json.Compact(&out, raw); err != nil {
		return nil, bad("%q is not JSON", key)
	}
	return out.Bytes(), nil
}

func providerOptions(req *object) ([]sigil.ProviderOption, error) {
	e := &collector{}
	raw := e.boolPtr(req, "raw_artifacts")
	if e.err != nil {
		return nil, e.err
	}
	if raw != nil && *raw {
		return []sigil.ProviderOption{sigil.WithRawArtifacts()}, nil
	}
	return nil, nil
}

// providerReply is the call's answer: its caller error, else the mapping
// problem the call added (MappingErr keeps only the first one).
func providerReply(err error, mappingBefore, mappingAfter error) reply {
	if err == nil && mappingBefore == nil {
		err = mappingAfter
	}
	return sdkReply(err, nil)
}

func (d *driver) generationProviderBody(req *object,
	call func(*sigil.GenerationRecorder, string, []byte, ...sigil.ProviderOption) error) (reply, error) {
	if err := req.only("op", "handle", "api", "body", "raw_artifacts"); err != nil {
		return reply{}, err
	}
	r, err := d.recorder(req, "generation")
	if err != nil {
		return reply{}, err
	}
	api, _, err := req.str("api")
	if err != nil {
		return reply{}, err
	}
	raw, _ := req.present("body")
	body, err := providerBody(raw, "body")
	if err != nil {
		return reply{}, err
	}
	opts, err := providerOptions(req)
	if err != nil {
		return reply{}, err
	}
	before := r.generation.MappingErr()
	callErr := call(r.generation, api, body, opts...)
	return providerReply(callErr, before, r.generation.MappingErr()), nil
}

func (d *driver) generationSetProviderRequest(req *object) (reply, error) {
	return d.generationProviderBody(req, (*sigil.GenerationRecorder).SetProviderRequest)
}

func (d *driver) generationSetProviderResponse(req *object) (reply, error) {
	return d.generationProviderBody(req, (*sigil.GenerationRecorder).SetProviderResponse)
}

func (d *driver) generationAddProviderEvents(req *object) (reply, error) {
	if err := req.only("op", "handle", "api", "events", "raw_artifacts"); err != nil {
		return reply{}, err
	}
	r, err := d.recorder(req, "generation")
	if err != nil {
		return reply{}, err
	}
	api, _, err := req.str("api")
	if err != nil {
		return reply{}, err
	}
	raw, _ := req.present("events")
	var events []json.RawMessage
	if err := json.Unmarshal(raw, &events); err != nil {
		return reply{}, bad("\"events\" must be an array")
	}
	opts, err := providerOptions(req)
	if err != nil {
		return reply{}, err
	}
	first := sdkReply(nil, nil) // the first event's error, as the C driver reports
	for _, ev := range events {
		body, err := providerBody(ev, "events[]")
		if err != nil {
			return reply{}, err
		}
		before := r.generation.MappingErr()
		rep := providerReply(r.generation.AddProviderEvent(api, body, opts...), before, r.generation.MappingErr())
		if first.err == "" && rep.err != "" {
			first = rep
		}
	}
	return first, nil
}

func (d *driver) generationSetMappingError(req *object) (reply, error) {
	if err := req.only("op", "handle", "message"); err != nil {
		return reply{}, err
	}
	r, err := d.recorder(req, "generation")
	if err != nil {
		return reply{}, err
	}
	msg, _, err := req.str("message")
	if err != nil {
		return reply{}, err
	}
	before := r.generation.Err()
	r.generation.SetMappingError(msg)
	if before == nil {
		return sdkReply(r.generation.Err(), nil), nil // a rejected message shows in Err at once
	}
	return sdkReply(nil, nil), nil
}

func (d *driver) embeddingSetProviderResult(req *object) (reply, error) {
	if err := req.only("op", "handle", "api", "request", "response"); err != nil {
		return reply{}, err
	}
	r, err := d.recorder(req, "embedding")
	if err != nil {
		return reply{}, err
	}
	api, _, err := req.str("api")
	if err != nil {
		return reply{}, err
	}
	var bodies [2][]byte
	for i, key := range []string{"request", "response"} {
		if raw, ok := req.present(key); ok {
			if bodies[i], err = providerBody(raw, key); err != nil {
				return reply{}, err
			}
		}
	}
	before := r.embedding.MappingErr()
	callErr := r.embedding.SetProviderResult(api, bodies[0], bodies[1])
	return providerReply(callErr, before, r.embedding.MappingErr()), nil
}

// ---------------------------------------------------------------------------
// span.*

func (d *driver) spanStart(req *object) (reply, error) {
	if err := req.only("op", "handle", "start", "context"); err != nil {
		return reply{}, err
	}
	name, err := d.newHandle(req)
	if err != nil {
		return reply{}, err
	}
	var s sigil.SpanStart
	if o, ok, err := req.obj("start"); err != nil {
		return reply{}, err
	} else if ok {
		if err := o.only("kind", "name", "conversation_id", "conversation_title", "agent_name", "agent_version",
			"content_capture"); err != nil {
			return reply{}, err
		}
		e := &collector{}
		s.Kind = sigil.StepKind(e.str(o, "kind"))
		s.Name = e.str(o, "name")
		s.ConversationID = e.str(o, "conversation_id")
		s.ConversationTitle = e.str(o, "conversation_title")
		s.AgentName = e.str(o, "agent_name")
		s.AgentVersion = e.str(o, "agent_version")
		s.ContentCapture = e.captureMode(o, "content_capture")
		if e.err != nil {
			return reply{}, e.err
		}
	}
	ctx, err := d.withContext(req, "parent_span", "headers", "conversation_id", "agent_name")
	if err != nil {
		return reply{}, err
	}
	client, err := d.needClient()
	if err != nil {
		return reply{}, err
	}
	ctx, rec := client.StartSpan(ctx, s)
	d.add(name, &recorder{kind: "span", ctx: ctx, span: rec})
	return sdkReply(nil, nil), nil
}

// attribute types a JSON value: integral numbers are ints (as JavaScript
// sees them), other numbers float64.
func attribute(key string, raw json.RawMessage) (sigil.Attribute, error) {
	v, err := decodeAny(raw)
	if err != nil {
		return sigil.Attribute{}, err
	}
	switch x := v.(type) {
	case string:
		return sigil.String(key, x), nil
	case bool:
		return sigil.Bool(key, x), nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return sigil.Int64(key, i), nil
		}
		f, err := x.Float64()
		if err != nil {
			return sigil.Attribute{}, bad("attribute %q: %v", key, err)
		}
		if f == float64(int64(f)) {
			return sigil.Int64(key, int64(f)), nil
		}
		return sigil.Float64(key, f), nil
	}
	return sigil.Attribute{}, bad("attribute %q must be a string, number or bool", key)
}

func (d *driver) spanSetAttribute(req *object) (reply, error) {
	if err := req.only("op", "handle", "key", "value", "content"); err != nil {
		return reply{}, err
	}
	r, err := d.recorder(req, "span")
	if err != nil {
		return reply{}, err
	}
	e := &collector{}
	key := e.str(req, "key")
	content := e.boolPtr(req, "content")
	if e.err != nil {
		return reply{}, e.err
	}
	a, err := attribute(key, req.vals["value"])
	if err != nil {
		return reply{}, err
	}
	if content != nil && *content {
		r.span.SetContentAttributes(a)
	} else {
		r.span.SetAttributes(a)
	}
	return sdkReply(nil, nil), nil
}

func (d *driver) spanAddEvent(req *object) (reply, error) {
	if err := req.only("op", "handle", "name", "attributes", "content"); err != nil {
		return reply{}, err
	}
	r, err := d.recorder(req, "span")
	if err != nil {
		return reply{}, err
	}
	e := &collector{}
	name := e.str(req, "name")
	content := e.boolPtr(req, "content")
	if e.err != nil {
		return reply{}, e.err
	}
	var attrs []sigil.Attribute
	if o, ok, err := req.obj("attributes"); err != nil {
		return reply{}, err
	} else if ok {
		for _, k := range o.keys {
			a, err := attribute(k, o.vals[k])
			if err != nil {
				return reply{}, err
			}
			attrs = append(attrs, a)
		}
	}
	if content != nil && *content {
		r.span.AddContentEvent(name, attrs...)
	} else {
		r.span.AddEvent(name, attrs...)
	}
	return sdkReply(nil, nil), nil
}

func (d *driver) spanSetInput(req *object) (reply, error)  { return d.spanJSON(req, false) }
func (d *driver) spanSetOutput(req *object) (reply, error) { return d.spanJSON(req, true) }

func (d *driver) spanJSON(req *object, output bool) (reply, error) {
	if err := req.only("op", "handle", "value"); err != nil {
		return reply{}, err
	}
	r, err := d.recorder(req, "span")
	if err != nil {
		return reply{}, err
	}
	v, err := decodeAny(req.vals["value"])
	if err != nil {
		return reply{}, err
	}
	if output {
		r.span.SetOutput(v)
	} else {
		r.span.SetInput(v)
	}
	return sdkReply(nil, nil), nil
}

// stepError is the scenario's failure, typed as it says (ErrorType).
type stepError struct{ typ, message string }

func (e *stepError) Error() string     { return e.message }
func (e *stepError) ErrorType() string { return e.typ }

func (d *driver) spanSetError(req *object) (reply, error) {
	if err := req.only("op", "handle", "type", "message"); err != nil {
		return reply{}, err
	}
	r, err := d.recorder(req, "span")
	if err != nil {
		return reply{}, err
	}
	e := &collector{}
	typ, message := e.str(req, "type"), e.str(req, "message")
	if e.err != nil {
		return reply{}, e.err
	}
	r.span.SetError(&stepError{typ: typ, message: message})
	return sdkReply(nil, nil), nil
}

func (d *driver) spanEnd(req *object) (reply, error) {
	if err := req.only("op", "handle"); err != nil {
		return reply{}, err
	}
	r, err := d.recorder(req, "span")
	if err != nil {
		return reply{}, err
	}
	if r.ended {
		return alreadyEnded(), nil
	}
	r.ended = true
	r.span.End()
	err = r.span.Err()
	var step *stepError
	if errors.As(err, &step) {
		err = nil // the step's own failure, not a local error
	}
	return sdkReply(err, nil), nil
}
