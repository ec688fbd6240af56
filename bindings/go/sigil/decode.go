package sigil

// The reader of the sigil.v1 protojson Generation libsigil hands back
// (docs/abi-json.md, "Where JSON is returned"): the counterpart of encode.go,
// so one file pair owns both directions. It runs once per mapped call, not
// on the recording path, so it uses encoding/json.

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// jsonInt64 reads an int64 written as a JSON number or, as protojson writes
// 64-bit integers, a string.
type jsonInt64 int64

func (v *jsonInt64) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	s := strings.Trim(string(b), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("integer %s: %w", b, err)
	}
	*v = jsonInt64(n)
	return nil
}

// jsonFloat reads a double: a number or "NaN", "Infinity", "-Infinity".
type jsonFloat float64

func (v *jsonFloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null":
	case `"NaN"`:
		*v = jsonFloat(math.NaN())
	case `"Infinity"`:
		*v = jsonFloat(math.Inf(1))
	case `"-Infinity"`:
		*v = jsonFloat(math.Inf(-1))
	default:
		f, err := strconv.ParseFloat(strings.Trim(string(b), `"`), 64)
		if err != nil {
			return fmt.Errorf("number %s: %w", b, err)
		}
		*v = jsonFloat(f)
	}
	return nil
}

// jsonTime reads an RFC 3339 string or Unix nanoseconds.
type jsonTime time.Time

func (v *jsonTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return err
		}
		*v = jsonTime(t.UTC())
		return nil
	}
	var ns jsonInt64
	if err := ns.UnmarshalJSON(b); err != nil {
		return err
	}
	*v = jsonTime(time.Unix(0, int64(ns)).UTC())
	return nil
}

type wireToolCall struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	InputJSON []byte `json:"input_json"` // base64, decoded by encoding/json
}

type wireToolResult struct {
	ToolCallID  string `json:"tool_call_id"`
	Name        string `json:"name"`
	Content     string `json:"content"`
	ContentJSON []byte `json:"content_json"`
	IsError     bool   `json:"is_error"`
}

type wirePart struct {
	Text       *string         `json:"text"`
	Thinking   *string         `json:"thinking"`
	ToolCall   *wireToolCall   `json:"tool_call"`
	ToolResult *wireToolResult `json:"tool_result"`
	Media      *Media          `json:"media"`
	Metadata   PartMetadata    `json:"metadata"`
}

type wireMessage struct {
	Role  string     `json:"role"`
	Name  string     `json:"name"`
	Parts []wirePart `json:"parts"`
}

type wireTool struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        string `json:"type"`
	InputSchema []byte `json:"input_schema_json"`
	Deferred    bool   `json:"deferred"`
}

type wireUsage struct {
	InputTokens              jsonInt64 `json:"input_tokens"`
	OutputTokens             jsonInt64 `json:"output_tokens"`
	TotalTokens              jsonInt64 `json:"total_tokens"`
	CacheReadInputTokens     jsonInt64 `json:"cache_read_input_tokens"`
	CacheWriteInputTokens    jsonInt64 `json:"cache_write_input_tokens"`
	CacheCreationInputTokens jsonInt64 `json:"cache_creation_input_tokens"`
	ReasoningTokens          jsonInt64 `json:"reasoning_tokens"`
}

type wireArtifact struct {
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Payload     []byte `json:"payload"`
	RecordID    string `json:"record_id"`
	URI         string `json:"uri"`
}

type wireGeneration struct {
	ID                string            `json:"id"`
	ConversationID    string            `json:"conversation_id"`
	ConversationTitle string            `json:"conversation_title"`
	UserID            string            `json:"user_id"`
	AgentName         string            `json:"agent_name"`
	AgentVersion      string            `json:"agent_version"`
	Mode              string            `json:"mode"`
	OperationName     string            `json:"operation_name"`
	TraceID           string            `json:"trace_id"`
	SpanID            string            `json:"span_id"`
	Model             ModelRef          `json:"model"`
	ResponseID        string            `json:"response_id"`
	ResponseModel     string            `json:"response_model"`
	SystemPrompt      string            `json:"system_prompt"`
	Input             []wireMessage     `json:"input"`
	Output            []wireMessage     `json:"output"`
	Tools             []wireTool        `json:"tools"`
	MaxTokens         *jsonInt64        `json:"max_tokens"`
	Temperature       *jsonFloat        `json:"temperature"`
	TopP              *jsonFloat        `json:"top_p"`
	ToolChoice        *string           `json:"tool_choice"`
	ThinkingEnabled   *bool             `json:"thinking_enabled"`
	Usage             wireUsage         `json:"usage"`
	StopReason        string            `json:"stop_reason"`
	StartedAt         *jsonTime         `json:"started_at"`
	CompletedAt       *jsonTime         `json:"completed_at"`
	Tags              map[string]string `json:"tags"`
	Metadata          map[string]any    `json:"metadata"`
	Artifacts         []wireArtifact    `json:"raw_artifacts"`
	CallError         string            `json:"call_error"`
}

var modeOf = map[string]GenerationMode{
	"GENERATION_MODE_SYNC": GenerationModeSync, "SYNC": GenerationModeSync,
	"GENERATION_MODE_STREAM": GenerationModeStream, "STREAM": GenerationModeStream,
}

var roleOf = map[string]Role{
	"MESSAGE_ROLE_USER": RoleUser, "MESSAGE_ROLE_ASSISTANT": RoleAssistant, "MESSAGE_ROLE_TOOL": RoleTool,
	"user": RoleUser, "assistant": RoleAssistant, "tool": RoleTool,
}

var artifactKindOf = map[string]ArtifactKind{
	"ARTIFACT_KIND_REQUEST": ArtifactKindRequest, "ARTIFACT_KIND_RESPONSE": ArtifactKindResponse,
	"ARTIFACT_KIND_TOOLS": ArtifactKindTools, "ARTIFACT_KIND_PROVIDER_EVENT": ArtifactKindProviderEvent,
}

// decodeGeneration reads a sigil.v1 protojson Generation.
func decodeGeneration(doc []byte) (Generation, error) {
	var w wireGeneration
	if err := json.Unmarshal(doc, &w); err != nil {
		return Generation{}, fmt.Errorf("sigil: the mapped generation could not be read: %w", err)
	}
	g := Generation{
		ID: w.ID, ConversationID: w.ConversationID, ConversationTitle: w.ConversationTitle, UserID: w.UserID,
		AgentName: w.AgentName, AgentVersion: w.AgentVersion, Mode: modeOf[w.Mode], OperationName: w.OperationName,
		TraceID: w.TraceID, SpanID: w.SpanID, Model: w.Model, ResponseID: w.ResponseID,
		ResponseModel: w.ResponseModel, SystemPrompt: w.SystemPrompt,
		Input: decodeMessages(w.Input), Output: decodeMessages(w.Output),
		ToolChoice: w.ToolChoice, ThinkingEnabled: w.ThinkingEnabled,
		Usage: TokenUsage{
			InputTokens: int64(w.Usage.InputTokens), OutputTokens: int64(w.Usage.OutputTokens),
			TotalTokens: int64(w.Usage.TotalTokens), CacheReadInputTokens: int64(w.Usage.CacheReadInputTokens),
			CacheWriteInputTokens:    int64(w.Usage.CacheWriteInputTokens),
			CacheCreationInputTokens: int64(w.Usage.CacheCreationInputTokens),
			ReasoningTokens:          int64(w.Usage.ReasoningTokens),
		},
		StopReason: w.StopReason, Tags: w.Tags, Metadata: w.Metadata, CallError: w.CallError,
	}
	if w.MaxTokens != nil {
		v := int64(*w.MaxTokens)
		g.MaxTokens = &v
	}
	if w.Temperature != nil {
		v := float64(*w.Temperature)
		g.Temperature = &v
	}
	if w.TopP != nil {
		v := float64(*w.TopP)
		g.TopP = &v
	}
	if w.StartedAt != nil {
		g.StartedAt = time.Time(*w.StartedAt)
	}
	if w.CompletedAt != nil {
		g.CompletedAt = time.Time(*w.CompletedAt)
	}
	for _, t := range w.Tools {
		g.Tools = append(g.Tools, ToolDefinition{Name: t.Name, Description: t.Description, Type: t.Type,
			InputSchema: t.InputSchema, Deferred: t.Deferred})
	}
	for _, a := range w.Artifacts {
		kind, ok := artifactKindOf[a.Kind]
		if !ok {
			kind = ArtifactKind(strings.ToLower(strings.TrimPrefix(a.Kind, "ARTIFACT_KIND_")))
		}
		g.Artifacts = append(g.Artifacts, Artifact{Kind: kind, Name: a.Name, ContentType: a.ContentType,
			Payload: a.Payload, RecordID: a.RecordID, URI: a.URI})
	}
	return g, nil
}

func decodeMessages(in []wireMessage) []Message {
	if len(in) == 0 {
		return nil
	}
	out := make([]Message, 0, len(in))
	for _, m := range in {
		msg := Message{Role: roleOf[m.Role], Name: m.Name, Parts: make([]Part, 0, len(m.Parts))}
		for _, p := range m.Parts {
			msg.Parts = append(msg.Parts, decodePart(p))
		}
		out = append(out, msg)
	}
	return out
}

func decodePart(p wirePart) Part {
	var part Part
	switch {
	case p.Text != nil:
		part = TextPart(*p.Text)
	case p.Thinking != nil:
		part = ThinkingPart(*p.Thinking)
	case p.ToolCall != nil:
		part = ToolCallPart(ToolCall{ID: p.ToolCall.ID, Name: p.ToolCall.Name, InputJSON: p.ToolCall.InputJSON})
	case p.ToolResult != nil:
		r := p.ToolResult
		part = ToolResultPart(ToolResult{ToolCallID: r.ToolCallID, Name: r.Name, Content: r.Content,
			ContentJSON: r.ContentJSON, IsError: r.IsError})
	case p.Media != nil:
		part = MediaPart(*p.Media)
	}
	part.Metadata = p.Metadata
	return part
}

// wireEmbedding is the document of sigil_provider_map_embedding.
type wireEmbedding struct {
	InputCount    jsonInt64  `json:"input_count"`
	InputTokens   jsonInt64  `json:"input_tokens"`
	InputTexts    []string   `json:"input_texts"`
	ResponseModel string     `json:"response_model"`
	Dimensions    *jsonInt64 `json:"dimensions"`
}

func decodeEmbeddingResult(doc []byte) (EmbeddingResult, error) {
	var w wireEmbedding
	if err := json.Unmarshal(doc, &w); err != nil {
		return EmbeddingResult{}, fmt.Errorf("sigil: the mapped embedding could not be read: %w", err)
	}
	r := EmbeddingResult{InputCount: int(w.InputCount), InputTokens: int64(w.InputTokens), InputTexts: w.InputTexts,
		ResponseModel: w.ResponseModel}
	if w.Dimensions != nil {
		d := int64(*w.Dimensions)
		r.Dimensions = &d
	}
	return r, nil
}
