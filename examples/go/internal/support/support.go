// Package support is what the provider examples share: a fake provider on
// loopback replying with libsigil's recorded provider fixtures
// (conformance/fixtures/providers), so they run without network or API keys,
// and the closing report.
package support

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// Route answers requests whose path contains Path with a fixture: a .json
// body, or a .jsonl file sent as server-sent events.
type Route struct {
	Path    string
	Fixture string
}

func fixtureDir() string {
	if dir := os.Getenv("SIGIL_PROVIDER_FIXTURES"); dir != "" {
		return dir
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "conformance", "fixtures", "providers")
}

// StartFakeProvider serves the routes and returns the base URL; the server lives as long
// as the process.
func StartFakeProvider(routes ...Route) (string, error) {
	bodies := make([][]byte, len(routes))
	for i, r := range routes {
		b, err := os.ReadFile(filepath.Join(fixtureDir(), r.Fixture))
		if err != nil {
			return "", fmt.Errorf("fake provider fixture: %w (set SIGIL_PROVIDER_FIXTURES)", err)
		}
		bodies[i] = b
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		for i, r := range routes {
			if !strings.Contains(req.URL.RequestURI(), r.Path) {
				continue
			}
			if !strings.HasSuffix(r.Fixture, ".jsonl") {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(bodies[i])
				return
			}
			w.Header().Set("Content-Type", "text/event-stream")
			for _, line := range strings.Split(string(bodies[i]), "\n") {
				if strings.TrimSpace(line) == "" {
					continue
				}
				var typed struct{ Type string }
				if json.Unmarshal([]byte(line), &typed) == nil && typed.Type != "" {
					fmt.Fprintf(w, "event: %s\n", typed.Type)
				}
				fmt.Fprintf(w, "data: %s\n\n", line)
			}
			return
		}
		http.Error(w, `{"error":{"message":"no fixture for this path"}}`, http.StatusNotFound)
	}))
	return srv.URL, nil
}

// Finish flushes, prints what was delivered, shuts the client down and
// returns the exit status: 0 when at least expected generations were
// delivered.
func Finish(c *sigil.Client, expected uint64) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	flushErr := c.Flush(ctx)
	stats, _ := c.Stats()
	fmt.Printf("sigil: %d of %d generation(s) delivered\n", stats.GenerationsExported, expected)
	if flushErr != nil {
		fmt.Println("sigil: flush:", flushErr)
	}
	_ = c.Shutdown(ctx)
	if stats.GenerationsExported < expected {
		return 1
	}
	return 0
}

// Fail prints err and exits with status 1.
func Fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}
