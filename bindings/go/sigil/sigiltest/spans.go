package sigiltest

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// SpanRecorder keeps every span the Env's client ends, in order. Safe for
// concurrent use.
type SpanRecorder struct {
	mu    sync.Mutex
	spans []sigil.Span
}

func (r *SpanRecorder) record(s sigil.Span) {
	r.mu.Lock()
	r.spans = append(r.spans, s)
	r.mu.Unlock()
}

// Ended returns the spans ended so far (a span reaches the recorder before
// the End call that ends it returns).
func (r *SpanRecorder) Ended() []sigil.Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sigil.Span(nil), r.spans...)
}

// Reset forgets the spans recorded so far.
func (r *SpanRecorder) Reset() {
	r.mu.Lock()
	r.spans = nil
	r.mu.Unlock()
}

// FindSpan returns the first span named name, failing the test when there is none.
func FindSpan(t testing.TB, spans []sigil.Span, name string) sigil.Span {
	t.Helper()
	for i := range spans {
		if spans[i].Name == name {
			return spans[i]
		}
	}
	t.Fatalf("span %q not found", name)
	return sigil.Span{}
}

// SpanAttributes are span's attributes by key.
func SpanAttributes(span sigil.Span) map[string]sigil.AttributeValue {
	attrs := make(map[string]sigil.AttributeValue, len(span.Attributes))
	for _, a := range span.Attributes {
		attrs[a.Key] = a.Value
	}
	return attrs
}

// MetricReader reads the Env client's GenAI histograms
// (sigil.Client.MetricsSnapshot).
type MetricReader struct {
	client *sigil.Client
}

// Collect returns the current snapshot decoded from JSON: {"resource",
// "scope", "metrics": [{"name", "unit", "points": [...]}, ...]}.
func (m *MetricReader) Collect(t testing.TB) map[string]any {
	t.Helper()
	raw, err := m.client.MetricsSnapshot()
	if err != nil {
		t.Fatalf("metrics snapshot: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("decode metrics snapshot: %v", err)
	}
	return out
}

// Metric returns the metric named name from the current snapshot, or nil
// when it has no data yet.
func (m *MetricReader) Metric(t testing.TB, name string) map[string]any {
	t.Helper()
	metrics, _ := m.Collect(t)["metrics"].([]any)
	for _, item := range metrics {
		if metric, ok := item.(map[string]any); ok && metric["name"] == name {
			return metric
		}
	}
	return nil
}

// PointCount is the number of recordings of the metric named name summed
// over its points (0 when it has none).
func (m *MetricReader) PointCount(t testing.TB, name string) int {
	t.Helper()
	metric := m.Metric(t, name)
	if metric == nil {
		return 0
	}
	total := 0
	points, _ := metric["points"].([]any)
	for _, p := range points {
		if point, ok := p.(map[string]any); ok {
			if n, ok := point["count"].(float64); ok {
				total += int(n)
			}
		}
	}
	return total
}
