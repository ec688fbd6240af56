"""Strands Agents through its hooks: ``Agent(**with_sigil_strands_hooks({...agent kwargs...}, client=client))``,
or ``with_sigil_strands_hooks(agent, client=client)`` for an agent that already exists.

Each agent invocation is a span (``strands.agent <name>``, run type ``invocation``); each model call in
it is a generation and each tool call a tool execution, both children of the invocation's span. Strands
speaks the Bedrock Converse shape internally whatever the model (messages, tool specs, usage, stop
reason), so a model call is handed to the engine as a ``bedrock.converse`` request and response and
mapped there; the generation's provider is the model's (``OpenAIModel`` is openai, ``AnthropicModel``
anthropic, ``GeminiModel`` gemini, else inferred from the model id). Strands streams by default: a
streamed call is a STREAM generation whose time to first token is the first content chunk, observed by a
middleware on the model stage (``InvokeModelStage``); a model configured with ``stream=False`` is SYNC.
A failing model call or tool is recorded as failed, and an invocation that raised ends its span with
``error.type`` ``framework_error``; the error itself goes on unchanged.

The conversation id is ``conversation_id`` / ``session_id`` / ``group_id`` from the invocation's
``invocation_state``, else its ``thread_id``, else the agent's Strands session id (its session manager's,
or the id Strands gives each agent, which keeps its message history across calls), else
``sigil:framework:strands:<run_id>``. Runs are told apart by agent and invocation state, so concurrent
agents (threads, asyncio tasks) never mix; an invocation that never ends is ended as abandoned once
``max_open_runs`` newer ones exist.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Optional
from uuid import UUID, uuid4

from sigil_sdk import Client
from sigil_sdk.framework_handler import SigilFrameworkHandlerBase, _resolve_conversation_id, call_callback

try:
    from strands.hooks import (
        AfterInvocationEvent,
        AfterModelCallEvent,
        AfterToolCallEvent,
        AgentInitializedEvent,
        BeforeInvocationEvent,
        BeforeModelCallEvent,
        BeforeToolCallEvent,
    )
except ImportError:  # strands-agents absent: the module stays importable, nothing calls it
    AfterInvocationEvent = AfterModelCallEvent = AfterToolCallEvent = None  # type: ignore[assignment,misc]
    AgentInitializedEvent = BeforeInvocationEvent = BeforeModelCallEvent = BeforeToolCallEvent = None  # type: ignore[assignment,misc]

try:
    from strands.middleware import InvokeModelStage
except ImportError:  # a Strands without middleware: no time to first token
    InvokeModelStage = None

_log = logging.getLogger("sigil_sdk_strands")
_FRAMEWORK = "Strands"
_CONVERSE_API = "bedrock.converse"
_ABANDONED = "strands invocation abandoned: no AfterInvocationEvent before max_open_runs newer invocations"
# invocation_state keys the handler reads its identity from, in the order the base resolves them.
_IDENTITY_KEYS = ("conversation_id", "conversationId", "session_id", "sessionId", "group_id", "groupId",
                  "thread_id", "threadId", "event_id", "eventId")
_CONVERSATION_KEYS = _IDENTITY_KEYS[:6]
# Strands model classes whose provider Sigil names; others are resolved from the model id.
_PROVIDER_BY_CLASS = {"OpenAIModel": "openai", "OpenAIResponsesModel": "openai", "AnthropicModel": "anthropic",
                      "GeminiModel": "gemini"}


class SigilStrandsHandler(SigilFrameworkHandlerBase):
    """Records Strands invocations; the reference handlers' options (agent name and version, provider,
    provider_resolver, capture flags, extra tags and metadata, max_open_runs)."""

    framework_name = "strands"
    instrumentation_name = "github.com/grafana/sigil/sdks/python-frameworks/strands"

    def __init__(self, *, client: Client, **options: Any) -> None:
        options.setdefault("framework_source", "hooks")
        super().__init__(client=client, framework_name=self.framework_name,
                         framework_instrumentation_name=self.instrumentation_name, **options)


@dataclass
class _ModelCall:
    run_id: UUID
    request: Optional[dict[str, Any]]
    streaming: bool


@dataclass
class _Invocation:
    """One agent invocation's open runs. ``agent`` and ``state`` are kept so their ids, the key, are not
    reused while it is open."""

    agent: Any
    state: Any
    run_id: Optional[UUID]
    identity: dict[str, str]
    model_call: Optional[_ModelCall] = None
    tools: dict[str, UUID] = field(default_factory=dict)
    # The last model call's failure: what ends an invocation that has no result (Strands raises it).
    model_error: Optional[BaseException] = None


class SigilStrandsHookProvider:
    """A Strands ``HookProvider`` recording through ``sigil_handler``. It changes nothing: no event field
    is written, and the model stage's events pass through the middleware as they come."""

    def __init__(self, *, sigil_handler: SigilStrandsHandler) -> None:
        self.sigil_handler = sigil_handler
        self._lock = threading.Lock()
        self._invocations: dict[tuple[int, int], _Invocation] = {}
        self._observed_agents: "weakref.WeakSet[Any]" = weakref.WeakSet()

    def register_hooks(self, registry: Any, **_kwargs: Any) -> None:
        registry.add_callback(AgentInitializedEvent, self.agent_initialized)
        registry.add_callback(BeforeInvocationEvent, self.before_invocation)
        registry.add_callback(AfterInvocationEvent, self.after_invocation)
        registry.add_callback(BeforeModelCallEvent, self.before_model_call)
        registry.add_callback(AfterModelCallEvent, self.after_model_call)
        registry.add_callback(BeforeToolCallEvent, self.before_tool_call)
        registry.add_callback(AfterToolCallEvent, self.after_tool_call)

    # -- the model stage's stream: time to first token --

    def agent_initialized(self, event: Any) -> None:
        self.observe_stream(event.agent)

    def observe_stream(self, agent: Any) -> None:
        """Adds the middleware that sees the model's first chunk to ``agent`` (once per agent)."""
        add = getattr(agent, "add_middleware", None)
        if InvokeModelStage is None or not callable(add):
            return
        with self._lock:
            if agent in self._observed_agents:
                return
            self._observed_agents.add(agent)
        add(InvokeModelStage, self._first_chunk_middleware)

    async def _first_chunk_middleware(self, context: Any, next_fn: Any) -> Any:
        call = self._open_model_call(getattr(context, "agent", None), getattr(context, "invocation_state", None))
        waiting = call is not None and call.streaming
        async for event in next_fn(context):
            if waiting and _is_content_chunk(event):
                waiting = False
                call_callback(_log, _FRAMEWORK, self.sigil_handler._on_llm_first_chunk, run_id=call.run_id,
                              arrived_at=datetime.now(timezone.utc))
            yield event

    # -- the invocation -> a span --

    def before_invocation(self, event: Any) -> None:
        agent = event.agent
        state = getattr(event, "invocation_state", None)
        run_id = uuid4()
        identity = _identity(state, agent, run_id)
        invocation = _Invocation(agent=agent, state=state, run_id=run_id, identity=identity)
        with self._lock:
            self._invocations.pop(_key(agent, state), None)
            self._invocations[_key(agent, state)] = invocation
            abandoned = []
            while len(self._invocations) > self.sigil_handler._max_open_runs:
                abandoned.append(self._invocations.pop(next(iter(self._invocations))))
        for old in abandoned:
            self._end_invocation(old, RuntimeError(_ABANDONED))
        name = _agent_name(agent)
        call_callback(_log, _FRAMEWORK, self.sigil_handler._on_chain_start, serialized={"name": name},
                      run_id=run_id, parent_run_id=None, run_type="invocation", kind="agent",
                      callback_kwargs={"metadata": identity, "run_name": name})

    def after_invocation(self, event: Any) -> None:
        invocation = self._pop_invocation(event.agent, getattr(event, "invocation_state", None))
        if invocation is None:
            return
        result = getattr(event, "result", None)
        error = None
        if result is None:  # Strands raised, or the caller stopped consuming the stream
            error = invocation.model_error or RuntimeError("strands invocation ended without a result")
        elif getattr(result, "stop_reason", None) == "cancelled":
            error = RuntimeError("strands invocation cancelled")
        self._end_invocation(invocation, error)

    def _end_invocation(self, invocation: _Invocation, error: Optional[BaseException]) -> None:
        """Ends the invocation's span and whatever of it is still open (a model call or tools the
        framework never reported back: recorded as failed with ``error``, else as interrupted)."""
        pending = error or RuntimeError("strands invocation ended before the run reported back")
        if invocation.model_call is not None:
            call_callback(_log, _FRAMEWORK, self.sigil_handler._on_llm_error, error=pending,
                          run_id=invocation.model_call.run_id)
        for run_id in invocation.tools.values():
            call_callback(_log, _FRAMEWORK, self.sigil_handler._on_tool_error, error=pending, run_id=run_id)
        if invocation.run_id is None:
            return
        if error is None:
            call_callback(_log, _FRAMEWORK, self.sigil_handler._on_chain_end, run_id=invocation.run_id)
        else:
            call_callback(_log, _FRAMEWORK, self.sigil_handler._on_chain_error, error=error,
                          run_id=invocation.run_id)

    # -- a model call -> a generation --

    def before_model_call(self, event: Any) -> None:
        agent = event.agent
        invocation = self._invocation(agent, getattr(event, "invocation_state", None))
        model = getattr(agent, "model", None)
        config = _model_config(model)
        model_name = _model_name(model, config)
        streaming = _is_streaming(config)
        request = _converse_request(agent, model_name, config) if self.sigil_handler._capture_inputs else None
        call = _ModelCall(run_id=uuid4(), request=request, streaming=streaming)
        with self._lock:
            invocation.model_call = call
        params: dict[str, Any] = {"model": model_name, "stream": streaming}
        if provider := _provider(model, model_name):
            params["provider"] = provider
        name = _agent_name(agent)
        call_callback(_log, _FRAMEWORK, self.sigil_handler._on_chat_model_start,
                      serialized={"name": name, "kwargs": {"model": model_name}}, messages=[],
                      run_id=call.run_id, parent_run_id=invocation.run_id, invocation_params=params,
                      callback_kwargs={"metadata": invocation.identity, "run_name": name})

    def after_model_call(self, event: Any) -> None:
        invocation = self._invocation(event.agent, getattr(event, "invocation_state", None))
        exception = getattr(event, "exception", None)
        with self._lock:
            call, invocation.model_call = invocation.model_call, None
            invocation.model_error = exception
        if call is None:
            return
        if exception is not None:
            call_callback(_log, _FRAMEWORK, self.sigil_handler._on_llm_error, error=exception, run_id=call.run_id,
                          api=_CONVERSE_API, request=call.request)
            return
        response = _converse_response(getattr(event, "stop_response", None), self.sigil_handler._capture_outputs)
        call_callback(_log, _FRAMEWORK, self.sigil_handler._on_llm_provider_end, run_id=call.run_id,
                      api=_CONVERSE_API, request=call.request, response=response)

    # -- a tool call -> a tool execution --

    def before_tool_call(self, event: Any) -> None:
        invocation = self._invocation(event.agent, getattr(event, "invocation_state", None))
        tool_use = getattr(event, "tool_use", None) or {}
        tool = getattr(event, "selected_tool", None)
        spec = getattr(tool, "tool_spec", None) or {}
        name = _text(tool_use.get("name")) or _text(getattr(tool, "tool_name", None)) or "framework_tool"
        tool_use_id = _text(tool_use.get("toolUseId"))
        run_id = uuid4()
        with self._lock:
            invocation.tools[tool_use_id or str(run_id)] = run_id
        metadata = dict(invocation.identity)
        if tool_use_id:
            metadata["event_id"] = tool_use_id
        call_callback(_log, _FRAMEWORK, self.sigil_handler._on_tool_start,
                      serialized={"name": name, "description": _text(spec.get("description"))}, input_str="",
                      run_id=run_id, parent_run_id=invocation.run_id,
                      callback_kwargs={"metadata": metadata, "run_name": name, "inputs": tool_use.get("input"),
                                       "tool_call_id": tool_use_id})

    def after_tool_call(self, event: Any) -> None:
        invocation = self._invocation(event.agent, getattr(event, "invocation_state", None))
        tool_use = getattr(event, "tool_use", None) or {}
        with self._lock:
            run_id = invocation.tools.pop(_text(tool_use.get("toolUseId")), None)
            if run_id is None and len(invocation.tools) == 1 and not _text(tool_use.get("toolUseId")):
                run_id = invocation.tools.pop(next(iter(invocation.tools)))
        if run_id is None:
            return
        result = getattr(event, "result", None) or {}
        exception = getattr(event, "exception", None)
        if exception is not None or result.get("status") == "error":
            error = exception if exception is not None else RuntimeError(_tool_result_text(result) or "tool failed")
            call_callback(_log, _FRAMEWORK, self.sigil_handler._on_tool_error, error=error, run_id=run_id)
            return
        call_callback(_log, _FRAMEWORK, self.sigil_handler._on_tool_end, output=_tool_output(result), run_id=run_id)

    # -- telling invocations apart --

    def _invocation(self, agent: Any, state: Any) -> _Invocation:
        """The open invocation of ``agent`` with this invocation state; else that agent's newest (Strands
        gives some paths, structured output among them, a fresh state per event); else a record of a call
        outside any invocation, which has no span of its own."""
        with self._lock:
            found = self._find(agent, state)
            if found is None:
                found = self._invocations[_key(agent, state)] = _Invocation(
                    agent=agent, state=state, run_id=None, identity=_identity(state, agent, uuid4()))
            return found

    def _find(self, agent: Any, state: Any) -> Optional[_Invocation]:
        found = self._invocations.get(_key(agent, state))
        if found is None:
            found = next((i for i in reversed(self._invocations.values()) if i.agent is agent), None)
        return found

    def _open_model_call(self, agent: Any, state: Any) -> Optional[_ModelCall]:
        with self._lock:
            found = self._find(agent, state)
            return found.model_call if found is not None else None

    def _pop_invocation(self, agent: Any, state: Any) -> Optional[_Invocation]:
        with self._lock:
            found = self._find(agent, state)
            if found is not None:
                self._invocations.pop(_key(found.agent, found.state), None)
            return found


def create_sigil_strands_handler(*, client: Client, **handler_options: Any) -> SigilStrandsHandler:
    """The handler the hook provider feeds."""
    return SigilStrandsHandler(client=client, **handler_options)


def create_sigil_strands_hook_provider(*, client: Client, **handler_options: Any) -> SigilStrandsHookProvider:
    """A hook provider for ``Agent(hooks=[...])`` recording through a new handler."""
    return SigilStrandsHookProvider(sigil_handler=create_sigil_strands_handler(client=client, **handler_options))


def with_sigil_strands_hooks(config_or_agent: Any = None, *, client: Client, **handler_options: Any) -> Any:
    """Agent keyword arguments (a dict, or None for a new one) whose ``hooks`` gain Sigil's hook provider,
    after the hooks already there (the dict given is not changed); or an existing ``Agent``, instrumented in
    place and returned. Instrumenting twice adds nothing."""
    if config_or_agent is None or isinstance(config_or_agent, dict):
        kwargs = dict(config_or_agent or {})
        hooks = list(kwargs.get("hooks") or [])
        if not any(isinstance(h, SigilStrandsHookProvider) for h in hooks):
            hooks.append(create_sigil_strands_hook_provider(client=client, **handler_options))
        kwargs["hooks"] = hooks
        return kwargs
    agent = config_or_agent
    registry = getattr(agent, "hooks", None)
    if not callable(getattr(registry, "add_hook", None)):
        raise TypeError(f"with_sigil_strands_hooks expects agent keyword arguments or a strands Agent, "
                        f"not {type(agent).__name__}")
    if getattr(agent, "_sigil_strands_hooks", None) is None:
        provider = create_sigil_strands_hook_provider(client=client, **handler_options)
        registry.add_hook(provider)
        provider.observe_stream(agent)  # AgentInitializedEvent has already fired for this agent
        agent._sigil_strands_hooks = provider
    return agent


# -- Strands' objects in the shapes the handler and the engine read --


def _key(agent: Any, state: Any) -> tuple[int, int]:
    return id(agent), id(state)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _agent_name(agent: Any) -> str:
    return _text(getattr(agent, "name", None)) or _text(getattr(agent, "agent_id", None)) or "agent"


def _identity(state: Any, agent: Any, run_id: UUID) -> dict[str, str]:
    """The invocation's conversation and thread ids (see the module's docstring for the order), and the
    event id given in its state."""
    given = {k: _text(state.get(k)) for k in _IDENTITY_KEYS} if isinstance(state, dict) else {}
    given = {k: v for k, v in given.items() if v}
    thread_given = given.get("thread_id") or given.get("threadId")
    if not any(k in given for k in _CONVERSATION_KEYS) and not thread_given:
        if session := _text(getattr(agent, "session_id", None)):
            given["session_id"] = session
    conversation_id, thread_id = _resolve_conversation_id("strands", str(run_id), None, None, {"metadata": given})
    identity = {"conversation_id": conversation_id}
    if thread_id:
        identity["thread_id"] = thread_id
    if event_id := given.get("event_id") or given.get("eventId"):
        identity["event_id"] = event_id
    return identity


def _model_config(model: Any) -> dict[str, Any]:
    get_config = getattr(model, "get_config", None)
    try:
        config = get_config() if callable(get_config) else getattr(model, "config", None)
    except Exception:  # noqa: BLE001 - a model's config is read for telemetry only
        config = None
    return dict(config) if isinstance(config, dict) else {}


def _model_name(model: Any, config: dict[str, Any]) -> str:
    for key in ("model_id", "model", "model_name"):
        if name := _text(config.get(key)) or _text(getattr(model, key, None)):
            return name
    return "unknown"


def _provider(model: Any, model_name: str) -> str:
    """The provider Sigil names for the model: from its Strands class, else a LiteLLM-style ``provider/``
    prefix or a Bedrock ``anthropic.`` id; "" leaves it to the handler's resolution (model name prefixes)."""
    if provider := _PROVIDER_BY_CLASS.get(type(model).__name__):
        return provider
    name = model_name.lower()
    prefix, _, rest = name.partition("/")
    if rest and prefix in ("openai", "anthropic", "gemini"):
        return prefix
    if "anthropic." in name:
        return "anthropic"
    return ""


def _is_streaming(config: dict[str, Any]) -> bool:
    """Strands streams unless the model is configured not to (``stream`` / ``streaming`` False)."""
    params = config.get("params") if isinstance(config.get("params"), dict) else {}
    for value in (config.get("stream"), config.get("streaming"), params.get("stream")):
        if value is not None:
            return bool(value)
    return True


def _json_safe(value: Any) -> Any:
    """Strands messages as JSON: bytes (images, documents) as base64, as the Converse JSON shape has them."""
    def default(item: Any) -> Any:
        if isinstance(item, (bytes, bytearray)):
            return base64.b64encode(bytes(item)).decode("ascii")
        return str(item)

    return json.loads(json.dumps(value, default=default))


def _converse_request(agent: Any, model_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """The model call's input in the Converse request shape: the agent's messages (a snapshot: Strands
    appends to them afterwards), system prompt, tool specs and inference settings."""
    request: dict[str, Any] = {"modelId": model_name, "messages": _json_safe(getattr(agent, "messages", None) or [])}
    if system := _text(getattr(agent, "system_prompt", None)):
        request["system"] = [{"text": system}]
    registry = getattr(agent, "tool_registry", None)
    try:
        specs = registry.get_all_tool_specs() if registry is not None else []
    except Exception:  # noqa: BLE001 - tool specs are read for telemetry only
        specs = []
    if specs:
        request["toolConfig"] = {"tools": [{"toolSpec": spec} for spec in _json_safe(specs)]}
    params = config.get("params") if isinstance(config.get("params"), dict) else {}
    inference: dict[str, Any] = {}
    for source, target in (("temperature", "temperature"), ("top_p", "topP"), ("max_tokens", "maxTokens"),
                           ("max_completion_tokens", "maxTokens")):
        value = params.get(source, config.get(source))
        if isinstance(value, (int, float)) and not isinstance(value, bool) and target not in inference:
            inference[target] = value
    if inference:
        request["inferenceConfig"] = inference
    return request


def _converse_response(stop_response: Any, capture_outputs: bool) -> dict[str, Any]:
    """The model's answer in the Converse response shape: the message (without the usage and metrics
    Strands attaches to it), stop reason and usage."""
    message = dict(getattr(stop_response, "message", None) or {})
    metadata = message.pop("metadata", None) or {}
    response: dict[str, Any] = {"stopReason": _text(getattr(stop_response, "stop_reason", None))}
    if capture_outputs:
        response["output"] = {"message": _json_safe(message)}
    if isinstance(metadata.get("usage"), dict):
        response["usage"] = _json_safe(metadata["usage"])
    return response


def _is_content_chunk(event: Any) -> bool:
    """A raw model chunk that carries content (text or a tool call), as Strands times its first byte."""
    chunk = event.get("event") if isinstance(event, dict) else None
    return isinstance(chunk, dict) and ("contentBlockDelta" in chunk or "contentBlockStart" in chunk)


def _tool_result_text(result: dict[str, Any]) -> str:
    return "\n".join(_text(block.get("text")) for block in result.get("content") or []
                     if isinstance(block, dict) and _text(block.get("text")))


def _tool_output(result: dict[str, Any]) -> Any:
    """A tool result's content: its text, or the JSON of a single json block, else the blocks as given."""
    content = [block for block in result.get("content") or [] if isinstance(block, dict)]
    if len(content) == 1 and "json" in content[0]:
        return _json_safe(content[0]["json"])
    if content and all("text" in block for block in content):
        return _tool_result_text(result)
    return _json_safe(content)


__all__ = [
    "SigilStrandsHandler",
    "SigilStrandsHookProvider",
    "create_sigil_strands_handler",
    "create_sigil_strands_hook_provider",
    "with_sigil_strands_hooks",
]
