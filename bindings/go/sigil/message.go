package sigil

import "encoding/json"

// Role is the author of a message.
type Role string

const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	RoleTool      Role = "tool"
)

// PartKind says which payload field of a Part is set.
type PartKind string

const (
	PartKindText       PartKind = "text"
	PartKindThinking   PartKind = "thinking"
	PartKindToolCall   PartKind = "tool_call"
	PartKindToolResult PartKind = "tool_result"
	// PartKindMedia is a reference to an image, audio clip or file (a
	// sigil.v1 Media, which the provider mappings produce).
	PartKindMedia PartKind = "media"
)

// Message is one turn of the conversation: a role and typed parts.
type Message struct {
	Role  Role   `json:"role"`
	Name  string `json:"name,omitempty"`
	Parts []Part `json:"parts"`
}

// Part is one piece of a message. Exactly one payload field is set, the one
// Kind names.
type Part struct {
	Kind       PartKind     `json:"kind"`
	Text       string       `json:"text,omitempty"`
	Thinking   string       `json:"thinking,omitempty"`
	ToolCall   *ToolCall    `json:"tool_call,omitempty"`
	ToolResult *ToolResult  `json:"tool_result,omitempty"`
	Media      *Media       `json:"media,omitempty"`
	Metadata   PartMetadata `json:"metadata,omitempty"`
}

// Media points at an image, audio clip or file of a message: Kind ("image",
// "audio", "file"), a URL (or data URL) and what the provider says of it.
type Media struct {
	Kind     string `json:"kind,omitempty"`
	URL      string `json:"url,omitempty"`
	MIMEType string `json:"mime_type,omitempty"`
	Name     string `json:"name,omitempty"`
}

// PartMetadata carries provider-specific details of a part.
type PartMetadata struct {
	ProviderType string `json:"provider_type,omitempty"`
}

// ToolCall is a model's request to call a tool. InputJSON holds the
// arguments as JSON bytes.
type ToolCall struct {
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name"`
	InputJSON json.RawMessage `json:"input_json,omitempty"`
}

// ToolResult is what a tool returned. Set ToolCallID when the provider gives
// one; otherwise Name correlates the result with its call.
type ToolResult struct {
	ToolCallID  string          `json:"tool_call_id,omitempty"`
	Name        string          `json:"name,omitempty"`
	IsError     bool            `json:"is_error,omitempty"`
	Content     string          `json:"content,omitempty"`
	ContentJSON json.RawMessage `json:"content_json,omitempty"`
}

// TextPart returns a text part.
func TextPart(text string) Part { return Part{Kind: PartKindText, Text: text} }

// ThinkingPart returns a reasoning part (assistant messages only).
func ThinkingPart(thinking string) Part { return Part{Kind: PartKindThinking, Thinking: thinking} }

// ToolCallPart returns a tool-call part (assistant messages only).
func ToolCallPart(call ToolCall) Part { return Part{Kind: PartKindToolCall, ToolCall: &call} }

// ToolResultPart returns a tool-result part (tool messages only).
func ToolResultPart(result ToolResult) Part {
	return Part{Kind: PartKindToolResult, ToolResult: &result}
}

// MediaPart returns a media part.
func MediaPart(media Media) Part { return Part{Kind: PartKindMedia, Media: &media} }

// UserTextMessage returns a user message with one text part.
func UserTextMessage(text string) Message {
	return Message{Role: RoleUser, Parts: []Part{TextPart(text)}}
}

// AssistantTextMessage returns an assistant message with one text part.
func AssistantTextMessage(text string) Message {
	return Message{Role: RoleAssistant, Parts: []Part{TextPart(text)}}
}

// ToolResultMessage returns a tool message with one tool-result part whose
// ContentJSON is content marshaled to JSON (a string, map or struct). A value
// that cannot be marshaled leaves ContentJSON empty.
func ToolResultMessage(callID string, content any) Message {
	result := ToolResult{ToolCallID: callID}
	if content != nil {
		if data, err := json.Marshal(content); err == nil {
			result.ContentJSON = data
		}
	}
	return Message{Role: RoleTool, Parts: []Part{ToolResultPart(result)}}
}
