"""The host pipeline: the engine's spans and GenAI metrics re-emitted through the application's
OpenTelemetry tracer and meter (docs/telemetry.md, "Host pipeline").

Imported only when the application uses OpenTelemetry (a tracer or meter in ClientConfig, or
``telemetry_mode="host"``/``"both"``): sigil_sdk itself never depends on it.

At recorder start a real span is started through the host tracer (so the host's sampler decides
and the span can be made current in the recorder's scope); its ids go to the engine, which gives
them to the record and its span. At end the engine hands its finished span to the span callback,
on the ending thread before end returns, and the host span takes its name, attributes, events,
status and end time, then ends. Every GenAI histogram recording reaches the metric callback and
is recorded through the host meter with the engine's attributes.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Optional

from opentelemetry import context as otel_context
from opentelemetry import metrics as otel_metrics
from opentelemetry import trace as otel_trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode, TraceFlags

from . import _native as N

INSTRUMENTATION_NAME = "github.com/grafana/sigil/sdks/python"  # the reference SDK's tracer and meter name

_KINDS = {"generation": SpanKind.CLIENT, "tool": SpanKind.INTERNAL, "embedding": SpanKind.CLIENT, "span": SpanKind.INTERNAL}


def _text(ptr: Any, n: int) -> str:
    return ptr[:n].decode("utf-8", "replace") if n else ""


def _attr_value(a: Any) -> Any:
    t = a.type
    if t == N.ATTRIBUTE_STRING:
        return _text(a.string_value, a.string_value_len)
    if t == N.ATTRIBUTE_BOOL:
        return bool(a.int_value)
    if t == N.ATTRIBUTE_INT:
        return int(a.int_value)
    if t == N.ATTRIBUTE_DOUBLE:
        return float(a.double_value)
    if t == N.ATTRIBUTE_STRING_ARRAY:
        return [_text(a.string_values[i], a.string_value_lens[i]) for i in range(a.string_values_count)]
    return None


def attributes(items: Any, count: int) -> dict[str, Any]:
    """The engine's typed attributes as an OpenTelemetry attribute dict, in the engine's order."""
    out: dict[str, Any] = {}
    for i in range(count):
        a = items[i]
        value = _attr_value(a)
        if value is not None:
            out[_text(a.key, a.key_len)] = value
    return out


def traceparent(sc: SpanContext) -> bytes:
    return b"00-%032x-%016x-%02x" % (sc.trace_id, sc.span_id, int(sc.trace_flags))


class HostTelemetry:
    """One client's host tracer and meter, and the host spans of its recorders in flight."""

    def __init__(self, tracer: Any, meter: Any, logger: logging.Logger) -> None:
        self._tracer = tracer if tracer is not None else otel_trace.get_tracer(INSTRUMENTATION_NAME)
        self._meter = meter if meter is not None else otel_metrics.get_meter(INSTRUMENTATION_NAME)
        self._logger = logger
        self._lock = threading.Lock()
        self._open: dict[str, Any] = {}  # span id (hex) -> host span, from start until the engine's span
        self._histograms: dict[str, Any] = {}
        # The engine keeps these for the client's lifetime; so does this object.
        self.span_cb = N.SPAN_FN(self._on_span)
        self.metric_cb = N.METRIC_FN(self._on_metric)

    # -- start --

    def start_span(self, kind: str, name: str, start_ns: int, parent: Optional[bytes],
                   parent_remote: bool, root: bool = False) -> tuple[Any, Optional[bytes]]:
        """Starts the recorder's host span; returns it and the traceparent to hand to the engine
        (None when the tracer made no span of its own, e.g. the no-op tracer). ``root`` without a
        parent starts a new trace, whatever span is current."""
        ctx = None
        parent_span_id = 0
        if parent is None and root:
            ctx = otel_context.Context()
        elif parent is not None:
            # with_parent_traceparent: the host span is a child of that span too.
            _, trace_hex, span_hex, flags = parent.decode().split("-")[:4]
            parent_span_id = int(span_hex, 16)
            ctx = otel_trace.set_span_in_context(NonRecordingSpan(SpanContext(
                int(trace_hex, 16), parent_span_id, is_remote=parent_remote, trace_flags=TraceFlags(int(flags, 16)))))
        else:
            current = otel_trace.get_current_span().get_span_context()
            parent_span_id = current.span_id if current.is_valid else 0
        span = self._tracer.start_span(name, context=ctx, kind=_KINDS[kind], start_time=start_ns)
        sc = span.get_span_context()
        if not sc.is_valid or sc.span_id == parent_span_id:
            return span, None  # a no-op tracer hands back the parent: the engine makes its own ids
        with self._lock:
            self._open["%016x" % sc.span_id] = span
        return span, traceparent(sc)

    # -- end --

    def end_unfinished(self, span: Any) -> None:
        """Ends a host span the engine gave no span for (not sampled, or the record never started)."""
        key = "%016x" % span.get_span_context().span_id
        with self._lock:
            if self._open.pop(key, None) is None:
                return
        span.end()

    def _on_span(self, _user: Any, ptr: Any) -> None:
        try:
            s = ptr.contents
            with self._lock:
                span = self._open.pop(s.span_id.decode(), None)
            if span is None:
                return
            span.update_name(_text(s.name, s.name_len))
            span.set_attributes(attributes(s.attributes, s.attributes_count))
            for i in range(s.events_count):
                e = s.events[i]
                span.add_event(_text(e.name, e.name_len), attributes(e.attributes, e.attributes_count),
                               timestamp=e.time_ns)
            if s.status_code == N.SPAN_STATUS_ERROR:
                span.set_status(Status(StatusCode.ERROR, _text(s.status_message, s.status_message_len)))
            span.end(end_time=s.end_ns)
        except Exception:  # noqa: BLE001 - never raise into the engine
            self._logger.exception("sigil: handing a span to the host tracer failed")

    def _on_metric(self, _user: Any, ptr: Any) -> None:
        try:
            p = ptr.contents
            name = _text(p.name, p.name_len)
            histogram = self._histograms.get(name)
            if histogram is None:
                histogram = self._histogram(name, p)
            histogram.record(p.value, attributes(p.attributes, p.attributes_count))
        except Exception:  # noqa: BLE001 - never raise into the engine
            self._logger.exception("sigil: recording a metric through the host meter failed")

    def _histogram(self, name: str, p: Any) -> Any:
        with self._lock:
            histogram = self._histograms.get(name)
            if histogram is None:
                unit, description = _text(p.unit, p.unit_len), _text(p.description, p.description_len)
                bounds = [p.explicit_bounds[i] for i in range(p.explicit_bounds_count)]
                try:
                    histogram = self._meter.create_histogram(
                        name, unit=unit, description=description, explicit_bucket_boundaries_advisory=bounds)
                except TypeError:  # an opentelemetry-api before 1.23 has no advisory boundaries
                    histogram = self._meter.create_histogram(name, unit=unit, description=description)
                self._histograms[name] = histogram
            return histogram


def current_span_context(sc_traceparent: str) -> Any:
    """An OpenTelemetry context whose current span is the engine's span (engine pipeline), so that
    spans the application starts in a recorder's scope are its children."""
    _, trace_hex, span_hex, flags = sc_traceparent.split("-")[:4]
    span = NonRecordingSpan(SpanContext(int(trace_hex, 16), int(span_hex, 16), is_remote=False,
                                        trace_flags=TraceFlags(int(flags, 16))))
    return otel_trace.set_span_in_context(span)


def attach(ctx: Any) -> Any:
    return otel_context.attach(ctx)


def detach(token: Any) -> None:
    otel_context.detach(token)
