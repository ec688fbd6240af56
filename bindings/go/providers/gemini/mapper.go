package gemini

import (
	"errors"
	"strings"

	"google.golang.org/genai"

	"github.com/libsigil/libsigil/bindings/go/providers/internal/recording"
	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// FromRequestResponse maps a GenerateContent call made outside the wrappers
// into a Generation for GenerationRecorder.SetResult (the README's "defer
// pattern"). libsigil maps the call as the SDK was given it and the
// response's JSON (docs/providers.md); the options fill the conversation,
// agent, tags, metadata and provider name, and choose the raw artifacts.
// Provider data libsigil can only partly map returns what was mapped with an
// error matching sigil.ErrMappingFailed: SetResult records both.
func FromRequestResponse(
	model string,
	contents []*genai.Content,
	config *genai.GenerateContentConfig,
	resp *genai.GenerateContentResponse,
	opts ...Option,
) (sigil.Generation, error) {
	if resp == nil {
		return sigil.Generation{}, errors.New("response is required")
	}
	if strings.TrimSpace(model) == "" {
		return sigil.Generation{}, errors.New("request model is required")
	}
	return applyOptions(opts).Generation(apiGenerate, sigil.GenerationModeSync,
		sdkRequest[*genai.GenerateContentConfig]{model, contents, config}, responseJSON(resp), nil)
}

// FromStream maps a streamed GenerateContent call from its responses, as
// FromRequestResponse.
func FromStream(
	model string,
	contents []*genai.Content,
	config *genai.GenerateContentConfig,
	summary StreamSummary,
	opts ...Option,
) (sigil.Generation, error) {
	if strings.TrimSpace(model) == "" {
		return sigil.Generation{}, errors.New("request model is required")
	}
	events := make([][]byte, 0, len(summary.Responses))
	for _, r := range summary.Responses {
		if r != nil {
			events = append(events, responseJSON(r))
		}
	}
	if len(events) == 0 {
		return sigil.Generation{}, errors.New("stream summary has no responses")
	}
	return applyOptions(opts).Generation(apiGenerate, sigil.GenerationModeStream,
		sdkRequest[*genai.GenerateContentConfig]{model, contents, config}, nil, events)
}

// EmbeddingFromResponse maps an EmbedContent call: the input count and
// texts from the contents; tokens and dimensions from the response (nil:
// the request's alone).
func EmbeddingFromResponse(
	model string,
	contents []*genai.Content,
	config *genai.EmbedContentConfig,
	resp *genai.EmbedContentResponse,
) sigil.EmbeddingResult {
	return recording.MapEmbedding(apiEmbed, sdkRequest[*genai.EmbedContentConfig]{model, contents, config},
		embedResponseJSON(resp))
}
