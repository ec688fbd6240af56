package sigil_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// sinkExporter keeps every batch; it refuses the ids in reject and fails its
// first failFirst calls.
type sinkExporter struct {
	mu        sync.Mutex
	batches   [][]json.RawMessage
	calls     int
	failFirst int
	reject    map[string]bool
	shutdowns int
}

func (s *sinkExporter) ExportGenerations(_ context.Context, req *sigil.ExportGenerationsRequest) (*sigil.ExportGenerationsResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.calls <= s.failFirst {
		return nil, errors.New("sink unavailable")
	}
	s.batches = append(s.batches, req.Generations)
	resp := &sigil.ExportGenerationsResponse{}
	for _, id := range req.GenerationIDs() {
		resp.Results = append(resp.Results, sigil.ExportGenerationResult{GenerationID: id, Accepted: !s.reject[id],
			Error: map[bool]string{true: "duplicate"}[s.reject[id]]})
	}
	return resp, nil
}

func (s *sinkExporter) Shutdown(context.Context) error {
	s.mu.Lock()
	s.shutdowns++
	s.mu.Unlock()
	return nil
}

func recordOne(t *testing.T, c *sigil.Client, id string) {
	t.Helper()
	_, rec := c.StartGeneration(context.Background(), sigil.GenerationStart{ID: id, ConversationID: "conv-1",
		Model: sigil.ModelRef{Provider: "openai", Name: "gpt-4o"}})
	rec.SetResult(sigil.Generation{Input: []sigil.Message{sigil.UserTextMessage("hi")},
		Output: []sigil.Message{sigil.AssistantTextMessage("hello")}}, nil)
	rec.End()
	if err := rec.Err(); err != nil {
		t.Fatalf("End: %v", err)
	}
}

func TestGenerationExporterReceivesProtojsonAndResultsAreCounted(t *testing.T) {
	sink := &sinkExporter{reject: map[string]bool{"gen-bad": true}}
	c := newClient(t, func(cfg *sigil.Config) { cfg.GenerationExporter = sink })
	recordOne(t, c, "gen-ok")
	recordOne(t, c, "gen-bad")
	if err := c.Flush(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	st, _ := c.Stats()
	if st.GenerationsExported != 1 || st.GenerationsRejected != 1 {
		t.Fatalf("stats = %+v, want 1 exported and 1 rejected", st)
	}
	sink.mu.Lock()
	var first map[string]any
	if err := json.Unmarshal(sink.batches[0][0], &first); err != nil {
		t.Fatal(err)
	}
	sink.mu.Unlock()
	if first["id"] != "gen-ok" || first["conversation_id"] != "conv-1" || first["mode"] != "GENERATION_MODE_SYNC" {
		t.Fatalf("generation = %v", first)
	}
	if err := c.Shutdown(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	_ = c.Shutdown(ctxTimeout(t, 5*time.Second))
	if sink.shutdowns != 1 {
		t.Fatalf("exporter Shutdown called %d times, want 1", sink.shutdowns)
	}
}

func TestGenerationExporterErrorIsRetried(t *testing.T) {
	sink := &sinkExporter{failFirst: 1}
	c := newClient(t, func(cfg *sigil.Config) {
		cfg.GenerationExporter = sink
		cfg.GenerationExport.InitialBackoff = time.Millisecond
		cfg.GenerationExport.MaxBackoff = 2 * time.Millisecond
	})
	recordOne(t, c, "gen-retry")
	if err := c.Flush(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	st, _ := c.Stats()
	if st.ExportRetries != 1 || st.GenerationsExported != 1 {
		t.Fatalf("stats = %+v, want one retry then the export", st)
	}
}

func TestValidateHasNoPrefixAsTheReference(t *testing.T) {
	err := (sigil.Generation{}).Validate()
	if err == nil || err.Error() != "generation.model.provider is required" {
		t.Fatalf("Validate() = %v", err)
	}
	if !errors.Is(err, sigil.ErrValidationFailed) {
		t.Fatalf("Validate() error does not match ErrValidationFailed")
	}
}
