"""Python values <-> the sigil.v1 protojson documents of docs/abi-json.md.

Encoding is a pure shape translation: empty fields are left out (the engine
treats absent and empty alike), enums become their wire names, times become
Unix nanoseconds, and bytes fields become base64 unless the caller handed over
a JSON value, which the ABI accepts as is. Checking what the values mean is
the engine's job. Each document is encoded once, by the C JSON encoder.

Decoding reads the documents the engine hands back (a mapped or an exported
generation) into the same dataclasses: wire enum names become the enums,
int64 strings become ints, RFC 3339 times become UTC datetimes (to the
microsecond), and base64 bytes fields become bytes.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import math
import re
from datetime import date, datetime, timedelta, timezone
from enum import Enum
from typing import Any, Optional

from .errors import _NotRepresentable
from .models import (
    Artifact,
    ArtifactKind,
    EmbeddingResult,
    Generation,
    GenerationMode,
    Media,
    Message,
    MessageRole,
    ModelRef,
    Part,
    PartKind,
    PartMetadata,
    TokenUsage,
    ToolCall,
    ToolDefinition,
    ToolResult,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _default(value: Any) -> Any:
    """JSON for values json cannot encode itself (metadata may hold anything)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return to_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(raw).decode("ascii")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


try:
    # The C encoder, built once (json.dumps builds one per call). No circular-reference check.
    from _json import encode_basestring as _c_escape
    from _json import make_encoder as _c_make_encoder

    _c_encoder = _c_make_encoder(None, _default, _c_escape, None, ":", ",", False, False, True)

    def _encode(value: Any) -> str:
        return "".join(_c_encoder(value, 0))
except ImportError:  # not CPython
    _encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_default).encode


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON. Lone surrogates pass through so the engine reports them as invalid UTF-8."""
    return _encode(value).encode("utf-8", "surrogatepass")


def to_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def ns(value: Optional[datetime]) -> int:
    """Unix nanoseconds (exact to the microsecond); 0 for None. Naive datetimes are UTC;
    instants beyond what int64 nanoseconds hold are clamped to its ends."""
    if value is None:
        return 0
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    d = value - _EPOCH
    v = (d.days * 86400 + d.seconds) * 1_000_000_000 + d.microseconds * 1000
    # Beyond 1677-2262 int64 nanoseconds run out: the nearest end of the
    # range, as the Go and Rust bindings do.
    return max(-_INT64_MAX, min(v, _INT64_MAX))


_INT64_MAX = (1 << 63) - 1


def from_ns(value: int) -> datetime:
    return datetime.fromtimestamp(value // 1_000_000_000, timezone.utc).replace(
        microsecond=(value % 1_000_000_000) // 1000
    )


def cstr(value: str, field: str) -> bytes:
    """A NUL-terminated C string: UTF-8, lone surrogates passed on for the engine to report.

    A NUL inside would end the string there ("victim\\0x" would arrive as "victim"),
    so it is refused, naming the field.
    """
    if "\0" in value:
        raise _NotRepresentable(f"sigil_sdk: {field} holds a NUL character, which a C string cannot carry",
                                   code=1, status="SIGIL_E_INVALID_ARGUMENT")
    return value.encode("utf-8", "surrogatepass")


def utf8(value: Optional[str], field: str) -> Optional[bytes]:
    """A C string for an optional text field: None when empty."""
    if not value:
        return None
    return cstr(value, field)


def _enum(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _wire(table: dict[str, str], value: Any) -> Any:
    """The wire name for an enum member or its value; anything else as given (the engine rejects it)."""
    wire = table.get(value)
    if wire is None and isinstance(value, Enum):
        wire = table.get(value.value, value.value)
    return value if wire is None else wire


def bytes_field(value: Any) -> Any:
    """A sigil.v1 bytes field: base64 for bytes/text, the JSON value itself otherwise, None when empty."""
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(value).decode("ascii") if len(value) else None
    if isinstance(value, str):
        return base64.b64encode(value.encode("utf-8", "surrogatepass")).decode("ascii") if value else None
    return value  # a JSON value (object, array, number, boolean): accepted as is


def _double(value: float) -> Any:
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


_ROLE = {"user": "MESSAGE_ROLE_USER", "assistant": "MESSAGE_ROLE_ASSISTANT", "tool": "MESSAGE_ROLE_TOOL"}
_ROLE.update({MessageRole(k): v for k, v in _ROLE.items()})  # enum members hash by name, not value
_MODE = {"SYNC": "GENERATION_MODE_SYNC", "STREAM": "GENERATION_MODE_STREAM"}
_MODE.update({GenerationMode(k): v for k, v in _MODE.items()})


def part(p: Part) -> dict[str, Any]:
    kind = p.kind  # PartKind members compare equal to their values
    out: dict[str, Any] = {}
    # The payload named by `kind`, plus any other payload that is set, so the
    # engine can report a part that carries more than one.
    if kind == "text" or (p.text and p.text.strip()):
        out["text"] = p.text
    if kind == "thinking" or (p.thinking and p.thinking.strip()):
        out["thinking"] = p.thinking
    tc = p.tool_call
    if tc is not None or kind == "tool_call":
        d: dict[str, Any] = {}
        if tc is not None:
            if tc.id:
                d["id"] = tc.id
            if tc.name:
                d["name"] = tc.name
            j = bytes_field(tc.input_json)
            if j is not None:
                d["input_json"] = j
        out["tool_call"] = d
    tr = p.tool_result
    if tr is not None or kind == "tool_result":
        d = {}
        if tr is not None:
            if tr.tool_call_id:
                d["tool_call_id"] = tr.tool_call_id
            if tr.name:
                d["name"] = tr.name
            if tr.content:
                d["content"] = tr.content
            j = bytes_field(tr.content_json)
            if j is not None:
                d["content_json"] = j
            if tr.is_error:
                d["is_error"] = True
        out["tool_result"] = d
    m = p.media
    if m is not None or kind == "media":
        d = {}
        if m is not None:
            for k in ("kind", "url", "mime_type", "name"):
                v = getattr(m, k)
                if v:
                    d[k] = v
        out["media"] = d
    md = p.metadata
    if md is not None and md.provider_type:
        out["metadata"] = {"provider_type": md.provider_type}
    return out


def message(m: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"role": _wire(_ROLE, m.role), "parts": [part(p) for p in m.parts]}
    if m.name:
        out["name"] = m.name
    return out


def tool(t: ToolDefinition) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if t.name:
        out["name"] = t.name
    if t.description:
        out["description"] = t.description
    if t.type:
        out["type"] = t.type
    schema = bytes_field(t.input_schema_json)
    if schema is not None:
        out["input_schema_json"] = schema
    if t.deferred:
        out["deferred"] = True
    return out


_USAGE_FIELDS = (
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cache_read_input_tokens",
    "cache_write_input_tokens",
    "cache_creation_input_tokens",
    "reasoning_tokens",
)
_STRING_FIELDS = (
    "id",
    "conversation_id",
    "conversation_title",
    "user_id",
    "agent_name",
    "agent_version",
    "operation_name",
    "response_id",
    "response_model",
    "system_prompt",
    "stop_reason",
    "call_error",
)


def generation(g: Generation) -> bytes:
    """The result document for sigil_generation_set_result_json / sigil_validate_generation_json."""
    out: dict[str, Any] = {}
    for k in _STRING_FIELDS:
        v = getattr(g, k)
        if v:
            out[k] = v
    if g.mode is not None:
        out["mode"] = _wire(_MODE, g.mode)
    model = g.model
    if model is not None and (model.provider or model.name):
        out["model"] = {"provider": model.provider, "name": model.name}
    if g.max_tokens is not None:
        out["max_tokens"] = g.max_tokens
    if g.temperature is not None:
        out["temperature"] = _double(g.temperature)
    if g.top_p is not None:
        out["top_p"] = _double(g.top_p)
    if g.tool_choice is not None:
        out["tool_choice"] = g.tool_choice
    if g.thinking_enabled is not None:
        out["thinking_enabled"] = bool(g.thinking_enabled)
    if g.input:
        out["input"] = [message(m) for m in g.input]
    if g.output:
        out["output"] = [message(m) for m in g.output]
    if g.tools:
        out["tools"] = [tool(t) for t in g.tools]
    u = g.usage
    if u is not None:
        usage = {k: getattr(u, k) for k in _USAGE_FIELDS if getattr(u, k)}
        if usage:
            out["usage"] = usage
    if g.started_at is not None:
        out["started_at"] = ns(g.started_at)
    if g.completed_at is not None:
        out["completed_at"] = ns(g.completed_at)
    if g.tags:
        out["tags"] = g.tags
    if g.metadata:
        out["metadata"] = g.metadata
    if g.artifacts:
        out["raw_artifacts"] = [artifact(a) for a in g.artifacts]
    if g.parent_generation_ids:
        out["parent_generation_ids"] = list(g.parent_generation_ids)
    if g.effective_version:
        out["effective_version"] = g.effective_version
    return dumps(out)


def artifact(a: Any) -> dict[str, Any]:
    kind = _enum(a.kind)
    out: dict[str, Any] = {"kind": "ARTIFACT_KIND_" + kind.upper() if isinstance(kind, str) else kind}
    for k in ("name", "content_type", "record_id", "uri"):
        v = getattr(a, k)
        if v:
            out[k] = v
    payload = bytes_field(a.payload)
    if payload is not None:
        out["payload"] = payload
    return out


def tool_content(value: Any) -> Optional[bytes]:
    """Tool arguments or result for sigil_tool_execution_set_result: text as is, anything else as JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return dumps(value)


# --- decoding ------------------------------------------------------------------

_ROLE_OF = {v: MessageRole(k) for k, v in _ROLE.items() if isinstance(k, str)}
_MODE_OF = {v: GenerationMode(k) for k, v in _MODE.items() if isinstance(k, str)}
_RFC3339 = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", re.IGNORECASE)


def _int(value: Any) -> int:
    """A protojson int64 (a number or a decimal string)."""
    return int(value) if value is not None else 0


def _float(value: Any) -> float:
    return float(value)  # also "NaN", "Infinity", "-Infinity"


def _bytes(value: Any) -> Any:
    """A bytes field: base64 text -> bytes; a JSON value (the ABI's extension) as given."""
    if isinstance(value, str):
        return base64.b64decode(value)
    return b"" if value is None else value


def from_time(value: Any) -> Optional[datetime]:
    """An RFC 3339 string or Unix nanoseconds (number or string) -> a UTC datetime; None when absent."""
    if value is None or value == "" or value == 0:
        return None
    if isinstance(value, (int, float)) or str(value).lstrip("-").isdigit():
        return from_ns(int(value))
    m = _RFC3339.fullmatch(str(value))
    if m is None:
        raise ValueError(f"not an RFC 3339 time: {value!r}")
    base, fraction, zone = m.groups()
    t = datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    if fraction:
        t = t.replace(microsecond=int(fraction[:6].ljust(6, "0")))
    if zone.upper() != "Z":
        sign = 1 if zone[0] == "+" else -1
        t -= sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    return t


def decode_part(d: dict[str, Any]) -> Part:
    md = d.get("metadata") or {}
    meta = PartMetadata(provider_type=md.get("provider_type", ""))
    if "thinking" in d:
        return Part(kind=PartKind.THINKING, thinking=d["thinking"], metadata=meta)
    if "tool_call" in d:
        tc = d["tool_call"] or {}
        call = ToolCall(name=tc.get("name", ""), id=tc.get("id", ""), input_json=_bytes(tc.get("input_json")))
        return Part(kind=PartKind.TOOL_CALL, tool_call=call, metadata=meta)
    if "tool_result" in d:
        tr = d["tool_result"] or {}
        result = ToolResult(
            tool_call_id=tr.get("tool_call_id", ""),
            name=tr.get("name", ""),
            content=tr.get("content", ""),
            content_json=_bytes(tr.get("content_json")),
            is_error=bool(tr.get("is_error", False)),
        )
        return Part(kind=PartKind.TOOL_RESULT, tool_result=result, metadata=meta)
    if "media" in d:
        m = d["media"] or {}
        media = Media(kind=m.get("kind", ""), url=m.get("url", ""), mime_type=m.get("mime_type", ""),
                      name=m.get("name", ""))
        return Part(kind=PartKind.MEDIA, media=media, metadata=meta)
    return Part(kind=PartKind.TEXT, text=d.get("text", ""), metadata=meta)


def decode_message(d: dict[str, Any]) -> Message:
    role = d.get("role", "")
    return Message(role=_ROLE_OF.get(role, role), parts=[decode_part(p) for p in d.get("parts") or []],
                   name=d.get("name", ""))


def decode_tool(d: dict[str, Any]) -> ToolDefinition:
    return ToolDefinition(name=d.get("name", ""), description=d.get("description", ""), type=d.get("type", ""),
                          input_schema_json=_bytes(d.get("input_schema_json")), deferred=bool(d.get("deferred")))


def decode_artifact(d: dict[str, Any]) -> Artifact:
    kind = d.get("kind", "")
    name = kind[len("ARTIFACT_KIND_"):].lower() if kind.startswith("ARTIFACT_KIND_") else kind
    try:
        kind = ArtifactKind(name)
    except ValueError:
        pass  # unspecified: kept as the wire gave it
    return Artifact(kind=kind, name=d.get("name", ""), content_type=d.get("content_type", ""),
                    payload=_bytes(d.get("payload")), record_id=d.get("record_id", ""), uri=d.get("uri", ""))


def decode_usage(d: dict[str, Any]) -> TokenUsage:
    return TokenUsage(**{k: _int(d.get(k)) for k in _USAGE_FIELDS})


def decode_generation(doc: Any) -> Generation:
    """A sigil.v1 protojson Generation (dict, JSON text or bytes) -> Generation."""
    d = json.loads(doc) if isinstance(doc, (str, bytes, bytearray)) else doc
    g = Generation(**{k: d[k] for k in _STRING_FIELDS if k in d})
    g.trace_id = d.get("trace_id", "")
    g.span_id = d.get("span_id", "")
    mode = d.get("mode")
    g.mode = _MODE_OF.get(mode) if mode else None
    model = d.get("model") or {}
    g.model = ModelRef(provider=model.get("provider", ""), name=model.get("name", ""))
    if "max_tokens" in d:
        g.max_tokens = _int(d["max_tokens"])
    if "temperature" in d:
        g.temperature = _float(d["temperature"])
    if "top_p" in d:
        g.top_p = _float(d["top_p"])
    g.tool_choice = d.get("tool_choice")
    g.thinking_enabled = d.get("thinking_enabled")
    g.input = [decode_message(m) for m in d.get("input") or []]
    g.output = [decode_message(m) for m in d.get("output") or []]
    g.tools = [decode_tool(t) for t in d.get("tools") or []]
    g.usage = decode_usage(d.get("usage") or {})
    g.started_at = from_time(d.get("started_at"))
    g.completed_at = from_time(d.get("completed_at"))
    g.tags = dict(d.get("tags") or {})
    g.metadata = dict(d.get("metadata") or {})
    g.artifacts = [decode_artifact(a) for a in d.get("raw_artifacts") or d.get("artifacts") or []]
    g.parent_generation_ids = list(d.get("parent_generation_ids") or [])
    g.effective_version = d.get("effective_version", "")
    return g


def decode_embedding_result(doc: Any) -> EmbeddingResult:
    """The engine's mapped embedding document (sigil_provider_map_embedding) -> EmbeddingResult."""
    d = json.loads(doc) if isinstance(doc, (str, bytes, bytearray)) else doc
    dims = d.get("dimensions")
    return EmbeddingResult(
        input_count=_int(d.get("input_count")),
        input_tokens=_int(d.get("input_tokens")),
        input_texts=list(d.get("input_texts") or []),
        response_model=d.get("response_model", ""),
        dimensions=None if dims is None else _int(dims),
    )
