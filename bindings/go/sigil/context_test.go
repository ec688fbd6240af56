package sigil_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

func TestContextIdentityFlows(t *testing.T) {
	h := needHarness(t)
	client := httpClient(t)
	conv := unique("conv-ctx")
	ctx := ctxTimeout(t, 10*time.Second)
	ctx = sigil.WithConversationID(ctx, conv)
	ctx = sigil.WithConversationTitle(ctx, "Trip planning")
	ctx = sigil.WithUserID(ctx, "user-42")
	ctx = sigil.WithAgentName(ctx, "planner")
	ctx = sigil.WithAgentVersion(ctx, "1.2.3")

	if v, ok := sigil.ConversationIDFromContext(ctx); !ok || v != conv {
		t.Fatalf("ConversationIDFromContext = %q, %v", v, ok)
	}
	if _, ok := sigil.UserIDFromContext(context.Background()); ok {
		t.Fatal("UserIDFromContext on an empty context reported a value")
	}

	// From the context only.
	_, rec := client.StartGeneration(ctx, sigil.GenerationStart{ID: unique("gen-ctx"), Model: sigil.ModelRef{Provider: "p", Name: "m"}})
	rec.End()
	// Explicit start fields win over the context.
	_, rec2 := client.StartGeneration(ctx, sigil.GenerationStart{ID: unique("gen-explicit"), AgentName: "explicit-agent",
		UserID: "explicit-user", Model: sigil.ModelRef{Provider: "p", Name: "m"}})
	rec2.End()
	if err := client.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	gens := h.Generations(t, "http_exports", 2, withConversation(conv))
	if len(gens) != 2 {
		t.Fatalf("got %d generations, want 2", len(gens))
	}
	for _, g := range gens {
		if metadataString(g, "sigil.conversation.title") != "Trip planning" {
			t.Errorf("conversation title = %q", metadataString(g, "sigil.conversation.title"))
		}
		explicit := strings.HasPrefix(g["id"].(string), "gen-explicit")
		wantAgent, wantUser := "planner", "user-42"
		if explicit {
			wantAgent, wantUser = "explicit-agent", "explicit-user"
		}
		if g["agent_name"] != wantAgent || g["agent_version"] != "1.2.3" || metadataString(g, "sigil.user.id") != wantUser {
			t.Errorf("%s: agent %v/%v user %q", g["id"], g["agent_name"], g["agent_version"], metadataString(g, "sigil.user.id"))
		}
	}
}

// TestNestedRecordersShareTheTrace checks that the context a Start call
// returns parents recorders started from it, on the wire: the generations'
// trace ids and the OTLP spans' parent span ids.
func TestNestedRecordersShareTheTrace(t *testing.T) {
	h := needHarness(t)
	client := newClient(t, func(c *sigil.Config) {
		c.GenerationExport.Protocol = sigil.GenerationExportProtocolGRPC
		c.GenerationExport.Endpoint = h.GRPCEndpoint()
		c.Telemetry.OTLPEndpoint = h.OTLPEndpoint()
	})
	conv := unique("conv-nested")
	ctx := sigil.WithConversationID(ctxTimeout(t, 10*time.Second), conv)
	model := sigil.ModelRef{Provider: "openai", Name: "gpt-5"}

	parentID, childID := unique("gen-parent"), unique("gen-child")
	agentCtx, parent := client.StartGeneration(ctx, sigil.GenerationStart{ID: parentID, Model: model})
	tp, ok := sigil.TraceparentFromContext(agentCtx)
	if !ok || len(tp) != 55 {
		t.Fatalf("traceparent in the returned context = %q", tp)
	}
	if _, ok := sigil.TraceparentFromContext(ctx); ok {
		t.Fatal("the caller's context must not change")
	}
	toolCtx, tool := client.StartToolExecution(agentCtx, sigil.ToolExecutionStart{ToolName: "lookup", ToolCallID: "call-1"})
	_, child := client.StartGeneration(toolCtx, sigil.GenerationStart{ID: childID, Model: model})
	child.End()
	tool.SetResult(sigil.ToolExecutionEnd{Arguments: map[string]string{"q": "x"}, Result: "found"})
	tool.End()
	_, emb := client.StartEmbedding(agentCtx, sigil.EmbeddingStart{Model: sigil.ModelRef{Provider: "openai", Name: "text-embedding-3-small"}})
	emb.SetResult(sigil.EmbeddingResult{InputCount: 2, InputTokens: 10})
	emb.End()
	parent.End()
	for _, err := range []error{parent.Err(), tool.Err(), child.Err(), emb.Err()} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := client.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	gens := h.Generations(t, "grpc_exports", 2, withConversation(conv))
	byID := map[string]map[string]any{}
	for _, g := range gens {
		byID[g["id"].(string)] = g
	}
	pg, cg := byID[parentID], byID[childID]
	if pg == nil || cg == nil {
		t.Fatalf("generations captured: %v", byID)
	}
	traceID := strings.Split(tp, "-")[1]
	if pg["trace_id"] != traceID || cg["trace_id"] != traceID {
		t.Errorf("trace ids: parent %v child %v, want %s", pg["trace_id"], cg["trace_id"], traceID)
	}
	if pg["span_id"] == cg["span_id"] {
		t.Error("parent and child share a span id")
	}

	// Spans: child generation -> tool -> parent generation; embedding -> parent.
	spans := waitSpans(t, h, traceID, 4)
	byName := map[string]map[string]any{}
	for _, s := range spans {
		byName[s["name"].(string)] = s
	}
	parentSpan, toolSpan := byName["generateText gpt-5"], byName["execute_tool lookup"]
	embSpan := byName["embeddings text-embedding-3-small"]
	if parentSpan == nil || toolSpan == nil || embSpan == nil {
		t.Fatalf("spans: %v", spanNames(spans))
	}
	if toolSpan["parent_span_id"] != pg["span_id"] || embSpan["parent_span_id"] != pg["span_id"] {
		t.Errorf("tool/embedding parent = %v/%v, want %v", toolSpan["parent_span_id"], embSpan["parent_span_id"], pg["span_id"])
	}
	for _, s := range spans {
		if s["span_id"] == cg["span_id"] && s["parent_span_id"] != toolSpan["span_id"] {
			t.Errorf("child generation's parent = %v, want the tool span %v", s["parent_span_id"], toolSpan["span_id"])
		}
	}
	if got := attr(toolSpan, "sigil.sdk.name"); got != "sdk-go" {
		t.Errorf("tool span sigil.sdk.name = %v", got)
	}
	if got := attr(toolSpan, "gen_ai.conversation.id"); got != conv {
		t.Errorf("tool span conversation id = %v (from the context)", got)
	}

	// A traceparent from the host's own tracer parents the next recorder.
	hostTP := "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	_, rec := client.StartGeneration(sigil.ContextWithTraceparent(ctx, hostTP), sigil.GenerationStart{ID: unique("gen-host"), Model: model})
	rec.End()
	_ = client.Flush(ctx)
	hostSpans := waitSpans(t, h, "0af7651916cd43dd8448eb211c80319c", 1)
	if len(hostSpans) != 1 || hostSpans[0]["parent_span_id"] != "b7ad6b7169203331" {
		t.Errorf("spans under the host traceparent: %v", hostSpans)
	}
}

func waitSpans(t *testing.T, h *harness, traceID string, want int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(8 * time.Second)
	for {
		var out []map[string]any
		for _, c := range h.Captures(t, "otlp_traces") {
			spans, _ := c["spans"].([]any)
			for _, s := range spans {
				if m := s.(map[string]any); m["trace_id"] == traceID {
					out = append(out, m)
				}
			}
		}
		if len(out) >= want || time.Now().After(deadline) {
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func spanNames(spans []map[string]any) []string {
	var names []string
	for _, s := range spans {
		names = append(names, s["name"].(string))
	}
	return names
}

func attr(span map[string]any, key string) any {
	attrs, _ := span["attributes"].(map[string]any)
	return attrs[key]
}
