"""Google ADK under the reference names: ``with_sigil_google_adk_plugins(runner_config, client=...)``
adds a plugin to the runner's plugins, ``with_sigil_google_adk_callbacks(agent_config, client=...)``
adds Sigil to an agent's model and tool callback fields.

The plugin records each invocation and each agent turn as a span (``google-adk.chain <agent>``,
run types ``invocation`` and ``agent``), each model call as a generation and each tool call as a
tool execution, nested: invocation > agent > sub-agent > model call / tool call. The agent
callbacks record model and tool calls only. A model call's request (``LlmRequest``: contents,
system instruction, tools) and response (``LlmResponse``, the genai content every ADK model is
normalized to) are mapped by the engine as ``gemini.generate_content`` bodies; a streamed call
(``StreamingMode.SSE``) is recorded as a stream whose first partial response sets the time to
first token and whose final aggregated response is the output. A failing model call, tool, agent
or invocation is recorded as failed (spans: ``error.type`` ``framework_error``).

The conversation id is the ADK session id, else ``thread_id`` in the session state, else
``sigil:framework:google-adk:<run_id>``; the invocation id is ``sigil.framework.event_id``.
Invocations are told apart by their id, so concurrent runs (tasks, threads) never mix; an
invocation that never ends is forgotten once ``max_open_runs`` newer ones exist.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Optional, Union
from uuid import UUID, uuid4

from sigil_sdk import Client
from sigil_sdk.framework_handler import forward_callback

from .handler import SigilAsyncGoogleAdkHandler, SigilGoogleAdkHandler

try:
    from google.adk.plugins import BasePlugin
except ImportError:  # google-adk absent: the bridge stays importable, nothing calls it

    class BasePlugin:  # type: ignore[no-redef]
        """Stands in for google.adk.plugins.BasePlugin when google-adk is not installed."""

        def __init__(self, name: str) -> None:
            self.name = name


_log = logging.getLogger("sigil_sdk_google_adk")
_API = "gemini.generate_content"
_INVOCATION_OVER = "google-adk invocation ended before this run did"
_CALLBACK_FIELDS = (
    "before_model_callback",
    "after_model_callback",
    "on_model_error_callback",
    "before_tool_callback",
    "after_tool_callback",
    "on_tool_error_callback",
)
Handler = Union[SigilGoogleAdkHandler, SigilAsyncGoogleAdkHandler]


@dataclass
class _Invocation:
    """One invocation's open runs: its own span (plugin only), agent turns, model calls, tool calls."""

    run_id: Optional[UUID] = None
    agents: dict[str, UUID] = field(default_factory=dict)
    llm: dict[str, tuple[UUID, dict[str, Any]]] = field(default_factory=dict)
    tools: dict[str, UUID] = field(default_factory=dict)

    def empty(self) -> bool:
        return self.run_id is None and not (self.agents or self.llm or self.tools)


class _Runs:
    """Open runs by invocation id, shared by the plugin and the agent callbacks of one handler."""

    def __init__(self, max_open_runs: int) -> None:
        self._max = max(1, int(max_open_runs))
        self._lock = threading.Lock()
        self._invocations: dict[str, _Invocation] = {}

    def edit(self, key: str, change: Any) -> Any:
        """Applies ``change(invocation)`` under the lock (the invocation made when new) and returns its
        result; an invocation left with nothing open is forgotten, the oldest past the bound too."""
        with self._lock:
            invocation = self._invocations.get(key)
            if invocation is None:
                invocation = self._invocations[key] = _Invocation()
                while len(self._invocations) > self._max:
                    self._invocations.pop(next(iter(self._invocations)))
            result = change(invocation)
            if invocation.empty():
                self._invocations.pop(key, None)
            return result

    def finish(self, key: str) -> Optional[_Invocation]:
        with self._lock:
            return self._invocations.pop(key, None)


def create_sigil_google_adk_handler(*, client: Client, async_handler: bool = False, **handler_kwargs: Any) -> Handler:
    """The handler the plugin and callbacks feed: sync, or with ``async_handler=True`` one whose
    callbacks are coroutines."""
    cls = SigilAsyncGoogleAdkHandler if async_handler else SigilGoogleAdkHandler
    return cls(client=client, **handler_kwargs)


class SigilGoogleAdkCallbacks:
    """Agent callback fields (``before_model_callback``, ..., ``on_tool_error_callback``) recording
    model calls as generations and tool calls as tool executions through ``sigil_handler``. Each
    returns None, so ADK goes on with the request, response or tool result unchanged."""

    def __init__(self, sigil_handler: Handler, *, runs: Optional[_Runs] = None) -> None:
        self._sigil_handler = sigil_handler
        self._runs = runs or _Runs(getattr(sigil_handler, "_max_open_runs", 10_000))

    async def before_model_callback(self, callback_context: Any, llm_request: Any, *,
                                    parent_run_id: Optional[UUID] = None) -> None:
        key, agent = _invocation_id(callback_context), _agent_name(callback_context)
        run_id = uuid4()
        model = _text(getattr(llm_request, "model", None)) or _model_name(_agent(callback_context))
        streaming = _streaming(callback_context)
        request = _request_body(llm_request, model)

        def open_llm(invocation: _Invocation) -> Optional[UUID]:
            invocation.llm[agent] = (run_id, request)
            return parent_run_id or invocation.agents.get(agent) or invocation.run_id

        parent = self._runs.edit(key, open_llm)
        serialized: dict[str, Any] = {"name": agent}
        params: dict[str, Any] = {"stream": streaming}
        if model:
            serialized["kwargs"] = {"model": model}
            params["model"] = model
        if provider := _model_provider(_agent(callback_context)):
            params["provider"] = provider
        await forward_callback(_log, "Google ADK", self._sigil_handler.on_chat_model_start, serialized,
                               [_messages(getattr(llm_request, "contents", None))], run_id=run_id,
                               parent_run_id=parent, invocation_params=params,
                               metadata=_context_metadata(callback_context), run_name=agent)

    async def after_model_callback(self, callback_context: Any, llm_response: Any) -> None:
        key, agent = _invocation_id(callback_context), _agent_name(callback_context)
        if getattr(llm_response, "partial", None):
            # A streamed chunk: the final aggregated response follows and carries the output.
            found = self._runs.edit(key, lambda inv: inv.llm.get(agent))
            if found is not None and (token := _content_text(getattr(llm_response, "content", None))):
                await forward_callback(_log, "Google ADK", self._sigil_handler.on_llm_new_token, token,
                                       run_id=found[0])
            return
        found = self._runs.edit(key, lambda inv: inv.llm.pop(agent, None))
        if found is None:
            return
        run_id, request = found
        capture_outputs = getattr(self._sigil_handler, "_capture_outputs", True)
        await forward_callback(_log, "Google ADK", self._sigil_handler._on_llm_provider_end, run_id=run_id, api=_API,
                               request=request, response=_response_body(llm_response, capture_outputs))

    async def on_model_error_callback(self, callback_context: Any, llm_request: Any, error: BaseException) -> None:
        key, agent = _invocation_id(callback_context), _agent_name(callback_context)
        found = self._runs.edit(key, lambda inv: inv.llm.pop(agent, None))
        if found is not None:
            await forward_callback(_log, "Google ADK", self._sigil_handler.on_llm_error, error, run_id=found[0])

    async def before_tool_callback(self, tool: Any, args: Optional[dict[str, Any]], tool_context: Any) -> None:
        key, agent = _invocation_id(tool_context), _agent_name(tool_context)
        call_id = _text(getattr(tool_context, "function_call_id", None))
        name = _text(getattr(tool, "name", None)) or "framework_tool"
        run_id = uuid4()

        def open_tool(invocation: _Invocation) -> Optional[UUID]:
            invocation.tools[call_id or f"{agent}:{name}"] = run_id
            return invocation.agents.get(agent) or invocation.run_id

        parent = self._runs.edit(key, open_tool)
        await forward_callback(_log, "Google ADK", self._sigil_handler.on_tool_start,
                               {"name": name, "description": _text(getattr(tool, "description", None))},
                               _json_text(args), run_id=run_id, parent_run_id=parent,
                               metadata=_context_metadata(tool_context), run_name=name, inputs=args,
                               tool_call_id=call_id)

    async def after_tool_callback(self, tool: Any, args: Optional[dict[str, Any]], tool_context: Any,
                                  tool_response: Any = None, *, result: Any = None) -> None:
        """ADK passes the tool's result as ``tool_response`` (plugins get ``result``)."""
        run_id = self._pop_tool(tool, tool_context)
        if run_id is not None:
            output = tool_response if tool_response is not None else result
            await forward_callback(_log, "Google ADK", self._sigil_handler.on_tool_end, output, run_id=run_id)

    async def on_tool_error_callback(self, tool: Any, args: Optional[dict[str, Any]], tool_context: Any,
                                     error: BaseException) -> None:
        run_id = self._pop_tool(tool, tool_context)
        if run_id is not None:
            await forward_callback(_log, "Google ADK", self._sigil_handler.on_tool_error, error, run_id=run_id)

    def _pop_tool(self, tool: Any, tool_context: Any) -> Optional[UUID]:
        agent = _agent_name(tool_context)
        call_id = _text(getattr(tool_context, "function_call_id", None))
        name = _text(getattr(tool, "name", None)) or "framework_tool"
        return self._runs.edit(_invocation_id(tool_context), lambda inv: inv.tools.pop(call_id or f"{agent}:{name}", None))


class SigilGoogleAdkPlugin(BasePlugin):
    """An ADK plugin recording every agent of the runner: invocation and agent spans, generations and
    tool executions (the agent callbacks' recording, shared). Every callback returns None."""

    name = "sigil_google_adk_plugin"

    def __init__(self, sigil_handler: Handler) -> None:
        super().__init__(name=self.name)
        self._sigil_handler = sigil_handler
        self._runs = _Runs(getattr(sigil_handler, "_max_open_runs", 10_000))
        self._callbacks = SigilGoogleAdkCallbacks(sigil_handler, runs=self._runs)

    async def before_run_callback(self, *, invocation_context: Any) -> None:
        run_id = uuid4()

        def open_run(invocation: _Invocation) -> None:
            invocation.run_id = run_id

        self._runs.edit(_invocation_id(invocation_context), open_run)
        name = _agent_name(invocation_context)
        await forward_callback(_log, "Google ADK", self._sigil_handler.on_chain_start, {"name": name}, {},
                               run_id=run_id, parent_run_id=None, metadata=_context_metadata(invocation_context),
                               run_type="invocation", run_name=name)

    async def after_run_callback(self, *, invocation_context: Any) -> None:
        await self._end_invocation(invocation_context, None)

    async def on_run_error_callback(self, *, invocation_context: Any, error: BaseException) -> None:
        await self._end_invocation(invocation_context, error)

    async def before_agent_callback(self, *, agent: Any = None, callback_context: Any) -> None:
        # The agent given, not the context's: after a transfer the context names the agent transferred to.
        key, name = _invocation_id(callback_context), _text(getattr(agent, "name", None)) or _agent_name(callback_context)
        parent_agent = _text(getattr(getattr(agent, "parent_agent", None), "name", None))
        run_id = uuid4()

        def open_agent(invocation: _Invocation) -> Optional[UUID]:
            parent = invocation.agents.get(parent_agent) if parent_agent else None
            invocation.agents[name] = run_id
            return parent or invocation.run_id

        parent = self._runs.edit(key, open_agent)
        await forward_callback(_log, "Google ADK", self._sigil_handler.on_chain_start, {"name": name}, {},
                               run_id=run_id, parent_run_id=parent, metadata=_context_metadata(callback_context),
                               run_type="agent", run_name=name)

    async def after_agent_callback(self, *, agent: Any = None, callback_context: Any) -> None:
        await self._end_agent(agent, callback_context, None)

    async def on_agent_error_callback(self, *, agent: Any = None, callback_context: Any,
                                      error: BaseException) -> None:
        await self._end_agent(agent, callback_context, error)

    async def before_model_callback(self, *, callback_context: Any, llm_request: Any) -> None:
        await self._callbacks.before_model_callback(callback_context, llm_request)

    async def after_model_callback(self, *, callback_context: Any, llm_response: Any) -> None:
        await self._callbacks.after_model_callback(callback_context, llm_response)

    async def on_model_error_callback(self, *, callback_context: Any, llm_request: Any, error: BaseException) -> None:
        await self._callbacks.on_model_error_callback(callback_context, llm_request, error)

    async def before_tool_callback(self, *, tool: Any, tool_args: dict[str, Any], tool_context: Any) -> None:
        await self._callbacks.before_tool_callback(tool, tool_args, tool_context)

    async def after_tool_callback(self, *, tool: Any, tool_args: dict[str, Any], tool_context: Any,
                                  result: Any) -> None:
        await self._callbacks.after_tool_callback(tool, tool_args, tool_context, result)

    async def on_tool_error_callback(self, *, tool: Any, tool_args: dict[str, Any], tool_context: Any,
                                     error: BaseException) -> None:
        await self._callbacks.on_tool_error_callback(tool, tool_args, tool_context, error)

    async def _end_agent(self, agent: Any, callback_context: Any, error: Optional[BaseException]) -> None:
        key, name = _invocation_id(callback_context), _text(getattr(agent, "name", None)) or _agent_name(callback_context)

        def close_agent(invocation: _Invocation) -> tuple[Optional[UUID], Optional[tuple[UUID, Any]]]:
            return invocation.agents.pop(name, None), invocation.llm.pop(name, None)

        run_id, llm = self._runs.edit(key, close_agent)
        if llm is not None:  # a model call the agent left unfinished
            await self._fail(self._sigil_handler.on_llm_error, llm[0], error)
        if run_id is None:
            return
        if error is None:
            await forward_callback(_log, "Google ADK", self._sigil_handler.on_chain_end, {}, run_id=run_id)
        else:
            await forward_callback(_log, "Google ADK", self._sigil_handler.on_chain_error, error, run_id=run_id)

    async def _end_invocation(self, invocation_context: Any, error: Optional[BaseException]) -> None:
        """Ends the invocation's span, and first whatever it left open (as failed)."""
        invocation = self._runs.finish(_invocation_id(invocation_context))
        if invocation is None:
            return
        handler = self._sigil_handler
        for run_id in invocation.tools.values():
            await self._fail(handler.on_tool_error, run_id, error)
        for run_id, _ in invocation.llm.values():
            await self._fail(handler.on_llm_error, run_id, error)
        # ADK ends no agent that transferred the conversation away: its turn ends with the invocation.
        for run_id in [*reversed(invocation.agents.values()), *([invocation.run_id] if invocation.run_id else [])]:
            if error is None:
                await forward_callback(_log, "Google ADK", handler.on_chain_end, {}, run_id=run_id)
            else:
                await forward_callback(_log, "Google ADK", handler.on_chain_error, error, run_id=run_id)

    @staticmethod
    async def _fail(method: Any, run_id: UUID, error: Optional[BaseException]) -> None:
        await forward_callback(_log, "Google ADK", method, error or RuntimeError(_INVOCATION_OVER), run_id=run_id)


def create_sigil_google_adk_callbacks(*, client: Client, async_handler: bool = False,
                                      **handler_kwargs: Any) -> SigilGoogleAdkCallbacks:
    """Agent callbacks recording through a new handler."""
    return SigilGoogleAdkCallbacks(create_sigil_google_adk_handler(client=client, async_handler=async_handler,
                                                                   **handler_kwargs))


def create_sigil_google_adk_plugin(*, client: Client, async_handler: bool = False,
                                   **handler_kwargs: Any) -> SigilGoogleAdkPlugin:
    """A runner plugin recording through a new handler."""
    return SigilGoogleAdkPlugin(create_sigil_google_adk_handler(client=client, async_handler=async_handler,
                                                                **handler_kwargs))


def with_sigil_google_adk_callbacks(config_or_agent: Any, *, client: Client, async_handler: bool = False,
                                    **handler_kwargs: Any) -> Any:
    """Agent keyword arguments (a dict, or None for a new one) — or an agent itself — with Sigil added to
    its model and tool callback fields; callbacks already there keep running, Sigil's after them.
    A dict is copied, an agent is changed in place; either is returned."""
    callbacks = create_sigil_google_adk_callbacks(client=client, async_handler=async_handler, **handler_kwargs)
    is_config = config_or_agent is None or isinstance(config_or_agent, dict)
    target = dict(config_or_agent or {}) if is_config else config_or_agent
    for name in _CALLBACK_FIELDS:
        existing = target.get(name) if is_config else getattr(target, name, None)
        merged = _with_callback(existing, getattr(callbacks, name), name)
        if is_config:
            target[name] = merged
        else:
            setattr(target, name, merged)
    return target


def with_sigil_google_adk_plugins(config_or_runner: Any, *, client: Client, async_handler: bool = False,
                                  **handler_kwargs: Any) -> Any:
    """Runner (or App) keyword arguments (a dict, or None for a new one) — or an App itself — whose
    ``plugins`` hold one Sigil plugin; plugins already there stay. A dict is copied, an object is
    changed in place; either is returned."""
    is_config = config_or_runner is None or isinstance(config_or_runner, dict)
    target = dict(config_or_runner or {}) if is_config else config_or_runner
    existing = target.get("plugins") if is_config else getattr(target, "plugins", None)
    plugins = list(existing) if isinstance(existing, (list, tuple)) else [] if existing is None else [existing]
    if not any(isinstance(p, SigilGoogleAdkPlugin) for p in plugins):
        plugins.append(create_sigil_google_adk_plugin(client=client, async_handler=async_handler, **handler_kwargs))
    if is_config:
        target["plugins"] = plugins
    else:
        setattr(target, "plugins", plugins)
    return target


def _with_callback(existing: Any, callback: Any, name: str) -> Any:
    current = existing if isinstance(existing, list) else [] if existing is None else [existing]
    if any(isinstance(getattr(c, "__self__", None), SigilGoogleAdkCallbacks) for c in current):
        return existing
    if not all(callable(c) for c in current):
        raise TypeError(f"google-adk `{name}` must be a callback or a list of callbacks.")
    return [*current, callback] if current else callback


# -- what the ADK contexts and payloads say --


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _invocation_context(context: Any) -> Any:
    """The InvocationContext behind a callback or tool context (the plugin's run hooks get it directly)."""
    return getattr(context, "_invocation_context", None) or context


def _invocation_id(context: Any) -> str:
    return _text(getattr(context, "invocation_id", None)) or f"google-adk-invocation:{id(_invocation_context(context))}"


def _agent(context: Any) -> Any:
    return getattr(_invocation_context(context), "agent", None)


def _agent_name(context: Any) -> str:
    name = _text(getattr(context, "agent_name", None))
    if name and name != "unknown":
        return name
    return _text(getattr(_agent(context), "name", None)) or "google_adk_agent"


def _streaming(context: Any) -> bool:
    mode = getattr(getattr(context, "run_config", None) or getattr(_invocation_context(context), "run_config", None),
                   "streaming_mode", None)
    return str(getattr(mode, "value", mode) or "").lower() == "sse"


def _model_name(agent: Any) -> str:
    model = getattr(agent, "model", None)
    return model.strip() if isinstance(model, str) else _text(getattr(model, "model", None))


def _model_provider(agent: Any) -> str:
    """The provider behind the agent's model class: Gemini, Claude, or LiteLlm's ``provider/model``."""
    model = getattr(agent, "model", None)
    if model is None or isinstance(model, str):
        return ""
    kind = type(model).__name__.lower()
    if "gemini" in kind or "gemma" in kind:
        return "gemini"
    if "claude" in kind or "anthropic" in kind:
        return "anthropic"
    prefix, _, rest = _text(getattr(model, "model", None)).partition("/")
    return prefix.lower() if rest and prefix.lower() in ("openai", "anthropic", "gemini") else ""


def _context_metadata(context: Any) -> dict[str, Any]:
    """Conversation keys for the handler's resolution: the session id, a ``thread_id`` in the session
    state, the invocation id as the event id."""
    metadata: dict[str, Any] = {}
    session = getattr(context, "session", None) or getattr(_invocation_context(context), "session", None)
    if session_id := _text(getattr(session, "id", None)):
        metadata["conversation_id"] = session_id
        metadata["session_id"] = session_id
    state = getattr(session, "state", None)
    if isinstance(state, dict) and (thread_id := _text(state.get("thread_id"))):
        metadata["thread_id"] = thread_id
    if invocation_id := _text(getattr(context, "invocation_id", None)):
        metadata["event_id"] = invocation_id
    return metadata


def _dump(value: Any) -> Any:
    """A genai model as its REST JSON (camelCase, only what is set)."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json", by_alias=True, exclude_none=True)
    return value


def _request_body(llm_request: Any, model: str) -> dict[str, Any]:
    """The model call as a generateContent request: model, contents, and the config's system
    instruction, tools and controls (transport options and labels left out)."""
    body: dict[str, Any] = {"contents": [_dump(c) for c in getattr(llm_request, "contents", None) or []]}
    if model:
        body["model"] = model
    config = getattr(llm_request, "config", None)
    if config is not None:
        try:
            body["config"] = config.model_dump(mode="json", by_alias=True, exclude_none=True,
                                               exclude={"http_options", "labels"})
        except Exception as exc:  # noqa: BLE001 - a config that cannot be serialized is left out
            _log.debug("sigil: the ADK request config could not be serialized: %s", exc)
    return body


def _response_body(llm_response: Any, capture_outputs: bool) -> dict[str, Any]:
    """An LlmResponse as a generateContent response; without output capture the content is left out
    (usage, model and stop reason stay)."""
    candidate: dict[str, Any] = {}
    content = getattr(llm_response, "content", None)
    if capture_outputs and content is not None:
        candidate["content"] = _dump(content)
    finish = getattr(llm_response, "finish_reason", None)
    if finish is not None:
        candidate["finishReason"] = str(getattr(finish, "value", finish))
    body: dict[str, Any] = {"candidates": [candidate]}
    if (usage := getattr(llm_response, "usage_metadata", None)) is not None:
        body["usageMetadata"] = _dump(usage)
    if model_version := _text(getattr(llm_response, "model_version", None)):
        body["modelVersion"] = model_version
    return body


def _content_text(content: Any) -> str:
    """The answer text of a content (thoughts left out)."""
    parts = getattr(content, "parts", None) or []
    return "".join(p.text for p in parts if isinstance(getattr(p, "text", None), str) and not getattr(p, "thought", None))


def _messages(contents: Any) -> list[dict[str, Any]]:
    """Contents as role/text messages for the generation's start (the engine maps the full request at
    the end): ``model`` turns are the assistant's."""
    messages = []
    for content in contents if isinstance(contents, list) else []:
        text = " ".join(p.text.strip() for p in getattr(content, "parts", None) or []
                        if isinstance(getattr(p, "text", None), str) and p.text.strip())
        if text:
            role = _text(getattr(content, "role", None))
            messages.append({"role": "assistant" if role == "model" else role or "user", "content": text})
    return messages


def _json_text(value: Any) -> str:
    try:
        return json.dumps(value, default=str, sort_keys=True)
    except (TypeError, ValueError):
        return str(value)


__all__ = [
    "SigilAsyncGoogleAdkHandler",
    "SigilGoogleAdkCallbacks",
    "SigilGoogleAdkHandler",
    "SigilGoogleAdkPlugin",
    "create_sigil_google_adk_callbacks",
    "create_sigil_google_adk_handler",
    "create_sigil_google_adk_plugin",
    "with_sigil_google_adk_callbacks",
    "with_sigil_google_adk_plugins",
]
