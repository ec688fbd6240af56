"""LlamaIndex callbacks under the reference name: ``with_sigil_llamaindex_callbacks(config,
client=...)`` returns the config with a ``callback_manager`` holding a Sigil handler. LLM events
become generations, function-call events tool executions, and query / retrieve / synthesize /
tree / sub-question / agent-step events spans (``llamaindex.chain llamaindex.<event>``), nested
by LlamaIndex's parent event ids. An event that ends with an exception is recorded as failed.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from typing import Any, Optional, Union
from uuid import UUID, uuid4

from sigil_sdk import Client

from .handler import SigilAsyncLlamaIndexHandler, SigilLlamaIndexHandler

try:
    from llama_index.core.callbacks import CallbackManager
    from llama_index.core.callbacks.base_handler import BaseCallbackHandler
except ImportError:  # llama-index-core absent: the bridge stays importable, nothing calls it

    class BaseCallbackHandler:  # type: ignore[no-redef]
        """Stands in for LlamaIndex's callback handler base when llama-index-core is not installed."""

        def __init__(self, event_starts_to_ignore: list, event_ends_to_ignore: list) -> None:
            self.event_starts_to_ignore = tuple(event_starts_to_ignore)
            self.event_ends_to_ignore = tuple(event_ends_to_ignore)

    class CallbackManager:  # type: ignore[no-redef]
        """Stands in for LlamaIndex's CallbackManager when llama-index-core is not installed."""

        def __init__(self, handlers: Optional[list] = None) -> None:
            self.handlers = list(handlers or [])

        def add_handler(self, handler: Any) -> None:
            self.handlers.append(handler)


_CHAIN_EVENTS = frozenset({"query", "retrieve", "synthesize", "tree", "sub_question", "agent_step"})


def create_sigil_llamaindex_handler(
    *, client: Client, async_handler: bool = False, **handler_kwargs: Any
) -> Union[SigilLlamaIndexHandler, SigilAsyncLlamaIndexHandler]:
    """The handler the bridge feeds: sync, or with ``async_handler=True`` one whose callbacks are coroutines."""
    cls = SigilAsyncLlamaIndexHandler if async_handler else SigilLlamaIndexHandler
    return cls(client=client, **handler_kwargs)


class SigilLlamaIndexCallbackHandler(BaseCallbackHandler):
    """A LlamaIndex callback handler forwarding events to ``sigil_handler``."""

    def __init__(self, sigil_handler: Any) -> None:
        super().__init__(event_starts_to_ignore=[], event_ends_to_ignore=[])
        self._sigil_handler = sigil_handler
        self._lock = threading.Lock()
        self._runs: dict[str, tuple[UUID, str]] = {}  # event id -> (run id, kind)

    def start_trace(self, trace_id: Optional[str] = None) -> None:
        return None

    def end_trace(self, trace_id: Optional[str] = None, trace_map: Optional[dict] = None) -> None:
        return None

    def on_event_start(self, event_type: Any, payload: Optional[dict[str, Any]] = None, event_id: str = "",
                       parent_id: str = "", **_kwargs: Any) -> str:
        event_id = event_id or str(uuid4())
        name = _event_name(event_type)
        payload = _plain_keys(payload)
        kind = "llm" if name == "llm" else "tool" if name == "function_call" else \
            "chain" if name in _CHAIN_EVENTS else ""
        if not kind:
            return event_id
        run_id = uuid4()
        with self._lock:
            parent = self._runs.get(parent_id)
            self._runs[event_id] = (run_id, kind)
            if len(self._runs) > self._sigil_handler._max_open_runs:  # events never ended: forget the oldest
                self._runs.pop(next(iter(self._runs)))
        parent_run_id = parent[0] if parent else None
        metadata = _event_metadata(payload, event_id)
        handler = self._sigil_handler
        if kind == "llm":
            serialized, params = _llm_serialized(payload)
            messages = payload.get("messages")
            if messages:
                _call(handler.on_chat_model_start, serialized, [[_message(m) for m in messages]], run_id=run_id,
                      parent_run_id=parent_run_id, invocation_params=params, metadata=metadata,
                      run_name=serialized["name"])
            else:
                prompt = payload.get("formatted_prompt") or payload.get("prompt")
                _call(handler.on_llm_start, serialized, [prompt] if isinstance(prompt, str) else [], run_id=run_id,
                      parent_run_id=parent_run_id, invocation_params=params, metadata=metadata,
                      run_name=serialized["name"])
        elif kind == "tool":
            tool = payload.get("tool")
            tool_name = _text(getattr(tool, "name", None)) or _text(tool) or "framework_tool"
            arguments = payload.get("function_call")
            _call(handler.on_tool_start, {"name": tool_name, "description": _text(getattr(tool, "description", None))},
                  arguments if isinstance(arguments, str) else "", run_id=run_id, parent_run_id=parent_run_id,
                  metadata=metadata, run_name=tool_name, inputs=arguments)
        else:
            chain_name = f"llamaindex.{name}"
            _call(handler.on_chain_start, {"name": chain_name}, {}, run_id=run_id, parent_run_id=parent_run_id,
                  metadata=metadata, run_type=name, run_name=chain_name)
        return event_id

    def on_event_end(self, event_type: Any, payload: Optional[dict[str, Any]] = None, event_id: str = "",
                     **_kwargs: Any) -> None:
        with self._lock:
            found = self._runs.pop(event_id, None)
        if found is None:
            return
        run_id, kind = found
        payload = _plain_keys(payload)
        error = payload.get("exception")
        handler = self._sigil_handler
        if kind == "llm":
            if isinstance(error, BaseException):
                _call(handler.on_llm_error, error, run_id=run_id)
            else:
                _call(handler.on_llm_end, _llm_result(payload), run_id=run_id)
        elif kind == "tool":
            if isinstance(error, BaseException):
                _call(handler.on_tool_error, error, run_id=run_id)
            else:
                _call(handler.on_tool_end, _tool_output(payload.get("function_call_response")), run_id=run_id)
        elif isinstance(error, BaseException):
            _call(handler.on_chain_error, error, run_id=run_id)
        else:
            _call(handler.on_chain_end, {}, run_id=run_id)


def create_sigil_llamaindex_callback_handler(*, client: Client, async_handler: bool = False,
                                             **handler_kwargs: Any) -> SigilLlamaIndexCallbackHandler:
    """A callback-manager handler recording through a new Sigil handler."""
    return SigilLlamaIndexCallbackHandler(create_sigil_llamaindex_handler(client=client, async_handler=async_handler,
                                                                          **handler_kwargs))


def with_sigil_llamaindex_callbacks(config: Optional[dict[str, Any]], *, client: Client, async_handler: bool = False,
                                    **handler_kwargs: Any) -> dict[str, Any]:
    """A copy of ``config`` whose ``callback_manager`` (made when missing) holds one Sigil handler; handlers
    listed under ``callbacks`` move into the manager."""
    merged = dict(config or {})
    manager = merged.get("callback_manager")
    if manager is None:
        # Made with its handler: LlamaIndex's CallbackManager([]) shares the handler list of the
        # manager in Settings, so adding to it would add to that one too.
        manager = merged["callback_manager"] = CallbackManager([create_sigil_llamaindex_callback_handler(
            client=client, async_handler=async_handler, **handler_kwargs)])
    if not callable(getattr(manager, "add_handler", None)):
        raise TypeError("llamaindex callback_manager must expose add_handler(handler).")
    extra = merged.pop("callbacks", None)
    for handler in extra if isinstance(extra, list) else [extra] if extra is not None else []:
        if all(callable(getattr(handler, m, None)) for m in ("on_event_start", "on_event_end")):
            manager.add_handler(handler)
    if not any(isinstance(h, SigilLlamaIndexCallbackHandler) for h in getattr(manager, "handlers", [])):
        manager.add_handler(create_sigil_llamaindex_callback_handler(client=client, async_handler=async_handler,
                                                                     **handler_kwargs))
    return merged


_log = logging.getLogger("sigil_sdk_llamaindex")


def _call(method: Any, *args: Any, **kwargs: Any) -> None:
    """Calls a handler callback; a coroutine (the async handler) runs on the current loop, or to completion.
    LlamaIndex's callback manager lets a handler's exception through to the query: a recording
    problem (the client shut down, a validation error) is logged instead, never raised into it."""
    try:
        result = method(*args, **kwargs)
        if inspect.isawaitable(result):
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                asyncio.run(result)
            else:
                loop.create_task(result)
    except Exception as exc:  # noqa: BLE001 - telemetry never breaks the host
        _log.warning("sigil: recording a LlamaIndex event failed: %s", exc)


def _plain_keys(payload: Optional[dict[str, Any]]) -> dict[str, Any]:
    """The payload keyed by plain names ("prompt", "messages", ...): LlamaIndex keys it by EventPayload."""
    return {getattr(k, "value", k): v for k, v in (payload or {}).items()}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _event_name(event_type: Any) -> str:
    value = getattr(event_type, "value", event_type)
    return value.strip().lower() if isinstance(value, str) else ""


def _message(message: Any) -> dict[str, Any]:
    role = getattr(message, "role", "user")
    content = getattr(message, "content", None)
    if content is None and hasattr(message, "blocks"):
        content = " ".join(_text(getattr(b, "text", None)) for b in message.blocks)
    return {"role": getattr(role, "value", role), "content": content or ""}


def _llm_serialized(payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    serialized = payload.get("serialized") if isinstance(payload.get("serialized"), dict) else {}
    model = _text(payload.get("model_name")) or _text(serialized.get("model")) or _text(serialized.get("model_name"))
    params = dict(payload.get("additional_kwargs") or {})
    if model:
        params["model"] = model
    out: dict[str, Any] = {"name": _text(serialized.get("class_name")) or "llamaindex.llm"}
    if model:
        out["kwargs"] = {"model": model}
    return out, params


def _field(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else getattr(value, key, None)


def _llm_result(payload: dict[str, Any]) -> dict[str, Any]:
    """A ChatResponse / CompletionResponse in the LangChain result shape the handler reads."""
    response = payload.get("response") or payload.get("completion")
    message = _field(response, "message")
    text = _text(_field(response, "text")) or _text(_field(message, "content"))
    raw = _field(response, "raw")
    usage = _field(raw, "usage")
    llm_output: dict[str, Any] = {}
    if usage is not None:
        llm_output["token_usage"] = {k: _field(usage, k) for k in ("prompt_tokens", "completion_tokens", "total_tokens")
                                     if isinstance(_field(usage, k), int)}
    if model := _text(_field(raw, "model")):
        llm_output["model_name"] = model
    return {"generations": [[{"text": text}]] if text else [], "llm_output": llm_output}


def _tool_output(output: Any) -> Any:
    content = getattr(output, "content", None)
    return content if isinstance(content, str) else output if isinstance(output, (str, int, float, dict, list)) \
        else str(output)


def _event_metadata(payload: dict[str, Any], event_id: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {"event_id": event_id}
    for source in (payload, payload.get("additional_kwargs") or {}):
        for key in ("conversation_id", "session_id", "group_id", "thread_id"):
            camel = key.split("_")[0] + "Id"
            value = _text(_field(source, key)) or _text(_field(source, camel))
            if value:
                metadata[key] = value
    return metadata


__all__ = [
    "SigilAsyncLlamaIndexHandler",
    "SigilLlamaIndexCallbackHandler",
    "SigilLlamaIndexHandler",
    "create_sigil_llamaindex_callback_handler",
    "create_sigil_llamaindex_handler",
    "with_sigil_llamaindex_callbacks",
]
