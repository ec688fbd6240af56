package sigil

// TokenUsage counts the tokens of one generation. Zero counters are left out
// of the export; libsigil sets TotalTokens to input + output when it is 0.
type TokenUsage struct {
	InputTokens              int64 `json:"input_tokens,omitempty"`
	OutputTokens             int64 `json:"output_tokens,omitempty"`
	TotalTokens              int64 `json:"total_tokens,omitempty"`
	CacheReadInputTokens     int64 `json:"cache_read_input_tokens,omitempty"`
	CacheWriteInputTokens    int64 `json:"cache_write_input_tokens,omitempty"`
	CacheCreationInputTokens int64 `json:"cache_creation_input_tokens,omitempty"`
	ReasoningTokens          int64 `json:"reasoning_tokens,omitempty"`
}

// Normalize returns u with TotalTokens filled in as input + output when it is
// zero. Recording does not need it (libsigil does the same on export); it is
// here for callers that want the total themselves.
func (u TokenUsage) Normalize() TokenUsage {
	if u.TotalTokens == 0 {
		u.TotalTokens = u.InputTokens + u.OutputTokens
	}
	return u
}

func (u TokenUsage) isZero() bool { return u == TokenUsage{} }
