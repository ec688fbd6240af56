// Command quickstart records one of everything with the Go binding and
// exports it. It is configured only through the environment, for example:
//
//	SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 go run ./quickstart
//	SIGIL_PROTOCOL=grpc SIGIL_ENDPOINT=127.0.0.1:4317 go run ./quickstart
//
// SIGIL_API_ENDPOINT adds a conversation rating; OTEL_EXPORTER_OTLP_ENDPOINT
// adds spans and metrics. Exit status: 0 when everything was recorded and
// delivered, 1 otherwise.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

var failures int

// check prints and counts a local error.
func check(what string, err error) {
	if err != nil {
		fmt.Printf("  FAIL  %s: %v\n", what, err)
		failures++
		return
	}
	fmt.Printf("  ok    %s\n", what)
}

func main() {
	// DefaultConfig leaves export settings to SIGIL_* variables.
	client, err := sigil.NewClientWithError(sigil.DefaultConfig())
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		check("shutdown (everything delivered)", client.Shutdown(ctx))
		if failures > 0 {
			os.Exit(1)
		}
	}()

	// Identity that every record below inherits through the context.
	ctx := context.Background()
	ctx = sigil.WithConversationID(ctx, "conv-quickstart")
	ctx = sigil.WithConversationTitle(ctx, "Weather in Paris")
	ctx = sigil.WithUserID(ctx, "user-42")
	ctx = sigil.WithAgentName(ctx, "weather-agent")
	ctx = sigil.WithAgentVersion(ctx, "1.0.0")

	agentTurn(ctx, client)
	streamingGeneration(ctx, client)
	failedGeneration(ctx, client)
	embedding(ctx, client)
	check("flush", client.Flush(ctx))

	if os.Getenv("SIGIL_API_ENDPOINT") != "" {
		resp, err := client.SubmitConversationRating(ctx, "conv-quickstart", sigil.ConversationRatingInput{
			RatingID: "rat-quickstart",
			Rating:   sigil.ConversationRatingValueGood,
			Comment:  "Accurate forecast",
			Source:   "quickstart",
		})
		check("rating", err)
		if err == nil {
			fmt.Printf("        ratings in conversation: %d (good %d)\n", resp.Summary.TotalCount, resp.Summary.GoodCount)
		}
	}
}

// agentTurn is a generation that calls a tool; the tool execution is started
// from the generation's context, so its span is the generation's child.
func agentTurn(ctx context.Context, client *sigil.Client) {
	ctx, rec := client.StartGeneration(ctx, sigil.GenerationStart{
		Model:        sigil.ModelRef{Provider: "anthropic", Name: "claude-sonnet-4-5"},
		SystemPrompt: "You are a concise weather assistant.",
		Tools: []sigil.ToolDefinition{{
			Name: "get_weather", Description: "Current weather for a city", Type: "function",
			InputSchema: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}}}`),
		}},
		MaxTokens:   ptr(int64(1024)),
		Temperature: ptr(0.7),
		Tags:        map[string]string{"team": "weather", "env": "demo"},
	})
	defer rec.End()

	_, tool := client.StartToolExecution(ctx, sigil.ToolExecutionStart{
		ToolName: "get_weather", ToolCallID: "call_1", ToolType: "function", IncludeContent: true,
	})
	tool.SetResult(sigil.ToolExecutionEnd{
		Arguments: map[string]string{"city": "Paris"},
		Result:    map[string]any{"temp_c": 18, "sky": "sunny"},
	})
	tool.End()
	check("tool execution", tool.Err())

	rec.SetResult(sigil.Generation{
		Input: []sigil.Message{
			sigil.UserTextMessage("What is the weather in Paris?"),
			{Role: sigil.RoleAssistant, Parts: []sigil.Part{
				sigil.ThinkingPart("I should call the weather tool."),
				sigil.ToolCallPart(sigil.ToolCall{ID: "call_1", Name: "get_weather", InputJSON: json.RawMessage(`{"city":"Paris"}`)}),
			}},
			sigil.ToolResultMessage("call_1", map[string]any{"temp_c": 18, "sky": "sunny"}),
		},
		Output:        []sigil.Message{sigil.AssistantTextMessage("It is 18°C and sunny in Paris.")},
		Usage:         sigil.TokenUsage{InputTokens: 120, OutputTokens: 42, CacheReadInputTokens: 30},
		StopReason:    "end_turn",
		ResponseID:    "msg_01",
		ResponseModel: "claude-sonnet-4-5-20250929",
	}, nil)
	rec.End()
	check("sync generation", rec.Err())
}

func streamingGeneration(ctx context.Context, client *sigil.Client) {
	_, rec := client.StartStreamingGeneration(ctx, sigil.GenerationStart{
		Model: sigil.ModelRef{Provider: "openai", Name: "gpt-4o-mini"},
	})
	defer rec.End()
	rec.SetFirstTokenAt(time.Now()) // when the first chunk arrived
	rec.SetResult(sigil.Generation{
		Input:  []sigil.Message{sigil.UserTextMessage("Tell me a short fact.")},
		Output: []sigil.Message{sigil.AssistantTextMessage("Honey never spoils.")},
		Usage:  sigil.TokenUsage{InputTokens: 12, OutputTokens: 5},
	}, nil)
	rec.End()
	check("streaming generation", rec.Err())
}

// failedGeneration records a provider failure: exported with call_error, and
// not a local error.
func failedGeneration(ctx context.Context, client *sigil.Client) {
	_, rec := client.StartGeneration(ctx, sigil.GenerationStart{Model: sigil.ModelRef{Provider: "openai", Name: "gpt-4o"}})
	defer rec.End()
	rec.SetCallError(errors.New("provider unavailable: 503 Service Unavailable"))
	rec.End()
	check("generation with a provider error", rec.Err())
}

func embedding(ctx context.Context, client *sigil.Client) {
	_, rec := client.StartEmbedding(ctx, sigil.EmbeddingStart{
		Model: sigil.ModelRef{Provider: "openai", Name: "text-embedding-3-small"},
	})
	defer rec.End()
	rec.SetResult(sigil.EmbeddingResult{InputCount: 2, InputTokens: 16, ResponseModel: "text-embedding-3-small"})
	rec.End()
	check("embedding", rec.Err())
}

func ptr[T any](v T) *T { return &v }
