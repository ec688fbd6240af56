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
