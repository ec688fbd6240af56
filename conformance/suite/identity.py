"""Cross-language identity: what one run put on the wire, with everything that legitimately varies
between runs masked, so that two runs of one scenario can be compared byte for byte.

Masked: trace and span ids (replaced by placeholders numbered in a content-derived order, so that
links such as "the generation's span_id is that span's id" survive), generated generation ids
(gen_ + 16 hex), timestamps, numbers inside error messages (sizes there depend on timestamp
encodings), and the SDK identity (sigil.sdk.name, resource, scope). Metrics keep counts, and sums
only for units that are not time (token counts, tool calls).
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from typing import Any

from .captured import Captured

TIME_KEYS = {"started_at", "completed_at", "start_time_unix_nano", "end_time_unix_nano", "time_unix_nano",
             "created_at", "latest_rated_at", "latest_bad_at"}
ID_KEYS = {"trace_id": "trace", "span_id": "span", "parent_span_id": "span"}
SDK_KEYS = {"sigil.sdk.name"}
TIME_UNITS = {"s", "ms", "ns"}
# Error texts may quote sizes that depend on timestamps (protobuf varints); their numbers are masked.
MESSAGE_KEYS = {"exception.message"}
_NUMBER = re.compile(r"\d+")
_GENERATED_ID = re.compile(r"^gen_[0-9a-f]{16}$")
_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


def _strip(value: Any) -> Any:
    """Removes what varies, without yet naming ids (used for ordering)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in SDK_KEYS or k in ("resource", "scope"):
                continue
            if k in TIME_KEYS:
                out[k] = "<time>" if v not in (None, 0, "", "0") else v
            elif k in ID_KEYS:
                out[k] = "<id>" if v else v
            else:
                out[k] = _strip(v)
        return out
    if isinstance(value, list):
        return [_strip(v) for v in value]
    if isinstance(value, str) and (_GENERATED_ID.match(value) or _TRACEPARENT.match(value)):
        return "<id>"
    return value


def _order_key(item: Any) -> str:
    return json.dumps(_strip(item), sort_keys=True, default=str)


class _Namer:
    """Consistent placeholders: the same raw id always gets the same name within one run."""

    def __init__(self) -> None:
        self.names: dict[tuple[str, str], str] = {}

    def name(self, kind: str, raw: str) -> str:
        if not raw:
            return raw
        key = (kind, raw)
        if key not in self.names:
            self.names[key] = f"<{kind}-{sum(1 for k in self.names if k[0] == kind) + 1}>"
        return self.names[key]

    def mask(self, value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if k in SDK_KEYS or k in ("resource", "scope"):
                    continue
                if isinstance(v, str) and (k in MESSAGE_KEYS or (k == "message" and "code" in value)):
                    out[k] = _NUMBER.sub("<n>", v)
                    continue
                if k in TIME_KEYS:
                    out[k] = "<time>" if v not in (None, 0, "", "0") else v
                elif k in ID_KEYS and isinstance(v, str):
                    out[k] = self.name(ID_KEYS[k], v)
                else:
                    out[k] = self.mask(v)
            return out
        if isinstance(value, list):
            return [self.mask(v) for v in value]
        if isinstance(value, str):
            if _GENERATED_ID.match(value):
                return self.name("generation-id", value)
            m = _TRACEPARENT.match(value)
            if m:
                return f"00-{self.name('trace', m.group(1))}-{self.name('span', m.group(2))}-{m.group(3)}"
        return value


def _metric(point: dict[str, Any]) -> dict[str, Any]:
    out = {k: point.get(k) for k in ("name", "unit", "type", "temporality", "attributes", "count")}
    if point.get("unit") not in TIME_UNITS:
        for k in ("sum", "min", "max", "bucket_counts", "explicit_bounds"):
            out[k] = point.get(k)
    return out


def normalize(captured: Captured) -> dict[str, Any]:
    """The comparable form of a run's captures."""
    generations = sorted(copy.deepcopy(captured.generations), key=_order_key)
    spans = sorted(copy.deepcopy(captured.spans), key=_order_key)
    namer = _Namer()
    return {
        "generations": [namer.mask(g) for g in generations],
        "spans": [namer.mask(s) for s in spans],
        "metrics": sorted((namer.mask(_metric(p)) for p in captured.metric_series), key=_order_key),
        "ratings": sorted((namer.mask({k: r.get(k) for k in ("method", "path", "json")}) for r in captured.ratings),
                          key=_order_key),
    }


def render(normalized: dict[str, Any]) -> list[str]:
    return json.dumps(normalized, sort_keys=True, indent=2, ensure_ascii=False, default=str).splitlines()


def diff(a_name: str, a: dict[str, Any], b_name: str, b: dict[str, Any], max_lines: int = 120) -> list[str]:
    """A unified diff of two normalized runs; empty when they are identical."""
    if a == b:
        return []
    lines = list(difflib.unified_diff(render(a), render(b), fromfile=a_name, tofile=b_name, lineterm="", n=3))
    if len(lines) > max_lines:
        lines = lines[:max_lines] + [f"... ({len(lines) - max_lines} more diff lines)"]
    return lines
