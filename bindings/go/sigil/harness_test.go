package sigil_test

// The tests run against the real capture harness (conformance/harness): it
// records what arrives over HTTP, gRPC, OTLP and the ratings API, and its
// control API lets a test script answers and read captures.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

type harness struct {
	ports  map[string]int
	cmd    *exec.Cmd
	exited chan error
	dir    string
}

var (
	harnessOnce sync.Once
	theHarness  *harness
	harnessErr  error
)

// TestMain stops the harness the first test that needed it started
// (benchmarks run without it).
func TestMain(m *testing.M) {
	code := m.Run()
	if theHarness != nil {
		theHarness.stop()
	}
	os.Exit(code)
}

// repoRoot is the libsigil checkout this package lives in.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

func startHarness() (*harness, error) {
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
	cmd.Dir = filepath.Join(repoRoot(), "conformance")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start capture harness: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second) // the first run generates the sigil.v1 modules
	for {
		if data, err := os.ReadFile(portsFile); err == nil {
			var ports map[string]int
			if json.Unmarshal(data, &ports) == nil && ports["control"] != 0 {
				return &harness{ports: ports, cmd: cmd, exited: exited, dir: dir}, nil
			}
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("capture harness exited (%v): %s", err, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return nil, fmt.Errorf("capture harness did not start within 60 s: %s", stderr.String())
		}
	}
}

func (h *harness) stop() {
	_, _ = http.Post(h.url("/shutdown"), "application/json", nil)
	select {
	case <-h.exited:
	case <-time.After(5 * time.Second):
		_ = h.cmd.Process.Kill()
	}
	os.RemoveAll(h.dir)
}

func (h *harness) url(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", h.ports["control"], path)
}

// needHarness returns the harness or fails the test.
func needHarness(t testing.TB) *harness {
	t.Helper()
	harnessOnce.Do(func() { theHarness, harnessErr = startHarness() })
	if theHarness == nil {
		t.Fatalf("capture harness unavailable: %v", harnessErr)
	}
	return theHarness
}

func (h *harness) httpEndpoint() string { return fmt.Sprintf("http://127.0.0.1:%d", h.ports["http"]) }
func (h *harness) grpcEndpoint() string { return fmt.Sprintf("127.0.0.1:%d", h.ports["grpc"]) }
func (h *harness) apiEndpoint() string  { return fmt.Sprintf("http://127.0.0.1:%d", h.ports["api"]) }
func (h *harness) otlpEndpoint() string { return fmt.Sprintf("http://127.0.0.1:%d", h.ports["otlp"]) }

func (h *harness) post(t testing.TB, path string, body any) {
	t.Helper()
	data, _ := json.Marshal(body)
	resp, err := http.Post(h.url(path), "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatalf("harness %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		t.Fatalf("harness %s: %d %s", path, resp.StatusCode, msg)
	}
}

func (h *harness) script(t testing.TB, target string, responses ...map[string]any) {
	t.Helper()
	h.post(t, "/script", map[string]any{"target": target, "responses": responses})
}

func (h *harness) stall(t testing.TB, target string, ms int) {
	t.Helper()
	h.post(t, "/stall", map[string]any{"target": target, "delay_ms": ms})
}

func (h *harness) captures(t testing.TB, kind string) []map[string]any {
	t.Helper()
	resp, err := http.Get(h.url("/captures?kind=" + kind))
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

// generations returns the exported generations of kind (http_exports or
// grpc_exports) that satisfy keep, waiting up to 5 s for want of them.
func (h *harness) generations(t testing.TB, kind string, want int, keep func(g map[string]any) bool) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var out []map[string]any
		for _, c := range h.captures(t, kind) {
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

// withConversation keeps generations of one conversation.
func withConversation(id string) func(map[string]any) bool {
	return func(g map[string]any) bool { return g["conversation_id"] == id }
}

var seq atomic.Int64

// unique returns a name unique within this test run.
func unique(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, os.Getpid(), seq.Add(1))
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// metadataString digs a string out of a protojson Struct-valued metadata map.
func metadataString(g map[string]any, key string) string {
	md, _ := g["metadata"].(map[string]any)
	v, _ := md[key].(string)
	return v
}

func header(c map[string]any, name string) string {
	for _, field := range []string{"headers", "metadata"} {
		if hs, ok := c[field].(map[string]any); ok {
			for k, v := range hs {
				if strings.EqualFold(k, name) {
					s, _ := v.(string)
					return s
				}
			}
		}
	}
	return ""
}

// syncBuffer is a bytes.Buffer safe for the logger's worker thread.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLogger(w io.Writer) *log.Logger { return log.New(w, "", 0) }

func isShutdown(err error) bool { return errors.Is(err, sigil.ErrClientShutdown) }
