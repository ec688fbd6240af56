// Command gemini_generate records a Gemini generateContent call and a
// streamed one made with Google's Gen AI Go SDK, through the libsigil
// provider package:
//
//	SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 go run ./providers/gemini_generate
//
// Without GEMINI_API_KEY (or GOOGLE_API_KEY) it answers itself from a fake
// provider on loopback; with one it calls Google's service. Exit status 0
// when both generations were recorded and delivered.
package main

import (
	"context"
	"fmt"
	"os"

	"google.golang.org/genai"

	"github.com/libsigil/libsigil/bindings/go/providers/gemini"
	"github.com/libsigil/libsigil/bindings/go/sigil"
	"github.com/libsigil/libsigil/examples/go/internal/support"
)

func main() {
	sigilClient := sigil.NewClient(sigil.DefaultConfig()) // configured from SIGIL_*

	cfg := &genai.ClientConfig{Backend: genai.BackendGeminiAPI} // the SDK reads GEMINI_API_KEY
	if os.Getenv("GEMINI_API_KEY") == "" && os.Getenv("GOOGLE_API_KEY") == "" {
		url, err := support.StartFakeProvider(
			support.Route{Path: ":generateContent", Fixture: "gemini.generate_content/response.json"},
			support.Route{Path: ":streamGenerateContent", Fixture: "gemini.generate_content/stream.jsonl"})
		if err != nil {
			support.Fail("gemini_generate", err)
		}
		cfg.APIKey, cfg.HTTPOptions.BaseURL = "not-needed", url+"/"
	}
	ctx := context.Background()
	providerClient, err := genai.NewClient(ctx, cfg)
	if err != nil {
		support.Fail("gemini_generate", err)
	}

	model := "gemini-2.5-flash"
	contents := []*genai.Content{genai.NewContentFromText("What is the weather in Paris?", genai.RoleUser)}
	config := &genai.GenerateContentConfig{
		SystemInstruction: genai.NewContentFromText("You are a terse travel assistant.", genai.RoleUser),
	}
	resp, err := gemini.GenerateContent(ctx, sigilClient, providerClient, model, contents, config,
		gemini.WithConversationID("conv-gemini-example"), gemini.WithAgentName("travel-assistant"))
	if err != nil {
		support.Fail("gemini_generate", err) // the SDK's own error (genai.APIError)
	}
	fmt.Println("assistant:", resp.Text())

	// The stream is genai's iterator; breaking out of the loop still records
	// what arrived.
	fmt.Print("streamed: ")
	for chunk, err := range gemini.GenerateContentStreamSeq(ctx, sigilClient, providerClient, model, contents, config,
		gemini.WithConversationID("conv-gemini-example"), gemini.WithAgentName("travel-assistant")) {
		if err != nil {
			support.Fail("gemini_generate", err)
		}
		fmt.Print(chunk.Text())
	}
	fmt.Println()
	os.Exit(support.Finish(sigilClient, 2))
}
