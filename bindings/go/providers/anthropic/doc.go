// Package anthropic records calls made with the official Anthropic Go SDK
// (github.com/anthropics/anthropic-sdk-go) through libsigil: Messages,
// synchronous and streaming, through the SDK's Beta.Messages service as in
// Grafana Sigil's go-providers/anthropic package, whose function names and
// options this package follows.
//
// The wrappers return the SDK's values and errors unchanged and hand libsigil
// the request as the SDK serializes it and the provider's raw JSON (RawJSON()
// of the message and of every stream event); libsigil maps them
// ("anthropic.messages" in docs/providers.md).
//
//	stream := anthropic.NewMessageStream(ctx, sigilClient, providerClient, req)
//	defer stream.Close()
//	for stream.Next() {
//		event := stream.Current()
//		...
//	}
//	if err := stream.Err(); err != nil { ... }
//
// For a call made with the SDK directly, FromRequestResponse and FromStream
// return the same mapping as a sigil.Generation for
// GenerationRecorder.SetResult (the defer pattern).
package anthropic
