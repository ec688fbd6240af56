package openai

import (
	osdk "github.com/openai/openai-go/v3"
	oresponses "github.com/openai/openai-go/v3/responses"

	"github.com/libsigil/libsigil/bindings/go/providers/internal/recording"
	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// The mappers turn a call made outside the wrappers into a Generation for
// GenerationRecorder.SetResult (the README's "defer pattern"). libsigil maps
// the SDK's own JSON of the request, the response or the stream's events
// (docs/providers.md); the options fill the conversation, agent, tags,
// metadata and provider name, and choose the raw artifacts. Provider data
// libsigil can only partly map returns what was mapped with an error
// matching sigil.ErrMappingFailed: SetResult records both.

// ChatCompletionsFromRequestResponse maps a Chat Completions call.
func ChatCompletionsFromRequestResponse(req osdk.ChatCompletionNewParams, resp *osdk.ChatCompletion,
	opts ...Option) (sigil.Generation, error) {
	return recording.FromResponse(applyOptions(opts), apiChat, req, resp)
}

// ChatCompletionsFromStream maps a streamed Chat Completions call from its
// chunks, or from FinalResponse when there are none.
func ChatCompletionsFromStream(req osdk.ChatCompletionNewParams, summary ChatCompletionsStreamSummary,
	opts ...Option) (sigil.Generation, error) {
	return recording.FromStream(applyOptions(opts), apiChat, req, summary.Chunks, summary.FinalResponse)
}

// ResponsesFromRequestResponse maps a Responses call.
func ResponsesFromRequestResponse(req oresponses.ResponseNewParams, resp *oresponses.Response,
	opts ...Option) (sigil.Generation, error) {
	return recording.FromResponse(applyOptions(opts), apiResponses, req, resp)
}

// ResponsesFromStream maps a streamed Responses call from its events, or
// from FinalResponse when there are none.
func ResponsesFromStream(req oresponses.ResponseNewParams, summary ResponsesStreamSummary,
	opts ...Option) (sigil.Generation, error) {
	return recording.FromStream(applyOptions(opts), apiResponses, req, summary.Events, summary.FinalResponse)
}

// EmbeddingsFromResponse maps an embeddings call: the input count and texts
// from the request; tokens, response model and dimensions from the response
// (nil: the request's alone).
func EmbeddingsFromResponse(req osdk.EmbeddingNewParams, resp *osdk.CreateEmbeddingResponse) sigil.EmbeddingResult {
	var body []byte
	if resp != nil {
		body, _ = recording.Body(*resp)
	}
	return recording.MapEmbedding(apiEmbeddings, req, body)
}
