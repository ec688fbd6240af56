#!/usr/bin/env python3
"""The Python conformance driver: the line protocol of conformance/README.md over the public
sigil_sdk API, used the way an application would use it.

One JSON request per line on stdin, one JSON reply per line on stdout; diagnostics go to stderr.
Requests carry values in the sigil.v1 protojson shape; the driver turns them into sigil_sdk
dataclasses (bytes fields given as base64 become bytes, JSON values stay JSON values), sets the
request's "context" with the with_* contextvars helpers around the start call, and turns
exceptions and recorder errors back into the protocol's canonical error names (every sigil_sdk
error carries its name).
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import json
import sys
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import sigil_sdk as sigil

PROTOCOL_VERSION = 1
DEFAULT_TIMEOUT_MS = 5000


class BadRequest(Exception):
    """The request itself is wrong (not an SDK error): answered with ok=false."""

    def __init__(self, message: str, unsupported: bool = False) -> None:
        super().__init__(message)
        self.unsupported = unsupported


class ProviderError(Exception):
    """What a provider client raises: a message and, like most HTTP SDKs, a status_code."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        if status_code:
            self.status_code = status_code


# ---------------------------------------------------------------------------
# Request helpers
# ---------------------------------------------------------------------------


def only(obj: Any, what: str, allowed: set[str]) -> dict[str, Any]:
    """An object whose keys are all known (a typo in a scenario fails loudly)."""
    if obj is None:
        return {}
    if not isinstance(obj, dict):
        raise BadRequest(f"{what} must be an object")
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise BadRequest(f"{what}: unknown key {unknown[0]!r}")
    return obj


def text(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"{key!r} must be a string")
    return value


def integer(obj: dict[str, Any], key: str, default: int | None = None) -> int | None:
    value = obj.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BadRequest(f"{key!r} must be an integer")
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"{key!r} must be an integer") from None


def number(obj: dict[str, Any], key: str) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity"):
        return float(value.replace("Infinity", "inf"))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadRequest(f"{key!r} must be a number")
    return float(value)


def boolean(obj: dict[str, Any], key: str) -> bool | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, bool):
        raise BadRequest(f"{key!r} must be a boolean")
    return value


def bytes_value(value: Any) -> Any:
    """A sigil.v1 bytes field: protojson base64 becomes bytes; a JSON value stays a JSON value."""
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except ValueError:
            raise BadRequest(f"bytes field is not base64: {value[:40]!r}") from None
    return value


def timestamp(value: Any) -> datetime | None:
    """RFC 3339 text or Unix nanoseconds."""
    if value is None:
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
        ns = int(value)
        return datetime.fromtimestamp(ns // 1_000_000_000, timezone.utc) + timedelta(microseconds=ns % 1_000_000_000 // 1000)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def expand_bytes(value: Any) -> Any:
    """{"$bytes": base64} stands for a string holding exactly those bytes (how the protocol carries
    invalid UTF-8). Python strings hold such bytes as lone surrogates, which sigil_sdk passes on."""
    if isinstance(value, dict):
        if len(value) == 1 and "$bytes" in value:
            raw = base64.b64decode(value["$bytes"], validate=True)
            try:
                return raw.decode("utf-8", "surrogatepass")
            except UnicodeDecodeError:
                return raw.decode("utf-8", "surrogateescape")
        return {k: expand_bytes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expand_bytes(v) for v in value]
    return value


@contextlib.contextmanager
def context(values: dict[str, Any], allowed: set[str]):
    """Sets the request's context values the way an application does: with the with_* helpers."""
    values = only(values, "context", allowed)
    helpers: dict[str, Callable[[str], Any]] = {
        "conversation_id": sigil.with_conversation_id,
        "conversation_title": sigil.with_conversation_title,
        "user_id": sigil.with_user_id,
        "agent_name": sigil.with_agent_name,
        "agent_version": sigil.with_agent_version,
        "parent_traceparent": sigil.with_parent_traceparent,
    }
    with contextlib.ExitStack() as stack:
        for key, value in values.items():
            if key in ("parent_span", "headers"):
                continue  # Driver.in_context: the span's (or the extracted) contextvars context
            if value is not None:
                stack.enter_context(helpers[key](text(values, key)))
        yield


# ---------------------------------------------------------------------------
# protojson -> sigil_sdk dataclasses
# ---------------------------------------------------------------------------

ROLES = {"MESSAGE_ROLE_USER": sigil.MessageRole.USER, "MESSAGE_ROLE_ASSISTANT": sigil.MessageRole.ASSISTANT,
         "MESSAGE_ROLE_TOOL": sigil.MessageRole.TOOL, "user": sigil.MessageRole.USER,
         "assistant": sigil.MessageRole.ASSISTANT, "tool": sigil.MessageRole.TOOL}
MODES = {"GENERATION_MODE_SYNC": sigil.GenerationMode.SYNC, "GENERATION_MODE_STREAM": sigil.GenerationMode.STREAM,
         "SYNC": sigil.GenerationMode.SYNC, "STREAM": sigil.GenerationMode.STREAM}
ARTIFACT_KINDS = {"ARTIFACT_KIND_" + k.name: k for k in sigil.ArtifactKind}


def model_ref(obj: Any) -> sigil.ModelRef:
    obj = only(obj, "model", {"provider", "name"})
    return sigil.ModelRef(provider=text(obj, "provider"), name=text(obj, "name"))


def tool_definition(obj: Any) -> sigil.ToolDefinition:
    obj = only(obj, "tool", {"name", "description", "type", "input_schema_json", "deferred"})
    return sigil.ToolDefinition(name=text(obj, "name"), description=text(obj, "description"), type=text(obj, "type"),
                                input_schema_json=bytes_value(obj.get("input_schema_json", b"")),
                                deferred=bool(obj.get("deferred", False)))


def part(obj: Any) -> sigil.Part:
    obj = only(obj, "part", {"text", "thinking", "tool_call", "tool_result", "media", "metadata"})
    metadata = sigil.PartMetadata(provider_type=text(only(obj.get("metadata"), "part.metadata", {"provider_type"}),
                                                     "provider_type"))
    if "text" in obj:
        return sigil.Part(kind=sigil.PartKind.TEXT, text=text(obj, "text"), metadata=metadata)
    if "thinking" in obj:
        return sigil.Part(kind=sigil.PartKind.THINKING, thinking=text(obj, "thinking"), metadata=metadata)
    if "tool_call" in obj:
        tc = only(obj["tool_call"], "tool_call", {"id", "name", "input_json"})
        call = sigil.ToolCall(id=text(tc, "id"), name=text(tc, "name"), input_json=bytes_value(tc.get("input_json", b"")))
        return sigil.Part(kind=sigil.PartKind.TOOL_CALL, tool_call=call, metadata=metadata)
    if "tool_result" in obj:
        tr = only(obj["tool_result"], "tool_result", {"tool_call_id", "name", "content", "content_json", "is_error"})
        result = sigil.ToolResult(tool_call_id=text(tr, "tool_call_id"), name=text(tr, "name"),
                                  content=text(tr, "content"), content_json=bytes_value(tr.get("content_json", b"")),
                                  is_error=bool(tr.get("is_error", False)))
        return sigil.Part(kind=sigil.PartKind.TOOL_RESULT, tool_result=result, metadata=metadata)
    if "media" in obj:
        m = only(obj["media"], "media", {"kind", "url", "mime_type", "name"})
        media = sigil.Media(kind=text(m, "kind"), url=text(m, "url"), mime_type=text(m, "mime_type"), name=text(m, "name"))
        return sigil.Part(kind=sigil.PartKind.MEDIA, media=media, metadata=metadata)
    raise BadRequest("a part needs one of text, thinking, tool_call, tool_result, media")


def message(obj: Any) -> sigil.Message:
    obj = only(obj, "message", {"role", "name", "parts"})
    role = obj.get("role")
    if role not in ROLES:
        raise BadRequest(f"unknown role {role!r}")
    return sigil.Message(role=ROLES[role], name=text(obj, "name"), parts=[part(p) for p in obj.get("parts") or []])


def token_usage(obj: Any) -> sigil.TokenUsage:
    fields = {"input_tokens", "output_tokens", "total_tokens", "cache_read_input_tokens", "cache_write_input_tokens",
              "cache_creation_input_tokens", "reasoning_tokens"}
    obj = only(obj, "usage", fields)
    return sigil.TokenUsage(**{k: integer(obj, k, 0) for k in obj})


def artifact(obj: Any) -> sigil.Artifact:
    obj = only(obj, "artifact", {"kind", "name", "content_type", "payload", "record_id", "uri"})
    if obj.get("kind") not in ARTIFACT_KINDS:
        raise BadRequest(f"unknown artifact kind {obj.get('kind')!r}")
    return sigil.Artifact(kind=ARTIFACT_KINDS[obj["kind"]], name=text(obj, "name"),
                          content_type=text(obj, "content_type"), payload=bytes_value(obj.get("payload", b"")),
                          record_id=text(obj, "record_id"), uri=text(obj, "uri"))


GENERATION_STRINGS = {"id", "conversation_id", "conversation_title", "user_id", "agent_name", "agent_version",
                      "operation_name", "response_id", "response_model", "system_prompt", "stop_reason", "call_error",
                      "effective_version"}
GENERATION_KEYS = GENERATION_STRINGS | {
    "mode", "model", "input", "output", "tools", "usage", "started_at", "completed_at", "tags", "metadata",
    "raw_artifacts", "max_tokens", "temperature", "top_p", "tool_choice", "thinking_enabled", "parent_generation_ids"}


def generation(obj: Any) -> sigil.Generation:
    obj = only(obj, "result", GENERATION_KEYS)
    g = sigil.Generation(**{k: text(obj, k) for k in GENERATION_STRINGS & set(obj)})
    if obj.get("mode") is not None:
        if obj["mode"] not in MODES:
            raise BadRequest(f"unknown mode {obj['mode']!r}")
        g.mode = MODES[obj["mode"]]
    if obj.get("model") is not None:
        g.model = model_ref(obj["model"])
    g.input = [message(m) for m in obj.get("input") or []]
    g.output = [message(m) for m in obj.get("output") or []]
    g.tools = [tool_definition(t) for t in obj.get("tools") or []]
    if obj.get("usage") is not None:
        g.usage = token_usage(obj["usage"])
    g.started_at = timestamp(obj.get("started_at"))
    g.completed_at = timestamp(obj.get("completed_at"))
    g.tags = dict(obj.get("tags") or {})
    g.metadata = dict(obj.get("metadata") or {})
    g.artifacts = [artifact(a) for a in obj.get("raw_artifacts") or []]
    g.max_tokens = integer(obj, "max_tokens")
    g.temperature = number(obj, "temperature")
    g.top_p = number(obj, "top_p")
    g.tool_choice = obj.get("tool_choice")
    g.thinking_enabled = boolean(obj, "thinking_enabled")
    g.parent_generation_ids = list(obj.get("parent_generation_ids") or [])
    return g


# ---------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------


def error_reply(error: BaseException | None) -> dict[str, Any]:
    """ok=true with the SDK's error (if any) under its canonical name."""
    if error is None:
        return {"ok": True, "error": None, "message": None}
    if isinstance(error, sigil.SigilError):
        return {"ok": True, "error": error.name or "InternalError", "message": str(error)}
    raise error  # not an SDK error: a driver bug, reported on stderr by the main loop


GENERATION_START_KEYS = {"id", "conversation_id", "conversation_title", "user_id", "agent_name", "agent_version",
                         "operation_name", "model", "system_prompt", "max_tokens", "temperature", "top_p",
                         "tool_choice", "thinking_enabled", "tools", "tags", "metadata", "content_capture"}
GENERATION_CONTEXT_KEYS = {"parent_span", "conversation_id", "conversation_title", "user_id", "agent_name", "agent_version",
                           "parent_traceparent"}
TOOL_START_KEYS = {"tool_name", "tool_call_id", "tool_type", "tool_description", "conversation_id",
                   "conversation_title", "agent_name", "agent_version", "request_model", "request_provider",
                   "include_content", "content_capture"}
TOOL_CONTEXT_KEYS = {"parent_span", "conversation_id", "conversation_title", "agent_name", "agent_version", "parent_traceparent"}
SPAN_START_KEYS = {"kind", "name", "conversation_id", "conversation_title", "agent_name", "agent_version",
                   "content_capture"}
SPAN_CONTEXT_KEYS = {"parent_span", "headers", "conversation_id", "agent_name"}
EMBEDDING_START_KEYS = {"model", "agent_name", "agent_version", "dimensions", "encoding_format", "content_capture"}
EMBEDDING_CONTEXT_KEYS = {"agent_name", "agent_version", "parent_traceparent"}
EMBEDDING_RESULT_KEYS = {"input_count", "input_tokens", "response_model", "dimensions", "input_texts"}
CONFIG_KEYS = {"protocol", "endpoint", "api_endpoint", "otlp_endpoint", "headers", "agent_name", "agent_version",
               "user_id", "tags", "batch_size", "flush_interval_ms", "queue_size", "max_retries", "payload_max_bytes"}
RATING_KEYS = {"conversation_id", "rating_id", "rating", "comment", "metadata", "generation_id", "rater_id", "source"}
RATING_VALUES = {"CONVERSATION_RATING_VALUE_GOOD": sigil.ConversationRatingValue.GOOD,
                 "CONVERSATION_RATING_VALUE_BAD": sigil.ConversationRatingValue.BAD,
                 "CONVERSATION_RATING_VALUE_UNSPECIFIED": "CONVERSATION_RATING_VALUE_UNSPECIFIED"}


class Driver:
    def __init__(self) -> None:
        self.client: sigil.Client | None = None
        self.recorders: dict[str, Any] = {}  # alive until exit, like the C driver's handles
        # Per span handle: a contextvars context in which that span is current, so that what
        # "context.parent_span" names starts inside the span, as in a with block or a decorated call.
        self.span_contexts: dict[str, contextvars.Context] = {}

    # -- helpers --

    def need_client(self) -> sigil.Client:
        if self.client is None:
            raise BadRequest("no client: send client.new first")
        return self.client

    def new_handle(self, req: dict[str, Any]) -> str:
        name = text(req, "handle")
        if not name:
            raise BadRequest('"handle" is required')
        if name in self.recorders:
            raise BadRequest(f'handle "{name}" already exists')
        return name

    def recorder(self, req: dict[str, Any], kind: type) -> Any:
        name = text(req, "handle")
        rec = self.recorders.get(name)
        if rec is None:
            raise BadRequest(f'unknown handle "{name}"')
        if not isinstance(rec, kind):
            raise BadRequest(f'handle "{name}" is a different kind of recorder')
        return rec

    def in_context(self, values: Any, allowed: set[str], start: Callable[[], Any]) -> tuple[Any, contextvars.Context]:
        """Runs ``start`` with the request's context applied: inside the span "parent_span" names,
        or inside the trace context extracted from "headers"; returns its result and the context."""
        values = only(values, "context", allowed)
        parent = values.get("parent_span")
        if parent is not None:
            if parent not in self.span_contexts:
                raise BadRequest(f'context.parent_span "{parent}" is not a span handle')
            ctx = self.span_contexts[parent].copy()
        else:
            ctx = contextvars.copy_context()

        def run() -> Any:
            headers = values.get("headers")
            if headers is not None:
                remote = sigil.extract(only(headers, "context.headers", {"traceparent", "tracestate"}))
                if remote is not None:
                    remote.__enter__()  # stays entered in ctx, which only this start uses
            with context(values, allowed):
                return start()

        return ctx.run(run), ctx

    @staticmethod
    def end(rec: Any) -> dict[str, Any]:
        # end() is idempotent in sigil_sdk; the protocol calls a repeated end AlreadyEnded.
        if rec.ended:
            return {"ok": True, "error": "AlreadyEnded", "message": "the recorder was already ended"}
        rec.end()
        err = rec.err()
        # A tool recorder's err() also returns the tool's own failure (as in the reference SDK);
        # only sigil_sdk's errors are local errors.
        return error_reply(err if isinstance(err, sigil.SigilError) else None)

    # -- ops --

    def op_hello(self, req: dict[str, Any]) -> dict[str, Any]:
        return {**error_reply(None), "protocol": PROTOCOL_VERSION, "language": "python",
                "library_version": sigil.engine_version}

    def op_client_new(self, req: dict[str, Any]) -> dict[str, Any]:
        if self.client is not None:
            raise BadRequest("client.new: the driver already has a client")
        cfg = req.get("config")
        try:
            if cfg is None:
                self.client = sigil.Client()  # environment only
                return error_reply(None)
            cfg = only(cfg, "config", CONFIG_KEYS)
            if cfg.get("protocol") not in (None, "grpc", "http", "none"):
                raise BadRequest(f"unknown protocol {cfg['protocol']!r}")
            export = sigil.GenerationExportConfig(
                protocol=cfg.get("protocol"),
                endpoint=cfg.get("endpoint"),
                headers=dict(cfg.get("headers") or {}),
                batch_size=integer(cfg, "batch_size"),
                queue_size=integer(cfg, "queue_size"),
                max_retries=integer(cfg, "max_retries"),
                payload_max_bytes=integer(cfg, "payload_max_bytes"),
            )
            if cfg.get("flush_interval_ms") is not None:
                export.flush_interval = timedelta(milliseconds=integer(cfg, "flush_interval_ms"))
            self.client = sigil.Client(sigil.ClientConfig(
                generation_export=export,
                api=sigil.ApiConfig(endpoint=cfg.get("api_endpoint")),
                otlp_endpoint=text(cfg, "otlp_endpoint"),
                agent_name=text(cfg, "agent_name"),
                agent_version=text(cfg, "agent_version"),
                user_id=text(cfg, "user_id"),
                tags=dict(cfg.get("tags") or {}),
            ))
        except sigil.SigilError as exc:
            return error_reply(exc)
        return error_reply(None)

    def op_client_flush(self, req: dict[str, Any]) -> dict[str, Any]:
        client = self.need_client()
        try:
            client.flush(timeout=integer(req, "timeout_ms", DEFAULT_TIMEOUT_MS) / 1000)
        except sigil.SigilError as exc:
            return error_reply(exc)
        return error_reply(None)

    def op_client_shutdown(self, req: dict[str, Any]) -> dict[str, Any]:
        self.need_client().shutdown(timeout=integer(req, "timeout_ms", DEFAULT_TIMEOUT_MS) / 1000)
        return error_reply(None)

    def op_client_stats(self, req: dict[str, Any]) -> dict[str, Any]:
        return {**error_reply(None), "stats": self.need_client().stats()}

    def op_generation_start(self, req: dict[str, Any]) -> dict[str, Any]:
        name = self.new_handle(req)
        mode = req.get("mode") or "sync"
        if mode not in ("sync", "stream"):
            raise BadRequest(f"unknown mode {mode!r}")
        s = only(req.get("start"), "start", GENERATION_START_KEYS)
        start = sigil.GenerationStart(
            model=model_ref(s.get("model")),
            id=text(s, "id"),
            conversation_id=text(s, "conversation_id"),
            conversation_title=text(s, "conversation_title"),
            user_id=text(s, "user_id"),
            agent_name=text(s, "agent_name"),
            agent_version=text(s, "agent_version"),
            operation_name=text(s, "operation_name"),
            system_prompt=text(s, "system_prompt"),
            max_tokens=integer(s, "max_tokens"),
            temperature=number(s, "temperature"),
            top_p=number(s, "top_p"),
            tool_choice=s.get("tool_choice"),
            thinking_enabled=boolean(s, "thinking_enabled"),
            tools=[tool_definition(t) for t in s.get("tools") or []],
            tags=dict(s.get("tags") or {}),
            metadata=dict(s.get("metadata") or {}),
            content_capture=s.get("content_capture"),
        )
        client = self.need_client()
        begin = client.start_streaming_generation if mode == "stream" else client.start_generation
        self.recorders[name], _ = self.in_context(req.get("context"), GENERATION_CONTEXT_KEYS, lambda: begin(start))
        return error_reply(None)  # problems at start are reported by end()

    def op_generation_set_result(self, req: dict[str, Any]) -> dict[str, Any]:
        rec = self.recorder(req, sigil.GenerationRecorder)
        if not isinstance(req.get("result"), dict):
            raise BadRequest('"result" must be an object')
        return error_reply(rec.set_result(generation(req["result"])))

    def op_generation_set_call_error(self, req: dict[str, Any]) -> dict[str, Any]:
        rec = self.recorder(req, sigil.GenerationRecorder)
        rec.set_call_error(ProviderError(text(req, "message"), integer(req, "http_status", 0)))
        return error_reply(None)

    def op_generation_set_first_token_at(self, req: dict[str, Any]) -> dict[str, Any]:
        rec = self.recorder(req, sigil.GenerationRecorder)
        at = integer(req, "unix_ns", 0)
        rec.set_first_token_at(timestamp(at) if at else datetime.now(timezone.utc))
        return error_reply(None)

    def op_generation_end(self, req: dict[str, Any]) -> dict[str, Any]:
        return self.end(self.recorder(req, sigil.GenerationRecorder))

    # Provider JSON: a string body is the provider's JSON text (passed as is); any other JSON
    # value is passed as a dict/list, which the binding serializes.

    @staticmethod
    def provider_args(req: dict[str, Any]) -> tuple[str, bool]:
        api = req.get("api")
        if not isinstance(api, str):
            raise BadRequest('"api" must be a string')
        return api, bool(boolean(req, "raw_artifacts"))

    @staticmethod
    def body(req: dict[str, Any], key: str) -> Any:
        if req.get(key) is None:
            raise BadRequest(f'"{key}" is required')
        return req[key]

    def op_generation_set_provider_request(self, req: dict[str, Any]) -> dict[str, Any]:
        rec = self.recorder(req, sigil.GenerationRecorder)
        api, raw = self.provider_args(req)
        return error_reply(rec.set_provider_request(api, self.body(req, "body"), raw_artifacts=raw))

    def op_generation_set_provider_response(self, req: dict[str, Any]) -> dict[str, Any]:
        rec = self.recorder(req, sigil.GenerationRecorder)
        api, raw = self.provider_args(req)
        return error_reply(rec.set_provider_response(api, self.body(req, "body"), raw_artifacts=raw))

    def op_generation_add_provider_events(self, req: dict[str, Any]) -> dict[str, Any]:
        rec = self.recorder(req, sigil.GenerationRecorder)
        api, raw = self.provider_args(req)
        events = req.get("events")
        if not isinstance(events, list) or any(e is None for e in events):
            raise BadRequest('"events" must be an array of events')
        first = None
        for event in events:  # every event, as the C driver does; the first error is the answer
            try:
                problem = rec.add_provider_event(api, event, raw_artifacts=raw)
            except sigil.SigilError as exc:
                problem = exc
            first = first or problem
        return error_reply(first)

    def op_generation_set_mapping_error(self, req: dict[str, Any]) -> dict[str, Any]:
        rec = self.recorder(req, sigil.GenerationRecorder)
        return error_reply(rec.set_mapping_error(text(req, "message") or ""))

    def op_embedding_set_provider_result(self, req: dict[str, Any]) -> dict[str, Any]:
        rec = self.recorder(req, sigil.EmbeddingRecorder)
        api, _ = self.provider_args(req)
        if "raw_artifacts" in req:
            raise BadRequest('"raw_artifacts" is not an embedding key')
        return error_reply(rec.set_provider_result(api, req.get("request"), req.get("response")))

    def op_tool_execution_start(self, req: dict[str, Any]) -> dict[str, Any]:
        name = self.new_handle(req)
        s = only(req.get("start"), "start", TOOL_START_KEYS)
        start = sigil.ToolExecutionStart(
            tool_name=text(s, "tool_name"),
            tool_call_id=text(s, "tool_call_id"),
            tool_type=text(s, "tool_type"),
            tool_description=text(s, "tool_description"),
            conversation_id=text(s, "conversation_id"),
            conversation_title=text(s, "conversation_title"),
            agent_name=text(s, "agent_name"),
            agent_version=text(s, "agent_version"),
            request_model=text(s, "request_model"),
            request_provider=text(s, "request_provider"),
            include_content=bool(boolean(s, "include_content")),
            content_capture=s.get("content_capture"),
        )
        client = self.need_client()
        self.recorders[name], _ = self.in_context(req.get("context"), TOOL_CONTEXT_KEYS,
                                                  lambda: client.start_tool_execution(start))
        return error_reply(None)

    def op_tool_execution_set_result(self, req: dict[str, Any]) -> dict[str, Any]:
        rec = self.recorder(req, sigil.ToolExecutionRecorder)
        at = integer(req, "completed_at_unix_ns", 0)
        end = sigil.ToolExecutionEnd(arguments=req.get("arguments"), result=req.get("result"),
                                     completed_at=timestamp(at) if at else None)
        return error_reply(rec.set_result(end))

    def op_tool_execution_set_error(self, req: dict[str, Any]) -> dict[str, Any]:
        rec = self.recorder(req, sigil.ToolExecutionRecorder)
        rec.set_exec_error(ProviderError(text(req, "message"), integer(req, "http_status", 0)))
        return error_reply(None)

    def op_tool_execution_end(self, req: dict[str, Any]) -> dict[str, Any]:
        return self.end(self.recorder(req, sigil.ToolExecutionRecorder))

    def op_embedding_start(self, req: dict[str, Any]) -> dict[str, Any]:
        name = self.new_handle(req)
        s = only(req.get("start"), "start", EMBEDDING_START_KEYS)
        start = sigil.EmbeddingStart(
            model=model_ref(s.get("model")),
            agent_name=text(s, "agent_name"),
            agent_version=text(s, "agent_version"),
            dimensions=integer(s, "dimensions"),
            encoding_format=text(s, "encoding_format"),
            content_capture=s.get("content_capture"),
        )
        client = self.need_client()
        with context(req.get("context"), EMBEDDING_CONTEXT_KEYS):
            self.recorders[name] = client.start_embedding(start)
        return error_reply(None)

    def op_embedding_set_result(self, req: dict[str, Any]) -> dict[str, Any]:
        rec = self.recorder(req, sigil.EmbeddingRecorder)
        r = only(req.get("result"), "result", EMBEDDING_RESULT_KEYS)
        texts = r.get("input_texts") or []
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise BadRequest('"input_texts" must be an array of strings')
        return error_reply(rec.set_result(sigil.EmbeddingResult(
            input_count=integer(r, "input_count", 0),
            input_tokens=integer(r, "input_tokens", 0),
            input_texts=texts,
            response_model=text(r, "response_model"),
            dimensions=integer(r, "dimensions"),
        )))

    def op_embedding_set_call_error(self, req: dict[str, Any]) -> dict[str, Any]:
        rec = self.recorder(req, sigil.EmbeddingRecorder)
        rec.set_call_error(ProviderError(text(req, "message"), integer(req, "http_status", 0)))
        return error_reply(None)

    def op_embedding_end(self, req: dict[str, Any]) -> dict[str, Any]:
        return self.end(self.recorder(req, sigil.EmbeddingRecorder))

    def op_span_start(self, req: dict[str, Any]) -> dict[str, Any]:
        name = self.new_handle(req)
        s = only(req.get("start"), "start", SPAN_START_KEYS)
        client = self.need_client()

        def start() -> Any:
            rec = client.start_span(
                kind=s.get("kind") or "custom", name=text(s, "name"),
                conversation_id=s.get("conversation_id"), conversation_title=s.get("conversation_title"),
                agent_name=s.get("agent_name"), agent_version=s.get("agent_version"),
                content_capture=s.get("content_capture"))
            rec.__enter__()  # current in this handle's context until the driver exits
            return rec

        self.recorders[name], self.span_contexts[name] = self.in_context(req.get("context"), SPAN_CONTEXT_KEYS, start)
        return error_reply(None)

    @staticmethod
    def attribute(value: Any) -> Any:
        """A JSON attribute value: integral numbers are ints (as JavaScript sees them)."""
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, (str, bool, int, float)):
            raise BadRequest("an attribute value must be a string, number or bool")
        return value

    def op_span_set_attribute(self, req: dict[str, Any]) -> dict[str, Any]:
        req = only(req, "request", {"op", "handle", "key", "value", "content"})
        rec = self.recorder(req, sigil.SpanRecorder)
        return error_reply(rec.set_attribute(text(req, "key"), self.attribute(req.get("value")),
                                             content=bool(boolean(req, "content"))))

    def op_span_add_event(self, req: dict[str, Any]) -> dict[str, Any]:
        req = only(req, "request", {"op", "handle", "name", "attributes", "content"})
        rec = self.recorder(req, sigil.SpanRecorder)
        attributes = {k: self.attribute(v) for k, v in (req.get("attributes") or {}).items()}
        return error_reply(rec.add_event(text(req, "name"), attributes, content=bool(boolean(req, "content"))))

    def op_span_set_input(self, req: dict[str, Any]) -> dict[str, Any]:
        req = only(req, "request", {"op", "handle", "value"})
        return error_reply(self.recorder(req, sigil.SpanRecorder).set_input(req.get("value")))

    def op_span_set_output(self, req: dict[str, Any]) -> dict[str, Any]:
        req = only(req, "request", {"op", "handle", "value"})
        return error_reply(self.recorder(req, sigil.SpanRecorder).set_output(req.get("value")))

    def op_span_set_error(self, req: dict[str, Any]) -> dict[str, Any]:
        req = only(req, "request", {"op", "handle", "type", "message"})
        rec = self.recorder(req, sigil.SpanRecorder)
        # An exception of the scenario's type, as an application's would be.
        error_class = type(text(req, "type") or "Exception", (Exception,), {})
        rec.set_error(error_class(text(req, "message")))
        return error_reply(None)

    def op_span_end(self, req: dict[str, Any]) -> dict[str, Any]:
        req = only(req, "request", {"op", "handle"})
        return self.end(self.recorder(req, sigil.SpanRecorder))

    def op_traceparent(self, req: dict[str, Any]) -> dict[str, Any]:
        name = text(req, "handle")
        rec = self.recorders.get(name)
        if rec is None:
            raise BadRequest(f'unknown handle "{name}"')
        tp = rec.traceparent
        if not tp:
            return {"ok": True, "error": "InvalidArgument", "message": "the recorder has no span",
                    "traceparent": None}
        return {**error_reply(None), "traceparent": tp}

    def op_rating_submit(self, req: dict[str, Any]) -> dict[str, Any]:
        client = self.need_client()
        i = only(req.get("input"), "input", RATING_KEYS)
        value = i.get("rating") or "CONVERSATION_RATING_VALUE_UNSPECIFIED"
        if value not in RATING_VALUES:
            raise BadRequest(f"unknown rating value {value!r}")
        rating = sigil.ConversationRatingInput(
            rating_id=text(i, "rating_id"),
            rating=RATING_VALUES[value],
            comment=text(i, "comment"),
            metadata=dict(i.get("metadata") or {}),
            generation_id=text(i, "generation_id"),
            rater_id=text(i, "rater_id"),
            source=text(i, "source"),
        )
        timeout_ms = integer(req, "timeout_ms", 0)
        try:
            response = client.submit_conversation_rating(text(i, "conversation_id"), rating,
                                                         timeout=timeout_ms / 1000 if timeout_ms else None)
        except sigil.SigilError as exc:
            return {**error_reply(exc), "response": None}
        return {**error_reply(None), "response": rating_response(response)}


def rating_response(r: sigil.SubmitConversationRatingResponse) -> dict[str, Any]:
    """What the SDK parsed from the server's answer, in the protocol's shape."""
    def name(value: Any) -> str:
        return value.value if value is not None else "CONVERSATION_RATING_VALUE_UNSPECIFIED"

    rating = r.rating
    return {
        "rating": {
            "rating_id": rating.rating_id,
            "conversation_id": rating.conversation_id,
            "rating": name(rating.rating),
            "comment": rating.comment,
            "metadata": rating.metadata,
            "generation_id": rating.generation_id,
            "rater_id": rating.rater_id,
            "source": rating.source,
            "created_at": rating.created_at.isoformat().replace("+00:00", "Z") if rating.created_at else "",
        },
        "summary": {
            "total_count": r.summary.total_count,
            "good_count": r.summary.good_count,
            "bad_count": r.summary.bad_count,
            "latest_rating": name(r.summary.latest_rating),
            "has_bad_rating": r.summary.has_bad_rating,
        },
    }


def main() -> int:
    sys.stdout.reconfigure(errors="backslashreplace")  # replies may quote invalid UTF-8 back
    driver = Driver()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            if not isinstance(req, dict):
                raise BadRequest("request is not a JSON object")
            req = expand_bytes(req)
            op = req.get("op")
            fn = getattr(driver, "op_" + str(op).replace(".", "_"), None) if isinstance(op, str) else None
            if fn is None:
                raise BadRequest(f'unknown op "{op}"', unsupported=True)
            reply = fn(req)
        except BadRequest as exc:
            reply = {"ok": False, "error": None, "message": str(exc)}
            if exc.unsupported:
                reply["unsupported"] = True
        except sigil.SigilError as exc:
            reply = error_reply(exc)
        except ValueError as exc:  # malformed JSON, base64, timestamps
            reply = {"ok": False, "error": None, "message": f"bad request: {exc}"}
        except Exception as exc:  # noqa: BLE001 - a driver bug: say so, keep serving
            print(f"driver error: {exc!r}", file=sys.stderr)
            reply = {"ok": False, "error": None, "message": f"driver error: {exc!r}"}
        sys.stdout.write(json.dumps(reply, ensure_ascii=False, separators=(",", ":")) + "\n")
        sys.stdout.flush()
    # End of input: end what is still open, then shut the client down (as the C driver frees).
    for rec in driver.recorders.values():
        if not rec.ended:
            rec.end()
    if driver.client is not None:
        driver.client.shutdown(timeout=5.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
