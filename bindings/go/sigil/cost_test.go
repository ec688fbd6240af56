package sigil_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

func recordPriced(t *testing.T, c *sigil.Client, conv, provider, model string, usage sigil.TokenUsage) {
	t.Helper()
	_, rec := c.StartGeneration(context.Background(), sigil.GenerationStart{
		ConversationID: conv, Model: sigil.ModelRef{Provider: provider, Name: model},
	})
	rec.SetResult(sigil.Generation{
		Input:  []sigil.Message{sigil.UserTextMessage("What is the weather in Paris?")},
		Output: []sigil.Message{sigil.AssistantTextMessage("Sunny, 18 degrees.")},
		Usage:  usage,
	}, nil)
	rec.End()
	if err := rec.Err(); err != nil {
		t.Fatalf("End: %v", err)
	}
}

func metadataNumber(g map[string]any, key string) float64 {
	md, _ := g["metadata"].(map[string]any)
	v, ok := md[key].(float64)
	if !ok {
		return math.NaN()
	}
	return v
}

func TestCostPricesFileAndEstimates(t *testing.T) {
	h := needHarness(t)
	table := filepath.Join(t.TempDir(), "prices.json")
	if err := os.WriteFile(table, []byte(`{"version": "team-1", "models": [
		{"provider": "acme", "model": "acme-large", "input": 1, "output": 2}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, func(cfg *sigil.Config) {
		cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
		cfg.GenerationExport.Endpoint = h.HTTPEndpoint()
		cfg.PricesFile = table
	})
	priced, builtin, estimated := unique("conv-cost"), unique("conv-builtin"), unique("conv-est")
	recordPriced(t, c, priced, "acme", "acme-large-2025", sigil.TokenUsage{InputTokens: 1_000_000, OutputTokens: 1_000_000})
	recordPriced(t, c, builtin, "anthropic", "claude-3-5-haiku-20241022", sigil.TokenUsage{InputTokens: 1_000_000})
	recordPriced(t, c, estimated, "openai", "gpt-4o-mini", sigil.TokenUsage{})
	recordPriced(t, c, unique("conv-unknown"), "acme", "other", sigil.TokenUsage{InputTokens: 1})
	if err := c.Flush(ctxTimeout(t, 5e9)); err != nil {
		t.Fatal(err)
	}
	g := h.Generations(t, "http_exports", 1, withConversation(priced))[0]
	if v := metadataNumber(g, "sigil.cost.usd.total"); math.Abs(v-3) > 1e-9 {
		t.Fatalf("total = %v", v)
	}
	if metadataString(g, "sigil.cost.price_table_version") != "2026-12-01+team-1" {
		t.Fatalf("version = %q", metadataString(g, "sigil.cost.price_table_version"))
	}
	g = h.Generations(t, "http_exports", 1, withConversation(builtin))[0]
	if v := metadataNumber(g, "sigil.cost.usd.input"); math.Abs(v-0.8) > 1e-9 {
		t.Fatalf("claude-3-5-haiku input = %v", v)
	}
	g = h.Generations(t, "http_exports", 1, withConversation(estimated))[0]
	md := g["metadata"].(map[string]any)
	if md["sigil.usage.estimated"] != true || md["sigil.cost.estimated"] != true ||
		metadataNumber(g, "sigil.usage.estimated.input_tokens") != 8 {
		t.Fatalf("estimate metadata = %v", md)
	}
	stats, err := c.Stats()
	if err != nil || stats.GenerationsUnpriced != 1 {
		t.Fatalf("stats = %+v, %v", stats, err)
	}
}

func TestCostBadPricesFileAndRates(t *testing.T) {
	table := filepath.Join(t.TempDir(), "prices.json")
	if err := os.WriteFile(table, []byte(`{"version": "1", "models": [], "currency": "EUR"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := sigil.DefaultConfig()
	cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolNone
	cfg.PricesFile = table
	_, err := sigil.NewClientWithError(cfg)
	var se *sigil.Error
	if !errors.As(err, &se) || se.Code != sigil.CodeConfig {
		t.Fatalf("bad table: %v", err)
	}
	cfg.PricesFile = ""
	bad := 1.5
	cfg.ExportSampleRate = &bad
	if _, err := sigil.NewClientWithError(cfg); err == nil {
		t.Fatal("export sample rate 1.5 accepted")
	}
}

func TestSamplingRates(t *testing.T) {
	h := needHarness(t)
	zero := 0.0
	c := newClient(t, func(cfg *sigil.Config) {
		cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
		cfg.GenerationExport.Endpoint = h.HTTPEndpoint()
		cfg.ContentSampleRate = &zero
	})
	conv := unique("conv-sampled")
	recordPriced(t, c, conv, "openai", "gpt-4o", sigil.TokenUsage{InputTokens: 1, OutputTokens: 1})
	if err := c.Flush(ctxTimeout(t, 5e9)); err != nil {
		t.Fatal(err)
	}
	g := h.Generations(t, "http_exports", 1, withConversation(conv))[0]
	md := g["metadata"].(map[string]any)
	if md["sigil.sampling.content"] != false || metadataString(g, "sigil.sdk.content_capture_mode") != "metadata_only" {
		t.Fatalf("content sample: %v", md)
	}

	off := newClient(t, func(cfg *sigil.Config) {
		cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
		cfg.GenerationExport.Endpoint = h.HTTPEndpoint()
		cfg.ExportSampleRate = &zero
	})
	recordPriced(t, off, unique("conv-not-exported"), "openai", "gpt-4o", sigil.TokenUsage{InputTokens: 1})
	if err := off.Flush(ctxTimeout(t, 5e9)); err != nil {
		t.Fatal(err)
	}
	stats, _ := off.Stats()
	if stats.GenerationsExportSampledOut != 1 || stats.GenerationsEnqueued != 0 {
		t.Fatalf("stats = %+v", stats)
	}
}
