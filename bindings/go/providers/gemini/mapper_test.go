package gemini_test

// FromRequestResponse, FromStream and EmbeddingFromResponse on the
// wrappers' fixtures: the SDK's own values (read from the fake provider by
// the real client) in, libsigil's mapping out.

import (
	"context"
	"testing"

	"google.golang.org/genai"

	"github.com/libsigil/libsigil/bindings/go/providers/gemini"
	"github.com/libsigil/libsigil/bindings/go/providers/internal/providertest"
	"github.com/libsigil/libsigil/bindings/go/sigil"
)

func TestFromRequestResponse(t *testing.T) {
	e := setup(t)
	e.fake.Reply(":generateContent", providertest.JSONReply(t, "gemini.generate_content/response.json"))
	resp, err := e.provider.Models.GenerateContent(providertest.Context(t), model, contents(), config())
	if err != nil {
		t.Fatal(err)
	}
	g, err := gemini.FromRequestResponse(model, contents(), config(), resp, gemini.WithConversationID("conv-map"),
		gemini.WithAgentName("assistant-gemini"), gemini.WithMetadata(map[string]any{"tenant": "t-1"}))
	if err != nil {
		t.Fatalf("FromRequestResponse: %v", err)
	}
	if g.Mode != sigil.GenerationModeSync || g.Model != (sigil.ModelRef{Provider: "gemini", Name: model}) ||
		g.ResponseID != resp.ResponseID || g.ResponseModel != resp.ModelVersion || g.StopReason == "" {
		t.Fatalf("call fields: %+v", g)
	}
	if g.SystemPrompt != "You are a terse travel assistant." || g.Temperature == nil || *g.Temperature != 0.5 ||
		len(g.Input) != 1 || len(g.Output) == 0 {
		t.Fatalf("request and output: %+v", g)
	}
	if g.Usage.InputTokens == 0 || g.Usage.OutputTokens == 0 {
		t.Fatalf("usage: %+v", g.Usage)
	}
	if g.ConversationID != "conv-map" || g.AgentName != "assistant-gemini" || g.Metadata["tenant"] != "t-1" {
		t.Fatalf("options: %+v", g)
	}
	if _, err := gemini.FromRequestResponse(model, contents(), config(), nil); err == nil ||
		err.Error() != "response is required" {
		t.Fatalf("nil response: %v", err)
	}
	if _, err := gemini.FromRequestResponse(" ", contents(), config(), resp); err == nil ||
		err.Error() != "request model is required" {
		t.Fatalf("no model: %v", err)
	}
}

func TestFromStream(t *testing.T) {
	e := setup(t)
	e.fake.Reply(":streamGenerateContent", providertest.SSEReply(t, "gemini.generate_content/stream.jsonl"))
	summary := gemini.StreamSummary{}
	for resp, err := range e.provider.Models.GenerateContentStream(providertest.Context(t), model, contents(), config()) {
		if err != nil {
			t.Fatal(err)
		}
		summary.Responses = append(summary.Responses, resp)
	}
	g, err := gemini.FromStream(model, contents(), config(), summary, gemini.WithEventsArtifact())
	if err != nil {
		t.Fatalf("FromStream: %v", err)
	}
	if g.Mode != sigil.GenerationModeStream || providertest.MappedText(g) == "" || g.Usage.OutputTokens == 0 {
		t.Fatalf("stream: %+v", g)
	}
	if a := providertest.ArtifactKinds(g); len(a) != 1 || a[sigil.ArtifactKindProviderEvent] == 0 {
		t.Fatalf("artifacts: %v", a)
	}
	if _, err := gemini.FromStream(model, contents(), config(), gemini.StreamSummary{}); err == nil ||
		err.Error() != "stream summary has no responses" {
		t.Fatalf("empty summary: %v", err)
	}
}

func TestEmbeddingFromResponse(t *testing.T) {
	e := setup(t)
	e.fake.Reply(":batchEmbedContents", providertest.JSONReply(t, "gemini.embed_content/response_batch.json"))
	texts := []*genai.Content{genai.NewContentFromText("hello", genai.RoleUser), genai.NewContentFromText("world", genai.RoleUser)}
	cfg := &genai.EmbedContentConfig{OutputDimensionality: genai.Ptr[int32](3)}
	resp, err := e.provider.Models.EmbedContent(providertest.Context(t), "gemini-embedding-001", texts, cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := gemini.EmbeddingFromResponse("gemini-embedding-001", texts, cfg, resp)
	if r.InputCount != 2 || r.Dimensions == nil || *r.Dimensions != 3 || len(r.InputTexts) != 2 || r.InputTexts[1] != "world" {
		t.Fatalf("embedding result: %+v", r)
	}
	if r := gemini.EmbeddingFromResponse("gemini-embedding-001", texts, cfg, nil); r.InputCount != 2 {
		t.Fatalf("request alone: %+v", r)
	}
}

// The README's defer pattern, as a user writes it.
func TestDeferPatternRecordsTheMappedGeneration(t *testing.T) {
	e := setup(t)
	e.fake.Reply(":generateContent", providertest.JSONReply(t, "gemini.generate_content/response.json"))
	conv := providertest.Unique("defer")
	err := func() error {
		ctx, rec := e.client.StartGeneration(context.Background(), sigil.GenerationStart{
			ConversationID: conv, AgentName: "assistant-gemini", AgentVersion: "1.0.0",
			Model: sigil.ModelRef{Provider: "gemini", Name: "gemini-2.5-pro"},
		})
		defer rec.End()
		resp, err := e.provider.Models.GenerateContent(ctx, model, contents(), config())
		if err != nil {
			rec.SetCallError(err)
			return err
		}
		rec.SetResult(gemini.FromRequestResponse(model, contents(), config(), resp))
		return nil
	}()
	if err != nil {
		t.Fatal(err)
	}
	g := e.generation(t, conv)
	if g["mode"] != "GENERATION_MODE_SYNC" || g["agent_name"] != "assistant-gemini" || providertest.OutputText(g) == "" {
		t.Fatalf("defer pattern: %v", g)
	}
}
