package sigil_test

import (
	"context"
	"errors"
	"strings"
	"testing"

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
		cfg.GenerationExport.Endpoint = h.httpEndpoint()
		cfg.ContentCapture = sigil.ContentCaptureModeMetadataOnly
	})
	stripped, full := unique("conv-mo"), unique("conv-full")
	recordPrivate(t, c, stripped, sigil.ContentCaptureModeDefault, nil)
	recordPrivate(t, c, full, sigil.ContentCaptureModeFull, nil)
	if err := c.Flush(ctxTimeout(t, 5e9)); err != nil {
		t.Fatal(err)
	}
	g := h.generations(t, "http_exports", 1, withConversation(stripped))[0]
	if metadataString(g, "sigil.sdk.content_capture_mode") != "metadata_only" || g["system_prompt"] != nil {
		t.Fatalf("metadata_only generation carries content: %v", g)
	}
	g = h.generations(t, "http_exports", 1, withConversation(full))[0]
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
		cfg.GenerationExport.Endpoint = h.httpEndpoint()
		cfg.ContentCaptureResolver = func(_ context.Context, md map[string]any) sigil.ContentCaptureMode {
			if md["explode"] == true {
				panic("boom")
			}
			return sigil.ContentCaptureModeFull
		}
		cfg.Privacy.Redact = &none
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
	g := h.generations(t, "http_exports", 1, withConversation(ok))[0]
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
	g = h.generations(t, "http_exports", 1, withConversation(boom))[0]
	if metadataString(g, "sigil.sdk.content_capture_mode") != "metadata_only" {
		t.Fatalf("a panicking resolver must mean metadata_only: %v", g["metadata"])
	}
}

func TestPrivacyToolInheritsTheGenerationMode(t *testing.T) {
	h := needHarness(t)
	c := newClient(t, func(cfg *sigil.Config) {
		cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolNone
		cfg.Telemetry.OTLPEndpoint = h.otlpEndpoint()
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
	for _, cap := range h.captures(t, "otlp_traces") {
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
