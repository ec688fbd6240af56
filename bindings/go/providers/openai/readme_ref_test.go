package openai_test

import (
	"strings"
	"testing"

	"github.com/libsigil/libsigil/bindings/go/providers/internal/providertest"
)

// The reference package's README examples build and run against this
// package with only the import path changed: the wrappers and the defer
// patterns built on the mappers (ChatCompletionsFrom*, ResponsesFrom*).
func TestReferenceReadmeExamplesRun(t *testing.T) {
	readme := providertest.ReferenceReadme(t, "sdks/go-providers/openai/README.md")
	h := providertest.NeedHarness(t)
	fake := providertest.NewFakeProvider(t)
	fake.Reply("/chat/completions", providertest.JSONReply(t, "openai.chat/response_text.json"))
	fake.Reply("/responses", providertest.EitherReply(t, "openai.responses/response.json", "openai.responses/stream.jsonl"))
	fake.Reply("/embeddings", providertest.JSONReply(t, "openai.embeddings/response.json"))

	const common = "ctx context.Context, sigilClient *sigil.Client, providerClient osdk.Client"
	const deferParams = "ctx context.Context, sigilClient *sigil.Client, openaiClient osdk.Client"
	var examples []providertest.Example
	for i, block := range providertest.GoBlocks(readme) {
		switch {
		case strings.Contains(block, "openai.ChatCompletionsFromRequestResponse("):
			examples = append(examples, providertest.Example{Name: "defer", Code: block,
				Params: deferParams + ", req osdk.ChatCompletionNewParams", Args: "ctx, sigilClient, providerClient, chatReq"})
		case strings.Contains(block, "openai.ResponsesFromStream("):
			examples = append(examples, providertest.Example{Name: "defer-stream", Code: block,
				Params: deferParams + ", req oresponses.ResponseNewParams", Args: "ctx, sigilClient, providerClient, responsesReq"})
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
	names := []string{"chat", "responses", "embeddings", "defer", "defer-stream"}
	if len(examples) != len(names) {
		t.Fatalf("want the %v examples, got %d", names, len(examples))
	}
	run := providertest.Unique("readme-openai")
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
		examples, "FAKE_PROVIDER_URL="+fake.URL(), "SIGIL_PROTOCOL=http", "SIGIL_ENDPOINT="+h.HTTPEndpoint(),
		"SIGIL_TAGS="+providertest.RunTag+"="+run)
	for _, name := range names {
		if !strings.Contains(out, name+": ok\n") {
			t.Fatalf("example %s:\n%s", name, out)
		}
	}
	gens := h.Generations(t, "conv-1", 2)
	if len(gens) != 2 {
		t.Fatalf("generations of the README wrapper examples: %d", len(gens))
	}
	for _, g := range gens {
		if g["agent_name"] != "assistant-openai" || g["agent_version"] != "1.0.0" || len(g["output"].([]any)) == 0 {
			t.Fatalf("README example generation: %v", g)
		}
	}
	// The program's four generations: two wrappers, the two defer patterns.
	byMode := h.RunModes(t, run, 4)
	if byMode["GENERATION_MODE_SYNC"] != 3 || byMode["GENERATION_MODE_STREAM"] != 1 {
		t.Fatalf("generations by mode: %v", byMode)
	}
}
