"""Anthropic: ``messages.create`` (plain and ``stream=True``), ``messages.parse`` and the
``messages.stream(...)`` context manager of the official ``anthropic`` SDK, sync and async.

``messages.stream`` opens its HTTP stream when the manager is entered: the manager's request is
replaced by one that records, so ``MessageStream`` (``text_stream``, ``get_final_message()``, ...)
reads the recorded stream and behaves as before.
"""

from __future__ import annotations

from typing import Any

from . import _core
from ._calls import Spec, async_method, record_async, record_sync, sync_method, wire_targets
from ._core import Patch, internal_error
from ._openai import _response, _skip

PROVIDER = "anthropic"
API = "anthropic.messages"


_SPEC = Spec(API, _core.keyword_request, response=_response, skip=_skip, wire=True)


def _stream_manager(async_: bool) -> Any:
    """A factory for the registry: ``messages.stream`` returning a manager whose request records."""
    attr = "_AsyncMessageStreamManager__api_request" if async_ else "_MessageStreamManager__api_request"

    def make(original: Any, patch: Patch) -> Any:
        def stream(*args: Any, **kwargs: Any) -> Any:
            manager = original(*args, **kwargs)
            if not patch.active:
                return manager
            try:
                request = getattr(manager, attr)
                body = {**kwargs, "stream": True}
                setattr(manager, attr, _async_opened(request, args, body) if async_ else
                        _opened(request, args, body))
            except Exception as err:  # noqa: BLE001
                internal_error(API + " stream manager", err)
            return manager

        return stream

    return make


def _opened(request: Any, args: tuple, kwargs: dict) -> Any:
    return lambda: record_sync(_SPEC, args, kwargs, lambda _: request())


async def _async_opened(request: Any, args: tuple, kwargs: dict) -> Any:
    return await record_async(_SPEC, args, kwargs, lambda _: request)


def targets() -> list[tuple[Any, str, Any]]:
    from anthropic import _base_client
    from anthropic.resources.messages import messages

    return [
        (messages.Messages, "create", sync_method(_SPEC)),
        (messages.Messages, "parse", sync_method(_SPEC)),
        (messages.Messages, "stream", _stream_manager(False)),
        (messages.AsyncMessages, "create", async_method(_SPEC)),
        (messages.AsyncMessages, "parse", async_method(_SPEC)),
        (messages.AsyncMessages, "stream", _stream_manager(True)),
        *wire_targets(_base_client),
    ]
