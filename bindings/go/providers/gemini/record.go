package gemini

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"time"

	"google.golang.org/genai"

	"github.com/libsigil/libsigil/bindings/go/providers/internal/recording"
	"github.com/libsigil/libsigil/bindings/go/sigil"
)

const (
	apiGenerate = "gemini.generate_content"
	apiEmbed    = "gemini.embed_content"
)

// sdkRequest is the call as the SDK was given it: libsigil reads this form
// (docs/providers.md, Gemini).
type sdkRequest[Config any] struct {
	Model    string           `json:"model"`
	Contents []*genai.Content `json:"contents"`
	Config   Config           `json:"config,omitempty"`
}

// responseJSON serializes a response without the SDK's copy of the HTTP
// response (headers), which is not provider output.
func responseJSON(r *genai.GenerateContentResponse) []byte {
	return withoutHTTPResponse(r, func(c *genai.GenerateContentResponse) { c.SDKHTTPResponse = nil })
}

// embedResponseJSON serializes an embedding response as responseJSON does.
func embedResponseJSON(r *genai.EmbedContentResponse) []byte {
	return withoutHTTPResponse(r, func(c *genai.EmbedContentResponse) { c.SDKHTTPResponse = nil })
}

// withoutHTTPResponse serializes a copy of r that strip cleared; nil for a
// nil r or a value that does not serialize (libsigil reports the missing
// body as a mapping problem).
func withoutHTTPResponse[T any](r *T, strip func(*T)) []byte {
	if r == nil {
		return nil
	}
	c := *r
	strip(&c)
	b, err := json.Marshal(&c)
	if err != nil {
		return nil
	}
	return b
}

// callError gives the recorder the HTTP status of a genai.APIError (its
// Code); the caller still gets the SDK's error unchanged.
func callError(err error) error {
	var apiErr genai.APIError
	if errors.As(err, &apiErr) && apiErr.Code != 0 {
		return &recording.StatusError{Err: err, Status: apiErr.Code}
	}
	var apiErrPtr *genai.APIError
	if errors.As(err, &apiErrPtr) && apiErrPtr.Code != 0 {
		return &recording.StatusError{Err: err, Status: apiErrPtr.Code}
	}
	return err
}

// GenerateContent calls providerClient.Models.GenerateContent and records
// the generation. The response and the provider's error are returned
// unchanged; the error is also recorded as the generation's call error.
func GenerateContent(
	ctx context.Context,
	client *sigil.Client,
	provider *genai.Client,
	model string,
	contents []*genai.Content,
	config *genai.GenerateContentConfig,
	opts ...Option,
) (*genai.GenerateContentResponse, error) {
	return recording.Sync(ctx, client, applyOptions(opts), apiGenerate, model,
		sdkRequest[*genai.GenerateContentConfig]{model, contents, config},
		func(ctx context.Context) (*genai.GenerateContentResponse, error) {
			return provider.Models.GenerateContent(ctx, model, contents, config)
		}, responseJSON, callError)
}

// EmbedContent calls providerClient.Models.EmbedContent and records an
// embedding call (a span and metrics).
func EmbedContent(
	ctx context.Context,
	client *sigil.Client,
	provider *genai.Client,
	model string,
	contents []*genai.Content,
	config *genai.EmbedContentConfig,
	opts ...Option,
) (*genai.EmbedContentResponse, error) {
	s := applyOptions(opts)
	start := sigil.EmbeddingStart{
		AgentName:    s.AgentName,
		AgentVersion: s.AgentVersion,
		Model:        sigil.ModelRef{Provider: s.ProviderName, Name: model},
		Tags:         s.Tags,
		Metadata:     s.Metadata,
	}
	if config != nil && config.OutputDimensionality != nil && *config.OutputDimensionality > 0 {
		d := int64(*config.OutputDimensionality)
		start.Dimensions = &d
	}
	return recording.Embedding(ctx, client, start, apiEmbed,
		sdkRequest[*genai.EmbedContentConfig]{model, contents, config},
		func(ctx context.Context) (*genai.EmbedContentResponse, error) {
			return provider.Models.EmbedContent(ctx, model, contents, config)
		},
		embedResponseJSON, callError)
}

// GenerateContentStreamSeq calls providerClient.Models.GenerateContentStream
// and returns its iterator, recorded as a streaming generation. The
// generation is recorded when the loop ends: at the end of the stream, on
// the provider's error (yielded unchanged), or when the loop body breaks
// (what arrived until then).
func GenerateContentStreamSeq(
	ctx context.Context,
	client *sigil.Client,
	provider *genai.Client,
	model string,
	contents []*genai.Content,
	config *genai.GenerateContentConfig,
	opts ...Option,
) iter.Seq2[*genai.GenerateContentResponse, error] {
	s := applyOptions(opts)
	return func(yield func(*genai.GenerateContentResponse, error) bool) {
		ctx, rec := recording.StartStream(ctx, client, s, apiGenerate, model,
			sdkRequest[*genai.GenerateContentConfig]{model, contents, config}, callError)
		var failure error
		defer func() { rec.Finish(failure) }()
		for resp, err := range provider.Models.GenerateContentStream(ctx, model, contents, config) {
			if err != nil {
				failure = err
			} else if resp != nil {
				rec.Event(responseJSON(resp))
			}
			if !yield(resp, err) {
				return
			}
		}
	}
}

// StreamSummary is what GenerateContentStream read from the stream.
type StreamSummary struct {
	Responses    []*genai.GenerateContentResponse
	FirstChunkAt time.Time
}

// GenerateContentStream reads a whole stream and records it; for
// per-response processing use GenerateContentStreamSeq. The provider's error
// is returned unchanged.
func GenerateContentStream(
	ctx context.Context,
	client *sigil.Client,
	provider *genai.Client,
	model string,
	contents []*genai.Content,
	config *genai.GenerateContentConfig,
	opts ...Option,
) (StreamSummary, error) {
	summary := StreamSummary{}
	for resp, err := range GenerateContentStreamSeq(ctx, client, provider, model, contents, config, opts...) {
		if err != nil {
			return summary, err
		}
		if resp != nil {
			if summary.FirstChunkAt.IsZero() {
				summary.FirstChunkAt = time.Now().UTC()
			}
			summary.Responses = append(summary.Responses, resp)
		}
	}
	return summary, nil
}
