// Package captureharness runs the capture harness (conformance/harness) for
// Go tests: a Python process that records what arrives over HTTP, gRPC, OTLP
// and the ratings API, with a control API to script answers and read what it
// captured. The core package's tests and the provider modules' tests share it.
package captureharness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// RepoRoot is the libsigil checkout this package lives in.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", "..", ".."))
}

// Harness is a running capture harness.
type Harness struct {
	ports  map[string]int
	cmd    *exec.Cmd
	exited chan error
	dir    string
}

// Start launches the harness ($PYTHON, default python3) and waits until it
// has written its ports.
func Start() (*Harness, error) {
	dir, err := os.MkdirTemp("", "sigil-go-harness")
	if err != nil {
		return nil, err
	}
	portsFile := filepath.Join(dir, "ports.json")
	python := os.Getenv("PYTHON")
	if python == "" {
		python = "python3"
	}
	cmd := exec.Command(python, "-m", "harness", "serve", "--ports-file", portsFile)
	cmd.Dir = filepath.Join(RepoRoot(), "conformance")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start capture harness: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second) // the first run generates the sigil.v1 modules
	for {
		if data, err := os.ReadFile(portsFile); err == nil {
			var ports map[string]int
			if json.Unmarshal(data, &ports) == nil && ports["control"] != 0 {
				return &Harness{ports: ports, cmd: cmd, exited: exited, dir: dir}, nil
			}
		}
		select {
		case err := <-exited:
			os.RemoveAll(dir)
			return nil, fmt.Errorf("capture harness exited (%v): %s", err, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			os.RemoveAll(dir)
			return nil, fmt.Errorf("capture harness did not start within 60 s: %s", stderr.String())
		}
	}
}

// Stop asks the harness to exit (killing it after 5 s) and removes its files.
func (h *Harness) Stop() {
	_, _ = http.Post(h.URL("/shutdown"), "application/json", nil)
	select {
	case <-h.exited:
	case <-time.After(5 * time.Second):
		_ = h.cmd.Process.Kill()
	}
	os.RemoveAll(h.dir)
}

// URL is a path of the control API.
func (h *Harness) URL(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", h.ports["control"], path)
}

// HTTPEndpoint is the Sigil HTTP ingest endpoint.
func (h *Harness) HTTPEndpoint() string { return fmt.Sprintf("http://127.0.0.1:%d", h.ports["http"]) }

// GRPCEndpoint is the Sigil gRPC ingest endpoint (host:port).
func (h *Harness) GRPCEndpoint() string { return fmt.Sprintf("127.0.0.1:%d", h.ports["grpc"]) }

// APIEndpoint is the ratings API.
func (h *Harness) APIEndpoint() string { return fmt.Sprintf("http://127.0.0.1:%d", h.ports["api"]) }

// OTLPEndpoint is the OTLP/HTTP endpoint for spans and metrics.
func (h *Harness) OTLPEndpoint() string { return fmt.Sprintf("http://127.0.0.1:%d", h.ports["otlp"]) }

// Post sends body as JSON to a control path, failing the test unless it is
// answered 200.
func (h *Harness) Post(t testing.TB, path string, body any) {
	t.Helper()
	data, _ := json.Marshal(body)
	resp, err := http.Post(h.URL(path), "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatalf("harness %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		t.Fatalf("harness %s: %d %s", path, resp.StatusCode, msg)
	}
}

// Script queues answers for one target (http, grpc, otlp, api, ...).
func (h *Harness) Script(t testing.TB, target string, responses ...map[string]any) {
	t.Helper()
	h.Post(t, "/script", map[string]any{"target": target, "responses": responses})
}

// Stall delays every answer of one target by ms milliseconds.
func (h *Harness) Stall(t testing.TB, target string, ms int) {
	t.Helper()
	h.Post(t, "/stall", map[string]any{"target": target, "delay_ms": ms})
}

// Captures returns everything of one capture kind (http_exports, otlp_traces, ...).
func (h *Harness) Captures(t testing.TB, kind string) []map[string]any {
	t.Helper()
	resp, err := http.Get(h.URL("/captures?kind=" + kind))
	if err != nil {
		t.Fatalf("harness captures: %v", err)
	}
	defer resp.Body.Close()
	var out map[string][]map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("harness captures: %v", err)
	}
	return out[kind]
}

// Generations returns the exported generations of kind (http_exports or
// grpc_exports) that satisfy keep, waiting up to 5 s for want of them.
func (h *Harness) Generations(t testing.TB, kind string, want int, keep func(g map[string]any) bool) []map[string]any {
	t.Helper()
	return h.GenerationsWithin(t, kind, want, 5*time.Second, keep)
}

// GenerationsWithin is Generations waiting up to wait.
func (h *Harness) GenerationsWithin(t testing.TB, kind string, want int, wait time.Duration,
	keep func(g map[string]any) bool) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		var out []map[string]any
		for _, c := range h.Captures(t, kind) {
			gens, _ := c["generations"].([]any)
			for _, g := range gens {
				if m, ok := g.(map[string]any); ok && keep(m) {
					out = append(out, m)
				}
			}
		}
		if len(out) >= want || time.Now().After(deadline) {
			return out
		}
		time.Sleep(20 * time.Millisecond)
	}
}
