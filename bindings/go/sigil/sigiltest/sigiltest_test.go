package sigiltest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
	"github.com/libsigil/libsigil/bindings/go/sigil/sigiltest"
)

var model = sigil.ModelRef{Provider: "anthropic", Name: "claude-sonnet-4-5"}

func TestEnvCapturesGenerationSpanAndMetrics(t *testing.T) {
	env := sigiltest.NewEnv(t)
	sigiltest.RecordGeneration(t, env, sigil.GenerationStart{ConversationID: "conv-9", Model: model,
		Metadata: map[string]any{"sigil.framework.run_id": "run-1", "sigil.framework.retry_attempt": 3}},
		sigil.Generation{
			Input:  []sigil.Message{sigil.UserTextMessage("hello")},
			Output: []sigil.Message{sigil.AssistantTextMessage("hi")},
			Usage:  sigil.TokenUsage{InputTokens: 5, OutputTokens: 2},
		}, nil)

	g := env.SingleGenerationJSON(t)
	if got := sigiltest.StringValue(t, g, "conversation_id"); got != "conv-9" {
		t.Fatalf("conversation_id = %q", got)
	}
	if got := sigiltest.StringValue(t, g, "output", 0, "parts", 0, "text"); got != "hi" {
		t.Fatalf("output text = %q", got)
	}
	if got := sigiltest.StringValue(t, g, "usage", "input_tokens"); got != "5" {
		t.Fatalf("input_tokens = %q", got)
	}
	sigiltest.RequireRequestCount(t, env, 1)

	span := sigiltest.FindSpan(t, env.Spans.Ended(), "generateText claude-sonnet-4-5")
	attrs := sigiltest.SpanAttributes(span)
	if attrs["gen_ai.conversation.id"].AsString() != "conv-9" || attrs["gen_ai.usage.input_tokens"].AsInt64() != 5 {
		t.Fatalf("span attributes = %s", sigiltest.DebugJSON(span))
	}
	if attrs["sigil.framework.run_id"].AsString() != "run-1" || attrs["sigil.framework.retry_attempt"].AsInt64() != 3 {
		t.Fatalf("framework attributes missing: %s", sigiltest.DebugJSON(span))
	}
	if span.Kind != sigil.SpanKindClient || span.TraceID == "" {
		t.Fatalf("span = %+v", span)
	}
	if n := env.Metrics.PointCount(t, "gen_ai.client.operation.duration"); n != 1 {
		t.Fatalf("operation duration count = %d, want 1", n)
	}
}

func TestRecordHelpers(t *testing.T) {
	env := sigiltest.NewEnv(t)
	sigiltest.RecordStreamingGeneration(t, env, sigil.GenerationStart{Model: model}, time.Now(),
		sigil.Generation{Output: []sigil.Message{sigil.AssistantTextMessage("streamed")}}, nil)
	sigiltest.RecordCallError(t, env, sigil.GenerationStart{Model: model}, errors.New("rate limited"))
	dims := int64(3)
	sigiltest.RecordEmbedding(t, env, sigil.EmbeddingStart{Model: sigil.ModelRef{Provider: "openai",
		Name: "text-embedding-3-small"}}, sigil.EmbeddingResult{InputCount: 2, Dimensions: &dims})

	gens := env.Generations(t)
	if len(gens) != 2 {
		t.Fatalf("got %d generations, want 2", len(gens))
	}
	if sigiltest.StringValue(t, gens[0], "mode") != "GENERATION_MODE_STREAM" {
		t.Fatalf("first generation = %s", sigiltest.DebugJSON(gens[0]))
	}
	if sigiltest.StringValue(t, gens[1], "call_error") != "rate limited" {
		t.Fatalf("second generation = %s", sigiltest.DebugJSON(gens[1]))
	}
	emb := sigiltest.FindSpan(t, env.Spans.Ended(), "embeddings text-embedding-3-small")
	if sigiltest.SpanAttributes(emb)["gen_ai.embeddings.input_count"].AsInt64() != 2 {
		t.Fatalf("embedding span = %s", sigiltest.DebugJSON(emb))
	}
	env.Shutdown(t)
	if env.RequestCount() != 2 {
		t.Fatalf("RequestCount = %d", env.RequestCount())
	}
}

func TestEmptyToolNameRecordsNothing(t *testing.T) {
	env := sigiltest.NewEnv(t)
	_, rec := env.Client.StartToolExecution(context.Background(), sigil.ToolExecutionStart{ToolName: "  "})
	rec.End()
	if err := rec.Err(); err != nil {
		t.Fatalf("Err = %v", err)
	}
	if n := len(env.Spans.Ended()); n != 0 {
		t.Fatalf("a blank tool name produced %d spans", n)
	}
}

func TestCapturingExporterRejects(t *testing.T) {
	env := sigiltest.NewEnv(t)
	env.Exporter().Reject = func(id string) (bool, string) { return id == "gen-no", "not wanted" }
	sigiltest.RecordGeneration(t, env, sigil.GenerationStart{ID: "gen-no", Model: model}, sigil.Generation{}, nil)
	sigiltest.RequireRequestCount(t, env, 1)
	st, _ := env.Client.Stats()
	if st.GenerationsRejected != 1 {
		t.Fatalf("stats = %+v", st)
	}
}
