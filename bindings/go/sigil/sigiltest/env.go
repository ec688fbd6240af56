// Package sigiltest holds test helpers for code instrumented with package
// sigil, named as the reference SDK's sigiltest package: an Env whose Client
// captures generations in memory (through a GenerationExporter; nothing
// leaves the process), spans (through TelemetryConfig.OnSpan) and metrics
// (Client.MetricsSnapshot), plus small JSON and span lookups.
//
// Differences from the reference: spans are sigil.Span values and
// SpanAttributes returns sigil.AttributeValue (with the same As* accessors
// as OpenTelemetry's attribute.Value), since this module does not depend on
// the OpenTelemetry SDK; Metrics reads libsigil's histograms as JSON.
package sigiltest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// Env is a client wired to in-memory capture. Its Client is shut down when
// the test ends (or by Shutdown).
type Env struct {
	Client  *sigil.Client
	Spans   *SpanRecorder
	Metrics *MetricReader

	ingest    *CapturingExporter
	closeOnce sync.Once
	closeErr  error
	mu        sync.Mutex
	closed    bool
}

// NewEnv creates an Env: generations go to an in-memory exporter one per
// batch (so every generation is one export request), retried once.
func NewEnv(t testing.TB) *Env {
	t.Helper()
	return NewEnvWithConfig(t, sigil.DefaultConfig())
}

// NewEnvWithConfig is NewEnv starting from cfg (its exporter, span handler
// and batching are replaced).
func NewEnvWithConfig(t testing.TB, cfg sigil.Config) *Env {
	t.Helper()
	env := &Env{Spans: &SpanRecorder{}, ingest: &CapturingExporter{}}
	cfg.GenerationExporter = env.ingest
	cfg.Telemetry.OnSpan = env.Spans.record
	cfg.GenerationExport.BatchSize = 1
	cfg.GenerationExport.FlushInterval = time.Hour
	cfg.GenerationExport.QueueSize = 64
	cfg.GenerationExport.MaxRetries = 1
	cfg.GenerationExport.InitialBackoff = time.Millisecond
	cfg.GenerationExport.MaxBackoff = 5 * time.Millisecond
	client, err := sigil.NewClientWithError(cfg)
	if err != nil {
		t.Fatalf("create sigil test client: %v", err)
	}
	env.Client = client
	env.Metrics = &MetricReader{client: client}
	t.Cleanup(func() {
		if err := env.close(); err != nil {
			t.Errorf("close sigil test env: %v", err)
		}
	})
	return env
}

// Shutdown shuts the client down now (delivering what is queued); it fails
// the test on error.
func (e *Env) Shutdown(t testing.TB) {
	t.Helper()
	if err := e.close(); err != nil {
		t.Fatalf("shutdown sigil client: %v", err)
	}
}

// Exporter is the in-memory exporter that receives the Env's generations.
func (e *Env) Exporter() *CapturingExporter { return e.ingest }

// RequestCount is the number of export requests (batches) received so far.
func (e *Env) RequestCount() int {
	if e == nil || e.ingest == nil {
		return 0
	}
	return len(e.ingest.Requests())
}

// SingleGenerationJSON flushes the client, requires exactly one export
// request holding one generation, and returns that generation as protojson
// with proto field names, decoded into a map.
func (e *Env) SingleGenerationJSON(t testing.TB) map[string]any {
	t.Helper()
	e.flush(t)
	reqs := e.ingest.Requests()
	if len(reqs) != 1 {
		t.Fatalf("expected exactly one export request, got %d", len(reqs))
	}
	if len(reqs[0].Generations) != 1 {
		t.Fatalf("expected exactly one generation in request, got %d", len(reqs[0].Generations))
	}
	var generation map[string]any
	if err := json.Unmarshal(reqs[0].Generations[0], &generation); err != nil {
		t.Fatalf("decode generation json: %v", err)
	}
	return generation
}

// Generations flushes the client and returns every generation exported so
// far, in order, decoded into maps.
func (e *Env) Generations(t testing.TB) []map[string]any {
	t.Helper()
	e.flush(t)
	var out []map[string]any
	for _, req := range e.ingest.Requests() {
		for _, raw := range req.Generations {
			var g map[string]any
			if err := json.Unmarshal(raw, &g); err != nil {
				t.Fatalf("decode generation json: %v", err)
			}
			out = append(out, g)
		}
	}
	return out
}

func (e *Env) flush(t testing.TB) {
	t.Helper()
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Client.Flush(ctx); err != nil {
		t.Fatalf("flush sigil client: %v", err)
	}
}

func (e *Env) close() error {
	if e == nil {
		return nil
	}
	e.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		e.closeErr = e.Client.Shutdown(ctx)
		e.mu.Lock()
		e.closed = true
		e.mu.Unlock()
	})
	return e.closeErr
}

// CapturingExporter is a sigil.GenerationExporter that keeps every request
// in memory and accepts every generation. Safe for concurrent use.
type CapturingExporter struct {
	mu       sync.Mutex
	requests []*sigil.ExportGenerationsRequest
	// Reject, when set, decides per generation id whether to refuse it (the
	// message is the rejection's error).
	Reject func(generationID string) (bool, string)
}

// ExportGenerations implements sigil.GenerationExporter.
func (c *CapturingExporter) ExportGenerations(_ context.Context, req *sigil.ExportGenerationsRequest) (*sigil.ExportGenerationsResponse, error) {
	copied := &sigil.ExportGenerationsRequest{Generations: make([]json.RawMessage, len(req.Generations))}
	for i, g := range req.Generations {
		copied.Generations[i] = append(json.RawMessage(nil), g...)
	}
	c.mu.Lock()
	c.requests = append(c.requests, copied)
	reject := c.Reject
	c.mu.Unlock()
	resp := &sigil.ExportGenerationsResponse{}
	for _, id := range req.GenerationIDs() {
		r := sigil.ExportGenerationResult{GenerationID: id, Accepted: true}
		if reject != nil {
			if refused, msg := reject(id); refused {
				r.Accepted, r.Error = false, msg
			}
		}
		resp.Results = append(resp.Results, r)
	}
	return resp, nil
}

// Requests are copies of the requests received so far.
func (c *CapturingExporter) Requests() []*sigil.ExportGenerationsRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*sigil.ExportGenerationsRequest(nil), c.requests...)
}

// JSONPath walks value (decoded JSON) by object keys (string) and array
// indexes (int), failing the test when a step does not exist.
func JSONPath(t testing.TB, value any, path ...any) any {
	t.Helper()
	current := value
	for _, step := range path {
		switch s := step.(type) {
		case string:
			node, ok := current.(map[string]any)
			if !ok {
				t.Fatalf("path step %q expected object, got %T", s, current)
			}
			next, ok := node[s]
			if !ok {
				t.Fatalf("path step %q missing in object keys %v", s, keysOf(node))
			}
			current = next
		case int:
			node, ok := current.([]any)
			if !ok {
				t.Fatalf("path step %d expected array, got %T", s, current)
			}
			if s < 0 || s >= len(node) {
				t.Fatalf("path index %d out of range for len %d", s, len(node))
			}
			current = node[s]
		default:
			t.Fatalf("unsupported path step type %T", step)
		}
	}
	return current
}

func keysOf(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// StringValue is the string at path (see JSONPath).
func StringValue(t testing.TB, value any, path ...any) string {
	t.Helper()
	v := JSONPath(t, value, path...)
	s, ok := v.(string)
	if !ok {
		t.Fatalf("path %v expected string, got %T (%v)", path, v, v)
	}
	return s
}

// FloatValue is the number at path (see JSONPath).
func FloatValue(t testing.TB, value any, path ...any) float64 {
	t.Helper()
	v := JSONPath(t, value, path...)
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("path %v expected number, got %T (%v)", path, v, v)
	}
	return f
}

// RequireRequestCount fails the test unless env received want export
// requests (it flushes first).
func RequireRequestCount(t testing.TB, env *Env, want int) {
	t.Helper()
	if env == nil {
		t.Fatalf("sigil test env is nil")
	}
	env.flush(t)
	if got := env.RequestCount(); got != want {
		t.Fatalf("unexpected export request count: got %d want %d", got, want)
	}
}

// DebugJSON is value as indented JSON, for failure messages.
func DebugJSON(value any) string {
	b, err := json.MarshalIndent(value, "", "  ")
	if err != nil {
		return fmt.Sprintf("%v", value)
	}
	return string(b)
}
