package sigil_test

import (
	"fmt"
	"github.com/libsigil/libsigil/bindings/go/internal/captureharness"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestQuickstartExample runs examples/go/quickstart as a user would (go run,
// configured by SIGIL_* variables) over HTTP and gRPC, and checks that the
// receiver got its records.
func TestQuickstartExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example (go run); skipped with -short")
	}
	h := needHarness(t)
	dir := filepath.Join(captureharness.RepoRoot(), "examples", "go")
	for _, tc := range []struct{ protocol, endpoint, kind string }{
		{"http", h.HTTPEndpoint(), "http_exports"},
		{"grpc", h.GRPCEndpoint(), "grpc_exports"},
	} {
		t.Run(tc.protocol, func(t *testing.T) {
			before := len(h.Generations(t, tc.kind, 0, withConversation("conv-quickstart")))
			cmd := exec.Command(goTool(), "run", "./quickstart")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "SIGIL_PROTOCOL="+tc.protocol, "SIGIL_ENDPOINT="+tc.endpoint,
				"SIGIL_API_ENDPOINT="+h.APIEndpoint(), "OTEL_EXPORTER_OTLP_ENDPOINT="+h.OTLPEndpoint())
			done := make(chan struct{})
			var out []byte
			var err error
			go func() { out, err = cmd.CombinedOutput(); close(done) }()
			select {
			case <-done:
			case <-time.After(4 * time.Minute):
				_ = cmd.Process.Kill()
				<-done
			}
			if err != nil {
				t.Fatalf("quickstart: %v\n%s", err, out)
			}
			if strings.Contains(string(out), "FAIL") {
				t.Fatalf("quickstart reported a failure:\n%s", out)
			}
			gens := h.Generations(t, tc.kind, before+3, withConversation("conv-quickstart"))
			if got := len(gens) - before; got != 3 {
				t.Errorf("the quickstart exported %d generations, want 3\n%s", got, out)
			}
			for _, g := range gens[before:] {
				if metadataString(g, "sigil.sdk.name") != "sdk-go" || metadataString(g, "sigil.user.id") != "user-42" {
					t.Errorf("generation %v: sdk %q user %q", g["id"], metadataString(g, "sigil.sdk.name"),
						metadataString(g, "sigil.user.id"))
				}
			}
			fmt.Fprint(testWriter{t}, string(out))
		})
	}
}

// goTool is the go command of the toolchain running the tests.
func goTool() string {
	if root := runtime.GOROOT(); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			return p
		}
	}
	return "go"
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
