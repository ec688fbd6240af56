package sigil

// The sigil.v1 protojson writer (docs/abi-json.md). It appends to a reused
// buffer and does no reflection on the hot path; only metadata values of types
// other than the JSON basics go through encoding/json. Strings are copied
// byte for byte (escaping only what JSON requires), so invalid UTF-8 reaches
// libsigil, which reports it with the field's path instead of silently
// replacing it. Bytes fields are sent as base64, the protojson form, so they
// arrive exactly as given.

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"sync"
	"time"
	"unsafe"
)

type jsonBuf struct{ b []byte }

var jsonPool = sync.Pool{New: func() any { return &jsonBuf{b: make([]byte, 0, 4096)} }}

func getJSON() *jsonBuf { j := jsonPool.Get().(*jsonBuf); j.b = j.b[:0]; return j }

func putJSON(j *jsonBuf) {
	if cap(j.b) <= 1<<20 {
		jsonPool.Put(j)
	}
}

// encodeError reports a value that cannot be written as JSON (a metadata value
// encoding/json rejects, or a NaN in metadata).
type encodeError struct {
	field string
	err   error
}

func (e *encodeError) Error() string { return "map " + e.field + ": " + e.err.Error() }
func (e *encodeError) Unwrap() error { return e.err }

// sep starts a new member or element: a comma unless the enclosing object or
// array is still empty.
func sep(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] != '{' && b[n-1] != '[' {
		return append(b, ',')
	}
	return b
}

func key(b []byte, k string) []byte {
	b = sep(b)
	b = append(b, '"')
	b = append(b, k...)
	return append(b, '"', ':')
}

func strField(b []byte, k, v string) []byte {
	if v == "" {
		return b
	}
	return appendString(key(b, k), v)
}

func intField(b []byte, k string, v int64) []byte {
	if v == 0 {
		return b
	}
	return strconv.AppendInt(key(b, k), v, 10)
}

const hexDigits = "0123456789abcdef"

// hasSpecial reports whether any byte of w (8 bytes, little endian) is below
// 0x20, '"' or '\\' (exact: no false negatives or positives for the word).
func hasSpecial(w uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	zero := func(v uint64) uint64 { return (v - lo) & ^v & hi }
	return (w-0x20*lo)&^w&hi|zero(w^('"'*lo))|zero(w^('\\'*lo)) != 0
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start, i, n := 0, 0, len(s)
	p := stringData(s)
	for i < n {
		if i+8 <= n {
			if !hasSpecial(*(*uint64)(unsafe.Add(p, i))) {
				i += 8
				continue
			}
		}
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendBase64(b []byte, p []byte) []byte {
	n := base64.StdEncoding.EncodedLen(len(p))
	b = append(b, '"')
	start := len(b)
	if need := start + n + 1; cap(b) < need {
		grown := make([]byte, start, 2*need)
		copy(grown, b)
		b = grown
	}
	b = b[:start+n]
	base64.StdEncoding.Encode(b[start:], p)
	return append(b, '"')
}

// stringData points at a string's bytes (unsafe.StringData needs Go 1.20;
// the first word of a string header is its data pointer).
func stringData(s string) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&s)) }

// appendFloat writes a double as protojson does: a number, or "NaN",
// "Infinity", "-Infinity".
func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

func appendTime(b []byte, k string, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	return strconv.AppendInt(key(b, k), saturatingUnixNano(t), 10) // Unix ns (abi-json extension)
}

func appendTags(b []byte, tags map[string]string) []byte {
	b = append(b, '{')
	for k, v := range tags {
		b = sep(b)
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, v)
	}
	return append(b, '}')
}

func appendMetadata(b []byte, md map[string]any) ([]byte, error) {
	b = append(b, '{')
	for k, v := range md {
		b = sep(b)
		b = appendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendAny(b, v); err != nil {
			return b, &encodeError{field: "metadata[" + strconv.Quote(k) + "]", err: err}
		}
	}
	return append(b, '}'), nil
}

// appendAny writes one metadata value; the JSON basics directly, anything
// else through encoding/json (as the reference SDK maps metadata).
func appendAny(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			break // encoding/json reports the error
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64), nil
	case map[string]any: // nested values keep their bytes too
		b = append(b, '{')
		for k, item := range x {
			b = sep(b)
			b = appendString(b, k)
			b = append(b, ':')
			var err error
			if b, err = appendAny(b, item); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case []any:
		b = append(b, '[')
		for _, item := range x {
			b = sep(b)
			var err error
			if b, err = appendAny(b, item); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, data...), nil
}

func appendTools(b []byte, tools []ToolDefinition) []byte {
	b = append(b, '[')
	for i := range tools {
		t := &tools[i]
		b = sep(b)
		b = append(b, '{')
		b = strField(b, "name", t.Name)
		b = strField(b, "description", t.Description)
		b = strField(b, "type", t.Type)
		if len(t.InputSchema) > 0 {
			b = appendBase64(key(b, "input_schema_json"), t.InputSchema)
		}
		if t.Deferred {
			b = append(key(b, "deferred"), "true"...)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// roleName maps a Role to its wire name; other values are left unset so that
// libsigil's validation names the offending message.
func roleName(r Role) string {
	switch r {
	case RoleUser:
		return "MESSAGE_ROLE_USER"
	case RoleAssistant:
		return "MESSAGE_ROLE_ASSISTANT"
	case RoleTool:
		return "MESSAGE_ROLE_TOOL"
	}
	return ""
}

func appendMessages(b []byte, msgs []Message) []byte {
	b = append(b, '[')
	for i := range msgs {
		m := &msgs[i]
		b = sep(b)
		b = append(b, '{')
		if role := roleName(m.Role); role != "" {
			b = append(key(b, "role"), '"')
			b = append(b, role...)
			b = append(b, '"')
		}
		b = strField(b, "name", m.Name)
		b = append(key(b, "parts"), '[')
		for j := range m.Parts {
			b = sep(b)
			b = appendPart(b, &m.Parts[j])
		}
		b = append(b, ']', '}')
	}
	return append(b, ']')
}

// appendPart writes the payload field Kind names (even when empty, so that
// validation reports it) plus every other payload field that is set (so that
// "exactly one payload" is checked by libsigil, as the reference does).
func appendPart(b []byte, p *Part) []byte {
	b = append(b, '{')
	if p.Text != "" || p.Kind == PartKindText {
		b = appendString(key(b, "text"), p.Text)
	}
	if p.Thinking != "" || p.Kind == PartKindThinking {
		b = appendString(key(b, "thinking"), p.Thinking)
	}
	if p.ToolCall != nil || p.Kind == PartKindToolCall {
		b = append(key(b, "tool_call"), '{')
		if c := p.ToolCall; c != nil {
			b = strField(b, "id", c.ID)
			b = strField(b, "name", c.Name)
			if len(c.InputJSON) > 0 {
				b = appendBase64(key(b, "input_json"), c.InputJSON)
			}
		}
		b = append(b, '}')
	}
	if p.ToolResult != nil || p.Kind == PartKindToolResult {
		b = append(key(b, "tool_result"), '{')
		if r := p.ToolResult; r != nil {
			b = strField(b, "tool_call_id", r.ToolCallID)
			b = strField(b, "name", r.Name)
			b = strField(b, "content", r.Content)
			if len(r.ContentJSON) > 0 {
				b = appendBase64(key(b, "content_json"), r.ContentJSON)
			}
			if r.IsError {
				b = append(key(b, "is_error"), "true"...)
			}
		}
		b = append(b, '}')
	}
	if p.Media != nil || p.Kind == PartKindMedia {
		b = append(key(b, "media"), '{')
		if m := p.Media; m != nil {
			b = strField(b, "kind", m.Kind)
			b = strField(b, "url", m.URL)
			b = strField(b, "mime_type", m.MIMEType)
			b = strField(b, "name", m.Name)
		}
		b = append(b, '}')
	}
	if p.Metadata.ProviderType != "" {
		b = append(key(b, "metadata"), '{')
		b = strField(b, "provider_type", p.Metadata.ProviderType)
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendUsage(b []byte, u *TokenUsage) []byte {
	b = append(key(b, "usage"), '{')
	b = intField(b, "input_tokens", u.InputTokens)
	b = intField(b, "output_tokens", u.OutputTokens)
	b = intField(b, "total_tokens", u.TotalTokens)
	b = intField(b, "cache_read_input_tokens", u.CacheReadInputTokens)
	b = intField(b, "cache_write_input_tokens", u.CacheWriteInputTokens)
	b = intField(b, "cache_creation_input_tokens", u.CacheCreationInputTokens)
	b = intField(b, "reasoning_tokens", u.ReasoningTokens)
	return append(b, '}')
}

func appendArtifacts(b []byte, arts []Artifact) []byte {
	b = append(key(b, "raw_artifacts"), '[')
	for i := range arts {
		a := &arts[i]
		b = sep(b)
		b = append(b, '{')
		b = strField(b, "kind", string(a.Kind))
		b = strField(b, "name", a.Name)
		b = strField(b, "content_type", a.ContentType)
		if len(a.Payload) > 0 {
			b = appendBase64(key(b, "payload"), a.Payload)
		}
		b = strField(b, "record_id", a.RecordID)
		b = strField(b, "uri", a.URI)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendGeneration writes g as a sigil.v1 Generation document. Zero values are
// left out (the start's values or libsigil's defaults apply); TraceID and
// SpanID are outputs and never sent.
func appendGeneration(b []byte, g *Generation) ([]byte, error) {
	b = append(b, '{')
	b = strField(b, "id", g.ID)
	b = strField(b, "conversation_id", g.ConversationID)
	b = strField(b, "conversation_title", g.ConversationTitle)
	b = strField(b, "user_id", g.UserID)
	b = strField(b, "agent_name", g.AgentName)
	b = strField(b, "agent_version", g.AgentVersion)
	b = strField(b, "mode", string(g.Mode))
	b = strField(b, "operation_name", g.OperationName)
	if g.Model.Provider != "" || g.Model.Name != "" {
		b = append(key(b, "model"), '{')
		b = strField(b, "provider", g.Model.Provider)
		b = strField(b, "name", g.Model.Name)
		b = append(b, '}')
	}
	b = strField(b, "response_id", g.ResponseID)
	b = strField(b, "response_model", g.ResponseModel)
	b = strField(b, "system_prompt", g.SystemPrompt)
	if len(g.Input) > 0 {
		b = appendMessages(key(b, "input"), g.Input)
	}
	if len(g.Output) > 0 {
		b = appendMessages(key(b, "output"), g.Output)
	}
	if len(g.Tools) > 0 {
		b = appendTools(key(b, "tools"), g.Tools)
	}
	if g.MaxTokens != nil {
		b = strconv.AppendInt(key(b, "max_tokens"), *g.MaxTokens, 10)
	}
	if g.Temperature != nil {
		b = appendFloat(key(b, "temperature"), *g.Temperature)
	}
	if g.TopP != nil {
		b = appendFloat(key(b, "top_p"), *g.TopP)
	}
	if g.ToolChoice != nil {
		b = appendString(key(b, "tool_choice"), *g.ToolChoice)
	}
	if g.ThinkingEnabled != nil {
		b = strconv.AppendBool(key(b, "thinking_enabled"), *g.ThinkingEnabled)
	}
	if !g.Usage.isZero() {
		b = appendUsage(b, &g.Usage)
	}
	b = strField(b, "stop_reason", g.StopReason)
	b = appendTime(b, "started_at", g.StartedAt)
	b = appendTime(b, "completed_at", g.CompletedAt)
	if len(g.Tags) > 0 {
		b = appendTags(key(b, "tags"), g.Tags)
	}
	if len(g.Metadata) > 0 {
		var err error
		if b, err = appendMetadata(key(b, "metadata"), g.Metadata); err != nil {
			return b, err
		}
	}
	if len(g.Artifacts) > 0 {
		b = appendArtifacts(b, g.Artifacts)
	}
	b = strField(b, "call_error", g.CallError)
	return append(b, '}'), nil
}

// saturatingUnixNano is t.UnixNano() for the instants int64 nanoseconds can
// hold (1677-09-21T00:12:43.145224193Z to 2262-04-11T23:47:16.854775807Z)
// and the nearest end of that range beyond them, where UnixNano's result is
// undefined (docs/abi-json.md, "Binding rules").
func saturatingUnixNano(t time.Time) int64 {
	const maxS, maxN int64 = math.MaxInt64 / 1_000_000_000, math.MaxInt64 % 1_000_000_000 // 9223372036 s 854775807 ns
	switch s, n := t.Unix(), int64(t.Nanosecond()); {
	case s > maxS || (s == maxS && n > maxN):
		return math.MaxInt64
	case s < -maxS-1 || (s == -maxS-1 && n < 1_000_000_000-maxN):
		return -math.MaxInt64
	}
	return t.UnixNano() // wraps in between, and wraps back: exact
}
