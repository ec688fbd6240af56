"""Pydantic AI through its own extension point, a capability: ``Agent(model, capabilities=[
create_sigil_pydantic_ai_capability(client=client)])``, or ``Agent(model, **with_sigil_pydantic_ai(
agent_kwargs, client=client))``.

Each agent run is a span (``pydantic-ai.chain <agent>``, run type ``agent``); each model request in
it is a generation and each tool call a tool execution, both children of the run's span; an agent
run from a tool of an agent sharing the capability is a child of the tool call. A model request is
mapped from Pydantic AI's own messages (``ModelRequest`` / ``ModelResponse``: text, tool calls, tool
results, usage, finish reason), which every model Pydantic AI supports is normalized to; the
provider is the model's ``system`` (``openai``, ``anthropic``, ``google-*`` as ``gemini``). A
streamed request (``agent.run_stream``) is a STREAM generation whose time to first token is the time
to first chunk Pydantic AI measures. The stream events themselves are not observed: a capability
listening to them turns every request of every run into a streamed one. A failing request, tool or
run is recorded as failed (spans: ``error.type`` ``framework_error``) and the error goes on unchanged.

The conversation id is the run's ``conversation_id`` (``agent.run(..., conversation_id=...)``;
Pydantic AI gives every run one), recorded with ``thread_id`` from the run's ``metadata`` when given.
Runs are told apart by context (each run and the tasks it starts carry their own), so concurrent
runs never mix; a request, tool or run that never ends is ended as abandoned once ``max_open_runs``
newer ones of its kind exist.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Optional
from uuid import UUID, uuid4

from sigil_sdk import Client
from sigil_sdk.framework_handler import SigilFrameworkHandlerBase, forward_callback

try:
    from pydantic_ai.capabilities import AbstractCapability
    from pydantic_ai._instrumentation import model_response_span_capture
except ImportError:  # pydantic-ai absent: the module stays importable, nothing calls it

    class AbstractCapability:  # type: ignore[no-redef]
        """Stands in for pydantic_ai.capabilities.AbstractCapability when pydantic-ai is not installed."""

    model_response_span_capture = None


_log = logging.getLogger("sigil_sdk_pydantic_ai")
_FRAMEWORK = "Pydantic AI"
# The open agent run (its span's run id) of the current context: model requests and tools nest in it.
_current_run: contextvars.ContextVar[Optional[UUID]] = contextvars.ContextVar("sigil_pydantic_ai_run", default=None)


class SigilPydanticAIHandler(SigilFrameworkHandlerBase):
    """Records Pydantic AI runs; the reference handlers' options (agent name and version, provider,
    provider_resolver, capture flags, extra tags and metadata, max_open_runs)."""

    framework_name = "pydantic-ai"
    instrumentation_name = "github.com/grafana/sigil/sdks/python-frameworks/pydantic-ai"

    def __init__(self, *, client: Client, **options: Any) -> None:
        super().__init__(client=client, framework_name=self.framework_name,
                         framework_instrumentation_name=self.instrumentation_name, **options)


class SigilPydanticAICapability(AbstractCapability):
    """A Pydantic AI capability recording agent runs, model requests and tool calls through
    ``sigil_handler``. It changes nothing: every hook passes the run, request and tool result on."""

    def __init__(self, sigil_handler: SigilPydanticAIHandler) -> None:
        self.sigil_handler = sigil_handler

    # -- the agent run -> a span --

    async def wrap_run(self, ctx: Any, *, handler: Any) -> Any:
        run_id = uuid4()
        name = _agent_name(ctx)
        await forward_callback(_log, _FRAMEWORK, self.sigil_handler._on_chain_start, serialized={"name": name},
                               run_id=run_id, parent_run_id=_current_run.get(), run_type="agent",
                               callback_kwargs=_run_kwargs(ctx, name))
        token = _current_run.set(run_id)
        try:
            result = await handler()
        except BaseException as error:
            await forward_callback(_log, _FRAMEWORK, self.sigil_handler._on_chain_error, error=error, run_id=run_id)
            raise
        finally:
            _current_run.reset(token)
        await forward_callback(_log, _FRAMEWORK, self.sigil_handler._on_chain_end, run_id=run_id)
        return result

    # -- a model request -> a generation --

    async def wrap_model_request(self, ctx: Any, *, request_context: Any, handler: Any) -> Any:
        run_id = uuid4()
        model = getattr(request_context, "model", None) or getattr(ctx, "model", None)
        model_name = _text(getattr(model, "model_name", None)) or "unknown"
        streaming = bool(getattr(request_context, "streaming", False))
        params: dict[str, Any] = {"model": model_name, "stream": streaming}
        if provider := _provider(model):
            params["provider"] = provider
        await forward_callback(_log, _FRAMEWORK, self.sigil_handler._on_chat_model_start,
                               serialized={"name": _agent_name(ctx), "kwargs": {"model": model_name}},
                               messages=[_chat_messages(getattr(request_context, "messages", None))],
                               run_id=run_id, parent_run_id=_current_run.get(), invocation_params=params,
                               callback_kwargs=_run_kwargs(ctx, _agent_name(ctx)))
        first_chunk: list[float] = []
        started = datetime.now(timezone.utc)
        try:
            with _first_chunk_capture(request_context, first_chunk):
                response = await handler(request_context)
        except BaseException as error:
            await forward_callback(_log, _FRAMEWORK, self.sigil_handler._on_llm_error, error=error, run_id=run_id)
            raise
        if streaming and first_chunk:
            # The handler keeps a non-blank token as the first; the output itself is the response's.
            token = _response_text(response) or "tool_call"
            await forward_callback(_log, _FRAMEWORK, self.sigil_handler._on_llm_new_token, token=token, run_id=run_id,
                                   arrived_at=started + timedelta(seconds=first_chunk[0]))
        await forward_callback(_log, _FRAMEWORK, self.sigil_handler._on_llm_end,
                               response=_llm_result(response), run_id=run_id)
        return response

    # -- a tool call -> a tool execution --

    async def wrap_tool_execute(self, ctx: Any, *, call: Any, tool_def: Any, args: Any, handler: Any) -> Any:
        run_id = uuid4()
        name = _text(getattr(call, "tool_name", None)) or _text(getattr(tool_def, "name", None)) or "framework_tool"
        arguments = _call_args(call)
        kwargs = _run_kwargs(ctx, name)
        kwargs.update(inputs=arguments, tool_call_id=_text(getattr(call, "tool_call_id", None)))
        await forward_callback(_log, _FRAMEWORK, self.sigil_handler._on_tool_start,
                               serialized={"name": name, "description": _text(getattr(tool_def, "description", None))},
                               input_str="", run_id=run_id, parent_run_id=_current_run.get(), callback_kwargs=kwargs)
        token = _current_run.set(run_id)  # an agent the tool runs nests in the tool call
        try:
            result = await handler(args)
        except BaseException as error:
            await forward_callback(_log, _FRAMEWORK, self.sigil_handler._on_tool_error, error=error, run_id=run_id)
            raise
        finally:
            _current_run.reset(token)
        await forward_callback(_log, _FRAMEWORK, self.sigil_handler._on_tool_end, output=result, run_id=run_id)
        return result


def _first_chunk_capture(request_context: Any, into: list[float]) -> Any:
    """Pydantic AI's own measure of a streamed request's time to first chunk (seconds after the request
    was issued), as its instrumentation capability receives it."""
    if model_response_span_capture is None:
        return contextlib.nullcontext()

    def capture(_response: Any, time_to_first_chunk: Optional[float]) -> None:
        if time_to_first_chunk is not None:
            into[:] = [time_to_first_chunk]

    return model_response_span_capture(request_context, capture)


def create_sigil_pydantic_ai_capability(*, client: Client, **handler_options: Any) -> SigilPydanticAICapability:
    """A capability for ``Agent(..., capabilities=[...])`` recording through a new handler."""
    return SigilPydanticAICapability(SigilPydanticAIHandler(client=client, **handler_options))


def with_sigil_pydantic_ai(agent_kwargs: Optional[dict[str, Any]] = None, *, client: Client,
                           **handler_options: Any) -> dict[str, Any]:
    """Agent keyword arguments (a dict, or None for a new one) with Sigil's capability added after the
    capabilities already there. The dict given is not changed."""
    kwargs = dict(agent_kwargs or {})
    kwargs["capabilities"] = [*(kwargs.get("capabilities") or []),
                              create_sigil_pydantic_ai_capability(client=client, **handler_options)]
    return kwargs


# -- Pydantic AI's messages in the handler's shapes --


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _provider(model: Any) -> str:
    """Pydantic AI's name for the model's provider, as Sigil names it (``google-gla`` / ``google-vertex``
    are Gemini); other names pass on to the handler's resolution."""
    system = _text(getattr(model, "system", None)).lower()
    return "gemini" if system.startswith("google") else system


def _agent_name(ctx: Any) -> str:
    return _text(getattr(getattr(ctx, "agent", None), "name", None)) or "agent"


def _run_kwargs(ctx: Any, name: str) -> dict[str, Any]:
    """The run's identity as the handler reads it: conversation id, the run's metadata (thread_id),
    the component name."""
    metadata = dict(getattr(ctx, "metadata", None) or {})
    if conversation_id := _text(getattr(ctx, "conversation_id", None)):
        metadata["conversation_id"] = conversation_id
    if pydantic_run := _text(getattr(ctx, "run_id", None)):
        metadata.setdefault("event_id", pydantic_run)
    return {"metadata": metadata, "run_name": name}


def _call_args(call: Any) -> Any:
    args = getattr(call, "args", None)
    if isinstance(args, (dict, str)):
        return args
    as_dict = getattr(call, "args_as_dict", None)
    return as_dict() if callable(as_dict) else None


def _tool_calls(parts: Any) -> list[dict[str, Any]]:
    return [{"name": _text(p.tool_name), "args": _call_args(p), "id": _text(getattr(p, "tool_call_id", None))}
            for p in parts if type(p).__name__ == "ToolCallPart"]


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, (list, tuple)):
        return " ".join(c for c in content if isinstance(c, str))
    return ""


def _chat_messages(messages: Any) -> list[dict[str, Any]]:
    """A request's history in the chat shape: system and user text, the assistant's text and tool
    calls, tool results (a retry prompt is a failed tool result, or user text without a tool)."""
    out: list[dict[str, Any]] = []
    for message in messages or []:
        parts = getattr(message, "parts", None) or []
        if type(message).__name__ == "ModelResponse":
            out.append({"role": "assistant", "content": _response_text(message), "tool_calls": _tool_calls(parts)})
            continue
        for part in parts:
            kind = type(part).__name__
            if kind in ("SystemPromptPart", "UserPromptPart"):
                out.append({"role": "user", "content": _content_text(getattr(part, "content", None))})
            elif kind == "ToolReturnPart":
                out.append({"role": "tool", "tool_call_id": _text(part.tool_call_id),
                            "content": part.model_response_str()})
            elif kind == "RetryPromptPart":
                call_id = _text(getattr(part, "tool_call_id", None)) if getattr(part, "tool_name", None) else ""
                message_text = part.model_response()
                out.append({"role": "tool", "tool_call_id": call_id, "content": message_text, "status": "error"}
                           if call_id else {"role": "user", "content": message_text})
    if instructions := _text(getattr(messages[-1], "instructions", None) if messages else None):
        out.insert(0, {"role": "user", "content": instructions})
    return out


def _response_text(response: Any) -> str:
    return "".join(p.content for p in getattr(response, "parts", None) or []
                   if type(p).__name__ == "TextPart" and isinstance(p.content, str))


def _llm_result(response: Any) -> dict[str, Any]:
    """A ``ModelResponse`` in the chat-result shape the handler reads: the assistant message (text,
    tool calls), its usage, the response model and the finish reason."""
    usage = getattr(response, "usage", None)
    input_tokens = int(getattr(usage, "input_tokens", 0) or 0)
    output_tokens = int(getattr(usage, "output_tokens", 0) or 0)
    message = {
        "role": "assistant",
        "content": _response_text(response),
        "tool_calls": _tool_calls(getattr(response, "parts", None) or []),
        "usage_metadata": {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
            "input_token_details": {"cache_read": int(getattr(usage, "cache_read_tokens", 0) or 0),
                                    "cache_creation": int(getattr(usage, "cache_write_tokens", 0) or 0)},
        },
        "response_metadata": {"model_name": _text(getattr(response, "model_name", None)),
                              "finish_reason": _text(getattr(response, "finish_reason", None))},
    }
    return {"generations": [[{"text": message["content"], "message": message}]]}


__all__ = [
    "SigilPydanticAICapability",
    "SigilPydanticAIHandler",
    "create_sigil_pydantic_ai_capability",
    "with_sigil_pydantic_ai",
]
