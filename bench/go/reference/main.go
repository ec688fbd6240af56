// The Go benchmark program for the reference SDK (github.com/grafana/sigil/sdks/go);
// see bench/README.md. Its spans go through a batch span processor to an
// exporter that drops them and its metrics to a manual reader, the way its
// users wire an OpenTelemetry SDK into it.
//
//	cd bench/go/reference && go build -mod=mod -o sigil-bench-go-reference .
//	./sigil-bench-go-reference --params '<json>'
//
// go.mod names the reference module by its public path, pinned to the commit
// benchmarked (273d63787c23, 2026-03-22). go.sum holds the sums of every other
// module but not the reference's: the Go module proxy this project's CI uses
// does not serve that module, so its sums could not be recorded. Where a proxy
// serves it, -mod=mod (or `go mod download github.com/grafana/sigil/sdks/go`)
// fetches it and checks it against the checksum database.
package main

import (
	"context"
	"encoding/json"
	"log"
	"os"
	"strings"
	"time"

	"github.com/grafana/sigil/sdks/go/sigil"
	"github.com/libsigil/libsigil/bench/go/benchkit"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// httpExportPath is the ingest path; the reference's HTTP exporter posts to
// the endpoint URL as given, so the path is part of its endpoint.
const httpExportPath = "/api/v1/generations:export"

type noopSpanExporter struct{}

func (noopSpanExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (noopSpanExporter) Shutdown(context.Context) error                             { return nil }

type impl struct {
	client         *sigil.Client
	tracerProvider *sdktrace.TracerProvider
	meterProvider  *sdkmetric.MeterProvider
	start          sigil.GenerationStart
	result         sigil.Generation
	ctx            context.Context
	closed         bool
}

func (b *impl) Record() (time.Duration, error) {
	t0 := time.Now()
	_, rec := b.client.StartGeneration(b.ctx, b.start)
	rec.SetResult(b.result, nil)
	rec.End()
	elapsed := time.Since(t0)
	return elapsed, rec.Err()
}

// Flush: the reference's Client.Flush exports only the batch its worker
// holds, not what is still queued, so "until everything is delivered" is
// its Shutdown, which drains the queue. The warmup flush (before the timed
// window) uses Flush, leaving at most what was queued behind that batch.
func (b *impl) Flush(d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if b.closed {
		return nil
	}
	if d == benchkit.WarmupFlushDeadline {
		return b.client.Flush(ctx)
	}
	b.closed = true
	return b.client.Shutdown(ctx)
}

// Counters: the reference exposes no delivery counters; a drop reaches the
// caller as ErrQueueFull from the recorder's Err.
func (b *impl) Counters() map[string]uint64 { return nil }

func (b *impl) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !b.closed {
		_ = b.client.Shutdown(ctx)
	}
	_ = b.tracerProvider.Shutdown(ctx)
	_ = b.meterProvider.Shutdown(ctx)
}

func message(m benchkit.Message) sigil.Message {
	out := sigil.Message{Role: sigil.Role(m.Role)}
	if m.Text != "" {
		out.Parts = append(out.Parts, sigil.TextPart(m.Text))
	}
	if tc := m.ToolCall; tc != nil {
		out.Parts = append(out.Parts, sigil.ToolCallPart(sigil.ToolCall{ID: tc.ID, Name: tc.Name,
			InputJSON: json.RawMessage(tc.InputJSON)}))
	}
	return out
}

// models maps the workload to the SDK's types, once, before timing.
func models(w benchkit.Workload) (sigil.GenerationStart, sigil.Generation) {
	s, r := w.Start, w.Result
	maxTokens, temperature := s.MaxTokens, s.Temperature
	start := sigil.GenerationStart{
		ConversationID: s.ConversationID,
		AgentName:      s.AgentName,
		AgentVersion:   s.AgentVersion,
		Model:          sigil.ModelRef{Provider: s.Model.Provider, Name: s.Model.Name},
		MaxTokens:      &maxTokens,
		Temperature:    &temperature,
		Tags:           s.Tags,
	}
	result := sigil.Generation{
		SystemPrompt: r.SystemPrompt,
		Usage: sigil.TokenUsage{InputTokens: r.Usage.InputTokens, OutputTokens: r.Usage.OutputTokens,
			CacheReadInputTokens: r.Usage.CacheReadInputTokens},
		ResponseID:    r.ResponseID,
		ResponseModel: r.ResponseModel,
		StopReason:    r.StopReason,
		Metadata:      map[string]any{},
	}
	for _, m := range r.Input {
		result.Input = append(result.Input, message(m))
	}
	for _, m := range r.Output {
		result.Output = append(result.Output, message(m))
	}
	for k, v := range r.Metadata {
		result.Metadata[k] = v
	}
	return start, result
}

func main() {
	p, w := benchkit.Load()
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(noopSpanExporter{}))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	cfg := sigil.DefaultConfig()
	ex := &cfg.GenerationExport
	ex.Protocol = sigil.GenerationExportProtocol(p.Protocol)
	ex.Insecure = true
	switch p.Protocol {
	case "grpc":
		ex.Endpoint = p.Endpoint
	case "http":
		ex.Endpoint = p.Endpoint
		if rest := strings.TrimPrefix(strings.TrimPrefix(p.Endpoint, "http://"), "https://"); !strings.Contains(rest, "/") {
			ex.Endpoint += httpExportPath
		}
	}
	if p.QueueItems > 0 {
		ex.QueueSize = p.QueueItems
	}
	if p.BatchSize > 0 {
		ex.BatchSize = p.BatchSize
	}
	cfg.Tracer = tp.Tracer("sigil-bench")
	cfg.Meter = mp.Meter("sigil-bench")
	cfg.Logger = log.New(os.Stderr, "", log.LstdFlags)
	start, result := models(w)
	b := &impl{client: sigil.NewClient(cfg), tracerProvider: tp, meterProvider: mp, start: start, result: result,
		ctx: context.Background()}
	benchkit.Run(p, b)
}
