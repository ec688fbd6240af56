"""OpenAI Agents hooks under the reference name: ``with_sigil_openai_agents_hooks(run_options,
client=...)`` sets ``run_options["hooks"]`` to RunHooks that record each agent turn as a span
(``openai-agents.chain <agent>``), each model call as a generation (its Responses-shaped input and
output mapped by the engine), each local tool call as a tool execution and each handoff as a span.

Runs are told apart by their usage counter, the one object every hook context of a run shares
(agent, model and tool contexts are distinct objects): concurrent runs (tasks, threads) never mix.
A run that raised keeps its record until ``max_open_runs`` newer runs exist; it is then ended as
abandoned.
"""

from __future__ import annotations

import inspect
import logging
import threading
import json
from dataclasses import dataclass, field
from typing import Any, Optional, Union
from uuid import UUID, uuid4

from sigil_sdk import Client
from sigil_sdk.framework_handler import forward_callback

from .handler import SigilAsyncOpenAIAgentsHandler, SigilOpenAIAgentsHandler

try:
    from agents import RunHooks
except ImportError:  # openai-agents absent: the bridge stays importable, nothing calls it

    class RunHooks:  # type: ignore[no-redef]
        """Stands in for agents.RunHooks when openai-agents is not installed."""


_log = logging.getLogger("sigil_sdk_openai_agents")
_RESPONSES_API = "openai.responses"
_ABANDONED = "agent run abandoned: no final output before max_open_runs newer runs"


@dataclass
class _RunState:
    """One agent run's open runs: its agent turns (innermost last), model calls and tool calls."""

    usage: Any = None  # kept so its id is not reused while the run is open
    agents: list[UUID] = field(default_factory=list)
    llm: dict[int, list[tuple[UUID, dict[str, Any]]]] = field(default_factory=dict)
    tools: dict[Any, UUID] = field(default_factory=dict)


def create_sigil_openai_agents_handler(
    *, client: Client, async_handler: bool = False, **handler_kwargs: Any
) -> Union[SigilOpenAIAgentsHandler, SigilAsyncOpenAIAgentsHandler]:
    """The handler the hooks feed: sync, or with ``async_handler=True`` one whose callbacks are coroutines."""
    cls = SigilAsyncOpenAIAgentsHandler if async_handler else SigilOpenAIAgentsHandler
    return cls(client=client, **handler_kwargs)


class SigilOpenAIAgentsRunHooks(RunHooks):
    """RunHooks that record the run through ``sigil_handler`` and then call ``delegate``'s hooks."""

    def __init__(self, *, sigil_handler: Any, delegate: Any = None, max_open_runs: int = 10_000) -> None:
        self._sigil_handler = sigil_handler
        self._delegate = delegate
        self._max_open_runs = max(1, int(max_open_runs))
        self._lock = threading.Lock()
        self._states: dict[int, _RunState] = {}

    def _state(self, context: Any) -> tuple[_RunState, list[_RunState]]:
        """The run's record (made on its first hook), and the oldest records pushed out by it."""
        usage = getattr(context, "usage", None)
        key = id(usage) if usage is not None else id(context)
        abandoned: list[_RunState] = []
        with self._lock:
            state = self._states.get(key)
            if state is None:
                state = self._states[key] = _RunState(usage=usage if usage is not None else context)
                while len(self._states) > self._max_open_runs:
                    abandoned.append(self._states.pop(next(iter(self._states))))
        return state, abandoned

    def _finish(self, context: Any) -> Optional[_RunState]:
        usage = getattr(context, "usage", None)
        with self._lock:
            return self._states.pop(id(usage) if usage is not None else id(context), None)

    async def on_agent_start(self, context: Any, agent: Any) -> None:
        state, abandoned = self._state(context)
        for old in abandoned:
            await self._end_agents(old, RuntimeError(_ABANDONED))
        run_id = uuid4()
        name = _agent_name(agent)
        await _call(self._sigil_handler.on_chain_start, {"name": name}, {}, run_id=run_id,
                    parent_run_id=state.agents[-1] if state.agents else None, metadata=_context_metadata(context),
                    run_type="agent", run_name=name)
        state.agents.append(run_id)
        await _delegate(self._delegate, "on_agent_start", context, agent)

    async def on_agent_end(self, context: Any, agent: Any, output: Any) -> None:
        state = self._finish(context)
        if state is not None:
            await self._end_agents(state, None)
        await _delegate(self._delegate, "on_agent_end", context, agent, output)

    async def _end_agents(self, state: _RunState, error: Optional[BaseException]) -> None:
        while state.agents:
            run_id = state.agents.pop()
            if error is None:
                await _call(self._sigil_handler.on_chain_end, {}, run_id=run_id)
            else:
                await _call(self._sigil_handler.on_chain_error, error, run_id=run_id)

    async def on_handoff(self, context: Any, from_agent: Any, to_agent: Any) -> None:
        state, _ = self._state(context)
        run_id = uuid4()
        serialized = {"name": "agent_handoff", "source": _agent_name(from_agent),
                      "destination": _agent_name(to_agent)}
        await _call(self._sigil_handler.on_chain_start, serialized, {}, run_id=run_id,
                    parent_run_id=state.agents[-1] if state.agents else None,
                    metadata=_context_metadata(context), run_type="handoff", run_name="agent_handoff")
        await _call(self._sigil_handler.on_chain_end, {"handoff": _agent_name(to_agent)}, run_id=run_id)
        await _delegate(self._delegate, "on_handoff", context, from_agent, to_agent)

    async def on_llm_start(self, context: Any, agent: Any, system_prompt: Optional[str],
                           input_items: list[Any]) -> None:
        state, _ = self._state(context)
        run_id = uuid4()
        model = _model_name(agent)
        request: dict[str, Any] = {"input": _plain(input_items)}
        if model:
            request["model"] = model
        if isinstance(system_prompt, str) and system_prompt.strip():
            request["instructions"] = system_prompt
        state.llm.setdefault(id(agent), []).append((run_id, request))
        serialized: dict[str, Any] = {"name": _agent_name(agent)}
        if model:
            serialized["kwargs"] = {"model": model}
        await _call(self._sigil_handler.on_llm_start, serialized, _prompts(system_prompt, input_items),
                    run_id=run_id, parent_run_id=state.agents[-1] if state.agents else None,
                    invocation_params={"model": model} if model else {}, metadata=_context_metadata(context),
                    run_name=_agent_name(agent))
        await _delegate(self._delegate, "on_llm_start", context, agent, system_prompt, input_items)

    async def on_llm_end(self, context: Any, agent: Any, response: Any) -> None:
        state, _ = self._state(context)
        pending = state.llm.get(id(agent)) or []
        if pending:
            run_id, request = pending.pop()
            if not pending:
                state.llm.pop(id(agent), None)
            body = _responses_body(response, request.get("model", ""))
            if not getattr(self._sigil_handler, "_capture_outputs", True):
                body["output"] = []  # usage, ids and model still recorded
            await _call(self._sigil_handler._on_llm_provider_end, run_id=run_id, api=_RESPONSES_API,
                        request=request, response=body)
        await _delegate(self._delegate, "on_llm_end", context, agent, response)

    async def on_tool_start(self, context: Any, agent: Any, tool: Any) -> None:
        state, _ = self._state(context)
        run_id = uuid4()
        call_id = _text(getattr(context, "tool_call_id", None))
        state.tools[call_id or id(tool)] = run_id
        arguments = getattr(context, "tool_arguments", None)
        name = _text(getattr(tool, "name", None)) or type(tool).__name__
        await _call(self._sigil_handler.on_tool_start,
                    {"name": name, "description": _text(getattr(tool, "description", None))},
                    arguments if isinstance(arguments, str) else "", run_id=run_id,
                    parent_run_id=state.agents[-1] if state.agents else None, metadata=_context_metadata(context),
                    run_name=name, inputs=_json_or_text(arguments), tool_call_id=call_id)
        await _delegate(self._delegate, "on_tool_start", context, agent, tool)

    async def on_tool_end(self, context: Any, agent: Any, tool: Any, result: Any) -> None:
        state, _ = self._state(context)
        call_id = _text(getattr(context, "tool_call_id", None))
        run_id = state.tools.pop(call_id or id(tool), None)
        if run_id is not None:
            await _call(self._sigil_handler.on_tool_end, _plain(result), run_id=run_id)
        await _delegate(self._delegate, "on_tool_end", context, agent, tool, result)


def create_sigil_openai_agents_hooks(*, client: Client, existing_hooks: Any = None, async_handler: bool = False,
                                     **handler_kwargs: Any) -> SigilOpenAIAgentsRunHooks:
    """RunHooks recording through a new handler, then calling ``existing_hooks``."""
    handler = create_sigil_openai_agents_handler(client=client, async_handler=async_handler, **handler_kwargs)
    return SigilOpenAIAgentsRunHooks(sigil_handler=handler, delegate=existing_hooks,
                                     max_open_runs=handler._max_open_runs)


def with_sigil_openai_agents_hooks(run_options: Optional[dict[str, Any]], *, client: Client,
                                   async_handler: bool = False, **handler_kwargs: Any) -> dict[str, Any]:
    """A copy of ``run_options`` (keyword arguments for ``Runner.run``) whose ``hooks`` record the run;
    hooks already there keep being called."""
    merged = dict(run_options or {})
    existing = merged.get("hooks")
    if isinstance(existing, list):
        raise TypeError("openai-agents expects `hooks` to be a RunHooks instance, not a list.")
    if isinstance(existing, SigilOpenAIAgentsRunHooks):
        return merged
    if isinstance(existing, (SigilOpenAIAgentsHandler, SigilAsyncOpenAIAgentsHandler)):
        existing = None
    merged["hooks"] = create_sigil_openai_agents_hooks(client=client, existing_hooks=existing,
                                                       async_handler=async_handler, **handler_kwargs)
    return merged


async def _call(method: Any, *args: Any, **kwargs: Any) -> None:
    await forward_callback(_log, "OpenAI Agents", method, *args, **kwargs)


async def _call_delegate(method: Any, *args: Any) -> None:
    result = method(*args)
    if inspect.isawaitable(result):
        await result


async def _delegate(delegate: Any, name: str, *args: Any) -> None:
    method = getattr(delegate, name, None) if delegate is not None else None
    if method is not None:
        await _call_delegate(method, *args)  # the caller's own hooks: their errors are theirs


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _agent_name(agent: Any) -> str:
    return _text(getattr(agent, "name", None)) or type(agent).__name__ or "openai_agent"


def _model_name(agent: Any) -> str:
    model = getattr(agent, "model", None)
    if isinstance(model, str):
        return model.strip()
    for attr in ("model", "model_name", "name"):
        if text := _text(getattr(model, attr, None)):
            return text
    return ""


def _field(value: Any, key: str) -> str:
    if isinstance(value, dict):
        return _text(value.get(key))
    return _text(getattr(value, key, None)) if value is not None else ""


def _context_metadata(context: Any) -> dict[str, Any]:
    """Conversation keys from the run context (the wrapper, or the ``context`` object or dict the
    caller passed to ``Runner.run``) for the handler's conversation resolution."""
    metadata: dict[str, Any] = {}
    payload = getattr(context, "context", None)
    for key in ("conversation_id", "session_id", "group_id", "thread_id"):
        camel = key.split("_")[0] + "Id"
        value = _field(context, key) or _field(payload, key) or _field(payload, camel)
        if value:
            metadata[key] = value
    trace_id = _field(payload if payload is not None else context, "trace_id")
    if trace_id:
        metadata["event_id"] = trace_id
    return metadata


def _plain(value: Any) -> Any:
    """SDK objects (pydantic models) as JSON values."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _json_or_text(arguments: Any) -> Any:
    if not isinstance(arguments, str):
        return arguments
    try:
        return json.loads(arguments)
    except ValueError:
        return arguments


def _prompts(system_prompt: Optional[str], input_items: list[Any]) -> list[str]:
    """The prompt text the start sees (the engine maps the full input from the request at the end)."""
    prompts = [system_prompt.strip()] if isinstance(system_prompt, str) and system_prompt.strip() else []
    for item in input_items if isinstance(input_items, list) else [input_items]:
        content = item.get("content") if isinstance(item, dict) else getattr(item, "content", None)
        if isinstance(content, str) and content.strip():
            prompts.append(content.strip())
    return prompts


def _responses_body(response: Any, model: str) -> dict[str, Any]:
    """A model call's result (agents.ModelResponse: Responses API output items and usage) as a
    Responses API response body, for the engine's openai.responses mapping."""
    usage = getattr(response, "usage", None)
    body: dict[str, Any] = {"object": "response", "status": "completed",
                            "output": _plain(list(getattr(response, "output", None) or []))}
    if response_id := _text(getattr(response, "response_id", None)):
        body["id"] = response_id
    if model:
        body["model"] = model
    if usage is not None:
        body["usage"] = {
            "input_tokens": int(getattr(usage, "input_tokens", 0) or 0),
            "output_tokens": int(getattr(usage, "output_tokens", 0) or 0),
            "total_tokens": int(getattr(usage, "total_tokens", 0) or 0),
            "input_tokens_details": {"cached_tokens": int(getattr(getattr(usage, "input_tokens_details", None),
                                                                  "cached_tokens", 0) or 0)},
            "output_tokens_details": {"reasoning_tokens": int(getattr(getattr(usage, "output_tokens_details", None),
                                                                      "reasoning_tokens", 0) or 0)},
        }
    return body


__all__ = [
    "SigilAsyncOpenAIAgentsHandler",
    "SigilOpenAIAgentsHandler",
    "SigilOpenAIAgentsRunHooks",
    "create_sigil_openai_agents_handler",
    "create_sigil_openai_agents_hooks",
    "with_sigil_openai_agents_hooks",
]
