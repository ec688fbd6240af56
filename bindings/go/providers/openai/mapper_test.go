package openai_test

// The mappers on the wrappers' fixtures: the SDK's own values (read from the
// fake provider by the real client) in, libsigil's mapping out.

import (
	"context"
	"errors"
	"testing"

	osdk "github.com/openai/openai-go/v3"
	oresponses "github.com/openai/openai-go/v3/responses"

	"github.com/libsigil/libsigil/bindings/go/providers/internal/providertest"
	"github.com/libsigil/libsigil/bindings/go/providers/openai"
	"github.com/libsigil/libsigil/bindings/go/sigil"
)

func responsesRequest() oresponses.ResponseNewParams {
	return oresponses.ResponseNewParams{
		Model:        "gpt-4.1",
		Instructions: osdk.String("Be brief."),
		Input:        oresponses.ResponseNewParamsInputUnion{OfString: osdk.String("Weather in Paris?")},
	}
}

func TestChatCompletionsFromRequestResponse(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/chat/completions", providertest.JSONReply(t, "openai.chat/response_tool_calls.json"))
	req := chatRequest()
	resp, err := e.provider.Chat.Completions.New(ctxTimeout(t), req)
	if err != nil {
		t.Fatal(err)
	}
	g, err := openai.ChatCompletionsFromRequestResponse(req, resp, openai.WithConversationID("conv-map"),
		openai.WithConversationTitle("Weather"), openai.WithAgentName("assistant-openai"),
		openai.WithAgentVersion("1.0.0"), openai.WithTag("team", "travel"),
		openai.WithMetadata(map[string]any{"tenant": "t-1"}))
	if err != nil {
		t.Fatalf("ChatCompletionsFromRequestResponse: %v", err)
	}
	if g.Mode != sigil.GenerationModeSync || g.Model != (sigil.ModelRef{Provider: "openai", Name: "gpt-4o-2024-08-06"}) ||
		g.ResponseID != resp.ID || g.ResponseModel != "gpt-4o-2024-08-06" || g.StopReason != "tool_calls" {
		t.Fatalf("call fields: %+v", g)
	}
	if g.ConversationID != "conv-map" || g.ConversationTitle != "Weather" || g.AgentName != "assistant-openai" ||
		g.AgentVersion != "1.0.0" || g.Tags["team"] != "travel" || g.Metadata["tenant"] != "t-1" {
		t.Fatalf("options: %+v", g)
	}
	if g.SystemPrompt != "You are a terse travel assistant." || len(g.Input) != 1 || g.Input[0].Role != sigil.RoleUser {
		t.Fatalf("request: %q %+v", g.SystemPrompt, g.Input)
	}
	calls := providertest.MappedToolCalls(g)
	if len(calls) != 2 || calls[0].ID != "call_a1" || calls[1].ID != "call_b2" || calls[0].Name != "get_weather" {
		t.Fatalf("tool calls: %+v", calls)
	}
	if g.Usage.InputTokens != 1117 || g.Usage.OutputTokens != 46 || g.Usage.CacheReadInputTokens != 1024 {
		t.Fatalf("usage: %+v", g.Usage)
	}
	if len(g.Artifacts) != 0 {
		t.Fatalf("raw artifacts are off by default: %+v", g.Artifacts)
	}
	if err := g.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}

	// Each artifact option keeps its own kind.
	g, err = openai.ChatCompletionsFromRequestResponse(req, resp, openai.WithResponseArtifact())
	if kinds := providertest.ArtifactKinds(g); err != nil || len(kinds) != 1 || kinds[sigil.ArtifactKindResponse] != 1 {
		t.Fatalf("WithResponseArtifact: %v %v", kinds, err)
	}
	g, _ = openai.ChatCompletionsFromRequestResponse(req, resp, openai.WithRawArtifacts())
	if kinds := providertest.ArtifactKinds(g); kinds[sigil.ArtifactKindRequest] != 1 || kinds[sigil.ArtifactKindResponse] != 1 {
		t.Fatalf("WithRawArtifacts: %v", kinds)
	}
	// WithProviderName names a compatible vendor.
	g, _ = openai.ChatCompletionsFromRequestResponse(req, resp, openai.WithProviderName("azure-openai"))
	if g.Model.Provider != "azure-openai" {
		t.Fatalf("provider name: %+v", g.Model)
	}
}

func TestChatCompletionsFromRequestResponseWithoutTheProvidersJSON(t *testing.T) {
	// A response built in Go (no JSON the SDK read) is serialized instead.
	resp := &osdk.ChatCompletion{ID: "chatcmpl-local", Model: "gpt-4o", Choices: []osdk.ChatCompletionChoice{{
		FinishReason: "stop", Message: osdk.ChatCompletionMessage{Role: "assistant", Content: "Sunny."}}}}
	g, err := openai.ChatCompletionsFromRequestResponse(chatRequest(), resp)
	if err != nil || g.ResponseID != "chatcmpl-local" || providertest.MappedText(g) != "Sunny." || g.StopReason != "stop" {
		t.Fatalf("hand-built response: %+v %v", g, err)
	}
	if _, err := openai.ChatCompletionsFromRequestResponse(chatRequest(), nil); err == nil ||
		err.Error() != "response is required" {
		t.Fatalf("nil response: %v", err)
	}
}

func TestChatCompletionsFromStream(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/chat/completions", providertest.SSEReply(t, "openai.chat/stream_tool_calls.jsonl"))
	req := chatRequest()
	stream := e.provider.Chat.Completions.NewStreaming(ctxTimeout(t), req)
	summary := openai.ChatCompletionsStreamSummary{}
	for stream.Next() {
		summary.Chunks = append(summary.Chunks, stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	g, err := openai.ChatCompletionsFromStream(req, summary, openai.WithEventsArtifact())
	if err != nil {
		t.Fatalf("ChatCompletionsFromStream: %v", err)
	}
	calls := providertest.MappedToolCalls(g)
	if g.Mode != sigil.GenerationModeStream || len(calls) == 0 || calls[0].Name == "" || len(calls[0].InputJSON) == 0 {
		t.Fatalf("stream: %+v", g)
	}
	if kinds := providertest.ArtifactKinds(g); len(kinds) != 1 || kinds[sigil.ArtifactKindProviderEvent] == 0 {
		t.Fatalf("events artifact: %v", kinds)
	}
	if _, err := openai.ChatCompletionsFromStream(req, openai.ChatCompletionsStreamSummary{}); err == nil {
		t.Fatal("an empty summary mapped")
	}
}

func TestResponsesFromRequestResponseAndStream(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/responses", providertest.JSONReply(t, "openai.responses/response.json"))
	req := responsesRequest()
	resp, err := e.provider.Responses.New(ctxTimeout(t), req)
	if err != nil {
		t.Fatal(err)
	}
	g, err := openai.ResponsesFromRequestResponse(req, resp)
	if err != nil {
		t.Fatalf("ResponsesFromRequestResponse: %v", err)
	}
	if g.ResponseID != resp.ID || g.SystemPrompt != "Be brief." || len(g.Output) == 0 || g.Model.Name != "gpt-4.1" ||
		g.Mode != sigil.GenerationModeSync {
		t.Fatalf("responses: %+v", g)
	}

	e.fake.Reply("/responses", providertest.SSEReply(t, "openai.responses/stream.jsonl"))
	stream := e.provider.Responses.NewStreaming(ctxTimeout(t), req)
	summary := openai.ResponsesStreamSummary{}
	for stream.Next() {
		summary.Events = append(summary.Events, stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	streamed, err := openai.ResponsesFromStream(req, summary)
	if err != nil {
		t.Fatalf("ResponsesFromStream: %v", err)
	}
	if streamed.Mode != sigil.GenerationModeStream || streamed.ResponseID == "" || providertest.MappedText(streamed) == "" {
		t.Fatalf("responses stream: %+v", streamed)
	}
	// A summary with the final response alone maps it.
	last := summary.Events[len(summary.Events)-1].Response
	final, err := openai.ResponsesFromStream(req, openai.ResponsesStreamSummary{FinalResponse: &last})
	if err != nil || final.ResponseID != streamed.ResponseID || providertest.MappedText(final) != providertest.MappedText(streamed) {
		t.Fatalf("final response: %+v %v", final, err)
	}
}

func TestEmbeddingsFromResponse(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/embeddings", providertest.JSONReply(t, "openai.embeddings/response.json"))
	req := osdk.EmbeddingNewParams{Model: "text-embedding-3-small",
		Input: osdk.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"hello", "world"}}}
	resp, err := e.provider.Embeddings.New(ctxTimeout(t), req)
	if err != nil {
		t.Fatal(err)
	}
	r := openai.EmbeddingsFromResponse(req, resp)
	if r.InputCount != 2 || r.InputTokens != 11 || r.ResponseModel != "text-embedding-3-small" || r.Dimensions == nil ||
		*r.Dimensions != 4 || len(r.InputTexts) != 2 || r.InputTexts[0] != "hello" {
		t.Fatalf("embedding result: %+v", r)
	}
	if r := openai.EmbeddingsFromResponse(req, nil); r.InputCount != 2 || r.Dimensions != nil {
		t.Fatalf("request alone: %+v", r)
	}
}

// The README's defer patterns, as a user writes them.
func TestDeferPatternsRecordTheMappedGeneration(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/chat/completions", providertest.JSONReply(t, "openai.chat/response_text.json"))
	conv := providertest.Unique("defer")
	err := func() error {
		req := chatRequest()
		ctx, rec := e.client.StartGeneration(context.Background(), sigil.GenerationStart{
			ConversationID: conv, AgentName: "assistant-openai", AgentVersion: "1.0.0",
			Model: sigil.ModelRef{Provider: "openai", Name: "gpt-5"},
		})
		defer rec.End()
		resp, err := e.provider.Chat.Completions.New(ctx, req)
		if err != nil {
			rec.SetCallError(err)
			return err
		}
		rec.SetResult(openai.ChatCompletionsFromRequestResponse(req, resp))
		return nil
	}()
	if err != nil {
		t.Fatal(err)
	}
	g := e.generation(t, conv)
	model, _ := g["model"].(map[string]any)
	if g["mode"] != "GENERATION_MODE_SYNC" || g["agent_name"] != "assistant-openai" || providertest.OutputText(g) == "" ||
		model["name"] != "gpt-4o-2024-08-06" {
		t.Fatalf("defer pattern: %v", g)
	}

	e.fake.Reply("/responses", providertest.SSEReply(t, "openai.responses/stream.jsonl"))
	conv = providertest.Unique("defer-stream")
	err = func() error {
		req := responsesRequest()
		ctx, rec := e.client.StartStreamingGeneration(context.Background(), sigil.GenerationStart{
			ConversationID: conv, Model: sigil.ModelRef{Provider: "openai", Name: "gpt-5"}})
		defer rec.End()
		stream := e.provider.Responses.NewStreaming(ctx, req)
		defer stream.Close()
		summary := openai.ResponsesStreamSummary{}
		for stream.Next() {
			summary.Events = append(summary.Events, stream.Current())
		}
		if err := stream.Err(); err != nil {
			rec.SetCallError(err)
			return err
		}
		rec.SetResult(openai.ResponsesFromStream(req, summary))
		return nil
	}()
	if err != nil {
		t.Fatal(err)
	}
	g = e.generation(t, conv)
	if g["mode"] != "GENERATION_MODE_STREAM" || providertest.OutputText(g) == "" || g["response_id"] == nil {
		t.Fatalf("streaming defer pattern: %v", g)
	}
}

// Provider JSON libsigil can only partly map: what was mapped comes back
// with an error matching sigil.ErrMappingFailed, which SetResult records as
// the generation's mapping error.
func TestPartialProviderDataIsReturnedWithTheProblem(t *testing.T) {
	var resp osdk.ChatCompletion
	if err := resp.UnmarshalJSON([]byte(`{"id":"chatcmpl-x","model":"gpt-4o","choices":[{"index":0,` +
		`"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],"usage":"lots"}`)); err != nil {
		t.Fatal(err)
	}
	g, err := openai.ChatCompletionsFromRequestResponse(chatRequest(), &resp, openai.WithConversationID("conv-partial"))
	if !errors.Is(err, sigil.ErrMappingFailed) {
		t.Fatalf("want ErrMappingFailed, got %v", err)
	}
	if providertest.MappedText(g) != "Hi" || g.ResponseID != "chatcmpl-x" || g.ConversationID != "conv-partial" {
		t.Fatalf("what could be mapped was lost: %+v", g)
	}
}
