package recording

// The options every provider package offers; each re-exports them under its
// own name, so a call site reads openai.WithConversationID(...).

// Option configures one wrapped call.
type Option func(*Settings)

// Apply builds the settings of one call: the provider's default name, then
// each option in order.
func Apply(provider string, opts []Option) *Settings {
	s := &Settings{ProviderName: provider}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	return s
}

// WithProviderName overrides the provider name of the model (the provider
// package's own name by default), e.g. for a compatible API served by another
// vendor.
func WithProviderName(provider string) Option {
	return func(s *Settings) { s.ProviderName = provider }
}

// WithConversationID sets the generation's conversation id.
func WithConversationID(conversationID string) Option {
	return func(s *Settings) { s.ConversationID = conversationID }
}

// WithConversationTitle sets the generation's conversation title.
func WithConversationTitle(conversationTitle string) Option {
	return func(s *Settings) { s.ConversationTitle = conversationTitle }
}

// WithAgentName sets the generation's agent name.
func WithAgentName(agentName string) Option {
	return func(s *Settings) { s.AgentName = agentName }
}

// WithAgentVersion sets the generation's agent version.
func WithAgentVersion(agentVersion string) Option {
	return func(s *Settings) { s.AgentVersion = agentVersion }
}

// WithTags adds tags to the generation (a later value of a key wins).
func WithTags(tags map[string]string) Option {
	return func(s *Settings) { s.MergeTags(tags) }
}

// WithTag sets one tag of the generation.
func WithTag(key, value string) Option {
	return func(s *Settings) { s.MergeTags(map[string]string{key: value}) }
}

// WithMetadata adds metadata to the generation (a later value of a key wins).
func WithMetadata(metadata map[string]any) Option {
	return func(s *Settings) { s.MergeMetadata(metadata) }
}

// WithRawArtifacts keeps raw copies of the provider JSON (request, tools,
// response, stream events) as artifacts. Off by default; the content capture
// mode still decides whether they leave the process.
func WithRawArtifacts() Option {
	return func(s *Settings) {
		s.RequestArtifact, s.ResponseArtifact, s.ToolsArtifact, s.EventsArtifact = true, true, true, true
	}
}

// WithRequestArtifact keeps the request artifact. libsigil derives the request
// and tools artifacts from the same body, so either option keeps both.
func WithRequestArtifact() Option {
	return func(s *Settings) { s.RequestArtifact = true }
}

// WithResponseArtifact keeps the response artifact.
func WithResponseArtifact() Option {
	return func(s *Settings) { s.ResponseArtifact = true }
}

// WithToolsArtifact keeps the tools artifact (and with it the request
// artifact, see WithRequestArtifact).
func WithToolsArtifact() Option {
	return func(s *Settings) { s.ToolsArtifact = true }
}

// WithEventsArtifact keeps the stream events artifact.
func WithEventsArtifact() Option {
	return func(s *Settings) { s.EventsArtifact = true }
}

// WithoutRequestArtifact drops the request artifact again.
func WithoutRequestArtifact() Option {
	return func(s *Settings) { s.RequestArtifact = false }
}

// WithoutResponseArtifact drops the response artifact again.
func WithoutResponseArtifact() Option {
	return func(s *Settings) { s.ResponseArtifact = false }
}

// WithoutToolsArtifact drops the tools artifact again.
func WithoutToolsArtifact() Option {
	return func(s *Settings) { s.ToolsArtifact = false }
}

// WithoutEventsArtifact drops the stream events artifact again.
func WithoutEventsArtifact() Option {
	return func(s *Settings) { s.EventsArtifact = false }
}
