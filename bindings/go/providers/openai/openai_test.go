package openai_test

// The real OpenAI SDK client talks to a fake provider on loopback that
// answers with the engine's fixtures; the capture harness shows what libsigil
// exported.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	osdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	oresponses "github.com/openai/openai-go/v3/responses"

	"github.com/libsigil/libsigil/bindings/go/providers/internal/providertest"
	"github.com/libsigil/libsigil/bindings/go/providers/openai"
	"github.com/libsigil/libsigil/bindings/go/sigil"
)

func TestMain(m *testing.M) { providertest.Main(m) }

type env struct {
	h        *providertest.Harness
	fake     *providertest.FakeProvider
	client   *sigil.Client
	provider osdk.Client
}

func setup(t *testing.T) *env {
	t.Helper()
	h := providertest.NeedHarness(t)
	fake := providertest.NewFakeProvider(t)
	return &env{h: h, fake: fake, client: providertest.NewClient(t, h),
		provider: osdk.NewClient(option.WithBaseURL(fake.URL()+"/v1"), option.WithAPIKey("test-key"),
			option.WithMaxRetries(0))}
}

func (e *env) generation(t *testing.T, conversationID string) map[string]any {
	t.Helper()
	return providertest.Generation(t, e.h, e.client, conversationID)
}

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func chatRequest() osdk.ChatCompletionNewParams {
	return osdk.ChatCompletionNewParams{
		Model: "gpt-4o-2024-08-06",
		Messages: []osdk.ChatCompletionMessageParamUnion{
			osdk.SystemMessage("You are a terse travel assistant."),
			osdk.UserMessage("What's the weather in Paris and Oslo?"),
		},
	}
}

func parts(g map[string]any, kind string) []map[string]any {
	var out []map[string]any
	for _, v := range providertest.OutputParts(g, kind) {
		if m, ok := v.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func TestChatCompletionsNewRecordsTheCall(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/chat/completions", providertest.JSONReply(t, "openai.chat/response_tool_calls.json"))
	conv := providertest.Unique("chat")
	resp, err := openai.ChatCompletionsNew(context.Background(), e.client, e.provider, chatRequest(),
		openai.WithConversationID(conv), openai.WithConversationTitle("Weather"),
		openai.WithAgentName("assistant-openai"), openai.WithAgentVersion("1.0.0"),
		openai.WithTag("team", "travel"), openai.WithMetadata(map[string]any{"tenant": "t-1"}))
	if err != nil {
		t.Fatalf("ChatCompletionsNew: %v", err)
	}
	if resp.ID != "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG" || len(resp.Choices[0].Message.ToolCalls) != 2 {
		t.Fatalf("the SDK's response did not come back unchanged: %s", resp.RawJSON())
	}
	g := e.generation(t, conv)
	md, _ := g["metadata"].(map[string]any)
	if g["mode"] != "GENERATION_MODE_SYNC" || g["agent_name"] != "assistant-openai" || g["agent_version"] != "1.0.0" ||
		md["sigil.conversation.title"] != "Weather" {
		t.Fatalf("identity: %v", g)
	}
	model, _ := g["model"].(map[string]any)
	if model["provider"] != "openai" || model["name"] != "gpt-4o-2024-08-06" {
		t.Fatalf("model: %v", model)
	}
	if g["system_prompt"] != "You are a terse travel assistant." {
		t.Fatalf("system_prompt: %v", g["system_prompt"])
	}
	calls := parts(g, "tool_call")
	if len(calls) != 2 || calls[0]["id"] != "call_a1" || calls[1]["id"] != "call_b2" {
		t.Fatalf("tool calls: %v", calls)
	}
	if g["stop_reason"] != "tool_calls" || g["response_id"] != resp.ID {
		t.Fatalf("stop_reason/response_id: %v %v", g["stop_reason"], g["response_id"])
	}
	if tags, _ := g["tags"].(map[string]any); tags["team"] != "travel" {
		t.Fatalf("tags: %v", g["tags"])
	}
	if md["tenant"] != "t-1" {
		t.Fatalf("metadata: %v", g["metadata"])
	}
	if _, ok := g["raw_artifacts"]; ok {
		t.Fatalf("raw artifacts are off by default: %v", g["raw_artifacts"])
	}
	reqs := e.fake.Requests()
	if len(reqs) != 1 || !strings.Contains(string(reqs[0].Body), `"gpt-4o-2024-08-06"`) {
		t.Fatalf("provider requests: %v", reqs)
	}
}

func TestRawArtifactsCarryTheProviderJSON(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/chat/completions", providertest.JSONReply(t, "openai.chat/response_text.json"))
	conv := providertest.Unique("raw")
	if _, err := openai.ChatCompletionsNew(context.Background(), e.client, e.provider, chatRequest(),
		openai.WithConversationID(conv), openai.WithRawArtifacts()); err != nil {
		t.Fatal(err)
	}
	g := e.generation(t, conv)
	var names []string
	arts, _ := g["raw_artifacts"].([]any)
	for _, a := range arts {
		names = append(names, a.(map[string]any)["name"].(string))
	}
	if !contains(names, "openai.chat.request") || !contains(names, "openai.chat.response") {
		t.Fatalf("artifacts: %v", names)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestChatStreamKeepsTheSDKSemanticsAndRecordsToolCalls(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/chat/completions", providertest.SSEReply(t, "openai.chat/stream_tool_calls.jsonl"))
	conv := providertest.Unique("chat-stream")
	stream := openai.NewChatCompletionsStream(context.Background(), e.client, e.provider, chatRequest(),
		openai.WithConversationID(conv))
	var args strings.Builder
	n := 0
	for stream.Next() {
		n++
		for _, choice := range stream.Current().Choices {
			for _, tc := range choice.Delta.ToolCalls {
				args.WriteString(tc.Function.Arguments)
			}
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("Err: %v", err)
	}
	if err := stream.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n != len(providertest.Events(t, "openai.chat/stream_tool_calls.jsonl"))-1 { // the SDK hides [DONE]
		t.Fatalf("chunks seen: %d", n)
	}
	g := e.generation(t, conv)
	if g["mode"] != "GENERATION_MODE_STREAM" {
		t.Fatalf("mode: %v", g["mode"])
	}
	calls := parts(g, "tool_call")
	var recorded strings.Builder
	for _, c := range calls {
		if c["name"] != "get_weather" {
			t.Fatalf("tool call: %v", c)
		}
		recorded.WriteString(c["input_json_text"].(string))
	}
	if len(calls) == 0 || recorded.String() != args.String() {
		t.Fatalf("tool calls %v; the stream's arguments were %q", calls, args.String())
	}
	if g["stop_reason"] != "tool_calls" {
		t.Fatalf("stop_reason: %v", g["stop_reason"])
	}
}

func TestChatCompletionsNewStreamingReadsTheWholeStream(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/chat/completions", providertest.SSEReply(t, "openai.chat/stream_text.jsonl"))
	conv := providertest.Unique("chat-summary")
	_, summary, err := openai.ChatCompletionsNewStreaming(context.Background(), e.client, e.provider, chatRequest(),
		openai.WithConversationID(conv))
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for _, c := range summary.Chunks {
		if len(c.Choices) > 0 {
			want.WriteString(c.Choices[0].Delta.Content)
		}
	}
	if len(summary.Chunks) == 0 || summary.FirstChunkAt.IsZero() {
		t.Fatalf("summary: %+v", summary)
	}
	if got := providertest.OutputText(e.generation(t, conv)); got != want.String() || got == "" {
		t.Fatalf("text %q, stream said %q", got, want.String())
	}
}

func TestEarlyCloseRecordsWhatArrived(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/chat/completions", providertest.SSEReply(t, "openai.chat/stream_40.jsonl"))
	conv := providertest.Unique("early")
	stream := openai.NewChatCompletionsStream(context.Background(), e.client, e.provider, chatRequest(),
		openai.WithConversationID(conv))
	var seen strings.Builder
	for i := 0; i < 5 && stream.Next(); i++ {
		if len(stream.Current().Choices) > 0 {
			seen.WriteString(stream.Current().Choices[0].Delta.Content)
		}
	}
	if err := stream.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	g := e.generation(t, conv)
	if got := providertest.OutputText(g); got != seen.String() || got == "" {
		t.Fatalf("recorded %q, the caller saw %q", got, seen.String())
	}
	span := e.h.Span(t, "sigil.generation.id", g["id"].(string))
	if providertest.Attrs(span)["error.type"] != "mapping_error" {
		t.Fatalf("an abandoned stream is reported as partial: %v", providertest.Attrs(span))
	}
}

func TestProviderErrorsAreReturnedUnchanged(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/chat/completions", providertest.ErrorReply(429,
		`{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`))
	conv := providertest.Unique("err")
	_, err := openai.ChatCompletionsNew(context.Background(), e.client, e.provider, chatRequest(),
		openai.WithConversationID(conv))
	var apiErr *osdk.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 {
		t.Fatalf("want the SDK's *openai.Error with 429, got %T %v", err, err)
	}
	g := e.generation(t, conv)
	if !strings.Contains(g["call_error"].(string), "Rate limit reached") {
		t.Fatalf("call_error: %v", g["call_error"])
	}
	span := e.h.Span(t, "sigil.generation.id", g["id"].(string))
	if providertest.Attrs(span)["error.type"] != "provider_call_error" || providertest.Attrs(span)["error.category"] != "rate_limit" {
		t.Fatalf("span: %v", providertest.Attrs(span))
	}

	// The same through a stream: Err is the SDK's error.
	e.fake.Reply("/chat/completions", providertest.ErrorReply(500, `{"error":{"message":"upstream failed"}}`))
	conv = providertest.Unique("err-stream")
	stream := openai.NewChatCompletionsStream(context.Background(), e.client, e.provider, chatRequest(),
		openai.WithConversationID(conv))
	for stream.Next() {
	}
	if !errors.As(stream.Err(), &apiErr) || apiErr.StatusCode != 500 {
		t.Fatalf("stream Err: %T %v", stream.Err(), stream.Err())
	}
	_ = stream.Close()
	g = e.generation(t, conv)
	span = e.h.Span(t, "sigil.generation.id", g["id"].(string))
	if g["call_error"] == nil || providertest.Attrs(span)["error.category"] != "server_error" {
		t.Fatalf("stream error: %v %v", g["call_error"], providertest.Attrs(span))
	}
}

func TestStreamCutOffIsACallError(t *testing.T) {
	e := setup(t)
	reply := providertest.SSEReply(t, "openai.chat/stream_40.jsonl")
	reply.CutAfter = 4
	e.fake.Reply("/chat/completions", reply)
	conv := providertest.Unique("cut")
	stream := openai.NewChatCompletionsStream(context.Background(), e.client, e.provider, chatRequest(),
		openai.WithConversationID(conv))
	var seen strings.Builder
	for stream.Next() {
		if len(stream.Current().Choices) > 0 {
			seen.WriteString(stream.Current().Choices[0].Delta.Content)
		}
	}
	if stream.Err() == nil {
		t.Fatal("a stream cut off mid-body has an error")
	}
	_ = stream.Close()
	g := e.generation(t, conv)
	if g["call_error"] == nil || providertest.OutputText(g) != seen.String() {
		t.Fatalf("call_error %v, text %q (saw %q)", g["call_error"], providertest.OutputText(g), seen.String())
	}
}

func TestResponsesSyncAndStream(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/responses", providertest.JSONReply(t, "openai.responses/response.json"))
	req := oresponses.ResponseNewParams{
		Model:        "gpt-4.1",
		Instructions: osdk.String("Be brief."),
		Input:        oresponses.ResponseNewParamsInputUnion{OfString: osdk.String("Weather in Paris?")},
	}
	conv := providertest.Unique("responses")
	resp, err := openai.ResponsesNew(context.Background(), e.client, e.provider, req, openai.WithConversationID(conv))
	if err != nil {
		t.Fatal(err)
	}
	g := e.generation(t, conv)
	if g["response_id"] != resp.ID || g["system_prompt"] != "Be brief." || len(g["output"].([]any)) == 0 {
		t.Fatalf("responses generation: %v", g)
	}

	e.fake.Reply("/responses", providertest.SSEReply(t, "openai.responses/stream.jsonl"))
	conv = providertest.Unique("responses-stream")
	final, summary, err := openai.ResponsesNewStreaming(context.Background(), e.client, e.provider, req,
		openai.WithConversationID(conv))
	if err != nil {
		t.Fatal(err)
	}
	if final == nil || len(summary.Events) != len(providertest.Events(t, "openai.responses/stream.jsonl")) {
		t.Fatalf("final %v, %d events", final, len(summary.Events))
	}
	g = e.generation(t, conv)
	if g["mode"] != "GENERATION_MODE_STREAM" || g["response_id"] != final.ID {
		t.Fatalf("responses stream: %v", g)
	}
}

func TestEmbeddingsNewRecordsAnEmbeddingSpan(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/embeddings", providertest.JSONReply(t, "openai.embeddings/response.json"))
	agent := providertest.Unique("indexer")
	resp, err := openai.EmbeddingsNew(context.Background(), e.client, e.provider, osdk.EmbeddingNewParams{
		Model: "text-embedding-3-small",
		Input: osdk.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"hello", "world"}},
	}, openai.WithAgentName(agent))
	if err != nil || len(resp.Data) == 0 {
		t.Fatalf("EmbeddingsNew: %v", err)
	}
	if err := e.client.Flush(ctxTimeout(t)); err != nil {
		t.Fatal(err)
	}
	a := providertest.Attrs(e.h.Span(t, "gen_ai.agent.name", agent))
	if a["gen_ai.provider.name"] != "openai" || a["gen_ai.embeddings.input_count"] != float64(2) ||
		a["gen_ai.usage.input_tokens"] != float64(resp.Usage.PromptTokens) {
		t.Fatalf("embedding span: %v", a)
	}
}

func TestConcurrentCallsAndStreams(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/chat/completions", providertest.JSONReply(t, "openai.chat/response_text.json"))
	streaming := providertest.NewFakeProvider(t) // a second provider answers the streams
	streaming.Reply("/chat/completions", providertest.SSEReply(t, "openai.chat/stream_text.jsonl"))
	streamClient := osdk.NewClient(option.WithBaseURL(streaming.URL()+"/v1"), option.WithAPIKey("test-key"))
	prefix := providertest.Unique("conc")
	providertest.Concurrently(t, 16, func(i int) error {
		conv := prefix + "-" + string(rune('a'+i))
		if i%2 == 0 {
			_, err := openai.ChatCompletionsNew(context.Background(), e.client, e.provider, chatRequest(),
				openai.WithConversationID(conv))
			return err
		}
		stream := openai.NewChatCompletionsStream(context.Background(), e.client, streamClient, chatRequest(),
			openai.WithConversationID(conv))
		for stream.Next() {
		}
		return errors.Join(stream.Err(), stream.Close())
	})
	for i := 0; i < 16; i++ {
		g := e.generation(t, prefix+"-"+string(rune('a'+i)))
		if providertest.OutputText(g) == "" {
			t.Fatalf("generation %d has no text: %v", i, g)
		}
	}
}

func TestStreamRawArtifactsHoldTheEvents(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/chat/completions", providertest.SSEReply(t, "openai.chat/stream_text.jsonl"))
	conv := providertest.Unique("raw-stream")
	stream := openai.NewChatCompletionsStream(context.Background(), e.client, e.provider, chatRequest(),
		openai.WithConversationID(conv), openai.WithEventsArtifact())
	for stream.Next() {
	}
	_ = stream.Close()
	g := e.generation(t, conv)
	var names []string
	arts, _ := g["raw_artifacts"].([]any)
	for _, a := range arts {
		names = append(names, a.(map[string]any)["name"].(string))
	}
	if !contains(names, "openai.chat.stream_events") || contains(names, "openai.chat.request") {
		t.Fatalf("only the events artifact was asked for: %v", names)
	}
}

func TestWithoutASigilClientTheCallsStillWork(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/chat/completions", providertest.JSONReply(t, "openai.chat/response_text.json"))
	resp, err := openai.ChatCompletionsNew(context.Background(), nil, e.provider, chatRequest())
	if err != nil || resp.ID != "chatcmpl-text1" {
		t.Fatalf("ChatCompletionsNew with a nil client: %v %v", resp, err)
	}
	e.fake.Reply("/chat/completions", providertest.SSEReply(t, "openai.chat/stream_text.jsonl"))
	stream := openai.NewChatCompletionsStream(context.Background(), nil, e.provider, chatRequest())
	n := 0
	for stream.Next() {
		n++
	}
	if stream.Err() != nil || stream.Close() != nil || n == 0 {
		t.Fatalf("stream with a nil client: %d chunks, %v", n, stream.Err())
	}
}
