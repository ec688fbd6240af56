"""Thread-safe capture store: every request any server received, by kind, in arrival order."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

KINDS = ("http_exports", "grpc_exports", "otlp_traces", "otlp_metrics", "ratings", "scores", "unmatched")

Capture = dict[str, Any]
Listener = Callable[[str, Capture], None]


class CaptureStore:
    """Captures are appended once and never mutated afterwards, so snapshots share them freely."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._captures: dict[str, list[Capture]] = {kind: [] for kind in KINDS}
        self._seq = 0
        self._closed = False
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """listener(kind, capture) runs on the receiving thread after the capture is stored."""
        with self._cond:
            self._listeners.append(listener)

    def add(self, kind: str, capture: Capture) -> Capture:
        _check_kind(kind)
        with self._cond:
            self._seq += 1
            capture = {"seq": self._seq, "time": time.time(), **capture}
            self._captures[kind].append(capture)
            listeners = list(self._listeners)
            self._cond.notify_all()
        for listener in listeners:
            listener(kind, capture)
        return capture

    def snapshot(self) -> dict[str, list[Capture]]:
        with self._cond:
            return {kind: list(items) for kind, items in self._captures.items()}

    def get(self, kind: str) -> list[Capture]:
        _check_kind(kind)
        with self._cond:
            return list(self._captures[kind])

    def wait(self, kind: str, count: int, timeout: float) -> tuple[list[Capture], bool]:
        """Block until at least `count` captures of `kind` exist, the timeout passes, or the store
        closes. Returns (captures of that kind, complete)."""
        _check_kind(kind)
        with self._cond:
            self._cond.wait_for(
                lambda: self._closed or len(self._captures[kind]) >= count, timeout=max(timeout, 0.0)
            )
            items = list(self._captures[kind])
        return items, len(items) >= count

    def reset(self) -> None:
        with self._cond:
            for items in self._captures.values():
                items.clear()
            self._cond.notify_all()

    def close(self) -> None:
        """Wake every waiter; later waits return at once."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown capture kind {kind!r}; expected one of {', '.join(KINDS)}")
