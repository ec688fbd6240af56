"""Typed values the caller builds: the sigil.v1 model in Python dataclasses.

They are plain data. The engine resolves, normalizes and validates them when a
recorder ends; the binding only converts them to the protojson documents the
C ABI accepts (see ``_encode``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Optional


class GenerationMode(str, Enum):
    """Whether the provider call was synchronous or streamed."""

    SYNC = "SYNC"
    STREAM = "STREAM"


class MessageRole(str, Enum):
    """Who a message is from."""

    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


class PartKind(str, Enum):
    """Which payload a message part carries."""

    TEXT = "text"
    THINKING = "thinking"
    TOOL_CALL = "tool_call"
    TOOL_RESULT = "tool_result"
    MEDIA = "media"  # sigil.v1 Media (an extension over the reference's kinds)


class ArtifactKind(str, Enum):
    """What a raw artifact holds."""

    REQUEST = "request"
    RESPONSE = "response"
    TOOLS = "tools"
    PROVIDER_EVENT = "provider_event"


class ContentCaptureMode(str, Enum):
    """Which content leaves the process (the engine's modes; see docs/privacy.md).

    Wherever a mode is accepted, its name as a string ("metadata_only") works too.
    """

    DEFAULT = "default"  # defer to the next layer
    FULL = "full"
    NO_TOOL_CONTENT = "no_tool_content"
    METADATA_ONLY = "metadata_only"
    FULL_WITH_METADATA_SPANS = "full_with_metadata_spans"


class ConversationRatingValue(str, Enum):
    """A conversation rating (the wire names)."""

    GOOD = "CONVERSATION_RATING_VALUE_GOOD"
    BAD = "CONVERSATION_RATING_VALUE_BAD"


@dataclass(slots=True)
class ModelRef:
    """The provider and model a call went to."""

    provider: str = ""
    name: str = ""


@dataclass(slots=True)
class ToolDefinition:
    """A tool the model was offered. ``input_schema_json`` takes bytes (JSON text) or a JSON value."""

    name: str = ""
    description: str = ""
    type: str = ""
    input_schema_json: Any = b""
    deferred: bool = False


@dataclass(slots=True)
class TokenUsage:
    """Token counters. The engine fills ``total_tokens`` when it is 0."""

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_write_input_tokens: int = 0
    reasoning_tokens: int = 0
    cache_creation_input_tokens: int = 0

    def normalize(self) -> "TokenUsage":
        """A copy with ``total_tokens`` = input + output when it is 0 (what the engine exports)."""
        total = self.total_tokens or (self.input_tokens + self.output_tokens)
        return TokenUsage(
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            total_tokens=total,
            cache_read_input_tokens=self.cache_read_input_tokens,
            cache_write_input_tokens=self.cache_write_input_tokens,
            reasoning_tokens=self.reasoning_tokens,
            cache_creation_input_tokens=self.cache_creation_input_tokens,
        )


@dataclass(slots=True)
class PartMetadata:
    """Provider-specific details of a part."""

    provider_type: str = ""


@dataclass(slots=True)
class ToolCall:
    """A tool call made by the model. ``input_json`` takes bytes (JSON text) or a JSON value."""

    name: str
    id: str = ""
    input_json: Any = b""


@dataclass(slots=True)
class ToolResult:
    """A tool's answer. ``content_json`` takes bytes (JSON text) or a JSON value."""

    tool_call_id: str = ""
    name: str = ""
    content: str = ""
    content_json: Any = b""
    is_error: bool = False


@dataclass(slots=True)
class Media:
    """A media reference (image, audio, file) in a message."""

    kind: str = ""
    url: str = ""
    mime_type: str = ""
    name: str = ""


@dataclass(slots=True)
class Part:
    """One part of a message; ``kind`` says which payload field is meant."""

    kind: PartKind
    text: str = ""
    thinking: str = ""
    tool_call: Optional[ToolCall] = None
    tool_result: Optional[ToolResult] = None
    metadata: PartMetadata = field(default_factory=PartMetadata)
    media: Optional[Media] = None


@dataclass(slots=True)
class Message:
    """A message of the conversation."""

    role: MessageRole
    parts: list[Part]
    name: str = ""


@dataclass(slots=True)
class Artifact:
    """A raw provider artifact. ``payload`` takes bytes, text or a JSON value."""

    kind: ArtifactKind
    name: str = ""
    content_type: str = ""
    payload: Any = b""
    record_id: str = ""
    uri: str = ""


@dataclass(slots=True)
class GenerationStart:
    """What is known when a generation starts. Empty strings and None mean "not set"."""

    model: ModelRef
    id: str = ""
    conversation_id: str = ""
    conversation_title: str = ""
    user_id: str = ""
    agent_name: str = ""
    agent_version: str = ""
    mode: Optional[GenerationMode] = None
    operation_name: str = ""
    system_prompt: str = ""
    max_tokens: Optional[int] = None
    temperature: Optional[float] = None
    top_p: Optional[float] = None
    tool_choice: Optional[str] = None
    thinking_enabled: Optional[bool] = None
    tools: list[ToolDefinition] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    started_at: Optional[datetime] = None
    # Per-call content capture mode (a ContentCaptureMode or its name); None defers to
    # with_content_capture_mode / the enclosing generation, then the resolver and the client.
    content_capture: Optional[str | ContentCaptureMode] = None


@dataclass(slots=True)
class EmbeddingStart:
    """What is known when an embedding call starts. ``tags`` and ``metadata`` are not recorded."""

    model: ModelRef
    agent_name: str = ""
    agent_version: str = ""
    dimensions: Optional[int] = None
    encoding_format: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    started_at: Optional[datetime] = None
    # Per-call mode; None defers to the resolver and the client (embeddings do not follow
    # with_content_capture_mode or an enclosing generation, as in the reference SDKs).
    content_capture: Optional[str | ContentCaptureMode] = None


@dataclass(slots=True)
class EmbeddingResult:
    """The outcome of an embedding call."""

    input_count: int = 0
    input_tokens: int = 0
    input_texts: list[str] = field(default_factory=list)
    response_model: str = ""
    dimensions: Optional[int] = None


@dataclass(slots=True)
class Generation:
    """A generation's result. Fields set here win over the start's; tags and metadata merge.

    ``trace_id`` and ``span_id`` are always the recorder's span ids on export.
    """

    id: str = ""
    conversation_id: str = ""
    conversation_title: str = ""
    user_id: str = ""
    agent_name: str = ""
    agent_version: str = ""
    mode: Optional[GenerationMode] = None
    operation_name: str = ""
    trace_id: str = ""
    span_id: str = ""
    model: ModelRef = field(default_factory=ModelRef)
    response_id: str = ""
    response_model: str = ""
    system_prompt: str = ""
    max_tokens: Optional[int] = None
    temperature: Optional[float] = None
    top_p: Optional[float] = None
    tool_choice: Optional[str] = None
    thinking_enabled: Optional[bool] = None
    input: list[Message] = field(default_factory=list)
    output: list[Message] = field(default_factory=list)
    tools: list[ToolDefinition] = field(default_factory=list)
    usage: TokenUsage = field(default_factory=TokenUsage)
    stop_reason: str = ""
    started_at: Optional[datetime] = None
    completed_at: Optional[datetime] = None
    tags: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    artifacts: list[Artifact] = field(default_factory=list)
    call_error: str = ""
    parent_generation_ids: list[str] = field(default_factory=list)
    effective_version: str = ""


@dataclass(slots=True)
class ToolExecutionStart:
    """What is known when a tool execution starts. A blank ``tool_name`` gives a no-op recorder."""

    tool_name: str
    tool_call_id: str = ""
    tool_type: str = ""
    tool_description: str = ""
    conversation_id: str = ""
    conversation_title: str = ""
    agent_name: str = ""
    agent_version: str = ""
    request_model: str = ""
    request_provider: str = ""
    include_content: bool = False
    started_at: Optional[datetime] = None
    # Per-call mode; None takes the enclosing generation's mode (or with_content_capture_mode),
    # then the resolver's and the client's.
    content_capture: Optional[str | ContentCaptureMode] = None


@dataclass(slots=True)
class ToolExecutionEnd:
    """A tool's arguments and result: text (JSON or plain) or any JSON value."""

    arguments: Any = None
    result: Any = None
    completed_at: Optional[datetime] = None


@dataclass(slots=True)
class ExportGenerationResult:
    """What the exporter says about one generation of a batch."""

    generation_id: str
    accepted: bool
    error: str = ""


@dataclass(slots=True)
class ExportGenerationsRequest:
    """One batch handed to a custom ``generation_exporter``."""

    generations: list[Generation]


@dataclass(slots=True)
class ExportGenerationsResponse:
    """A custom exporter's answer: one result per generation it refused (others count as accepted)."""

    results: list[ExportGenerationResult] = field(default_factory=list)


@dataclass(slots=True)
class ConversationRatingInput:
    """A rating to submit for a conversation."""

    rating_id: str
    rating: ConversationRatingValue
    comment: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    generation_id: str = ""
    rater_id: str = ""
    source: str = ""


@dataclass(slots=True)
class ConversationRating:
    """A rating as stored by Sigil."""

    rating_id: str
    conversation_id: str
    rating: ConversationRatingValue
    created_at: datetime
    comment: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    generation_id: str = ""
    rater_id: str = ""
    source: str = ""


@dataclass(slots=True)
class ConversationRatingSummary:
    """A conversation's ratings after the submitted one."""

    total_count: int
    good_count: int
    bad_count: int
    latest_rated_at: datetime
    has_bad_rating: bool
    latest_rating: Optional[ConversationRatingValue] = None
    latest_bad_at: Optional[datetime] = None


@dataclass(slots=True)
class SubmitConversationRatingResponse:
    """The answer to ``Client.submit_conversation_rating``."""

    rating: ConversationRating
    summary: ConversationRatingSummary


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(timezone.utc)


def text_part(text: str) -> Part:
    """A text part."""
    return Part(kind=PartKind.TEXT, text=text)


def thinking_part(thinking: str) -> Part:
    """A thinking (reasoning) part."""
    return Part(kind=PartKind.THINKING, thinking=thinking)


def tool_call_part(tool_call: ToolCall) -> Part:
    """A tool-call part."""
    return Part(kind=PartKind.TOOL_CALL, tool_call=tool_call)


def tool_result_part(tool_result: ToolResult) -> Part:
    """A tool-result part."""
    return Part(kind=PartKind.TOOL_RESULT, tool_result=tool_result)


def media_part(media: Media) -> Part:
    """A media part."""
    return Part(kind=PartKind.MEDIA, media=media)


def user_text_message(text: str) -> Message:
    """A user message with one text part."""
    return Message(role=MessageRole.USER, parts=[text_part(text)])


def assistant_text_message(text: str) -> Message:
    """An assistant message with one text part."""
    return Message(role=MessageRole.ASSISTANT, parts=[text_part(text)])


def tool_result_message(tool_call_id: str, content: str) -> Message:
    """A tool message with one tool-result part."""
    return Message(role=MessageRole.TOOL, parts=[tool_result_part(ToolResult(tool_call_id=tool_call_id, content=content))])
