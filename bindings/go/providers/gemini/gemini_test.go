package gemini_test

// The real Gen AI SDK client talks to a fake provider on loopback that
// answers with the engine's fixtures; the capture harness shows what libsigil
// exported.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/genai"

	"github.com/libsigil/libsigil/bindings/go/providers/gemini"
	"github.com/libsigil/libsigil/bindings/go/providers/internal/providertest"
	"github.com/libsigil/libsigil/bindings/go/sigil"
)

func TestMain(m *testing.M) { providertest.Main(m) }

type env struct {
	h        *providertest.Harness
	fake     *providertest.FakeProvider
	client   *sigil.Client
	provider *genai.Client
}

func setup(t *testing.T) *env {
	t.Helper()
	h := providertest.NeedHarness(t)
	fake := providertest.NewFakeProvider(t)
	return &env{h: h, fake: fake, client: providertest.NewClient(t, h), provider: providerClient(t, fake)}
}

func providerClient(t *testing.T, fake *providertest.FakeProvider) *genai.Client {
	t.Helper()
	c, err := genai.NewClient(context.Background(), &genai.ClientConfig{
		APIKey:      "test-key",
		Backend:     genai.BackendGeminiAPI,
		HTTPOptions: genai.HTTPOptions{BaseURL: fake.URL() + "/"},
	})
	if err != nil {
		t.Fatalf("genai.NewClient: %v", err)
	}
	return c
}

func (e *env) generation(t *testing.T, conversationID string) map[string]any {
	t.Helper()
	return providertest.Generation(t, e.h, e.client, conversationID)
}

const model = "gemini-2.5-flash"

func contents() []*genai.Content {
	return []*genai.Content{genai.NewContentFromText("What's the weather in Paris?", genai.RoleUser)}
}

func config() *genai.GenerateContentConfig {
	return &genai.GenerateContentConfig{
		SystemInstruction: genai.NewContentFromText("You are a terse travel assistant.", genai.RoleUser),
		Temperature:       genai.Ptr[float32](0.5),
	}
}

func TestGenerateContentRecordsTheCall(t *testing.T) {
	e := setup(t)
	e.fake.Reply(":generateContent", providertest.JSONReply(t, "gemini.generate_content/response.json"))
	conv := providertest.Unique("gen")
	resp, err := gemini.GenerateContent(context.Background(), e.client, e.provider, model, contents(), config(),
		gemini.WithConversationID(conv), gemini.WithAgentName("assistant-gemini"), gemini.WithAgentVersion("1.0.0"))
	if err != nil {
		t.Fatalf("GenerateContent: %v", err)
	}
	if resp.ResponseID != "mAitaLmkHPPlz7IPvtfUqQ4" {
		t.Fatalf("the SDK's response did not come back unchanged: %+v", resp)
	}
	g := e.generation(t, conv)
	m, _ := g["model"].(map[string]any)
	if g["mode"] != "GENERATION_MODE_SYNC" || m["provider"] != "gemini" || m["name"] != model ||
		g["agent_name"] != "assistant-gemini" || g["agent_version"] != "1.0.0" {
		t.Fatalf("identity: %v", g)
	}
	if g["system_prompt"] != "You are a terse travel assistant." || g["response_id"] != resp.ResponseID ||
		g["temperature"] != 0.5 {
		t.Fatalf("mapped request and response: %v", g)
	}
	input, _ := g["input"].([]any)
	if len(input) != 1 {
		t.Fatalf("input: %v", g["input"])
	}
	if len(providertest.OutputParts(g, "thinking")) != 1 || len(providertest.OutputParts(g, "text")) != 1 || len(providertest.OutputParts(g, "tool_call")) != 1 {
		t.Fatalf("output: %v", g["output"])
	}
	if body := string(e.fake.Requests()[0].Body); !strings.Contains(body, "What's the weather in Paris?") {
		t.Fatalf("the SDK sent: %s", body)
	}
}

func TestStreamKeepsTheIteratorAndRecordsToolCalls(t *testing.T) {
	e := setup(t)
	e.fake.Reply(":streamGenerateContent", providertest.SSEReply(t, "gemini.generate_content/stream.jsonl"))
	conv := providertest.Unique("stream")
	var text strings.Builder
	var calls []string
	n := 0
	for resp, err := range gemini.GenerateContentStreamSeq(context.Background(), e.client, e.provider, model,
		contents(), config(), gemini.WithConversationID(conv)) {
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		n++
		for _, p := range resp.Candidates[0].Content.Parts {
			if p.FunctionCall != nil {
				calls = append(calls, p.FunctionCall.Name)
			} else if !p.Thought {
				text.WriteString(p.Text)
			}
		}
	}
	if n != len(providertest.Events(t, "gemini.generate_content/stream.jsonl")) {
		t.Fatalf("responses seen: %d", n)
	}
	g := e.generation(t, conv)
	if g["mode"] != "GENERATION_MODE_STREAM" {
		t.Fatalf("mode: %v", g["mode"])
	}
	texts := providertest.OutputParts(g, "text")
	tools := providertest.OutputParts(g, "tool_call")
	if len(texts) != 1 || texts[0] != text.String() {
		t.Fatalf("text %v, the stream said %q", texts, text.String())
	}
	if len(tools) != 1 || len(calls) != 1 || tools[0].(map[string]any)["name"] != calls[0] {
		t.Fatalf("tool calls %v, the stream had %v", tools, calls)
	}
}

func TestGenerateContentStreamReadsTheWholeStream(t *testing.T) {
	e := setup(t)
	e.fake.Reply(":streamGenerateContent", providertest.SSEReply(t, "gemini.generate_content/stream.jsonl"))
	conv := providertest.Unique("summary")
	summary, err := gemini.GenerateContentStream(context.Background(), e.client, e.provider, model, contents(), config(),
		gemini.WithConversationID(conv))
	if err != nil || len(summary.Responses) == 0 || summary.FirstChunkAt.IsZero() {
		t.Fatalf("GenerateContentStream: %v %+v", err, summary)
	}
	if g := e.generation(t, conv); len(providertest.OutputParts(g, "tool_call")) != 1 {
		t.Fatalf("output: %v", g["output"])
	}
}

func TestBreakingOutOfTheLoopRecordsWhatArrived(t *testing.T) {
	e := setup(t)
	e.fake.Reply(":streamGenerateContent", providertest.SSEReply(t, "gemini.generate_content/stream.jsonl"))
	conv := providertest.Unique("early")
	var thought strings.Builder
	for resp, err := range gemini.GenerateContentStreamSeq(context.Background(), e.client, e.provider, model,
		contents(), config(), gemini.WithConversationID(conv)) {
		if err != nil {
			t.Fatal(err)
		}
		thought.WriteString(resp.Candidates[0].Content.Parts[0].Text)
		break
	}
	g := e.generation(t, conv)
	thinking := providertest.OutputParts(g, "thinking")
	if len(thinking) != 1 || thinking[0] != thought.String() ||
		len(providertest.OutputParts(g, "text")) != 0 {
		t.Fatalf("recorded %v, the caller saw %q", g["output"], thought.String())
	}
	if a := providertest.Attrs(e.h.Span(t, "sigil.generation.id", g["id"].(string))); a["error.type"] != "mapping_error" {
		t.Fatalf("an abandoned stream is reported as partial: %v", a)
	}
}

func TestProviderErrorsAreReturnedUnchanged(t *testing.T) {
	e := setup(t)
	body := `{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED"}}`
	e.fake.Reply(":generateContent", providertest.ErrorReply(429, body))
	conv := providertest.Unique("err")
	_, err := gemini.GenerateContent(context.Background(), e.client, e.provider, model, contents(), config(),
		gemini.WithConversationID(conv))
	var apiErr genai.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 429 {
		t.Fatalf("want the SDK's genai.APIError with 429, got %T %v", err, err)
	}
	g := e.generation(t, conv)
	if !strings.Contains(g["call_error"].(string), "Resource has been exhausted") {
		t.Fatalf("call_error: %v", g["call_error"])
	}
	if a := providertest.Attrs(e.h.Span(t, "sigil.generation.id", g["id"].(string))); a["error.type"] != "provider_call_error" ||
		a["error.category"] != "rate_limit" {
		t.Fatalf("span: %v", a)
	}

	e.fake.Reply(":streamGenerateContent", providertest.ErrorReply(500,
		`{"error":{"code":500,"message":"Internal error","status":"INTERNAL"}}`))
	conv = providertest.Unique("err-stream")
	var streamErr error
	for _, err := range gemini.GenerateContentStreamSeq(context.Background(), e.client, e.provider, model,
		contents(), config(), gemini.WithConversationID(conv)) {
		if err != nil {
			streamErr = err
			break
		}
	}
	if !errors.As(streamErr, &apiErr) || apiErr.Code != 500 {
		t.Fatalf("stream error: %T %v", streamErr, streamErr)
	}
	g = e.generation(t, conv)
	if a := providertest.Attrs(e.h.Span(t, "sigil.generation.id", g["id"].(string))); a["error.category"] != "server_error" {
		t.Fatalf("span: %v", a)
	}
}

func TestEmbedContentRecordsAnEmbeddingSpan(t *testing.T) {
	e := setup(t)
	e.fake.Reply(":batchEmbedContents", providertest.JSONReply(t, "gemini.embed_content/response_batch.json"))
	agent := providertest.Unique("indexer")
	resp, err := gemini.EmbedContent(context.Background(), e.client, e.provider, "gemini-embedding-001",
		[]*genai.Content{genai.NewContentFromText("hello", genai.RoleUser), genai.NewContentFromText("world", genai.RoleUser)},
		&genai.EmbedContentConfig{OutputDimensionality: genai.Ptr[int32](3)}, gemini.WithAgentName(agent))
	if err != nil || len(resp.Embeddings) != 2 {
		t.Fatalf("EmbedContent: %v %+v", err, resp)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.client.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	a := providertest.Attrs(e.h.Span(t, "gen_ai.agent.name", agent))
	if a["gen_ai.provider.name"] != "gemini" || a["gen_ai.embeddings.input_count"] != float64(2) {
		t.Fatalf("embedding span: %v", a)
	}
}

func TestConcurrentCallsAndStreams(t *testing.T) {
	e := setup(t)
	e.fake.Reply(":generateContent", providertest.JSONReply(t, "gemini.generate_content/response.json"))
	e.fake.Reply(":streamGenerateContent", providertest.SSEReply(t, "gemini.generate_content/stream.jsonl"))
	prefix := providertest.Unique("conc")
	providertest.Concurrently(t, 16, func(i int) error {
		conv := prefix + "-" + string(rune('a'+i))
		if i%2 == 0 {
			_, err := gemini.GenerateContent(context.Background(), e.client, e.provider, model, contents(), config(),
				gemini.WithConversationID(conv))
			return err
		}
		_, err := gemini.GenerateContentStream(context.Background(), e.client, e.provider, model, contents(), config(),
			gemini.WithConversationID(conv))
		return err
	})
	for i := 0; i < 16; i++ {
		if g := e.generation(t, prefix+"-"+string(rune('a'+i))); len(providertest.OutputParts(g, "tool_call")) != 1 {
			t.Fatalf("generation %d: %v", i, g["output"])
		}
	}
}
