package gemini_test

import (
	"strings"
	"testing"

	"github.com/libsigil/libsigil/bindings/go/providers/internal/providertest"
)

// The reference package's README examples build and run against this
// package with only the import path changed: the wrappers and the defer
// patterns built on FromRequestResponse and FromStream.
func TestReferenceReadmeExamplesRun(t *testing.T) {
	readme := providertest.ReferenceReadme(t, "sdks/go-providers/gemini/README.md")
	h := providertest.NeedHarness(t)
	fake := providertest.NewFakeProvider(t)
	fake.Reply(":generateContent", providertest.JSONReply(t, "gemini.generate_content/response.json"))
	fake.Reply(":streamGenerateContent", providertest.SSEReply(t, "gemini.generate_content/stream.jsonl"))
	fake.Reply(":batchEmbedContents", providertest.JSONReply(t, "gemini.embed_content/response_batch.json"))

	const params = "ctx context.Context, sigilClient *sigil.Client, providerClient *genai.Client, " +
		"model string, contents []*genai.Content, config *genai.GenerateContentConfig"
	const args = "ctx, sigilClient, providerClient, model, contents, config"
	const deferParams = "ctx context.Context, sigilClient *sigil.Client, geminiClient *genai.Client, " +
		"model string, contents []*genai.Content, config *genai.GenerateContentConfig"
	var examples []providertest.Example
	for i, block := range providertest.GoBlocks(readme) {
		switch {
		case strings.Contains(block, "gemini.FromRequestResponse("):
			examples = append(examples, providertest.Example{Name: "defer", Code: block, Params: deferParams, Args: args})
		case strings.Contains(block, "gemini.FromStream("):
			examples = append(examples, providertest.Example{Name: "defer-stream", Code: block, Params: deferParams, Args: args})
		case strings.Contains(block, "gemini.GenerateContent("):
			examples = append(examples, providertest.Example{Name: "generate", Code: block, Params: params, Args: args})
		case strings.Contains(block, "gemini.EmbedContent("):
			examples = append(examples, providertest.Example{Name: "embed", Code: block, Params: params, Args: args})
		default:
			t.Fatalf("README block %d is new to this test:\n%s", i, block)
		}
	}
	names := []string{"generate", "embed", "defer", "defer-stream"}
	if len(examples) != len(names) {
		t.Fatalf("want the %v examples, got %d", names, len(examples))
	}
	run := providertest.Unique("readme-gemini")
	out := providertest.RunExamples(t, `
	"context"
	"fmt"
	"os"
	"time"

	"google.golang.org/genai"

	"github.com/libsigil/libsigil/bindings/go/providers/gemini"
	"github.com/libsigil/libsigil/bindings/go/sigil"`, `
	ctx := context.Background()
	sigilClient := sigil.NewClient(sigil.DefaultConfig())
	providerClient, err := genai.NewClient(ctx, &genai.ClientConfig{APIKey: "test-key", Backend: genai.BackendGeminiAPI,
		HTTPOptions: genai.HTTPOptions{BaseURL: os.Getenv("FAKE_PROVIDER_URL") + "/"}})
	if err != nil {
		panic(err)
	}
	model := "gemini-2.5-flash"
	contents := []*genai.Content{genai.NewContentFromText("Weather in Paris?", genai.RoleUser)}
	config := &genai.GenerateContentConfig{}`,
		examples, "FAKE_PROVIDER_URL="+fake.URL(), "SIGIL_PROTOCOL=http", "SIGIL_ENDPOINT="+h.HTTPEndpoint(),
		"SIGIL_TAGS="+providertest.RunTag+"="+run)
	for _, name := range names {
		if !strings.Contains(out, name+": ok\n") {
			t.Fatalf("example %s:\n%s", name, out)
		}
	}
	gens := h.Generations(t, "conv-1", 1)
	if len(gens) != 1 || gens[0]["agent_name"] != "assistant-gemini" || len(gens[0]["output"].([]any)) == 0 {
		t.Fatalf("README example generations: %v", gens)
	}
	if byMode := h.RunModes(t, run, 3); byMode["GENERATION_MODE_SYNC"] != 2 || byMode["GENERATION_MODE_STREAM"] != 1 {
		t.Fatalf("generations by mode: %v", byMode)
	}
}
