// Command anthropic_stream records a streamed Anthropic message made with
// the official Go SDK, through the libsigil provider package. The stream is
// the SDK's (Next, Current, Err, Close); libsigil records it when it ends:
//
//	SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 go run ./providers/anthropic_stream
//
// Without ANTHROPIC_BASE_URL it answers itself from a fake provider on
// loopback; with ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY it calls that
// service. Exit status 0 when the generation was recorded and delivered.
package main

import (
	"context"
	"fmt"
	"os"

	asdk "github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"

	"github.com/libsigil/libsigil/bindings/go/providers/anthropic"
	"github.com/libsigil/libsigil/bindings/go/sigil"
	"github.com/libsigil/libsigil/examples/go/internal/support"
)

func main() {
	sigilClient := sigil.NewClient(sigil.DefaultConfig()) // configured from SIGIL_*

	opts := []option.RequestOption{option.WithMaxRetries(0)} // ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY
	if os.Getenv("ANTHROPIC_BASE_URL") == "" {
		url, err := support.StartFakeProvider(support.Route{Path: "/v1/messages", Fixture: "anthropic.messages/stream.jsonl"})
		if err != nil {
			support.Fail("anthropic_stream", err)
		}
		opts = append(opts, option.WithBaseURL(url), option.WithAPIKey("not-needed"))
	}
	providerClient := asdk.NewClient(opts...)

	stream := anthropic.NewMessageStream(context.Background(), sigilClient, providerClient, asdk.BetaMessageNewParams{
		Model:     "claude-sonnet-4-5",
		MaxTokens: 1024,
		System:    []asdk.BetaTextBlockParam{{Text: "You are a terse travel assistant."}},
		Messages: []asdk.BetaMessageParam{
			asdk.NewBetaUserMessage(asdk.NewBetaTextBlock("What is the weather in Paris?")),
		},
	}, anthropic.WithConversationID("conv-anthropic-example"), anthropic.WithAgentName("travel-assistant"))
	defer stream.Close()
	fmt.Print("assistant: ")
	for stream.Next() {
		if event := stream.Current(); event.Type == "content_block_delta" {
			fmt.Print(event.Delta.Text)
		}
	}
	fmt.Println()
	if err := stream.Err(); err != nil {
		support.Fail("anthropic_stream", err) // the SDK's own error
	}
	_ = stream.Close()
	os.Exit(support.Finish(sigilClient, 1))
}
