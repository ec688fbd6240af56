"""Identity defaults carried in contextvars.

Values set here follow the code through threads started with
``contextvars.copy_context()`` and through asyncio tasks (each task copies the
context it was created in). The client reads them when a recorder starts and
hands them to the engine as *context* values: explicit start fields still win,
and the engine falls back to metadata and client defaults when both are empty.
"""

from __future__ import annotations

import contextvars
import weakref
from contextlib import contextmanager
from typing import Any, Iterator, Optional

_conversation_id: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("sigil_conversation_id", default=None)
_conversation_title: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar(
    "sigil_conversation_title", default=None
)
_user_id: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("sigil_user_id", default=None)
_agent_name: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("sigil_agent_name", default=None)
_agent_version: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("sigil_agent_version", default=None)


@contextmanager
def _scope(var: contextvars.ContextVar[Optional[str]], value: str) -> Iterator[None]:
    token = var.set(value)
    try:
        yield
    finally:
        var.reset(token)


def with_conversation_id(conversation_id: str):
    """Sets the conversation id for recorders started inside the ``with`` block."""
    return _scope(_conversation_id, conversation_id)


def with_conversation_title(conversation_title: str):
    """Sets the conversation title for recorders started inside the ``with`` block."""
    return _scope(_conversation_title, conversation_title)


def with_user_id(user_id: str):
    """Sets the end-user id for recorders started inside the ``with`` block."""
    return _scope(_user_id, user_id)


def with_agent_name(agent_name: str):
    """Sets the agent name for recorders started inside the ``with`` block."""
    return _scope(_agent_name, agent_name)


def with_agent_version(agent_version: str):
    """Sets the agent version for recorders started inside the ``with`` block."""
    return _scope(_agent_version, agent_version)


def conversation_id_from_context() -> Optional[str]:
    """The conversation id set by the innermost ``with_conversation_id``, if any."""
    return _conversation_id.get()


def conversation_title_from_context() -> Optional[str]:
    """The conversation title set by the innermost ``with_conversation_title``, if any."""
    return _conversation_title.get()


def user_id_from_context() -> Optional[str]:
    """The user id set by the innermost ``with_user_id``, if any."""
    return _user_id.get()


def agent_name_from_context() -> Optional[str]:
    """The agent name set by the innermost ``with_agent_name``, if any."""
    return _agent_name.get()


def agent_version_from_context() -> Optional[str]:
    """The agent version set by the innermost ``with_agent_version``, if any."""
    return _agent_version.get()


# Extension: the W3C traceparent of the span that recorders started inside the
# block should be children of. Without it, the current OpenTelemetry span (when
# opentelemetry is in use) is the parent.
_parent_traceparent: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar(
    "sigil_parent_traceparent", default=None
)
_parent_remote: contextvars.ContextVar[bool] = contextvars.ContextVar("sigil_parent_remote", default=True)


@contextmanager
def with_parent_traceparent(traceparent: str, *, remote: bool = True) -> Iterator[None]:
    """Makes recorders started inside the ``with`` block children of ``traceparent``.

    The parent is remote (propagated from another process) unless ``remote=False`` says it is a
    span of this process, such as a recorder's own ``traceparent``; exported spans carry the
    difference in their flags.
    """
    token = _parent_traceparent.set(traceparent)
    remote_token = _parent_remote.set(bool(remote))
    try:
        yield
    finally:
        _parent_remote.reset(remote_token)
        _parent_traceparent.reset(token)


def parent_traceparent_from_context() -> Optional[str]:
    """The traceparent set by the innermost ``with_parent_traceparent``, if any."""
    return _parent_traceparent.get()


# The W3C tracestate that travels with the parent traceparent (an extracted
# header's, or the current span's), and the innermost open span of this context
# (sigil_sdk.tracing): what log_event and attach_metadata write to.
_parent_tracestate: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar(
    "sigil_parent_tracestate", default=None
)
_current_span: contextvars.ContextVar[Any] = contextvars.ContextVar("sigil_current_span", default=None)



# Content capture modes in effect for the records started in this context that
# set none themselves, innermost last: with_content_capture_mode scopes, and
# generations between their start and their end (so the tool executions a
# generation runs follow its mode, as in the reference SDK). An entry is
# (mode, recorder weakref or None for a scope); a generation that ended or was
# dropped without end() no longer counts. Generations and tool executions
# follow these modes; embeddings do not.
_capture_modes: contextvars.ContextVar[tuple[tuple[str, Any], ...]] = contextvars.ContextVar(
    "sigil_capture_modes", default=()
)


def _mode_name(mode: object) -> str:
    return str(getattr(mode, "value", mode)).strip().lower()


@contextmanager
def with_content_capture_mode(mode: object) -> Iterator[None]:
    """Sets the content capture mode (a ContentCaptureMode or its name) for the
    generations and tool executions started inside the ``with`` block that set
    none themselves. It wins over the resolver and the client's mode;
    embeddings are not affected."""
    token = _capture_modes.set((*_capture_modes.get(), (_mode_name(mode), None)))
    try:
        yield
    finally:
        _capture_modes.reset(token)


def content_capture_mode_from_context() -> Optional[str]:
    """The mode recorders started here follow (the innermost of
    with_content_capture_mode and the open generations started here), as a
    name, or None."""
    for entry in reversed(_capture_modes.get()):
        if _open(entry):
            mode = _entry_mode(entry)
            return None if mode in ("default", "") else mode
    return None


def _open(entry: tuple[str, Any]) -> bool:
    """A scope, or a generation that is still alive and not ended."""
    if entry[1] is None:
        return True
    recorder = entry[1]()
    return recorder is not None and not recorder.ended


def _entry_mode(entry: tuple[str, Any]) -> str:
    # A generation's mode is read from the engine only when a record needs it.
    return entry[0] if entry[1] is None else entry[1]()._capture_mode_name()


def _push_capture_mode(recorder: Any) -> None:
    modes = tuple(e for e in _capture_modes.get() if _open(e))  # drops generations ended elsewhere
    _capture_modes.set((*modes, ("", weakref.ref(recorder))))


def _pop_capture_mode(recorder: Any) -> None:
    modes = _capture_modes.get()
    kept = tuple(e for e in modes if e[1] is None or (e[1]() is not None and e[1]() is not recorder))
    if len(kept) != len(modes):
        _capture_modes.set(kept)
