// Command openai_chat records an OpenAI chat completion made with the
// official Go SDK, through the libsigil provider package:
//
//	SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 go run ./providers/openai_chat
//
// Without OPENAI_BASE_URL it answers itself from a fake provider on loopback
// (no network, no key); with OPENAI_BASE_URL and OPENAI_API_KEY it calls that
// service. Exit status 0 when the generation was recorded and delivered.
package main

import (
	"context"
	"fmt"
	"os"

	osdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/libsigil/libsigil/bindings/go/providers/openai"
	"github.com/libsigil/libsigil/bindings/go/sigil"
	"github.com/libsigil/libsigil/examples/go/internal/support"
)

func main() {
	sigilClient := sigil.NewClient(sigil.DefaultConfig()) // configured from SIGIL_* (endpoint, protocol, auth, ...)

	baseURL := os.Getenv("OPENAI_BASE_URL")
	if baseURL == "" {
		url, err := support.StartFakeProvider(support.Route{Path: "/chat/completions", Fixture: "openai.chat/response_text.json"})
		if err != nil {
			support.Fail("openai_chat", err)
		}
		baseURL = url + "/v1"
		os.Setenv("OPENAI_API_KEY", "not-needed")
	}
	providerClient := osdk.NewClient(option.WithBaseURL(baseURL), option.WithMaxRetries(0)) // OPENAI_API_KEY

	ctx := context.Background()
	resp, err := openai.ChatCompletionsNew(ctx, sigilClient, providerClient, osdk.ChatCompletionNewParams{
		Model: "gpt-4o",
		Messages: []osdk.ChatCompletionMessageParamUnion{
			osdk.SystemMessage("You are a terse travel assistant."),
			osdk.UserMessage("What is the weather in Paris?"),
		},
	}, openai.WithConversationID("conv-openai-example"), openai.WithAgentName("travel-assistant"))
	if err != nil {
		support.Fail("openai_chat", err) // the SDK's own error (errors.As(err, new(*osdk.Error)) works)
	}
	fmt.Println("assistant:", resp.Choices[0].Message.Content)
	os.Exit(support.Finish(sigilClient, 1))
}
