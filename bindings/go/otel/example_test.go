package sigilotel_test

import (
	"context"
	"fmt"

	_ "github.com/libsigil/libsigil/bindings/go/otel" // registers the OpenTelemetry adapter
	sigil "github.com/libsigil/libsigil/bindings/go/sigil"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// The host pipeline as the README's Telemetry section shows it: the
// application's tracer and meter in Config, and the application's own span
// started from the context StartGeneration returned nests under the
// generation.
func Example_hostPipeline() {
	spans := tracetest.NewInMemoryExporter()
	tracerProvider := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	meterProvider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer func() { _ = tracerProvider.Shutdown(context.Background()) }()
	defer func() { _ = meterProvider.Shutdown(context.Background()) }()

	cfg := sigil.DefaultConfig()
	cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolNone
	cfg.Tracer = tracerProvider.Tracer("my-app")
	cfg.Meter = meterProvider.Meter("my-app")
	client := sigil.NewClient(cfg)
	defer func() { _ = client.Shutdown(context.Background()) }()

	ctx, rec := client.StartGeneration(context.Background(), sigil.GenerationStart{
		Model: sigil.ModelRef{Provider: "openai", Name: "gpt-4o"},
	})
	_, call := tracerProvider.Tracer("my-app").Start(ctx, "POST /v1/chat/completions")
	call.End()
	rec.End()

	for _, s := range spans.GetSpans() {
		fmt.Println(s.Name)
	}
	// Output:
	// POST /v1/chat/completions
	// generateText gpt-4o
}
