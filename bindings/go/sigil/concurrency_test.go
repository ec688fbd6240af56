package sigil_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// TestConcurrentRecording records from many goroutines at once (run with
// -race): every generation arrives exactly once, with its own identity.
func TestConcurrentRecording(t *testing.T) {
	h := needHarness(t)
	client := grpcClient(t)
	conv := unique("conv-concurrent")
	const workers, each = 16, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			ctx := sigil.WithConversationID(context.Background(), conv)
			ctx = sigil.WithAgentName(ctx, fmt.Sprintf("agent-%d", w))
			for i := 0; i < each; i++ {
				callCtx, rec := client.StartGeneration(ctx, sigil.GenerationStart{
					ID: fmt.Sprintf("%s-%d-%d", conv, w, i), Model: model})
				_, tool := client.StartToolExecution(callCtx, sigil.ToolExecutionStart{ToolName: "t"})
				// The recorder is shared with a second goroutine, as the API allows.
				var inner sync.WaitGroup
				inner.Add(1)
				go func() {
					defer inner.Done()
					rec.SetFirstTokenAt(time.Now())
					tool.SetResult(sigil.ToolExecutionEnd{Result: "ok"})
				}()
				rec.SetResult(sigil.Generation{Output: []sigil.Message{sigil.AssistantTextMessage(fmt.Sprint(w, i))}}, nil)
				inner.Wait()
				tool.End()
				rec.End()
				if err := rec.Err(); err != nil {
					errs <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := client.Flush(ctxTimeout(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	gens := h.Generations(t, "grpc_exports", workers*each, withConversation(conv))
	seen := map[string]bool{}
	for _, g := range gens {
		id := g["id"].(string)
		if seen[id] {
			t.Errorf("%s exported twice", id)
		}
		seen[id] = true
		var w, i int
		fmt.Sscanf(id[len(conv):], "-%d-%d", &w, &i)
		if g["agent_name"] != fmt.Sprintf("agent-%d", w) {
			t.Errorf("%s: agent %v", id, g["agent_name"])
		}
	}
	if len(seen) != workers*each {
		t.Fatalf("exported %d distinct generations, want %d", len(seen), workers*each)
	}
}

// TestConcurrentShutdown races recording against Shutdown: nothing crashes,
// and every End either succeeds or reports ErrClientShutdown.
func TestConcurrentShutdown(t *testing.T) {
	client := newClient(t, func(c *sigil.Config) { c.GenerationExport.Protocol = sigil.GenerationExportProtocolNone })
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				_, rec := client.StartGeneration(context.Background(), sigil.GenerationStart{Model: model})
				rec.End()
				if err := rec.Err(); err != nil && !isShutdown(err) {
					t.Error(err)
					return
				}
			}
		}()
	}
	time.Sleep(5 * time.Millisecond)
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); _ = client.Shutdown(context.Background()) }()
	}
	wg.Wait()
}
