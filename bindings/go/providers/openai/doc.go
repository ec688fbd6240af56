// Package openai records calls made with the official OpenAI Go SDK
// (github.com/openai/openai-go/v3) through libsigil: Chat Completions,
// Responses and Embeddings, synchronous and streaming.
//
// The wrappers call the SDK, return its values and errors unchanged, and hand
// libsigil the request as the SDK serializes it and the provider's raw JSON
// (RawJSON() of the response and of every stream chunk); libsigil maps them
// ("openai.chat", "openai.responses", "openai.embeddings" in
// docs/providers.md). The function names and options follow Grafana Sigil's
// go-providers/openai package.
//
//	resp, err := openai.ChatCompletionsNew(ctx, sigilClient, providerClient, req,
//		openai.WithConversationID("conv-1"))
//
// Streams keep the SDK's semantics (Next, Current, Err, Close) and are
// recorded when they end or are closed, whichever comes first:
//
//	stream := openai.NewChatCompletionsStream(ctx, sigilClient, providerClient, req)
//	defer stream.Close()
//	for stream.Next() {
//		chunk := stream.Current()
//		...
//	}
//	if err := stream.Err(); err != nil { ... }
//
// For a call made with the SDK directly, the mappers (ChatCompletionsFrom*,
// ResponsesFrom*, EmbeddingsFromResponse) return the same mapping as a
// sigil.Generation for GenerationRecorder.SetResult (the defer pattern).
package openai
