"""The client and its recorders: Python idioms over libsigil's C ABI.

Everything a record means — identity resolution, defaults, validation, SDK
stamping, spans, metrics, batching, retries — happens in the engine. This
module turns dataclasses into start structs and protojson documents, reads
identity defaults from contextvars, maps status codes to exceptions, and owns
handles explicitly: ``Client.shutdown()`` (or ``with Client() as c``) and the
recorders' ``end()`` (or ``with``); ``__del__`` is only a safety net.
"""

from __future__ import annotations

import asyncio
import atexit
import ctypes
import dataclasses
import inspect
import json
import logging
import os
import sys
import threading
import time
import weakref
from ctypes import byref, c_char_p, c_int64, c_size_t, c_void_p
from datetime import datetime, timedelta
from typing import Any, Callable, Optional, Sequence

from . import _encode as enc
from . import _native as N
from .config import ClientConfig
from .context import (
    _agent_name,
    _agent_version,
    _conversation_id,
    _conversation_title,
    _mode_name,
    _current_span,
    _parent_remote,
    _parent_traceparent,
    _parent_tracestate,
    _pop_capture_mode,
    _push_capture_mode,
    _user_id,
    content_capture_mode_from_context,
)
from .errors import (
    RATING_STATUS_ERRORS,
    STATUS_ERRORS,
    ClientShutdownError,
    ConfigError,
    InvalidArgumentError,
    MappingError,
    SigilError,
    _NotRepresentable,
)
from .models import (
    ContentCaptureMode,
    ConversationRating,
    ConversationRatingInput,
    ConversationRatingSummary,
    ConversationRatingValue,
    EmbeddingResult,
    EmbeddingStart,
    ExportGenerationsRequest,
    Generation,
    GenerationMode,
    GenerationStart,
    ToolExecutionEnd,
    ToolExecutionStart,
    SubmitConversationRatingResponse,
)

SDK_NAME = "sdk-python"
DEFAULT_TIMEOUT = 10.0  # seconds, for flush() and shutdown()

_OK = N.SIGIL_OK
_RATING_CODES = {"CONVERSATION_RATING_VALUE_GOOD": N.RATING_GOOD, "CONVERSATION_RATING_VALUE_BAD": N.RATING_BAD}
_RATING_VALUES = {N.RATING_GOOD: ConversationRatingValue.GOOD, N.RATING_BAD: ConversationRatingValue.BAD}
_LOG_LEVELS = {N.LOG_DEBUG: logging.DEBUG, N.LOG_INFO: logging.INFO, N.LOG_WARN: logging.WARNING, N.LOG_ERROR: logging.ERROR}


# --- errors --------------------------------------------------------------------


def _error(status: int, err: c_void_p, table: dict = STATUS_ERRORS) -> SigilError:
    """The exception for a status, taking ownership of the engine's error object."""
    name = N.sigil_status_name(status).decode()
    message = ""
    if err.value:
        message = N.sigil_error_message(err).decode("utf-8", "replace")
        N.sigil_error_free(err)
        err.value = None
    return table.get(status, SigilError)(message or name, code=status, status=name)


def _http_status(error: BaseException) -> int:
    """An HTTP status carried by a provider exception (status, status_code, response.status_code...)."""
    try:
        holders = (error, getattr(error, "response", None), getattr(error, "error", None))
        for holder in holders:
            for attr in ("status", "status_code", "Status", "StatusCode"):
                value = getattr(holder, attr, None)
                if isinstance(value, str) and value.strip().isdigit():
                    value = int(value)
                if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599:
                    return value
    except Exception:  # noqa: BLE001 - foreign objects; a status is only a hint
        pass
    return 0  # the engine looks for a status code in the message


def _call_error_args(error: Any) -> tuple[bytes, int]:
    if isinstance(error, BaseException):
        message = str(error) or type(error).__name__
        return message.encode("utf-8", "surrogatepass"), _http_status(error)
    return str(error).encode("utf-8", "surrogatepass"), 0


# --- trace context -------------------------------------------------------------


def _parent() -> tuple[Optional[bytes], int]:
    """The parent span and whether it is a span of this process (1) or a remote one (0).

    with_parent_traceparent first (remote unless it says otherwise), else the current
    OpenTelemetry span (if in use), local unless its span context arrived from outside.
    """
    tp = _parent_traceparent.get()
    if tp:
        return tp.encode(), int(not _parent_remote.get())
    otel = sys.modules.get("opentelemetry.trace")  # never imported by us: only if the host uses it
    if otel is None:
        return None, 0
    try:
        sc = otel.get_current_span().get_span_context()
        if not sc.is_valid:
            return None, 0
        traceparent = b"00-%032x-%016x-%02x" % (sc.trace_id, sc.span_id, int(sc.trace_flags))
        return traceparent, int(not sc.is_remote)
    except Exception:  # noqa: BLE001
        return None, 0


_TraceparentBuffer = ctypes.c_char * N.TRACEPARENT_BUF


def _traceparent(fn, handle) -> str:
    if not handle:
        return ""
    buf = _TraceparentBuffer()
    return buf.value.decode() if fn(handle, buf, N.TRACEPARENT_BUF) == _OK else ""


_c = enc.utf8  # a C string for an optional text field: None (NULL) when empty


_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


def _int64(value: Any, field: str) -> int:
    """``value`` for an int64 field of the ABI. ctypes would silently wrap an int beyond
    the range (2**70 becomes 0), so that is an error here, as the type makes it in C."""
    v = value.__index__()
    if not _INT64_MIN <= v <= _INT64_MAX:
        raise _NotRepresentable(f"sigil_sdk: {field} {v} is outside the int64 range",
                                   code=N.SIGIL_E_INVALID_ARGUMENT, status="SIGIL_E_INVALID_ARGUMENT")
    return v


def _interruptible(owner: Any, call: Any) -> Any:
    """Runs a blocking engine call so that Ctrl-C still interrupts the caller.

    A signal handler runs only between bytecodes of the main thread, never
    while it waits inside a foreign call; so on the main thread the call runs
    on a helper thread while the caller waits on an Event, which a signal
    does interrupt. The call itself carries on to its own deadline, keeping
    ``owner`` (whose handle it uses) alive until then. Elsewhere it runs
    directly (no signal reaches other threads).
    """
    if threading.current_thread() is not threading.main_thread():
        return call()
    done = threading.Event()
    result: list[Any] = []
    failure: list[BaseException] = []

    def run(_owner: Any) -> None:
        try:
            result.append(call())
        except BaseException as e:  # noqa: BLE001 - handed to the caller
            failure.append(e)
        finally:
            done.set()

    threading.Thread(target=run, args=(owner,), name="sigil-wait", daemon=True).start()
    done.wait()
    if failure:
        raise failure[0]
    return result[0]


def _ms(value: Any) -> int:
    """Milliseconds for an options knob given as timedelta or seconds."""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return max(0, min(int(round(seconds * 1000)), 0xFFFFFFFF))


# --- client --------------------------------------------------------------------

_live_clients: "weakref.WeakSet[Client]" = weakref.WeakSet()


@atexit.register
def _shutdown_live_clients() -> None:
    # The engine's worker threads must be stopped while the interpreter can
    # still run the logger callback.
    for client in list(_live_clients):
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            pass


class Client:
    """Records generations, tool executions and embeddings and exports them in the background.

    Thread-safe and asyncio-safe. Call ``shutdown()`` when done (or use it as
    a context manager); an open client is shut down at interpreter exit.
    """

    def __init__(self, config: Optional[ClientConfig] = None) -> None:
        self._handle = c_void_p()
        self._log_cb = None
        self._lock = threading.Lock()
        self._shut_down = False
        cfg = config if config is not None else ClientConfig()
        self._logger = cfg.logger if cfg.logger is not None else logging.getLogger("sigil_sdk")
        self._exporter = cfg.generation_exporter
        # Framework handlers give their own spans to it too (sigil_sdk.framework_handler).
        self._tracer = cfg.tracer
        # The host pipeline (telemetry_mode "host"/"both"): spans and metrics through the host's tracer and meter.
        self._host = _host_telemetry(cfg, self._logger)
        self._exporter_cb = _exporter_callback(self._exporter) if self._exporter is not None else None

        opts = c_void_p()
        if N.sigil_options_new(byref(opts)) != _OK:
            raise MemoryError("sigil_sdk: cannot allocate options")
        try:
            self._log_cb = _log_callback(self._logger)
            # The engine keeps the callbacks for the client's lifetime; so do we.
            self._privacy_cbs = _privacy_callbacks(cfg)
            _apply_config(opts, cfg, self._log_cb)
            if self._exporter_cb is not None:
                if N.options_set["generation_exporter"](opts, self._exporter_cb, None) != _OK:
                    raise ConfigError("sigil: invalid generation exporter", code=8, status="SIGIL_E_CONFIG")
            _apply_privacy(opts, cfg, self._privacy_cbs)
            _apply_telemetry_mode(opts, cfg, self._host)
            err = c_void_p()
            status = N.sigil_client_new(opts, byref(self._handle), byref(err))
            if status != _OK:
                raise _error(status, err)
        finally:
            N.sigil_options_free(opts)
        _live_clients.add(self)

    # -- recorders --

    def start_generation(self, start: GenerationStart) -> "GenerationRecorder":
        """Starts recording a non-streaming generation (mode SYNC unless ``start.mode`` says otherwise)."""
        return self._start_generation(start, GenerationMode.SYNC)

    def start_streaming_generation(self, start: GenerationStart) -> "GenerationRecorder":
        """Starts recording a streaming generation (mode STREAM unless ``start.mode`` says otherwise)."""
        return self._start_generation(start, GenerationMode.STREAM)

    @staticmethod
    def _generation_struct(start: GenerationStart) -> Any:
        # Only what is set is written: a ctypes field write costs about as much as the C call.
        s = N.GenerationStart(N.GENERATION_START_VERSION)
        if start.id:
            s.id = _c(start.id, "id")
        if start.conversation_id:
            s.conversation_id = _c(start.conversation_id, "conversation_id")
        if start.conversation_title:
            s.conversation_title = _c(start.conversation_title, "conversation_title")
        if start.user_id:
            s.user_id = _c(start.user_id, "user_id")
        if start.agent_name:
            s.agent_name = _c(start.agent_name, "agent_name")
        if start.agent_version:
            s.agent_version = _c(start.agent_version, "agent_version")
        if start.operation_name:
            s.operation_name = _c(start.operation_name, "operation_name")
        model = start.model
        if model is not None:
            if model.provider:
                s.model_provider = _c(model.provider, "model_provider")
            if model.name:
                s.model_name = _c(model.name, "model_name")
        if start.system_prompt:
            s.system_prompt = _c(start.system_prompt, "system_prompt")
        if start.max_tokens is not None:
            s.has_max_tokens, s.max_tokens = 1, _int64(start.max_tokens, "max_tokens")
        if start.temperature is not None:
            s.has_temperature, s.temperature = 1, start.temperature
        if start.top_p is not None:
            s.has_top_p, s.top_p = 1, start.top_p
        if start.tool_choice is not None:
            s.tool_choice = enc.cstr(start.tool_choice, "tool_choice")
        if start.thinking_enabled is not None:
            s.has_thinking_enabled, s.thinking_enabled = 1, int(bool(start.thinking_enabled))
        if start.tools:
            doc = enc.dumps([enc.tool(t) for t in start.tools])
            s.tools_json, s.tools_json_len = doc, len(doc)
        if start.tags:
            doc = enc.dumps(start.tags)
            s.tags_json, s.tags_json_len = doc, len(doc)
        if start.metadata:
            doc = enc.dumps(start.metadata)
            s.metadata_json, s.metadata_json_len = doc, len(doc)
        if start.started_at is not None:
            s.started_at_ns = enc.ns(start.started_at)
        s.content_capture = _record_capture_mode(start.content_capture)
        # Context values: the engine applies them below explicit fields.
        v = _conversation_id.get()
        if v:
            s.context_conversation_id = _c(v, "conversation_id")
        v = _conversation_title.get()
        if v:
            s.context_conversation_title = _c(v, "conversation_title")
        v = _user_id.get()
        if v:
            s.context_user_id = _c(v, "user_id")
        v = _agent_name.get()
        if v:
            s.context_agent_name = _c(v, "agent_name")
        v = _agent_version.get()
        if v:
            s.context_agent_version = _c(v, "agent_version")
        tp, local = _parent()
        if tp:
            s.parent_traceparent, s.parent_is_local = tp, local
        return s

    def _start_recorder(self, start: Any, struct: Callable[[Any], Any], empty: Callable[[], Any],
                        fn: Callable[..., int], recorder_class: type, kind: str = "", name: str = "",
                        parent: Any = None) -> Any:
        """Starts a recorder of any kind; never raises. A start problem (including a shut-down client) is
        kept by the recorder and reported by end(); so is a value C cannot receive (a NUL inside a
        string, an int beyond int64), and the record is then not exported."""
        refused: Optional[InvalidArgumentError] = None
        try:
            s = struct(start)
        except _NotRepresentable as e:
            s, refused = empty(), e
        out = c_void_p()
        handle = self._live_handle()
        host_span = self._start_host_span(s, kind, name, parent) if self._host is not None and kind else None
        fn(handle, byref(s), byref(out))
        recorder = recorder_class(self, out)
        recorder._host_span = host_span
        if refused is not None:
            recorder._refuse(refused)
        return recorder

    def _start_host_span(self, s: Any, kind: str, name: str, parent: Any = None) -> Any:
        """Starts the recorder's span through the host tracer and gives its ids and start time to the
        engine, so the record, the engine's span and the host span are one span. ``parent`` is
        (traceparent or None, remote) when the caller chose the parent itself (a span's explicit or
        root parent); None for the context's."""
        if not s.started_at_ns:
            s.started_at_ns = time.time_ns()
        if parent is None:
            explicit, remote, root = _parent_traceparent.get(), _parent_remote.get(), False
        else:
            (explicit, remote), root = parent, parent[0] is None
        try:
            span, own = self._host.start_span(kind, name, s.started_at_ns, explicit.encode() if explicit else None,
                                              remote, root=root)
        except Exception:  # noqa: BLE001 - the host's tracer must not break recording
            self._logger.exception("sigil: starting a span with the host tracer failed")
            return None
        if own is None:
            return None  # no span of the tracer's own (a no-op tracer): the engine's span stands alone
        s.span_traceparent = own
        return span

    def _start_generation(self, start: GenerationStart, default_mode: GenerationMode) -> "GenerationRecorder":
        mode = start.mode if start.mode is not None else default_mode
        fn = N.sigil_generation_start_streaming if mode == "STREAM" else N.sigil_generation_start
        op = start.operation_name or ("streamText" if mode == "STREAM" else "generateText")
        recorder = self._start_recorder(start, self._generation_struct,
                                        lambda: N.GenerationStart(N.GENERATION_START_VERSION), fn, GenerationRecorder,
                                        "generation", _span_name(op, start.model.name if start.model else ""))
        if recorder._handle:
            # Until it ends, the tool executions started in this context follow
            # this generation's mode (the reference's parent-generation layer).
            _push_capture_mode(recorder)
            recorder._pushed = True
        return recorder

    @staticmethod
    def _tool_execution_struct(start: Any) -> Any:
        s = N.ToolExecutionStart()
        s.version = N.TOOL_EXECUTION_START_VERSION
        u = enc.utf8
        s.tool_name = u(start.tool_name, "tool_name")
        s.tool_call_id = u(start.tool_call_id, "tool_call_id")
        s.tool_type = u(start.tool_type, "tool_type")
        s.tool_description = u(start.tool_description, "tool_description")
        s.conversation_id = u(start.conversation_id, "conversation_id")
        s.conversation_title = u(start.conversation_title, "conversation_title")
        s.agent_name = u(start.agent_name, "agent_name")
        s.agent_version = u(start.agent_version, "agent_version")
        s.request_model = u(start.request_model, "request_model")
        s.request_provider = u(start.request_provider, "request_provider")
        s.include_content = int(bool(start.include_content))
        s.content_capture = _record_capture_mode(start.content_capture)
        if start.started_at is not None:
            s.started_at_ns = enc.ns(start.started_at)
        s.context_conversation_id = u(_conversation_id.get(), "conversation_id")
        s.context_conversation_title = u(_conversation_title.get(), "conversation_title")
        s.context_agent_name = u(_agent_name.get(), "agent_name")
        s.context_agent_version = u(_agent_version.get(), "agent_version")
        s.parent_traceparent, s.parent_is_local = _parent()
        return s

    def start_tool_execution(self, start: ToolExecutionStart) -> "ToolExecutionRecorder":
        """Starts recording a tool execution (a span and metrics; nothing is exported as a generation)."""
        return self._start_recorder(start, self._tool_execution_struct,
                                    lambda: N.ToolExecutionStart(N.TOOL_EXECUTION_START_VERSION),
                                    N.sigil_tool_execution_start, ToolExecutionRecorder,
                                    "tool", _span_name("execute_tool", start.tool_name or "unknown"))

    @staticmethod
    def _embedding_struct(start: Any) -> Any:
        s = N.EmbeddingStart()
        s.version = N.EMBEDDING_START_VERSION
        u = enc.utf8
        model = start.model
        if model is not None:
            s.model_provider = u(model.provider, "model_provider")
            s.model_name = u(model.name, "model_name")
        s.agent_name = u(start.agent_name, "agent_name")
        s.agent_version = u(start.agent_version, "agent_version")
        if start.dimensions is not None:
            s.has_dimensions, s.dimensions = 1, _int64(start.dimensions, "dimensions")
        s.encoding_format = u(start.encoding_format, "encoding_format")
        if start.content_capture:
            s.content_capture = _capture_mode(start.content_capture)
        if start.started_at is not None:
            s.started_at_ns = enc.ns(start.started_at)
        s.context_agent_name = u(_agent_name.get(), "agent_name")
        s.context_agent_version = u(_agent_version.get(), "agent_version")
        s.parent_traceparent, s.parent_is_local = _parent()
        return s

    def start_embedding(self, start: EmbeddingStart) -> "EmbeddingRecorder":
        """Starts recording an embedding call (a span and metrics; nothing is exported as a generation)."""
        return self._start_recorder(start, self._embedding_struct,
                                    lambda: N.EmbeddingStart(N.EMBEDDING_START_VERSION),
                                    N.sigil_embedding_start, EmbeddingRecorder,
                                    "embedding", _span_name("embeddings", start.model.name if start.model else ""))

    def start_span(self, kind: str = "custom", name: str = "", *, conversation_id: Optional[str] = None,
                   conversation_title: Optional[str] = None, agent_name: Optional[str] = None,
                   agent_version: Optional[str] = None, started_at: Optional[datetime] = None,
                   content_capture: Any = None, parent: Optional[str] = None, tracestate: Optional[str] = None,
                   remote_parent: bool = True, root: bool = False) -> "SpanRecorder":
        """Starts a span of an application step: ``kind`` is "agent", "chain", "retriever", "workflow",
        "task" or "custom" (docs/agent-tracing.md). Its parent is ``parent`` (a traceparent; remote unless
        ``remote_parent=False``), else the current span of this context; ``root=True`` starts a new trace
        unless the context holds a propagated (remote) parent. Use as a context manager or call end()."""
        code = N.STEP_KINDS.get(str(kind).strip().lower())
        if code is None:
            raise ValueError(f"sigil: unknown span kind {kind!r} (one of {', '.join(N.STEP_KINDS)})")

        def struct(_start: Any) -> Any:
            s = N.SpanStart()
            s.version = N.SPAN_START_VERSION
            s.kind = code
            u = enc.utf8
            s.name = u(name, "name")
            s.conversation_id = u(conversation_id, "conversation_id")
            s.conversation_title = u(conversation_title, "conversation_title")
            s.agent_name = u(agent_name, "agent_name")
            s.agent_version = u(agent_version, "agent_version")
            if started_at is not None:
                s.started_at_ns = enc.ns(started_at)
            s.content_capture = _record_capture_mode(content_capture)
            s.context_conversation_id = u(_conversation_id.get(), "conversation_id")
            s.context_conversation_title = u(_conversation_title.get(), "conversation_title")
            s.context_agent_name = u(_agent_name.get(), "agent_name")
            s.context_agent_version = u(_agent_version.get(), "agent_version")
            if chosen is not None and chosen[0]:
                s.parent_traceparent, s.parent_is_local = chosen[0].encode(), int(not chosen[1])
                s.parent_tracestate = u(tracestate if parent else _parent_tracestate.get(), "tracestate")
            elif chosen is None:
                tp, local = _parent()
                if tp:
                    s.parent_traceparent, s.parent_is_local = tp, local
                    s.parent_tracestate = u(_parent_tracestate.get(), "tracestate")
            return s

        # The parent chosen here, as (traceparent or None for a new trace, remote); None: the context's.
        chosen: Optional[tuple[Optional[str], bool]] = None
        if parent:
            chosen = (parent, remote_parent)
        elif root:
            propagated = _parent_traceparent.get() if _parent_remote.get() else None
            chosen = (propagated or None, True)
        return self._start_recorder(None, struct, lambda: N.SpanStart(N.SPAN_START_VERSION), N.sigil_span_start,
                                    SpanRecorder, "span", name or str(kind), chosen)

    def _live_handle(self) -> c_void_p:
        if not self._handle:
            raise ClientShutdownError("sigil: client is shut down", code=5, status="SIGIL_E_SHUTDOWN")
        return self._handle

    # -- ratings --

    def submit_conversation_rating(
        self, conversation_id: str, rating: ConversationRatingInput, *, timeout: Optional[float] = None
    ) -> SubmitConversationRatingResponse:
        """Sends a rating to the Sigil API now (blocking, at most ``timeout`` seconds, default 10).

        Raises ValidationError (invalid input, or refused by the server as
        invalid), RatingConflictError, RatingTransportError or ClientShutdownError.
        """
        u = enc.utf8
        value = rating.rating.value if isinstance(rating.rating, ConversationRatingValue) else str(rating.rating)
        inp = N.RatingInput()
        inp.version = N.RATING_INPUT_VERSION
        inp.conversation_id = u(conversation_id, "conversation_id") or b""
        inp.rating_id = u(rating.rating_id, "rating_id") or b""
        inp.rating = _RATING_CODES.get(value.strip(), N.RATING_UNSPECIFIED)
        inp.comment = u(rating.comment, "comment")
        if rating.metadata:
            doc = enc.dumps(rating.metadata)
            inp.metadata_json, inp.metadata_json_len = doc, len(doc)
        inp.generation_id = u(rating.generation_id, "generation_id")
        inp.rater_id = u(rating.rater_id, "rater_id")
        inp.source = u(rating.source, "source")

        out, err = c_void_p(), c_void_p()
        status = N.sigil_client_submit_rating(
            self._live_handle(), byref(inp), 0 if timeout is None else max(1, _ms(timeout)), byref(out), byref(err)
        )
        if status != _OK:
            raise _error(status, err, RATING_STATUS_ERRORS)
        try:
            return _rating_response(out)
        finally:
            N.sigil_rating_result_free(out)

    def submit_score(
        self,
        *,
        generation_id: str,
        evaluator_id: str,
        evaluator_version: str,
        key: str,
        value: "float | int | bool | str",
        score_id: Optional[str] = None,
        conversation_id: Optional[str] = None,
        trace_id: Optional[str] = None,
        span_id: Optional[str] = None,
        passed: Optional[bool] = None,
        label: Optional[str] = None,
        rationale: Optional[str] = None,
        metadata: Optional[dict[str, Any]] = None,
        created_at: Optional[datetime] = None,
    ) -> str:
        """Queues an evaluation score for a generation; returns its score id (generated when not given).

        The value's type picks its kind: bool, int/float (number) or str. Scores are batched and
        retried in the background; the score id is the idempotency key. Raises ValidationError
        for invalid input (nothing is queued), QueueFullError, ClientShutdownError.
        """
        u = enc.utf8
        s = N.Score()
        s.version = N.SCORE_VERSION
        s.score_id = u(score_id, "score_id")
        s.generation_id = u(generation_id, "generation_id")
        s.conversation_id = u(conversation_id, "conversation_id")
        s.trace_id = u(trace_id, "trace_id")
        s.span_id = u(span_id, "span_id")
        s.evaluator_id = u(evaluator_id, "evaluator_id")
        s.evaluator_version = u(evaluator_version, "evaluator_version")
        s.key = u(key, "key")
        if isinstance(value, bool):
            s.value_kind, s.bool_value = N.SCORE_VALUE_BOOL, int(value)
        elif isinstance(value, (int, float)):
            s.value_kind, s.number_value = N.SCORE_VALUE_NUMBER, float(value)
        elif isinstance(value, str):
            s.value_kind, s.string_value = N.SCORE_VALUE_STRING, u(value, "value")
        # any other type stays kind 0, which the engine refuses with a ValidationError
        s.passed = N.SCORE_PASSED_UNSET if passed is None else (N.SCORE_PASSED_TRUE if passed else N.SCORE_PASSED_FALSE)
        s.label = u(label, "label")
        s.rationale = u(rationale, "rationale")
        if metadata:
            doc = enc.dumps(metadata)
            s.metadata_json, s.metadata_json_len = doc, len(doc)
        s.created_at_ns = enc.ns(created_at)
        out, err = c_void_p(), c_void_p()
        status = N.sigil_client_submit_score(self._live_handle(), byref(s), byref(out), byref(err))
        if status != _OK:
            raise _error(status, err)
        try:
            return ctypes.string_at(out).decode("utf-8")
        finally:
            N.sigil_string_free(out)

    # -- lifecycle --

    def flush(self, timeout: Optional[float] = None) -> None:
        """Waits until everything recorded so far is delivered or dropped (default deadline 10 s).

        Raises SigilTimeoutError when the deadline passes, ClientShutdownError after shutdown.
        """
        handle, ms, err = self._live_handle(), _ms(DEFAULT_TIMEOUT if timeout is None else timeout), c_void_p()
        status = _interruptible(self, lambda: N.sigil_client_flush(handle, ms, byref(err)))
        if status != _OK:
            raise _error(status, err)

    def shutdown(self, timeout: Optional[float] = None) -> None:
        """Stops accepting records and flushes within ``timeout`` seconds (default 10). Idempotent.

        What cannot be delivered in time is dropped, counted in ``stats()`` and
        logged; shutdown itself never raises.
        """
        with self._lock:
            if self._shut_down or not self._handle:
                return
            self._shut_down = True
        handle, ms, err = self._handle, _ms(DEFAULT_TIMEOUT if timeout is None else timeout), c_void_p()
        status = _interruptible(self, lambda: N.sigil_client_shutdown(handle, ms, byref(err)))
        if status != _OK:
            self._logger.warning("sigil: shutdown: %s", _error(status, err))
        _live_clients.discard(self)
        # As the reference does: the custom exporter is shut down after the last batch reached it.
        shutdown_fn = getattr(self._exporter, "shutdown", None)
        if callable(shutdown_fn):
            try:
                _run(shutdown_fn())
            except Exception as exc:  # noqa: BLE001 - shutdown never raises
                self._logger.warning("sigil generation exporter shutdown failed: %s", exc)

    close = shutdown

    def stats(self) -> dict[str, int]:
        """Export counters since the client started (extension)."""
        out = N.Stats()
        out.version = N.STATS_VERSION
        if self._handle:
            N.sigil_client_stats(self._handle, byref(out))
        return {name: getattr(out, name) for name, _ in N.Stats._fields_[1:]}

    def metrics_snapshot(self) -> dict[str, Any]:
        """The aggregated GenAI histograms as a dict (extension; see sigil_client_metrics_snapshot)."""
        out, n, err = c_void_p(), c_size_t(), c_void_p()
        status = N.sigil_client_metrics_snapshot(self._live_handle(), byref(out), byref(n), byref(err))
        if status != _OK:
            raise _error(status, err)
        try:
            return json.loads(ctypes.string_at(out, n.value))
        finally:
            N.sigil_metrics_snapshot_free(out)

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()

    def __del__(self) -> None:
        # Safety net only: frees the engine client (which shuts it down first).
        handle = getattr(self, "_handle", None)
        if handle:
            try:
                N.sigil_client_free(handle)
            except Exception:  # noqa: BLE001 - interpreter teardown
                pass
            self._handle = c_void_p()


def _log_callback(logger: logging.Logger):
    def log(_user_data, level, message, length):
        try:
            logger.log(_LOG_LEVELS.get(level, logging.WARNING), "%s",
                       ctypes.string_at(message, length).decode("utf-8", "replace"))
        except Exception:  # noqa: BLE001 - never raise into the engine
            pass

    return N.LOG_FN(log)


def _run(value: Any) -> Any:
    """A coroutine's (or other awaitable's) result, run to completion on this thread; anything else as is."""
    if inspect.isawaitable(value):
        async def wait() -> Any:
            return await value

        return asyncio.run(wait())
    return value


def _exporter_callback(exporter: Any):
    """The engine's exporter callback over a reference-style exporter (``export_generations(request)``,
    sync or async). Runs on the export worker. Raising fails the attempt, which the engine retries."""
    export = getattr(exporter, "export_generations", None)
    if not callable(export):
        raise ConfigError("sigil: generation_exporter needs an export_generations(request) method", code=8,
                          status="SIGIL_E_CONFIG")

    def call(_user_data, json_ptr, length, results) -> int:
        try:
            doc = json.loads(ctypes.string_at(json_ptr, length))
            request = ExportGenerationsRequest(
                generations=[enc.decode_generation(g) for g in doc.get("generations") or []])
            response = _run(export(request))
            for item in getattr(response, "results", None) or []:
                gid = str(item.generation_id).encode("utf-8", "replace")
                error = str(getattr(item, "error", "") or "").encode("utf-8", "replace")
                N.sigil_export_results_add(results, gid, len(gid), int(bool(item.accepted)), error, len(error))
            return _OK
        except BaseException as exc:  # noqa: BLE001 - never raise into the engine
            message = f"generation exporter failed: {type(exc).__name__}: {exc}".encode("utf-8", "replace")
            N.sigil_export_results_set_message(results, message, len(message))
            return N.SIGIL_E_TRANSPORT

    return N.EXPORTER_FN(call)


def _capture_mode(mode: Any) -> int:
    code = N.CONTENT_CAPTURE_MODES.get(_mode_name(mode))
    if code is None:
        raise InvalidArgumentError(f"sigil: unknown content capture mode {mode!r}", code=1,
                                   status="SIGIL_E_INVALID_ARGUMENT")
    return code


def _record_capture_mode(per_call: Any) -> int:
    """A generation's or tool execution's mode for the engine: its own, else the
    context's (with_content_capture_mode or the enclosing generation), else
    DEFAULT (the resolver and the client decide)."""
    if per_call:
        code = _capture_mode(per_call)
        if code != 0:
            return code
    inherited = content_capture_mode_from_context()
    return N.CONTENT_CAPTURE_MODES.get(inherited, 0) if inherited else 0


def _privacy_callbacks(cfg: ClientConfig) -> dict:
    """ctypes trampolines for the resolver and the sanitizer; any exception fails closed."""
    cbs: dict = {}
    resolver = cfg.content_capture_resolver
    if resolver is not None:
        def resolve(_user_data, kind, md, md_len, mode_out):
            try:
                metadata = json.loads(ctypes.string_at(md, md_len)) if md and md_len else {}
                mode = resolver(N.RECORD_KINDS.get(kind, "generation"), metadata)
                mode_out[0] = 0 if mode is None else N.CONTENT_CAPTURE_MODES[_mode_name(mode)]
                return 0
            except BaseException:  # noqa: BLE001 - the engine treats failure as metadata_only
                return 1

        cbs["resolver"] = N.RESOLVER_FN(resolve)
    sanitizer = cfg.sanitizer
    if sanitizer is not None:
        def sanitize(_user_data, path, path_len, value, value_len, out):
            try:
                text = ctypes.string_at(value, value_len).decode("utf-8")
                replacement = sanitizer(ctypes.string_at(path, path_len).decode("utf-8"), text)
                if replacement is not None and replacement != text:
                    raw = replacement.encode("utf-8")
                    if N.sigil_sanitized_set(out, raw, len(raw)) != _OK:
                        return 1
                return 0
            except BaseException:  # noqa: BLE001 - the engine redacts the value
                return 1

        cbs["sanitizer"] = N.SANITIZER_FN(sanitize)
    return cbs


def _redaction_bits(value: Any) -> int:
    """"all", "none", a comma list, or a list of category names -> SIGIL_REDACT_* bits."""
    if isinstance(value, str):
        if value.strip().lower() == "all":
            return N.REDACT_ALL
        if value.strip().lower() == "none":
            return 0
        value = [v for v in value.split(",") if v.strip()]
    mask = 0
    for name in value:
        bit = N.REDACT_CATEGORIES.get(str(name).strip().lower())
        if bit is None:
            raise ConfigError(f"sigil: unknown redaction category {name!r}", code=8, status="SIGIL_E_CONFIG")
        mask |= bit
    return mask


def _apply_privacy(opts: c_void_p, cfg: ClientConfig, cbs: dict) -> None:
    def check(status: int, what: str) -> None:
        if status != _OK:
            name = N.sigil_status_name(status).decode()
            raise ConfigError(f"sigil: invalid {what} ({name})", code=status, status=name)

    S = N.options_set
    if cfg.content_capture:
        code = N.CONTENT_CAPTURE_MODES.get(_mode_name(cfg.content_capture))
        if code is None:
            raise ConfigError(f"sigil: unsupported content capture mode {cfg.content_capture!r}", code=8,
                              status="SIGIL_E_CONFIG")
        check(S["content_capture_mode"](opts, code), "content capture mode")
    if "resolver" in cbs:
        check(S["content_capture_resolver"](opts, cbs["resolver"], None), "content capture resolver")
    if cfg.redaction is not None:
        check(S["redaction"](opts, _redaction_bits(cfg.redaction)), "redaction")
    if "sanitizer" in cbs:
        check(S["sanitizer"](opts, cbs["sanitizer"], None), "sanitizer")
    if cfg.max_field_bytes is not None and cfg.max_field_bytes > 0:
        check(S["max_field_bytes"](opts, cfg.max_field_bytes), "max field bytes")


def _span_name(operation: str, subject: Any) -> str:
    """The host span's name at start (the engine's span name replaces it at end)."""
    subject = str(subject or "").strip()
    return f"{operation} {subject}" if subject else operation


def _telemetry_mode(cfg: ClientConfig) -> str:
    """engine, host or both; unset: host when a tracer or meter is given, else engine."""
    mode = (cfg.telemetry_mode or "").strip().lower()
    if not mode:
        return "host" if cfg.tracer is not None or cfg.meter is not None else "engine"
    if mode not in N.TELEMETRY_PIPELINES:
        raise ConfigError(f"sigil: unsupported telemetry_mode {cfg.telemetry_mode!r} (engine, host or both)",
                          code=8, status="SIGIL_E_CONFIG")
    return mode


def _host_telemetry(cfg: ClientConfig, logger: logging.Logger) -> Any:
    if _telemetry_mode(cfg) == "engine":
        return None
    try:
        from ._host_otel import HostTelemetry
    except ImportError as e:
        raise ConfigError(f"sigil: telemetry_mode {_telemetry_mode(cfg)!r} needs opentelemetry-api ({e})",
                          code=8, status="SIGIL_E_CONFIG") from e
    return HostTelemetry(cfg.tracer, cfg.meter, logger)


def _apply_telemetry_mode(opts: c_void_p, cfg: ClientConfig, host: Any) -> None:
    mode = _telemetry_mode(cfg)
    statuses = [N.options_set["telemetry_pipeline"](opts, N.TELEMETRY_PIPELINES[mode])]
    if host is not None:
        statuses.append(N.options_set["span_callback"](opts, host.span_cb, None))
        statuses.append(N.options_set["metric_callback"](opts, host.metric_cb, None))
    for status in statuses:
        if status != _OK:
            name = N.sigil_status_name(status).decode()
            raise ConfigError(f"sigil: invalid telemetry_mode ({name})", code=status, status=name)


def _apply_config(opts: c_void_p, cfg: ClientConfig, log_cb) -> None:
    """Passes every field the caller set as an explicit option."""
    def check(status: int, what: str) -> None:
        if status != _OK:
            name = N.sigil_status_name(status).decode()
            raise ConfigError(f"sigil: invalid {what} ({name})", code=status, status=name)

    def text(key: str, value: Optional[str], what: str) -> None:
        if value:
            check(N.options_set[key](opts, enc.cstr(value, what)), what)

    def choice(key: str, value: Optional[str], table: dict, what: str) -> None:
        if value is None:
            return
        code = table.get(value.strip().lower())
        if code is None:
            raise ConfigError(f"sigil: unsupported {what} {value!r}", code=8, status="SIGIL_E_CONFIG")
        check(N.options_set[key](opts, code), what)

    S = N.options_set
    check(S["sdk_name"](opts, SDK_NAME.encode()), "sdk name")
    check(S["keep_last_generation"](opts, 1), "keep last generation")  # GenerationRecorder.last_generation
    if log_cb is not None:
        check(S["logger"](opts, log_cb, None), "logger")
    if not cfg.use_environment:
        check(S["use_environment"](opts, 0), "use_environment")
    if cfg.debug is not None:
        check(S["debug"](opts, int(cfg.debug)), "debug")

    ex = cfg.generation_export
    choice("protocol", ex.protocol, N.PROTOCOLS, "generation export protocol")
    text("endpoint", cfg.generation_export_endpoint or ex.endpoint, "generation export endpoint")
    if ex.insecure is not None:
        check(S["insecure"](opts, int(bool(ex.insecure))), "insecure")
    text("ca_file", _path(ex.ca_file), "CA file")
    text("ca_dir", _path(ex.ca_dir), "CA directory")
    text("client_cert", _path(ex.client_cert), "client certificate")
    text("client_key", _path(ex.client_key), "client key")
    for name, value in (ex.headers or {}).items():
        check(S["header"](opts, enc.cstr(name, "header name"), enc.cstr(str(value), f"header {name!r}")),
              f"header {name!r}")
    auth = ex.auth
    if auth is not None:
        choice("auth_mode", auth.mode, N.AUTH_MODES, "auth mode")
        text("auth_tenant_id", auth.tenant_id, "auth tenant id")
        text("auth_bearer_token", auth.bearer_token, "auth bearer token")
        text("auth_basic_user", auth.basic_user, "auth basic user")
        text("auth_basic_password", auth.basic_password, "auth basic password")
    if ex.batch_size is not None:
        check(S["batch_size"](opts, max(1, ex.batch_size)), "batch size")
    if ex.queue_size is not None:
        check(S["queue_size"](opts, max(1, ex.queue_size)), "queue size")
    if ex.flush_interval is not None:
        check(S["flush_interval_ms"](opts, max(1, _ms(ex.flush_interval))), "flush interval")
    if ex.max_retries is not None:
        if ex.max_retries <= 0:
            check(S["no_retries"](opts), "max retries")
        else:
            check(S["max_retries"](opts, ex.max_retries), "max retries")
    if ex.initial_backoff is not None:
        check(S["initial_backoff_ms"](opts, _ms(ex.initial_backoff)), "initial backoff")
    if ex.max_backoff is not None:
        check(S["max_backoff_ms"](opts, _ms(ex.max_backoff)), "max backoff")
    if ex.attempt_timeout is not None:
        check(S["attempt_timeout_ms"](opts, _ms(ex.attempt_timeout)), "attempt timeout")
    if ex.payload_max_bytes is not None and ex.payload_max_bytes > 0:
        check(S["payload_max_bytes"](opts, ex.payload_max_bytes), "payload max bytes")
    if ex.queue_max_bytes is not None and ex.queue_max_bytes > 0:
        check(S["queue_max_bytes"](opts, ex.queue_max_bytes), "queue max bytes")
    text("spool_dir", _path(ex.spool_dir), "spool directory")
    choice("spool_mode", ex.spool_mode, N.SPOOL_MODES, "spool mode")
    choice("spool_sync", ex.spool_sync, N.SPOOL_SYNCS, "spool sync policy")

    if cfg.api is not None:
        text("api_endpoint", cfg.api.endpoint, "api endpoint")
    text("agent_name", cfg.agent_name, "agent name")
    text("agent_version", cfg.agent_version, "agent version")
    text("user_id", cfg.user_id, "user id")
    for key, value in (cfg.tags or {}).items():
        check(S["tag"](opts, enc.cstr(key, "tag key"), enc.cstr(str(value), f"tag {key!r}")), f"tag {key!r}")

    ec = cfg.embedding_capture
    if ec is not None and ec.capture_input:
        check(S["embedding_capture"](opts, 1, max(0, ec.max_input_items or 0), max(0, ec.max_text_length or 0)),
              "embedding capture")
    text("otlp_endpoint", cfg.otlp_endpoint, "OTLP endpoint")
    for name, value in (cfg.otlp_headers or {}).items():
        check(S["otlp_header"](opts, enc.cstr(name, "OTLP header name"), enc.cstr(str(value), f"OTLP header {name!r}")),
              f"OTLP header {name!r}")
    text("otlp_certificate", _path(cfg.otlp_certificate), "OTLP certificate")
    text("otlp_client_certificate", _path(cfg.otlp_client_certificate), "OTLP client certificate")
    text("otlp_client_key", _path(cfg.otlp_client_key), "OTLP client key")
    text("service_name", cfg.service_name, "service name")
    for key, value in (cfg.resource_attributes or {}).items():
        what = f"resource attribute {key!r}"
        check(S["resource_attribute"](opts, enc.cstr(key, "resource attribute key"), enc.cstr(str(value), what)), what)
    # Cost, token estimates and sampling (docs/cost.md, docs/sampling.md).
    text("prices_file", _path(cfg.prices_file), "prices file")
    if cfg.token_estimates is not None:
        check(S["token_estimates"](opts, 1 if cfg.token_estimates else 0), "token estimates")
    for name in ("content_sample_rate", "export_sample_rate"):
        rate = getattr(cfg, name)
        if rate is not None:
            check(S[name](opts, float(rate)), name.replace("_", " ") + " (from 0 to 1)")


def _path(value: Any) -> Optional[str]:
    """A file system path option (str or os.PathLike) as text; None stays None."""
    return None if value is None else os.fsdecode(value)


def _take_json(out: c_void_p, n: c_size_t) -> Optional[bytes]:
    """A JSON document the engine handed over (None for NULL), freed with sigil_json_free."""
    if not out.value:
        return None
    try:
        return ctypes.string_at(out, n.value)
    finally:
        N.sigil_json_free(out)


def _resolved_config_json(cfg: ClientConfig) -> dict[str, Any]:
    """The engine's resolution of ``cfg`` (sigil_options_resolve), as a dict; raises ConfigError."""
    opts = c_void_p()
    if N.sigil_options_new(byref(opts)) != _OK:
        raise MemoryError("sigil_sdk: cannot allocate options")
    try:
        _apply_config(opts, cfg, None)
        _apply_privacy(opts, cfg, {})
        out, n, err = c_void_p(), c_size_t(), c_void_p()
        status = N.sigil_options_resolve(opts, byref(out), byref(n), byref(err))
        if status != _OK:
            raise _error(status, err)
        return json.loads(_take_json(out, n))
    finally:
        N.sigil_options_free(opts)


def _rating_response(out: c_void_p) -> SubmitConversationRatingResponse:
    s = {k: (f(out) or b"").decode("utf-8", "replace") for k, f in N.rating_result_str.items()}
    created = N.sigil_rating_result_created_at_ns(out)
    summary = N.RatingSummary()
    summary.version = N.RATING_SUMMARY_VERSION
    N.sigil_rating_result_summary(out, byref(summary))
    rating = ConversationRating(
        rating_id=s["rating_id"],
        conversation_id=s["conversation_id"],
        rating=_RATING_VALUES.get(N.sigil_rating_result_rating(out)),
        created_at=enc.from_ns(created) if created else None,
        comment=s["comment"],
        metadata=json.loads(s["metadata_json"]) if s["metadata_json"] else {},
        generation_id=s["generation_id"],
        rater_id=s["rater_id"],
        source=s["source"],
    )
    return SubmitConversationRatingResponse(
        rating=rating,
        summary=ConversationRatingSummary(
            total_count=summary.total_count,
            good_count=summary.good_count,
            bad_count=summary.bad_count,
            latest_rated_at=enc.from_ns(summary.latest_rated_at_ns) if summary.latest_rated_at_ns else None,
            has_bad_rating=bool(summary.has_bad_rating),
            latest_rating=_RATING_VALUES.get(summary.latest_rating),
            latest_bad_at=enc.from_ns(summary.latest_bad_at_ns) if summary.latest_bad_at_ns else None,
        ),
    )


# --- provider JSON -------------------------------------------------------------

ProviderBody = Any  # dict / list (serialized here), str or bytes (JSON text), or a pydantic model


def _provider_json(body: ProviderBody, default: Optional[Callable[[Any], Any]] = None) -> bytes:
    """Provider JSON as bytes: bytes as given, str as UTF-8 (lone surrogates kept for the engine to
    report), a pydantic model (the provider SDKs' response types) as its wire JSON (field aliases,
    only the fields the provider sent), anything else serialized compactly without escaping
    non-ASCII, as the other bindings do; `default` turns what JSON cannot hold into what it can
    (by default only pydantic models inside are, anything else is a TypeError)."""
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    dump = getattr(body, "model_dump_json", None)
    if callable(dump) and not isinstance(body, type):
        body = dump(by_alias=True, exclude_unset=True)
    if not isinstance(body, str):
        body = json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=default or _pydantic_json)
    return body.encode("utf-8", "surrogatepass")


def _event_arrays(bodies: list[bytes]) -> tuple[Any, Any]:
    """Stream events as the engine takes several at once: an array of pointers and one of lengths."""
    return (c_char_p * len(bodies))(*bodies), (c_size_t * len(bodies))(*map(len, bodies))


def _pydantic_json(value: Any) -> Any:
    """A pydantic model inside a dict or list (a response message put back into the next request,
    Gemini ``Content`` objects) as its wire JSON; anything else is not JSON (TypeError)."""
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, type):
        return dump(mode="json", by_alias=True, exclude_unset=True)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _provider_status(status: int) -> Optional[SigilError]:
    """A caller mistake (unknown API) raises; a mapping problem is returned, never raised: the engine
    kept what it could map and marked the generation (error.type "mapping_error")."""
    if status == _OK:
        return None
    if status == N.SIGIL_E_INVALID_ARGUMENT:
        raise _error(status, c_void_p())
    name = N.sigil_status_name(status).decode()
    return MappingError(f"the provider JSON could not be fully mapped ({name})", code=status, status=name)


# --- recorders -----------------------------------------------------------------


class _Recorder:
    """A recorder handle with one owner at a time: a lock serializes calls; end() frees the handle.

    The rules every recorder applies live here, once (docs/abi-json.md, "Binding rules"): end()
    hands the recording to the engine once and later calls do nothing; setters after end() change
    nothing (the handle is gone); the traceparent stays readable after end(); a provider error's
    HTTP status is read by _http_status and classified by the engine.
    """

    __slots__ = ("client", "_handle", "_lock", "_ended", "_error", "_call_error", "_traceparent", "_refused",
                 "_host_span", "_scopes", "__weakref__")
    _end = _free = _traceparent_fn = _set_error_fn = None  # set by subclasses

    def __init__(self, client: Client, handle: c_void_p) -> None:
        self.client = client
        self._handle = handle
        self._lock = threading.Lock()
        self._ended = False
        self._error: Optional[BaseException] = None
        self._call_error: Optional[BaseException] = None
        self._traceparent = ""
        self._refused: Optional[SigilError] = None
        self._host_span: Any = None  # the host tracer's span for this record (host pipeline)
        self._scopes: list[Any] = []  # what __enter__ made current, undone by __exit__

    def _refuse(self, error: SigilError) -> SigilError:
        """Keeps a value the binding could not hand to the engine; end() reports it (the first one)."""
        if self._refused is None:
            self._refused = error
        return error

    def end(self) -> None:
        """Ends the recording and hands it to the engine. Safe to call more than once (later calls do nothing)."""
        with self._lock:
            if self._ended:
                return
            self._ended = True
            handle, self._handle = self._handle, None
            self._keep(handle)
            err = c_void_p()
            status = type(self)._end(handle, byref(err))
            if status not in (_OK, N.SIGIL_E_ALREADY_ENDED):
                self._error = _error(status, err)
            if self._refused is not None:
                self._error = self._refused
            self._keep_ended(handle)
            type(self)._free(handle)
            if self._host_span is not None:
                # The engine's span callback ended it already, unless there was no span (not sampled).
                self.client._host.end_unfinished(self._host_span)

    def _keep(self, handle: c_void_p) -> None:
        """Copies out what stays readable after the handle is freed."""
        self._traceparent = _traceparent(type(self)._traceparent_fn, handle)

    def _keep_ended(self, handle: c_void_p) -> None:
        """Copies out what the engine has only after end."""

    def err(self) -> Optional[BaseException]:
        """The local error of end() (validation, queue full, shutdown...), or None. Not provider failures."""
        with self._lock:
            return self._error

    @property
    def ended(self) -> bool:
        """Whether end() was called."""
        return self._ended

    @property
    def traceparent(self) -> str:
        """The W3C traceparent of this recording's span, for propagating it to child work."""
        with self._lock:
            if self._handle:
                return _traceparent(type(self)._traceparent_fn, self._handle)
            return self._traceparent

    def _input_error(self, status: int) -> Optional[SigilError]:
        # Setters never raise (as in the reference SDK); a malformed value is kept
        # by the engine as the recorder's error, reported by end(), and returned here.
        return None if status == _OK else _error(status, c_void_p())

    def __enter__(self):
        self._make_current()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            if exc is not None and self._call_error is None:
                self.set_call_error(exc)
            self.end()
        finally:
            self._restore_current()
        return False

    async def __aenter__(self):
        return self.__enter__()

    def _make_current(self) -> None:
        """Inside the ``with`` block this record's span is the current span: the host span (host
        pipeline), else the engine's span, as the current OpenTelemetry span when the application uses
        OpenTelemetry and as the parent of Sigil recorders started there in any case."""
        if self._host_span is not None:
            from . import _host_otel
            from opentelemetry import trace as otel_trace
            self._scopes.append(("otel", _host_otel.attach(otel_trace.set_span_in_context(self._host_span))))
            return
        tp = self.traceparent
        if not tp:
            return
        if "opentelemetry.trace" in sys.modules:  # the application uses OpenTelemetry
            from . import _host_otel
            self._scopes.append(("otel", _host_otel.attach(_host_otel.current_span_context(tp))))
        else:
            self._scopes.append(("sigil", (_parent_traceparent.set(tp), _parent_remote.set(False))))

    def _restore_current(self) -> None:
        while self._scopes:
            kind, token = self._scopes.pop()
            if kind == "otel":
                from . import _host_otel
                _host_otel.detach(token)
            elif kind == "vars":
                for var, var_token in reversed(token):
                    var.reset(var_token)
            else:
                _parent_remote.reset(token[1])
                _parent_traceparent.reset(token[0])

    async def __aexit__(self, exc_type, exc, tb) -> bool:
        return self.__exit__(exc_type, exc, tb)

    def __del__(self) -> None:
        # Safety net: a recorder dropped without end() is ended (and exported) by the engine.
        handle = getattr(self, "_handle", None)
        if handle:
            try:
                type(self)._free(handle)
            except Exception:  # noqa: BLE001 - interpreter teardown
                pass

    def set_call_error(self, error: Any) -> None:
        """Records that the call failed: the span gets error status and error.category from the
        HTTP status the error carries (or its message); a generation is still exported, with
        call_error set. None is ignored."""
        if error is None:
            return
        message, http_status = _call_error_args(error)
        with self._lock:
            self._call_error = error if isinstance(error, BaseException) else RuntimeError(str(error))
            if self._handle:
                type(self)._set_error_fn(self._handle, message, len(message), http_status)


class GenerationRecorder(_Recorder):
    """Records one generation. Use as a context manager or call ``end()``.

    Until it ends, tool executions started in the same context that set no mode
    of their own follow this generation's content capture mode.
    """

    __slots__ = ("_id", "_mapping_error", "_capture_mode", "_pushed", "_last_json")
    _end = staticmethod(N.sigil_generation_end)
    _free = staticmethod(N.sigil_generation_free)
    _traceparent_fn = staticmethod(N.sigil_generation_traceparent)
    _set_error_fn = staticmethod(N.sigil_generation_set_call_error)

    def _refuse(self, error: SigilError) -> SigilError:
        # A result the engine refuses keeps the generation from being exported.
        if self._handle:
            N.sigil_generation_set_result_json(self._handle, b"null", 4)
        return super()._refuse(error)

    def __init__(self, client: Client, handle: c_void_p) -> None:
        super().__init__(client, handle)
        self._id: Optional[str] = None
        self._mapping_error: Optional[BaseException] = None
        self._capture_mode: Optional[str] = None  # read from the engine on first use
        self._pushed = False
        self._last_json: Optional[bytes] = None

    def _capture_mode_name(self) -> str:
        with self._lock:
            if self._capture_mode is None:
                code = N.sigil_generation_content_capture_mode(self._handle) if self._handle else 0
                self._capture_mode = N.CONTENT_CAPTURE_MODE_NAMES.get(code, "") if code else ""
            return self._capture_mode

    @property
    def content_capture_mode(self) -> Optional[ContentCaptureMode]:
        """The mode the engine resolved at start (start > context > resolver > client); None if it did not start."""
        name = self._capture_mode_name()
        return ContentCaptureMode(name) if name else None

    def end(self) -> None:
        try:
            super().end()
        finally:
            if self._pushed:
                self._pushed = False
                _pop_capture_mode(self)

    @property
    def last_generation(self) -> Optional[Generation]:
        """The generation as end() normalized it: ids, times, identity and SDK metadata resolved (before
        content capture and redaction), also when it was not exported. None before end(). A new copy
        on every read."""
        with self._lock:
            doc = self._last_json
        return enc.decode_generation(doc) if doc else None

    @property
    def id(self) -> str:
        """The generation id (given at start or generated by the engine)."""
        with self._lock:
            if self._id is None and self._handle:
                self._id = (N.sigil_generation_id(self._handle) or b"").decode()
            return self._id or ""

    def _keep_ended(self, handle: c_void_p) -> None:
        out, n = c_void_p(), c_size_t()
        if N.sigil_generation_last_json(handle, byref(out), byref(n), None) == _OK:
            self._last_json = _take_json(out, n)

    def _keep(self, handle: c_void_p) -> None:
        super()._keep(handle)
        if self._id is None:
            self._id = (N.sigil_generation_id(handle) or b"").decode()
        if self._capture_mode is None:
            code = N.sigil_generation_content_capture_mode(handle)
            self._capture_mode = N.CONTENT_CAPTURE_MODE_NAMES.get(code, "") if code else ""

    def set_result(self, generation: Optional[Generation] = None, mapping_error: Optional[BaseException] = None,
                   **fields: Any) -> None:
        """Sets the result (a Generation, or its fields as keywords). The last call wins."""
        if generation is None:
            generation = Generation(**fields)
        elif fields:
            raise ValueError("set_result accepts either a generation object or keyword fields")
        doc = enc.generation(generation)
        with self._lock:
            if mapping_error is not None:
                self._mapping_error = mapping_error
            if self._handle:
                status = N.sigil_generation_set_result_json(self._handle, doc, len(doc))
                if mapping_error is not None:
                    self._set_mapping_error(mapping_error)
                return self._input_error(status)
        return None

    # Provider JSON, mapped by the engine. `api` names the provider API ("openai.chat",
    # "openai.responses", "anthropic.messages", "gemini.generate_content", "bedrock.converse");
    # bodies are dicts/lists, JSON text or bytes. An unknown API raises InvalidArgumentError; a body
    # the engine cannot fully map is returned as a MappingError (never raised): the generation keeps
    # what could be mapped and is exported with error.type "mapping_error" on its span.

    def set_provider_request(self, api: str, request: ProviderBody, *,
                             raw_artifacts: bool = False) -> Optional[SigilError]:
        """Maps the provider request body: model, system prompt, input messages, tools, request controls."""
        return self._provider_call(N.sigil_generation_set_provider_request, api, request, raw_artifacts)

    def set_provider_response(self, api: str, response: ProviderBody, *,
                              raw_artifacts: bool = False) -> Optional[SigilError]:
        """Maps the provider response body: output messages, usage, stop reason, response id and model."""
        return self._provider_call(N.sigil_generation_set_provider_response, api, response, raw_artifacts)

    def add_provider_event(self, api: str, event: ProviderBody, *,
                           raw_artifacts: bool = False) -> Optional[SigilError]:
        """Feeds one stream event (one server-sent event's JSON, or one Bedrock ConverseStream event);
        the engine accumulates them until end(). The first content event sets the first-token time."""
        return self._provider_call(N.sigil_generation_add_provider_event, api, event, raw_artifacts)

    def add_provider_events(self, api: str, events: Sequence[ProviderBody],
                            arrived_at_ns: Optional[Sequence[int]] = None, *,
                            raw_artifacts: bool = False) -> Optional[SigilError]:
        """Feeds several stream events in order, in one call into the engine (as add_provider_event for
        each). ``arrived_at_ns[i]`` (Unix nanoseconds, ``time.time_ns()``) is when event i reached the
        caller: the first content event sets the first-token time to it (omitted or 0: now)."""
        bodies = [e if e.__class__ is bytes else _provider_json(e) for e in events]
        ptrs, lens = _event_arrays(bodies)
        times = None
        if arrived_at_ns is not None:
            if len(arrived_at_ns) != len(bodies):
                raise ValueError("arrived_at_ns must give one time per event")
            times = (c_int64 * len(bodies))(*arrived_at_ns)
        return self._mapping_call(N.sigil_generation_add_provider_events, api, raw_artifacts,
                                  ptrs, lens, times, len(bodies))

    def set_provider_result(self, api: str, request: ProviderBody, response: ProviderBody, *,
                            raw_artifacts: bool = False) -> Optional[SigilError]:
        """set_provider_request then set_provider_response; returns the first mapping problem."""
        problem = self.set_provider_request(api, request, raw_artifacts=raw_artifacts)
        later = self.set_provider_response(api, response, raw_artifacts=raw_artifacts)
        return problem or later

    def set_mapping_error(self, message: Any) -> Optional[SigilError]:
        """Marks the generation with a mapping problem found while building its result (the first one
        wins): it is still exported, with error.type "mapping_error" on its span."""
        with self._lock:
            if self._handle:
                return self._set_mapping_error(message)
        return None

    def _set_mapping_error(self, message: Any) -> Optional[SigilError]:
        if isinstance(message, BaseException):
            message = str(message) or type(message).__name__
        text = str(message).encode("utf-8", "surrogatepass")
        return self._input_error(N.sigil_generation_set_mapping_error(self._handle, text, len(text)))

    def _provider_call(self, fn, api: str, body: ProviderBody, raw_artifacts: bool) -> Optional[SigilError]:
        data = _provider_json(body)
        return self._mapping_call(fn, api, raw_artifacts, data, len(data))

    def _mapping_call(self, fn, api: str, raw_artifacts: bool, *args: Any) -> Optional[SigilError]:
        """fn(handle, api, *args, flags): a provider mapping call, its status as _provider_status says."""
        flags = N.PROVIDER_RAW_ARTIFACTS if raw_artifacts else 0
        with self._lock:
            if not self._handle:
                return None
            return _provider_status(fn(self._handle, enc.cstr(api, "provider API"), *args, flags))

    def set_metadata(self, key: str, value: str) -> Optional[SigilError]:
        """Adds one string metadata entry to the result (extension); returns an input error."""
        k, v = key.encode("utf-8", "surrogatepass"), str(value).encode("utf-8", "surrogatepass")
        with self._lock:
            if self._handle:
                return self._input_error(N.sigil_generation_set_metadata_string(self._handle, k, v))
        return None

    def set_first_token_at(self, first_token_at: Optional[datetime] = None) -> None:
        """Records when the first streamed token arrived (now when omitted)."""
        with self._lock:
            if self._handle:
                N.sigil_generation_set_first_token_at(self._handle, enc.ns(first_token_at))


class ToolExecutionRecorder(_Recorder):
    """Records one tool execution. Use as a context manager or call ``end()``."""

    __slots__ = ()
    _end = staticmethod(N.sigil_tool_execution_end)
    _free = staticmethod(N.sigil_tool_execution_free)
    _traceparent_fn = staticmethod(N.sigil_tool_execution_traceparent)
    _set_error_fn = staticmethod(N.sigil_tool_execution_set_error)

    def set_result(self, end: Optional[ToolExecutionEnd] = None, **fields: Any) -> Optional[SigilError]:
        """Sets the tool's arguments and result (text, JSON text, or any JSON value); returns an input error."""
        payload = ToolExecutionEnd(**fields) if end is None else end
        args = enc.tool_content(payload.arguments)
        result = enc.tool_content(payload.result)
        with self._lock:
            if self._handle:
                return self._input_error(N.sigil_tool_execution_set_result(
                    self._handle, args, len(args) if args else 0, result, len(result) if result else 0,
                    enc.ns(payload.completed_at)))
        return None

    set_exec_error = _Recorder.set_call_error  # the reference SDK's name for tools

    def err(self) -> Optional[BaseException]:
        """The local error of end(), else the tool's own error (as the reference SDK reports it)."""
        with self._lock:
            return self._error if self._error is not None else (self._call_error if self._ended else None)


def _describe(value: Any) -> Any:
    """A JSON-able stand-in for a value json cannot write: its fields where it has them (pydantic
    models, dataclasses), else its type's name. Never the value's repr, which may be large."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            return dump(mode="json")
        except Exception:  # noqa: BLE001
            pass
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, (bytes, bytearray)):
        return f"<{type(value).__name__}: {len(value)} bytes>"
    return f"<{type(value).__module__}.{type(value).__qualname__}>"


def content_json(value: Any) -> str:
    """``value`` as JSON text for a span's content: values json cannot write are described
    (_describe) rather than failing; a value that still cannot be written is described whole."""
    try:
        return json.dumps(value, default=_describe, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return json.dumps(f"<{type(value).__module__}.{type(value).__qualname__}>")


def _span_scope(recorder: "SpanRecorder") -> list:
    """Makes ``recorder`` the current span of this context (whichever way OpenTelemetry is set up,
    it is the parent of what starts here); returns the (var, token) pairs that undo it."""
    return [(_current_span, _current_span.set(recorder)),
            (_parent_traceparent, _parent_traceparent.set(recorder.traceparent)),
            (_parent_remote, _parent_remote.set(False)),
            (_parent_tracestate, _parent_tracestate.set(recorder.tracestate or None))]


class SpanRecorder(_Recorder):
    """Records one span of an application step (agent, chain, retriever, workflow, task, custom).
    Use as a context manager (the span is then the current span: records started inside are its
    children) or call ``end()``. Setters never raise; they return an input error, which end() reports."""

    __slots__ = ("_tracestate",)
    _end = staticmethod(lambda handle, err: N.sigil_span_end(handle, 0, err))
    _free = staticmethod(N.sigil_span_free)
    _traceparent_fn = staticmethod(N.sigil_span_traceparent)

    def __init__(self, client: Client, handle: c_void_p) -> None:
        super().__init__(client, handle)
        self._tracestate = ""

    def _keep(self, handle: c_void_p) -> None:
        super()._keep(handle)
        self._tracestate = self._read_tracestate(handle)

    @staticmethod
    def _read_tracestate(handle: c_void_p) -> str:
        if not handle:
            return ""
        ptr, n = ctypes.POINTER(ctypes.c_char)(), c_size_t()
        if N.sigil_span_tracestate(handle, byref(ptr), byref(n)) != _OK or not n.value:
            return ""
        return ctypes.string_at(ptr, n.value).decode()

    @property
    def tracestate(self) -> str:
        """The W3C tracestate this span carries on (its propagated parent's), or ""."""
        with self._lock:
            return self._read_tracestate(self._handle) if self._handle else self._tracestate

    @property
    def captures_content(self) -> bool:
        """Whether content (arguments, return values, content=True values) would be kept under this
        span's content capture mode; False once ended."""
        with self._lock:
            return bool(self._handle) and N.sigil_span_captures_content(self._handle) == 1

    def _call(self, fn: Callable[..., int], *args: Any) -> Optional[SigilError]:
        with self._lock:
            if self._handle:
                return self._input_error(fn(self._handle, *args))
        return None

    def set_attribute(self, key: str, value: Any, *, content: bool = False) -> Optional[SigilError]:
        """Sets one attribute: bool, int and float keep their type, str is text, anything else is
        written as JSON text. ``content=True`` marks a value the capture mode may drop."""
        try:
            k = enc.utf8(key, "attribute key") or b""
        except _NotRepresentable as e:
            return self._refuse(e)
        flag = int(bool(content))
        if isinstance(value, bool):
            return self._call(N.sigil_span_set_attribute_bool, k, int(value), flag)
        if isinstance(value, int) and _INT64_MIN <= value <= _INT64_MAX:
            return self._call(N.sigil_span_set_attribute_int, k, value, flag)
        if isinstance(value, float):
            return self._call(N.sigil_span_set_attribute_double, k, value, flag)
        text = value if isinstance(value, str) else content_json(value)
        raw = text.encode("utf-8", "surrogatepass")
        return self._call(N.sigil_span_set_attribute_string, k, raw, len(raw), flag)

    def set_attributes(self, attributes: dict, *, content: bool = False) -> Optional[SigilError]:
        """Sets every attribute of ``attributes``; returns the first input error."""
        first = None
        for key, value in attributes.items():
            err = self.set_attribute(key, value, content=content)
            first = first or err
        return first

    def set_input(self, value: Any) -> Optional[SigilError]:
        """The step's input (sigil.span.input, JSON; always content)."""
        raw = content_json(value).encode("utf-8", "surrogatepass")
        return self._call(N.sigil_span_set_input, raw, len(raw))

    def set_output(self, value: Any) -> Optional[SigilError]:
        """The step's output (sigil.span.output, JSON; always content)."""
        raw = content_json(value).encode("utf-8", "surrogatepass")
        return self._call(N.sigil_span_set_output, raw, len(raw))

    def add_event(self, name: str, attributes: Optional[dict] = None, *, content: bool = False,
                  timestamp: Optional[datetime] = None) -> Optional[SigilError]:
        """Adds an event with typed attributes (as set_attribute types them)."""
        items = list((attributes or {}).items())
        arr = (N.Attribute * max(len(items), 1))()
        keep: list[Any] = []  # the buffers the attributes point into, alive for the call

        def buf(text: str) -> Any:
            raw = text.encode("utf-8", "surrogatepass")
            b = ctypes.create_string_buffer(raw, len(raw))
            keep.append(b)
            return ctypes.cast(b, ctypes.POINTER(ctypes.c_char)), len(raw)

        for i, (key, value) in enumerate(items):
            a = arr[i]
            a.key, a.key_len = buf(str(key))
            if isinstance(value, bool):
                a.type, a.int_value = 2, int(value)
            elif isinstance(value, int) and _INT64_MIN <= value <= _INT64_MAX:
                a.type, a.int_value = 3, value
            elif isinstance(value, float):
                a.type, a.double_value = 4, value
            else:
                a.type = 1
                a.string_value, a.string_value_len = buf(value if isinstance(value, str) else content_json(value))
        try:
            n = enc.utf8(name, "event name")
        except _NotRepresentable as e:
            return self._refuse(e)
        ts = enc.ns(timestamp) if timestamp is not None else 0
        return self._call(N.sigil_span_add_event, n, ts, arr, len(items), int(bool(content)))

    def set_status(self, status: str, message: Optional[str] = None) -> Optional[SigilError]:
        """Sets the status: "ok", "error" (with ``message``) or "unset"."""
        code = N.SPAN_STATUS.get(str(status).lower())
        if code is None:
            return self._refuse(InvalidArgumentError(f"sigil: unknown span status {status!r}", code=1,
                                                     status="SIGIL_E_INVALID_ARGUMENT"))
        raw = (message or "").encode("utf-8", "surrogatepass")
        return self._call(N.sigil_span_set_status, code, raw, len(raw))

    def set_call_error(self, error: Any) -> None:
        """Records that the step failed: status ERROR, error.type (the exception's class name) and an
        "exception" event with its message. None is ignored."""
        if error is None:
            return
        is_exc = isinstance(error, BaseException)
        kind = type(error).__name__ if is_exc else ""
        message = (str(error) or kind) if is_exc else str(error)
        raw = message.encode("utf-8", "surrogatepass")
        with self._lock:
            self._call_error = error if is_exc else RuntimeError(message)
            if self._handle:
                N.sigil_span_set_error(self._handle, kind.encode(), raw, len(raw))

    set_error = set_call_error

    def _make_current(self) -> None:
        super()._make_current()
        if self.traceparent:
            self._scopes.append(("vars", _span_scope(self)))


class EmbeddingRecorder(_Recorder):
    """Records one embedding call. Use as a context manager or call ``end()``."""

    __slots__ = ()
    _end = staticmethod(N.sigil_embedding_end)
    _free = staticmethod(N.sigil_embedding_free)
    _traceparent_fn = staticmethod(N.sigil_embedding_traceparent)
    _set_error_fn = staticmethod(N.sigil_embedding_set_call_error)

    def set_result(self, result: Optional[EmbeddingResult] = None, **fields: Any) -> Optional[SigilError]:
        """Sets the embedding call's outcome (an EmbeddingResult, or its fields as keywords); returns an input error."""
        payload = EmbeddingResult(**fields) if result is None else result
        r = N.EmbeddingResult()
        r.version = N.EMBEDDING_RESULT_VERSION
        try:
            r.input_count = _int64(payload.input_count, "input_count")
            r.input_tokens = _int64(payload.input_tokens, "input_tokens")
            r.response_model = enc.utf8(payload.response_model, "response_model")
            if payload.dimensions is not None:
                r.has_dimensions, r.dimensions = 1, _int64(payload.dimensions, "dimensions")
            if payload.input_texts:
                texts = (c_char_p * len(payload.input_texts))(
                    *[enc.cstr(str(t), "input_texts") for t in payload.input_texts])
                r.input_texts, r.input_texts_count = texts, len(payload.input_texts)
        except _NotRepresentable as e:
            with self._lock:
                return self._refuse(e)
        with self._lock:
            if self._handle:
                return self._input_error(N.sigil_embedding_set_result(self._handle, byref(r)))
        return None

    def set_provider_result(self, api: str, request: ProviderBody = None,
                            response: ProviderBody = None) -> Optional[SigilError]:
        """Maps an embedding call from the provider's request and/or response body ("openai.embeddings",
        "gemini.embed_content"): provider, model and dimensions from the request, counts, tokens and
        response model from the response. Unknown API: raises InvalidArgumentError; a body the engine
        cannot fully map is returned as a MappingError (never raised)."""
        req = _provider_json(request) if request is not None else None
        resp = _provider_json(response) if response is not None else None
        with self._lock:
            if not self._handle:
                return None
            return _provider_status(N.sigil_embedding_set_provider_result(
                self._handle, enc.cstr(api, "provider API"), req, len(req) if req else 0, resp,
                len(resp) if resp else 0))

