package providertest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// Generation flushes client and returns the one generation of a conversation
// that reached the harness, failing the test unless there is exactly one.
func Generation(t testing.TB, h *Harness, client *sigil.Client, conversationID string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := client.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	gens := h.Generations(t, conversationID, 1)
	if len(gens) != 1 {
		t.Fatalf("generations of %s: got %d, want 1", conversationID, len(gens))
	}
	return gens[0]
}

// OutputParts returns the values of one part kind (text, thinking, tool_call)
// across a generation's output messages, in order.
func OutputParts(g map[string]any, kind string) []any {
	var out []any
	output, _ := g["output"].([]any)
	for _, m := range output {
		ps, _ := m.(map[string]any)["parts"].([]any)
		for _, p := range ps {
			if v, ok := p.(map[string]any)[kind]; ok {
				out = append(out, v)
			}
		}
	}
	return out
}

// OutputText is the generation's output text parts joined.
func OutputText(g map[string]any) string {
	var b strings.Builder
	for _, v := range OutputParts(g, "text") {
		if s, ok := v.(string); ok {
			b.WriteString(s)
		}
	}
	return b.String()
}

// Attrs is a captured span's attributes.
func Attrs(span map[string]any) map[string]any {
	a, _ := span["attributes"].(map[string]any)
	return a
}

// Concurrently runs call(i) for i in [0, n) on n goroutines at once and fails
// the test with the first error any of them returned.
func Concurrently(t testing.TB, n int, call func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- call(i)
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// MappedText is a mapped generation's output text parts joined.
func MappedText(g sigil.Generation) string {
	var b strings.Builder
	for _, m := range g.Output {
		for _, p := range m.Parts {
			if p.Kind == sigil.PartKindText {
				b.WriteString(p.Text)
			}
		}
	}
	return b.String()
}

// MappedToolCalls are a mapped generation's output tool calls, in order.
func MappedToolCalls(g sigil.Generation) []sigil.ToolCall {
	var out []sigil.ToolCall
	for _, m := range g.Output {
		for _, p := range m.Parts {
			if p.Kind == sigil.PartKindToolCall && p.ToolCall != nil {
				out = append(out, *p.ToolCall)
			}
		}
	}
	return out
}

// ArtifactKinds counts a mapped generation's artifacts by kind.
func ArtifactKinds(g sigil.Generation) map[sigil.ArtifactKind]int {
	out := map[sigil.ArtifactKind]int{}
	for _, a := range g.Artifacts {
		out[a.Kind]++
	}
	return out
}

// Context is a context that ends with the test, or after 10 s.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
