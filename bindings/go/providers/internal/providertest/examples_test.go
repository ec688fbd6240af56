package providertest_test

// examples/go/providers/* run as written against the capture harness, each
// answering itself from its fake provider: what arrives is one generation
// per provider call.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/libsigil/libsigil/bindings/go/providers/internal/providertest"
)

func TestMain(m *testing.M) { providertest.Main(m) }

func TestProviderExamplesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the examples are built and run only in the full run")
	}
	h := providertest.NeedHarness(t)
	examples := map[string]struct {
		conversation string
		generations  int
		lastMode     string
	}{
		"openai_chat":      {"conv-openai-example", 1, "GENERATION_MODE_SYNC"},
		"anthropic_stream": {"conv-anthropic-example", 1, "GENERATION_MODE_STREAM"},
		"gemini_generate":  {"conv-gemini-example", 2, "GENERATION_MODE_STREAM"},
	}
	for name, want := range examples {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command("go", "run", "./providers/"+name)
			cmd.Dir = filepath.Join(providertest.RepoRoot(), "examples", "go")
			for _, kv := range os.Environ() { // no provider credentials or endpoints from the developer
				if !strings.HasPrefix(kv, "OPENAI_") && !strings.HasPrefix(kv, "ANTHROPIC_") &&
					!strings.HasPrefix(kv, "GEMINI_") && !strings.HasPrefix(kv, "GOOGLE_") &&
					!strings.HasPrefix(kv, "SIGIL_") && !strings.HasPrefix(kv, "OTEL_") {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			cmd.Env = append(cmd.Env, "SIGIL_PROTOCOL=http", "SIGIL_ENDPOINT="+h.HTTPEndpoint())
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", name, err, out)
			}
			if !strings.Contains(string(out), "assistant: ") {
				t.Fatalf("%s printed no answer:\n%s", name, out)
			}
			gens := h.Generations(t, want.conversation, want.generations)
			if len(gens) != want.generations {
				t.Fatalf("%s: %d generations, want %d", name, len(gens), want.generations)
			}
			last := gens[len(gens)-1]
			if last["mode"] != want.lastMode || last["agent_name"] != "travel-assistant" {
				t.Fatalf("%s: %v", name, last)
			}
			for _, g := range gens {
				if out, _ := g["output"].([]any); len(out) == 0 {
					t.Fatalf("%s: a generation without output: %v", name, g)
				}
			}
		})
	}
}
