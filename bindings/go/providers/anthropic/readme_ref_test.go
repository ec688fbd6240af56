package anthropic_test

import (
	"strings"
	"testing"

	"github.com/libsigil/libsigil/bindings/go/providers/anthropic"
	"github.com/libsigil/libsigil/bindings/go/providers/internal/providertest"
)

// The reference package's README examples build and run against this
// package with only the import path changed: the wrapper, the embeddings
// gate and the defer patterns built on FromRequestResponse and FromStream.
func TestReferenceReadmeExamplesRun(t *testing.T) {
	readme := providertest.ReferenceReadme(t, "sdks/go-providers/anthropic/README.md")
	h := providertest.NeedHarness(t)
	fake := providertest.NewFakeProvider(t)
	fake.Reply("/v1/messages", providertest.EitherReply(t, "anthropic.messages/response.json", "anthropic.messages/stream.jsonl"))

	const params = "ctx context.Context, sigilClient *sigil.Client, providerClient asdk.Client, req asdk.BetaMessageNewParams"
	const args = "ctx, sigilClient, providerClient, req"
	const deferParams = "ctx context.Context, sigilClient *sigil.Client, anthropicClient asdk.Client, req asdk.BetaMessageNewParams"
	var examples []providertest.Example
	for i, block := range providertest.GoBlocks(readme) {
		switch {
		case strings.Contains(block, "anthropic.FromRequestResponse("):
			examples = append(examples, providertest.Example{Name: "defer", Code: block, Params: deferParams, Args: args})
		case strings.Contains(block, "anthropic.FromStream("):
			examples = append(examples, providertest.Example{Name: "defer-stream", Code: block, Params: deferParams, Args: args})
		case strings.Contains(block, "anthropic.CheckEmbeddingsSupport()"):
			examples = append(examples, providertest.Example{Name: "embeddings-gate", Code: block, Params: params, Args: args})
		case strings.Contains(block, "anthropic.Message("):
			examples = append(examples, providertest.Example{Name: "message", Code: block, Params: params, Args: args})
		default:
			t.Fatalf("README block %d is new to this test:\n%s", i, block)
		}
	}
	if len(examples) != 4 {
		t.Fatalf("want the embeddings gate, message and two defer examples, got %d", len(examples))
	}
	run := providertest.Unique("readme-anthropic")
	out := providertest.RunExamples(t, `
	"context"
	"fmt"
	"os"
	"time"

	asdk "github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"

	"github.com/libsigil/libsigil/bindings/go/providers/anthropic"
	"github.com/libsigil/libsigil/bindings/go/sigil"`, `
	ctx := context.Background()
	sigilClient := sigil.NewClient(sigil.DefaultConfig())
	providerClient := asdk.NewClient(option.WithBaseURL(os.Getenv("FAKE_PROVIDER_URL")),
		option.WithAPIKey("test-key"), option.WithMaxRetries(0))
	req := asdk.BetaMessageNewParams{Model: "claude-sonnet-4-5", MaxTokens: 1024,
		Messages: []asdk.BetaMessageParam{asdk.NewBetaUserMessage(asdk.NewBetaTextBlock("Weather in Paris?"))}}`,
		examples, "FAKE_PROVIDER_URL="+fake.URL(), "SIGIL_PROTOCOL=http", "SIGIL_ENDPOINT="+h.HTTPEndpoint(),
		"SIGIL_TAGS="+providertest.RunTag+"="+run)
	if !strings.Contains(out, "message: ok\n") || !strings.Contains(out, "defer: ok\n") ||
		!strings.Contains(out, "defer-stream: ok\n") || !strings.Contains(out, "embeddings-gate: "+anthropic.ErrEmbeddingsUnsupported.Error()) {
		t.Fatalf("examples:\n%s", out)
	}
	gens := h.Generations(t, "conv-1", 1)
	if len(gens) != 1 || gens[0]["agent_name"] != "assistant-anthropic" || len(gens[0]["output"].([]any)) == 0 {
		t.Fatalf("README example generations: %v", gens)
	}
	byMode := h.RunModes(t, run, 3)
	if byMode["GENERATION_MODE_SYNC"] != 2 || byMode["GENERATION_MODE_STREAM"] != 1 {
		t.Fatalf("generations by mode: %v", byMode)
	}
}
