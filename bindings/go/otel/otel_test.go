package sigilotel_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	sigilotel "github.com/libsigil/libsigil/bindings/go/otel"
	sigil "github.com/libsigil/libsigil/bindings/go/sigil"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// host is one test's OpenTelemetry SDK set-up: a tracer provider with an
// in-memory exporter and a meter provider with a manual reader.
type host struct {
	spans  *tracetest.InMemoryExporter
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
}

func newHost(t *testing.T, sampler sdktrace.Sampler) *host {
	t.Helper()
	h := &host{spans: tracetest.NewInMemoryExporter(), reader: sdkmetric.NewManualReader()}
	h.tp = sdktrace.NewTracerProvider(sdktrace.WithSyncer(h.spans), sdktrace.WithSampler(sampler))
	h.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.reader))
	t.Cleanup(func() {
		_ = h.tp.Shutdown(context.Background())
		_ = h.mp.Shutdown(context.Background())
	})
	return h
}

func (h *host) tracer() trace.Tracer { return h.tp.Tracer("app") }

// engineSpans collects the spans libsigil hands Telemetry.OnSpan: the spans
// its OTLP exporter sends.
type engineSpans struct {
	mu    sync.Mutex
	spans []sigil.Span
}

func (e *engineSpans) add(s sigil.Span) { e.mu.Lock(); e.spans = append(e.spans, s); e.mu.Unlock() }

func (e *engineSpans) all() []sigil.Span {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]sigil.Span(nil), e.spans...)
}

func newClient(t *testing.T, h *host, mode sigil.TelemetryMode) (*sigil.Client, *engineSpans) {
	t.Helper()
	cfg := sigil.DefaultConfig()
	cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolNone
	if h != nil {
		cfg.Tracer = h.tracer()
		cfg.Meter = h.mp.Meter("app")
	}
	cfg.Telemetry.Mode = mode
	es := &engineSpans{}
	cfg.Telemetry.OnSpan = es.add
	c, err := sigil.NewClientWithError(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Shutdown(context.Background()) })
	return c, es
}

var model = sigil.ModelRef{Provider: "openai", Name: "gpt-4o"}

func generation() sigil.Generation {
	return sigil.Generation{
		Input:  []sigil.Message{sigil.UserTextMessage("hello")},
		Output: []sigil.Message{sigil.AssistantTextMessage("hi")},
		Usage:  sigil.TokenUsage{InputTokens: 12, OutputTokens: 5},
	}
}

func byName(spans tracetest.SpanStubs, name string) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, s := range spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

func one(t *testing.T, spans tracetest.SpanStubs, name string) tracetest.SpanStub {
	t.Helper()
	got := byName(spans, name)
	if len(got) != 1 {
		names := []string{}
		for _, s := range spans {
			names = append(names, s.Name)
		}
		t.Fatalf("%d spans named %q, want 1 (have %v)", len(got), name, names)
	}
	return got[0]
}

// A generation started inside a host span is its child; inside the
// generation's context, an application span and a tool execution are the
// generation's children; all of them reach the host exporter once.
func TestHostPipelineNesting(t *testing.T) {
	h := newHost(t, sdktrace.AlwaysSample())
	c, es := newClient(t, h, sigil.TelemetryModeAuto)
	ctx, request := h.tracer().Start(context.Background(), "request")
	genCtx, rec := c.StartGeneration(ctx, sigil.GenerationStart{Model: model})
	if got := trace.SpanFromContext(genCtx); !got.IsRecording() {
		t.Fatal("the context StartGeneration returned does not hold the recording host span")
	}
	_, httpSpan := h.tracer().Start(genCtx, "http call")
	httpSpan.End()
	_, tool := c.StartToolExecution(genCtx, sigil.ToolExecutionStart{ToolName: "weather"})
	tool.SetResult(sigil.ToolExecutionEnd{Arguments: `{"city":"Oslo"}`, Result: "sunny"})
	tool.End()
	rec.SetResult(generation(), nil)
	rec.End()
	request.End()
	if rec.Err() != nil || tool.Err() != nil {
		t.Fatalf("errors: %v, %v", rec.Err(), tool.Err())
	}

	spans := h.spans.GetSpans()
	if len(spans) != 4 {
		t.Fatalf("%d host spans, want 4", len(spans))
	}
	req := one(t, spans, "request")
	gen := one(t, spans, "generateText gpt-4o")
	call := one(t, spans, "http call")
	exec := one(t, spans, "execute_tool weather")
	if gen.Parent.SpanID() != req.SpanContext.SpanID() || gen.SpanContext.TraceID() != req.SpanContext.TraceID() {
		t.Errorf("generation parent %s, want the request span %s", gen.Parent.SpanID(), req.SpanContext.SpanID())
	}
	for _, child := range []tracetest.SpanStub{call, exec} {
		if child.Parent.SpanID() != gen.SpanContext.SpanID() {
			t.Errorf("%s: parent %s, want the generation %s", child.Name, child.Parent.SpanID(), gen.SpanContext.SpanID())
		}
	}
	if gen.SpanKind != trace.SpanKindClient || exec.SpanKind != trace.SpanKindInternal {
		t.Errorf("kinds: generation %v, tool %v", gen.SpanKind, exec.SpanKind)
	}
	// The engine's spans are the host spans: same ids.
	engine := es.all()
	if len(engine) != 2 {
		t.Fatalf("%d engine spans, want 2", len(engine))
	}
	ids := map[string]bool{gen.SpanContext.SpanID().String(): true, exec.SpanContext.SpanID().String(): true}
	for _, s := range engine {
		if !ids[s.SpanID] {
			t.Errorf("engine span %s %s is not one of the host spans", s.Name, s.SpanID)
		}
	}
}

func attrMap(kvs []attribute.KeyValue) map[string]any {
	out := map[string]any{}
	for _, kv := range kvs {
		out[string(kv.Key)] = kv.Value.AsInterface()
	}
	return out
}

func engineAttrMap(attrs []sigil.Attribute) map[string]any {
	out := map[string]any{}
	for _, a := range attrs {
		out[a.Key] = a.Value.AsInterface()
	}
	return out
}

// The host span carries exactly the engine's span: name, attributes, events,
// status and timestamps (the span libsigil's OTLP exporter sends), for a
// success and for a call error.
func TestHostSpanMatchesEngineSpan(t *testing.T) {
	h := newHost(t, sdktrace.AlwaysSample())
	c, es := newClient(t, h, sigil.TelemetryModeBoth)
	_, ok := c.StartGeneration(context.Background(), sigil.GenerationStart{Model: model, ConversationID: "conv-1",
		AgentName: "planner", Tags: map[string]string{"team": "a"}})
	ok.SetResult(generation(), nil)
	ok.End()
	_, bad := c.StartStreamingGeneration(context.Background(), sigil.GenerationStart{Model: model})
	bad.SetFirstTokenAt(time.Now())
	bad.SetCallError(errors.New("rate limited"))
	bad.End()
	_, emb := c.StartEmbedding(context.Background(), sigil.EmbeddingStart{Model: sigil.ModelRef{Provider: "openai", Name: "text-embedding-3-small"}})
	emb.SetResult(sigil.EmbeddingResult{InputCount: 2, InputTokens: 9})
	emb.End()

	hostByID := map[string]tracetest.SpanStub{}
	for _, s := range h.spans.GetSpans() {
		hostByID[s.SpanContext.SpanID().String()] = s
	}
	engine := es.all()
	if len(engine) != 3 || len(hostByID) != 3 {
		t.Fatalf("engine spans %d, host spans %d, want 3 each", len(engine), len(hostByID))
	}
	sawError := false
	for _, e := range engine {
		s, found := hostByID[e.SpanID]
		if !found {
			t.Fatalf("engine span %s (%s) has no host span", e.Name, e.SpanID)
		}
		if s.Name != e.Name || s.SpanContext.TraceID().String() != e.TraceID {
			t.Errorf("name/trace: host %q %s, engine %q %s", s.Name, s.SpanContext.TraceID(), e.Name, e.TraceID)
		}
		if !s.StartTime.Equal(e.StartTime) || !s.EndTime.Equal(e.EndTime) {
			t.Errorf("%s: times host %v..%v, engine %v..%v", e.Name, s.StartTime, s.EndTime, e.StartTime, e.EndTime)
		}
		if got, want := attrMap(s.Attributes), engineAttrMap(e.Attributes); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: attributes\nhost   %v\nengine %v", e.Name, got, want)
		}
		if len(s.Events) != len(e.Events) {
			t.Errorf("%s: %d host events, %d engine events", e.Name, len(s.Events), len(e.Events))
		}
		for i := range e.Events {
			if i < len(s.Events) && (s.Events[i].Name != e.Events[i].Name || !s.Events[i].Time.Equal(e.Events[i].Time) ||
				fmt.Sprint(attrMap(s.Events[i].Attributes)) != fmt.Sprint(engineAttrMap(e.Events[i].Attributes))) {
				t.Errorf("%s: event %d differs: host %+v engine %+v", e.Name, i, s.Events[i], e.Events[i])
			}
		}
		switch e.StatusCode {
		case sigil.SpanStatusError:
			sawError = true
			if s.Status.Code != codes.Error || s.Status.Description != e.StatusMessage {
				t.Errorf("%s: status %+v, engine error %q", e.Name, s.Status, e.StatusMessage)
			}
		case sigil.SpanStatusUnset:
			if s.Status.Code != codes.Unset {
				t.Errorf("%s: status %+v, engine unset", e.Name, s.Status)
			}
		}
	}
	if !sawError {
		t.Error("the call error gave no error status")
	}
}

// The host sampler decides: a dropped span reaches neither the host exporter
// nor the engine's span callback, while its metrics are still recorded; a
// kept one reaches both.
func TestHostSamplerDecides(t *testing.T) {
	h := newHost(t, sdktrace.ParentBased(sdktrace.NeverSample()))
	c, es := newClient(t, h, sigil.TelemetryModeAuto)

	_, dropped := c.StartGeneration(context.Background(), sigil.GenerationStart{Model: model}) // root: never sampled
	dropped.SetResult(generation(), nil)
	dropped.End()
	if n := len(h.spans.GetSpans()); n != 0 {
		t.Fatalf("%d host spans for a dropped root, want 0", n)
	}
	if n := len(es.all()); n != 0 {
		t.Fatalf("%d engine spans for a dropped root, want 0", n)
	}
	if n := histogramCount(t, h, "gen_ai.client.operation.duration"); n != 1 {
		t.Fatalf("operation.duration count %d after a dropped span, want 1", n)
	}

	// A sampled remote parent keeps the child (ParentBased).
	parent := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5},
		TraceFlags: trace.FlagsSampled, Remote: true})
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), parent)
	_, kept := c.StartGeneration(ctx, sigil.GenerationStart{Model: model})
	kept.SetResult(generation(), nil)
	kept.End()
	spans := h.spans.GetSpans()
	if len(spans) != 1 || spans[0].Parent.SpanID() != parent.SpanID() || spans[0].SpanContext.TraceID() != parent.TraceID() {
		t.Fatalf("kept spans %+v, want one child of the remote parent", spans)
	}
	if e := es.all(); len(e) != 1 || e[0].ParentSpanID != parent.SpanID().String() {
		t.Fatalf("engine spans %+v, want one child of the remote parent", e)
	}
}

func collect(t *testing.T, h *host) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := h.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm
}

func histogram(t *testing.T, h *host, name string) (metricdata.Metrics, metricdata.Histogram[float64], bool) {
	t.Helper()
	for _, sm := range collect(t, h).ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				hist, ok := m.Data.(metricdata.Histogram[float64])
				if !ok {
					t.Fatalf("%s is a %T", name, m.Data)
				}
				return m, hist, true
			}
		}
	}
	return metricdata.Metrics{}, metricdata.Histogram[float64]{}, false
}

func histogramCount(t *testing.T, h *host, name string) uint64 {
	_, hist, _ := histogram(t, h, name)
	var n uint64
	for _, dp := range hist.DataPoints {
		n += dp.Count
	}
	return n
}

// The four GenAI histograms reach the host meter with the reference's
// attributes, and the engine's units, descriptions and bucket boundaries.
func TestHostMeterGetsGenAIHistograms(t *testing.T) {
	h := newHost(t, sdktrace.AlwaysSample())
	c, _ := newClient(t, h, sigil.TelemetryModeAuto)
	start := time.Now().Add(-2 * time.Second)
	_, rec := c.StartStreamingGeneration(context.Background(), sigil.GenerationStart{Model: model, AgentName: "planner",
		StartedAt: start})
	rec.SetFirstTokenAt(start.Add(500 * time.Millisecond))
	g := generation()
	g.Output = append(g.Output, sigil.Message{Role: sigil.RoleAssistant, Parts: []sigil.Part{
		sigil.ToolCallPart(sigil.ToolCall{ID: "call-1", Name: "weather", InputJSON: []byte(`{}`)})}})
	rec.SetResult(g, nil)
	rec.End()
	if rec.Err() != nil {
		t.Fatal(rec.Err())
	}

	var snapshot struct {
		Metrics []struct {
			Name           string    `json:"name"`
			Unit           string    `json:"unit"`
			ExplicitBounds []float64 `json:"explicit_bounds"`
		} `json:"metrics"`
	}
	raw, err := c.MetricsSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &snapshot); err != nil {
		t.Fatal(err)
	}
	engineBounds := map[string][]float64{}
	for _, m := range snapshot.Metrics {
		engineBounds[m.Name] = m.ExplicitBounds
	}

	common := []string{"gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.model", "gen_ai.agent.name"}
	for name, want := range map[string][]string{
		"gen_ai.client.operation.duration":       common,
		"gen_ai.client.token.usage":              append(append([]string{}, common...), "gen_ai.token.type"),
		"gen_ai.client.time_to_first_token":      {"gen_ai.provider.name", "gen_ai.request.model"},
		"gen_ai.client.tool_calls_per_operation": {"gen_ai.provider.name", "gen_ai.request.model", "gen_ai.agent.name"},
	} {
		m, hist, found := histogram(t, h, name)
		if !found || len(hist.DataPoints) == 0 {
			t.Errorf("%s: not recorded through the host meter", name)
			continue
		}
		if m.Unit == "" || m.Description == "" {
			t.Errorf("%s: unit %q description %q", name, m.Unit, m.Description)
		}
		if b := engineBounds[name]; len(b) == 0 || fmt.Sprint(hist.DataPoints[0].Bounds) != fmt.Sprint(b) {
			t.Errorf("%s: bounds %v, engine's %v", name, hist.DataPoints[0].Bounds, b)
		}
		for _, dp := range hist.DataPoints {
			for _, key := range want {
				if _, ok := dp.Attributes.Value(attribute.Key(key)); !ok {
					t.Errorf("%s: a point lacks %s (%v)", name, key, dp.Attributes.ToSlice())
				}
			}
			if v, _ := dp.Attributes.Value("gen_ai.request.model"); v.AsString() != "gpt-4o" {
				t.Errorf("%s: model %q", name, v.AsString())
			}
		}
	}
	_, usage, _ := histogram(t, h, "gen_ai.client.token.usage")
	tokens := map[string]float64{}
	for _, dp := range usage.DataPoints {
		v, _ := dp.Attributes.Value("gen_ai.token.type")
		tokens[v.AsString()] += dp.Sum
	}
	if tokens["input"] != 12 || tokens["output"] != 5 {
		t.Errorf("token usage by type %v, want input 12 and output 5", tokens)
	}
	_, ttft, _ := histogram(t, h, "gen_ai.client.time_to_first_token")
	if dp := ttft.DataPoints[0]; dp.Count != 1 || dp.Sum < 0.49 || dp.Sum > 0.51 {
		t.Errorf("time to first token %+v, want one point of 0.5 s", dp)
	}
	_, calls, _ := histogram(t, h, "gen_ai.client.tool_calls_per_operation")
	if dp := calls.DataPoints[0]; dp.Sum != 1 {
		t.Errorf("tool calls per operation sum %v, want 1", dp.Sum)
	}
}

// Many goroutines recording at once: every span reaches the host exporter
// once, with its own ids, and every tool execution is its generation's child.
func TestHostPipelineConcurrent(t *testing.T) {
	h := newHost(t, sdktrace.AlwaysSample())
	c, _ := newClient(t, h, sigil.TelemetryModeAuto)
	const workers, each = 16, 25
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				ctx, rec := c.StartGeneration(context.Background(), sigil.GenerationStart{Model: model,
					ConversationID: fmt.Sprintf("conv-%d-%d", w, i)})
				_, tool := c.StartToolExecution(ctx, sigil.ToolExecutionStart{ToolName: fmt.Sprintf("tool-%d", w)})
				tool.End()
				rec.SetResult(generation(), nil)
				rec.End()
			}
		}(w)
	}
	wg.Wait()
	spans := h.spans.GetSpans()
	if len(spans) != 2*workers*each {
		t.Fatalf("%d host spans, want %d", len(spans), 2*workers*each)
	}
	gens := map[trace.SpanID]bool{}
	for _, s := range spans {
		if s.SpanKind == trace.SpanKindClient {
			if gens[s.SpanContext.SpanID()] {
				t.Fatalf("span id %s twice", s.SpanContext.SpanID())
			}
			gens[s.SpanContext.SpanID()] = true
		}
	}
	for _, s := range spans {
		if s.SpanKind == trace.SpanKindInternal && !gens[s.Parent.SpanID()] {
			t.Fatalf("tool span %s: parent %s is no generation", s.Name, s.Parent.SpanID())
		}
		if _, ok := attrMap(s.Attributes)["gen_ai.operation.name"]; !ok {
			t.Fatalf("span %s lacks the engine's attributes", s.Name)
		}
	}
	if n := histogramCount(t, h, "gen_ai.client.operation.duration"); n != workers*each*2 {
		t.Fatalf("operation.duration count %d, want %d", n, workers*each*2)
	}
}

// The host providers shut down before the client: recording still works,
// nothing panics, and the client shuts down cleanly.
func TestHostProviderShutDownFirst(t *testing.T) {
	h := newHost(t, sdktrace.AlwaysSample())
	c, _ := newClient(t, h, sigil.TelemetryModeAuto)
	_, early := c.StartGeneration(context.Background(), sigil.GenerationStart{Model: model})
	if err := h.tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := h.mp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	early.SetResult(generation(), nil)
	early.End()
	_, late := c.StartGeneration(context.Background(), sigil.GenerationStart{Model: model})
	late.SetResult(generation(), nil)
	late.End()
	if early.Err() != nil || late.Err() != nil {
		t.Fatalf("errors: %v, %v", early.Err(), late.Err())
	}
	if err := c.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(h.spans.GetSpans()); n != 0 {
		t.Fatalf("%d spans exported after the provider shut down, want 0", n)
	}
}

// The client shuts down before the host providers: what was recorded is in
// the host exporter and reader, and the providers shut down cleanly after.
func TestClientShutDownFirst(t *testing.T) {
	h := newHost(t, sdktrace.AlwaysSample())
	c, _ := newClient(t, h, sigil.TelemetryModeAuto)
	_, rec := c.StartGeneration(context.Background(), sigil.GenerationStart{Model: model})
	rec.SetResult(generation(), nil)
	rec.End()
	if err := c.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, after := c.StartGeneration(context.Background(), sigil.GenerationStart{Model: model})
	after.End() // a shut-down client records nothing, and says so
	if n := histogramCount(t, h, "gen_ai.client.operation.duration"); n != 1 {
		t.Fatalf("operation.duration count %d, want 1", n)
	}
	if n := len(h.spans.GetSpans()); n != 1 {
		t.Fatalf("%d spans, want 1", n)
	}
	if err := h.tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := h.mp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Engine mode with the adapter: parenting still follows the host context
// both ways, and the host tracer gets no span of ours.
func TestEngineModeParentsBothWays(t *testing.T) {
	h := newHost(t, sdktrace.AlwaysSample())
	c, es := newClient(t, h, sigil.TelemetryModeEngine)
	ctx, request := h.tracer().Start(context.Background(), "request")
	genCtx, rec := c.StartGeneration(ctx, sigil.GenerationStart{Model: model})
	_, inner := h.tracer().Start(genCtx, "http call")
	inner.End()
	rec.SetResult(generation(), nil)
	rec.End()
	request.End()
	engine := es.all()
	if len(engine) != 1 || engine[0].ParentSpanID != request.SpanContext().SpanID().String() {
		t.Fatalf("engine spans %+v, want one child of the request span", engine)
	}
	spans := h.spans.GetSpans()
	if len(spans) != 2 {
		t.Fatalf("%d host spans, want 2 (the application's own)", len(spans))
	}
	call := one(t, spans, "http call")
	if call.Parent.SpanID().String() != engine[0].SpanID || call.SpanContext.TraceID().String() != engine[0].TraceID {
		t.Fatalf("the application's span has parent %s, want the generation %s", call.Parent.SpanID(), engine[0].SpanID)
	}
	if n := histogramCount(t, h, "gen_ai.client.operation.duration"); n != 0 {
		t.Fatalf("engine mode recorded %d points through the host meter", n)
	}
}

// A no-op host tracer: libsigil makes the ids, and the returned context still
// holds the recorder's span for spans started from it.
func TestNoopTracer(t *testing.T) {
	cfg := sigil.DefaultConfig()
	cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolNone
	cfg.Tracer = noop.NewTracerProvider().Tracer("app")
	es := &engineSpans{}
	cfg.Telemetry.OnSpan = es.add
	c, err := sigil.NewClientWithError(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Shutdown(context.Background()) }()
	genCtx, rec := c.StartGeneration(context.Background(), sigil.GenerationStart{Model: model})
	rec.SetResult(generation(), nil)
	rec.End()
	sc := trace.SpanContextFromContext(genCtx)
	if e := es.all(); len(e) != 1 || !sc.IsValid() || sc.SpanID().String() != e[0].SpanID {
		t.Fatalf("engine spans %+v, context span %v", e, sc)
	}
}

// ContextWithTraceparent wins over the host context and makes a remote parent.
func TestExplicitTraceparentParentsHostSpan(t *testing.T) {
	h := newHost(t, sdktrace.AlwaysSample())
	c, _ := newClient(t, h, sigil.TelemetryModeAuto)
	ctx, other := h.tracer().Start(context.Background(), "other")
	const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	_, rec := c.StartGeneration(sigil.ContextWithTraceparent(ctx, tp), sigil.GenerationStart{Model: model})
	rec.End()
	other.End()
	gen := one(t, h.spans.GetSpans(), "generateText gpt-4o")
	if gen.Parent.TraceID().String() != "0af7651916cd43dd8448eb211c80319c" ||
		gen.Parent.SpanID().String() != "b7ad6b7169203331" || !gen.Parent.IsRemote() {
		t.Fatalf("parent %+v, want the explicit remote traceparent", gen.Parent)
	}
}

// Bad configuration is a clear error.
func TestBadConfiguration(t *testing.T) {
	for name, cfg := range map[string]func(*sigil.Config){
		"tracer of another type": func(c *sigil.Config) { c.Tracer = "not a tracer" },
		"meter of another type":  func(c *sigil.Config) { c.Meter = 42 },
		"unknown mode":           func(c *sigil.Config) { c.Telemetry.Mode = "sideways" },
	} {
		t.Run(name, func(t *testing.T) {
			c := sigil.DefaultConfig()
			c.GenerationExport.Protocol = sigil.GenerationExportProtocolNone
			cfg(&c)
			_, err := sigil.NewClientWithError(c)
			if !errors.Is(err, sigil.ErrInvalidConfig) {
				t.Fatalf("err = %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestTraceparentRoundTrip(t *testing.T) {
	const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	sc, err := sigilotel.ParseTraceparent(tp, true)
	if err != nil || !sc.IsRemote() || sigilotel.Traceparent(sc) != tp {
		t.Fatalf("%v %v %q", sc, err, sigilotel.Traceparent(sc))
	}
	for _, bad := range []string{"", "00-xyz", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-zz"} {
		if _, err := sigilotel.ParseTraceparent(bad, false); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// Agent spans go through the host tracer like generations do: an agent
// started inside an application span is its child, the chain and the
// generation started from the agent's context nest under it, an application
// span started inside the chain is the chain's child, and every host span
// carries the engine's span (same ids, kind INTERNAL, attributes, events).
func TestHostPipelineSpans(t *testing.T) {
	h := newHost(t, sdktrace.AlwaysSample())
	c, es := newClient(t, h, sigil.TelemetryModeAuto)
	ctx, request := h.tracer().Start(context.Background(), "request")
	agentCtx, agent := c.StartSpan(ctx, sigil.SpanStart{Kind: sigil.SpanKindAgent, Name: "planner"})
	chainCtx, chain := c.StartSpan(agentCtx, sigil.SpanStart{Kind: sigil.SpanKindChain, Name: "plan"})
	if !trace.SpanFromContext(chainCtx).IsRecording() {
		t.Fatal("the context StartSpan returned does not hold the recording host span")
	}
	_, app := h.tracer().Start(chainCtx, "app step")
	app.End()
	_, gen := c.StartGeneration(chainCtx, sigil.GenerationStart{Model: model})
	gen.End()
	chain.SetAttributes(sigil.Int("documents", 2))
	chain.AddEvent("ranked", sigil.String("top", "doc-1"))
	chain.End()
	agent.End()
	request.End()
	for _, err := range []error{agent.Err(), chain.Err(), gen.Err()} {
		if err != nil {
			t.Fatal(err)
		}
	}

	spans := h.spans.GetSpans()
	req, a := one(t, spans, "request"), one(t, spans, "invoke_agent planner")
	pl, ap, g := one(t, spans, "plan"), one(t, spans, "app step"), one(t, spans, "generateText gpt-4o")
	if a.Parent.SpanID() != req.SpanContext.SpanID() || pl.Parent.SpanID() != a.SpanContext.SpanID() {
		t.Errorf("agent parent %s (request %s), chain parent %s (agent %s)", a.Parent.SpanID(),
			req.SpanContext.SpanID(), pl.Parent.SpanID(), a.SpanContext.SpanID())
	}
	for _, child := range []tracetest.SpanStub{ap, g} {
		if child.Parent.SpanID() != pl.SpanContext.SpanID() {
			t.Errorf("%s: parent %s, want the chain %s", child.Name, child.Parent.SpanID(), pl.SpanContext.SpanID())
		}
	}
	if a.SpanKind != trace.SpanKindInternal || pl.SpanKind != trace.SpanKindInternal {
		t.Errorf("kinds: agent %v, chain %v", a.SpanKind, pl.SpanKind)
	}
	attrs := attrMap(pl.Attributes)
	if attrs["sigil.span.kind"] != "chain" || attrs["documents"] != int64(2) {
		t.Errorf("chain attributes %v", attrs)
	}
	if len(pl.Events) != 1 || pl.Events[0].Name != "ranked" {
		t.Errorf("chain events %v", pl.Events)
	}
	if attrMap(a.Attributes)["gen_ai.operation.name"] != "invoke_agent" {
		t.Errorf("agent attributes %v", attrMap(a.Attributes))
	}
	if agent.Traceparent() != sigilotel.Traceparent(a.SpanContext) {
		t.Errorf("Traceparent() %s, host span %s", agent.Traceparent(), sigilotel.Traceparent(a.SpanContext))
	}
	ids := map[string]bool{}
	for _, s := range es.all() {
		ids[s.SpanID] = true
	}
	for _, s := range []tracetest.SpanStub{a, pl, g} {
		if !ids[s.SpanContext.SpanID().String()] {
			t.Errorf("host span %s has no engine span with its id", s.Name)
		}
	}
}

// An extracted remote parent continues its trace through the host tracer too.
func TestHostPipelineExtractedParent(t *testing.T) {
	h := newHost(t, sdktrace.AlwaysSample())
	c, _ := newClient(t, h, sigil.TelemetryModeHost)
	const remote = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	ctx := sigil.Extract(context.Background(), sigil.MapCarrier{"traceparent": remote})
	_, s := c.StartSpan(ctx, sigil.SpanStart{Kind: sigil.SpanKindTask, Name: "service"})
	s.End()
	got := one(t, h.spans.GetSpans(), "service")
	if got.SpanContext.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" ||
		got.Parent.SpanID().String() != "00f067aa0ba902b7" || !got.Parent.IsRemote() {
		t.Errorf("service span: trace %s, parent %s (remote %v)", got.SpanContext.TraceID(), got.Parent.SpanID(),
			got.Parent.IsRemote())
	}
}
