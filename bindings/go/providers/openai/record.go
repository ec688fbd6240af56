package openai

import (
	"context"

	osdk "github.com/openai/openai-go/v3"
	oresponses "github.com/openai/openai-go/v3/responses"

	"github.com/libsigil/libsigil/bindings/go/providers/internal/recording"
	"github.com/libsigil/libsigil/bindings/go/sigil"
)

const (
	apiChat       = "openai.chat"
	apiResponses  = "openai.responses"
	apiEmbeddings = "openai.embeddings"
)

// ChatCompletionsNew calls providerClient.Chat.Completions.New and records
// the generation. The response and the provider's error are returned
// unchanged; the error is also recorded as the generation's call error. A
// non-nil error with a response is the recorder's (Err).
func ChatCompletionsNew(
	ctx context.Context,
	client *sigil.Client,
	provider osdk.Client,
	req osdk.ChatCompletionNewParams,
	opts ...Option,
) (*osdk.ChatCompletion, error) {
	return recording.Sync(ctx, client, applyOptions(opts), apiChat, string(req.Model), req,
		func(ctx context.Context) (*osdk.ChatCompletion, error) {
			return provider.Chat.Completions.New(ctx, req)
		},
		func(r *osdk.ChatCompletion) []byte { return []byte(r.RawJSON()) }, nil)
}

// ResponsesNew calls providerClient.Responses.New and records the
// generation, as ChatCompletionsNew.
func ResponsesNew(
	ctx context.Context,
	client *sigil.Client,
	provider osdk.Client,
	req oresponses.ResponseNewParams,
	opts ...Option,
) (*oresponses.Response, error) {
	return recording.Sync(ctx, client, applyOptions(opts), apiResponses, string(req.Model), req,
		func(ctx context.Context) (*oresponses.Response, error) { return provider.Responses.New(ctx, req) },
		func(r *oresponses.Response) []byte { return []byte(r.RawJSON()) }, nil)
}

// EmbeddingsNew calls providerClient.Embeddings.New and records an embedding
// call (a span and metrics; embeddings are not exported as generations).
func EmbeddingsNew(
	ctx context.Context,
	client *sigil.Client,
	provider osdk.Client,
	req osdk.EmbeddingNewParams,
	opts ...Option,
) (*osdk.CreateEmbeddingResponse, error) {
	s := applyOptions(opts)
	start := sigil.EmbeddingStart{
		AgentName:    s.AgentName,
		AgentVersion: s.AgentVersion,
		Model:        sigil.ModelRef{Provider: s.ProviderName, Name: string(req.Model)},
		Tags:         s.Tags,
		Metadata:     s.Metadata,
	}
	if req.Dimensions.Valid() {
		d := req.Dimensions.Value
		start.Dimensions = &d
	}
	if req.EncodingFormat != "" {
		start.EncodingFormat = string(req.EncodingFormat)
	}
	return recording.Embedding(ctx, client, start, apiEmbeddings, req,
		func(ctx context.Context) (*osdk.CreateEmbeddingResponse, error) {
			return provider.Embeddings.New(ctx, req)
		},
		func(r *osdk.CreateEmbeddingResponse) []byte { return []byte(r.RawJSON()) }, nil)
}
