package sigil_test

// Agent tracing (StartSpan, Inject, Extract) against the capture harness:
// the spans arrive at its OTLP receiver with the right parents, kinds and
// attributes; goroutines keep their trees apart; errors and panics mark the
// span; metadata_only leaves no content; a trace continues across processes.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

func tracingClient(t *testing.T, mutate func(*sigil.Config)) (*harness, *sigil.Client) {
	t.Helper()
	h := needHarness(t)
	return h, newClient(t, func(c *sigil.Config) {
		c.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
		c.GenerationExport.Endpoint = h.HTTPEndpoint()
		c.Telemetry.OTLPEndpoint = h.OTLPEndpoint()
		if mutate != nil {
			mutate(c)
		}
	})
}

// flushedSpans flushes the client and returns the spans of traceID by name,
// once want of them arrived.
func flushedSpans(t *testing.T, h *harness, client *sigil.Client, traceID string, want int) map[string]map[string]any {
	t.Helper()
	if err := client.Flush(ctxTimeout(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	spans := waitSpans(t, h, traceID, want)
	if len(spans) < want {
		t.Fatalf("trace %s: %d spans arrived, want %d: %v", traceID, len(spans), want, spanNames(spans))
	}
	byName := map[string]map[string]any{}
	for _, s := range spans {
		byName[s["name"].(string)] = s
	}
	return byName
}

func events(span map[string]any) []map[string]any {
	var out []map[string]any
	list, _ := span["events"].([]any)
	for _, e := range list {
		out = append(out, e.(map[string]any))
	}
	return out
}

func TestSpanTreeOfAnAgent(t *testing.T) {
	h, client := tracingClient(t, nil)
	ctx := ctxTimeout(t, 10*time.Second)

	agentCtx, agent := client.StartSpan(ctx, sigil.SpanStart{Kind: sigil.SpanKindAgent, Name: "travel-agent"})
	agent.SetInput(map[string]string{"question": "weather in Paris?"})
	chainCtx, chain := client.StartSpan(agentCtx, sigil.SpanStart{Kind: sigil.SpanKindChain, Name: "answer"})
	if sigil.SpanFromContext(chainCtx) != chain || sigil.SpanFromContext(agentCtx) != agent {
		t.Fatal("SpanFromContext does not return the span the context carries")
	}
	_, retriever := client.StartSpan(chainCtx, sigil.SpanStart{Kind: sigil.SpanKindRetriever, Name: "search-docs"})
	retriever.SetInput(`{"query":"weather in Paris?","top_k":2}`)
	retriever.AddEvent("retrieved", sigil.Int("count", 2))
	retriever.SetOutput([]string{"doc 1", "doc 2"})
	retriever.End()
	chain.SetAttributes(sigil.Int64("documents", 2), sigil.Bool("reranked", false), sigil.Float64("score", 0.5),
		sigil.String("source", "wiki"))
	_, gen := client.StartGeneration(chainCtx, sigil.GenerationStart{Model: sigil.ModelRef{Provider: "openai", Name: "gpt-4o"}})
	gen.End()
	_, tool := client.StartToolExecution(chainCtx, sigil.ToolExecutionStart{ToolName: "book"})
	tool.SetResult(sigil.ToolExecutionEnd{Arguments: map[string]string{"city": "Paris"}, Result: "booked"})
	tool.End()
	chain.End()
	agent.SetOutput("sunny")
	agent.End()
	for _, r := range []interface{ Err() error }{agent, chain, retriever, gen, tool} {
		if err := r.Err(); err != nil {
			t.Fatalf("%T: %v", r, err)
		}
	}

	got := flushedSpans(t, h, client, agent.TraceID(), 5)
	a, c, r := got["invoke_agent travel-agent"], got["answer"], got["search-docs"]
	g, tl := got["generateText gpt-4o"], got["execute_tool book"]
	if a == nil || c == nil || r == nil || g == nil || tl == nil {
		t.Fatalf("spans: %v", got)
	}
	if a["parent_span_id"] != "" || c["parent_span_id"] != a["span_id"] {
		t.Errorf("agent parent %q, chain parent %q (want %q)", a["parent_span_id"], c["parent_span_id"], a["span_id"])
	}
	for name, child := range map[string]map[string]any{"retriever": r, "generation": g, "tool": tl} {
		if child["parent_span_id"] != c["span_id"] {
			t.Errorf("%s parent = %v, want the chain %v", name, child["parent_span_id"], c["span_id"])
		}
	}
	if agent.Traceparent() != fmt.Sprintf("00-%s-%s-01", a["trace_id"], a["span_id"]) {
		t.Errorf("Traceparent() = %q, span %v/%v", agent.Traceparent(), a["trace_id"], a["span_id"])
	}
	for kind, s := range map[string]map[string]any{"agent": a, "chain": c, "retriever": r} {
		if attr(s, "sigil.span.kind") != kind || s["kind"] != "SPAN_KIND_INTERNAL" {
			t.Errorf("%s: sigil.span.kind %v, kind %v", kind, attr(s, "sigil.span.kind"), s["kind"])
		}
		if attr(s, "sigil.sdk.name") != "sdk-go" {
			t.Errorf("%s: sigil.sdk.name %v", kind, attr(s, "sigil.sdk.name"))
		}
	}
	if attr(a, "gen_ai.operation.name") != "invoke_agent" || attr(a, "gen_ai.agent.name") != "travel-agent" {
		t.Errorf("agent attributes: %v", a["attributes"])
	}
	if attr(a, "sigil.span.input") != `{"question":"weather in Paris?"}` || attr(a, "sigil.span.output") != `"sunny"` {
		t.Errorf("agent input/output: %v / %v", attr(a, "sigil.span.input"), attr(a, "sigil.span.output"))
	}
	if attr(r, "sigil.span.output") != `["doc 1","doc 2"]` {
		t.Errorf("retriever output: %v", attr(r, "sigil.span.output"))
	}
	if ev := events(r); len(ev) != 1 || ev[0]["name"] != "retrieved" || fmt.Sprint(ev[0]["attributes"]) != "map[count:2]" {
		t.Errorf("retriever events: %v", ev)
	}
	if attr(c, "documents") != float64(2) || attr(c, "reranked") != false || attr(c, "score") != 0.5 ||
		attr(c, "source") != "wiki" {
		t.Errorf("chain attributes: %v", c["attributes"])
	}
}

func TestSpanErrorsAndPanicsMarkTheSpan(t *testing.T) {
	h, client := tracingClient(t, nil)
	ctx, root := client.StartSpan(ctxTimeout(t, 10*time.Second), sigil.SpanStart{Kind: sigil.SpanKindWorkflow, Name: "flow"})

	_, failing := client.StartSpan(ctx, sigil.SpanStart{Kind: sigil.SpanKindTask, Name: "fails"})
	_, statErr := os.Stat("/nonexistent/sigil")
	failing.SetError(statErr)
	failing.End()
	if !errors.Is(failing.Err(), statErr) {
		t.Errorf("Err() = %v, want the error SetError recorded", failing.Err())
	}
	// An error that names its own type (shared with other languages) keeps that name, also wrapped.
	_, named := client.StartSpan(ctx, sigil.SpanStart{Kind: sigil.SpanKindTask, Name: "named"})
	named.SetError(fmt.Errorf("booking: %w", overbooked{}))
	named.End()

	var panicked *sigil.SpanRecorder
	recovered := func() (p any) {
		defer func() { p = recover() }()
		var span *sigil.SpanRecorder
		_, span = client.StartSpan(ctx, sigil.SpanStart{Kind: sigil.SpanKindTask, Name: "panics"})
		panicked = span
		defer span.End()
		panic("boom")
	}()
	if recovered != "boom" {
		t.Fatalf("End must panic again with the same value, got %v", recovered)
	}
	if panicked.Err() == nil {
		t.Error("Err() after a panic is nil")
	}
	root.End()

	got := flushedSpans(t, h, client, root.TraceID(), 4)
	for name, typ := range map[string]string{"fails": "fs.PathError", "panics": "panic", "named": "Overbooked"} {
		s := got[name]
		if s == nil {
			t.Fatalf("no span %q: %v", name, got)
		}
		status, _ := s["status"].(map[string]any)
		if status["code"] != "STATUS_CODE_ERROR" || attr(s, "error.type") != typ {
			t.Errorf("%s: status %v, error.type %v", name, status, attr(s, "error.type"))
		}
		ev := events(s)
		if len(ev) == 0 || ev[0]["name"] != "exception" {
			t.Errorf("%s: events %v", name, ev)
		}
	}
	if status, _ := got["panics"]["status"].(map[string]any); status["message"] != "boom" {
		t.Errorf("panic status message = %v", status["message"])
	}
}

type overbooked struct{}

func (overbooked) Error() string     { return "no rooms left" }
func (overbooked) ErrorType() string { return "Overbooked" }

func TestSpanInputErrorsAreReported(t *testing.T) {
	_, client := tracingClient(t, nil)
	_, unknown := client.StartSpan(context.Background(), sigil.SpanStart{Kind: "planner", Name: "x"})
	unknown.End()
	if err := unknown.Err(); err == nil || !strings.Contains(err.Error(), `unknown span kind "planner"`) {
		t.Errorf("unknown kind: Err() = %v", err)
	}
	_, span := client.StartSpan(context.Background(), sigil.SpanStart{Name: "bad-input"})
	span.SetAttributes(sigil.Attribute{Key: "untyped"}, sigil.String("ok", "fine"))
	span.AddEvent("e", sigil.String("", "no key"))
	span.End()
	var se *sigil.Error
	if err := span.Err(); !errors.As(err, &se) || se.Code != sigil.CodeInvalidArgument ||
		!strings.Contains(err.Error(), "untyped") {
		t.Errorf("malformed attribute: Err() = %v", err)
	}
}

func TestGoroutinesKeepTheirTreesApart(t *testing.T) {
	h, client := tracingClient(t, nil)
	const n = 6
	roots := make([]*sigil.SpanRecorder, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx, root := client.StartSpan(context.Background(), sigil.SpanStart{Kind: sigil.SpanKindAgent,
				Name: fmt.Sprintf("agent-%d", i)})
			roots[i] = root
			<-start // every goroutine is inside its root at once
			for j := 0; j < 2; j++ {
				_, step := client.StartSpan(ctx, sigil.SpanStart{Kind: sigil.SpanKindTask, Name: fmt.Sprintf("step-%d", i)})
				step.SetInput(i)
				step.End()
			}
			root.End()
		}(i)
	}
	close(start)
	wg.Wait()
	if err := client.Flush(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, root := range roots {
		if seen[root.TraceID()] {
			t.Fatalf("two roots share trace %s", root.TraceID())
		}
		seen[root.TraceID()] = true
		got := waitSpans(t, h, root.TraceID(), 3)
		if len(got) != 3 {
			t.Fatalf("trace of agent-%d: %v", i, spanNames(got))
		}
		var rootID any
		for _, s := range got {
			if s["name"] == fmt.Sprintf("invoke_agent agent-%d", i) {
				rootID = s["span_id"]
			}
		}
		for _, s := range got {
			if s["span_id"] == rootID {
				continue
			}
			if s["name"] != fmt.Sprintf("step-%d", i) || s["parent_span_id"] != rootID ||
				attr(s, "sigil.span.input") != fmt.Sprint(i) {
				t.Errorf("agent-%d has a foreign child: %v (input %v)", i, s["name"], attr(s, "sigil.span.input"))
			}
		}
	}
}

func TestMetadataOnlySpansCarryNoContent(t *testing.T) {
	h, client := tracingClient(t, func(c *sigil.Config) { c.ContentCapture = sigil.ContentCaptureModeMetadataOnly })
	ctx, root := client.StartSpan(ctxTimeout(t, 10*time.Second), sigil.SpanStart{Kind: sigil.SpanKindAgent,
		Name: "private", ConversationTitle: "secret title"})
	_, lookup := client.StartSpan(ctx, sigil.SpanStart{Kind: sigil.SpanKindRetriever, Name: "lookup"})
	if lookup.CapturesContent() {
		t.Error("CapturesContent() under metadata_only")
	}
	lookup.SetInput("secret question")
	lookup.SetOutput("secret answer")
	lookup.SetContentAttributes(sigil.String("note", "secret note"))
	lookup.SetAttributes(sigil.Int("rank", 1))
	lookup.AddContentEvent("hit", sigil.String("text", "secret document"))
	lookup.SetError(errors.New("secret failure"))
	lookup.End()
	root.End()
	got := flushedSpans(t, h, client, root.TraceID(), 2)
	text, _ := json.Marshal(got)
	if strings.Contains(string(text), "secret") {
		t.Fatalf("content left the process under metadata_only: %s", text)
	}
	r := got["lookup"]
	if attr(r, "rank") != float64(1) || attr(r, "sigil.span.input") != nil || attr(r, "note") != nil {
		t.Errorf("lookup attributes: %v", r["attributes"])
	}
	if ev := events(r); len(ev) == 0 || ev[0]["name"] != "hit" || len(ev[0]["attributes"].(map[string]any)) != 0 {
		t.Errorf("lookup events: %v", ev)
	}
}

func TestInjectAndExtract(t *testing.T) {
	_, client := tracingClient(t, nil)
	ctx := context.Background()
	if sigil.Inject(ctx, sigil.MapCarrier{}) {
		t.Error("Inject wrote without a trace context")
	}
	if sigil.Extract(ctx, sigil.MapCarrier{"traceparent": "garbage"}) != ctx {
		t.Error("Extract accepted a malformed traceparent")
	}
	const remote = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	h := http.Header{}
	h.Set("TraceParent", remote)
	h.Add("Tracestate", "vendor=opaque")
	h.Add("Tracestate", "other=1")
	rctx := sigil.Extract(ctx, sigil.HeaderCarrier(h))
	if tp, _ := sigil.TraceparentFromContext(rctx); tp != remote {
		t.Fatalf("extracted traceparent = %q", tp)
	}
	out := sigil.MapCarrier{}
	sigil.Inject(rctx, out)
	if out["traceparent"] != remote || out["tracestate"] != "vendor=opaque,other=1" {
		t.Errorf("re-injected: %v", out)
	}
	bad := sigil.Extract(ctx, sigil.MapCarrier{"TRACEPARENT": remote, "tracestate": "Not Valid"})
	out = sigil.MapCarrier{}
	sigil.Inject(bad, out)
	if out["traceparent"] != remote || out["tracestate"] != "" {
		t.Errorf("a malformed tracestate must be dropped, the traceparent kept: %v", out)
	}

	spanCtx, span := client.StartSpan(rctx, sigil.SpanStart{Kind: sigil.SpanKindTask, Name: "continued"})
	defer span.End()
	out = sigil.MapCarrier{"x-other": "1"}
	if !sigil.Inject(spanCtx, out) {
		t.Fatal("Inject inside a span wrote nothing")
	}
	if out["traceparent"] != span.Traceparent() || span.TraceID() != "4bf92f3577b34da6a3ce929d0e0e4736" ||
		out["tracestate"] != "vendor=opaque,other=1" || out["x-other"] != "1" {
		t.Errorf("injected inside the continued span: %v (span %s)", out, span.Traceparent())
	}
	genCtx, gen := client.StartGeneration(spanCtx, sigil.GenerationStart{Model: sigil.ModelRef{Provider: "p", Name: "m"}})
	out = sigil.MapCarrier{}
	sigil.Inject(genCtx, out) // inside any recorder: its own traceparent, the trace's tracestate
	gen.End()
	if tc, ok := sigil.ParseTraceparent(out["traceparent"]); !ok || tc.TraceID != span.TraceID() ||
		out["traceparent"] == span.Traceparent() || !tc.Sampled || out["tracestate"] != "vendor=opaque,other=1" {
		t.Errorf("injected inside a generation: %v, parsed %+v", out, tc)
	}
}

// The child process of TestTraceContinuesInAnotherProcess: the test binary
// run again with tracingChildEnv set (see TestMain).
const tracingChildEnv = "SIGIL_GO_TRACING_CHILD"

func runTracingChild() int {
	var headers map[string]string
	if err := json.Unmarshal([]byte(os.Getenv(tracingChildEnv)), &headers); err != nil {
		fmt.Fprintln(os.Stderr, "child: headers:", err)
		return 2
	}
	cfg := sigil.DefaultConfig()
	cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolNone
	cfg.Telemetry.OTLPEndpoint = os.Getenv("SIGIL_GO_TRACING_OTLP")
	client, err := sigil.NewClientWithError(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	ctx := sigil.Extract(context.Background(), sigil.MapCarrier(headers))
	_, span := client.StartSpan(ctx, sigil.SpanStart{Kind: sigil.SpanKindTask, Name: "tool-service"})
	span.SetOutput("booked Paris")
	span.End()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := client.Shutdown(shutdownCtx); err != nil || span.Err() != nil {
		fmt.Fprintln(os.Stderr, "child:", err, span.Err())
		return 1
	}
	return 0
}

func TestTraceContinuesInAnotherProcess(t *testing.T) {
	h, client := tracingClient(t, nil)
	ctx, caller := client.StartSpan(ctxTimeout(t, 30*time.Second), sigil.SpanStart{Kind: sigil.SpanKindAgent, Name: "caller"})
	headers := sigil.MapCarrier{}
	sigil.Inject(ctx, headers)
	caller.End()
	data, _ := json.Marshal(headers)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), tracingChildEnv+"="+string(data), "SIGIL_GO_TRACING_OTLP="+h.OTLPEndpoint())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child process: %v\n%s", err, out)
	}
	got := flushedSpans(t, h, client, caller.TraceID(), 2)
	child, parent := got["tool-service"], got["invoke_agent caller"]
	if child == nil || parent == nil {
		t.Fatalf("spans: %v", got)
	}
	if child["parent_span_id"] != parent["span_id"] {
		t.Errorf("child parent = %v, want the caller %v", child["parent_span_id"], parent["span_id"])
	}
	if flags, _ := child["flags"].(float64); int(flags)&0x200 == 0 {
		t.Errorf("child flags %v: the parent must be flagged remote", child["flags"])
	}
	if attr(child, "sigil.span.output") != `"booked Paris"` {
		t.Errorf("child output %v", attr(child, "sigil.span.output"))
	}
}
