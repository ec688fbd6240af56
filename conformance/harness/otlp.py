"""OTLP/HTTP receiver: POST /v1/traces and /v1/metrics with application/x-protobuf bodies.

Besides the protojson dict of the request, each capture carries flat views that tests can assert on
without walking resource/scope nesting: `spans` for traces, `points` for metrics.
"""

from __future__ import annotations

import base64
from typing import Any

from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

from .httpbase import Reply, Request, text_reply
from .ingest import to_dict
from .script import ScriptBook
from .store import CaptureStore

TRACES_PATH = "/v1/traces"
METRICS_PATH = "/v1/metrics"

_ROUTES = {
    TRACES_PATH: ("otlp_traces", trace_service_pb2.ExportTraceServiceRequest,
                  trace_service_pb2.ExportTraceServiceResponse),
    METRICS_PATH: ("otlp_metrics", metrics_service_pb2.ExportMetricsServiceRequest,
                   metrics_service_pb2.ExportMetricsServiceResponse),
}
_PROTOBUF = "application/x-protobuf"


class OTLPApp:
    def __init__(self, store: CaptureStore, scripts: ScriptBook) -> None:
        self._store = store
        self._scripts = scripts

    def handle(self, req: Request) -> Reply:
        route = _ROUTES.get(req.path)
        if route is None or req.method != "POST":
            self._store.add("unmatched", {"server": "otlp", **req.common_capture()})
            return text_reply(404 if route is None else 405, f"no route for {req.method} {req.path}")
        kind, request_type, response_type = route

        scripted = self._scripts.pop("otlp")
        hold = lambda: self._scripts.hold("otlp", scripted)  # noqa: E731
        capture: dict[str, Any] = {**req.common_capture(), "request": None, "error": None}
        capture["spans" if kind == "otlp_traces" else "points"] = []

        content_type = req.headers.get("content-type", "").split(";")[0].strip().lower()
        error = req.decode_error
        if error is None and content_type != _PROTOBUF:
            error = f"unsupported content-type {content_type or '(none)'}; want {_PROTOBUF}"
        message = request_type()
        if error is None:
            try:
                message.ParseFromString(req.body)
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
        if error is None:
            capture["request"] = to_dict(message)
            if kind == "otlp_traces":
                capture["spans"] = flatten_spans(message)
            else:
                capture["points"] = flatten_points(message)
        else:
            capture["error"] = error

        if scripted and scripted.close:
            self._store.add(kind, {**capture, "response": {"closed": True, "scripted": True}})
            return Reply(close=True, hold=hold)
        headers = dict(scripted.headers) if scripted else {}
        if scripted and scripted.status is not None:
            status = scripted.status
        else:
            status = 200 if error is None else (415 if content_type != _PROTOBUF else 400)
        if scripted and scripted.body is not None:
            body = scripted.body
        elif 200 <= status < 300:
            body = response_type().SerializeToString()
            headers.setdefault("Content-Type", _PROTOBUF)
        else:
            body = (error or f"scripted status {status}").encode("utf-8") + b"\n"
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        self._store.add(kind, {**capture, "response": {"status": status, "scripted": scripted is not None}})
        return Reply(status=status, headers=headers, body=body, hold=hold)


# ---- flat views -------------------------------------------------------------------------------


def any_value(value: common_pb2.AnyValue) -> Any:
    """An OTLP AnyValue as a plain Python value (bytes as base64 text, absent as None)."""
    which = value.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return [any_value(v) for v in value.array_value.values]
    if which == "kvlist_value":
        return attributes(value.kvlist_value.values)
    if which == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    return getattr(value, which)


def attributes(key_values) -> dict[str, Any]:
    return {kv.key: any_value(kv.value) for kv in key_values}


def _scope(scope: common_pb2.InstrumentationScope) -> dict[str, Any]:
    return {"name": scope.name, "version": scope.version, "attributes": attributes(scope.attributes)}


def _hex(raw: bytes) -> str:
    return raw.hex()


def flatten_spans(request: trace_service_pb2.ExportTraceServiceRequest) -> list[dict[str, Any]]:
    spans = []
    for resource_spans in request.resource_spans:
        resource = attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            scope = {**_scope(scope_spans.scope), "schema_url": scope_spans.schema_url}
            for span in scope_spans.spans:
                spans.append({
                    "resource": resource,
                    "scope": scope,
                    "name": span.name,
                    "kind": trace_pb2.Span.SpanKind.Name(span.kind),
                    "trace_id": _hex(span.trace_id),
                    "span_id": _hex(span.span_id),
                    "parent_span_id": _hex(span.parent_span_id),
                    "trace_state": span.trace_state,
                    "flags": span.flags,
                    "start_time_unix_nano": span.start_time_unix_nano,
                    "end_time_unix_nano": span.end_time_unix_nano,
                    "attributes": attributes(span.attributes),
                    "status": {
                        "code": trace_pb2.Status.StatusCode.Name(span.status.code),
                        "message": span.status.message,
                    },
                    "events": [
                        {"name": e.name, "time_unix_nano": e.time_unix_nano,
                         "attributes": attributes(e.attributes)}
                        for e in span.events
                    ],
                    "links": [
                        {"trace_id": _hex(link.trace_id), "span_id": _hex(link.span_id),
                         "attributes": attributes(link.attributes)}
                        for link in span.links
                    ],
                })
    return spans


_TEMPORALITY = metrics_pb2.AggregationTemporality.Name


def flatten_points(request: metrics_service_pb2.ExportMetricsServiceRequest) -> list[dict[str, Any]]:
    """One entry per data point, carrying its metric's name, unit, type and temporality."""
    points = []
    for resource_metrics in request.resource_metrics:
        resource = attributes(resource_metrics.resource.attributes)
        for scope_metrics in resource_metrics.scope_metrics:
            scope = {**_scope(scope_metrics.scope), "schema_url": scope_metrics.schema_url}
            for metric in scope_metrics.metrics:
                base = {
                    "resource": resource,
                    "scope": scope,
                    "name": metric.name,
                    "description": metric.description,
                    "unit": metric.unit,
                    "type": metric.WhichOneof("data"),
                }
                for point in _metric_points(metric):
                    points.append({**base, **point})
    return points


def _metric_points(metric: metrics_pb2.Metric) -> list[dict[str, Any]]:
    kind = metric.WhichOneof("data")
    out = []
    if kind == "histogram":
        for p in metric.histogram.data_points:
            out.append({
                **_point_common(p),
                "temporality": _TEMPORALITY(metric.histogram.aggregation_temporality),
                "count": p.count,
                "sum": p.sum if p.HasField("sum") else None,
                "min": p.min if p.HasField("min") else None,
                "max": p.max if p.HasField("max") else None,
                "bucket_counts": list(p.bucket_counts),
                "explicit_bounds": list(p.explicit_bounds),
            })
    elif kind in ("sum", "gauge"):
        data = getattr(metric, kind)
        for p in data.data_points:
            point = {**_point_common(p), "value": getattr(p, p.WhichOneof("value") or "as_int")}
            if kind == "sum":
                point["temporality"] = _TEMPORALITY(data.aggregation_temporality)
                point["is_monotonic"] = data.is_monotonic
            out.append(point)
    elif kind == "exponential_histogram":
        data = metric.exponential_histogram
        for p in data.data_points:
            out.append({
                **_point_common(p),
                "temporality": _TEMPORALITY(data.aggregation_temporality),
                "count": p.count,
                "sum": p.sum if p.HasField("sum") else None,
                "scale": p.scale,
                "zero_count": p.zero_count,
            })
    elif kind == "summary":
        for p in metric.summary.data_points:
            out.append({**_point_common(p), "count": p.count, "sum": p.sum})
    return out


def _point_common(p) -> dict[str, Any]:
    return {
        "attributes": attributes(p.attributes),
        "start_time_unix_nano": p.start_time_unix_nano,
        "time_unix_nano": p.time_unix_nano,
    }
