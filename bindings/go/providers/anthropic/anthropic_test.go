package anthropic_test

// The real Anthropic SDK client talks to a fake provider on loopback that
// answers with the engine's fixtures; the capture harness shows what libsigil
// exported.

import (
	"context"
	"errors"
	"strings"
	"testing"

	asdk "github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"

	"github.com/libsigil/libsigil/bindings/go/providers/anthropic"
	"github.com/libsigil/libsigil/bindings/go/providers/internal/providertest"
	"github.com/libsigil/libsigil/bindings/go/sigil"
)

func TestMain(m *testing.M) { providertest.Main(m) }

type env struct {
	h        *providertest.Harness
	fake     *providertest.FakeProvider
	client   *sigil.Client
	provider asdk.Client
}

func setup(t *testing.T) *env {
	t.Helper()
	h := providertest.NeedHarness(t)
	fake := providertest.NewFakeProvider(t)
	return &env{h: h, fake: fake, client: providertest.NewClient(t, h), provider: providerClient(fake)}
}

func providerClient(fake *providertest.FakeProvider) asdk.Client {
	return asdk.NewClient(option.WithBaseURL(fake.URL()), option.WithAPIKey("test-key"), option.WithMaxRetries(0))
}

func (e *env) generation(t *testing.T, conversationID string) map[string]any {
	t.Helper()
	return providertest.Generation(t, e.h, e.client, conversationID)
}

func request() asdk.BetaMessageNewParams {
	return asdk.BetaMessageNewParams{
		Model:     "claude-sonnet-4-5",
		MaxTokens: 1024,
		System:    []asdk.BetaTextBlockParam{{Text: "You are a terse travel assistant."}},
		Messages: []asdk.BetaMessageParam{
			asdk.NewBetaUserMessage(asdk.NewBetaTextBlock("What's the weather in Paris?")),
		},
	}
}

func TestMessageRecordsTheCall(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/v1/messages", providertest.JSONReply(t, "anthropic.messages/response.json"))
	conv := providertest.Unique("msg")
	resp, err := anthropic.Message(context.Background(), e.client, e.provider, request(),
		anthropic.WithConversationID(conv), anthropic.WithAgentName("assistant-anthropic"),
		anthropic.WithAgentVersion("1.0.0"), anthropic.WithTags(map[string]string{"team": "travel"}))
	if err != nil {
		t.Fatalf("Message: %v", err)
	}
	if resp.ID != "msg_01XFDUDYJgAACzvnptvVoYEL" || len(resp.Content) != 3 {
		t.Fatalf("the SDK's message did not come back unchanged: %s", resp.RawJSON())
	}
	g := e.generation(t, conv)
	model, _ := g["model"].(map[string]any)
	if g["mode"] != "GENERATION_MODE_SYNC" || model["provider"] != "anthropic" || model["name"] != "claude-sonnet-4-5" ||
		g["agent_name"] != "assistant-anthropic" || g["agent_version"] != "1.0.0" {
		t.Fatalf("identity: %v", g)
	}
	if g["system_prompt"] != "You are a terse travel assistant." || g["response_id"] != resp.ID ||
		g["response_model"] != string(resp.Model) || g["stop_reason"] != "tool_use" {
		t.Fatalf("mapped fields: %v", g)
	}
	if len(providertest.OutputParts(g, "thinking")) != 1 || len(providertest.OutputParts(g, "text")) != 1 || len(providertest.OutputParts(g, "tool_call")) != 1 {
		t.Fatalf("output: %v", g["output"])
	}
	if tags, _ := g["tags"].(map[string]any); tags["team"] != "travel" {
		t.Fatalf("tags: %v", g["tags"])
	}
	if body := string(e.fake.Requests()[0].Body); !strings.Contains(body, `"max_tokens":1024`) {
		t.Fatalf("the SDK sent: %s", body)
	}
}

func TestStreamKeepsTheSDKSemanticsAndRecordsToolCalls(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/v1/messages", providertest.SSEReply(t, "anthropic.messages/stream.jsonl"))
	conv := providertest.Unique("stream")
	stream := anthropic.NewMessageStream(context.Background(), e.client, e.provider, request(),
		anthropic.WithConversationID(conv))
	var text, args strings.Builder
	n := 0
	for stream.Next() {
		n++
		ev := stream.Current()
		if ev.Type == "content_block_delta" {
			text.WriteString(ev.Delta.Text)
			args.WriteString(ev.Delta.PartialJSON)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("Err: %v", err)
	}
	if err := stream.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	want := 0
	for _, ev := range providertest.Events(t, "anthropic.messages/stream.jsonl") {
		if !strings.Contains(ev, `"type":"ping"`) { // the SDK skips pings
			want++
		}
	}
	if n != want {
		t.Fatalf("events seen: %d", n)
	}
	g := e.generation(t, conv)
	if g["mode"] != "GENERATION_MODE_STREAM" || g["stop_reason"] != "tool_use" {
		t.Fatalf("stream generation: %v", g)
	}
	texts := providertest.OutputParts(g, "text")
	calls := providertest.OutputParts(g, "tool_call")
	if len(texts) != 1 || texts[0] != text.String() {
		t.Fatalf("text %v, the stream said %q", texts, text.String())
	}
	if len(calls) != 1 || calls[0].(map[string]any)["input_json_text"] != args.String() {
		t.Fatalf("tool call %v, the stream's input was %q", calls, args.String())
	}
	if len(providertest.OutputParts(g, "thinking")) != 1 {
		t.Fatalf("thinking: %v", g["output"])
	}
}

func TestMessageStreamReadsTheWholeStream(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/v1/messages", providertest.SSEReply(t, "anthropic.messages/stream.jsonl"))
	conv := providertest.Unique("summary")
	_, summary, err := anthropic.MessageStream(context.Background(), e.client, e.provider, request(),
		anthropic.WithConversationID(conv))
	if err != nil || len(summary.Events) == 0 || summary.FirstChunkAt.IsZero() {
		t.Fatalf("MessageStream: %v %+v", err, summary)
	}
	if g := e.generation(t, conv); len(providertest.OutputParts(g, "tool_call")) != 1 {
		t.Fatalf("output: %v", g["output"])
	}
}

func TestEarlyCloseRecordsWhatArrived(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/v1/messages", providertest.SSEReply(t, "anthropic.messages/stream.jsonl"))
	conv := providertest.Unique("early")
	stream := anthropic.NewMessageStream(context.Background(), e.client, e.provider, request(),
		anthropic.WithConversationID(conv))
	var text strings.Builder
	for i := 0; i < 10 && stream.Next(); i++ { // through the first text delta
		if ev := stream.Current(); ev.Type == "content_block_delta" {
			text.WriteString(ev.Delta.Text)
		}
	}
	if err := stream.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	g := e.generation(t, conv)
	texts := providertest.OutputParts(g, "text")
	if text.Len() == 0 || len(texts) != 1 || texts[0] != text.String() || len(providertest.OutputParts(g, "tool_call")) != 0 {
		t.Fatalf("recorded %v, the caller saw %q", g["output"], text.String())
	}
	if a := providertest.Attrs(e.h.Span(t, "sigil.generation.id", g["id"].(string))); a["error.type"] != "mapping_error" {
		t.Fatalf("an abandoned stream is reported as partial: %v", a)
	}
}

func TestProviderErrorsAreReturnedUnchanged(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/v1/messages", providertest.ErrorReply(529,
		`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`))
	conv := providertest.Unique("err")
	_, err := anthropic.Message(context.Background(), e.client, e.provider, request(),
		anthropic.WithConversationID(conv))
	var apiErr *asdk.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 529 {
		t.Fatalf("want the SDK's *anthropic.Error with 529, got %T %v", err, err)
	}
	g := e.generation(t, conv)
	if !strings.Contains(g["call_error"].(string), "Overloaded") {
		t.Fatalf("call_error: %v", g["call_error"])
	}
	if a := providertest.Attrs(e.h.Span(t, "sigil.generation.id", g["id"].(string))); a["error.type"] != "provider_call_error" ||
		a["error.category"] != "server_error" {
		t.Fatalf("span: %v", a)
	}

	e.fake.Reply("/v1/messages", providertest.ErrorReply(401,
		`{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`))
	conv = providertest.Unique("err-stream")
	stream := anthropic.NewMessageStream(context.Background(), e.client, e.provider, request(),
		anthropic.WithConversationID(conv))
	for stream.Next() {
	}
	if !errors.As(stream.Err(), &apiErr) || apiErr.StatusCode != 401 {
		t.Fatalf("stream Err: %T %v", stream.Err(), stream.Err())
	}
	_ = stream.Close()
	g = e.generation(t, conv)
	if a := providertest.Attrs(e.h.Span(t, "sigil.generation.id", g["id"].(string))); a["error.category"] != "auth_error" {
		t.Fatalf("span: %v", a)
	}
}

func TestEmbeddingsAreUnsupported(t *testing.T) {
	if !errors.Is(anthropic.CheckEmbeddingsSupport(), anthropic.ErrEmbeddingsUnsupported) {
		t.Fatal("CheckEmbeddingsSupport")
	}
}

func TestConcurrentCallsAndStreams(t *testing.T) {
	e := setup(t)
	e.fake.Reply("/v1/messages", providertest.JSONReply(t, "anthropic.messages/response.json"))
	streaming := providertest.NewFakeProvider(t)
	streaming.Reply("/v1/messages", providertest.SSEReply(t, "anthropic.messages/stream.jsonl"))
	streamClient := providerClient(streaming)
	prefix := providertest.Unique("conc")
	providertest.Concurrently(t, 16, func(i int) error {
		conv := prefix + "-" + string(rune('a'+i))
		if i%2 == 0 {
			_, err := anthropic.Message(context.Background(), e.client, e.provider, request(),
				anthropic.WithConversationID(conv))
			return err
		}
		stream := anthropic.NewMessageStream(context.Background(), e.client, streamClient, request(),
			anthropic.WithConversationID(conv))
		for stream.Next() {
		}
		return errors.Join(stream.Err(), stream.Close())
	})
	for i := 0; i < 16; i++ {
		if g := e.generation(t, prefix+"-"+string(rune('a'+i))); len(providertest.OutputParts(g, "tool_call")) != 1 {
			t.Fatalf("generation %d: %v", i, g["output"])
		}
	}
}
