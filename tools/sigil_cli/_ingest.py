"""What the receiver does with a request, whatever the transport: decode, check, store, describe.

Generations are normalized and checked the way Sigil's ingest service does (an id, a mode and an
operation name filled in when missing; a model provider and name required) and answered with one
result per generation; a stored id is answered `generation already exists`.
"""

from __future__ import annotations

import base64
import itertools
import json
import time
from datetime import datetime, timezone
from typing import Any, Callable

from . import _wire
from ._store import DuplicateGeneration, Store

__all__ = ["Ingest"]

_GOOD = "CONVERSATION_RATING_VALUE_GOOD"
_BAD = "CONVERSATION_RATING_VALUE_BAD"
_ZERO_TIME = "0001-01-01T00:00:00Z"
_RATING_ECHOED = ("rating_id", "generation_id", "rating", "comment", "metadata", "rater_id", "source")


def _now_rfc3339() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _hex(b64: str) -> str:
    return base64.b64decode(b64).hex() if b64 else ""


def _any_value(value: dict[str, Any]) -> Any:
    if "array_value" in value:
        return [_any_value(v) for v in value["array_value"].get("values", [])]
    if "kvlist_value" in value:
        return _attributes(value["kvlist_value"].get("values", []))
    for key in ("string_value", "bool_value", "int_value", "double_value", "bytes_value"):
        if key in value:
            return value[key]
    return None


def _attributes(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    return {kv.get("key", ""): _any_value(kv.get("value", {})) for kv in pairs}


class Ingest:
    def __init__(self, store: Store, say: Callable[[str], None]) -> None:
        self.store = store
        self.say = say
        self._ids = itertools.count(1)

    # -- generations ----------------------------------------------------------------------

    def export_generations(self, request: dict[str, Any], transport: str) -> list[dict[str, Any]]:
        results = []
        for generation in request.get("generations", []):
            self._normalize(generation)
            result: dict[str, Any] = {"generation_id": generation["id"], "accepted": False}
            error = self._validate(generation)
            if error is None:
                try:
                    self.store.add_generation(generation, transport)
                    result["accepted"] = True
                except DuplicateGeneration:
                    error = "generation already exists"
            if error:
                result["error"] = error
            results.append(result)
            self.say(self._describe(generation, transport, error))
        return results

    def _normalize(self, g: dict[str, Any]) -> None:
        if not g.get("id"):
            g["id"] = f"gen-{int(time.time() * 1000)}-{next(self._ids)}"
        if g.get("mode") in (None, "GENERATION_MODE_UNSPECIFIED"):
            g["mode"] = "GENERATION_MODE_SYNC"
        if not g.get("operation_name"):
            g["operation_name"] = "streamText" if g["mode"] == "GENERATION_MODE_STREAM" else "generateText"
        now = _now_rfc3339()
        g.setdefault("started_at", now)
        g.setdefault("completed_at", now)

    @staticmethod
    def _validate(g: dict[str, Any]) -> str | None:
        model = g.get("model")
        if model is None:
            return "generation.model is required"
        if not model.get("provider"):
            return "generation.model.provider is required"
        if not model.get("name"):
            return "generation.model.name is required"
        if g["mode"] not in ("GENERATION_MODE_SYNC", "GENERATION_MODE_STREAM"):
            return "generation.mode is invalid"
        return None

    @staticmethod
    def _describe(g: dict[str, Any], transport: str, error: str | None) -> str:
        model = g.get("model") or {}
        usage = g.get("usage") or {}
        line = (f"generation {g['id']} via {transport}: conversation={g.get('conversation_id') or '-'} "
                f"agent={g.get('agent_name') or '-'} model={model.get('provider', '')}/{model.get('name', '')} "
                f"tokens={usage.get('input_tokens', 0)} in/{usage.get('output_tokens', 0)} out")
        if g.get("call_error"):
            line += f" error={g['call_error']!r}"
        if error:
            line += f" REJECTED: {error}"
        return line

    # -- OTLP -----------------------------------------------------------------------------

    def export_traces(self, request: dict[str, Any]) -> int:
        spans = []
        for resource_spans in request.get("resource_spans", []):
            resource = _attributes(resource_spans.get("resource", {}).get("attributes", []))
            service = str(resource.get("service.name", ""))
            for scope_spans in resource_spans.get("scope_spans", []):
                scope = scope_spans.get("scope", {}).get("name", "")
                for span in scope_spans.get("spans", []):
                    spans.append(self._flatten_span(span, service, scope))
        if spans:
            self.store.add_spans(spans)
        for s in spans:
            duration = (s["end_ns"] - s["start_ns"]) / 1e6
            status = " ERROR" if s["status_code"] == "STATUS_CODE_ERROR" else ""
            self.say(f"span {s['name']!r} trace={s['trace_id']} {duration:.1f} ms"
                     f"{' conversation=' + s['conversation_id'] if s['conversation_id'] else ''}{status}")
        return len(spans)

    @staticmethod
    def _flatten_span(span: dict[str, Any], service: str, scope: str) -> dict[str, Any]:
        attributes = _attributes(span.get("attributes", []))
        status = span.get("status", {})
        return {
            "trace_id": _hex(span.get("trace_id", "")),
            "span_id": _hex(span.get("span_id", "")),
            "parent_span_id": _hex(span.get("parent_span_id", "")),
            "name": span.get("name", ""),
            "kind": span.get("kind", "SPAN_KIND_UNSPECIFIED"),
            "start_ns": int(span.get("start_time_unix_nano", 0)),
            "end_ns": int(span.get("end_time_unix_nano", 0)),
            "attributes": attributes,
            "events": [{"name": e.get("name", ""), "time_ns": e.get("time_unix_nano", 0),
                        "attributes": _attributes(e.get("attributes", []))} for e in span.get("events", [])],
            "status_code": status.get("code", "STATUS_CODE_UNSET"),
            "status_message": status.get("message", ""),
            "conversation_id": str(attributes.get("gen_ai.conversation.id", "")),
            "service_name": service,
            "scope": scope,
        }

    def export_metrics(self, request: dict[str, Any]) -> int:
        metrics = []
        for resource_metrics in request.get("resource_metrics", []):
            for scope_metrics in resource_metrics.get("scope_metrics", []):
                for metric in scope_metrics.get("metrics", []):
                    metrics.append(self._flatten_metric(metric))
        self.store.add_metric_export(metrics)
        points = sum(len(m["points"]) for m in metrics)
        names = ", ".join(sorted({m["name"] for m in metrics})) or "-"
        self.say(f"metrics export: {len(metrics)} metrics, {points} points ({names})")
        return len(metrics)

    @staticmethod
    def _flatten_metric(metric: dict[str, Any]) -> dict[str, Any]:
        out = {"name": metric.get("name", ""), "unit": metric.get("unit", ""), "kind": "", "points": []}
        if "histogram" in metric:
            out["kind"] = "histogram"
            for p in metric["histogram"].get("data_points", []):
                out["points"].append({"attributes": _attributes(p.get("attributes", [])),
                                      "count": p.get("count", 0), "sum": p.get("sum", 0.0)})
        elif "sum" in metric:
            out["kind"] = "sum"
            for p in metric["sum"].get("data_points", []):
                out["points"].append({"attributes": _attributes(p.get("attributes", [])),
                                      "value": p.get("as_int", p.get("as_double", 0))})
        return out

    # -- ratings --------------------------------------------------------------------------

    def submit_rating(self, conversation_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Stores a rating and answers like Sigil's rating API: the rating echoed and a summary."""
        now = _now_rfc3339()
        rating = {key: body[key] for key in _RATING_ECHOED if body.get(key) not in (None, "", {})}
        rating.update(conversation_id=conversation_id, created_at=now)
        history = self.store.add_rating(conversation_id, rating)
        bad = [r["created_at"] for r in history if r.get("rating") == _BAD]
        self.say(f"rating conversation={conversation_id} {body.get('rating', '')}"
                 f"{' comment=' + json.dumps(body['comment']) if body.get('comment') else ''}")
        return {
            "rating": rating,
            "summary": {
                "total_count": len(history),
                "good_count": sum(1 for r in history if r.get("rating") == _GOOD),
                "bad_count": len(bad),
                "latest_rating": body.get("rating", ""),
                "latest_rated_at": now,
                "latest_bad_at": bad[-1] if bad else _ZERO_TIME,
                "has_bad_rating": bool(bad),
            },
        }

    # -- decoding helpers shared by the transports ----------------------------------------

    @staticmethod
    def decode_generations_protobuf(body: bytes) -> dict[str, Any]:
        return _wire.decode("ExportGenerationsRequest", body)

    @staticmethod
    def decode_generations_json(body: bytes) -> dict[str, Any]:
        try:
            value = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise _wire.WireError(f"invalid JSON: {exc}") from None
        return _wire.from_json("ExportGenerationsRequest", value)
