package anthropic

import "github.com/libsigil/libsigil/bindings/go/providers/internal/recording"

// Option configures one wrapped call.
type Option = recording.Option

func applyOptions(opts []Option) *recording.Settings { return recording.Apply("anthropic", opts) }

// The options of a wrapped call (bindings/go/README.md, "Providers"); their
// doc comments are on the shared implementation in
// internal/recording/options.go.
var (
	WithProviderName        = recording.WithProviderName
	WithConversationID      = recording.WithConversationID
	WithConversationTitle   = recording.WithConversationTitle
	WithAgentName           = recording.WithAgentName
	WithAgentVersion        = recording.WithAgentVersion
	WithTags                = recording.WithTags
	WithTag                 = recording.WithTag
	WithMetadata            = recording.WithMetadata
	WithRawArtifacts        = recording.WithRawArtifacts
	WithRequestArtifact     = recording.WithRequestArtifact
	WithResponseArtifact    = recording.WithResponseArtifact
	WithToolsArtifact       = recording.WithToolsArtifact
	WithEventsArtifact      = recording.WithEventsArtifact
	WithoutRequestArtifact  = recording.WithoutRequestArtifact
	WithoutResponseArtifact = recording.WithoutResponseArtifact
	WithoutToolsArtifact    = recording.WithoutToolsArtifact
	WithoutEventsArtifact   = recording.WithoutEventsArtifact
)
