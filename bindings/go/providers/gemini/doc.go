// Package gemini records calls made with Google's Gen AI Go SDK
// (google.golang.org/genai) through libsigil: GenerateContent (synchronous
// and streaming) and EmbedContent. Function names and options follow Grafana
// Sigil's go-providers/gemini package.
//
// The SDK has no raw-JSON accessor: the wrappers hand libsigil the request
// as {"model", "contents", "config"} and each response as the SDK serializes
// it; libsigil maps them ("gemini.generate_content", "gemini.embed_content"
// in docs/providers.md). Values and errors come back unchanged.
//
// Streams keep the SDK's iterator: the generation is recorded when the loop
// ends, also when it ends early with break.
//
//	for resp, err := range gemini.GenerateContentStreamSeq(ctx, sigilClient, providerClient, model, contents, config) {
//		...
//	}
//
// For a call made with the SDK directly, FromRequestResponse, FromStream and
// EmbeddingFromResponse return the same mapping as a sigil.Generation (or
// sigil.EmbeddingResult) for the recorder (the defer pattern).
package gemini
