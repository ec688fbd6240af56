package sigil_test

// The tests run against the real capture harness (conformance/harness): it
// records what arrives over HTTP, gRPC, OTLP and the ratings API, and its
// control API lets a test script answers and read captures.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/internal/captureharness"
	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// harness is the shared capture harness runner (internal/captureharness).
type harness = captureharness.Harness

var (
	harnessOnce sync.Once
	theHarness  *harness
	harnessErr  error
)

// TestMain stops the harness the first test that needed it started
// (benchmarks run without it).
func TestMain(m *testing.M) {
	if os.Getenv(tracingChildEnv) != "" { // the binary re-run as another process (tracing_test.go)
		os.Exit(runTracingChild())
	}
	code := m.Run()
	if theHarness != nil {
		theHarness.Stop()
	}
	os.Exit(code)
}

// needHarness returns the harness or fails the test.
func needHarness(t testing.TB) *harness {
	t.Helper()
	harnessOnce.Do(func() { theHarness, harnessErr = captureharness.Start() })
	if theHarness == nil {
		t.Fatalf("capture harness unavailable: %v", harnessErr)
	}
	return theHarness
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
