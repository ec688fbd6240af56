package sigil

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"fmt"
	"runtime/cgo"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// The host telemetry hooks: how the OpenTelemetry adapter module
// (github.com/libsigil/libsigil/bindings/go/otel) plugs the application's
// tracer and meter into a client without this package depending on
// OpenTelemetry. Importing the adapter registers it (RegisterHostTelemetry);
// NewClient then builds one HostTelemetry per client from Config.Tracer and
// Config.Meter. See the README's Telemetry section and docs/telemetry.md.

// TelemetryMode chooses where a client's spans and GenAI metrics go.
type TelemetryMode string

const (
	// TelemetryModeAuto is TelemetryModeHost when Config.Tracer or
	// Config.Meter is set (which needs the adapter module), else
	// TelemetryModeEngine.
	TelemetryModeAuto TelemetryMode = ""
	// TelemetryModeEngine is libsigil's own OTLP export (when an OTLP
	// endpoint is configured).
	TelemetryModeEngine TelemetryMode = "engine"
	// TelemetryModeHost re-emits every span through the host tracer (same
	// ids, timestamps, attributes, events and status) and records the GenAI
	// histograms through the host meter; libsigil's OTLP endpoints are
	// ignored, so nothing leaves twice. The host sampler decides.
	TelemetryModeHost TelemetryMode = "host"
	// TelemetryModeBoth is the host pipeline and libsigil's OTLP export, deliberately.
	TelemetryModeBoth TelemetryMode = "both"
)

// HostTelemetry connects a client to the application's tracing and metrics
// (implemented by the adapter module; a custom implementation may be
// registered with RegisterHostTelemetry).
type HostTelemetry interface {
	// Parent returns the W3C traceparent of ctx's current host span, and
	// whether that span came from another process; ok is false when ctx
	// has no valid span.
	Parent(ctx context.Context) (traceparent string, remote, ok bool)
	// StartSpan starts a recorder's span through the host tracer at start,
	// as a child of parent when it is not empty (then parentRemote says
	// whether it came from another process), else of ctx's current span.
	// It returns ctx carrying the span as current, and the span; a nil
	// span, or one whose Traceparent is "", means the tracer made no span
	// of its own (a no-op tracer) and libsigil makes the ids.
	StartSpan(ctx context.Context, parent string, parentRemote bool, kind RecordKind, name string,
		start time.Time) (context.Context, HostSpan)
	// ContextWithSpan returns ctx whose current host span is the recorder
	// span traceparent names (for a recorder without a host span), so that
	// spans the application starts from it are its children.
	ContextWithSpan(ctx context.Context, traceparent string) context.Context
	// RecordMetric records one GenAI histogram point through the host meter.
	RecordMetric(point MetricPoint)
}

// HostSpan is a recorder's span in the host tracer.
type HostSpan interface {
	// Traceparent is the span's W3C traceparent ("" for a span that is not
	// the tracer's own).
	Traceparent() string
	// End copies libsigil's finished span onto the host span (name,
	// attributes, events, status, end time) and ends it. span is nil when
	// libsigil has none to give (not sampled, or the record did not start):
	// the host span then just ends.
	End(span *Span)
}

// MetricPoint is one GenAI histogram recording as libsigil makes it: the
// instrument and the value with libsigil's attributes (all strings).
type MetricPoint struct {
	Name        string
	Unit        string
	Description string
	// Bounds are libsigil's explicit bucket boundaries.
	Bounds     []float64
	Value      float64
	Attributes []Attribute
}

// HostTelemetryFactory builds a client's HostTelemetry from Config.Tracer and
// Config.Meter (either may be nil: the adapter then uses the global ones).
type HostTelemetryFactory func(tracer, meter any) (HostTelemetry, error)

var (
	hostFactoryMu sync.RWMutex
	hostFactory   HostTelemetryFactory
)

// RegisterHostTelemetry installs the factory NewClient uses for
// Config.Tracer and Config.Meter. The adapter module calls it from its init;
// the last registration wins.
func RegisterHostTelemetry(factory HostTelemetryFactory) {
	hostFactoryMu.Lock()
	hostFactory = factory
	hostFactoryMu.Unlock()
}

func registeredHostFactory() HostTelemetryFactory {
	hostFactoryMu.RLock()
	defer hostFactoryMu.RUnlock()
	return hostFactory
}

// hostState is a client's host telemetry and its host spans in flight.
type hostState struct {
	tel      HostTelemetry
	pipeline bool // host or both: recorders start host spans, metrics reach the host meter
	closed   atomic.Bool
	logger   interface{ Printf(string, ...any) }

	mu   sync.Mutex
	open map[string]HostSpan // span id -> host span, from start until libsigil's span
}

// newHostState resolves the telemetry mode. It returns nil when no adapter
// takes part (engine mode without one registered).
func newHostState(cfg *Config, logger interface{ Printf(string, ...any) }) (*hostState, TelemetryMode, error) {
	mode := cfg.Telemetry.Mode
	switch mode {
	case TelemetryModeAuto, TelemetryModeEngine, TelemetryModeHost, TelemetryModeBoth:
	default:
		return nil, mode, (&Error{Code: CodeConfig, Message: fmt.Sprintf(
			"invalid Telemetry.Mode %q (want \"engine\", \"host\" or \"both\")", string(mode))}).with(ErrInvalidConfig)
	}
	given := cfg.Tracer != nil || cfg.Meter != nil
	if mode == TelemetryModeAuto {
		mode = TelemetryModeEngine
		if given {
			mode = TelemetryModeHost
		}
	}
	factory := registeredHostFactory()
	if factory == nil {
		if mode != TelemetryModeEngine {
			if cfg.Telemetry.Mode == TelemetryModeAuto {
				// Source compatibility with the reference: a Tracer or Meter
				// without the adapter is accepted and said to be unused.
				logger.Printf("sigil: Config.Tracer/Config.Meter are not used: import " +
					"github.com/libsigil/libsigil/bindings/go/otel to send spans and metrics through them")
				return nil, TelemetryModeEngine, nil
			}
			return nil, mode, (&Error{Code: CodeConfig, Message: "Telemetry.Mode " + string(mode) +
				" needs the OpenTelemetry adapter: import github.com/libsigil/libsigil/bindings/go/otel"}).with(ErrInvalidConfig)
		}
		return nil, mode, nil
	}
	tel, err := factory(cfg.Tracer, cfg.Meter)
	if err != nil {
		return nil, mode, (&Error{Code: CodeConfig, Message: err.Error(), wraps: []error{err}}).with(ErrInvalidConfig)
	}
	if tel == nil {
		return nil, mode, nil
	}
	return &hostState{tel: tel, pipeline: mode != TelemetryModeEngine, logger: logger,
		open: make(map[string]HostSpan)}, mode, nil
}

func pipelineCode(mode TelemetryMode) C.uint32_t {
	switch mode {
	case TelemetryModeHost:
		return C.SIGIL_TELEMETRY_PIPELINE_HOST
	case TelemetryModeBoth:
		return C.SIGIL_TELEMETRY_PIPELINE_BOTH
	}
	return C.SIGIL_TELEMETRY_PIPELINE_ENGINE
}

// spanIDOf is the span id of a traceparent ("00-<32>-<16>-<2>").
func spanIDOf(tp string) string {
	if len(tp) < 52 {
		return ""
	}
	return tp[36:52]
}

// hostStart is what a Start call hands the engine and keeps for End.
type hostStart struct {
	parent      string // the engine's parent traceparent
	parentLocal bool
	spanTP      string // the host span's traceparent, "" for none
	hostCtx     context.Context
	span        HostSpan
}

// beginHost picks the recorder's parent and, in the host pipeline, starts its
// host span. *startNs becomes the explicit start time then, so the engine's
// span and the host span start at the same instant.
func (c *Client) beginHost(ctx context.Context, cv *contextValues, kind RecordKind, name string,
	startNs *C.int64_t) hostStart {
	hs := hostStart{parent: cv.traceparent, parentLocal: cv.traceparent != "" && !cv.explicitParent}
	h := c.host
	if h == nil {
		return hs
	}
	if !cv.explicitParent {
		if tp, remote, ok := h.tel.Parent(ctx); ok {
			hs.parent, hs.parentLocal = tp, !remote
		}
	}
	if !h.pipeline || h.closed.Load() {
		return hs
	}
	if *startNs == 0 {
		*startNs = C.int64_t(time.Now().UnixNano())
	}
	explicit := ""
	if cv.explicitParent {
		explicit = cv.traceparent
	}
	hctx, span := c.safeStartSpan(ctx, explicit, kind, name, time.Unix(0, int64(*startNs)))
	if span == nil {
		return hs
	}
	tp := span.Traceparent()
	if tp == "" {
		span.End(nil)
		return hs
	}
	hs.spanTP, hs.hostCtx, hs.span = tp, hctx, span
	h.mu.Lock()
	h.open[spanIDOf(tp)] = span
	h.mu.Unlock()
	return hs
}

func (c *Client) safeStartSpan(ctx context.Context, explicit string, kind RecordKind, name string,
	start time.Time) (hctx context.Context, span HostSpan) {
	defer func() {
		if r := recover(); r != nil {
			c.logger.Printf("sigil: starting a span with the host tracer failed: %v", r)
			hctx, span = nil, nil
		}
	}()
	return c.host.tel.StartSpan(ctx, explicit, true, kind, name, start)
}

// afterHost returns the context a Start call hands back: ctx carrying the
// recorder's span as the host's current span (the host span, or the engine's
// span when there is none), and ends a host span whose record did not start.
func (c *Client) afterHost(ctx context.Context, hs hostStart, engineTP string, started bool) context.Context {
	h := c.host
	if h == nil {
		return ctx
	}
	if hs.span != nil && !started {
		c.endHostSpan(hs.spanTP)
		return ctx
	}
	if hs.span != nil {
		return hs.hostCtx
	}
	if engineTP != "" {
		return h.tel.ContextWithSpan(ctx, engineTP)
	}
	return ctx
}

// endHostSpan ends a host span libsigil gave no span for (not sampled, or
// the record never started); a span already ended from the span callback is
// gone from the map.
func (c *Client) endHostSpan(tp string) {
	h := c.host
	if h == nil || tp == "" {
		return
	}
	id := spanIDOf(tp)
	h.mu.Lock()
	span, ok := h.open[id]
	delete(h.open, id)
	h.mu.Unlock()
	if ok {
		h.endSpan(span, nil)
	}
}

func (h *hostState) endSpan(span HostSpan, s *Span) {
	defer func() {
		if r := recover(); r != nil {
			h.logger.Printf("sigil: handing a span to the host tracer failed: %v", r)
		}
	}()
	span.End(s)
}

// onSpan receives libsigil's finished span (span callback).
func (h *hostState) onSpan(s *Span) {
	h.mu.Lock()
	span, ok := h.open[s.SpanID]
	delete(h.open, s.SpanID)
	h.mu.Unlock()
	if ok {
		h.endSpan(span, s)
	}
}

//export sigilGoMetric
func sigilGoMetric(handle C.uintptr_t, point unsafe.Pointer) {
	cb, ok := cgo.Handle(handle).Value().(*goCallbacks)
	if !ok || cb.host == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			cb.host.logger.Printf("sigil: recording a metric through the host meter failed: %v", r)
		}
	}()
	p := (*C.sigil_metric_point_t)(point)
	out := MetricPoint{
		Name:        C.GoStringN(p.name, C.int(p.name_len)),
		Unit:        C.GoStringN(p.unit, C.int(p.unit_len)),
		Description: C.GoStringN(p.description, C.int(p.description_len)),
		Value:       float64(p.value),
		Attributes:  goAttributes(p.attributes, p.attributes_count),
	}
	if p.explicit_bounds_count > 0 {
		for _, b := range unsafe.Slice(p.explicit_bounds, int(p.explicit_bounds_count)) {
			out.Bounds = append(out.Bounds, float64(b))
		}
	}
	cb.host.tel.RecordMetric(out)
}

// spanName is the name a recorder's host span starts with (libsigil's span
// replaces it at End).
func spanName(operation, subject string) string {
	if subject == "" {
		return operation
	}
	var b strings.Builder
	b.Grow(len(operation) + 1 + len(subject))
	b.WriteString(operation)
	b.WriteByte(' ')
	b.WriteString(subject)
	return b.String()
}
