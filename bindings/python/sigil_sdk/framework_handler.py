"""The shared base of framework callback handlers (LangChain, LangGraph, LlamaIndex, ...).

A framework integration subclasses ``SigilFrameworkHandlerBase`` and forwards
its framework's callbacks to the ``_on_*`` methods: LLM and chat-model runs
become generations, tool runs tool executions, chain and retriever runs
OpenTelemetry spans of their own. Every generation carries the framework's
identity in its tags (``sigil.framework.name``/``source``/``language``) and
its run identifiers in its metadata (``sigil.framework.run_id``, ...), which
the engine also copies onto the generation span. The names, arguments and
resolution rules are the reference SDK's, so its framework packages run on
this module unchanged.

Beyond the reference: the run tree nests. A run whose parent run is still open
(a chain span, a generation or a tool execution of this handler) starts as a
child of the parent's span, whichever thread or event loop the callback comes
from; a root run is a child of the caller's current span. Callbacks may arrive
from many threads at once, and runs that never end are bounded: past
``max_open_runs`` of one kind the oldest is ended as abandoned.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import math
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Optional, Union
from uuid import UUID

from .client import Client, GenerationRecorder, ToolExecutionRecorder
from .context import with_parent_traceparent
from .models import (
    Generation,
    GenerationMode,
    GenerationStart,
    Message,
    MessageRole,
    ModelRef,
    Part,
    PartKind,
    TokenUsage,
    ToolCall,
    ToolExecutionStart,
    ToolResult,
    user_text_message,
)

ProviderResolver = Union[str, Callable[[str, Optional[dict], Optional[dict]], str]]
"""``"auto"`` (infer from the callback payloads and the model name) or ``(model, serialized, params) -> provider``."""

_DEFAULT_SOURCE = "handler"
_DEFAULT_LANGUAGE = "python"
_DEFAULT_INSTRUMENTATION_NAME = "github.com/grafana/sigil/sdks/python/frameworks"
_KNOWN_PROVIDERS = frozenset({"openai", "anthropic", "gemini"})
_MAX_METADATA_DEPTH = 5
_DEFAULT_MAX_OPEN_RUNS = 10_000
_ABANDONED = "framework run abandoned: no end or error callback before max_open_runs newer runs of its kind"
_DROP = object()

_TAG_NAME = "sigil.framework.name"
_TAG_SOURCE = "sigil.framework.source"
_TAG_LANGUAGE = "sigil.framework.language"
_META_RUN_ID = "sigil.framework.run_id"
_META_THREAD_ID = "sigil.framework.thread_id"
_META_PARENT_RUN_ID = "sigil.framework.parent_run_id"
_META_COMPONENT = "sigil.framework.component_name"
_META_RUN_TYPE = "sigil.framework.run_type"
_META_TAGS = "sigil.framework.tags"
_META_RETRY = "sigil.framework.retry_attempt"
_META_LANGGRAPH_NODE = "sigil.framework.langgraph.node"
_META_EVENT_ID = "sigil.framework.event_id"


@dataclass(slots=True)
class _LlmRun:
    recorder: GenerationRecorder
    input_messages: list[Message]
    capture_outputs: bool
    streaming: bool = False
    chunks: list[str] = field(default_factory=list)
    first_token_seen: bool = False
    # The model as resolved at the start when its provider is a known one: provider-shaped bodies of
    # another provider's API (Strands' Converse shape for an OpenAI model) do not replace it.
    model: Optional[ModelRef] = None

    def seed_model(self) -> None:
        """Writes the start's model into the result before provider bodies are mapped into it."""
        if self.model is not None:
            self.recorder.set_result(Generation(model=self.model))

    def mode_fields(self) -> dict[str, Any]:
        """A run started as sync whose tokens streamed in (LangChain's ``stream()`` does not always say
        so in its invocation params) is recorded as a stream."""
        if self.first_token_seen and not self.streaming:
            return {"mode": GenerationMode.STREAM, "operation_name": "streamText"}
        return {}

    def streamed_output(self) -> list[Message]:
        if not (self.capture_outputs and self.chunks):
            return []
        return [Message(role=MessageRole.ASSISTANT, parts=[Part(kind=PartKind.TEXT, text="".join(self.chunks))])]


@dataclass(slots=True)
class _ToolRun:
    recorder: ToolExecutionRecorder
    arguments: Any
    capture_outputs: bool


@dataclass(slots=True)
class _RunInfo:
    """What one callback's payloads say about its run."""

    run_key: str
    conversation_id: str
    thread_id: str
    parent_run_key: str
    component_name: str
    retry_attempt: Optional[int]
    langgraph_node: str
    event_id: str


def merge_framework_callback_kwargs(
    callback_kwargs: dict[str, Any],
    *,
    tags: Optional[list[str]] = None,
    metadata: Optional[dict[str, Any]] = None,
    run_name: Optional[str] = None,
) -> dict[str, Any]:
    """A copy of ``callback_kwargs`` with ``tags``, ``metadata`` and a non-blank ``run_name`` set when given."""
    merged = dict(callback_kwargs)
    if tags is not None:
        merged["tags"] = tags
    if metadata is not None:
        merged["metadata"] = metadata
    if run_name is not None and run_name.strip():
        merged["run_name"] = run_name
    return merged


class SigilFrameworkHandlerBase:
    """Turns framework callbacks into Sigil generations, tool executions and spans.

    Runs are keyed by their ``run_id``; a second start of the same run is
    ignored, and an end or error for an unknown run does nothing. A recorder's
    local error (validation, queue full) is raised from the end callback, as
    the reference does; provider failures are recorded, never raised.
    """

    def __init__(
        self,
        *,
        client: Client,
        framework_name: str,
        agent_name: str = "",
        agent_version: str = "",
        framework_source: str = _DEFAULT_SOURCE,
        framework_language: str = _DEFAULT_LANGUAGE,
        framework_instrumentation_name: str = _DEFAULT_INSTRUMENTATION_NAME,
        provider_resolver: ProviderResolver = "auto",
        provider: str = "",
        capture_inputs: bool = True,
        capture_outputs: bool = True,
        extra_tags: Optional[dict[str, str]] = None,
        extra_metadata: Optional[dict[str, Any]] = None,
        max_open_runs: int = _DEFAULT_MAX_OPEN_RUNS,
    ) -> None:
        self._client = client
        self._agent_name = agent_name
        self._agent_version = agent_version
        self._framework_name = framework_name.strip()
        self._framework_source = framework_source.strip() or _DEFAULT_SOURCE
        self._framework_language = framework_language.strip() or _DEFAULT_LANGUAGE
        self._framework_instrumentation_name = framework_instrumentation_name.strip() or _DEFAULT_INSTRUMENTATION_NAME
        self._provider_resolver = provider_resolver
        self._provider = provider
        self._capture_inputs = capture_inputs
        self._capture_outputs = capture_outputs
        self._extra_tags = dict(extra_tags or {})
        self._extra_metadata = dict(extra_metadata or {})
        self._runs: dict[str, _LlmRun] = {}
        self._tool_runs: dict[str, _ToolRun] = {}
        self._chain_spans: dict[str, Any] = {}
        self._retriever_spans: dict[str, Any] = {}
        self._max_open_runs = max(1, int(max_open_runs))
        # Guards the run tables: callbacks of one handler arrive from many threads (LangChain runs
        # sync callbacks of async runs in executors, users share a handler across threads).
        self._lock = threading.RLock()

    # -- LLM and chat-model runs -> generations --

    def _on_llm_start(
        self,
        *,
        serialized: Optional[dict[str, Any]],
        prompts: list[str],
        run_id: UUID,
        parent_run_id: Optional[UUID],
        invocation_params: Optional[dict[str, Any]],
        callback_kwargs: Optional[dict[str, Any]] = None,
    ) -> None:
        """An LLM run started: a generation whose input is the non-blank prompts as user messages."""
        inputs = [user_text_message(p) for p in prompts if p.strip()] if self._capture_inputs else []
        self._start_generation("llm", inputs, serialized, run_id, parent_run_id, invocation_params, callback_kwargs)

    def _on_chat_model_start(
        self,
        *,
        serialized: Optional[dict[str, Any]],
        messages: list[list[Any]],
        run_id: UUID,
        parent_run_id: Optional[UUID],
        invocation_params: Optional[dict[str, Any]],
        callback_kwargs: Optional[dict[str, Any]] = None,
    ) -> None:
        """A chat-model run started: a generation whose input is the messages' text."""
        inputs = _map_chat_inputs(messages) if self._capture_inputs else []
        self._start_generation("chat", inputs, serialized, run_id, parent_run_id, invocation_params, callback_kwargs)

    def _start_generation(self, *args: Any) -> None:
        with self._lock:
            abandoned = self._start_generation_locked(*args)
        _abandon(abandoned)

    def _start_generation_locked(
        self,
        run_type: str,
        inputs: list[Message],
        serialized: Optional[dict[str, Any]],
        run_id: UUID,
        parent_run_id: Optional[UUID],
        invocation_params: Optional[dict[str, Any]],
        callback_kwargs: Optional[dict[str, Any]],
    ) -> list[Any]:
        run_key = str(run_id)
        if run_key in self._runs:
            return []
        info = self._run_info(run_key, parent_run_id, serialized, invocation_params, callback_kwargs)
        model_name = _resolve_model_name(serialized, invocation_params)
        provider = _resolve_provider(self._provider, self._provider_resolver, model_name, serialized,
                                     invocation_params)
        streaming = _is_streaming(invocation_params)

        tags = dict(self._extra_tags)
        tags.update({_TAG_NAME: self._framework_name, _TAG_SOURCE: self._framework_source,
                     _TAG_LANGUAGE: self._framework_language})
        metadata: dict[str, Any] = dict(self._extra_metadata)
        metadata[_META_RUN_ID] = run_key
        metadata[_META_RUN_TYPE] = run_type
        callback_tags = _normalize_tags(_read(callback_kwargs, "tags"))
        optional = (
            (_META_THREAD_ID, info.thread_id),
            (_META_PARENT_RUN_ID, info.parent_run_key),
            (_META_COMPONENT, info.component_name),
            (_META_TAGS, callback_tags),
            (_META_RETRY, info.retry_attempt),
            (_META_LANGGRAPH_NODE, info.langgraph_node),
            (_META_EVENT_ID, info.event_id),
        )
        for key, value in optional:
            if value not in ("", None, []):
                metadata[key] = value

        start = GenerationStart(
            conversation_id=info.conversation_id,
            agent_name=self._agent_name,
            agent_version=self._agent_version,
            mode=GenerationMode.STREAM if streaming else GenerationMode.SYNC,
            model=ModelRef(provider=provider, name=model_name),
            tags=tags,
            metadata=_normalize_metadata(metadata),
        )
        start_fn = self._client.start_streaming_generation if streaming else self._client.start_generation
        with self._child_of(parent_run_id):
            recorder = start_fn(start)
        model = ModelRef(provider=provider, name=model_name) if provider in _KNOWN_PROVIDERS else None
        return self._keep(self._runs, run_key, _LlmRun(recorder=recorder, input_messages=inputs,
                                                       capture_outputs=self._capture_outputs, streaming=streaming,
                                                       model=model))

    def _on_llm_new_token(self, *, token: str, run_id: UUID, arrived_at: Optional[datetime] = None) -> None:
        """A streamed token: kept for the output, and the first one sets the time to first token (when it
        arrived, if the framework says so, else now)."""
        with self._lock:
            run = self._runs.get(str(run_id))
        if run is None or not token.strip():
            return
        if run.capture_outputs:
            run.chunks.append(token)
        _mark_first_token(run, arrived_at)

    def _on_llm_first_chunk(self, *, run_id: UUID, arrived_at: Optional[datetime] = None) -> None:
        """The first streamed chunk of a run whose output the framework hands over whole at the end (text
        or a tool call): sets the time to first token, keeps no text."""
        with self._lock:
            run = self._runs.get(str(run_id))
        if run is not None:
            _mark_first_token(run, arrived_at)

    def _on_llm_end(self, *, response: Any, run_id: UUID) -> None:
        """The run finished: output (or the streamed text), usage, response model and stop reason."""
        with self._lock:
            run = self._runs.pop(str(run_id), None)
        if run is None:
            return
        try:
            llm_output = _read(response, "llm_output")
            # A chat model's message carries what a streamed run's llm_output lacks.
            message = _first_message(response)
            response_metadata = _read(message, "response_metadata")
            output: list[Message] = []
            if run.capture_outputs:
                output = _map_output_messages(response) or run.streamed_output()
            usage = _read(llm_output, "token_usage") or _read(llm_output, "usage")
            run.recorder.set_result(Generation(
                input=run.input_messages,
                output=output,
                usage=_map_usage(usage) if usage else _map_usage_metadata(_read(message, "usage_metadata")),
                response_model=_as_str(_read(llm_output, "model_name")) or _as_str(_read(response_metadata, "model_name")),
                stop_reason=_first_text(llm_output, (("finish_reason",), ("stop_reason",)))
                or _first_text(response_metadata, (("finish_reason",), ("stop_reason",))),
                **run.mode_fields(),
            ))
        finally:
            run.recorder.end()
        _raise_local_error(run.recorder)

    def _on_llm_provider_end(self, *, run_id: UUID, api: str, request: Any, response: Any) -> None:
        """The run finished and the framework handed over provider-shaped bodies (``api`` as in
        ``GenerationRecorder.set_provider_request``): the engine maps them, as for a provider call.
        Without input capture the request is left out (the start's prompts stay the input)."""
        with self._lock:
            run = self._runs.pop(str(run_id), None)
        if run is None:
            return
        try:
            if self._capture_inputs and request is not None:
                run.seed_model()
                run.recorder.set_provider_request(api, request)
            else:
                run.recorder.set_result(Generation(input=run.input_messages, model=run.model or ModelRef()))
            run.recorder.set_provider_response(api, response)
        finally:
            run.recorder.end()
        _raise_local_error(run.recorder)

    def _on_llm_error(self, *, error: BaseException, run_id: UUID, api: str = "", request: Any = None) -> None:
        """The run failed: recorded as the call error, with whatever text was streamed. A framework that
        hands over the provider-shaped request (``api`` as in ``_on_llm_provider_end``) has it mapped as
        the input, unless inputs are not captured."""
        with self._lock:
            run = self._runs.pop(str(run_id), None)
        if run is None:
            return
        try:
            if api and request is not None and self._capture_inputs:
                run.seed_model()
                run.recorder.set_provider_request(api, request)
            run.recorder.set_call_error(Exception(str(error)))
            streamed = run.streamed_output()
            if streamed:
                run.recorder.set_result(Generation(input=run.input_messages, output=streamed, **run.mode_fields()))
        finally:
            run.recorder.end()
        _raise_local_error(run.recorder)

    # -- tool runs -> tool executions --

    def _on_tool_start(
        self,
        *,
        serialized: Optional[dict[str, Any]],
        input_str: str,
        run_id: UUID,
        parent_run_id: Optional[UUID],
        callback_kwargs: Optional[dict[str, Any]] = None,
    ) -> None:
        """A tool run started; its arguments are ``callback_kwargs["inputs"]``, else the input string."""
        with self._lock:
            abandoned = self._start_tool_locked(serialized, input_str, run_id, parent_run_id, callback_kwargs)
        _abandon(abandoned)

    def _start_tool_locked(self, serialized: Optional[dict[str, Any]], input_str: str, run_id: UUID,
                           parent_run_id: Optional[UUID], callback_kwargs: Optional[dict[str, Any]]) -> list[Any]:
        run_key = str(run_id)
        if run_key in self._tool_runs:
            return []
        conversation_id, _ = _resolve_conversation_id(self._framework_name, run_key, serialized, None,
                                                      callback_kwargs)
        with self._child_of(parent_run_id):
            recorder = self._client.start_tool_execution(ToolExecutionStart(
                tool_name=_resolve_tool_name(serialized, callback_kwargs),
                tool_call_id=_as_str(_read(callback_kwargs, "tool_call_id")),
                tool_description=_as_str(_read(serialized, "description")),
                conversation_id=conversation_id,
                agent_name=self._agent_name,
                agent_version=self._agent_version,
                include_content=self._capture_inputs or self._capture_outputs,
            ))
        arguments = None
        if self._capture_inputs:
            explicit = _read(callback_kwargs, "inputs")
            arguments = explicit if explicit is not None else input_str.strip()
        return self._keep(self._tool_runs, run_key, _ToolRun(recorder=recorder, arguments=arguments,
                                                             capture_outputs=self._capture_outputs))

    def _on_tool_end(self, *, output: Any, run_id: UUID) -> None:
        """The tool returned ``output``."""
        with self._lock:
            run = self._tool_runs.pop(str(run_id), None)
        if run is None:
            return
        try:
            fields: dict[str, Any] = {}
            if run.arguments is not None:
                fields["arguments"] = run.arguments
            if run.capture_outputs:
                fields["result"] = output
            run.recorder.set_result(**fields)
        finally:
            run.recorder.end()
        _raise_local_error(run.recorder)

    def _on_tool_error(self, *, error: BaseException, run_id: UUID) -> None:
        """The tool failed."""
        with self._lock:
            run = self._tool_runs.pop(str(run_id), None)
        if run is None:
            return
        try:
            run.recorder.set_exec_error(Exception(str(error)))
        finally:
            run.recorder.end()
        _raise_local_error(run.recorder)

    # -- chain and retriever runs -> spans --

    def _on_chain_start(
        self,
        *,
        serialized: Optional[dict[str, Any]],
        run_id: UUID,
        parent_run_id: Optional[UUID],
        run_type: str = "chain",
        callback_kwargs: Optional[dict[str, Any]] = None,
        kind: str = "chain",
    ) -> None:
        """A chain run started: a ``<framework>.<kind> <component>`` span (``kind`` "chain", or "agent" for a
        framework whose agent invocations are runs of their own)."""
        self._start_span(self._chain_spans, run_id, parent_run_id, serialized, callback_kwargs, run_type,
                         "framework_chain", kind)

    def _on_chain_end(self, *, run_id: UUID) -> None:
        self._end_span(self._chain_spans, run_id, None)

    def _on_chain_error(self, *, error: BaseException, run_id: UUID) -> None:
        self._end_span(self._chain_spans, run_id, error)

    def _on_retriever_start(
        self,
        *,
        serialized: Optional[dict[str, Any]],
        run_id: UUID,
        parent_run_id: Optional[UUID],
        callback_kwargs: Optional[dict[str, Any]] = None,
    ) -> None:
        """A retriever run started: a ``<framework>.retriever <component>`` span."""
        self._start_span(self._retriever_spans, run_id, parent_run_id, serialized, callback_kwargs, "retriever",
                         "framework_retriever", "retriever")

    def _on_retriever_end(self, *, run_id: UUID) -> None:
        self._end_span(self._retriever_spans, run_id, None)

    def _on_retriever_error(self, *, error: BaseException, run_id: UUID) -> None:
        self._end_span(self._retriever_spans, run_id, error)

    def _start_span(
        self,
        spans: dict[str, Any],
        run_id: UUID,
        parent_run_id: Optional[UUID],
        serialized: Optional[dict[str, Any]],
        callback_kwargs: Optional[dict[str, Any]],
        run_type: str,
        operation_name: str,
        kind_name: str,
    ) -> None:
        with self._lock:
            abandoned = self._start_span_locked(spans, run_id, parent_run_id, serialized, callback_kwargs,
                                                run_type, operation_name, kind_name)
        _abandon(abandoned)

    def _start_span_locked(
        self,
        spans: dict[str, Any],
        run_id: UUID,
        parent_run_id: Optional[UUID],
        serialized: Optional[dict[str, Any]],
        callback_kwargs: Optional[dict[str, Any]],
        run_type: str,
        operation_name: str,
        kind_name: str,
    ) -> list[Any]:
        run_key = str(run_id)
        tracer = self._framework_tracer()
        if run_key in spans or tracer is None:
            return []
        info = self._run_info(run_key, parent_run_id, serialized, None, callback_kwargs)
        component = info.component_name or kind_name
        from opentelemetry.trace import SpanKind

        name = f"{self._framework_name}.{kind_name} {component}"
        parent_context = self._parent_context(parent_run_id)
        if parent_context is None:
            span = tracer.start_span(name, kind=SpanKind.INTERNAL)
        else:
            span = tracer.start_span(name, context=parent_context, kind=SpanKind.INTERNAL)
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": operation_name,
            _TAG_NAME: self._framework_name,
            _TAG_SOURCE: self._framework_source,
            _TAG_LANGUAGE: self._framework_language,
            _META_RUN_ID: run_key,
            _META_RUN_TYPE: run_type,
        }
        optional = (
            (_META_THREAD_ID, info.thread_id),
            ("gen_ai.conversation.id", info.conversation_id),
            (_META_PARENT_RUN_ID, info.parent_run_key),
            (_META_COMPONENT, info.component_name),
            (_META_RETRY, info.retry_attempt),
            (_META_LANGGRAPH_NODE, info.langgraph_node),
            (_META_EVENT_ID, info.event_id),
        )
        attributes.update((k, v) for k, v in optional if v not in ("", None))
        for key, value in attributes.items():
            span.set_attribute(key, value)
        return self._keep(spans, run_key, _SpanRun(span))

    def _end_span(self, spans: dict[str, Any], run_id: UUID, error: Optional[BaseException]) -> None:
        with self._lock:
            run = spans.pop(str(run_id), None)
        if run is not None:
            _finish_span(run.span, error)

    # -- the run tree --

    def _keep(self, table: dict[str, Any], run_key: str, run: Any) -> list[Any]:
        """Files an open run (the lock held); returns the oldest runs pushed out past max_open_runs."""
        table[run_key] = run
        abandoned = []
        while len(table) > self._max_open_runs:
            abandoned.append(table.pop(next(iter(table))))
        return abandoned

    def _open_run(self, parent_run_id: Optional[UUID]) -> Any:
        if parent_run_id is None:
            return None
        key = str(parent_run_id).strip()
        with self._lock:
            for table in (self._chain_spans, self._retriever_spans, self._runs, self._tool_runs):
                if (run := table.get(key)) is not None:
                    return run
        return None

    def _parent_traceparent(self, parent_run_id: Optional[UUID]) -> str:
        """The traceparent of the open parent run's span, "" when the parent is not open here."""
        run = self._open_run(parent_run_id)
        if run is None:
            return ""
        if isinstance(run, _SpanRun):
            return _span_traceparent(run.span)
        return run.recorder.traceparent

    def _child_of(self, parent_run_id: Optional[UUID]) -> Any:
        """A context in which recorders start as children of the parent run's span."""
        traceparent = self._parent_traceparent(parent_run_id)
        if not traceparent:
            return contextlib.nullcontext()
        return with_parent_traceparent(traceparent, remote=False)

    def _parent_context(self, parent_run_id: Optional[UUID]) -> Any:
        """The OpenTelemetry context for a span whose parent is the open parent run; None without one."""
        run = self._open_run(parent_run_id)
        if run is None:
            return None
        from opentelemetry import trace

        if isinstance(run, _SpanRun):
            if not _span_traceparent(run.span):
                return None
            return trace.set_span_in_context(run.span)
        parsed = _parse_traceparent(run.recorder.traceparent)
        if parsed is None:
            return None
        trace_id, span_id, flags = parsed
        span_context = trace.SpanContext(trace_id, span_id, is_remote=False, trace_flags=trace.TraceFlags(flags))
        return trace.set_span_in_context(trace.NonRecordingSpan(span_context))

    def _framework_tracer(self) -> Any:
        """The client's configured tracer, else OpenTelemetry's global one; None without opentelemetry."""
        tracer = getattr(self._client, "_tracer", None)
        if tracer is not None:
            return tracer
        try:
            from opentelemetry import trace
        except ImportError:
            return None
        return trace.get_tracer(self._framework_instrumentation_name)

    def _run_info(
        self,
        run_key: str,
        parent_run_id: Optional[UUID],
        serialized: Optional[dict[str, Any]],
        invocation_params: Optional[dict[str, Any]],
        callback_kwargs: Optional[dict[str, Any]],
    ) -> _RunInfo:
        conversation_id, thread_id = _resolve_conversation_id(self._framework_name, run_key, serialized,
                                                              invocation_params, callback_kwargs)
        payloads = (callback_kwargs, invocation_params, serialized)
        return _RunInfo(
            run_key=run_key,
            conversation_id=conversation_id,
            thread_id=thread_id,
            parent_run_key="" if parent_run_id is None else str(parent_run_id).strip(),
            component_name=_resolve_component_name(serialized, callback_kwargs),
            retry_attempt=_first(payloads, _retry_attempt_of),
            langgraph_node=_first(payloads, _langgraph_node_of) or "",
            event_id=_first(payloads, _event_id_of) or "",
        )


@dataclass(slots=True)
class _SpanRun:
    span: Any


def _finish_span(span: Any, error: Optional[BaseException]) -> None:
    from opentelemetry.trace import Status, StatusCode

    if error is None:
        span.set_status(Status(StatusCode.OK))
    else:
        span.set_attribute("error.type", "framework_error")
        span.set_attribute("error.category", "sdk_error")
        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, str(error)))
    span.end()


def _mark_first_token(run: _LlmRun, arrived_at: Optional[datetime]) -> None:
    if not run.first_token_seen:
        run.first_token_seen = True
        run.recorder.set_first_token_at(arrived_at or datetime.now(timezone.utc))


def _abandon(runs: list[Any]) -> None:
    """Ends runs pushed out of the tables before their framework ended them: recorded as failed, never
    dropped silently, and never raised into the framework's callback."""
    for run in runs:
        try:
            if isinstance(run, _SpanRun):
                _finish_span(run.span, RuntimeError(_ABANDONED))
            elif isinstance(run, _ToolRun):
                run.recorder.set_exec_error(RuntimeError(_ABANDONED))
                run.recorder.end()
            else:
                run.recorder.set_call_error(RuntimeError(_ABANDONED))
                run.recorder.end()
        except Exception:  # noqa: BLE001 - telemetry never breaks the host
            pass


async def forward_callback(log: logging.Logger, framework: str, method: Any, *args: Any, **kwargs: Any) -> None:
    """Calls a handler callback from a framework's async hook, awaiting it when it is a coroutine (the
    async handlers). Agent frameworks let a hook's exception end the run: a recording problem (the
    client shut down, a validation error) is logged instead, never raised into it."""
    result = call_callback(log, framework, method, *args, **kwargs)
    if inspect.isawaitable(result):
        try:
            await result
        except Exception as exc:  # noqa: BLE001 - telemetry never breaks the host
            log.warning("sigil: recording a %s event failed: %s", framework, exc)


def call_callback(log: logging.Logger, framework: str, method: Any, *args: Any, **kwargs: Any) -> Any:
    """``forward_callback`` for a framework's sync hook: a recording problem is logged, never raised."""
    try:
        return method(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - telemetry never breaks the host
        log.warning("sigil: recording a %s event failed: %s", framework, exc)
        return None


def _span_traceparent(span: Any) -> str:
    get = getattr(span, "get_span_context", None)
    context = get() if callable(get) else None
    if context is None or not getattr(context, "is_valid", False):
        return ""
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"


def _parse_traceparent(traceparent: str) -> Optional[tuple[int, int, int]]:
    parts = traceparent.split("-")
    if len(parts) != 4 or len(parts[1]) != 32 or len(parts[2]) != 16:
        return None
    try:
        trace_id, span_id, flags = int(parts[1], 16), int(parts[2], 16), int(parts[3], 16)
    except ValueError:
        return None
    return (trace_id, span_id, flags) if trace_id and span_id else None


def _raise_local_error(recorder: Any) -> None:
    err = recorder.err()
    if err is not None:
        raise err


# -- resolution from callback payloads --


def _read(value: Any, key: str) -> Any:
    """``value[key]`` for a dict, else the attribute; None when missing."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get(key)
    return getattr(value, key, None)


def _read_path(value: Any, *keys: str) -> Any:
    for key in keys:
        value = _read(value, key)
    return value


def _as_str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _first_text(payload: Any, paths: tuple[tuple[str, ...], ...]) -> str:
    for path in paths:
        text = _as_str(_read_path(payload, *path))
        if text:
            return text
    return ""


def _first(payloads: tuple[Any, ...], pick: Callable[[Any], Any]) -> Any:
    for payload in payloads:
        if payload is None:
            continue
        value = pick(payload)
        if value not in ("", None):
            return value
    return None


_THREAD_KEYS = ("thread_id", "threadId")
_CONVERSATION_KEYS = ("conversation_id", "conversationId", "session_id", "sessionId", "group_id", "groupId")
_THREAD_PATHS = tuple(prefix + (k,) for prefix in ((), ("metadata",), ("configurable",), ("config",),
                                                    ("config", "metadata"), ("config", "configurable"))
                      for k in _THREAD_KEYS)
_CONVERSATION_PATHS = tuple(prefix + (k,) for prefix in ((), ("metadata",), ("configurable",), ("config",))
                            for k in _CONVERSATION_KEYS)
_LANGGRAPH_NODE_PATHS = (
    ("langgraph_node",), ("langgraph_node_name",), ("node_name",), ("node",),
    ("metadata", "langgraph_node"), ("metadata", "langgraph_node_name"),
    ("configurable", "langgraph_node"), ("configurable", "langgraph_node_name"),
    ("config", "configurable", "__pregel_node"),
)
_EVENT_ID_PATHS = tuple(prefix + (k,) for prefix in ((), ("metadata",))
                        for k in ("event_id", "eventId", "invocation_id", "invocationId"))
_RETRY_PATHS = (("retry_attempt",), ("retryAttempt",), ("attempt",), ("retry",),
                ("metadata", "retry_attempt"), ("metadata", "retryAttempt"),
                ("configurable", "retry_attempt"), ("configurable", "retryAttempt"))


def _thread_id_of(payload: Any) -> str:
    return _first_text(payload, _THREAD_PATHS)


def _langgraph_node_of(payload: Any) -> str:
    return _first_text(payload, _LANGGRAPH_NODE_PATHS)


def _event_id_of(payload: Any) -> str:
    return _first_text(payload, _EVENT_ID_PATHS)


def _retry_attempt_of(payload: Any) -> Optional[int]:
    for path in _RETRY_PATHS:
        value = _optional_int(_read_path(payload, *path))
        if value is not None:
            return value
    return None


def _resolve_conversation_id(
    framework_name: str,
    run_key: str,
    serialized: Any,
    invocation_params: Any,
    callback_kwargs: Any,
) -> tuple[str, str]:
    """(conversation id, thread id): an explicit conversation/session/group id, else the thread id, else a
    deterministic ``sigil:framework:<name>:<run>`` id."""
    payloads = (callback_kwargs, invocation_params, serialized)
    any_thread = _first(payloads, _thread_id_of) or ""
    for payload in payloads:
        conversation_id = _first_text(payload, _CONVERSATION_PATHS)
        if conversation_id:
            return conversation_id, _thread_id_of(payload) or any_thread
    if any_thread:
        return any_thread, any_thread
    return f"sigil:framework:{framework_name}:{run_key}", ""


def _id_path(value: Any) -> str:
    if not isinstance(value, list):
        return ""
    return ".".join(s.strip() for s in value if isinstance(s, str) and s.strip())


def _resolve_component_name(serialized: Any, callback_kwargs: Any) -> str:
    for candidate in (
        _as_str(_read(serialized, "name")),
        _id_path(_read(serialized, "id")),
        _id_path(_read(serialized, "lc_id")),
        _as_str(_read_path(serialized, "kwargs", "name")),
        _as_str(_read(callback_kwargs, "component_name")),
        _as_str(_read(callback_kwargs, "run_name")),
    ):
        if candidate:
            return candidate
    return ""


def _resolve_tool_name(serialized: Any, callback_kwargs: Any) -> str:
    for candidate in (
        _as_str(_read(serialized, "name")),
        _as_str(_read(serialized, "tool_name")),
        _as_str(_read(callback_kwargs, "name")),
        _as_str(_read(callback_kwargs, "run_name")),
    ):
        if candidate:
            return candidate
    return "framework_tool"


def _resolve_model_name(serialized: Any, invocation_params: Any) -> str:
    for payload in (invocation_params, serialized):
        for key in ("model", "model_name", "ls_model_name"):
            if text := _as_str(_read(payload, key)):
                return text
        for key in ("model", "model_name"):
            if text := _as_str(_read_path(payload, "kwargs", key)):
                return text
    return "unknown"


def _normalize_provider(value: Any) -> str:
    name = _as_str(value).lower()
    return name if name in _KNOWN_PROVIDERS or name == "" else "custom"


def _resolve_provider(explicit: str, resolver: ProviderResolver, model_name: str, serialized: Any,
                      invocation_params: Any) -> str:
    """The explicit provider, else the resolver's answer ("custom" when blank), else the payloads' provider
    or ls_provider, else inferred from the model name. Unknown names become "custom"."""
    if name := _normalize_provider(explicit):
        return name
    if callable(resolver):
        return _normalize_provider(resolver(model_name, serialized, invocation_params)) or "custom"
    for payload in (invocation_params, serialized):
        for key in ("provider", "ls_provider"):
            if name := _normalize_provider(_read(payload, key)):
                return name
    model = model_name.strip().lower()
    if model.startswith(("gpt-", "o1", "o3", "o4")):
        return "openai"
    if model.startswith("claude-"):
        return "anthropic"
    if model.startswith("gemini-"):
        return "gemini"
    return "custom"


def _is_streaming(invocation_params: Any) -> bool:
    return invocation_params is not None and (
        _as_bool(_read(invocation_params, "stream")) or _as_bool(_read(invocation_params, "streaming")))


def _normalize_tags(value: Any) -> list[str]:
    out: list[str] = []
    for raw in value if isinstance(value, list) else [value]:
        text = _as_str(raw)
        if text and text not in out:
            out.append(text)
    return out


def _normalize_metadata(value: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe metadata: string keys trimmed, non-finite floats and unknown objects dropped, datetimes as
    ISO text, nesting cut below five levels, cycles as "[circular]"."""
    out = _normalize_value(value, 0, set())
    return out if isinstance(out, dict) else {}


def _normalize_value(value: Any, depth: int, active: set[int]) -> Any:
    if depth > _MAX_METADATA_DEPTH:
        return _DROP
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _DROP
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, (list, tuple)):
        items = (_normalize_value(v, depth + 1, active) for v in value)
        return [v for v in items if v is not _DROP]
    if isinstance(value, dict):
        if id(value) in active:
            return "[circular]"
        active.add(id(value))
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str) or not key.strip():
                continue
            normalized = _normalize_value(item, depth + 1, active)
            if normalized is not _DROP:
                out[key.strip()] = normalized
        active.discard(id(value))
        return out
    return _DROP


# -- inputs, outputs, usage --


def _message_text(message: Any) -> str:
    content = _read(message, "content")
    if isinstance(content, str):
        return content.strip()
    if isinstance(content, list):
        texts = [item.strip() if isinstance(item, str) else _as_str(_read(item, "text")) for item in content]
        return " ".join(t for t in texts if t).strip()
    if isinstance(content, dict):
        return _as_str(content.get("text"))
    return ""


def _role(message: Any) -> MessageRole:
    name = (_as_str(_read(message, "role")) or _as_str(_read(message, "type")) or "user").lower()
    if name in ("assistant", "ai"):
        return MessageRole.ASSISTANT
    if name == "tool":
        return MessageRole.TOOL
    return MessageRole.USER


def _tool_call_parts(message: Any) -> list[Part]:
    """The tool calls of a framework message (LangChain's ``tool_calls``: name, args, id)."""
    calls = _read(message, "tool_calls")
    parts: list[Part] = []
    for call in calls if isinstance(calls, list) else []:
        name = _as_str(_read(call, "name"))
        if not name:
            continue
        args = _read(call, "args")
        parts.append(Part(kind=PartKind.TOOL_CALL, tool_call=ToolCall(
            name=name, id=_as_str(_read(call, "id")), input_json=args if args is not None else b"")))
    return parts


def _map_chat_inputs(messages: list[list[Any]]) -> list[Message]:
    """Text, the assistant's tool calls and the tool results of each message, in order."""
    out: list[Message] = []
    for batch in messages:
        for message in batch:
            role = _role(message)
            text = _message_text(message)
            if role == MessageRole.TOOL:
                call_id = _as_str(_read(message, "tool_call_id"))
                if text or call_id:
                    out.append(Message(role=role, parts=[Part(kind=PartKind.TOOL_RESULT, tool_result=ToolResult(
                        tool_call_id=call_id, content=text,
                        is_error=_as_str(_read(message, "status")) == "error"))]))
                continue
            parts = [Part(kind=PartKind.TEXT, text=text)] if text else []
            parts.extend(_tool_call_parts(message))
            if parts:
                out.append(Message(role=role, parts=parts))
    return out


def _first_message(response: Any) -> Any:
    generations = _read(response, "generations")
    for candidates in generations if isinstance(generations, list) else []:
        for candidate in candidates if isinstance(candidates, list) else []:
            if (message := _read(candidate, "message")) is not None:
                return message
    return None


def _map_output_messages(response: Any) -> list[Message]:
    texts: list[str] = []
    calls: list[Part] = []
    generations = _read(response, "generations")
    for candidates in generations if isinstance(generations, list) else []:
        for candidate in candidates if isinstance(candidates, list) else []:
            message = _read(candidate, "message")
            text = _as_str(_read(candidate, "text")) or _message_text(message)
            if text:
                texts.append(text)
            calls.extend(_tool_call_parts(message))
    if not texts and (fallback := _as_str(_read(response, "text"))):
        texts.append(fallback)
    parts = [Part(kind=PartKind.TEXT, text="\n".join(texts))] if texts else []
    parts.extend(calls)
    if not parts:
        return []
    return [Message(role=MessageRole.ASSISTANT, parts=parts)]


def _map_usage_metadata(raw: Any) -> TokenUsage:
    """LangChain's ``usage_metadata`` (input/output/total tokens and their details)."""
    if raw is None:
        return TokenUsage()
    return TokenUsage(
        input_tokens=_as_int(_read(raw, "input_tokens")),
        output_tokens=_as_int(_read(raw, "output_tokens")),
        total_tokens=_as_int(_read(raw, "total_tokens")),
        cache_read_input_tokens=_as_int(_read_path(raw, "input_token_details", "cache_read")),
        cache_creation_input_tokens=_as_int(_read_path(raw, "input_token_details", "cache_creation")),
        reasoning_tokens=_as_int(_read_path(raw, "output_token_details", "reasoning")),
    )


def _map_usage(raw: Any) -> TokenUsage:
    if raw is None:
        return TokenUsage()
    input_tokens = _as_int(_read(raw, "prompt_tokens")) or _as_int(_read(raw, "input_tokens"))
    output_tokens = _as_int(_read(raw, "completion_tokens")) or _as_int(_read(raw, "output_tokens"))
    total = _as_int(_read(raw, "total_tokens")) or input_tokens + output_tokens
    return TokenUsage(input_tokens=input_tokens, output_tokens=output_tokens, total_tokens=total)


def _as_int(value: Any) -> int:
    if isinstance(value, (bool, int)):
        return int(value)
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else 0
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return 0
    return 0


def _optional_int(value: Any) -> Optional[int]:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(value, int):
        return value != 0
    return False


__all__ = ["ProviderResolver", "SigilFrameworkHandlerBase", "call_callback", "forward_callback",
           "merge_framework_callback_kwargs"]
