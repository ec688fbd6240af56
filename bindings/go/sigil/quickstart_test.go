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

// TestAgentExample runs examples/go/agent as a user would: its spans, the
// book service's in a second process included, arrive as one tree.
func TestAgentExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example (go run); skipped with -short")
	}
	h := needHarness(t)
	cmd := exec.Command(goTool(), "run", "./agent")
	cmd.Dir = filepath.Join(captureharness.RepoRoot(), "examples", "go")
	cmd.Env = append(os.Environ(), "SIGIL_PROTOCOL=http", "SIGIL_ENDPOINT="+h.HTTPEndpoint(),
		"OTEL_EXPORTER_OTLP_ENDPOINT="+h.OTLPEndpoint())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("agent example: %v\n%s", err, out)
	}
	var traceID string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "trace ") {
			traceID = strings.TrimPrefix(line, "trace ")
		}
	}
	if !strings.Contains(string(out), "booked a room in Paris") || traceID == "" {
		t.Fatalf("agent example output:\n%s", out)
	}
	spans := waitSpans(t, h, traceID, 6)
	byName := map[string]map[string]any{}
	for _, s := range spans {
		byName[s["name"].(string)] = s
	}
	agent, plan, tool, service := byName["invoke_agent travel-agent"], byName["plan"], byName["execute_tool book"],
		byName["book-service"]
	if len(spans) != 6 || agent == nil || plan == nil || tool == nil || service == nil {
		t.Fatalf("spans of the agent example: %v", spanNames(spans))
	}
	if plan["parent_span_id"] != agent["span_id"] {
		t.Errorf("plan's parent %v, want the agent %v", plan["parent_span_id"], agent["span_id"])
	}
	for _, child := range []string{"search-docs", "generateText gpt-4o", "execute_tool book"} {
		if byName[child]["parent_span_id"] != plan["span_id"] {
			t.Errorf("%s's parent %v, want plan %v", child, byName[child]["parent_span_id"], plan["span_id"])
		}
	}
	if service["parent_span_id"] != tool["span_id"] {
		t.Errorf("book-service's parent %v, want the tool execution %v", service["parent_span_id"], tool["span_id"])
	}
	if flags, _ := service["flags"].(float64); int(flags)&0x200 == 0 {
		t.Errorf("book-service flags %v: its parent must be flagged remote", service["flags"])
	}
}
