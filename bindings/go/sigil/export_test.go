package sigil_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

func newClient(t testing.TB, mutate func(*sigil.Config)) *sigil.Client {
	t.Helper()
	cfg := sigil.DefaultConfig()
	cfg.GenerationExport.FlushInterval = 50 * time.Millisecond
	cfg.Logger = log.New(testWriter{t}, "", 0)
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := sigil.NewClientWithError(cfg)
	if err != nil {
		t.Fatalf("NewClientWithError: %v", err)
	}
	t.Cleanup(func() { _ = c.Shutdown(ctxTimeout(t, 5*time.Second)) })
	return c
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

func httpClient(t testing.TB) *sigil.Client {
	h := needHarness(t)
	return newClient(t, func(c *sigil.Config) {
		c.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
		c.GenerationExport.Endpoint = h.HTTPEndpoint()
	})
}

func grpcClient(t testing.TB) *sigil.Client {
	h := needHarness(t)
	return newClient(t, func(c *sigil.Config) {
		c.GenerationExport.Protocol = sigil.GenerationExportProtocolGRPC
		c.GenerationExport.Endpoint = h.GRPCEndpoint()
	})
}

func ptr[T any](v T) *T { return &v }

// fullGeneration exercises every field the binding encodes.
func fullGeneration() sigil.Generation {
	return sigil.Generation{
		ResponseID:    "resp-1",
		ResponseModel: "gpt-5-2025",
		SystemPrompt:  "Be brief. \"Quotes\", tabs\tand\nnewlines, unicode é ✓ 🚀, control \x01.",
		Input: []sigil.Message{
			sigil.UserTextMessage("What's the weather in Paris?"),
		},
		Output: []sigil.Message{
			{Role: sigil.RoleAssistant, Parts: []sigil.Part{
				sigil.ThinkingPart("The user wants the weather."),
				sigil.ToolCallPart(sigil.ToolCall{ID: "call-1", Name: "weather", InputJSON: json.RawMessage(`{"city": "Paris"}`)}),
			}},
			{Role: sigil.RoleTool, Parts: []sigil.Part{
				sigil.ToolResultPart(sigil.ToolResult{ToolCallID: "call-1", Name: "weather", Content: "sunny",
					ContentJSON: json.RawMessage(`{"temp":21}`), IsError: false}),
			}},
			sigil.ToolResultMessage("call-2", "plain string"),
			{Role: sigil.RoleAssistant, Name: "bot", Parts: []sigil.Part{
				{Kind: sigil.PartKindText, Text: "It is sunny.", Metadata: sigil.PartMetadata{ProviderType: "output_text"}},
			}},
		},
		Tools: []sigil.ToolDefinition{{Name: "weather", Description: "Weather by city", Type: "function",
			InputSchema: json.RawMessage(`{"type":"object"}`), Deferred: true}},
		MaxTokens:       ptr(int64(256)),
		Temperature:     ptr(0.25),
		TopP:            ptr(0.9),
		ToolChoice:      ptr("auto"),
		ThinkingEnabled: ptr(true),
		Usage: sigil.TokenUsage{InputTokens: 120, OutputTokens: 42, CacheReadInputTokens: 7,
			CacheWriteInputTokens: 3, ReasoningTokens: 11},
		StopReason: "stop",
		Tags:       map[string]string{"env": "test", "team": "ai"},
		Metadata:   map[string]any{"request_id": "r-9", "attempt": 2, "ok": true, "nested": map[string]any{"a": []int{1, 2}}},
		Artifacts: []sigil.Artifact{{Kind: sigil.ArtifactKindRequest, Name: "req", ContentType: "application/json",
			Payload: []byte(`{"model":"gpt-5"}`)}},
	}
}

func checkFullGeneration(t *testing.T, g map[string]any) {
	t.Helper()
	want := fullGeneration()
	eq := func(field string, got, want any) {
		t.Helper()
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if !bytes.Equal(gj, wj) {
			t.Errorf("%s = %s, want %s", field, gj, wj)
		}
	}
	eq("model", g["model"], map[string]any{"provider": "openai", "name": "gpt-5"})
	eq("response_id", g["response_id"], want.ResponseID)
	eq("response_model", g["response_model"], want.ResponseModel)
	eq("system_prompt", g["system_prompt"], want.SystemPrompt)
	eq("stop_reason", g["stop_reason"], "stop")
	eq("max_tokens", g["max_tokens"], "256")
	eq("temperature", g["temperature"], 0.25)
	eq("top_p", g["top_p"], 0.9)
	eq("tool_choice", g["tool_choice"], "auto")
	eq("thinking_enabled", g["thinking_enabled"], true)
	eq("usage", g["usage"], map[string]any{"input_tokens": "120", "output_tokens": "42", "total_tokens": "162",
		"cache_read_input_tokens": "7", "cache_write_input_tokens": "3", "reasoning_tokens": "11"})
	eq("tags", g["tags"], map[string]string{"env": "test", "team": "ai"})
	eq("metadata.request_id", metadataString(g, "request_id"), "r-9")
	md := g["metadata"].(map[string]any)
	eq("metadata.attempt", md["attempt"], 2)
	eq("metadata.ok", md["ok"], true)
	eq("metadata.nested", md["nested"], map[string]any{"a": []int{1, 2}})
	eq("metadata.sigil.sdk.name", md["sigil.sdk.name"], "sdk-go")

	input := g["input"].([]any)
	eq("input", input, []any{map[string]any{"role": "MESSAGE_ROLE_USER",
		"parts": []any{map[string]any{"text": "What's the weather in Paris?"}}}})
	out := g["output"].([]any)
	if len(out) != 4 {
		t.Fatalf("output has %d messages, want 4: %v", len(out), out)
	}
	parts := out[0].(map[string]any)["parts"].([]any)
	eq("output[0].parts[0]", parts[0], map[string]any{"thinking": "The user wants the weather."})
	call := parts[1].(map[string]any)["tool_call"].(map[string]any)
	eq("tool_call.id", call["id"], "call-1")
	eq("tool_call.input_json_text", call["input_json_text"], `{"city": "Paris"}`)
	result := out[1].(map[string]any)["parts"].([]any)[0].(map[string]any)["tool_result"].(map[string]any)
	eq("tool_result.content_json_text", result["content_json_text"], `{"temp":21}`)
	eq("tool_result.content", result["content"], "sunny")
	eq("tool_result.name", result["name"], "weather")
	result2 := out[2].(map[string]any)["parts"].([]any)[0].(map[string]any)["tool_result"].(map[string]any)
	eq("tool_result(2).content_json_text", result2["content_json_text"], `"plain string"`)
	last := out[3].(map[string]any)
	eq("output[3].name", last["name"], "bot")
	eq("output[3].parts", last["parts"], []any{map[string]any{"text": "It is sunny.",
		"metadata": map[string]any{"provider_type": "output_text"}}})

	tools := g["tools"].([]any)
	eq("tools", tools, []any{map[string]any{"name": "weather", "description": "Weather by city", "type": "function",
		"input_schema_json":      base64.StdEncoding.EncodeToString([]byte(`{"type":"object"}`)),
		"input_schema_json_text": `{"type":"object"}`, "deferred": true}})
	arts := g["raw_artifacts"].([]any)
	eq("raw_artifacts[0].kind", arts[0].(map[string]any)["kind"], "ARTIFACT_KIND_REQUEST")
	eq("raw_artifacts[0].payload_text", arts[0].(map[string]any)["payload_text"], `{"model":"gpt-5"}`)
	for _, f := range []string{"id", "trace_id", "span_id", "started_at", "completed_at"} {
		if s, _ := g[f].(string); s == "" {
			t.Errorf("%s missing", f)
		}
	}
	if len(g["trace_id"].(string)) != 32 || len(g["span_id"].(string)) != 16 {
		t.Errorf("trace_id/span_id = %v/%v", g["trace_id"], g["span_id"])
	}
}

func TestExportHTTPRoundTrip(t *testing.T) {
	h := needHarness(t)
	client := httpClient(t)
	conv := unique("conv-http")
	ctx := sigil.WithConversationID(ctxTimeout(t, 10*time.Second), conv)
	_, rec := client.StartGeneration(ctx, sigil.GenerationStart{
		Model: sigil.ModelRef{Provider: "openai", Name: "gpt-5"},
	})
	rec.SetResult(fullGeneration(), nil)
	rec.End()
	if err := rec.Err(); err != nil {
		t.Fatalf("Err() = %v", err)
	}
	if err := client.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	gens := h.Generations(t, "http_exports", 1, withConversation(conv))
	if len(gens) != 1 {
		t.Fatalf("got %d generations for %s, want 1", len(gens), conv)
	}
	g := gens[0]
	checkFullGeneration(t, g)
	if g["mode"] != "GENERATION_MODE_SYNC" || g["operation_name"] != "generateText" {
		t.Errorf("mode/operation = %v/%v", g["mode"], g["operation_name"])
	}
}

func TestExportGRPCStreamingRoundTrip(t *testing.T) {
	h := needHarness(t)
	client := grpcClient(t)
	conv := unique("conv-grpc")
	ctx := ctxTimeout(t, 10*time.Second)
	started := time.Now().Add(-2 * time.Second).Truncate(time.Microsecond)
	_, rec := client.StartStreamingGeneration(ctx, sigil.GenerationStart{
		ID:             unique("gen"),
		ConversationID: conv,
		Model:          sigil.ModelRef{Provider: "openai", Name: "gpt-5"},
		StartedAt:      started,
	})
	defer rec.End()
	rec.SetFirstTokenAt(time.Now())
	rec.SetResult(fullGeneration(), nil)
	rec.End()
	if err := rec.Err(); err != nil {
		t.Fatalf("Err() = %v", err)
	}
	if err := client.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	gens := h.Generations(t, "grpc_exports", 1, withConversation(conv))
	if len(gens) != 1 {
		t.Fatalf("got %d generations, want 1", len(gens))
	}
	g := gens[0]
	checkFullGeneration(t, g)
	if g["mode"] != "GENERATION_MODE_STREAM" || g["operation_name"] != "streamText" {
		t.Errorf("mode/operation = %v/%v", g["mode"], g["operation_name"])
	}
	if got, _ := time.Parse(time.RFC3339Nano, g["started_at"].(string)); !got.Equal(started) {
		t.Errorf("started_at = %v, want %v", g["started_at"], started.UTC())
	}
}

func TestStartFieldsAndResultPrecedence(t *testing.T) {
	h := needHarness(t)
	client := httpClient(t)
	conv := unique("conv-start")
	ctx := ctxTimeout(t, 10*time.Second)
	_, rec := client.StartGeneration(ctx, sigil.GenerationStart{
		ConversationID:  conv,
		AgentName:       "start-agent",
		OperationName:   "chat",
		Model:           sigil.ModelRef{Provider: "anthropic", Name: "claude"},
		SystemPrompt:    "from start",
		Tools:           []sigil.ToolDefinition{{Name: "search"}},
		MaxTokens:       ptr(int64(10)),
		Temperature:     ptr(1.5),
		ToolChoice:      ptr("none"),
		ThinkingEnabled: ptr(false),
		Tags:            map[string]string{"a": "start", "b": "start"},
		Metadata:        map[string]any{"k": "start", "only_start": 1.5},
	})
	rec.SetResult(sigil.Generation{
		AgentName: "result-agent",
		Tags:      map[string]string{"b": "result"},
		Metadata:  map[string]any{"k": "result"},
		Input:     []sigil.Message{sigil.UserTextMessage("hi")},
	}, nil)
	rec.End()
	if err := rec.Err(); err != nil {
		t.Fatal(err)
	}
	_ = client.Flush(ctx)
	gens := h.Generations(t, "http_exports", 1, withConversation(conv))
	if len(gens) != 1 {
		t.Fatalf("got %d generations", len(gens))
	}
	g := gens[0]
	md := g["metadata"].(map[string]any)
	for field, want := range map[string]any{
		"agent_name": "result-agent", "operation_name": "chat", "system_prompt": "from start",
		"max_tokens": "10", "temperature": 1.5, "tool_choice": "none", "thinking_enabled": false,
	} {
		if g[field] != want {
			t.Errorf("%s = %#v, want %#v", field, g[field], want)
		}
	}
	if tags := g["tags"].(map[string]any); tags["a"] != "start" || tags["b"] != "result" {
		t.Errorf("tags = %v", tags)
	}
	if md["k"] != "result" || md["only_start"] != 1.5 {
		t.Errorf("metadata = %v", md)
	}
	if tools := g["tools"].([]any); len(tools) != 1 || tools[0].(map[string]any)["name"] != "search" {
		t.Errorf("tools = %v", g["tools"])
	}
}

func TestCallErrorIsExported(t *testing.T) {
	h := needHarness(t)
	client := httpClient(t)
	conv := unique("conv-callerr")
	ctx := ctxTimeout(t, 10*time.Second)
	_, rec := client.StartGeneration(ctx, sigil.GenerationStart{ConversationID: conv,
		Model: sigil.ModelRef{Provider: "openai", Name: "gpt-5"}})
	rec.SetCallError(statusError{code: 429})
	rec.End()
	if err := rec.Err(); err != nil {
		t.Fatalf("a call error is not a local error: %v", err)
	}
	_ = client.Flush(ctx)
	gens := h.Generations(t, "http_exports", 1, withConversation(conv))
	if len(gens) != 1 {
		t.Fatalf("got %d generations", len(gens))
	}
	if gens[0]["call_error"] != "provider said no" || metadataString(gens[0], "call_error") != "provider said no" {
		t.Errorf("call_error = %v / metadata %v", gens[0]["call_error"], metadataString(gens[0], "call_error"))
	}
}

// time.Time reaches far beyond int64 nanoseconds (1678 to 2262), where
// UnixNano is undefined: such times arrive as the nearest end of the range.
func TestTimesBeyondInt64NanosecondsAreClamped(t *testing.T) {
	h := needHarness(t)
	client := httpClient(t)
	conv := unique("conv-far-times")
	ctx := ctxTimeout(t, 10*time.Second)
	_, rec := client.StartGeneration(ctx, sigil.GenerationStart{ConversationID: conv,
		Model: sigil.ModelRef{Provider: "openai", Name: "gpt-5"}, StartedAt: time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC)})
	rec.SetResult(sigil.Generation{CompletedAt: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)}, nil)
	rec.End()
	if err := rec.Err(); err != nil {
		t.Fatalf("end: %v", err)
	}
	_ = client.Flush(ctx)
	gens := h.Generations(t, "http_exports", 1, withConversation(conv))
	if len(gens) != 1 {
		t.Fatalf("got %d generations", len(gens))
	}
	if gens[0]["started_at"] != "1677-09-21T00:12:43.145224193Z" || gens[0]["completed_at"] != "2262-04-11T23:47:16.854775807Z" {
		t.Errorf("started_at %v, completed_at %v", gens[0]["started_at"], gens[0]["completed_at"])
	}
}

type statusError struct{ code int }

func (e statusError) Error() string   { return "provider said no" }
func (e statusError) StatusCode() int { return e.code }

func TestAuthAndHeaders(t *testing.T) {
	h := needHarness(t)
	conv := unique("conv-auth")
	for _, tc := range []struct {
		name     string
		protocol sigil.GenerationExportProtocol
		auth     sigil.AuthConfig
		header   string
		want     string
	}{
		{"tenant-http", sigil.GenerationExportProtocolHTTP, sigil.AuthConfig{Mode: sigil.ExportAuthModeTenant, TenantID: "t-1"}, "X-Scope-OrgID", "t-1"},
		{"bearer-grpc", sigil.GenerationExportProtocolGRPC, sigil.AuthConfig{Mode: sigil.ExportAuthModeBearer, BearerToken: "tok"}, "authorization", "Bearer tok"},
		{"basic-http", sigil.GenerationExportProtocolHTTP, sigil.AuthConfig{Mode: sigil.ExportAuthModeBasic, TenantID: "u", BasicPassword: "p"}, "authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("u:p"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := newClient(t, func(c *sigil.Config) {
				c.GenerationExport.Protocol = tc.protocol
				c.GenerationExport.Endpoint = h.HTTPEndpoint()
				if tc.protocol == sigil.GenerationExportProtocolGRPC {
					c.GenerationExport.Endpoint = h.GRPCEndpoint()
				}
				c.GenerationExport.Auth = tc.auth
				c.GenerationExport.Headers = map[string]string{"X-Custom": "yes"}
			})
			id := unique("gen-auth")
			_, rec := client.StartGeneration(ctxTimeout(t, 5*time.Second), sigil.GenerationStart{ID: id,
				ConversationID: conv, Model: sigil.ModelRef{Provider: "p", Name: "m"}})
			rec.End()
			_ = client.Flush(ctxTimeout(t, 5*time.Second))
			kind := "http_exports"
			if tc.protocol == sigil.GenerationExportProtocolGRPC {
				kind = "grpc_exports"
			}
			var found map[string]any
			for _, c := range h.Captures(t, kind) {
				for _, g := range c["generations"].([]any) {
					if g.(map[string]any)["id"] == id {
						found = c
					}
				}
			}
			if found == nil {
				t.Fatalf("generation %s not captured", id)
			}
			if got := header(found, tc.header); got != tc.want {
				t.Errorf("%s = %q, want %q", tc.header, got, tc.want)
			}
			if got := header(found, "x-custom"); got != "yes" {
				t.Errorf("x-custom = %q", got)
			}
		})
	}
}

func TestInvalidConfig(t *testing.T) {
	for name, mutate := range map[string]func(*sigil.Config){
		"tenant without id": func(c *sigil.Config) { c.GenerationExport.Auth.Mode = sigil.ExportAuthModeTenant },
		"none with token":   func(c *sigil.Config) { c.GenerationExport.Auth.BearerToken = "x" },
		"unknown protocol":  func(c *sigil.Config) { c.GenerationExport.Protocol = "carrier-pigeon" },
		"unknown auth mode": func(c *sigil.Config) { c.GenerationExport.Auth.Mode = "magic" },
		"bearer and tenant id": func(c *sigil.Config) {
			c.GenerationExport.Auth = sigil.AuthConfig{Mode: sigil.ExportAuthModeBearer, BearerToken: "t", TenantID: "x"}
		},
		"missing CA file":     func(c *sigil.Config) { c.GenerationExport.CAFile = "/nonexistent/ca.pem" },
		"CA dir not a dir":    func(c *sigil.Config) { c.GenerationExport.CADir = "/dev/null" },
		"key without cert":    func(c *sigil.Config) { c.GenerationExport.ClientKey = "/dev/null" },
		"missing client cert": func(c *sigil.Config) { c.GenerationExport.ClientCert = "/nonexistent/client.pem" },
		"missing OTLP CA": func(c *sigil.Config) {
			c.Telemetry.OTLPEndpoint = "http://127.0.0.1:1"
			c.Telemetry.OTLPCertificate = "/nonexistent/otlp-ca.pem"
		},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := sigil.DefaultConfig()
			mutate(&cfg)
			if _, err := sigil.NewClientWithError(cfg); !errors.Is(err, sigil.ErrInvalidConfig) {
				t.Fatalf("NewClientWithError err = %v, want ErrInvalidConfig", err)
			}
			var logged bytes.Buffer
			cfg.Logger = log.New(&logged, "", 0)
			client := sigil.NewClient(cfg) // never panics
			if !bytes.Contains(logged.Bytes(), []byte("recording is disabled")) {
				t.Errorf("log = %q", logged.String())
			}
			_, rec := client.StartGeneration(nil, sigil.GenerationStart{}) //nolint:staticcheck // nil ctx is tolerated
			rec.End()
			if rec.Err() != nil {
				t.Errorf("disabled client's recorder Err = %v", rec.Err())
			}
			if err := client.Flush(ctxTimeout(t, time.Second)); !errors.Is(err, sigil.ErrInvalidConfig) {
				t.Errorf("Flush = %v", err)
			}
		})
	}
}

func TestExportNoneRecordsNothing(t *testing.T) {
	h := needHarness(t)
	client := newClient(t, func(c *sigil.Config) { c.GenerationExport.Protocol = sigil.GenerationExportProtocolNone })
	conv := unique("conv-none")
	_, rec := client.StartGeneration(sigil.WithConversationID(context.Background(), conv),
		sigil.GenerationStart{Model: sigil.ModelRef{Provider: "p", Name: "m"}})
	rec.End()
	if err := rec.Err(); err != nil {
		t.Fatal(err)
	}
	if err := client.Flush(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"http_exports", "grpc_exports"} {
		if gens := h.Generations(t, kind, 0, withConversation(conv)); len(gens) != 0 {
			t.Errorf("protocol none exported %d generations over %s", len(gens), kind)
		}
	}
}
