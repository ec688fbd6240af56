package providertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ReferenceReadme returns a README of Grafana Sigil's repository (path
// relative to its root, e.g. "sdks/go-providers/openai/README.md") from
// $SIGIL_REFERENCE_REPO (default /work/.mirror/grafana+sigil/repo): a checkout
// or a git directory. The test is skipped when there is none.
func ReferenceReadme(t testing.TB, path string) string {
	t.Helper()
	repo := os.Getenv("SIGIL_REFERENCE_REPO")
	if repo == "" {
		repo = "/work/.mirror/grafana+sigil/repo"
	}
	if b, err := os.ReadFile(filepath.Join(repo, path)); err == nil {
		return string(b)
	}
	out, err := exec.Command("git", "-C", repo, "show", "HEAD:"+path).Output()
	if err != nil {
		t.Skipf("no reference checkout at %s (set SIGIL_REFERENCE_REPO): %v", repo, err)
	}
	return string(out)
}

var goBlock = regexp.MustCompile("(?s)```go\n(.*?)```")

// GoBlocks returns the README's Go code blocks.
func GoBlocks(readme string) []string {
	var out []string
	for _, m := range goBlock.FindAllStringSubmatch(readme, -1) {
		out = append(out, m[1])
	}
	return out
}

// Example is one README block made a function of the program: Params are
// its parameters (the names the block uses), Args what main passes.
type Example struct {
	Name   string
	Code   string
	Params string
	Args   string
}

// RunExamples compiles the README blocks as written into one program in a
// temporary package of the calling module (so it builds against this
// module's go.mod) and runs it: imports is the program's import block, setup
// the statements of main that define ctx, sigilClient, providerClient and
// the examples' arguments. Each example's error is printed as
// "<name>: <error>", success as "<name>: ok". env adds to the environment.
func RunExamples(t testing.TB, imports, setup string, examples []Example, env ...string) string {
	t.Helper()
	dir, err := os.MkdirTemp(".", "readme-example-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var b strings.Builder
	b.WriteString("// Code built from the reference README blocks by the test; not kept.\n\npackage main\n\n")
	b.WriteString("import (\n" + imports + "\n)\n\n")
	for i, ex := range examples {
		fmt.Fprintf(&b, "func example%d(%s) error {\n%s\treturn nil\n}\n\n", i, ex.Params, ex.Code)
	}
	b.WriteString("func main() {\n" + setup + "\n")
	for i, ex := range examples {
		fmt.Fprintf(&b, "\treport(%q, example%d(%s))\n", ex.Name, i, ex.Args)
	}
	b.WriteString("\tfinish(sigilClient)\n}\n")
	b.WriteString(`
func report(name string, err error) {
	if err != nil {
		fmt.Printf("%s: %v\n", name, err)
		return
	}
	fmt.Printf("%s: ok\n", name)
}

func finish(c *sigil.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Shutdown(ctx); err != nil {
		fmt.Println("shutdown:", err)
	}
}
`)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", "./"+filepath.Base(dir))
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README examples did not build or run: %v\n%s\n--- program ---\n%s", err, out, b.String())
	}
	return string(out)
}

// RunTag is the tag RunModes looks for: pass "SIGIL_TAGS="+RunTag+"="+run
// to RunExamples.
const RunTag = "readme-run"

// RunModes waits for the want generations one README program exported
// (tagged RunTag=run), fails the test if one has no output text, and counts
// them by mode.
func (h *Harness) RunModes(t testing.TB, run string, want int) map[string]int {
	t.Helper()
	byMode := map[string]int{}
	for _, g := range h.Tagged(t, RunTag, run, want) {
		if OutputText(g) == "" {
			t.Fatalf("a README generation without output text: %v", g)
		}
		mode, _ := g["mode"].(string)
		byMode[mode]++
	}
	return byMode
}
