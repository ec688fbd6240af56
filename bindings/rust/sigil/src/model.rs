//! The normalized, provider-independent record of a model call (the
//! `sigil.v1` Generation), as plain Rust values.
//!
//! Text fields use `String` where an empty string means "not set" (the
//! engine treats both alike); values where zero is meaningful are `Option`s.
//! Bytes fields that hold JSON (`input_json`, `content_json`,
//! `input_schema_json`) are `Vec<u8>`: the bytes are exported exactly as given.

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde_json::{Map, Value};

/// Metadata values: any JSON (`serde_json::Map<String, Value>`).
pub type Metadata = Map<String, Value>;

/// Tags: string to string.
pub type Tags = BTreeMap<String, String>;

/// The provider and model of a generation or embedding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ModelRef {
    /// "openai", "anthropic", "gemini", ...
    pub provider: String,
    /// The requested model, e.g. "gpt-4o".
    pub name: String,
}

impl ModelRef {
    /// `ModelRef { provider, name }`.
    pub fn new(provider: impl Into<String>, name: impl Into<String>) -> ModelRef {
        ModelRef { provider: provider.into(), name: name.into() }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.provider.is_empty() && self.name.is_empty()
    }
}

/// Whether a generation was one response or a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GenerationMode {
    /// One response (operation "generateText" by default).
    Sync,
    /// A streamed response (operation "streamText" by default).
    Stream,
}

/// The author of a message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Role {
    #[default]
    User,
    Assistant,
    Tool,
}

/// One turn of the conversation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Message {
    pub role: Role,
    /// The author's name, when the provider has one.
    pub name: String,
    pub parts: Vec<Part>,
}

impl Message {
    /// A message with the given parts.
    pub fn new(role: Role, parts: Vec<Part>) -> Message {
        Message { role, name: String::new(), parts }
    }

    /// A user message with one text part.
    pub fn user_text(text: impl Into<String>) -> Message {
        Message::new(Role::User, vec![Part::text(text)])
    }

    /// An assistant message with one text part.
    pub fn assistant_text(text: impl Into<String>) -> Message {
        Message::new(Role::Assistant, vec![Part::text(text)])
    }

    /// A tool message with one tool-result part.
    pub fn tool_result(result: ToolResult) -> Message {
        Message::new(Role::Tool, vec![Part::tool_result(result)])
    }
}

/// One piece of a message: its content plus provider details.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub content: PartContent,
    pub metadata: PartMetadata,
}

/// What a part holds: exactly one payload.
#[derive(Debug, Clone, PartialEq)]
pub enum PartContent {
    Text(String),
    /// Reasoning text (assistant messages only).
    Thinking(String),
    /// A request to call a tool (assistant messages only).
    ToolCall(ToolCall),
    /// What a tool returned (tool messages only).
    ToolResult(ToolResult),
    /// An image, audio or file reference.
    Media(Media),
}

/// Provider-specific details of a part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartMetadata {
    /// The provider's own name for the part type ("output_text", ...).
    pub provider_type: String,
}

impl Part {
    pub fn new(content: PartContent) -> Part {
        Part { content, metadata: PartMetadata::default() }
    }
    pub fn text(text: impl Into<String>) -> Part {
        Part::new(PartContent::Text(text.into()))
    }
    pub fn thinking(thinking: impl Into<String>) -> Part {
        Part::new(PartContent::Thinking(thinking.into()))
    }
    pub fn tool_call(call: ToolCall) -> Part {
        Part::new(PartContent::ToolCall(call))
    }
    pub fn tool_result(result: ToolResult) -> Part {
        Part::new(PartContent::ToolResult(result))
    }
    pub fn media(media: Media) -> Part {
        Part::new(PartContent::Media(media))
    }
    /// Sets `metadata.provider_type`.
    pub fn with_provider_type(mut self, provider_type: impl Into<String>) -> Part {
        self.metadata.provider_type = provider_type.into();
        self
    }
}

/// A model's request to call a tool.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    /// The arguments as JSON bytes.
    pub input_json: Vec<u8>,
}

impl ToolCall {
    /// A call whose arguments are `input` serialized as compact JSON.
    pub fn new(id: impl Into<String>, name: impl Into<String>, input: &Value) -> ToolCall {
        ToolCall { id: id.into(), name: name.into(), input_json: input.to_string().into_bytes() }
    }
}

/// What a tool returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolResult {
    /// The call this answers; when the provider gives none, `name` correlates.
    pub tool_call_id: String,
    pub name: String,
    /// The result as text.
    pub content: String,
    /// The result as JSON bytes.
    pub content_json: Vec<u8>,
    pub is_error: bool,
}

impl ToolResult {
    /// A result whose `content_json` is `content` serialized as compact JSON.
    pub fn json(tool_call_id: impl Into<String>, content: &Value) -> ToolResult {
        ToolResult {
            tool_call_id: tool_call_id.into(),
            content_json: content.to_string().into_bytes(),
            ..Default::default()
        }
    }

    /// A plain-text result.
    pub fn text(tool_call_id: impl Into<String>, content: impl Into<String>) -> ToolResult {
        ToolResult { tool_call_id: tool_call_id.into(), content: content.into(), ..Default::default() }
    }
}

/// A media reference (image, audio, file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Media {
    /// "image", "audio", "file", ...
    pub kind: String,
    pub url: String,
    pub mime_type: String,
    pub name: String,
}

/// A tool the model could call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolDefinition {
    pub name: String,
    pub description: String,
    /// The tool type, e.g. "function".
    pub tool_type: String,
    /// The input JSON schema as JSON bytes.
    pub input_schema_json: Vec<u8>,
    /// Whether the tool is loaded lazily.
    pub deferred: bool,
}

impl ToolDefinition {
    /// A "function" tool with a JSON schema.
    pub fn function(name: impl Into<String>, description: impl Into<String>, input_schema: &Value) -> ToolDefinition {
        ToolDefinition {
            name: name.into(),
            description: description.into(),
            tool_type: "function".into(),
            input_schema_json: input_schema.to_string().into_bytes(),
            deferred: false,
        }
    }
}

/// Token counters of one generation. Zero counters are left out; the engine
/// sets `total_tokens` to input + output when it is 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TokenUsage {
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    pub cache_read_input_tokens: i64,
    pub cache_write_input_tokens: i64,
    /// Exported on spans and metrics only.
    pub cache_creation_input_tokens: i64,
    pub reasoning_tokens: i64,
}

impl TokenUsage {
    pub(crate) fn is_zero(&self) -> bool {
        *self == TokenUsage::default()
    }
}

/// The kind of a raw provider artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArtifactKind {
    Request,
    Response,
    Tools,
    ProviderEvent,
}

/// A raw provider payload kept for debugging. It needs a payload or a record id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub kind: ArtifactKind,
    pub name: String,
    pub content_type: String,
    pub payload: Vec<u8>,
    pub record_id: String,
    pub uri: String,
}

impl Artifact {
    /// An artifact whose payload is `value` serialized as JSON.
    pub fn json(kind: ArtifactKind, name: impl Into<String>, value: &Value) -> Artifact {
        Artifact {
            kind,
            name: name.into(),
            content_type: "application/json".into(),
            payload: value.to_string().into_bytes(),
            record_id: String::new(),
            uri: String::new(),
        }
    }
}

/// What is known before the provider call. Empty fields can still be filled
/// by the [`Generation`] given to
/// [`GenerationRecorder::set_result`](crate::GenerationRecorder::set_result);
/// identity fields left empty fall back to the [`Context`](crate::Context),
/// then to metadata, then to the client's defaults (resolved by the engine).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GenerationStart {
    /// The generation id; the engine assigns "gen_" + 16 hex digits when empty.
    pub id: String,
    pub conversation_id: String,
    pub conversation_title: String,
    pub user_id: String,
    pub agent_name: String,
    pub agent_version: String,
    /// Default "generateText" (sync) or "streamText" (streaming).
    pub operation_name: String,
    /// Required by validation (here or in the result).
    pub model: ModelRef,
    pub system_prompt: String,
    pub max_tokens: Option<i64>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub tool_choice: Option<String>,
    pub thinking_enabled: Option<bool>,
    pub tools: Vec<ToolDefinition>,
    pub tags: Tags,
    pub metadata: Metadata,
    /// Default: now.
    pub started_at: Option<SystemTime>,
    /// This record's content capture mode; `None` defers to the context,
    /// the client's resolver, then the client's mode.
    pub content_capture: Option<crate::ContentCaptureMode>,
}

impl GenerationStart {
    /// A start for `model`, everything else unset.
    pub fn new(model: ModelRef) -> GenerationStart {
        GenerationStart { model, ..Default::default() }
    }
}

/// The result of a model call (the `sigil.v1` Generation). Set fields win
/// over the start's; tags and metadata merge with the start's (these win).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Generation {
    pub id: String,
    pub conversation_id: String,
    pub conversation_title: String,
    pub user_id: String,
    pub agent_name: String,
    pub agent_version: String,
    pub mode: Option<GenerationMode>,
    pub operation_name: String,
    pub model: ModelRef,
    pub response_id: String,
    pub response_model: String,
    pub system_prompt: String,
    pub input: Vec<Message>,
    pub output: Vec<Message>,
    pub tools: Vec<ToolDefinition>,
    pub max_tokens: Option<i64>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub tool_choice: Option<String>,
    pub thinking_enabled: Option<bool>,
    pub usage: TokenUsage,
    /// "stop", "end_turn", "tool_use", ...
    pub stop_reason: String,
    pub started_at: Option<SystemTime>,
    pub completed_at: Option<SystemTime>,
    pub tags: Tags,
    pub metadata: Metadata,
    pub artifacts: Vec<Artifact>,
    /// The provider failure text; prefer
    /// [`GenerationRecorder::set_call_error`](crate::GenerationRecorder::set_call_error).
    pub call_error: String,
    pub parent_generation_ids: Vec<String>,
    /// "sha256:" + 64 lowercase hex digits.
    pub effective_version: String,
}

impl Generation {
    /// Checks `self` with the engine's validation rules (the ones
    /// [`GenerationRecorder::end`](crate::GenerationRecorder::end) applies).
    pub fn validate(&self) -> crate::Result<()> {
        crate::validate_generation(self)
    }
}
