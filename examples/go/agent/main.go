// Command agent records the span tree of one agent run, with the tool it
// books through as a second process that continues the same trace:
//
//	invoke_agent travel-agent   agent
//	  plan                      chain
//	    search-docs             retriever
//	    generateText gpt-4o     generation
//	    execute_tool book       tool
//	      book-service          task, in the other process (W3C traceparent)
//
// It is configured through the environment, for example against the local
// receiver (spans go to the OTLP endpoint):
//
//	SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 \
//	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 go run ./agent
//
// The book service is this program run again with -book-service: it listens
// on a loopback port, writes the port to stdout and serves one request.
// Exit status: 0 when everything was recorded and delivered, 1 otherwise.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

func main() {
	service := flag.Bool("book-service", false, "serve one booking request (the second process)")
	flag.Parse()
	client, err := sigil.NewClientWithError(sigil.DefaultConfig())
	if err != nil {
		fmt.Fprintln(os.Stderr, "agent:", err)
		os.Exit(1)
	}
	if *service {
		err = bookService(client)
	} else {
		err = runAgent(client)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if shutdownErr := client.Shutdown(ctx); err == nil {
		err = shutdownErr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "agent:", err)
		os.Exit(1)
	}
}

func runAgent(client *sigil.Client) (err error) {
	ctx := sigil.WithConversationID(context.Background(), "conv-agent-example")
	ctx, agent := client.StartSpan(ctx, sigil.SpanStart{Kind: sigil.SpanKindAgent, Name: "travel-agent"})
	defer func() {
		agent.SetError(err)
		agent.End()
		if err == nil {
			err = agent.Err()
		}
	}()
	agent.SetInput(map[string]string{"question": "a room in Paris?"})
	answer, err := plan(ctx, client, "a room in Paris?")
	if err != nil {
		return err
	}
	agent.SetOutput(answer)
	fmt.Println(answer)
	fmt.Println("trace", agent.TraceID())
	return nil
}

func plan(ctx context.Context, client *sigil.Client, question string) (answer string, err error) {
	ctx, chain := client.StartSpan(ctx, sigil.SpanStart{Kind: sigil.SpanKindChain, Name: "plan"})
	defer func() {
		chain.SetError(err)
		chain.End()
	}()

	_, search := client.StartSpan(ctx, sigil.SpanStart{Kind: sigil.SpanKindRetriever, Name: "search-docs"})
	docs := []string{"Hotel du Nord has rooms", "Paris is busy in June"}
	search.SetInput(question)
	search.AddEvent("retrieved", sigil.Int("count", len(docs)))
	search.SetOutput(docs)
	search.End()
	chain.SetAttributes(sigil.Int("documents", len(docs)))

	_, gen := client.StartGeneration(ctx, sigil.GenerationStart{Model: sigil.ModelRef{Provider: "openai", Name: "gpt-4o"}})
	gen.SetResult(sigil.Generation{
		Input:  []sigil.Message{sigil.UserTextMessage(question)},
		Output: []sigil.Message{sigil.AssistantTextMessage("I will book Hotel du Nord.")},
		Usage:  sigil.TokenUsage{InputTokens: 42, OutputTokens: 9},
	}, nil)
	gen.End()

	toolCtx, tool := client.StartToolExecution(ctx, sigil.ToolExecutionStart{ToolName: "book", IncludeContent: true})
	result, err := callBookService(toolCtx, "Paris")
	tool.SetExecError(err)
	tool.SetResult(sigil.ToolExecutionEnd{Arguments: map[string]string{"city": "Paris"}, Result: result})
	tool.End()
	return result, err
}

// callBookService starts the service process and calls it with the tool
// execution's trace context in the request headers.
func callBookService(ctx context.Context, city string) (string, error) {
	cmd := exec.CommandContext(ctx, os.Args[0], "-book-service")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	defer func() { _ = cmd.Wait() }()
	port, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("book service: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://127.0.0.1:"+strings.TrimSpace(port)+"/book",
		strings.NewReader(`{"city":"`+city+`"}`))
	if err != nil {
		return "", err
	}
	sigil.Inject(ctx, sigil.HeaderCarrier(req.Header))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("book service: %d %s (%v)", resp.StatusCode, body, err)
	}
	return string(body), nil
}

// bookService serves one booking; its span continues the caller's trace.
func bookService(client *sigil.Client) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	done := make(chan struct{})
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		ctx := sigil.Extract(r.Context(), sigil.HeaderCarrier(r.Header))
		_, span := client.StartSpan(ctx, sigil.SpanStart{Kind: sigil.SpanKindTask, Name: "book-service"})
		defer span.End()
		var in struct{ City string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.City == "" {
			span.SetError(fmt.Errorf("bad request: %v", err))
			http.Error(w, "want {\"city\": ...}", http.StatusBadRequest)
			return
		}
		span.SetInput(in)
		answer := "booked a room in " + in.City
		span.SetOutput(answer)
		_, _ = io.WriteString(w, answer)
	})}
	go func() { _ = srv.Serve(ln) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = srv.Close()
		return fmt.Errorf("book service: no request within 30 s")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(ctx)
}
