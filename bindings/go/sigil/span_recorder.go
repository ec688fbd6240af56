package sigil

// Agent tracing: spans of the steps around generations and tool executions
// (an agent run, a chain, a retriever, a workflow, a task, any step). The
// engine builds the span (docs/agent-tracing.md); this file translates Go's
// idioms: the parent travels in a context.Context, errors are reported by
// Err after End, and End records a panic that is unwinding through it.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"time"
	"unsafe"
)

// StepKind is the kind of step a span records (its sigil.span.kind).
type StepKind string

// Step kinds of SpanStart.Kind. Generations, tool executions and embeddings
// keep their own Start calls.
const (
	// SpanKindAgent is an agent run: named "invoke_agent <agent name>", with
	// gen_ai.operation.name "invoke_agent" and gen_ai.agent.name.
	SpanKindAgent     StepKind = "agent"
	SpanKindChain     StepKind = "chain"
	SpanKindRetriever StepKind = "retriever"
	SpanKindWorkflow  StepKind = "workflow"
	SpanKindTask      StepKind = "task"
	// SpanKindCustom is any other step, and the kind of a zero SpanStart.Kind.
	SpanKindCustom StepKind = "custom"
)

// code is the C constant of k (SIGIL_STEP_*); 0, which the engine refuses,
// for an unknown kind.
func (k StepKind) code() C.uint32_t {
	switch StepKind(strings.ToLower(strings.TrimSpace(string(k)))) {
	case SpanKindAgent:
		return C.SIGIL_STEP_AGENT
	case SpanKindChain:
		return C.SIGIL_STEP_CHAIN
	case SpanKindRetriever:
		return C.SIGIL_STEP_RETRIEVER
	case SpanKindWorkflow:
		return C.SIGIL_STEP_WORKFLOW
	case SpanKindTask:
		return C.SIGIL_STEP_TASK
	case SpanKindCustom, "":
		return C.SIGIL_STEP_CUSTOM
	}
	return 0
}

// SpanStart seeds a span.
type SpanStart struct {
	Kind StepKind
	// Name is the step's name (an agent's, a function's); blank gives the
	// kind's name.
	Name              string
	ConversationID    string
	ConversationTitle string
	// AgentName and AgentVersion: explicit, else the context's
	// (WithAgentName); an agent span falls back to Name.
	AgentName    string
	AgentVersion string
	StartedAt    time.Time
	// ContentCapture overrides the client's mode for this span: content
	// values (SetInput, SetOutput, SetContentAttributes, AddContentEvent)
	// are left out under metadata_only and full_with_metadata_spans.
	ContentCapture ContentCaptureMode
}

// SpanRecorder records one span:
//
//	ctx, span := client.StartSpan(ctx, sigil.SpanStart{Kind: sigil.SpanKindChain, Name: "plan"})
//	defer span.End()
//	span.SetAttributes(sigil.Int64("documents", 3))
//
// Generations, tool executions and spans started from the returned ctx are
// its children. Its methods are safe for concurrent use and on a nil or
// no-op recorder; input errors are reported by Err after End.
type SpanRecorder struct {
	recorder[*C.sigil_span_recorder_t]

	spanErr     error // SetError's, or the panic End recorded
	inputErr    error // the first value the binding could not pass
	traceparent string
}

// StartSpan starts a span as a child of ctx's recorder or extracted remote
// parent (Extract), else of the host tracer's current span, else as the root
// of a new trace. It returns ctx carrying the span. A nil client gives a
// no-op recorder; an unknown Kind a no-op recorder whose Err says so.
func (c *Client) StartSpan(ctx context.Context, start SpanStart) (context.Context, *SpanRecorder) {
	if ctx == nil {
		ctx = context.Background()
	}
	if c == nil || c.ptr == nil {
		return ctx, &SpanRecorder{}
	}
	cv := contextValuesOf(ctx)
	a := getArgs()
	defer putArgs(a)
	var cs C.sgo_span_start_args
	cs.kind = start.Kind.code()
	cs.name = a.str(start.Name)
	cs.conversation_id = a.str(start.ConversationID)
	cs.conversation_title = a.str(start.ConversationTitle)
	cs.agent_name = a.str(start.AgentName)
	cs.agent_version = a.str(start.AgentVersion)
	cs.started_at_ns = c.startTime(start.StartedAt)
	cs.content_capture = cmode(start.ContentCapture)
	var release func()
	cs.call_ctx, release = c.resolverContext(ctx)
	defer release()
	cs.ctx_conversation_id = a.str(cv.conversationID)
	cs.ctx_conversation_title = a.str(cv.conversationTitle)
	cs.ctx_agent_name = a.str(cv.agentName)
	cs.ctx_agent_version = a.str(cv.agentVersion)
	hs := c.beginHost(ctx, cv, RecordSpan, start.hostName(), &cs.started_at_ns)
	cs.parent_traceparent, cs.parent_is_local = a.str(hs.parent), cbool(hs.parentLocal)
	cs.parent_tracestate = -1
	if hs.parent == cv.traceparent {
		cs.parent_tracestate = a.str(cv.tracestate)
	}
	cs.span_traceparent = a.str(hs.spanTP)
	var handle *C.sigil_span_recorder_t
	var tp [56]C.char
	st := C.sgo_span_start(c.ptr, &cs, a.ptr(), &handle, &tp[0])
	runtime.KeepAlive(c)
	traceparent := traceparentString(&tp)
	rec := &SpanRecorder{recorder: recorder[*C.sigil_span_recorder_t]{client: c, handle: handle, hostTP: hs.spanTP},
		traceparent: traceparent}
	ctx = c.afterHost(ctx, hs, traceparent, st == C.SIGIL_OK)
	switch {
	case st != C.SIGIL_OK:
		rec.startErr = spanStartError(st, start.Kind)
	default:
		if e := a.nulError("span start"); e != nil {
			rec.startErr = e
		}
	}
	if handle != nil {
		setCleanup(rec, finalizeSpan)
	}
	if traceparent == "" {
		return ctx, rec
	}
	v := *cv
	v.traceparent, v.explicitParent, v.span = traceparent, false, rec
	v.tracestate = spanTracestate(handle)
	return context.WithValue(ctx, contextKey{}, &v), rec
}

func (s *SpanStart) hostName() string {
	name := s.Name
	if strings.TrimSpace(name) == "" {
		name = string(s.Kind)
	}
	if s.Kind.code() == C.SIGIL_STEP_AGENT {
		agent := s.AgentName
		if agent == "" {
			agent = name
		}
		return spanName("invoke_agent", agent)
	}
	return name
}

func spanStartError(st C.sigil_status_t, kind StepKind) *Error {
	e := &Error{Code: Code(st), Message: "span start refused: " + C.GoString(C.sigil_status_name(st))}
	switch {
	case st == C.SIGIL_E_INVALID_ARGUMENT && kind.code() == 0:
		e.Message = fmt.Sprintf("unknown span kind %q (want agent, chain, retriever, workflow, task or custom)", string(kind))
	case st == C.SIGIL_E_SHUTDOWN:
		e.with(ErrClientShutdown)
	}
	return e
}

// spanTracestate is the tracestate the span carries on ("" for none).
func spanTracestate(h *C.sigil_span_recorder_t) string {
	var p *C.char
	var n C.size_t
	if h == nil || C.sigil_span_tracestate(h, &p, &n) != C.SIGIL_OK || n == 0 {
		return ""
	}
	return C.GoStringN(p, C.int(n))
}

// SpanFromContext returns the innermost span started from ctx (StartSpan),
// or nil; a nil *SpanRecorder is a valid no-op recorder.
func SpanFromContext(ctx context.Context) *SpanRecorder { return contextValuesOf(ctx).span }

// Traceparent is the span's W3C traceparent ("" for a no-op recorder), for
// parenting and for Inject.
func (r *SpanRecorder) Traceparent() string {
	if r == nil {
		return ""
	}
	return r.traceparent
}

// TraceID is the span's trace id (32 hex digits), or "".
func (r *SpanRecorder) TraceID() string {
	if tp := r.Traceparent(); len(tp) >= 35 {
		return tp[3:35]
	}
	return ""
}

// CapturesContent reports whether content values would be kept under the
// span's content capture mode, so that a caller can skip serializing
// arguments that would be dropped. False once ended.
func (r *SpanRecorder) CapturesContent() bool {
	if r == nil {
		return false
	}
	keep := false
	r.set(func() { keep = r.handle != nil && C.sigil_span_captures_content(r.handle) == 1 })
	return keep
}

// String, Int64, Int, Float64 and Bool make typed attributes for
// SetAttributes and AddEvent.
func String(key, value string) Attribute {
	return Attribute{Key: key, Value: AttributeValue{typ: AttributeString, str: value}}
}

// Int64 makes an integer attribute.
func Int64(key string, value int64) Attribute {
	return Attribute{Key: key, Value: AttributeValue{typ: AttributeInt64, num: value}}
}

// Int makes an integer attribute.
func Int(key string, value int) Attribute { return Int64(key, int64(value)) }

// Float64 makes a floating-point attribute.
func Float64(key string, value float64) Attribute {
	return Attribute{Key: key, Value: AttributeValue{typ: AttributeFloat64, float: value}}
}

// Bool makes a boolean attribute.
func Bool(key string, value bool) Attribute {
	v := AttributeValue{typ: AttributeBool}
	if value {
		v.num = 1
	}
	return Attribute{Key: key, Value: v}
}

// SetAttributes sets attributes on the span; a later value of a key replaces
// an earlier one. They never replace the keys libsigil sets itself.
func (r *SpanRecorder) SetAttributes(attrs ...Attribute) { r.setAttributes(attrs, false) }

// SetContentAttributes sets attributes whose values are content (a
// document, a user's text): the span's content capture mode may leave them
// out, and they are redacted as content.
func (r *SpanRecorder) SetContentAttributes(attrs ...Attribute) { r.setAttributes(attrs, true) }

func (r *SpanRecorder) setAttributes(attrs []Attribute, content bool) {
	if r == nil || len(attrs) == 0 {
		return
	}
	r.set(func() {
		if r.handle == nil {
			return
		}
		a := getArgs()
		defer putArgs(a)
		for i := range attrs {
			a.b, a.nul = a.b[:0], false
			ca, err := a.attribute(&attrs[i])
			if err != nil {
				r.refuse(err)
				continue
			}
			if e := a.nulError("span attribute " + attrs[i].Key); e != nil {
				r.refuse(e)
				continue
			}
			C.sgo_span_set_attribute(r.handle, &ca, a.ptr(), C.int(cbool(content)))
		}
	})
}

// attribute packs one attribute for the shims.
func (a *args) attribute(at *Attribute) (C.sgo_attribute, error) {
	var ca C.sgo_attribute
	if at.Key == "" {
		return ca, &Error{Code: CodeInvalidArgument, Message: "span attribute: empty key"}
	}
	ca.key = a.always(at.Key)
	ca.value = -1
	v := &at.Value
	switch v.typ {
	case AttributeString:
		ca._type, ca.value = C.SIGIL_ATTRIBUTE_STRING, a.always(v.str)
	case AttributeBool:
		ca._type, ca.int_value = C.SIGIL_ATTRIBUTE_BOOL, C.int64_t(v.num)
	case AttributeInt64:
		ca._type, ca.int_value = C.SIGIL_ATTRIBUTE_INT, C.int64_t(v.num)
	case AttributeFloat64:
		if math.IsNaN(v.float) || math.IsInf(v.float, 0) {
			return ca, &Error{Code: CodeInvalidArgument, Message: "span attribute " + at.Key + ": not a finite number"}
		}
		ca._type, ca.double_value = C.SIGIL_ATTRIBUTE_DOUBLE, C.double(v.float)
	default:
		return ca, &Error{Code: CodeInvalidArgument, Message: "span attribute " + at.Key +
			": want a string, int64, float64 or bool value (sigil.String, sigil.Int64, sigil.Float64, sigil.Bool)"}
	}
	return ca, nil
}

// SetInput records the step's input (sigil.span.input; always content). A
// string or []byte that is valid JSON is recorded as is, other text as a
// JSON string; any other value is marshaled with encoding/json, and only
// when the content capture mode keeps content.
func (r *SpanRecorder) SetInput(v any) { r.setContent(v, "input", false) }

// SetOutput records the step's output (sigil.span.output), as SetInput.
func (r *SpanRecorder) SetOutput(v any) { r.setContent(v, "output", true) }

func (r *SpanRecorder) setContent(v any, what string, output bool) {
	if r == nil {
		return
	}
	r.set(func() {
		if r.handle == nil || C.sigil_span_captures_content(r.handle) != 1 {
			return
		}
		text, err := toolContent(v)
		if err != nil {
			r.refuse(errors.New("serialize span " + what + ": " + err.Error()))
			return
		}
		p, n := goStr(text)
		if output {
			C.sigil_span_set_output(r.handle, p, n)
		} else {
			C.sigil_span_set_input(r.handle, p, n)
		}
		runtime.KeepAlive(text)
	})
}

// AddEvent adds an event (now) with typed attributes.
func (r *SpanRecorder) AddEvent(name string, attrs ...Attribute) { r.addEvent(name, attrs, false) }

// AddContentEvent adds an event whose attribute values are content (see
// SetContentAttributes).
func (r *SpanRecorder) AddContentEvent(name string, attrs ...Attribute) {
	r.addEvent(name, attrs, true)
}

func (r *SpanRecorder) addEvent(name string, attrs []Attribute, content bool) {
	if r == nil {
		return
	}
	r.set(func() {
		if r.handle == nil {
			return
		}
		at := r.client.startTime(time.Time{})
		a := getArgs()
		defer putArgs(a)
		nameOff := a.always(name)
		cattrs := make([]C.sgo_attribute, len(attrs))
		for i := range attrs {
			ca, err := a.attribute(&attrs[i])
			if err != nil {
				r.refuse(fmt.Errorf("span event %q: %w", name, err))
				return
			}
			cattrs[i] = ca
		}
		if e := a.nulError("span event " + name); e != nil {
			r.refuse(e)
			return
		}
		var first *C.sgo_attribute
		if len(cattrs) > 0 {
			first = &cattrs[0]
		}
		C.sgo_span_add_event(r.handle, nameOff, at, first, C.size_t(len(cattrs)), a.ptr(), C.int(cbool(content)))
	})
}

// SetStatus sets the span's status; message is kept with SpanStatusError
// only. SetError is the usual way to mark a failure.
func (r *SpanRecorder) SetStatus(code SpanStatusCode, message string) {
	if r == nil {
		return
	}
	r.set(func() {
		if r.handle == nil {
			return
		}
		p, n := goStr(message)
		if st := C.sigil_span_set_status(r.handle, C.uint32_t(code), p, n); st != C.SIGIL_OK {
			r.refuse(&Error{Code: Code(st), Message: fmt.Sprintf("span status %d: %s", int(code),
				C.GoString(C.sigil_status_name(st)))})
		}
		runtime.KeepAlive(message)
	})
}

// SetError records that the step failed: status ERROR, error.type (err's
// type, e.g. "fs.PathError", or what an ErrorType() string method in err's
// chain says) and an "exception" event with its message.
// Err returns it after End. A nil err is ignored.
func (r *SpanRecorder) SetError(err error) {
	if r == nil || err == nil {
		return
	}
	r.setError(err, errorType(err), err.Error())
}

func (r *SpanRecorder) setError(err error, typ, message string) {
	r.set(func() {
		r.spanErr = err
		if r.handle == nil {
			return
		}
		t := C.CString(typ)
		defer C.free(unsafe.Pointer(t))
		p, n := goStr(message)
		C.sigil_span_set_error(r.handle, t, p, n)
		runtime.KeepAlive(message)
	})
}

// errorType names an error's type without the pointer: "fs.PathError";
// an error that names its own type (ErrorType() string, as an error whose
// type is a string shared with other languages does) wins.
func errorType(err error) string {
	var typed interface{ ErrorType() string }
	if errors.As(err, &typed) {
		if t := typed.ErrorType(); t != "" {
			return t
		}
	}
	return strings.TrimLeft(fmt.Sprintf("%T", err), "*")
}

// End ends the span. Deferred directly (defer span.End()) while a panic
// unwinds, it marks the span failed (error.type "panic") and panics again
// with the same value. Idempotent; safe on a nil or no-op recorder.
func (r *SpanRecorder) End() {
	if r == nil {
		return
	}
	if p := recover(); p != nil {
		err, ok := p.(error)
		if !ok {
			err = fmt.Errorf("panic: %v", p)
		}
		r.setError(err, "panic", fmt.Sprint(p))
		r.end(r)
		panic(p)
	}
	r.end(r)
}

func (r *SpanRecorder) finish(handle *C.sigil_span_recorder_t) error {
	var completed C.int64_t
	if r.client.now != nil {
		completed = C.int64_t(saturatingUnixNano(r.client.now()))
	}
	var cerr *C.sigil_error_t
	var local error
	if e := takeError(C.sgo_span_finish(handle, completed, &cerr), cerr); e != nil {
		if e.Code == CodeShutdown {
			e.with(ErrClientShutdown)
		}
		local = e
	}
	if local == nil {
		local = r.inputErr
	}
	switch {
	case r.spanErr != nil && local != nil:
		return joinErrors(r.spanErr, local)
	case r.spanErr != nil:
		return r.spanErr
	}
	return local
}

// refuse keeps the first input error; runs under the lock.
func (r *SpanRecorder) refuse(err error) {
	if r.inputErr == nil {
		r.inputErr = err
	}
}

// Err returns, after End, the step's error (SetError, or a panic End
// recorded) and the first input error (a malformed attribute or event, a
// value that could not be serialized, a refused start) or libsigil's
// local error.
func (r *SpanRecorder) Err() error {
	if r == nil {
		return nil
	}
	return r.err()
}

func finalizeSpan(r *SpanRecorder) {
	if r.handle != nil {
		C.sigil_span_free(r.handle)
		r.client.endHostSpan(r.hostTP) // a host span libsigil gave no span for
	}
}
