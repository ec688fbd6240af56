package anthropic

import (
	asdk "github.com/anthropics/anthropic-sdk-go"

	"github.com/libsigil/libsigil/bindings/go/providers/internal/recording"
	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// FromRequestResponse maps a Messages call made outside the wrappers into a
// Generation for GenerationRecorder.SetResult (the README's "defer
// pattern"). libsigil maps the SDK's own JSON of the request and the message
// (docs/providers.md); the options fill the conversation, agent, tags,
// metadata and provider name, and choose the raw artifacts. Provider data
// libsigil can only partly map returns what was mapped with an error
// matching sigil.ErrMappingFailed: SetResult records both.
func FromRequestResponse(req asdk.BetaMessageNewParams, resp *asdk.BetaMessage, opts ...Option) (sigil.Generation, error) {
	return recording.FromResponse(applyOptions(opts), apiMessages, req, resp)
}

// FromStream maps a streamed Messages call from its events, or from
// FinalMessage when there are none, as FromRequestResponse.
func FromStream(req asdk.BetaMessageNewParams, summary StreamSummary, opts ...Option) (sigil.Generation, error) {
	return recording.FromStream(applyOptions(opts), apiMessages, req, summary.Events, summary.FinalMessage)
}
