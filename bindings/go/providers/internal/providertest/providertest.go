// Package providertest is the provider packages' test fixture: the capture
// harness (conformance/harness) that records what libsigil exports, a fake
// provider on loopback that answers with the engine's provider fixtures
// (conformance/fixtures/providers, the files the Python tests read), and a
// client pointed at the harness.
package providertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/libsigil/libsigil/bindings/go/internal/captureharness"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// RepoRoot is the libsigil checkout.
func RepoRoot() string { return captureharness.RepoRoot() }

// Fixture returns one provider fixture file, e.g. "openai.chat/response_text.json".
func Fixture(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(RepoRoot(), "conformance", "fixtures", "providers", path))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return b
}

// Events returns the non-empty lines of a .jsonl stream fixture.
func Events(t testing.TB, path string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(string(Fixture(t, path)), "\n") {
		if strings.TrimSpace(line) != "" {
			out = append(out, line)
		}
	}
	return out
}

// --- the capture harness -----------------------------------------------------

// Harness is a running capture harness (internal/captureharness), with the
// lookups the provider tests make.
type Harness struct{ *captureharness.Harness }

var (
	harnessMu sync.Mutex
	running   *Harness
)

// NeedHarness starts the capture harness once per test binary (Main stops it)
// or fails the test.
func NeedHarness(t testing.TB) *Harness {
	t.Helper()
	harnessMu.Lock()
	defer harnessMu.Unlock()
	if running == nil {
		h, err := captureharness.Start()
		if err != nil {
			t.Fatalf("capture harness unavailable: %v", err)
		}
		running = &Harness{h}
	}
	return running
}

// Main runs the tests and stops the harness they started.
func Main(m *testing.M) {
	code := m.Run()
	harnessMu.Lock()
	if running != nil {
		running.Stop()
	}
	harnessMu.Unlock()
	os.Exit(code)
}

// Generations returns the exported generations of one conversation, waiting
// up to 10 s for want of them.
func (h *Harness) Generations(t testing.TB, conversationID string, want int) []map[string]any {
	t.Helper()
	return h.GenerationsWithin(t, "http_exports", want, 10*time.Second,
		func(g map[string]any) bool { return g["conversation_id"] == conversationID })
}

// Tagged returns the exported generations carrying tag key=value, waiting
// up to 10 s for want of them.
func (h *Harness) Tagged(t testing.TB, key, value string, want int) []map[string]any {
	t.Helper()
	return h.GenerationsWithin(t, "http_exports", want, 10*time.Second, func(g map[string]any) bool {
		tags, _ := g["tags"].(map[string]any)
		return tags[key] == value
	})
}

// Span returns the span whose attribute key has value, waiting up to 10 s.
func (h *Harness) Span(t testing.TB, key, value string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, c := range h.Captures(t, "otlp_traces") {
			spans, _ := c["spans"].([]any)
			for _, s := range spans {
				m, _ := s.(map[string]any)
				if attrs, _ := m["attributes"].(map[string]any); attrs != nil && attrs[key] == value {
					return m
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no span with %s=%s", key, value)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var seq atomic.Int64

// Unique returns a name unique within this test run (conversation ids).
func Unique(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, os.Getpid(), seq.Add(1))
}

// NewClient is a libsigil client exporting generations to h over HTTP and
// spans and metrics over OTLP; it is shut down when the test ends.
func NewClient(t testing.TB, h *Harness) *sigil.Client {
	t.Helper()
	cfg := sigil.DefaultConfig()
	cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
	cfg.GenerationExport.Endpoint = h.HTTPEndpoint()
	cfg.GenerationExport.FlushInterval = 50 * time.Millisecond
	cfg.Telemetry.OTLPEndpoint = h.OTLPEndpoint()
	cfg.ContentCapture = sigil.ContentCaptureModeFull
	cfg.Logger = log.New(testWriter{t}, "", 0)
	c, err := sigil.NewClientWithError(cfg)
	if err != nil {
		t.Fatalf("NewClientWithError: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Shutdown(ctx)
	})
	return c
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// --- the fake provider -------------------------------------------------------

// Reply is how the fake provider answers a route.
type Reply struct {
	Status int      // 200 when zero
	JSON   []byte   // a JSON body
	SSE    []string // server-sent event payloads, written one by one
	// With both JSON and SSE, a request asking to stream ("stream": true in
	// its body) gets the events and any other the JSON body, as one provider
	// endpoint answers both.
	// CutAfter sends only the first CutAfter events and then drops the
	// connection (a stream that breaks off); 0 sends them all.
	CutAfter int
}

// JSONReply answers with a fixture file as a JSON body.
func JSONReply(t testing.TB, path string) Reply { return Reply{JSON: Fixture(t, path)} }

// SSEReply answers with a .jsonl fixture as server-sent events.
func SSEReply(t testing.TB, path string) Reply { return Reply{SSE: Events(t, path)} }

// EitherReply answers a request asking to stream with a .jsonl fixture as
// server-sent events and any other with a JSON fixture.
func EitherReply(t testing.TB, jsonPath, ssePath string) Reply {
	return Reply{JSON: Fixture(t, jsonPath), SSE: Events(t, ssePath)}
}

// ErrorReply answers with status and a JSON error body.
func ErrorReply(status int, body string) Reply { return Reply{Status: status, JSON: []byte(body)} }

// Request is one request the fake provider received.
type Request struct {
	Path string
	Body []byte
}

// FakeProvider is a provider API on loopback answering from fixtures.
type FakeProvider struct {
	server   *httptest.Server
	mu       sync.Mutex
	routes   map[string]Reply
	requests []Request
}

// NewFakeProvider starts a fake provider; it stops when the test ends.
func NewFakeProvider(t testing.TB) *FakeProvider {
	t.Helper()
	f := &FakeProvider{routes: map[string]Reply{}}
	f.server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.server.Close)
	return f
}

// URL is the server's base URL ("http://127.0.0.1:port").
func (f *FakeProvider) URL() string { return f.server.URL }

// Reply answers every request whose path (with its query) contains route;
// the longest matching route wins.
func (f *FakeProvider) Reply(route string, r Reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[route] = r
}

// Requests returns what arrived so far.
func (f *FakeProvider) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

func (f *FakeProvider) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	path := r.URL.RequestURI()
	f.mu.Lock()
	f.requests = append(f.requests, Request{Path: path, Body: body})
	var reply Reply
	best := -1
	for route, rep := range f.routes {
		if strings.Contains(path, route) && len(route) > best {
			reply, best = rep, len(route)
		}
	}
	f.mu.Unlock()
	if best < 0 {
		writeJSON(w, http.StatusNotFound, []byte(`{"error":{"message":"no reply set for this path"}}`))
		return
	}
	status := reply.Status
	if status == 0 {
		status = http.StatusOK
	}
	if reply.SSE == nil || status >= 400 || (reply.JSON != nil && !asksToStream(body)) {
		writeJSON(w, status, reply.JSON)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(status)
	flusher, _ := w.(http.Flusher)
	for i, data := range reply.SSE {
		if reply.CutAfter > 0 && i == reply.CutAfter {
			panic(http.ErrAbortHandler) // drop the connection mid-stream
		}
		_, _ = io.WriteString(w, sseFrame(data))
		if flusher != nil {
			flusher.Flush()
		}
	}
}

// asksToStream reports whether a request body says "stream": true.
func asksToStream(body []byte) bool {
	var req struct {
		Stream bool `json:"stream"`
	}
	return json.Unmarshal(body, &req) == nil && req.Stream
}

// sseFrame is one server-sent event; typed payloads (Anthropic, OpenAI
// Responses) also name their event, as the providers do.
func sseFrame(data string) string {
	var typed struct {
		Type string `json:"type"`
	}
	if strings.HasPrefix(data, "{") && json.Unmarshal([]byte(data), &typed) == nil && typed.Type != "" {
		return "event: " + typed.Type + "\ndata: " + data + "\n\n"
	}
	return "data: " + data + "\n\n"
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
