// Package sigilotel connects libsigil's Go binding to the application's
// OpenTelemetry tracer and meter. It is a module of its own so that the core
// package (github.com/libsigil/libsigil/bindings/go/sigil) keeps no
// third-party dependency.
//
// Importing it registers the adapter; sigil.Config.Tracer and
// sigil.Config.Meter (a trace.Tracer and a metric.Meter) then work as in the
// reference SDK:
//
//	import _ "github.com/libsigil/libsigil/bindings/go/otel"
//
//	cfg := sigil.DefaultConfig()
//	cfg.Tracer = tracerProvider.Tracer("my-app")
//	cfg.Meter = meterProvider.Meter("my-app")
//	client := sigil.NewClient(cfg)
//
// With a tracer or meter the default Telemetry.Mode is "host": every
// recorder starts a span through the host tracer (the host sampler decides;
// the span is current in the context its Start call returns), libsigil gives
// the record and its span that span's ids, and at End the host span takes
// libsigil's name, attributes, events, status and end time. The four GenAI
// histograms are recorded through the host meter with libsigil's attributes
// and bucket boundaries. In every mode, a recorder started from a context
// holding an OpenTelemetry span is that span's child, and the context a
// Start call returns holds the recorder's span as current.
package sigilotel

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	sigil "github.com/libsigil/libsigil/bindings/go/sigil"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// InstrumentationName names the tracer and meter taken from the global
// providers when Config.Tracer or Config.Meter is nil (the reference SDK's).
const InstrumentationName = "github.com/grafana/sigil/sdks/go/sigil"

func init() {
	sigil.RegisterHostTelemetry(func(tracer, meter any) (sigil.HostTelemetry, error) { return New(tracer, meter) })
}

// Host is the adapter for one client.
type Host struct {
	tracer trace.Tracer
	meter  metric.Meter

	mu         sync.Mutex
	histograms map[string]metric.Float64Histogram
}

var _ sigil.HostTelemetry = (*Host)(nil)

// New builds the adapter from a trace.Tracer and a metric.Meter; nil takes
// the global provider's (otel.Tracer / otel.Meter, InstrumentationName).
// Another type is an error that names it.
func New(tracer, meter any) (*Host, error) {
	h := &Host{histograms: make(map[string]metric.Float64Histogram)}
	switch t := tracer.(type) {
	case nil:
		h.tracer = otel.Tracer(InstrumentationName)
	case trace.Tracer:
		h.tracer = t
	default:
		return nil, fmt.Errorf("Config.Tracer is a %T, not a go.opentelemetry.io/otel/trace.Tracer", tracer)
	}
	switch m := meter.(type) {
	case nil:
		h.meter = otel.Meter(InstrumentationName)
	case metric.Meter:
		h.meter = m
	default:
		return nil, fmt.Errorf("Config.Meter is a %T, not a go.opentelemetry.io/otel/metric.Meter", meter)
	}
	return h, nil
}

// Traceparent formats a span context as a W3C traceparent.
func Traceparent(sc trace.SpanContext) string {
	return "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-" + sc.TraceFlags().String()
}

// ParseTraceparent reads a W3C traceparent ("00-<trace>-<span>-<flags>").
func ParseTraceparent(tp string, remote bool) (trace.SpanContext, error) {
	if len(tp) != 55 || tp[2] != '-' || tp[35] != '-' || tp[52] != '-' {
		return trace.SpanContext{}, fmt.Errorf("sigilotel: malformed traceparent %q", tp)
	}
	tid, err := trace.TraceIDFromHex(tp[3:35])
	if err != nil {
		return trace.SpanContext{}, err
	}
	sid, err := trace.SpanIDFromHex(tp[36:52])
	if err != nil {
		return trace.SpanContext{}, err
	}
	flags, err := strconv.ParseUint(tp[53:55], 16, 8)
	if err != nil {
		return trace.SpanContext{}, err
	}
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid,
		TraceFlags: trace.TraceFlags(flags), Remote: remote}), nil
}

// Parent implements sigil.HostTelemetry: ctx's current span.
func (h *Host) Parent(ctx context.Context) (string, bool, bool) {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return "", false, false
	}
	return Traceparent(sc), sc.IsRemote(), true
}

func spanKind(kind sigil.RecordKind) trace.SpanKind {
	if kind == sigil.RecordToolExecution || kind == sigil.RecordSpan {
		return trace.SpanKindInternal
	}
	return trace.SpanKindClient
}

// StartSpan implements sigil.HostTelemetry.
func (h *Host) StartSpan(ctx context.Context, parent string, parentRemote bool, kind sigil.RecordKind, name string,
	start time.Time) (context.Context, sigil.HostSpan) {
	if parent != "" {
		sc, err := ParseTraceparent(parent, parentRemote)
		if err == nil {
			ctx = trace.ContextWithSpanContext(ctx, sc)
		}
	}
	parentID := trace.SpanContextFromContext(ctx).SpanID()
	spanCtx, span := h.tracer.Start(ctx, name, trace.WithSpanKind(spanKind(kind)), trace.WithTimestamp(start))
	sc := span.SpanContext()
	if !sc.IsValid() || sc.SpanID() == parentID {
		// A no-op tracer hands back the parent: libsigil makes its own ids,
		// and the recorder's span becomes current through ContextWithSpan.
		return ctx, nil
	}
	return spanCtx, &hostSpan{span: span, tp: Traceparent(sc)}
}

// ContextWithSpan implements sigil.HostTelemetry.
func (h *Host) ContextWithSpan(ctx context.Context, traceparent string) context.Context {
	sc, err := ParseTraceparent(traceparent, false)
	if err != nil {
		return ctx
	}
	return trace.ContextWithSpanContext(ctx, sc)
}

// RecordMetric implements sigil.HostTelemetry.
func (h *Host) RecordMetric(p sigil.MetricPoint) {
	hist, err := h.histogram(p)
	if err != nil {
		otel.Handle(err)
		return
	}
	kvs := make([]attribute.KeyValue, 0, len(p.Attributes))
	for _, a := range p.Attributes {
		kvs = append(kvs, keyValue(a))
	}
	hist.Record(context.Background(), p.Value, metric.WithAttributes(kvs...))
}

func (h *Host) histogram(p sigil.MetricPoint) (metric.Float64Histogram, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if hist, ok := h.histograms[p.Name]; ok {
		return hist, nil
	}
	opts := []metric.Float64HistogramOption{metric.WithUnit(p.Unit), metric.WithDescription(p.Description)}
	if len(p.Bounds) > 0 {
		opts = append(opts, metric.WithExplicitBucketBoundaries(p.Bounds...))
	}
	hist, err := h.meter.Float64Histogram(p.Name, opts...)
	if err != nil {
		return nil, err
	}
	h.histograms[p.Name] = hist
	return hist, nil
}

type hostSpan struct {
	span trace.Span
	tp   string
}

func (s *hostSpan) Traceparent() string { return s.tp }

// End copies libsigil's finished span onto the host span and ends it.
func (s *hostSpan) End(from *sigil.Span) {
	if from == nil {
		s.span.End()
		return
	}
	s.span.SetName(from.Name)
	s.span.SetAttributes(keyValues(from.Attributes)...)
	for _, e := range from.Events {
		s.span.AddEvent(e.Name, trace.WithTimestamp(e.Time), trace.WithAttributes(keyValues(e.Attributes)...))
	}
	switch from.StatusCode {
	case sigil.SpanStatusError:
		s.span.SetStatus(codes.Error, from.StatusMessage)
	case sigil.SpanStatusOK:
		s.span.SetStatus(codes.Ok, "")
	}
	s.span.End(trace.WithTimestamp(from.EndTime))
}

func keyValues(attrs []sigil.Attribute) []attribute.KeyValue {
	out := make([]attribute.KeyValue, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, keyValue(a))
	}
	return out
}

func keyValue(a sigil.Attribute) attribute.KeyValue {
	switch a.Value.Type() {
	case sigil.AttributeBool:
		return attribute.Bool(a.Key, a.Value.AsBool())
	case sigil.AttributeInt64:
		return attribute.Int64(a.Key, a.Value.AsInt64())
	case sigil.AttributeFloat64:
		return attribute.Float64(a.Key, a.Value.AsFloat64())
	case sigil.AttributeStringSlice:
		return attribute.StringSlice(a.Key, a.Value.AsStringSlice())
	}
	return attribute.String(a.Key, a.Value.AsString())
}
