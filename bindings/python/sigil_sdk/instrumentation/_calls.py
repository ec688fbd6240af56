"""The call recorder: one wrapper for every intercepted provider method, sync or async.

A wrapper starts a recording, calls the provider SDK exactly as the caller did, and hands the
engine the request, then the response, the stream events or the exception. Anything that fails
inside the recording is counted and logged (``_core.internal_error``); the caller gets the provider's
own result or exception, unchanged.
"""

from __future__ import annotations

import atexit
import time
import weakref
from typing import Any, Callable, Optional

from . import _core
from ._core import Patch, internal_error

# Metadata on a streamed generation that did not end with the provider's last event. Values:
# "caller_closed" (close() or the context manager's exit), "abandoned" (dropped unread, or still open
# at interpreter exit), "error" (an exception interrupted it; call_error holds it). When the provider's
# last event had not arrived, the engine's mapping error says that the output and usage are partial.
STREAM_STOPPED_KEY = "sigil.stream.stopped"

# Stream events reach the engine in batches of at most this many, each with the time it reached the
# caller (so the first-token time is the first content event's, not its batch's); what is pending
# goes when the stream ends, fails, is closed or is abandoned, before the generation ends.
EVENT_BATCH = 32

_time_ns = time.time_ns


class Spec:
    """How one provider method is recorded.

    request(args, kwargs) -> request body; stream(args, kwargs) -> whether the result is a stream;
    response(result) -> response body, or None when the result is not recordable; event(item) ->
    stream event body; stream_of(result) / with_stream(result, proxy) locate the stream inside a
    result that holds one (Bedrock's dict); skip(args, kwargs) -> pass the call through unrecorded.
    wire: the provider SDK's HTTP layer hands over the bytes it sent and received (see wire_exchange),
    so neither the request nor the response is serialized again.
    """

    __slots__ = ("api", "request", "stream", "response", "event", "stream_of", "with_stream", "skip", "embedding",
                 "wire")

    def __init__(self, api: str, request: Callable[[tuple, dict], Any], *,
                 stream: Callable[[tuple, dict], bool] = lambda a, k: k.get("stream") is True,
                 response: Callable[[Any], Any] = lambda r: r,
                 event: Callable[[Any], Any] = lambda e: e,
                 stream_of: Callable[[Any], Any] = lambda r: r,
                 with_stream: Callable[[Any, Any], Any] = lambda r, proxy: proxy,
                 skip: Callable[[tuple, dict], bool] = lambda a, k: False,
                 embedding: bool = False, wire: bool = False) -> None:
        self.api, self.request, self.stream, self.response, self.event = api, request, stream, response, event
        self.stream_of, self.with_stream, self.skip, self.embedding = stream_of, with_stream, skip, embedding
        self.wire = wire


class Call:
    """One recorded provider call (a generation or an embedding)."""

    __slots__ = ("spec", "rec", "args", "kwargs", "request", "response", "stream", "pending", "arrived", "done",
                 "tapped", "__weakref__")

    def __init__(self, spec: Spec, rec: Any, args: tuple, kwargs: dict, stream: bool) -> None:
        self.spec, self.rec, self.args, self.kwargs, self.stream = spec, rec, args, kwargs, stream
        self.request: Optional[bytes] = None  # set once handed to the engine (or held, for embeddings)
        self.response: Optional[bytes] = None  # the response body as received, when the wire gave it
        self.pending: list[bytes] = []  # stream events not yet handed to the engine
        self.arrived: list[int] = []  # when each reached the caller (Unix ns)
        self.done = False
        self.tapped = False  # stream events come from the SSE decoder, not from the items

    def set_request(self, body: Optional[bytes] = None) -> None:
        """Hands the engine the request: the bytes sent when known, else the caller's arguments."""
        if self.request is not None:
            return
        self.request = body if body is not None else _core.to_json(self.spec.request(self.args, self.kwargs))
        if not self.spec.embedding:
            self.rec.set_provider_request(self.spec.api, self.request)

    def wire_exchange(self, request: Optional[bytes], response: Optional[bytes]) -> None:
        """What the SDK's HTTP layer sent and (for a complete body) received."""
        try:
            self.set_request(request)
            self.response = response
        except Exception as err:  # noqa: BLE001
            internal_error(self.spec.api + " wire", err)

    def failed(self, exc: BaseException) -> None:
        """The provider call raised: record it as the call error and end."""
        self.done = True
        try:
            self.set_request()
            if self.spec.embedding:
                self.rec.set_provider_result(self.spec.api, self.request, None)
            self.rec.set_call_error(exc)
            self.rec.end()
        except Exception as err:  # noqa: BLE001
            internal_error(self.spec.api + " error", err)

    def returned(self, result: Any, async_: bool) -> Any:
        """The provider call returned: record the response, or wrap the stream; returns what the
        caller receives (the result itself, or the result with its stream proxied)."""
        try:
            self.set_request()
            if self.stream:
                inner = self.spec.stream_of(result)
                if inner is None:
                    self._end_with(None)
                    return result
                self.tapped = _tap_sse(inner, self)
                proxy = (AsyncStreamProxy if async_ else SyncStreamProxy)(inner, self)
                _open_streams.add(self)
                return self.spec.with_stream(result, proxy)
            self._end_with(self.response if self.response is not None else self.spec.response(result))
        except Exception as err:  # noqa: BLE001
            internal_error(self.spec.api + " response", err)
            self._end_quietly()
        return result

    def _end_with(self, response: Any) -> None:
        self.done = True
        body = None if response is None else _core.to_json(response)
        if self.spec.embedding:
            self.rec.set_provider_result(self.spec.api, self.request, body)
        elif body is not None:
            self.rec.set_provider_response(self.spec.api, body)
        self.rec.end()

    def _end_quietly(self) -> None:
        self.done = True
        try:
            self.rec.end()
        except Exception as err:  # noqa: BLE001
            internal_error(self.spec.api + " end", err)

    # -- streams --

    def event(self, item: Any) -> None:
        """One item the caller received (the stream is not tapped)."""
        self._keep_event(item, False)

    def sse_event(self, data: str) -> None:
        """One server-sent event's data, as received."""
        self._keep_event(data, True)

    def _keep_event(self, value: Any, sse: bool) -> None:
        if self.done:
            return
        try:
            pending = self.pending
            pending.append(value.encode("utf-8", "surrogatepass") if sse else _core.to_json(self.spec.event(value)))
            self.arrived.append(_time_ns())
            if len(pending) >= EVENT_BATCH:
                self._hand_over()
        except Exception as err:  # noqa: BLE001
            internal_error(self.spec.api + " stream event", err)

    def _hand_over(self) -> None:
        pending, arrived = self.pending, self.arrived
        if pending:
            self.pending, self.arrived = [], []
            self.rec.add_provider_events(self.spec.api, pending, arrived)

    def stream_ended(self, exc: Optional[BaseException]) -> None:
        """The stream was read to its end (exc None) or raised while being read."""
        self._end_stream("error" if exc is not None else "", exc)

    def stream_stopped(self, reason: str) -> None:
        """The caller stopped reading before the end (closed it, or dropped it)."""
        self._end_stream(reason, None)

    def _end_stream(self, stopped: str, exc: Optional[BaseException]) -> None:
        """Hands over the events still pending (every one the caller received), then ends; `stopped`
        is the STREAM_STOPPED_KEY value ("" when the stream was read to its end)."""
        if self.done:
            return
        self.done = True
        _open_streams.discard(self)
        try:
            self._hand_over()
        except Exception as err:  # noqa: BLE001
            internal_error(self.spec.api + " stream event", err)
        try:
            if stopped:
                self.rec.set_metadata(STREAM_STOPPED_KEY, stopped)
            if exc is not None:
                self.rec.set_call_error(exc)
            self.rec.end()
        except Exception as err:  # noqa: BLE001
            internal_error(self.spec.api + " stream end", err)


class _SseTap:
    """Stands in for a Stainless SDK stream's SSE decoder (openai, anthropic): each event's data goes
    to the engine as it is decoded for the caller, so no item is serialized again. It reads nothing
    ahead: the decoder is pulled by the stream the caller iterates."""

    __slots__ = ("_decoder", "_call")

    def __init__(self, decoder: Any, call: Call) -> None:
        self._decoder, self._call = decoder, call

    def iter_bytes(self, iterator: Any) -> Any:
        call = self._call
        for sse in self._decoder.iter_bytes(iterator):
            if sse.data:
                call.sse_event(sse.data)
            yield sse

    async def aiter_bytes(self, iterator: Any) -> Any:
        call = self._call
        async for sse in self._decoder.aiter_bytes(iterator):
            if sse.data:
                call.sse_event(sse.data)
            yield sse

    def __getattr__(self, name: str) -> Any:
        return getattr(self._decoder, name)


def _tap_sse(stream: Any, call: Call) -> bool:
    """Puts an _SseTap in front of the stream's decoder (the stream was just opened: nothing has
    been decoded yet); False when the stream is not a Stainless SSE stream (its items are recorded)."""
    if not call.spec.wire:
        return False
    decoder = getattr(stream, "_decoder", None)
    if decoder is None or not hasattr(decoder, "iter_bytes"):
        return False
    stream._decoder = _SseTap(decoder, call)
    return True


def wire_hook(original: Any, patch: Patch) -> Any:
    """A factory for the registry: the SDK client's _process_response, which sees the request sent and
    the response received, hands both to the call being recorded in this context."""

    def _process_response(*args: Any, **kwargs: Any) -> Any:
        call = _core._inside.get()
        if call.__class__ is Call and patch.active and call.spec.wire:
            _wire(call, kwargs)
        return original(*args, **kwargs)

    return _process_response


def async_wire_hook(original: Any, patch: Patch) -> Any:
    """As wire_hook, for the async clients."""

    async def _process_response(*args: Any, **kwargs: Any) -> Any:
        call = _core._inside.get()
        if call.__class__ is Call and patch.active and call.spec.wire:
            _wire(call, kwargs)
        return await original(*args, **kwargs)

    return _process_response


def _wire(call: Call, kwargs: dict) -> None:
    try:
        response = kwargs["response"]
        request = response.request.content
        body = None
        if not kwargs.get("stream"):
            try:
                body = response.content  # read already; raises (nothing is read) when it is not
            except Exception:  # noqa: BLE001
                body = None
        call.wire_exchange(request if isinstance(request, bytes) and request else None, body)
    except Exception as err:  # noqa: BLE001
        internal_error(call.spec.api + " wire", err)


_open_streams: "weakref.WeakSet[Call]" = weakref.WeakSet()


@atexit.register
def _end_open_streams() -> None:
    # Registered after the client module's own exit hook, so it runs first: streams still open at
    # exit are ended (as abandoned) while their client can still export them.
    for call in list(_open_streams):
        call.stream_stopped("abandoned")


def _begin(spec: Spec, args: tuple, kwargs: dict) -> tuple[Optional[Call], dict]:
    """Starts recording a call; (None, kwargs) when it is not recorded. The request is handed over
    when the SDK sends it (wire specs) or at once."""
    try:
        if spec.skip(args, kwargs):
            return None, kwargs
        options = _core.options_for_call()
        if options is not None and not options.record:
            return None, kwargs
        kwargs = _core.materialize(kwargs)
        if spec.embedding:
            return Call(spec, _core.start_embedding(options), args, kwargs, False), kwargs
        stream = spec.stream(args, kwargs)
        call = Call(spec, _core.start_generation(stream, options), args, kwargs, stream)
        if not spec.wire:
            call.set_request()
        return call, kwargs
    except Exception as err:  # noqa: BLE001
        internal_error(spec.api + " request", err)
        return None, kwargs


def record_sync(spec: Spec, args: tuple, kwargs: dict, invoke: Callable[[dict], Any]) -> Any:
    """Records the provider call ``invoke(kwargs)`` (given the keyword arguments the SDK must receive):
    returns its result (a stream proxied) or raises its exception, unchanged."""
    call, kwargs = _begin(spec, args, kwargs)
    if call is None:
        return invoke(kwargs)
    token = _core._inside.set(call)
    try:
        result = invoke(kwargs)
    except BaseException as exc:
        call.failed(exc)
        raise
    finally:
        _core._inside.reset(token)
    return call.returned(result, False)


async def record_async(spec: Spec, args: tuple, kwargs: dict, invoke: Callable[[dict], Any]) -> Any:
    """As record_sync, for a provider call that returns an awaitable."""
    call, kwargs = _begin(spec, args, kwargs)
    if call is None:
        return await invoke(kwargs)
    token = _core._inside.set(call)
    try:
        result = await invoke(kwargs)
    except BaseException as exc:
        call.failed(exc)
        raise
    finally:
        _core._inside.reset(token)
    return call.returned(result, True)


def sync_method(spec: Spec) -> Callable[[Any, Patch], Any]:
    """A factory for the registry: the recording replacement of a synchronous method."""

    def make(original: Any, patch: Patch) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not patch.active:
                return original(*args, **kwargs)
            return record_sync(spec, args, kwargs, lambda kw: original(*args, **kw))

        return wrapper

    return make


def async_method(spec: Spec) -> Callable[[Any, Patch], Any]:
    """A factory for the registry: the recording replacement of a coroutine method."""

    def make(original: Any, patch: Patch) -> Any:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not patch.active:
                return await original(*args, **kwargs)
            return await record_async(spec, args, kwargs, lambda kw: original(*args, **kw))

        return wrapper

    return make


def wire_targets(base_client: Any) -> list[tuple[Any, str, Any]]:
    """The wire hooks of a Stainless SDK (openai, anthropic): its clients' _process_response."""
    return [(base_client.SyncAPIClient, "_process_response", wire_hook),
            (base_client.AsyncAPIClient, "_process_response", async_wire_hook)]


# --- stream proxies -------------------------------------------------------------


class _Proxy:
    """Forwards everything to the provider's object and answers class checks as it does."""

    __slots__ = ("_sigil_wrapped", "_sigil_call", "_sigil_it")

    def __init__(self, wrapped: Any, call: Call) -> None:
        object.__setattr__(self, "_sigil_wrapped", wrapped)
        object.__setattr__(self, "_sigil_call", call)
        object.__setattr__(self, "_sigil_it", None)

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # isinstance(proxy, openai.Stream) holds
        return type(self._sigil_wrapped)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sigil_wrapped, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._sigil_wrapped, name, value)

    def __repr__(self) -> str:
        return repr(self._sigil_wrapped)

    def close(self) -> Any:
        """Closes the provider's stream; a recording not yet ended ends as closed by the caller.
        Returns what the provider's close() returns (a coroutine for async streams)."""
        self._sigil_call.stream_stopped("caller_closed")
        return self._sigil_wrapped.close()

    def __del__(self) -> None:
        call = getattr(self, "_sigil_call", None)
        if call is not None and not call.done:
            call.stream_stopped("abandoned")


class SyncStreamProxy(_Proxy):
    """The provider's synchronous stream, each item recorded as the caller receives it."""

    __slots__ = ()

    def __iter__(self) -> "SyncStreamProxy":
        return self

    def __next__(self) -> Any:
        it = self._sigil_it
        if it is None:
            wrapped = self._sigil_wrapped
            it = wrapped if hasattr(type(wrapped), "__next__") else iter(wrapped)
            object.__setattr__(self, "_sigil_it", it)
        call = self._sigil_call
        try:
            item = next(it)
        except BaseException as exc:  # the end of the stream, or what interrupted it
            call.stream_ended(None if isinstance(exc, StopIteration) else exc)
            raise
        if not call.tapped:  # tapped: the SSE decoder handed the event over already
            call.event(item)
        return item

    def __enter__(self) -> "SyncStreamProxy":
        enter = getattr(self._sigil_wrapped, "__enter__", None)
        if enter is not None:
            enter()
        return self

    def __exit__(self, *exc: Any) -> Any:
        self._sigil_call.stream_stopped("caller_closed")
        exit_ = getattr(self._sigil_wrapped, "__exit__", None)
        if exit_ is not None:
            return exit_(*exc)
        close = getattr(self._sigil_wrapped, "close", None)
        if close is not None:
            close()
        return None


class AsyncStreamProxy(_Proxy):
    """The provider's asynchronous stream, each item recorded as the caller receives it."""

    __slots__ = ()

    def __aiter__(self) -> "AsyncStreamProxy":
        return self

    async def __anext__(self) -> Any:
        it = self._sigil_it
        if it is None:
            wrapped = self._sigil_wrapped
            it = wrapped if hasattr(type(wrapped), "__anext__") else wrapped.__aiter__()
            object.__setattr__(self, "_sigil_it", it)
        call = self._sigil_call
        try:
            item = await it.__anext__()
        except BaseException as exc:  # the end of the stream, or what interrupted it
            call.stream_ended(None if isinstance(exc, StopAsyncIteration) else exc)
            raise
        if not call.tapped:  # tapped: the SSE decoder handed the event over already
            call.event(item)
        return item

    def aclose(self) -> Any:
        """As close(), for async generators."""
        self._sigil_call.stream_stopped("caller_closed")
        return self._sigil_wrapped.aclose()

    async def __aenter__(self) -> "AsyncStreamProxy":
        enter = getattr(self._sigil_wrapped, "__aenter__", None)
        if enter is not None:
            await enter()
        return self

    async def __aexit__(self, *exc: Any) -> Any:
        self._sigil_call.stream_stopped("caller_closed")
        exit_ = getattr(self._sigil_wrapped, "__aexit__", None)
        if exit_ is not None:
            return await exit_(*exc)
        return None
