"""Scripted faults: a FIFO of responses per target, consumed one per request, plus a stall mode.

A scripted response (JSON object, every key optional):

  status     int            HTTP status to answer (http, api, otlp)
  headers    {str: str}     extra HTTP response headers, e.g. {"Retry-After": "2"}
  body       str | object   HTTP body sent verbatim (an object is sent as JSON)
  close      bool           HTTP: read the request, then drop the connection without answering
  code       str            gRPC status code name, e.g. "UNAVAILABLE" (grpc)
  message    str            gRPC status message (any Unicode; grpcio percent-encodes it)
  trailers   {str: str}     gRPC trailing metadata (lowercase keys)
  delay_ms   int            wait this long before answering
  reject     [id] | {id: error}   generation ids answered accepted=false (http, grpc)
  reject_error str          error text for ids given as a list
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import grpc

TARGETS = ("http", "grpc", "api", "otlp")
DEFAULT_REJECT_ERROR = "rejected by harness script"

_HTTP_KEYS = {"status", "headers", "body", "close"}
_GRPC_KEYS = {"code", "message", "trailers"}
_COMMON_KEYS = {"delay_ms"}
_REJECT_KEYS = {"reject", "reject_error"}
_ALLOWED = {
    "http": _HTTP_KEYS | _COMMON_KEYS | _REJECT_KEYS,
    "api": _HTTP_KEYS | _COMMON_KEYS,
    "otlp": _HTTP_KEYS | _COMMON_KEYS,
    "grpc": _GRPC_KEYS | _COMMON_KEYS | _REJECT_KEYS,
}


class ScriptError(ValueError):
    """A scripted response that does not make sense for its target."""


@dataclass(frozen=True)
class Scripted:
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    body_is_json: bool = False
    close: bool = False
    code: str = "OK"
    message: str = ""
    trailers: dict[str, str] = field(default_factory=dict)
    delay_ms: int = 0
    reject: dict[str, str] = field(default_factory=dict)

    @property
    def grpc_code(self) -> grpc.StatusCode:
        return grpc.StatusCode[self.code]


def parse_scripted(target: str, obj: Any) -> Scripted:
    check_target(target)
    if not isinstance(obj, dict):
        raise ScriptError(f"scripted response must be an object, got {type(obj).__name__}")
    unknown = set(obj) - _ALLOWED[target]
    if unknown:
        raise ScriptError(f"keys not valid for target {target!r}: {', '.join(sorted(unknown))}")

    status = obj.get("status")
    if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
        raise ScriptError(f"status must be an int in 100..599, got {status!r}")
    headers = _str_map(obj.get("headers", {}), "headers")
    trailers = _str_map(obj.get("trailers", {}), "trailers")
    if any(k != k.lower() for k in trailers):
        raise ScriptError("trailers keys must be lowercase")

    body, body_is_json = None, False
    if "body" in obj:
        raw = obj["body"]
        if isinstance(raw, str):
            body = raw.encode("utf-8")
        else:
            body, body_is_json = json.dumps(raw).encode("utf-8"), True

    code = obj.get("code", "OK")
    if not isinstance(code, str) or code.upper() not in grpc.StatusCode.__members__:
        raise ScriptError(f"unknown gRPC status code name {code!r}")
    message = obj.get("message", "")
    if not isinstance(message, str):
        raise ScriptError("message must be a string")

    delay_ms = obj.get("delay_ms", 0)
    if not isinstance(delay_ms, int) or delay_ms < 0:
        raise ScriptError(f"delay_ms must be a non-negative int, got {delay_ms!r}")

    reject_error = obj.get("reject_error", DEFAULT_REJECT_ERROR)
    reject_raw = obj.get("reject", [])
    if isinstance(reject_raw, list) and all(isinstance(i, str) for i in reject_raw):
        reject = {gen_id: reject_error for gen_id in reject_raw}
    elif isinstance(reject_raw, dict):
        reject = _str_map(reject_raw, "reject")
    else:
        raise ScriptError("reject must be a list of generation ids or an {id: error} object")

    return Scripted(
        status=status,
        headers=headers,
        body=body,
        body_is_json=body_is_json,
        close=bool(obj.get("close", False)),
        code=code.upper(),
        message=message,
        trailers=trailers,
        delay_ms=delay_ms,
        reject=reject,
    )


def check_target(target: str) -> None:
    if target not in TARGETS:
        raise ScriptError(f"unknown target {target!r}; expected one of {', '.join(TARGETS)}")


def _str_map(value: Any, name: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ScriptError(f"{name} must be an object of strings")
    return dict(value)


class ScriptBook:
    """Per-target FIFOs and stall delays. One Condition guards everything so that a stall change,
    a reset and shutdown can all release requests that are being held."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queues: dict[str, list[Scripted]] = {t: [] for t in TARGETS}
        self._stall_ms: dict[str, int] = {t: 0 for t in TARGETS}
        self._stall_epoch: dict[str, int] = {t: 0 for t in TARGETS}
        self._closed = False

    def push(self, target: str, responses: list[Any]) -> int:
        """Validate all, then append all; returns the queue length."""
        check_target(target)
        if not isinstance(responses, list):
            raise ScriptError("responses must be a list")
        parsed = [parse_scripted(target, r) for r in responses]
        with self._cond:
            self._queues[target].extend(parsed)
            return len(self._queues[target])

    def pop(self, target: str) -> Scripted | None:
        with self._cond:
            queue = self._queues[target]
            return queue.pop(0) if queue else None

    def set_stall(self, target: str, delay_ms: int) -> None:
        """A new stall value releases the requests held by the previous one."""
        check_target(target)
        if not isinstance(delay_ms, int) or delay_ms < 0:
            raise ScriptError(f"delay_ms must be a non-negative int, got {delay_ms!r}")
        with self._cond:
            self._stall_ms[target] = delay_ms
            self._stall_epoch[target] += 1
            self._cond.notify_all()

    def hold(self, target: str, scripted: Scripted | None) -> None:
        """Delay the current request: first the stall (if on), then the scripted delay_ms."""
        with self._cond:
            epoch = self._stall_epoch[target]
            self._wait_until(
                time.monotonic() + self._stall_ms[target] / 1000.0,
                lambda: self._stall_epoch[target] != epoch,
            )
            if scripted and scripted.delay_ms:
                self._wait_until(time.monotonic() + scripted.delay_ms / 1000.0, lambda: False)

    def _wait_until(self, deadline: float, released) -> None:
        while not self._closed and not released():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self._cond.wait(remaining)

    def state(self) -> dict[str, Any]:
        with self._cond:
            return {
                "queued": {t: len(q) for t, q in self._queues.items()},
                "stall_ms": dict(self._stall_ms),
            }

    def reset(self) -> None:
        with self._cond:
            for target in TARGETS:
                self._queues[target].clear()
                self._stall_ms[target] = 0
                self._stall_epoch[target] += 1
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
