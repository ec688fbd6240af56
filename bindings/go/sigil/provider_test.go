package sigil_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/libsigil/libsigil/bindings/go/internal/captureharness"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// Provider JSON through the binding (bodies are conformance/fixtures/providers):
// libsigil maps it, the harness shows what a Sigil server would receive.

func fixture(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(captureharness.RepoRoot(), "conformance", "fixtures", "providers", path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fixtureEvents(t *testing.T, path string) [][]byte {
	var out [][]byte
	for _, line := range bytes.Split(fixture(t, path), []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 {
			out = append(out, line)
		}
	}
	return out
}

func providerClient(t *testing.T) (*harness, *sigil.Client) {
	h := needHarness(t)
	return h, newClient(t, func(c *sigil.Config) {
		c.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
		c.GenerationExport.Endpoint = h.HTTPEndpoint()
		c.Telemetry.OTLPEndpoint = h.OTLPEndpoint()
	})
}

func spanOf(t *testing.T, h *harness, generationID string) map[string]any {
	t.Helper()
	for i := 0; i < 50; i++ {
		for _, cap := range h.Captures(t, "otlp_traces") {
			spans, _ := cap["spans"].([]any)
			for _, s := range spans {
				m := s.(map[string]any)
				if attrs(m)["sigil.generation.id"] == generationID {
					return m
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no span for %s", generationID)
	return nil
}

func TestProviderRequestAndResponseAreMapped(t *testing.T) {
	h, client := providerClient(t)
	id := unique("gen-chat")
	_, rec := client.StartGeneration(context.Background(), sigil.GenerationStart{ID: id})
	if err := rec.SetProviderRequest("openai.chat", fixture(t, "openai.chat/request.json")); err != nil {
		t.Fatal(err)
	}
	// A json.RawMessage is a []byte.
	resp := json.RawMessage(fixture(t, "openai.chat/response_tool_calls.json"))
	if err := rec.SetProviderResponse("openai.chat", resp); err != nil {
		t.Fatal(err)
	}
	rec.End()
	if rec.Err() != nil || rec.MappingErr() != nil {
		t.Fatalf("Err = %v, MappingErr = %v", rec.Err(), rec.MappingErr())
	}
	if err := client.Flush(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	gens := h.Generations(t, "http_exports", 1, func(g map[string]any) bool { return g["id"] == id })
	g := gens[0]
	if g["response_id"] != "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG" || g["stop_reason"] != "tool_calls" {
		t.Errorf("response_id/stop_reason = %v/%v", g["response_id"], g["stop_reason"])
	}
	if m := g["model"].(map[string]any); m["provider"] != "openai" || m["name"] != "gpt-4o-2024-08-06" {
		t.Errorf("model = %v", m)
	}
	parts := g["output"].([]any)[0].(map[string]any)["parts"].([]any)
	if len(parts) != 2 || parts[1].(map[string]any)["tool_call"].(map[string]any)["id"] != "call_b2" {
		t.Errorf("output parts = %v", parts)
	}
	if u := g["usage"].(map[string]any); u["cache_read_input_tokens"] != "1024" || u["reasoning_tokens"] != "12" {
		t.Errorf("usage = %v", u)
	}
}

func TestProviderStreamEventsAccumulate(t *testing.T) {
	h, client := providerClient(t)
	id := unique("gen-stream")
	_, rec := client.StartStreamingGeneration(context.Background(), sigil.GenerationStart{ID: id})
	for _, e := range fixtureEvents(t, "gemini.generate_content/stream.jsonl") {
		if err := rec.AddProviderEvent("gemini.generate_content", e); err != nil {
			t.Fatal(err)
		}
	}
	rec.End()
	if err := client.Flush(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	g := h.Generations(t, "http_exports", 1, func(g map[string]any) bool { return g["id"] == id })[0]
	if g["mode"] != "GENERATION_MODE_STREAM" || len(g["output"].([]any)) != 1 {
		t.Errorf("mode/output = %v/%v", g["mode"], g["output"])
	}
	if _, ok := g["usage"].(map[string]any)["output_tokens"]; !ok {
		t.Errorf("no output tokens from the last chunk's usageMetadata: %v", g["usage"])
	}
}

func TestProviderMalformedBodyNeverFailsTheRecord(t *testing.T) {
	h, client := providerClient(t)
	id := unique("gen-bad")
	_, rec := client.StartGeneration(context.Background(), sigil.GenerationStart{ID: id})
	_ = rec.SetProviderRequest("openai.chat", fixture(t, "openai.chat/request.json"))
	if err := rec.SetProviderResponse("openai.chat", fixture(t, "openai.chat/response_truncated.json")); err != nil {
		t.Fatalf("a mapping problem was returned as a caller error: %v", err)
	}
	rec.End()
	var e *sigil.Error
	if err := rec.MappingErr(); !errors.Is(err, sigil.ErrMappingFailed) || !errors.As(err, &e) || e.Code != sigil.CodeInvalidJSON {
		t.Fatalf("MappingErr = %v", err)
	}
	if rec.Err() != nil {
		t.Fatalf("Err = %v", rec.Err())
	}
	_ = client.Flush(ctxTimeout(t, 5*time.Second))
	h.Generations(t, "http_exports", 1, func(g map[string]any) bool { return g["id"] == id })
	if a := attrs(spanOf(t, h, id)); a["error.type"] != "mapping_error" {
		t.Errorf("span error.type = %v", a["error.type"])
	}
}

func TestProviderUnknownAPIIsTheCallersMistake(t *testing.T) {
	_, client := providerClient(t)
	_, rec := client.StartGeneration(context.Background(), sigil.GenerationStart{
		Model: sigil.ModelRef{Provider: "openai", Name: "gpt-5"}})
	defer rec.End()
	var e *sigil.Error
	if err := rec.SetProviderResponse("openai.chat.v9", []byte("{}")); !errors.As(err, &e) || e.Code != sigil.CodeInvalidArgument {
		t.Fatalf("unknown API: %v", err)
	}
	if err := rec.AddProviderEvent("openai.embeddings", []byte("{}")); err == nil {
		t.Fatal("an embedding API on a generation was accepted")
	}
	if rec.MappingErr() != nil {
		t.Fatalf("MappingErr = %v", rec.MappingErr())
	}
	var none *sigil.GenerationRecorder
	if err := none.SetProviderResponse("nope", nil); err != nil { // nil recorders accept everything
		t.Fatal(err)
	}
}

func TestSetResultErrorAndSetMappingErrorMarkTheSpan(t *testing.T) {
	h, client := providerClient(t)
	for _, viaSetResult := range []bool{true, false} {
		id := unique("gen-maperr")
		_, rec := client.StartGeneration(context.Background(), sigil.GenerationStart{
			ID: id, Model: sigil.ModelRef{Provider: "openai", Name: "gpt-5"}})
		g := sigil.Generation{Output: []sigil.Message{sigil.AssistantTextMessage("hi")}}
		if viaSetResult {
			rec.SetResult(g, errors.New("unexpected content block"))
		} else {
			rec.SetResult(g, nil)
			rec.SetMappingError("unexpected content block")
		}
		rec.End()
		if rec.Err() != nil {
			t.Fatalf("Err = %v", rec.Err())
		}
		_ = client.Flush(ctxTimeout(t, 5*time.Second))
		h.Generations(t, "http_exports", 1, func(g map[string]any) bool { return g["id"] == id })
		if a := attrs(spanOf(t, h, id)); a["error.type"] != "mapping_error" {
			t.Errorf("viaSetResult=%v: span error.type = %v", viaSetResult, a["error.type"])
		}
	}
}

func TestEmbeddingFromProviderJSON(t *testing.T) {
	h, client := providerClient(t)
	_, rec := client.StartEmbedding(context.Background(), sigil.EmbeddingStart{})
	if err := rec.SetProviderResult("gemini.embed_content", fixture(t, "gemini.embed_content/request.json"),
		fixture(t, "gemini.embed_content/response.json")); err != nil {
		t.Fatal(err)
	}
	if err := rec.SetProviderResult("openai.chat", nil, []byte("{}")); err == nil {
		t.Fatal("a generation API on an embedding was accepted")
	}
	rec.End()
	if rec.Err() != nil || rec.MappingErr() != nil {
		t.Fatalf("Err = %v, MappingErr = %v", rec.Err(), rec.MappingErr())
	}
	_ = client.Flush(ctxTimeout(t, 5*time.Second))
	for i := 0; i < 50; i++ {
		for name, s := range spansNamed(t, h) {
			if len(name) > 11 && name[:11] == "embeddings " && attrs(s)["gen_ai.provider.name"] == "gemini" {
				if attrs(s)["gen_ai.embeddings.input_count"] == nil {
					t.Errorf("no input count: %v", attrs(s))
				}
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no gemini embedding span")
}
