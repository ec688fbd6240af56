package sigil_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

var model = sigil.ModelRef{Provider: "openai", Name: "gpt-5"}

func TestValidationErrors(t *testing.T) {
	h := needHarness(t)
	client := httpClient(t)
	conv := unique("conv-invalid")
	ctx := sigil.WithConversationID(ctxTimeout(t, 10*time.Second), conv)
	for name, tc := range map[string]struct {
		start  sigil.GenerationStart
		result *sigil.Generation
		want   string
	}{
		"no model":      {sigil.GenerationStart{}, nil, "model.provider"},
		"empty parts":   {sigil.GenerationStart{Model: model}, &sigil.Generation{Input: []sigil.Message{{Role: sigil.RoleUser}}}, "input[0].parts"},
		"bad role":      {sigil.GenerationStart{Model: model}, &sigil.Generation{Input: []sigil.Message{{Role: "system", Parts: []sigil.Part{sigil.TextPart("x")}}}}, "input[0].role"},
		"empty text":    {sigil.GenerationStart{Model: model}, &sigil.Generation{Output: []sigil.Message{{Role: sigil.RoleAssistant, Parts: []sigil.Part{{Kind: sigil.PartKindText}}}}}, "output[0].parts[0].text"},
		"two payloads":  {sigil.GenerationStart{Model: model}, &sigil.Generation{Output: []sigil.Message{{Role: sigil.RoleAssistant, Parts: []sigil.Part{{Kind: sigil.PartKindText, Text: "a", Thinking: "b"}}}}}, "exactly one"},
		"user thinking": {sigil.GenerationStart{Model: model}, &sigil.Generation{Input: []sigil.Message{{Role: sigil.RoleUser, Parts: []sigil.Part{sigil.ThinkingPart("x")}}}}, "thinking"},
		"tool no name":  {sigil.GenerationStart{Model: model}, &sigil.Generation{Tools: []sigil.ToolDefinition{{Description: "x"}}}, "tools[0].name"},
		"bad mode":      {sigil.GenerationStart{Model: model, Mode: "BATCH"}, nil, "mode"},
		"invalid utf8":  {sigil.GenerationStart{Model: model}, &sigil.Generation{Output: []sigil.Message{sigil.AssistantTextMessage("bad \xed\xa0\x80 bytes")}}, "UTF-8"},
		"utf8 in start": {sigil.GenerationStart{Model: model, AgentName: "\xff"}, nil, "agent_name"},
		"artifact kind": {sigil.GenerationStart{Model: model}, &sigil.Generation{Artifacts: []sigil.Artifact{{Kind: "nope", Payload: []byte("x")}}}, "artifacts"},
	} {
		t.Run(name, func(t *testing.T) {
			_, rec := client.StartGeneration(ctx, tc.start)
			defer rec.End() // idempotent: the explicit End below wins
			if tc.result != nil {
				rec.SetResult(*tc.result, nil)
			}
			rec.End()
			err := rec.Err()
			if !errors.Is(err, sigil.ErrValidationFailed) {
				t.Fatalf("Err() = %v, want ErrValidationFailed", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Err() = %q, want it to name %q", err, tc.want)
			}
			var se *sigil.Error
			if !errors.As(err, &se) || se.Code == sigil.CodeOK {
				t.Errorf("errors.As(*sigil.Error) = %v", se)
			}
			if tc.result != nil {
				if verr := sigil.ValidateGeneration(withModel(*tc.result)); !errors.Is(verr, sigil.ErrValidationFailed) {
					t.Errorf("ValidateGeneration = %v", verr)
				}
			}
		})
	}
	_ = client.Flush(ctx)
	if gens := h.Generations(t, "http_exports", 0, withConversation(conv)); len(gens) != 0 {
		t.Errorf("invalid generations were exported: %v", gens)
	}
	st, _ := client.Stats()
	if st.ValidationFailures < 10 {
		t.Errorf("ValidationFailures = %d", st.ValidationFailures)
	}
	if err := sigil.ValidateGeneration(sigil.Generation{Model: model,
		Input: []sigil.Message{sigil.UserTextMessage("hi")}}); err != nil {
		t.Errorf("ValidateGeneration(valid) = %v", err)
	}
	if err := (sigil.Generation{}).Validate(); err == nil || !strings.Contains(err.Error(), "model.provider") {
		t.Errorf("Generation.Validate() = %v", err)
	}
}

func withModel(g sigil.Generation) sigil.Generation {
	g.Model = model
	return g
}

func TestUnmarshalableMetadataIsAnEnqueueError(t *testing.T) {
	client := newClient(t, func(c *sigil.Config) { c.GenerationExport.Protocol = sigil.GenerationExportProtocolNone })
	_, rec := client.StartGeneration(context.Background(), sigil.GenerationStart{Model: model})
	rec.SetResult(sigil.Generation{Metadata: map[string]any{"f": func() {}}}, nil)
	rec.End()
	if err := rec.Err(); !errors.Is(err, sigil.ErrEnqueueFailed) || !strings.Contains(err.Error(), "metadata") {
		t.Fatalf("Err() = %v", err)
	}
}

func TestQueueFull(t *testing.T) {
	h := needHarness(t)
	client := newClient(t, func(c *sigil.Config) {
		c.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
		c.GenerationExport.Endpoint = h.HTTPEndpoint()
		c.GenerationExport.QueueSize = 1
		c.GenerationExport.FlushInterval = time.Minute
	})
	conv := unique("conv-queue")
	ctx := sigil.WithConversationID(context.Background(), conv)
	_, first := client.StartGeneration(ctx, sigil.GenerationStart{Model: model})
	first.End()
	_, second := client.StartGeneration(ctx, sigil.GenerationStart{Model: model})
	second.End()
	if err := first.Err(); err != nil {
		t.Fatalf("first: %v", err)
	}
	err := second.Err()
	if !errors.Is(err, sigil.ErrQueueFull) || !errors.Is(err, sigil.ErrEnqueueFailed) {
		t.Fatalf("second Err() = %v, want ErrQueueFull and ErrEnqueueFailed", err)
	}
	st, _ := client.Stats()
	if st.DroppedQueueFull != 1 || st.QueueItems != 1 {
		t.Errorf("stats = %+v", st)
	}
	if err := client.Shutdown(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if gens := h.Generations(t, "http_exports", 1, withConversation(conv)); len(gens) != 1 {
		t.Errorf("exported %d generations, want the first only", len(gens))
	}
}

func TestPayloadTooLarge(t *testing.T) {
	client := newClient(t, func(c *sigil.Config) {
		c.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
		c.GenerationExport.Endpoint = needHarness(t).HTTPEndpoint()
		c.GenerationExport.PayloadMaxBytes = 1024
	})
	_, rec := client.StartGeneration(context.Background(), sigil.GenerationStart{Model: model})
	rec.SetResult(sigil.Generation{Output: []sigil.Message{sigil.AssistantTextMessage(strings.Repeat("x", 4096))}}, nil)
	rec.End()
	if err := rec.Err(); !errors.Is(err, sigil.ErrPayloadTooLarge) || !errors.Is(err, sigil.ErrEnqueueFailed) {
		t.Fatalf("Err() = %v", err)
	}
}

func TestQueueByteBudget(t *testing.T) {
	h := needHarness(t)
	client := newClient(t, func(c *sigil.Config) {
		c.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
		c.GenerationExport.Endpoint = h.HTTPEndpoint()
		c.GenerationExport.QueueMaxBytes = 12000
		c.GenerationExport.FlushInterval = time.Minute
	})
	conv := unique("conv-bytes")
	ctx := sigil.WithConversationID(context.Background(), conv)
	text := strings.Repeat("x", 2000)
	var kept, dropped int
	for i := 0; i < 10; i++ {
		_, rec := client.StartGeneration(ctx, sigil.GenerationStart{Model: model})
		rec.SetResult(sigil.Generation{Input: []sigil.Message{sigil.UserTextMessage(text)}}, nil)
		rec.End()
		switch err := rec.Err(); {
		case err == nil:
			kept++
		case errors.Is(err, sigil.ErrQueueFull):
			dropped++
		default:
			t.Fatalf("Err() = %v", err)
		}
	}
	if kept == 0 || dropped == 0 {
		t.Fatalf("kept %d, dropped %d of 10 generations of 2 KB under a 12000-byte budget", kept, dropped)
	}
	st, _ := client.Stats()
	if st.DroppedByteBudget != uint64(dropped) || st.DroppedTotal != uint64(dropped) {
		t.Errorf("stats = %+v, want %d dropped for the byte budget", st, dropped)
	}
	if err := client.Shutdown(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if gens := h.Generations(t, "http_exports", kept, withConversation(conv)); len(gens) != kept {
		t.Errorf("exported %d generations, want %d", len(gens), kept)
	}
	if st, _ := client.Stats(); st.GenerationsExported != uint64(kept) {
		t.Errorf("GenerationsExported = %d, want %d", st.GenerationsExported, kept)
	}
}

func TestShutdown(t *testing.T) {
	h := needHarness(t)
	client := newClient(t, func(c *sigil.Config) {
		c.GenerationExport.Protocol = sigil.GenerationExportProtocolGRPC
		c.GenerationExport.Endpoint = h.GRPCEndpoint()
		c.GenerationExport.FlushInterval = time.Minute // only shutdown delivers
	})
	conv := unique("conv-shutdown")
	ctx := sigil.WithConversationID(context.Background(), conv)
	for i := 0; i < 5; i++ {
		_, rec := client.StartGeneration(ctx, sigil.GenerationStart{Model: model})
		rec.End()
	}
	if err := client.Shutdown(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if gens := h.Generations(t, "grpc_exports", 5, withConversation(conv)); len(gens) != 5 {
		t.Fatalf("shutdown delivered %d of 5", len(gens))
	}
	if err := client.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown = %v, want nil", err)
	}
	if err := client.Flush(context.Background()); !errors.Is(err, sigil.ErrClientShutdown) {
		t.Errorf("Flush after Shutdown = %v", err)
	}
	_, rec := client.StartGeneration(ctx, sigil.GenerationStart{Model: model})
	rec.End()
	if err := rec.Err(); !errors.Is(err, sigil.ErrClientShutdown) || !errors.Is(err, sigil.ErrEnqueueFailed) {
		t.Errorf("End after Shutdown: Err() = %v", err)
	}
	_, tool := client.StartToolExecution(ctx, sigil.ToolExecutionStart{ToolName: "x"})
	tool.End()
	if !errors.Is(tool.Err(), sigil.ErrClientShutdown) {
		t.Errorf("tool after Shutdown: %v", tool.Err())
	}
	_, emb := client.StartEmbedding(ctx, sigil.EmbeddingStart{Model: model})
	emb.End()
	if !errors.Is(emb.Err(), sigil.ErrClientShutdown) {
		t.Errorf("embedding after Shutdown: %v", emb.Err())
	}
	if _, err := client.SubmitConversationRating(ctx, "c", sigil.ConversationRatingInput{RatingID: "r",
		Rating: sigil.ConversationRatingValueGood}); !errors.Is(err, sigil.ErrClientShutdown) {
		t.Errorf("rating after Shutdown: %v", err)
	}
}

// clientWithOneStalledGeneration has one generation queued for an HTTP
// server that answers after 3 s.
func clientWithOneStalledGeneration(t *testing.T, h *harness) *sigil.Client {
	t.Helper()
	client := newClient(t, func(c *sigil.Config) {
		c.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
		c.GenerationExport.Endpoint = h.HTTPEndpoint()
		c.GenerationExport.FlushInterval = time.Minute
	})
	h.Script(t, "http", map[string]any{"delay_ms": 3000})
	_, rec := client.StartGeneration(context.Background(), sigil.GenerationStart{Model: model})
	rec.End()
	return client
}

// A context without a deadline still bounds Shutdown (DefaultShutdownTimeout):
// against a server that answers after 3 s, Shutdown gives up with an error
// matching context.DeadlineExceeded instead of waiting for it.
func TestShutdownWithoutDeadlineIsBounded(t *testing.T) {
	h := needHarness(t)
	saved := sigil.DefaultShutdownTimeout
	sigil.DefaultShutdownTimeout = 300 * time.Millisecond
	t.Cleanup(func() { sigil.DefaultShutdownTimeout = saved })
	client := clientWithOneStalledGeneration(t, h)
	if err := client.Shutdown(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown(context.Background()) against a stalled server = %v, want context.DeadlineExceeded", err)
	}
}

func TestShutdownDeadline(t *testing.T) {
	h := needHarness(t)
	client := clientWithOneStalledGeneration(t, h)
	begin := time.Now()
	err := client.Shutdown(ctxTimeout(t, 300*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown past its deadline = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("Shutdown took %v", d)
	}
	st, _ := client.Stats()
	if st.DroppedShutdownTimeout != 1 {
		t.Logf("stats after a late shutdown: %+v", st)
	}
}

func TestFlushHonoursCancellation(t *testing.T) {
	h := needHarness(t)
	client := newClient(t, func(c *sigil.Config) {
		c.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
		c.GenerationExport.Endpoint = h.HTTPEndpoint()
		c.GenerationExport.FlushInterval = time.Minute
	})
	h.Script(t, "http", map[string]any{"delay_ms": 1500})
	_, rec := client.StartGeneration(context.Background(), sigil.GenerationStart{Model: model})
	rec.End()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	if err := client.Flush(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Flush = %v, want context.Canceled", err)
	}
	if err := client.Flush(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatalf("second Flush = %v", err)
	}
}

func TestEndIsIdempotentAndNilSafe(t *testing.T) {
	client := newClient(t, func(c *sigil.Config) { c.GenerationExport.Protocol = sigil.GenerationExportProtocolNone })
	_, rec := client.StartGeneration(context.Background(), sigil.GenerationStart{})
	rec.End()
	first := rec.Err()
	rec.End()
	rec.End()
	if rec.Err() != first || !errors.Is(first, sigil.ErrValidationFailed) {
		t.Errorf("Err changed after repeated End: %v -> %v", first, rec.Err())
	}
	rec.SetResult(sigil.Generation{Model: model}, nil) // after End: ignored
	rec.End()

	var nilClient *sigil.Client
	ctx, g := nilClient.StartGeneration(context.Background(), sigil.GenerationStart{Model: model})
	if ctx == nil || g == nil {
		t.Fatal("nil client must return a usable context and recorder")
	}
	g.SetResult(sigil.Generation{}, nil)
	g.SetCallError(errors.New("x"))
	g.SetFirstTokenAt(time.Now())
	g.End()
	g.End()
	if g.Err() != nil {
		t.Error(g.Err())
	}
	_, s := nilClient.StartStreamingGeneration(nil, sigil.GenerationStart{}) //nolint:staticcheck
	s.End()
	_, tool := nilClient.StartToolExecution(context.Background(), sigil.ToolExecutionStart{ToolName: "x"})
	tool.SetExecError(errors.New("x"))
	tool.End()
	_, emb := nilClient.StartEmbedding(context.Background(), sigil.EmbeddingStart{})
	emb.End()
	if err := nilClient.Flush(context.Background()); err != nil {
		t.Error(err)
	}
	if err := nilClient.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
	if _, err := nilClient.SubmitConversationRating(context.Background(), "c", sigil.ConversationRatingInput{}); !errors.Is(err, sigil.ErrNilClient) {
		t.Error(err)
	}

	var nilRec *sigil.GenerationRecorder
	nilRec.SetResult(sigil.Generation{}, nil)
	nilRec.SetCallError(errors.New("x"))
	nilRec.SetFirstTokenAt(time.Now())
	nilRec.End()
	if nilRec.Err() != nil {
		t.Error("nil recorder Err")
	}
	var nilTool *sigil.ToolExecutionRecorder
	nilTool.SetResult(sigil.ToolExecutionEnd{})
	nilTool.End()
	var nilEmb *sigil.EmbeddingRecorder
	nilEmb.SetResult(sigil.EmbeddingResult{})
	nilEmb.End()
	_ = nilTool.Err()
	_ = nilEmb.Err()
	(&sigil.GenerationRecorder{}).End()
	(&sigil.ToolExecutionRecorder{}).End()
	(&sigil.EmbeddingRecorder{}).End()
}

func TestToolExecutionAndEmbeddingErrors(t *testing.T) {
	client := newClient(t, func(c *sigil.Config) { c.GenerationExport.Protocol = sigil.GenerationExportProtocolNone })
	ctx := context.Background()

	toolErr := errors.New("tool exploded")
	_, tool := client.StartToolExecution(ctx, sigil.ToolExecutionStart{ToolName: "lookup", IncludeContent: true})
	tool.SetExecError(toolErr)
	tool.SetResult(sigil.ToolExecutionEnd{Arguments: `{"q":1}`, Result: []byte("plain")})
	tool.End()
	if !errors.Is(tool.Err(), toolErr) {
		t.Errorf("tool Err() = %v, want the tool's own error", tool.Err())
	}

	_, bad := client.StartToolExecution(ctx, sigil.ToolExecutionStart{ToolName: "lookup"})
	bad.SetResult(sigil.ToolExecutionEnd{Result: make(chan int)})
	bad.End()
	if err := bad.Err(); err == nil || !strings.Contains(err.Error(), "serialize tool result") {
		t.Errorf("unserializable result: Err() = %v", err)
	}

	_, noName := client.StartToolExecution(ctx, sigil.ToolExecutionStart{ToolName: "  "})
	noName.End()
	if noName.Err() != nil {
		t.Errorf("blank tool name is a no-op recorder: %v", noName.Err())
	}

	_, emb := client.StartEmbedding(ctx, sigil.EmbeddingStart{Model: sigil.ModelRef{Provider: "openai"}})
	emb.End()
	if err := emb.Err(); !errors.Is(err, sigil.ErrEmbeddingValidationFailed) || !strings.Contains(err.Error(), "model.name") {
		t.Errorf("embedding without a model name: Err() = %v", err)
	}
	_, emb2 := client.StartEmbedding(ctx, sigil.EmbeddingStart{Model: model})
	emb2.SetResult(sigil.EmbeddingResult{InputCount: -1})
	emb2.End()
	if !errors.Is(emb2.Err(), sigil.ErrEmbeddingValidationFailed) {
		t.Errorf("negative input count: Err() = %v", emb2.Err())
	}
	_, emb3 := client.StartEmbedding(ctx, sigil.EmbeddingStart{Model: model})
	emb3.SetCallError(errors.New("429 too many requests"))
	emb3.SetResult(sigil.EmbeddingResult{InputCount: 1, InputTexts: []string{"a", "b"}})
	emb3.End()
	if emb3.Err() != nil {
		t.Errorf("a call error is not a local error: %v", emb3.Err())
	}
}

func TestLoggerReceivesExportFailures(t *testing.T) {
	h := needHarness(t)
	var logged syncBuffer
	client := newClient(t, func(c *sigil.Config) {
		c.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
		c.GenerationExport.Endpoint = h.HTTPEndpoint()
		c.Logger = newLogger(&logged)
	})
	h.Script(t, "http", map[string]any{"status": 400, "body": "bad request body"})
	_, rec := client.StartGeneration(context.Background(), sigil.GenerationStart{Model: model})
	rec.End()
	_ = client.Flush(ctxTimeout(t, 5*time.Second))
	deadline := time.Now().Add(3 * time.Second)
	for !strings.Contains(logged.String(), "sigil") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(logged.String(), "400") {
		t.Errorf("logger got %q, want the rejected export", logged.String())
	}
	st, _ := client.Stats()
	if st.GenerationsRejected+st.DroppedRetryExhausted == 0 {
		t.Errorf("stats = %+v", st)
	}
}

// A C string ends at its first NUL: "victim\x00x" would reach libsigil as
// "victim" (and a rating would go to the wrong conversation), so a string
// holding one is refused.
func TestInteriorNULIsRefused(t *testing.T) {
	client := newClient(t, func(c *sigil.Config) { c.GenerationExport.Protocol = sigil.GenerationExportProtocolNone })
	ctx := context.Background()
	_, err := client.SubmitConversationRating(ctx, "victim\x00x",
		sigil.ConversationRatingInput{RatingID: "r1", Rating: sigil.ConversationRatingValueGood})
	var se *sigil.Error
	if !errors.As(err, &se) || se.Code != sigil.CodeInvalidArgument || !strings.Contains(err.Error(), "NUL") {
		t.Errorf("rating: err = %v, want InvalidArgument naming the NUL", err)
	}
	_, gen := client.StartGeneration(ctx, sigil.GenerationStart{Model: model, ConversationID: "victim\x00x"})
	gen.End()
	if !errors.As(gen.Err(), &se) || se.Code != sigil.CodeInvalidArgument {
		t.Errorf("generation: Err() = %v", gen.Err())
	}
	_, tool := client.StartToolExecution(ctx, sigil.ToolExecutionStart{ToolName: "look\x00up"})
	tool.End()
	if !errors.As(tool.Err(), &se) || se.Code != sigil.CodeInvalidArgument {
		t.Errorf("tool: Err() = %v", tool.Err())
	}
	_, emb := client.StartEmbedding(ctx, sigil.EmbeddingStart{Model: model})
	emb.SetResult(sigil.EmbeddingResult{InputCount: 1, InputTexts: []string{"a\x00b"}})
	emb.End()
	if !errors.As(emb.Err(), &se) || se.Code != sigil.CodeInvalidArgument {
		t.Errorf("embedding: Err() = %v", emb.Err())
	}
}

// Negative counts and non-finite sampling parameters fail libsigil's
// validation, as in every language.
func TestNegativeCountsAndNonFiniteParametersFailValidation(t *testing.T) {
	client := newClient(t, func(c *sigil.Config) { c.GenerationExport.Protocol = sigil.GenerationExportProtocolNone })
	nan, inf, minus := math.NaN(), math.Inf(1), int64(-1)
	for name, tc := range map[string]struct {
		start  sigil.GenerationStart
		result *sigil.Generation
		want   string
	}{
		"nan temperature": {sigil.GenerationStart{Model: model, Temperature: &nan}, nil, "temperature"},
		"infinite top_p":  {sigil.GenerationStart{Model: model, TopP: &inf}, nil, "top_p"},
		"negative max":    {sigil.GenerationStart{Model: model, MaxTokens: &minus}, nil, "max_tokens"},
		"negative usage":  {sigil.GenerationStart{Model: model}, &sigil.Generation{Usage: sigil.TokenUsage{OutputTokens: -2}}, "usage.output_tokens"},
	} {
		t.Run(name, func(t *testing.T) {
			_, rec := client.StartGeneration(context.Background(), tc.start)
			if tc.result != nil {
				rec.SetResult(*tc.result, nil)
			}
			rec.End()
			if err := rec.Err(); !errors.Is(err, sigil.ErrValidationFailed) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Err() = %v, want a validation error naming %q", err, tc.want)
			}
		})
	}
}
