"""Control API over HTTP/JSON: read captures, wait for them, script faults, reset, shut down."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from .httpbase import Reply, Request, json_reply
from .script import ScriptError
from .store import KINDS

if TYPE_CHECKING:
    from .harness import Harness

MAX_WAIT_MS = 600_000


class _BadRequest(Exception):
    pass


class ControlApp:
    def __init__(self, harness: "Harness") -> None:
        self._h = harness

    def handle(self, req: Request) -> Reply:
        route = {
            ("GET", "/captures"): self._captures,
            ("GET", "/captures/wait"): self._wait,
            ("GET", "/state"): self._state,
            ("POST", "/script"): self._script,
            ("POST", "/stall"): self._stall,
            ("POST", "/reset"): self._reset,
            ("POST", "/shutdown"): self._shutdown,
        }.get((req.method, req.path))
        if route is None:
            return json_reply(404, {"error": f"no route for {req.method} {req.path}"})
        try:
            return json_reply(200, route(req))
        except (_BadRequest, ScriptError, ValueError) as exc:
            return json_reply(400, {"error": str(exc)})

    def _captures(self, req: Request) -> dict[str, Any]:
        kind = _query(req).get("kind")
        if kind is None:
            return self._h.store.snapshot()
        return {kind: self._h.store.get(kind)}

    def _wait(self, req: Request) -> dict[str, Any]:
        query = _query(req)
        kind = query.get("kind")
        if kind not in KINDS:
            raise _BadRequest(f"kind must be one of {', '.join(KINDS)}")
        count = _int(query, "count", 1)
        timeout_ms = min(_int(query, "timeout_ms", 5000), MAX_WAIT_MS)
        captures, complete = self._h.store.wait(kind, count, timeout_ms / 1000.0)
        return {"kind": kind, "count": count, "complete": complete, "captures": captures}

    def _state(self, req: Request) -> dict[str, Any]:
        snapshot = self._h.store.snapshot()
        return {
            "ports": self._h.ports,
            "counts": {kind: len(items) for kind, items in snapshot.items()},
            **self._h.scripts.state(),
        }

    def _script(self, req: Request) -> dict[str, Any]:
        body = _json(req)
        target = body.get("target")
        queued = self._h.scripts.push(target, body.get("responses"))
        return {"target": target, "queued": queued}

    def _stall(self, req: Request) -> dict[str, Any]:
        body = _json(req)
        target, delay_ms = body.get("target"), body.get("delay_ms")
        self._h.scripts.set_stall(target, delay_ms)
        return {"target": target, "delay_ms": delay_ms}

    def _reset(self, req: Request) -> dict[str, Any]:
        self._h.reset()
        return {"ok": True}

    def _shutdown(self, req: Request) -> dict[str, Any]:
        # Only signals: the owner of the harness (the CLI loop) stops the servers, after this
        # answer has been written.
        self._h.request_shutdown()
        return {"ok": True}


def _query(req: Request) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(req.query).items()}


def _int(query: dict[str, str], name: str, default: int) -> int:
    try:
        value = int(query.get(name, default))
    except ValueError:
        raise _BadRequest(f"{name} must be an integer") from None
    if value < 0:
        raise _BadRequest(f"{name} must not be negative")
    return value


def _json(req: Request) -> dict[str, Any]:
    try:
        body = json.loads(req.body or b"{}")
    except ValueError as exc:
        raise _BadRequest(f"invalid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise _BadRequest("body must be a JSON object")
    return body
