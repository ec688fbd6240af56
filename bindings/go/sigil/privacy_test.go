package sigil_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

const githubPAT = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"

func recordPrivate(t *testing.T, c *sigil.Client, conv string, mode sigil.ContentCaptureMode, metadata map[string]any) {
	t.Helper()
	_, rec := c.StartGeneration(context.Background(), sigil.GenerationStart{
		ConversationID: conv, Model: sigil.ModelRef{Provider: "openai", Name: "gpt-5"},
		SystemPrompt: "Use " + githubPAT, ContentCapture: mode, Metadata: metadata,
	})
	rec.SetResult(sigil.Generation{
		Input:  []sigil.Message{sigil.UserTextMessage("mail jane@example.com")},
		Output: []sigil.Message{sigil.AssistantTextMessage("Sure.")},
	}, nil)
	rec.End()
	if err := rec.Err(); err != nil {
		t.Fatalf("End: %v", err)
	}
}

func TestPrivacyModesAndRedaction(t *testing.T) {
	h := needHarness(t)
	c := newClient(t, func(cfg *sigil.Config) {
		cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
		cfg.GenerationExport.Endpoint = h.HTTPEndpoint()
		cfg.ContentCapture = sigil.ContentCaptureModeMetadataOnly
	})
	stripped, full := unique("conv-mo"), unique("conv-full")
	recordPrivate(t, c, stripped, sigil.ContentCaptureModeDefault, nil)
	recordPrivate(t, c, full, sigil.ContentCaptureModeFull, nil)
	if err := c.Flush(ctxTimeout(t, 5e9)); err != nil {
		t.Fatal(err)
	}
	g := h.Generations(t, "http_exports", 1, withConversation(stripped))[0]
	if metadataString(g, "sigil.sdk.content_capture_mode") != "metadata_only" || g["system_prompt"] != nil {
		t.Fatalf("metadata_only generation carries content: %v", g)
	}
	g = h.Generations(t, "http_exports", 1, withConversation(full))[0]
	if g["system_prompt"] != "Use [REDACTED:github-pat]" {
		t.Fatalf("system_prompt = %v", g["system_prompt"])
	}
	if sigil.ContentCaptureModeFullWithMetadataSpans.String() != "full_with_metadata_spans" {
		t.Fatal("mode names")
	}
}

func TestPrivacyResolverAndSanitizerFailClosed(t *testing.T) {
	h := needHarness(t)
	none := sigil.RedactSecrets
	c := newClient(t, func(cfg *sigil.Config) {
		cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
		cfg.GenerationExport.Endpoint = h.HTTPEndpoint()
		cfg.ContentCaptureResolver = func(_ context.Context, md map[string]any) sigil.ContentCaptureMode {
			if md["explode"] == true {
				panic("boom")
			}
			return sigil.ContentCaptureModeFull
		}
		cfg.Privacy.Redaction = &none
		cfg.Privacy.Sanitizer = func(path, value string) (string, error) {
			if path == "generation.system_prompt" {
				return "", errors.New("no")
			}
			return strings.ReplaceAll(value, "Sure", "SANITIZED"), nil
		}
	})
	ok, boom := unique("conv-ok"), unique("conv-boom")
	recordPrivate(t, c, ok, sigil.ContentCaptureModeDefault, map[string]any{"tenant": "acme"})
	recordPrivate(t, c, boom, sigil.ContentCaptureModeDefault, map[string]any{"explode": true})
	if err := c.Flush(ctxTimeout(t, 5e9)); err != nil {
		t.Fatal(err)
	}
	g := h.Generations(t, "http_exports", 1, withConversation(ok))[0]
	if metadataString(g, "sigil.sdk.content_capture_mode") != "full" {
		t.Fatalf("resolver mode not applied: %v", g["metadata"])
	}
	if g["system_prompt"] != "[REDACTED:sanitizer_error]" {
		t.Fatalf("sanitizer error did not fail closed: %v", g["system_prompt"])
	}
	out := g["output"].([]any)[0].(map[string]any)["parts"].([]any)[0].(map[string]any)["text"]
	in := g["input"].([]any)[0].(map[string]any)["parts"].([]any)[0].(map[string]any)["text"]
	if out != "SANITIZED." || in != "mail jane@example.com" {
		t.Fatalf("sanitizer/redaction categories: in=%v out=%v", in, out)
	}
	g = h.Generations(t, "http_exports", 1, withConversation(boom))[0]
	if metadataString(g, "sigil.sdk.content_capture_mode") != "metadata_only" {
		t.Fatalf("a panicking resolver must mean metadata_only: %v", g["metadata"])
	}
}

func TestPrivacyToolInheritsTheGenerationMode(t *testing.T) {
	h := needHarness(t)
	c := newClient(t, func(cfg *sigil.Config) {
		cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolNone
		cfg.Telemetry.OTLPEndpoint = h.OTLPEndpoint()
		cfg.ContentCapture = sigil.ContentCaptureModeFull
	})
	tool := unique("tool-inherit")
	ctx, gen := c.StartGeneration(context.Background(), sigil.GenerationStart{
		Model: sigil.ModelRef{Provider: "openai", Name: "gpt-5"}, ContentCapture: sigil.ContentCaptureModeMetadataOnly})
	_, rec := c.StartToolExecution(ctx, sigil.ToolExecutionStart{ToolName: tool})
	rec.SetResult(sigil.ToolExecutionEnd{Arguments: map[string]any{"q": 1}, Result: "ok"})
	rec.End()
	gen.End()
	if err := c.Flush(ctxTimeout(t, 5e9)); err != nil {
		t.Fatal(err)
	}
	for _, cap := range h.Captures(t, "otlp_traces") {
		spans, _ := cap["spans"].([]any)
		for _, s := range spans {
			m := s.(map[string]any)
			if m["name"] != "execute_tool "+tool {
				continue
			}
			if _, ok := m["attributes"].(map[string]any)["gen_ai.tool.call.arguments"]; ok {
				t.Fatalf("tool span under a metadata_only generation carries arguments: %v", m)
			}
			return
		}
	}
	t.Fatalf("no span for %s", tool)
}

// spansNamed returns the captured spans by name (the last one of each name).
func spansNamed(t *testing.T, h *harness) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, cap := range h.Captures(t, "otlp_traces") {
		spans, _ := cap["spans"].([]any)
		for _, s := range spans {
			m := s.(map[string]any)
			out[m["name"].(string)] = m
		}
	}
	return out
}

func attrs(span map[string]any) map[string]any {
	if span == nil {
		return nil
	}
	a, _ := span["attributes"].(map[string]any)
	return a
}

type ctxKey struct{}

func TestPrivacyResolverGetsTheCallersContext(t *testing.T) {
	h := needHarness(t)
	type call struct {
		kind         sigil.RecordKind
		conversation string
		value        any
		metadata     map[string]any
	}
	var mu sync.Mutex
	var calls []call
	c := newClient(t, func(cfg *sigil.Config) {
		cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
		cfg.GenerationExport.Endpoint = h.HTTPEndpoint()
		cfg.API.Endpoint = h.APIEndpoint()
		cfg.Telemetry.OTLPEndpoint = h.OTLPEndpoint()
		cfg.ContentCaptureResolver = func(ctx context.Context, md map[string]any) sigil.ContentCaptureMode {
			kind, _ := sigil.RecordKindFromContext(ctx)
			conv, _ := sigil.ConversationIDFromContext(ctx)
			mu.Lock()
			calls = append(calls, call{kind, conv, ctx.Value(ctxKey{}), md})
			mu.Unlock()
			if strings.HasPrefix(conv, "conv-private") {
				return sigil.ContentCaptureModeMetadataOnly
			}
			return sigil.ContentCaptureModeDefault
		}
	})
	private, open := unique("conv-private"), unique("conv-open")
	ctx := context.WithValue(sigil.WithConversationID(context.Background(), private), ctxKey{}, "caller")
	_, gen := c.StartGeneration(ctx, sigil.GenerationStart{Model: sigil.ModelRef{Provider: "openai", Name: "gpt-5"},
		SystemPrompt: "private prompt"})
	gen.End()
	tool := unique("tool-private")
	_, rec := c.StartToolExecution(ctx, sigil.ToolExecutionStart{ToolName: tool, IncludeContent: true})
	rec.SetResult(sigil.ToolExecutionEnd{Arguments: map[string]any{"q": "private"}, Result: "private"})
	rec.End()
	_, emb := c.StartEmbedding(ctx, sigil.EmbeddingStart{Model: sigil.ModelRef{Provider: "openai", Name: "te3"}})
	emb.End()
	if _, err := c.SubmitConversationRating(sigil.WithConversationID(ctxTimeout(t, 10*time.Second), open), open,
		sigil.ConversationRatingInput{RatingID: "r1", Rating: sigil.ConversationRatingValueGood, Comment: "fine",
			Metadata: map[string]any{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Shutdown(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []call{
		{sigil.RecordGeneration, private, "caller", nil},
		{sigil.RecordToolExecution, private, "caller", nil},
		{sigil.RecordEmbedding, private, "caller", nil},
		{sigil.RecordRating, open, nil, map[string]any{"k": "v"}},
	}
	if len(calls) != len(want) {
		t.Fatalf("resolver calls = %+v", calls)
	}
	for i, w := range want {
		got := calls[i]
		if got.kind != w.kind || got.conversation != w.conversation || got.value != w.value ||
			len(got.metadata) != len(w.metadata) || (w.metadata != nil && got.metadata["k"] != "v") {
			t.Errorf("call %d = %+v, want %+v", i, got, w)
		}
	}
	if sigil.RecordToolExecution.String() != "tool_execution" {
		t.Error("RecordKind names")
	}
	g := h.Generations(t, "http_exports", 1, withConversation(private))[0]
	if metadataString(g, "sigil.sdk.content_capture_mode") != "metadata_only" || g["system_prompt"] != nil {
		t.Fatalf("the resolver's decision was not applied: %v", g)
	}
	if _, ok := attrs(spansNamed(t, h)["execute_tool "+tool])["gen_ai.tool.call.arguments"]; ok {
		t.Fatal("tool arguments on a metadata_only span")
	}
}

func TestPrivacyMetadataOnlyLeaksNothing(t *testing.T) {
	h := needHarness(t)
	c := newClient(t, func(cfg *sigil.Config) {
		cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolGRPC
		cfg.GenerationExport.Endpoint = h.GRPCEndpoint()
		cfg.API.Endpoint = h.APIEndpoint()
		cfg.Telemetry.OTLPEndpoint = h.OTLPEndpoint()
		cfg.ContentCapture = sigil.ContentCaptureModeMetadataOnly
		cfg.EmbeddingCapture = sigil.EmbeddingCaptureConfig{CaptureInput: true}
	})
	const secret = "launch code 0000"
	conv := unique("conv-mo")
	ctx := context.Background()
	ctx, gen := c.StartGeneration(ctx, sigil.GenerationStart{ConversationID: conv, ConversationTitle: "Title " + secret,
		Model: sigil.ModelRef{Provider: "openai", Name: "gpt-5"}, SystemPrompt: "System " + secret,
		Tools: []sigil.ToolDefinition{{Name: "lookup", Description: "Desc " + secret}}})
	gen.SetCallError(errors.New("provider said " + secret))
	gen.SetResult(sigil.Generation{
		Input: []sigil.Message{sigil.UserTextMessage("User " + secret)},
		Output: []sigil.Message{{Role: sigil.RoleAssistant, Parts: []sigil.Part{sigil.ThinkingPart("Think " + secret),
			sigil.ToolCallPart(sigil.ToolCall{ID: "c1", Name: "lookup", InputJSON: json.RawMessage(`{"q":"` + secret + `"}`)})}}},
	}, nil)
	_, rec := c.StartToolExecution(ctx, sigil.ToolExecutionStart{ToolName: "mo-tool", IncludeContent: true,
		ToolDescription: "Tool desc " + secret, ConversationTitle: "Tool title " + secret})
	rec.SetResult(sigil.ToolExecutionEnd{Arguments: map[string]any{"q": secret}, Result: "Result " + secret})
	rec.End()
	gen.End()
	_, emb := c.StartEmbedding(context.Background(), sigil.EmbeddingStart{Model: sigil.ModelRef{Provider: "openai", Name: "te3"}})
	emb.SetResult(sigil.EmbeddingResult{InputCount: 1, InputTexts: []string{"Embed " + secret}})
	emb.End()
	if _, err := c.SubmitConversationRating(ctxTimeout(t, 10*time.Second), conv, sigil.ConversationRatingInput{
		RatingID: "r-mo", Rating: sigil.ConversationRatingValueBad, Comment: "Comment " + secret}); err != nil {
		t.Fatal(err)
	}
	if err := c.Shutdown(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	gens := h.Generations(t, "grpc_exports", 1, withConversation(conv))
	if len(gens) != 1 || metadataString(gens[0], "sigil.sdk.content_capture_mode") != "metadata_only" {
		t.Fatalf("generations = %v", gens)
	}
	for what, v := range map[string]any{"export": gens, "spans": h.Captures(t, "otlp_traces"), "ratings": h.Captures(t, "ratings")} {
		b, _ := json.Marshal(v)
		if strings.Contains(string(b), "launch code") {
			t.Errorf("%s leaks content: %s", what, b)
		}
	}
}

func TestPrivacyContextModeScopesGenerationsAndTools(t *testing.T) {
	h := needHarness(t)
	c := newClient(t, func(cfg *sigil.Config) {
		cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
		cfg.GenerationExport.Endpoint = h.HTTPEndpoint()
		cfg.Telemetry.OTLPEndpoint = h.OTLPEndpoint()
		cfg.ContentCapture = sigil.ContentCaptureModeFull
		cfg.EmbeddingCapture = sigil.EmbeddingCaptureConfig{CaptureInput: true}
	})
	conv, tool, model := unique("conv-scope"), unique("scoped"), unique("te-scope")
	ctx := sigil.WithContentCaptureMode(context.Background(), sigil.ContentCaptureModeMetadataOnly)
	if m, ok := sigil.ContentCaptureModeFromContext(ctx); !ok || m != sigil.ContentCaptureModeMetadataOnly {
		t.Fatal("ContentCaptureModeFromContext")
	}
	_, gen := c.StartGeneration(ctx, sigil.GenerationStart{ConversationID: conv,
		Model: sigil.ModelRef{Provider: "openai", Name: "gpt-5"}})
	if gen.ContentCaptureMode() != sigil.ContentCaptureModeMetadataOnly {
		t.Fatalf("generation mode = %v", gen.ContentCaptureMode())
	}
	gen.End()
	_, rec := c.StartToolExecution(ctx, sigil.ToolExecutionStart{ToolName: tool})
	rec.SetResult(sigil.ToolExecutionEnd{Arguments: map[string]any{"q": 1}, Result: "ok"})
	rec.End()
	_, emb := c.StartEmbedding(ctx, sigil.EmbeddingStart{Model: sigil.ModelRef{Provider: "openai", Name: model}})
	emb.SetResult(sigil.EmbeddingResult{InputCount: 1, InputTexts: []string{"visible"}})
	emb.End()
	if err := c.Shutdown(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	g := h.Generations(t, "http_exports", 1, withConversation(conv))[0]
	if metadataString(g, "sigil.sdk.content_capture_mode") != "metadata_only" {
		t.Fatalf("generation did not follow the context's mode: %v", g["metadata"])
	}
	spans := spansNamed(t, h)
	if _, ok := attrs(spans["execute_tool "+tool])["gen_ai.tool.call.arguments"]; ok {
		t.Error("the tool did not follow the context's mode")
	}
	if texts, _ := attrs(spans["embeddings "+model])["gen_ai.embeddings.input_texts"].([]any); len(texts) != 1 || texts[0] != "visible" {
		t.Errorf("embeddings must not follow the context's mode: %v", attrs(spans["embeddings "+model]))
	}
}

func TestPrivacyLimitsRatingSanitizerAndJSONFields(t *testing.T) {
	h := needHarness(t)
	none := sigil.RedactNone
	c := newClient(t, func(cfg *sigil.Config) {
		cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
		cfg.GenerationExport.Endpoint = h.HTTPEndpoint()
		cfg.GenerationExport.PayloadMaxBytes = 4096
		cfg.API.Endpoint = h.APIEndpoint()
		cfg.Telemetry.OTLPEndpoint = h.OTLPEndpoint()
		cfg.ContentCapture = sigil.ContentCaptureModeFull
		cfg.EmbeddingCapture = sigil.EmbeddingCaptureConfig{CaptureInput: true, MaxInputItems: 2, MaxTextLength: 5}
		cfg.Privacy.Redaction = &none
		cfg.Privacy.MaxFieldBytes = 64
		cfg.Privacy.Sanitizer = func(path, value string) (string, error) {
			if path == "rating.metadata.bad" {
				panic("sanitizer bug")
			}
			return strings.ReplaceAll(value, "ACCT-42", "[ACCOUNT]"), nil
		}
	})
	conv, tool, model := unique("conv-limits"), unique("long"), unique("te-limits")
	args := map[string]any{"city": "Paris", "notes": strings.Repeat("n", 300)}
	raw, _ := json.Marshal(args)
	_, gen := c.StartGeneration(context.Background(), sigil.GenerationStart{ConversationID: conv,
		Model: sigil.ModelRef{Provider: "openai", Name: "gpt-5"}})
	gen.SetResult(sigil.Generation{
		Input:  []sigil.Message{sigil.UserTextMessage("mail jane@example.com")},
		Output: []sigil.Message{{Role: sigil.RoleAssistant, Parts: []sigil.Part{sigil.ToolCallPart(sigil.ToolCall{ID: "c1", Name: "lookup", InputJSON: raw})}}},
	}, nil)
	gen.End()
	_, big := c.StartGeneration(context.Background(), sigil.GenerationStart{ConversationID: conv,
		Model: sigil.ModelRef{Provider: "openai", Name: "gpt-5"}, Metadata: map[string]any{"blob": strings.Repeat("b", 10000)}})
	big.End()
	if !errors.Is(big.Err(), sigil.ErrPayloadTooLarge) {
		t.Errorf("big generation: %v", big.Err())
	}
	_, rec := c.StartToolExecution(context.Background(), sigil.ToolExecutionStart{ToolName: tool})
	rec.SetResult(sigil.ToolExecutionEnd{Arguments: args, Result: strings.Repeat("r", 300)})
	rec.End()
	_, emb := c.StartEmbedding(context.Background(), sigil.EmbeddingStart{Model: sigil.ModelRef{Provider: "openai", Name: model}})
	emb.SetResult(sigil.EmbeddingResult{InputCount: 3, InputTexts: []string{"first text", "second", "third"}})
	emb.End()
	if _, err := c.SubmitConversationRating(ctxTimeout(t, 10*time.Second), conv, sigil.ConversationRatingInput{
		RatingID: "r-limits", Rating: sigil.ConversationRatingValueGood, Comment: "fixed ACCT-42",
		Metadata: map[string]any{"account": "ACCT-42", "bad": "x", "n": 3}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Shutdown(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	gens := h.Generations(t, "http_exports", 1, withConversation(conv))
	if len(gens) != 1 {
		t.Fatalf("want only the small generation, got %d", len(gens))
	}
	g := gens[0]
	in := g["input"].([]any)[0].(map[string]any)["parts"].([]any)[0].(map[string]any)["text"]
	if in != "mail jane@example.com" {
		t.Errorf("redaction off: input = %v", in)
	}
	call := g["output"].([]any)[0].(map[string]any)["parts"].([]any)[0].(map[string]any)["tool_call"].(map[string]any)
	sent, err := base64.StdEncoding.DecodeString(call["input_json"].(string))
	if err != nil {
		t.Fatal(err)
	}
	var cut string
	if len(sent) > 64 || json.Unmarshal(sent, &cut) != nil || !strings.HasPrefix(cut, `{"city":"Paris"`) ||
		!strings.Contains(cut, "[truncated") {
		t.Errorf("cut tool-call arguments must be JSON within the limit: %s", sent)
	}
	spans := spansNamed(t, h)
	for _, key := range []string{"gen_ai.tool.call.arguments", "gen_ai.tool.call.result"} {
		v, _ := attrs(spans["execute_tool "+tool])[key].(string)
		if len(v) > 64 || !json.Valid([]byte(v)) || !strings.Contains(v, "[truncated") {
			t.Errorf("%s = %q", key, v)
		}
	}
	texts, _ := attrs(spans["embeddings "+model])["gen_ai.embeddings.input_texts"].([]any)
	if len(texts) != 2 || texts[0] != "fi..." || texts[1] != "se..." {
		t.Errorf("embedding capture limits: %v", texts)
	}
	var body map[string]any
	for _, r := range h.Captures(t, "ratings") {
		if r["conversation_id"] == conv {
			body = r["json"].(map[string]any)
		}
	}
	md, _ := body["metadata"].(map[string]any)
	if body["comment"] != "fixed [ACCOUNT]" || md["account"] != "[ACCOUNT]" || md["bad"] != "[REDACTED:sanitizer_error]" {
		t.Errorf("rating = %v", body)
	}
}
