package sigil_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// MapProviderGeneration / MapProviderEmbedding: libsigil's mapping handed
// back as Go values (fixtures: conformance/fixtures/providers).

func TestMapProviderGenerationDecodesTheMappedCall(t *testing.T) {
	g, err := sigil.MapProviderGeneration("openai.chat", fixture(t, "openai.chat/request.json"),
		fixture(t, "openai.chat/response_tool_calls.json"), nil)
	if err != nil {
		t.Fatalf("MapProviderGeneration: %v", err)
	}
	if g.Mode != sigil.GenerationModeSync || g.Model.Provider != "openai" || g.Model.Name != "gpt-4o-2024-08-06" {
		t.Fatalf("mode/model: %q %+v", g.Mode, g.Model)
	}
	if g.ResponseID != "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG" || g.StopReason != "tool_calls" {
		t.Fatalf("response id / stop reason: %q %q", g.ResponseID, g.StopReason)
	}
	if g.SystemPrompt == "" || len(g.Input) == 0 || g.Input[0].Role != sigil.RoleUser {
		t.Fatalf("system prompt / input: %q %+v", g.SystemPrompt, g.Input)
	}
	var media []sigil.Media
	for _, p := range g.Input[0].Parts {
		if p.Kind == sigil.PartKindMedia {
			media = append(media, *p.Media)
		}
	}
	if len(media) == 0 || media[0].URL != "https://example.com/photo.jpg" {
		t.Fatalf("the user's media parts: %+v", g.Input[0].Parts)
	}
	out := g.Output[0]
	if out.Role != sigil.RoleAssistant || len(out.Parts) != 2 || out.Parts[0].Kind != sigil.PartKindToolCall {
		t.Fatalf("output: %+v", g.Output)
	}
	call := out.Parts[0].ToolCall
	if call.ID != "call_a1" || call.Name != "get_weather" || string(call.InputJSON) != `{"city":"Paris","unit":"c"}` {
		t.Fatalf("tool call: %+v (%s)", call, call.InputJSON)
	}
	if g.Usage.InputTokens != 1117 || g.Usage.OutputTokens != 46 || g.Usage.TotalTokens != 1163 ||
		g.Usage.CacheReadInputTokens != 1024 || g.Usage.ReasoningTokens != 12 {
		t.Fatalf("usage: %+v", g.Usage)
	}
	if len(g.Tools) == 0 || g.Tools[0].Name == "" || len(g.Tools[0].InputSchema) == 0 {
		t.Fatalf("tools: %+v", g.Tools)
	}
	if g.ID != "" || !g.StartedAt.IsZero() || len(g.Artifacts) != 0 {
		t.Fatalf("ids, times and artifacts are not the mapping's: %+v", g)
	}
	// What the mapping hands back is a result libsigil accepts as it is.
	if err := g.Validate(); err != nil {
		t.Fatalf("the mapped generation does not validate: %v", err)
	}
}

func TestMapProviderGenerationStreamAndRawArtifacts(t *testing.T) {
	events := fixtureEvents(t, "anthropic.messages/stream.jsonl")
	g, err := sigil.MapProviderGeneration("anthropic.messages", fixture(t, "anthropic.messages/request.json"), nil,
		events, sigil.WithRawArtifacts())
	if err != nil {
		t.Fatalf("MapProviderGeneration: %v", err)
	}
	if g.Mode != sigil.GenerationModeStream || g.Model.Provider != "anthropic" || len(g.Output) == 0 {
		t.Fatalf("stream: %+v", g)
	}
	if g.Usage.OutputTokens == 0 || g.StopReason == "" {
		t.Fatalf("usage / stop reason from the last events: %+v %q", g.Usage, g.StopReason)
	}
	kinds := map[sigil.ArtifactKind]int{}
	for _, a := range g.Artifacts {
		kinds[a.Kind]++
		if len(a.Payload) == 0 || a.ContentType == "" {
			t.Fatalf("artifact without payload: %+v", a)
		}
	}
	if kinds[sigil.ArtifactKindRequest] != 1 || kinds[sigil.ArtifactKindProviderEvent] == 0 {
		t.Fatalf("artifact kinds: %v", kinds)
	}
}

func TestMapProviderGenerationKeepsWhatAPartialBodyGave(t *testing.T) {
	g, err := sigil.MapProviderGeneration("openai.chat", fixture(t, "openai.chat/request.json"),
		fixture(t, "openai.chat/response_truncated.json"), nil)
	if !errors.Is(err, sigil.ErrMappingFailed) {
		t.Fatalf("want ErrMappingFailed, got %v", err)
	}
	if g.Model.Name != "gpt-4o-2024-08-06" || len(g.Input) == 0 {
		t.Fatalf("the request's mapping was lost: %+v", g)
	}
	_, err = sigil.MapProviderGeneration("openai.chat.v9", nil, []byte(`{}`), nil)
	var se *sigil.Error
	if !errors.As(err, &se) || se.Code != sigil.CodeInvalidArgument || errors.Is(err, sigil.ErrMappingFailed) {
		t.Fatalf("unknown API: %v", err)
	}
	if _, err := sigil.MapProviderGeneration("openai.embeddings", []byte(`{}`), nil, nil); err == nil {
		t.Fatal("an embedding API mapped as a generation")
	}
}

func TestMapProviderEmbedding(t *testing.T) {
	r, err := sigil.MapProviderEmbedding("openai.embeddings", fixture(t, "openai.embeddings/request.json"),
		fixture(t, "openai.embeddings/response.json"))
	if err != nil {
		t.Fatalf("MapProviderEmbedding: %v", err)
	}
	if r.InputCount != 2 || r.InputTokens != 11 || r.ResponseModel != "text-embedding-3-small" ||
		r.Dimensions == nil || *r.Dimensions != 4 || len(r.InputTexts) != 2 || r.InputTexts[1] != "The waiter was friendly." {
		t.Fatalf("embedding: %+v", r)
	}
	r, err = sigil.MapProviderEmbedding("openai.embeddings", fixture(t, "openai.embeddings/request.json"), nil)
	if err != nil || r.InputCount != 2 || r.Dimensions != nil || r.InputTokens != 0 {
		t.Fatalf("request alone: %+v %v", r, err)
	}
	if _, err := sigil.MapProviderEmbedding("openai.chat", nil, []byte(`{}`)); err == nil {
		t.Fatal("a generation API mapped as an embedding")
	}
}

// A generation decoded from libsigil's document and handed back with
// SetResult exports what the same bodies export through the recorder's own
// provider calls: the decoder and the encoder lose nothing.
func TestMappedGenerationExportsAsTheRecorderMapsIt(t *testing.T) {
	h, client := providerClient(t)
	req, resp := fixture(t, "openai.chat/request.json"), fixture(t, "openai.chat/response_tool_calls.json")
	viaResult, viaRecorder := unique("gen-mapped"), unique("gen-recorded")

	g, err := sigil.MapProviderGeneration("openai.chat", req, resp, nil, sigil.WithRawArtifacts())
	if err != nil {
		t.Fatal(err)
	}
	_, rec := client.StartGeneration(context.Background(), sigil.GenerationStart{ID: viaResult})
	rec.SetResult(g, nil)
	rec.End()
	_, rec2 := client.StartGeneration(context.Background(), sigil.GenerationStart{ID: viaRecorder})
	_ = rec2.SetProviderRequest("openai.chat", req, sigil.WithRawArtifacts())
	_ = rec2.SetProviderResponse("openai.chat", resp, sigil.WithRawArtifacts())
	rec2.End()
	if rec.Err() != nil || rec2.Err() != nil {
		t.Fatalf("End: %v / %v", rec.Err(), rec2.Err())
	}
	if err := client.Flush(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	one := func(id string) map[string]any {
		return h.Generations(t, "http_exports", 1, func(g map[string]any) bool { return g["id"] == id })[0]
	}
	a, b := one(viaResult), one(viaRecorder)
	for _, field := range []string{"model", "system_prompt", "input", "output", "tools", "usage", "stop_reason",
		"response_id", "response_model", "max_tokens", "temperature", "top_p", "tool_choice", "thinking_enabled",
		"raw_artifacts", "mode"} {
		ja, _ := json.Marshal(a[field])
		jb, _ := json.Marshal(b[field])
		if string(ja) != string(jb) {
			t.Errorf("%s: via SetResult %s, via the recorder %s", field, ja, jb)
		}
	}
	if _, ok := a["output"]; !ok {
		t.Fatalf("nothing exported: %v", a)
	}
}
