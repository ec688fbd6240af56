package sigil

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"runtime/cgo"
	"time"
	"unsafe"
)

// Span is one finished span as libsigil emits it (TelemetryConfig.OnSpan, a
// libsigil extension): the same span its OTLP exporter sends.
type Span struct {
	Name          string
	Kind          SpanKind
	TraceID       string // 32 lowercase hex digits
	SpanID        string // 16 lowercase hex digits
	ParentSpanID  string // "" for a root span
	Sampled       bool
	StartTime     time.Time
	EndTime       time.Time
	StatusCode    SpanStatusCode
	StatusMessage string
	Attributes    []Attribute
	Events        []SpanEvent
}

// Attribute returns the attribute named key and whether the span has it.
func (s *Span) Attribute(key string) (AttributeValue, bool) {
	for _, a := range s.Attributes {
		if a.Key == key {
			return a.Value, true
		}
	}
	return AttributeValue{}, false
}

// SpanKind is the OTLP span kind.
type SpanKind int

// Span kinds libsigil uses.
const (
	SpanKindInternal SpanKind = 1
	SpanKindClient   SpanKind = 3
)

// SpanStatusCode is the OTLP status code.
type SpanStatusCode int

// Span status codes.
const (
	SpanStatusUnset SpanStatusCode = 0
	SpanStatusOK    SpanStatusCode = 1
	SpanStatusError SpanStatusCode = 2
)

// SpanEvent is a span event ("exception" with exception.type and
// exception.message).
type SpanEvent struct {
	Name       string
	Time       time.Time
	Attributes []Attribute
}

// Attribute is one key and value.
type Attribute struct {
	Key   string
	Value AttributeValue
}

// AttributeType says which of an AttributeValue's accessors holds its value.
type AttributeType int

// Attribute value types.
const (
	AttributeInvalid AttributeType = iota
	AttributeString
	AttributeBool
	AttributeInt64
	AttributeFloat64
	AttributeStringSlice
)

// AttributeValue is a typed attribute value, read with the As* methods as
// OpenTelemetry's attribute.Value is (a method of another type gives its
// zero value).
type AttributeValue struct {
	typ     AttributeType
	str     string
	num     int64
	float   float64
	strings []string
}

// Type is the value's type.
func (v AttributeValue) Type() AttributeType { return v.typ }

// AsString is a string value.
func (v AttributeValue) AsString() string { return v.str }

// AsBool is a bool value.
func (v AttributeValue) AsBool() bool { return v.typ == AttributeBool && v.num != 0 }

// AsInt64 is an integer value.
func (v AttributeValue) AsInt64() int64 {
	if v.typ == AttributeInt64 {
		return v.num
	}
	return 0
}

// AsFloat64 is a floating-point value.
func (v AttributeValue) AsFloat64() float64 { return v.float }

// AsStringSlice is a string array value (a copy).
func (v AttributeValue) AsStringSlice() []string { return append([]string(nil), v.strings...) }

// AsInterface is the value as string, bool, int64, float64 or []string.
func (v AttributeValue) AsInterface() any {
	switch v.typ {
	case AttributeString:
		return v.str
	case AttributeBool:
		return v.AsBool()
	case AttributeInt64:
		return v.num
	case AttributeFloat64:
		return v.float
	case AttributeStringSlice:
		return v.AsStringSlice()
	}
	return nil
}

func goAttributes(p *C.sigil_attribute_t, n C.size_t) []Attribute {
	if n == 0 || p == nil {
		return nil
	}
	src := unsafe.Slice(p, int(n))
	out := make([]Attribute, 0, len(src))
	for i := range src {
		a := &src[i]
		v := AttributeValue{}
		switch a._type {
		case C.SIGIL_ATTRIBUTE_STRING:
			v.typ, v.str = AttributeString, C.GoStringN(a.string_value, C.int(a.string_value_len))
		case C.SIGIL_ATTRIBUTE_BOOL:
			v.typ, v.num = AttributeBool, int64(a.int_value)
		case C.SIGIL_ATTRIBUTE_INT:
			v.typ, v.num = AttributeInt64, int64(a.int_value)
		case C.SIGIL_ATTRIBUTE_DOUBLE:
			v.typ, v.float = AttributeFloat64, float64(a.double_value)
		case C.SIGIL_ATTRIBUTE_STRING_ARRAY:
			v.typ = AttributeStringSlice
			if a.string_values_count > 0 {
				strs := unsafe.Slice(a.string_values, int(a.string_values_count))
				lens := unsafe.Slice(a.string_value_lens, int(a.string_values_count))
				for j := range strs {
					v.strings = append(v.strings, C.GoStringN(strs[j], C.int(lens[j])))
				}
			}
		}
		out = append(out, Attribute{Key: C.GoStringN(a.key, C.int(a.key_len)), Value: v})
	}
	return out
}

//export sigilGoSpan
func sigilGoSpan(handle C.uintptr_t, span unsafe.Pointer) {
	defer func() { _ = recover() }() // a panicking handler must not reach libsigil
	cb, ok := cgo.Handle(handle).Value().(*goCallbacks)
	if !ok || (cb.onSpan == nil && cb.host == nil) {
		return
	}
	s := (*C.sigil_span_t)(span)
	out := Span{
		Name:          C.GoStringN(s.name, C.int(s.name_len)),
		Kind:          SpanKind(s.kind),
		TraceID:       C.GoString(&s.trace_id[0]),
		SpanID:        C.GoString(&s.span_id[0]),
		ParentSpanID:  C.GoString(&s.parent_span_id[0]),
		Sampled:       s.trace_flags&1 != 0,
		StartTime:     time.Unix(0, int64(s.start_ns)),
		EndTime:       time.Unix(0, int64(s.end_ns)),
		StatusCode:    SpanStatusCode(s.status_code),
		StatusMessage: C.GoStringN(s.status_message, C.int(s.status_message_len)),
		Attributes:    goAttributes(s.attributes, s.attributes_count),
	}
	if s.events_count > 0 {
		for _, e := range unsafe.Slice(s.events, int(s.events_count)) {
			out.Events = append(out.Events, SpanEvent{Name: C.GoStringN(e.name, C.int(e.name_len)),
				Time: time.Unix(0, int64(e.time_ns)), Attributes: goAttributes(e.attributes, e.attributes_count)})
		}
	}
	if cb.host != nil {
		cb.host.onSpan(&out)
	}
	if cb.onSpan != nil {
		cb.onSpan(out)
	}
}
