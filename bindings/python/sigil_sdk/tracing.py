"""Agent tracing: spans of every kind around the generations and tool executions of an agent.

``@trace`` starts the root span of a run (an agent by default), ``@span(kind=...)`` a step inside
it (a chain, a retriever, a workflow, a task, any step); both decorate plain, async, generator and
async generator functions and, called with arguments, are also context managers (``trace_context``
is ``trace``'s name as one). Inside, the span is the current span: generations, tool executions,
embeddings and spans started there are its children (contextvars, so asyncio tasks and threads
keep their own trees). ``log_event`` and ``attach_metadata`` write to the current span;
``inject`` and ``extract`` carry the trace across processes in W3C ``traceparent`` /
``tracestate`` headers.

Spans go to the client given to ``configure_tracing``; without one, or with ``enabled=False``,
every call here is a no-op and decorated functions just run. The engine decides what the span
carries (docs/agent-tracing.md): arguments and return values are recorded only when the content
capture mode lets spans carry content, redacted and cut to the field size limit.
"""

from __future__ import annotations

import ctypes
import functools
import inspect
import threading
from typing import Any, Callable, MutableMapping, Optional

from . import _native as N
from .client import Client, SpanRecorder, _parent, _span_scope
from .context import _current_span, _parent_remote, _parent_traceparent, _parent_tracestate

__all__ = [
    "RemoteContext",
    "attach_metadata",
    "configure_tracing",
    "current_span",
    "current_trace_id",
    "extract",
    "inject",
    "log_event",
    "span",
    "trace",
    "trace_context",
    "tracing_enabled",
]

_lock = threading.Lock()
_client: Optional[Client] = None
_enabled = True


def configure_tracing(client: Optional[Client] = None, *, enabled: bool = True) -> None:
    """Sets the client the decorators and context managers record with, and the switch that makes
    every call of this module a no-op (``enabled=False``). ``configure_tracing(None)`` detaches."""
    global _client, _enabled
    with _lock:
        _client, _enabled = client, bool(enabled)


def tracing_enabled() -> bool:
    """Whether spans are recorded: a client is configured and tracing is enabled."""
    return _enabled and _client is not None


def _active_client() -> Optional[Client]:
    client = _client
    return client if _enabled and client is not None and client._handle else None


class _Scope:
    """One span of ``trace``/``span``: a decorator (each call of the function is a span) and, used
    directly, a context manager (sync or async) that yields the SpanRecorder (None when off)."""

    def __init__(self, kind: str, name: Optional[str], root: bool, capture_input: bool, capture_output: bool,
                 parent: Optional["RemoteContext"], attributes: dict) -> None:
        if str(kind).strip().lower() not in N.STEP_KINDS:
            raise ValueError(f"sigil: unknown span kind {kind!r} (one of {', '.join(N.STEP_KINDS)})")
        self.kind, self.name, self.root = kind, name, root
        self.capture_input, self.capture_output = capture_input, capture_output
        self.parent, self.attributes = parent, attributes
        self._open: list[Optional[SpanRecorder]] = []

    # -- one span --

    def _start(self, name: str, current: bool = True) -> Optional[SpanRecorder]:
        """Starts the span; ``current`` makes it the current span of the caller's context (not for
        generators, whose steps make it current one at a time: _resumed)."""
        client = _active_client()
        if client is None:
            return None
        parent = self.parent
        recorder = client.start_span(self.kind, name, root=self.root,
                                     parent=parent.traceparent if parent else None,
                                     tracestate=parent.tracestate if parent else None)
        if self.attributes:
            recorder.set_attributes(self.attributes)
        if current:
            recorder.__enter__()
        return recorder

    @staticmethod
    def _finish(recorder: Optional[SpanRecorder], exc: Optional[BaseException]) -> None:
        if recorder is not None:
            recorder.__exit__(type(exc) if exc else None, exc, None)

    def __enter__(self) -> Optional[SpanRecorder]:
        recorder = self._start(self.name or self.kind)
        self._open.append(recorder)
        return recorder

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        self._finish(self._open.pop(), exc)
        return False

    async def __aenter__(self) -> Optional[SpanRecorder]:
        return self.__enter__()

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        return self.__exit__(exc_type, exc, tb)

    # -- decorator --

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        name = self.name or getattr(fn, "__qualname__", getattr(fn, "__name__", self.kind))
        signature = _signature(fn)

        def begin(args: tuple, kwargs: dict, current: bool = True) -> Optional[SpanRecorder]:
            recorder = self._start(name, current)
            if recorder is not None and self.capture_input and recorder.captures_content:
                recorder.set_input(_arguments(signature, args, kwargs))
            return recorder

        def done(recorder: Optional[SpanRecorder], value: Any) -> None:
            if recorder is not None and self.capture_output and recorder.captures_content:
                recorder.set_output(value)
            self._finish(recorder, None)

        def failed(recorder: Optional[SpanRecorder], error: BaseException) -> None:
            # A generator closed early is not a failure.
            self._finish(recorder, None if isinstance(error, GeneratorExit) else error)

        if inspect.isasyncgenfunction(fn):
            @functools.wraps(fn)
            async def agen_wrapper(*args: Any, **kwargs: Any) -> Any:
                recorder = begin(args, kwargs, current=False)
                items: list[Any] = []
                agen = None
                try:
                    agen = _resumed(recorder, lambda: fn(*args, **kwargs))
                    value: Any = None
                    while True:
                        try:
                            item = await _aresumed(recorder, lambda: agen.asend(value))
                        except StopAsyncIteration:
                            break
                        items.append(item)
                        value = yield item
                except BaseException as e:
                    if agen is not None:
                        await agen.aclose()
                    failed(recorder, e)
                    raise
                done(recorder, items)
            return agen_wrapper

        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                recorder = begin(args, kwargs)
                try:
                    result = await fn(*args, **kwargs)
                except BaseException as e:
                    failed(recorder, e)
                    raise
                done(recorder, result)
                return result
            return async_wrapper

        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
                recorder = begin(args, kwargs, current=False)
                items: list[Any] = []
                gen = None
                try:
                    gen = _resumed(recorder, lambda: fn(*args, **kwargs))
                    value: Any = None
                    while True:
                        try:
                            item = _resumed(recorder, lambda: gen.send(value))
                        except StopIteration as stop:
                            if stop.value is not None:
                                items.append(stop.value)
                            break
                        items.append(item)
                        value = yield item
                except BaseException as e:
                    if gen is not None:
                        gen.close()
                    failed(recorder, e)
                    raise
                done(recorder, items)
            return gen_wrapper

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            recorder = begin(args, kwargs)
            try:
                result = fn(*args, **kwargs)
            except BaseException as e:
                failed(recorder, e)
                raise
            done(recorder, result)
            return result
        return wrapper


def _undo(tokens: list) -> None:
    for var, token in reversed(tokens):
        var.reset(token)


def _resumed(recorder: Optional[SpanRecorder], step: Callable[[], Any]) -> Any:
    """Runs one step of a decorated generator with its span current. A generator's body runs in
    its caller's context at each step, so the span is made current for the step and undone before
    the value goes back to the caller (whose context must not change)."""
    if recorder is None:
        return step()
    tokens = _span_scope(recorder)
    try:
        return step()
    finally:
        _undo(tokens)


async def _aresumed(recorder: Optional[SpanRecorder], step: Callable[[], Any]) -> Any:
    """_resumed for an async generator: its body runs while the step is awaited."""
    if recorder is None:
        return await step()
    tokens = _span_scope(recorder)
    try:
        return await step()
    finally:
        _undo(tokens)


def _signature(fn: Callable[..., Any]) -> Optional[inspect.Signature]:
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return None


def _arguments(signature: Optional[inspect.Signature], args: tuple, kwargs: dict) -> Any:
    """The call's arguments by parameter name (defaults included), without ``self`` and ``cls``."""
    if signature is None:
        return {"args": list(args), "kwargs": kwargs}
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:
        return {"args": list(args), "kwargs": kwargs}
    bound.apply_defaults()
    return {k: v for k, v in bound.arguments.items() if k not in ("self", "cls")}


def trace(fn: Optional[Callable[..., Any]] = None, *, name: Optional[str] = None, kind: str = "agent",
          capture_input: bool = True, capture_output: bool = True, parent: Optional["RemoteContext"] = None,
          **attributes: Any) -> Any:
    """The root span of a run (an agent unless ``kind`` says otherwise): a new trace, or the
    continuation of a propagated one (``parent``, or an ``extract``-ed context made current).
    ``@trace``, ``@trace(name=...)``, or ``with trace(...)`` / ``async with trace(...)``."""
    scope = _Scope(kind, name, True, capture_input, capture_output, parent, attributes)
    return scope(fn) if fn is not None else scope


trace_context = trace


def span(fn: Optional[Callable[..., Any]] = None, *, kind: str = "custom", name: Optional[str] = None,
         capture_input: bool = True, capture_output: bool = True, **attributes: Any) -> Any:
    """A span of one step under the current span: ``@span(kind="retriever")``, or ``with span(...)``
    / ``async with span(...)``. Keyword arguments beyond these become the span's attributes."""
    scope = _Scope(kind, name, False, capture_input, capture_output, None, attributes)
    return scope(fn) if fn is not None else scope


def current_span() -> Optional[SpanRecorder]:
    """The innermost span open in this context (an open ``trace``/``span``), or None."""
    recorder = _current_span.get()
    return recorder if recorder is not None and not recorder.ended else None


def current_trace_id() -> Optional[str]:
    """The trace id (32 hex digits) of the current span (any recorder's, or the application's
    OpenTelemetry span), else of the propagated parent made current, else None."""
    parsed = _parse(_current_traceparent())
    return parsed[0] if parsed else None


def _current_traceparent() -> Optional[str]:
    """The span records started here would be children of: the current recorder's or span's, the
    propagated parent made current, or the application's current OpenTelemetry span."""
    raw, _local = _parent()
    return raw.decode() if raw else None


def log_event(name: str, attributes: Optional[dict] = None, *, content: bool = False,
              **more: Any) -> bool:
    """Adds an event to the current span; returns whether there was one to add it to.
    ``content=True`` marks the attribute values as content (the capture mode may drop them)."""
    recorder = current_span() if _enabled else None
    if recorder is None:
        return False
    recorder.add_event(name, {**(attributes or {}), **more}, content=content)
    return True


def attach_metadata(metadata: Optional[dict] = None, *, content: bool = False, **more: Any) -> bool:
    """Sets attributes on the current span (bool, int and float keep their type; other values
    become text or JSON); returns whether there was a span to set them on."""
    recorder = current_span() if _enabled else None
    if recorder is None:
        return False
    recorder.set_attributes({**(metadata or {}), **more}, content=content)
    return True


# --- propagation ------------------------------------------------------------------


def _parse(traceparent: Optional[str]) -> Optional[tuple[str, str, bool]]:
    if not traceparent:
        return None
    raw = traceparent.encode("utf-8", "surrogatepass")
    trace_id, span_id, sampled = ctypes.create_string_buffer(33), ctypes.create_string_buffer(17), ctypes.c_int()
    if N.sigil_traceparent_parse(raw, len(raw), trace_id, span_id, ctypes.byref(sampled)) != N.SIGIL_OK:
        return None
    return trace_id.value.decode(), span_id.value.decode(), bool(sampled.value)


def _valid_tracestate(tracestate: str) -> bool:
    raw = tracestate.encode("utf-8", "surrogatepass")
    return N.sigil_tracestate_validate(raw, len(raw)) == N.SIGIL_OK


class RemoteContext:
    """A trace context that arrived from another process (``extract``). Pass it as ``parent=`` to
    ``trace``, or use it as a context manager: what starts inside continues that trace."""

    __slots__ = ("traceparent", "tracestate", "_tokens")

    def __init__(self, traceparent: str, tracestate: Optional[str] = None) -> None:
        self.traceparent = traceparent
        self.tracestate = tracestate or None
        self._tokens: list[Any] = []

    @property
    def trace_id(self) -> str:
        parsed = _parse(self.traceparent)
        return parsed[0] if parsed else ""

    def __enter__(self) -> "RemoteContext":
        self._tokens.append([(_parent_traceparent, _parent_traceparent.set(self.traceparent)),
                             (_parent_remote, _parent_remote.set(True)),
                             (_parent_tracestate, _parent_tracestate.set(self.tracestate)),
                             (_current_span, _current_span.set(None))])
        return self

    def __exit__(self, *exc: Any) -> bool:
        for var, token in reversed(self._tokens.pop()):
            var.reset(token)
        return False

    def __repr__(self) -> str:
        return f"RemoteContext(traceparent={self.traceparent!r}, tracestate={self.tracestate!r})"


def _header(headers: Any, name: str) -> Optional[str]:
    """A header's value by case-insensitive name, from a mapping (or an object with get)."""
    value = headers.get(name) if hasattr(headers, "get") else None
    if value is None and hasattr(headers, "items"):
        for key, v in headers.items():
            if isinstance(key, str) and key.lower() == name:
                value = v
                break
    if isinstance(value, (list, tuple)):  # multi-valued header maps
        value = ",".join(str(v) for v in value) if name == "tracestate" else (value[0] if value else None)
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return value.strip() if isinstance(value, str) else None


def extract(headers: Any) -> Optional[RemoteContext]:
    """The trace context in W3C ``traceparent`` / ``tracestate`` headers (names case-insensitive),
    or None when there is no valid traceparent. A malformed tracestate is dropped, as W3C asks."""
    if not _enabled:
        return None
    traceparent = _header(headers, "traceparent")
    if _parse(traceparent) is None:
        return None
    tracestate = _header(headers, "tracestate")
    if tracestate and not _valid_tracestate(tracestate):
        tracestate = None
    return RemoteContext(traceparent, tracestate)


def inject(headers: Optional[MutableMapping[str, str]] = None) -> MutableMapping[str, str]:
    """Writes the current span's ``traceparent`` (any recorder's inside its ``with`` block; and the
    ``tracestate`` the trace carries) into ``headers`` (a new dict when None) and returns it;
    without a current span, the propagated parent made current; else writes nothing."""
    out: MutableMapping[str, str] = {} if headers is None else headers
    if not _enabled:
        return out
    traceparent, tracestate = _current_traceparent(), _parent_tracestate.get()
    if _parse(traceparent) is None:
        return out
    out["traceparent"] = traceparent
    if tracestate:
        out["tracestate"] = tracestate
    return out
