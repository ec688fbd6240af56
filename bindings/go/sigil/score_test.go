package sigil_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

func scoreClient(t *testing.T, retries int) *sigil.Client {
	h := needHarness(t)
	return newClient(t, func(c *sigil.Config) {
		c.GenerationExport.Protocol = sigil.GenerationExportProtocolNone
		c.GenerationExport.Auth = sigil.AuthConfig{Mode: sigil.ExportAuthModeTenant, TenantID: "tenant-s"}
		c.GenerationExport.MaxRetries = retries
		c.GenerationExport.InitialBackoff = 10 * time.Millisecond
		c.API.Endpoint = h.APIEndpoint()
	})
}

// The captured score items with this id, in arrival order, with their results.
func capturedScores(t *testing.T, id string) (items []map[string]any, statuses []float64) {
	for _, c := range needHarness(t).Captures(t, "scores") {
		body, _ := c["json"].(map[string]any)
		scores, _ := body["scores"].([]any)
		for _, s := range scores {
			if item := s.(map[string]any); item["score_id"] == id {
				items = append(items, item)
				statuses = append(statuses, c["response"].(map[string]any)["status"].(float64))
			}
		}
	}
	return items, statuses
}

func TestSubmitScore(t *testing.T) {
	client := scoreClient(t, 0)
	passed := true
	id := unique("sc-go")
	got, err := client.SubmitScore(context.Background(), sigil.Score{
		ScoreID: id, GenerationID: "gen-1", EvaluatorID: "my-evaluator", EvaluatorVersion: "1.0.0",
		Key: "helpfulness", Value: 0.82, Passed: &passed, Label: "good", Rationale: "answers the question",
		Metadata: map[string]any{"runtime_ms": 12},
	})
	if err != nil || got != id {
		t.Fatalf("SubmitScore = %q, %v", got, err)
	}
	if err := client.Flush(ctxTimeout(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	items, _ := capturedScores(t, id)
	if len(items) != 1 {
		t.Fatalf("captured %d items", len(items))
	}
	it := items[0]
	md := it["metadata"].(map[string]any)
	if it["score_key"] != "helpfulness" || it["value"].(map[string]any)["number"] != 0.82 || it["passed"] != true ||
		it["explanation"] != "answers the question" || md["label"] != "good" || md["runtime_ms"] != float64(12) {
		t.Errorf("item = %v", it)
	}
	if s, _ := client.Stats(); s.ScoresEnqueued != 1 || s.ScoresExported != 1 {
		t.Errorf("stats = %+v", s)
	}
}

func TestSubmitScoreRetriesA503AndIsIdempotent(t *testing.T) {
	h := needHarness(t)
	client := scoreClient(t, 3)
	id := unique("sc-go-retry")
	h.Script(t, "api", map[string]any{"status": 503})
	for _, v := range []any{true, false} { // the same id twice: accepted, the first kept
		if _, err := client.SubmitScore(context.Background(), sigil.Score{ScoreID: id, GenerationID: "g",
			EvaluatorID: "e", EvaluatorVersion: "1", Key: "k", Value: v}); err != nil {
			t.Fatal(err)
		}
		if err := client.Flush(ctxTimeout(t, 10*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	items, statuses := capturedScores(t, id)
	if len(items) != 3 || statuses[0] != 503 || statuses[1] != 202 || statuses[2] != 202 {
		t.Fatalf("statuses = %v", statuses)
	}
	if s, _ := client.Stats(); s.ScoresExported != 2 || s.ScoreExportRetries != 1 || s.ScoresRejected != 0 {
		t.Errorf("stats = %+v", s)
	}
}

func TestSubmitScoreInvalidInput(t *testing.T) {
	client := scoreClient(t, 0)
	valid := sigil.Score{GenerationID: "g", EvaluatorID: "e", EvaluatorVersion: "1", Key: "k", Value: 1}
	for name, tc := range map[string]struct {
		change func(*sigil.Score)
		words  string
	}{
		"no generation": {func(s *sigil.Score) { s.GenerationID = " " }, "generation id is required"},
		"no key":        {func(s *sigil.Score) { s.Key = "" }, "score key is required"},
		"bad kind":      {func(s *sigil.Score) { s.Value = []int{1} }, "value kind"},
		"nil value":     {func(s *sigil.Score) { s.Value = nil }, "value kind"},
		"nan":           {func(s *sigil.Score) { s.Value = math.NaN() }, "finite"},
	} {
		s := valid
		tc.change(&s)
		_, err := client.SubmitScore(context.Background(), s)
		if !errors.Is(err, sigil.ErrValidationFailed) || !strings.Contains(err.Error(), tc.words) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if s, _ := client.Stats(); s.ScoresEnqueued != 0 {
		t.Errorf("stats = %+v", s)
	}
}
