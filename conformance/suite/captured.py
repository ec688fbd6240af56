"""Flat, language-neutral views of what the harness captured during one run.

The harness decodes everything itself (protobuf, protojson, OTLP), so these views only regroup:
every exported generation, every export request, every span, the final value of every metric
series, and every rating request.
"""

from __future__ import annotations

import json
from typing import Any

EXPORT_KINDS = {"http_exports": "http", "grpc_exports": "grpc"}


def series_key(point: dict[str, Any]) -> str:
    return point["name"] + " " + json.dumps(point.get("attributes") or {}, sort_keys=True)


class Captured:
    def __init__(self, snapshot: dict[str, list[dict[str, Any]]]) -> None:
        self.snapshot = snapshot
        self.export_requests: list[dict[str, Any]] = []
        self.generations: list[dict[str, Any]] = []
        for kind, transport in EXPORT_KINDS.items():
            for cap in snapshot.get(kind, []):
                gens = cap.get("generations") or []
                self.export_requests.append({
                    "seq": cap["seq"],
                    "transport": transport,
                    "path": cap.get("path") or cap.get("method"),
                    "headers": cap.get("headers") if transport == "http" else cap.get("metadata"),
                    "generation_count": len(gens),
                    "generation_ids": [g.get("id") for g in gens],
                    "response": cap.get("response"),
                })
                self.generations.extend(gens)
        self.export_requests.sort(key=lambda r: r["seq"])
        self.spans = [s for cap in snapshot.get("otlp_traces", []) for s in cap.get("spans") or []]
        self.metric_points = [p for cap in snapshot.get("otlp_metrics", []) for p in cap.get("points") or []]
        # Metrics are cumulative: the last point of a series is its final value.
        final: dict[str, dict[str, Any]] = {}
        for point in self.metric_points:
            final[series_key(point)] = point
        self.metric_series = list(final.values())
        self.ratings = [
            {key: cap.get(key) for key in ("method", "path", "raw_path", "query", "headers", "conversation_id",
                                           "json", "response")}
            for cap in snapshot.get("ratings", [])
        ]

    def count(self, what: str) -> int:
        return len(self.items(what))

    def items(self, what: str) -> list[dict[str, Any]]:
        if what == "metrics":
            return self.metric_series
        return {
            "generations": self.generations,
            "export_requests": self.export_requests,
            "spans": self.spans,
            "ratings": self.ratings,
        }[what]

    def wire_errors(self) -> list[str]:
        """Requests the harness could not decode, and requests to unknown routes."""
        out = []
        for kind in (*EXPORT_KINDS, "otlp_traces", "otlp_metrics", "ratings"):
            for cap in self.snapshot.get(kind, []):
                if cap.get("error"):
                    out.append(f"{kind}: the harness could not decode a request: {cap['error']}")
        for cap in self.snapshot.get("unmatched", []):
            out.append(f"a request went to an unknown route: {cap.get('server')} {cap.get('method')} "
                       f"{cap.get('path')}")
        return out
