package sigil_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// The README's example: configuration comes from SIGIL_* variables.
func Example() {
	client := sigil.NewClient(sigil.DefaultConfig())
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = client.Shutdown(ctx)
	}()

	ctx := sigil.WithConversationID(context.Background(), "conv-1")
	ctx, rec := client.StartGeneration(ctx, sigil.GenerationStart{
		Model: sigil.ModelRef{Provider: "openai", Name: "gpt-4o"},
	})
	defer rec.End()

	// ... call the model with ctx, then record what happened:
	rec.SetResult(sigil.Generation{
		Input:  []sigil.Message{sigil.UserTextMessage("Hello")},
		Output: []sigil.Message{sigil.AssistantTextMessage("Hi!")},
		Usage:  sigil.TokenUsage{InputTokens: 5, OutputTokens: 2},
	}, nil)
	rec.End()
	if err := rec.Err(); errors.Is(err, sigil.ErrValidationFailed) {
		fmt.Println("not exported:", err)
	}
	_ = ctx
}

func ExampleGenerationRecorder_SetCallError() {
	client := sigil.NewClient(sigil.DefaultConfig())
	defer func() { _ = client.Shutdown(context.Background()) }()

	_, rec := client.StartGeneration(context.Background(), sigil.GenerationStart{
		Model: sigil.ModelRef{Provider: "openai", Name: "gpt-4o"},
	})
	defer rec.End()
	if err := callProvider(); err != nil {
		rec.SetCallError(err) // exported with call_error; not a local error
		return
	}
}

func ExampleClient_StartToolExecution() {
	client := sigil.NewClient(sigil.DefaultConfig())
	defer func() { _ = client.Shutdown(context.Background()) }()

	// Started from the generation's context, the tool's span is its child.
	ctx, gen := client.StartGeneration(context.Background(), sigil.GenerationStart{
		Model: sigil.ModelRef{Provider: "anthropic", Name: "claude-sonnet-4-5"},
	})
	defer gen.End()
	_, tool := client.StartToolExecution(ctx, sigil.ToolExecutionStart{ToolName: "get_weather", IncludeContent: true})
	defer tool.End()
	tool.SetResult(sigil.ToolExecutionEnd{
		Arguments: map[string]string{"city": "Paris"},
		Result:    map[string]any{"temp_c": 18},
	})
}

func callProvider() error { return errors.New("503 Service Unavailable") }

// The README's provider example: the engine maps the provider's own JSON.
func ExampleGenerationRecorder_SetProviderResponse() {
	client := sigil.NewClient(sigil.DefaultConfig())
	defer func() { _ = client.Shutdown(context.Background()) }()

	reqBody := []byte(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Weather in Paris?"}]}`)
	// respBody is what the HTTP call returned (io.ReadAll(resp.Body)).
	respBody := []byte(`{"id":"chatcmpl-1","model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,` +
		`"finish_reason":"stop","message":{"role":"assistant","content":"18°C and sunny."}}],` +
		`"usage":{"prompt_tokens":12,"completion_tokens":6,"total_tokens":18}}`)

	_, rec := client.StartGeneration(context.Background(), sigil.GenerationStart{})
	defer rec.End()
	if err := rec.SetProviderRequest("openai.chat", reqBody); err != nil {
		panic(err) // only a caller mistake, such as an unknown API name
	}
	_ = rec.SetProviderResponse("openai.chat", respBody)
	rec.End()
	if err := rec.MappingErr(); err != nil {
		fmt.Println("mapped with a problem:", err) // still exported, marked mapping_error
	}
	// Output:
}
