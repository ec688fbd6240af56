"""A LiteLLM callback logger: ``litellm.callbacks = [SigilLiteLLMLogger(client=client)]`` records
every ``completion`` / ``acompletion`` call (streams too) as a generation tagged
``sigil.framework.name`` ``litellm``.

The generation starts when LiteLLM is about to call the provider (``log_pre_api_call``, on the
caller's thread, so it nests under the caller's current span) and ends on LiteLLM's success or
failure event. LiteLLM answers every provider in the OpenAI Chat Completions shape, so the request
and response (a stream's assembled response) are mapped by the engine as ``openai.chat``; a stream
is a STREAM generation whose time to first token is the one LiteLLM measured. The provider is
LiteLLM's ``custom_llm_provider``; the conversation comes from the call's ``metadata``
(``conversation_id`` / ``session_id`` / ``group_id``, else ``thread_id``).

Use this logger or the auto-instrumentation (``sigil_sdk.instrument(providers=["litellm"])``), not
both: while litellm is instrumented the logger records nothing, so a call is never recorded twice.
"""

from __future__ import annotations

import functools
import logging
import threading
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from sigil_sdk import Client
from sigil_sdk.framework_handler import SigilFrameworkHandlerBase

try:
    from litellm.integrations.custom_logger import CustomLogger
except ImportError:  # litellm absent: the logger stays importable, nothing calls it

    class CustomLogger:  # type: ignore[no-redef]
        """Stands in for litellm's CustomLogger when litellm is not installed."""

        def __init__(self, **_kwargs: Any) -> None:
            pass


_log = logging.getLogger("sigil_sdk_litellm")
_API = "openai.chat"
# LiteLLM's optional_params that are routing or client options, not the request body.
_NOT_BODY = frozenset({"api_key", "api_base", "base_url", "extra_headers", "metadata", "max_retries", "timeout"})


def _never_raises(method: Callable[..., Any]) -> Callable[..., Any]:
    """LiteLLM stops calling the remaining loggers when one raises: a recording problem (the client
    shut down, a validation error) is logged instead."""

    @functools.wraps(method)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - telemetry never breaks the host
            _log.warning("sigil: recording a LiteLLM event failed: %s", exc)
            return None

    return guarded


class SigilLiteLLMHandler(SigilFrameworkHandlerBase):
    """Records LiteLLM calls; the reference handlers' options (agent name and version, provider,
    provider_resolver, capture flags, extra tags and metadata, max_open_runs)."""

    framework_name = "litellm"
    instrumentation_name = "github.com/grafana/sigil/sdks/python-frameworks/litellm"

    def __init__(self, *, client: Client, **options: Any) -> None:
        super().__init__(client=client, framework_name=self.framework_name,
                         framework_instrumentation_name=self.instrumentation_name, **options)


class SigilLiteLLMLogger(CustomLogger):
    """A LiteLLM ``CustomLogger`` recording each call through a ``SigilLiteLLMHandler``."""

    def __init__(self, *, client: Client, **handler_options: Any) -> None:
        super().__init__()
        self.sigil_handler = SigilLiteLLMHandler(client=client, **handler_options)
        # Calls started and not yet fully recorded (their end may be running on LiteLLM's worker
        # thread), bounded like the handler's open runs.
        self._reporting = threading.Condition()
        self._unreported: dict[str, None] = {}

    def wait_reported(self, timeout: float = 5.0) -> bool:
        """Waits until every call this logger saw start is recorded (LiteLLM reports a sync call's end
        from a worker thread, after the call returned); False if some are not after ``timeout``
        seconds. Call it before ``client.flush()`` or ``client.shutdown()`` at exit."""
        with self._reporting:
            return self._reporting.wait_for(lambda: not self._unreported, timeout)

    def _started(self, call_id: str) -> None:
        with self._reporting:
            self._unreported[call_id] = None
            while len(self._unreported) > self.sigil_handler._max_open_runs:
                self._unreported.pop(next(iter(self._unreported)))

    def _reported(self, call_id: str) -> None:
        with self._reporting:
            self._unreported.pop(call_id, None)
            self._reporting.notify_all()

    # -- the call starts --

    @_never_raises
    def log_pre_api_call(self, model: Any, messages: Any, kwargs: dict[str, Any]) -> None:
        call_id = _call_id(kwargs)
        if not call_id or _instrumented():
            return
        model_name = _text(kwargs.get("model")) or _text(model)
        params: dict[str, Any] = {"model": model_name, "stream": bool(kwargs.get("stream"))}
        if provider := _text(kwargs.get("custom_llm_provider")):
            params["provider"] = provider
        metadata = _metadata(kwargs)
        self._started(call_id)
        self.sigil_handler._on_chat_model_start(
            serialized={"name": "litellm", "kwargs": {"model": model_name}}, messages=[_messages(messages)],
            run_id=call_id, parent_run_id=None, invocation_params=params,
            callback_kwargs={"metadata": metadata, "run_name": "litellm." + _text(kwargs.get("call_type"))})

    # -- the call ends --

    def log_success_event(self, kwargs: dict[str, Any], response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._success(kwargs, response_obj)

    async def async_log_success_event(self, kwargs: dict[str, Any], response_obj: Any, start_time: Any,
                                      end_time: Any) -> None:
        self._success(kwargs, response_obj)

    def log_failure_event(self, kwargs: dict[str, Any], response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._failure(kwargs)

    async def async_log_failure_event(self, kwargs: dict[str, Any], response_obj: Any, start_time: Any,
                                      end_time: Any) -> None:
        self._failure(kwargs)

    @_never_raises
    def _success(self, kwargs: dict[str, Any], response_obj: Any) -> None:
        # LiteLLM reports a sync call's success to sync and async loggers alike: the first report ends
        # the run, a second finds nothing open.
        call_id = _call_id(kwargs)
        if not call_id:
            return
        try:
            self._record_success(call_id, kwargs, response_obj)
        finally:
            self._reported(call_id)

    def _record_success(self, call_id: str, kwargs: dict[str, Any], response_obj: Any) -> None:
        response = kwargs.get("complete_streaming_response") or response_obj
        handler = self.sigil_handler
        if kwargs.get("stream"):
            handler._on_llm_new_token(token=_output_text(response) or " ", run_id=call_id,
                                      arrived_at=_utc(kwargs.get("completion_start_time")))
        body = _plain(response)
        if not handler._capture_outputs and isinstance(body, dict):
            for choice in body.get("choices") or []:
                if isinstance(choice, dict):
                    choice.pop("message", None)
        handler._on_llm_provider_end(run_id=call_id, api=_API, request=_request(kwargs), response=body)

    @_never_raises
    def _failure(self, kwargs: dict[str, Any]) -> None:
        call_id = _call_id(kwargs)
        if not call_id:
            return
        error = kwargs.get("exception")
        if not isinstance(error, BaseException):
            error = RuntimeError(_text(kwargs.get("traceback_exception")) or "litellm call failed")
        try:
            self.sigil_handler._on_llm_error(error=error, run_id=call_id)
        finally:
            self._reported(call_id)


def create_sigil_litellm_logger(*, client: Client, **handler_options: Any) -> SigilLiteLLMLogger:
    """A logger for ``litellm.callbacks``."""
    return SigilLiteLLMLogger(client=client, **handler_options)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _call_id(kwargs: Any) -> str:
    return _text(kwargs.get("litellm_call_id")) if isinstance(kwargs, dict) else ""


def _instrumented() -> bool:
    from sigil_sdk import instrumentation

    return "litellm" in instrumentation.instrumented()


def _metadata(kwargs: dict[str, Any]) -> dict[str, Any]:
    params = kwargs.get("litellm_params") or {}
    metadata = params.get("metadata") if isinstance(params, dict) else None
    return dict(metadata) if isinstance(metadata, dict) else {}


def _messages(messages: Any) -> list[dict[str, Any]]:
    return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []


def _request(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The call as a chat completions request: the model, the messages and the provider parameters."""
    params = kwargs.get("optional_params") or {}
    body = {k: v for k, v in params.items() if k not in _NOT_BODY} if isinstance(params, dict) else {}
    body["model"] = _text(kwargs.get("model"))
    body["messages"] = kwargs.get("messages") or []
    return body


def _plain(response: Any) -> Any:
    dump = getattr(response, "model_dump", None)
    return dump(mode="json", exclude_none=True) if callable(dump) else response


def _output_text(response: Any) -> str:
    choices = getattr(response, "choices", None) or []
    message = getattr(choices[0], "message", None) if choices else None
    return _text(getattr(message, "content", None))


def _utc(value: Any) -> Optional[datetime]:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.astimezone(timezone.utc)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    return None


__all__ = ["SigilLiteLLMHandler", "SigilLiteLLMLogger", "create_sigil_litellm_logger"]
