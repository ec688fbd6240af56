package sigil

// W3C trace context propagation (traceparent, tracestate): Inject writes the
// current recorder's trace context into outgoing headers, Extract reads an
// incoming one into a context.Context. Both validate with the engine's
// helpers (sigil_traceparent_parse, sigil_tracestate_validate), so every
// binding accepts and refuses the same headers.

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"net/http"
	"runtime"
	"strings"
)

// The W3C trace context header names.
const (
	TraceparentHeader = "traceparent"
	TracestateHeader  = "tracestate"
)

// TextMapCarrier is what Inject and Extract read and write: the method set
// of OpenTelemetry's propagation.TextMapCarrier, so its carriers fit too.
type TextMapCarrier interface {
	// Get returns the value of key ("" when absent); names are
	// case-insensitive.
	Get(key string) string
	// Set stores key and value.
	Set(key, value string)
	// Keys lists the keys the carrier holds.
	Keys() []string
}

// HeaderCarrier adapts an http.Header: sigil.Inject(ctx, sigil.HeaderCarrier(req.Header)).
type HeaderCarrier http.Header

// Get returns the header's values joined with ",", as W3C reads a
// header that arrived in several lines.
func (h HeaderCarrier) Get(key string) string {
	return strings.Join(http.Header(h).Values(key), ",")
}

// Set replaces the header.
func (h HeaderCarrier) Set(key, value string) { http.Header(h).Set(key, value) }

// Keys lists the header names.
func (h HeaderCarrier) Keys() []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	return keys
}

// MapCarrier adapts a map[string]string (a message's metadata, a job's
// arguments): sigil.Extract(ctx, sigil.MapCarrier(m)).
type MapCarrier map[string]string

// Get returns the value of key, matched case-insensitively.
func (m MapCarrier) Get(key string) string {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return ""
}

// Set stores key and value, replacing a key that differs only in case.
func (m MapCarrier) Set(key, value string) {
	for k := range m {
		if k != key && strings.EqualFold(k, key) {
			delete(m, k)
		}
	}
	m[key] = value
}

// Keys lists the map's keys.
func (m MapCarrier) Keys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// Inject writes the trace context of ctx into carrier: the traceparent of
// the innermost recorder started from ctx (a span, generation, tool
// execution or embedding), else the one Extract or ContextWithTraceparent
// put there, and the tracestate the trace carries. It writes nothing when
// ctx has none, and reports whether it wrote.
func Inject(ctx context.Context, carrier TextMapCarrier) bool {
	if carrier == nil {
		return false
	}
	cv := contextValuesOf(ctx)
	if _, ok := parseTraceparent(cv.traceparent); !ok {
		return false
	}
	carrier.Set(TraceparentHeader, cv.traceparent)
	if cv.tracestate != "" {
		carrier.Set(TracestateHeader, cv.tracestate)
	}
	return true
}

// Extract returns ctx carrying the trace context in carrier, so that the
// next StartSpan, StartGeneration, StartToolExecution or StartEmbedding from
// it continues the remote trace (its parent flagged as remote on the wire).
// Without a valid traceparent it returns ctx unchanged; a malformed
// tracestate is dropped, as W3C asks.
func Extract(ctx context.Context, carrier TextMapCarrier) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	if carrier == nil {
		return ctx
	}
	tp := strings.TrimSpace(carrier.Get(TraceparentHeader))
	if _, ok := parseTraceparent(tp); !ok {
		return ctx
	}
	ts := strings.TrimSpace(carrier.Get(TracestateHeader))
	if ts != "" && !validTracestate(ts) {
		ts = ""
	}
	return withValue(ctx, func(v *contextValues) {
		v.traceparent, v.explicitParent, v.tracestate, v.span = tp, true, ts, nil
	})
}

// TraceContext is a parsed W3C traceparent.
type TraceContext struct {
	TraceID string // 32 lowercase hex digits
	SpanID  string // 16 lowercase hex digits
	Sampled bool
}

// ParseTraceparent parses a W3C traceparent header with libsigil's parser
// (the one every binding uses); ok is false for a malformed one.
func ParseTraceparent(traceparent string) (TraceContext, bool) { return parseTraceparent(traceparent) }

func parseTraceparent(tp string) (TraceContext, bool) {
	if tp == "" {
		return TraceContext{}, false
	}
	var traceID [33]C.char
	var spanID [17]C.char
	var sampled C.int
	p, n := goStr(tp)
	st := C.sigil_traceparent_parse(p, n, &traceID[0], &spanID[0], &sampled)
	runtime.KeepAlive(tp)
	if st != C.SIGIL_OK {
		return TraceContext{}, false
	}
	return TraceContext{TraceID: C.GoString(&traceID[0]), SpanID: C.GoString(&spanID[0]), Sampled: sampled != 0}, true
}

func validTracestate(ts string) bool {
	p, n := goStr(ts)
	st := C.sigil_tracestate_validate(p, n)
	runtime.KeepAlive(ts)
	return st == C.SIGIL_OK
}
