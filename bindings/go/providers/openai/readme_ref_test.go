package openai_test

import (
	"strings"
	"testing"

	"github.com/libsigil/libsigil/bindings/go/providers/internal/providertest"
)

// The reference package's README examples build and run against this
// package with only the import path changed. Blocks using the reference's
// Go-side mappers (ChatCompletionsFrom*, ResponsesFrom*), which this package
// does not have (libsigil maps the raw JSON), are left out and named.
func TestReferenceReadmeExamplesRun(t *testing.T) {
	readme := providertest.ReferenceReadme(t, "sdks/go-providers/openai/README.md")
	h := providertest.NeedHarness(t)
	fake := providertest.NewFakeProvider(t)
	fake.Reply("/chat/completions", providertest.JSONReply(t, "openai.chat/response_text.json"))
	fake.Reply("/responses", providertest.JSONReply(t, "openai.responses/response.json"))
	fake.Reply("/embeddings", providertest.JSONReply(t, "openai.embeddings/response.json"))

	const common = "ctx context.Context, sigilClient *sigil.Client, providerClient osdk.Client"
	var examples []providertest.Example
	for i, block := range providertest.GoBlocks(readme) {
		switch {
		case strings.Contains(block, "FromRequestResponse") || strings.Contains(block, "FromStream"):
			t.Logf("block %d uses the reference's Go-side mappers; not run:\n%s", i, block)
		case strings.Contains(block, "openai.ResponsesNew("):
			examples = append(examples, providertest.Example{Name: "responses", Code: block,
				Params: common + ", req oresponses.ResponseNewParams", Args: "ctx, sigilClient, providerClient, responsesReq"})
		case strings.Contains(block, "openai.ChatCompletionsNew("):
			examples = append(examples, providertest.Example{Name: "chat", Code: block,
				Params: common + ", req osdk.ChatCompletionNewParams", Args: "ctx, sigilClient, providerClient, chatReq"})
		case strings.Contains(block, "openai.EmbeddingsNew("):
			examples = append(examples, providertest.Example{Name: "embeddings", Code: block,
				Params: common, Args: "ctx, sigilClient, providerClient"})
		default:
			t.Fatalf("README block %d is new to this test:\n%s", i, block)
		}
	}
	if len(examples) != 3 {
		t.Fatalf("want the chat, responses and embeddings examples, got %d", len(examples))
	}
	out := providertest.RunExamples(t, `
	"context"
	"fmt"
	"os"
	"time"

	osdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	oresponses "github.com/openai/openai-go/v3/responses"

	"github.com/libsigil/libsigil/bindings/go/providers/openai"
	"github.com/libsigil/libsigil/bindings/go/sigil"`, `
	ctx := context.Background()
	sigilClient := sigil.NewClient(sigil.DefaultConfig())
	providerClient := osdk.NewClient(option.WithBaseURL(os.Getenv("FAKE_PROVIDER_URL")+"/v1"),
		option.WithAPIKey("test-key"), option.WithMaxRetries(0))
	chatReq := osdk.ChatCompletionNewParams{Model: "gpt-4o",
		Messages: []osdk.ChatCompletionMessageParamUnion{osdk.UserMessage("Weather in Paris?")}}
	responsesReq := oresponses.ResponseNewParams{Model: "gpt-4.1",
		Input: oresponses.ResponseNewParamsInputUnion{OfString: osdk.String("Weather in Paris?")}}`,
		examples, "FAKE_PROVIDER_URL="+fake.URL(), "SIGIL_PROTOCOL=http", "SIGIL_ENDPOINT="+h.HTTPEndpoint())
	for _, name := range []string{"chat", "responses", "embeddings"} {
		if !strings.Contains(out, name+": ok\n") {
			t.Fatalf("example %s:\n%s", name, out)
		}
	}
	gens := h.Generations(t, "conv-1", 2)
	if len(gens) != 2 {
		t.Fatalf("generations of the README examples: %d", len(gens))
	}
	for _, g := range gens {
		if g["agent_name"] != "assistant-openai" || g["agent_version"] != "1.0.0" || len(g["output"].([]any)) == 0 {
			t.Fatalf("README example generation: %v", g)
		}
	}
}
