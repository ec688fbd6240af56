package anthropic_test

// FromRequestResponse and FromStream on the wrappers' fixtures: the SDK's
// own values (read from the fake provider by the real client) in, libsigil's
// mapping out.

import (
	"context"
	"testing"

	"github.com/libsigil/libsigil/bindings/go/providers/anthropic"
	"github.com/libsigil/libsigil/bindings/go/providers/internal/providertest"
	"github.com/libsigil/libsigil/bindings/go/sigil"
)

func TestFromRequestResponse(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/v1/messages", providertest.JSONReply(t, "anthropic.messages/response.json"))
	req := request()
	resp, err := e.provider.Beta.Messages.New(providertest.Context(t), req)
	if err != nil {
		t.Fatal(err)
	}
	g, err := anthropic.FromRequestResponse(req, resp, anthropic.WithConversationID("conv-map"),
		anthropic.WithAgentName("assistant-anthropic"), anthropic.WithTag("team", "travel"),
		anthropic.WithRequestArtifact())
	if err != nil {
		t.Fatalf("FromRequestResponse: %v", err)
	}
	if g.Mode != sigil.GenerationModeSync || g.Model != (sigil.ModelRef{Provider: "anthropic", Name: "claude-sonnet-4-5"}) ||
		g.ResponseID != resp.ID || g.ResponseModel != string(resp.Model) || g.StopReason != "tool_use" {
		t.Fatalf("call fields: %+v", g)
	}
	if g.SystemPrompt != "You are a terse travel assistant." || g.MaxTokens == nil || *g.MaxTokens != 1024 {
		t.Fatalf("request: %q %v", g.SystemPrompt, g.MaxTokens)
	}
	var kinds []sigil.PartKind
	for _, p := range g.Output[0].Parts {
		kinds = append(kinds, p.Kind)
	}
	if len(kinds) != 3 || kinds[0] != sigil.PartKindThinking || kinds[1] != sigil.PartKindText || kinds[2] != sigil.PartKindToolCall {
		t.Fatalf("output parts: %v", kinds)
	}
	if g.Usage.InputTokens == 0 || g.Usage.OutputTokens == 0 {
		t.Fatalf("usage: %+v", g.Usage)
	}
	if g.ConversationID != "conv-map" || g.AgentName != "assistant-anthropic" || g.Tags["team"] != "travel" {
		t.Fatalf("options: %+v", g)
	}
	if a := providertest.ArtifactKinds(g); len(a) != 1 || a[sigil.ArtifactKindRequest] != 1 {
		t.Fatalf("artifacts: %v", a)
	}
	if _, err := anthropic.FromRequestResponse(req, nil); err == nil || err.Error() != "response is required" {
		t.Fatalf("nil response: %v", err)
	}
}

func TestFromStream(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/v1/messages", providertest.SSEReply(t, "anthropic.messages/stream.jsonl"))
	req := request()
	stream := e.provider.Beta.Messages.NewStreaming(providertest.Context(t), req)
	summary := anthropic.StreamSummary{}
	for stream.Next() {
		summary.Events = append(summary.Events, stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	g, err := anthropic.FromStream(req, summary)
	if err != nil {
		t.Fatalf("FromStream: %v", err)
	}
	if g.Mode != sigil.GenerationModeStream || g.ResponseID == "" || providertest.MappedText(g) == "" ||
		g.Usage.OutputTokens == 0 || g.StopReason == "" {
		t.Fatalf("stream: %+v", g)
	}
	if _, err := anthropic.FromStream(req, anthropic.StreamSummary{}); err == nil {
		t.Fatal("an empty summary mapped")
	}
	// A summary with the final message alone maps it.
	e.fake.Reply("/v1/messages", providertest.JSONReply(t, "anthropic.messages/response.json"))
	msg, err := e.provider.Beta.Messages.New(providertest.Context(t), req)
	if err != nil {
		t.Fatal(err)
	}
	final, err := anthropic.FromStream(req, anthropic.StreamSummary{FinalMessage: msg})
	if err != nil || final.Mode != sigil.GenerationModeStream || final.ResponseID != msg.ID {
		t.Fatalf("final message: %+v %v", final, err)
	}
}

// The README's defer pattern, as a user writes it.
func TestDeferPatternRecordsTheMappedGeneration(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/v1/messages", providertest.SSEReply(t, "anthropic.messages/stream.jsonl"))
	conv := providertest.Unique("defer-stream")
	err := func() error {
		req := request()
		ctx, rec := e.client.StartStreamingGeneration(context.Background(), sigil.GenerationStart{
			ConversationID: conv, Model: sigil.ModelRef{Provider: "anthropic", Name: "claude-sonnet-4-5"}})
		defer rec.End()
		stream := e.provider.Beta.Messages.NewStreaming(ctx, req)
		defer stream.Close()
		summary := anthropic.StreamSummary{}
		for stream.Next() {
			summary.Events = append(summary.Events, stream.Current())
		}
		if err := stream.Err(); err != nil {
			rec.SetCallError(err)
			return err
		}
		rec.SetResult(anthropic.FromStream(req, summary))
		return nil
	}()
	if err != nil {
		t.Fatal(err)
	}
	g := e.generation(t, conv)
	if g["mode"] != "GENERATION_MODE_STREAM" || providertest.OutputText(g) == "" ||
		g["system_prompt"] != "You are a terse travel assistant." {
		t.Fatalf("streaming defer pattern: %v", g)
	}
}
