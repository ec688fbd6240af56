"""What every provider instrumentation shares: the client calls are recorded into, per-call options,
the patch registry, request bodies as JSON, and the guard that keeps instrumentation failures away
from the caller.

The mapping of provider JSON is the engine's: a wrapper hands it the request the caller gave, the
response (or each stream event) the provider SDK returned, and the exception it raised.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import dataclasses
import enum
import functools
import logging
import threading
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, Callable, Optional

from ..client import Client, EmbeddingRecorder, GenerationRecorder, _provider_json
from ..models import ContentCaptureMode, EmbeddingStart, GenerationStart, ModelRef

_log = logging.getLogger("sigil_sdk")
_lock = threading.Lock()

# --- the client recorded into ---------------------------------------------------

_client: Optional[Client] = None  # given to instrument*(client=...)
_default_client: Optional[Client] = None  # created from the environment on first use


def set_client(client: Optional[Client]) -> None:
    """Makes `client` the one calls are recorded into (None keeps the current choice)."""
    global _client
    if client is not None:
        with _lock:
            _client = client


def reset_client() -> None:
    global _client
    with _lock:
        _client = None


def current_client(options: Optional["CallOptions"]) -> Client:
    """call_options(client=) > the client given to instrument() > a default client from SIGIL_*."""
    global _default_client
    if options is not None and options.client is not None:
        return options.client
    client = _client
    if client is not None:
        return client
    with _lock:
        if _default_client is None or _default_client._shut_down:
            _default_client = Client()
        return _default_client


# --- instrumentation failures ---------------------------------------------------

_errors = 0
_reported: set[str] = set()


def internal_error(where: str, exc: BaseException) -> None:
    """Counts a failure inside the instrumentation and logs it once per place; never raises."""
    global _errors
    try:
        with _lock:
            _errors += 1
            first = where not in _reported
            _reported.add(where)
        if first:
            _log.warning("sigil: instrumentation failed in %s (the provider call is unaffected; "
                         "later failures here are logged at debug level): %r", where, exc, exc_info=exc)
        else:
            _log.debug("sigil: instrumentation failed in %s: %r", where, exc)
    except Exception:  # noqa: BLE001 - the last line of defence
        pass


def stats() -> dict[str, int]:
    """Counters of the instrumentation: ``instrumentation_errors`` counts failures inside it (each
    one logged through the ``sigil_sdk`` logger; the provider call went on unaffected)."""
    with _lock:
        return {"instrumentation_errors": _errors}


# --- per-call options -----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CallOptions:
    """Options for the provider calls made inside one ``call_options`` block."""

    conversation_id: str = ""
    conversation_title: str = ""
    user_id: str = ""
    agent_name: str = ""
    agent_version: str = ""
    tags: dict[str, str] = dataclasses.field(default_factory=dict)
    metadata: dict[str, Any] = dataclasses.field(default_factory=dict)
    content_capture: Optional[str | ContentCaptureMode] = None
    client: Optional[Client] = None
    record: bool = True


_options: contextvars.ContextVar[Optional[CallOptions]] = contextvars.ContextVar("sigil_call_options", default=None)
_START_FIELDS = ("conversation_id", "conversation_title", "user_id", "agent_name", "agent_version",
                 "content_capture")


@contextlib.contextmanager
def call_options(**fields: Any) -> Iterator[CallOptions]:
    """Sets options for the provider calls recorded inside the block (this thread or task only).

    Fields: conversation_id, conversation_title, user_id, agent_name, agent_version (win over the
    ``with_*`` context helpers), tags and metadata (merged with an enclosing block's),
    content_capture, client (record into this client), record (False: do not record).
    Nothing is passed to the provider SDK.
    """
    outer = _options.get()
    if outer is not None:
        fields = {**{f.name: getattr(outer, f.name) for f in dataclasses.fields(outer)}, **fields,
                  "tags": {**outer.tags, **fields.get("tags", {})},
                  "metadata": {**outer.metadata, **fields.get("metadata", {})}}
    options = CallOptions(**fields)
    token = _options.set(options)
    try:
        yield options
    finally:
        _options.reset(token)


_UNSET_MODEL = ModelRef("", "")  # the request body names the model


def start_generation(stream: bool, options: Optional[CallOptions]) -> GenerationRecorder:
    client = current_client(options)
    start = GenerationStart(_UNSET_MODEL)
    if options is not None:
        for name in _START_FIELDS:
            value = getattr(options, name)
            if value:
                setattr(start, name, value)
        if options.tags:
            start.tags = dict(options.tags)
        if options.metadata:
            start.metadata = dict(options.metadata)
    return client.start_streaming_generation(start) if stream else client.start_generation(start)


def start_embedding(options: Optional[CallOptions]) -> EmbeddingRecorder:
    client = current_client(options)
    start = EmbeddingStart(_UNSET_MODEL)
    if options is not None:
        start.agent_name = options.agent_name
        start.agent_version = options.agent_version
        if options.content_capture:
            start.content_capture = options.content_capture
    return client.start_embedding(start)


# --- nesting --------------------------------------------------------------------

# Set while an instrumented call runs, so a provider call made inside another (litellm calling the
# openai SDK) is recorded once, by the outer one.
# Holds the call being recorded (its Call object), which the SDK's HTTP layer hooks hand the wire
# bytes to.
_inside: contextvars.ContextVar[Any] = contextvars.ContextVar("sigil_inside_call", default=None)


_SKIP = CallOptions(record=False)


def options_for_call() -> Optional[CallOptions]:
    """This call's options (None: defaults); options with record=False when the call must not be
    recorded (made inside another recorded call, or switched off with call_options(record=False))."""
    if _inside.get() is not None:
        return _SKIP
    return _options.get()


# --- request bodies -------------------------------------------------------------

# Keyword arguments that shape the HTTP request, not the provider request body.
TRANSPORT_KWARGS = frozenset({"extra_headers", "extra_query", "extra_body", "timeout"})


def is_sentinel(value: Any) -> bool:
    """The provider SDKs' "not given" markers (openai/anthropic NotGiven and Omit)."""
    return type(value).__name__ in ("NotGiven", "Omit")


def materialize(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Arguments given as one-shot iterators (a generator of messages) become lists, so that the
    request can be recorded and the provider SDK still receives every item."""
    for key, value in kwargs.items():
        if isinstance(value, Iterator) and not isinstance(value, (str, bytes, dict)):
            return {k: (list(v) if isinstance(v, Iterator) and not isinstance(v, (str, bytes, dict)) else v)
                    for k, v in kwargs.items()}
    return kwargs


def request_body(kwargs: dict[str, Any], drop: frozenset[str] = TRANSPORT_KWARGS) -> dict[str, Any]:
    """The request as the provider receives it: the keyword arguments without transport options
    and without the arguments left unset."""
    return {k: v for k, v in kwargs.items() if k not in drop and v is not None and not is_sentinel(v)}


def keyword_request(args: tuple, kwargs: dict) -> dict[str, Any]:
    """The request of an SDK method that takes the request body as keyword arguments."""
    return request_body(kwargs)


def _jsonable(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, type):  # pydantic models of the provider SDKs
        return dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if is_sentinel(value):
        return None
    if isinstance(value, (set, frozenset, tuple)) or isinstance(value, Iterator):
        return list(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, type):  # a response_format class
        return value.__name__
    return str(value)


def to_json(body: Any) -> bytes:
    """Any request or event as compact JSON bytes; pydantic models as their wire JSON, and values
    JSON cannot hold (bytes, dates, enums, sets, classes, ...) as the provider SDKs send them."""
    return _provider_json(body, _jsonable)


# --- the patch registry ---------------------------------------------------------


class Patch:
    """One replaced attribute: where, what was there, and whether the replacement still records.

    An uninstrumented replacement passes every call straight through: if other code wrapped the
    attribute after us, restoring ours would undo theirs, so the attribute is restored only when it
    still holds our replacement."""

    __slots__ = ("owner", "name", "original", "replacement", "active")

    def __init__(self, owner: Any, name: str, original: Any) -> None:
        self.owner, self.name, self.original = owner, name, original
        self.replacement: Any = None
        self.active = True


_installed: dict[str, list[Patch]] = {}


def install(provider: str, targets: list[tuple[Any, str, Callable[[Any, Patch], Any]]]) -> bool:
    """Replaces each (owner, attribute) with make(original, patch). Installing a provider that is
    already installed does nothing and returns False."""
    with _lock:
        if provider in _installed:
            return False
        patches: list[Patch] = []
        for owner, name, make in targets:
            original = owner.__dict__.get(name)
            if original is None:
                continue  # not in this version of the provider SDK
            patch = Patch(owner, name, original)
            replacement = make(original, patch)
            functools.update_wrapper(replacement, original)
            replacement.__sigil_patch__ = patch
            patch.replacement = replacement
            setattr(owner, name, replacement)
            patches.append(patch)
        _installed[provider] = patches
        return True


def uninstall(provider: str) -> bool:
    """Restores what install() replaced; False when the provider was not installed."""
    with _lock:
        patches = _installed.pop(provider, None)
    if patches is None:
        return False
    for patch in reversed(patches):
        patch.active = False
        if patch.owner.__dict__.get(patch.name) is patch.replacement:
            setattr(patch.owner, patch.name, patch.original)
    return True


def installed() -> list[str]:
    """The providers instrumented now."""
    with _lock:
        return sorted(_installed)
