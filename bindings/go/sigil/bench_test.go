package sigil_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// typicalGeneration is about 2 KB: 300 bytes of start fields and 1.7 KB of sigil.v1 JSON: a system prompt, a user
// question, a tool call and its result, an answer, usage, tags and metadata.
func typicalGeneration() (sigil.GenerationStart, sigil.Generation) {
	start := sigil.GenerationStart{
		ConversationID: "conv-bench",
		AgentName:      "support-bot",
		AgentVersion:   "1.4.0",
		Model:          sigil.ModelRef{Provider: "openai", Name: "gpt-5"},
		SystemPrompt:   "You are a helpful support assistant. Answer briefly and cite the order id. " + strings.Repeat("Be polite. ", 12),
		MaxTokens:      ptr(int64(1024)),
		Temperature:    ptr(0.2),
	}
	result := sigil.Generation{
		ResponseID:    "chatcmpl-9a8b7c6d5e",
		ResponseModel: "gpt-5-2025-08-07",
		Input: []sigil.Message{
			sigil.UserTextMessage("Where is my order 81723? It was supposed to arrive on Monday and the tracking page has not changed for three days. " + strings.Repeat("Please help. ", 30)),
		},
		Output: []sigil.Message{
			{Role: sigil.RoleAssistant, Parts: []sigil.Part{sigil.ToolCallPart(sigil.ToolCall{ID: "call_1", Name: "order_status",
				InputJSON: json.RawMessage(`{"order_id":"81723"}`)})}},
			{Role: sigil.RoleTool, Parts: []sigil.Part{sigil.ToolResultPart(sigil.ToolResult{ToolCallID: "call_1", Name: "order_status",
				Content: `{"status":"in_transit","carrier":"DHL","eta":"2025-11-24"}`})}},
			sigil.AssistantTextMessage("Your order 81723 is in transit with DHL and should arrive on November 24. " + strings.Repeat("Sorry for the delay. ", 20)),
		},
		Usage:      sigil.TokenUsage{InputTokens: 412, OutputTokens: 96, CacheReadInputTokens: 128},
		StopReason: "stop",
		Tags:       map[string]string{"env": "prod", "region": "eu-west-1"},
		Metadata:   map[string]any{"request_id": "req-5f1c", "retry": 0},
	}
	return start, result
}

func benchClient(b *testing.B) *sigil.Client {
	cfg := sigil.DefaultConfig()
	cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolNone
	c, err := sigil.NewClientWithError(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Shutdown(context.Background()) })
	return c
}

// BenchmarkGeneration measures StartGeneration -> SetResult -> End for a
// typical ~2 KB generation with export "none" (what the host's goroutine
// pays; export happens on libsigil's worker).
func BenchmarkGeneration(b *testing.B) {
	client := benchClient(b)
	start, result := typicalGeneration()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, rec := client.StartGeneration(ctx, start)
		rec.SetResult(result, nil)
		rec.End()
		if err := rec.Err(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerationParallel(b *testing.B) {
	client := benchClient(b)
	start, result := typicalGeneration()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			_, rec := client.StartGeneration(ctx, start)
			rec.SetResult(result, nil)
			rec.End()
		}
	})
}

func BenchmarkToolExecution(b *testing.B) {
	client := benchClient(b)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, rec := client.StartToolExecution(ctx, sigil.ToolExecutionStart{ToolName: "order_status", ToolCallID: "call_1"})
		rec.SetResult(sigil.ToolExecutionEnd{Arguments: `{"order_id":"81723"}`, Result: `{"status":"in_transit"}`})
		rec.End()
	}
}
