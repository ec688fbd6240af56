"""The host OpenTelemetry pipeline with the real OpenTelemetry SDK (in-memory span exporter and metric
reader): parenting both ways, the host sampler, attributes identical to the engine's own OTLP export,
the GenAI histograms through the host meter, concurrency and shutdown ordering."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from opentelemetry import trace  # noqa: E402
from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.metrics.export import InMemoryMetricReader  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased  # noqa: E402
from opentelemetry.trace import SpanKind, StatusCode  # noqa: E402

import sigil_sdk as sigil  # noqa: E402
from sigil_sdk import GenerationStart, ModelRef  # noqa: E402
from conftest import config_for, span_of, wait_span  # noqa: E402

REPO = Path(__file__).resolve().parents[3]


class Host:
    """An application's OpenTelemetry SDK: a tracer provider with an in-memory exporter, a meter
    provider with an in-memory reader."""

    def __init__(self, sampler=ALWAYS_ON) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider(sampler=sampler)
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])
        self.tracer = self.tracer_provider.get_tracer("app")
        self.meter = self.meter_provider.get_meter("app")

    def spans(self) -> dict[str, object]:
        return {s.name: s for s in self.exporter.get_finished_spans()}

    def points(self) -> dict[str, list]:
        out: dict[str, list] = {}
        data = self.reader.get_metrics_data()
        for rm in data.resource_metrics if data else []:
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    out.setdefault(m.name, []).extend(m.data.data_points)
        return out

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


@pytest.fixture
def host():
    h = Host()
    yield h
    h.shutdown()


def host_client(harness, host: Host, **extra) -> sigil.Client:
    cfg = config_for(harness, "none")
    cfg.tracer, cfg.meter = host.tracer, host.meter
    for k, v in extra.items():
        setattr(cfg, k, v)
    return sigil.Client(cfg)


def generation(client: sigil.Client, model: str = "gpt-4o", **start) -> sigil.GenerationRecorder:
    rec = client.start_generation(GenerationStart(model=ModelRef("openai", model), **start))
    return rec


def finish(rec: sigil.GenerationRecorder, tokens: int = 7) -> None:
    rec.set_result(output=[sigil.assistant_text_message("hello")],
                   usage=sigil.TokenUsage(input_tokens=tokens, output_tokens=2), stop_reason="stop")


def test_a_generation_nests_under_the_host_span_and_carries_its_ids(harness, host):
    exported: list = []

    class Capture:
        def export_generations(self, request):
            exported.extend(request.generations)
            return sigil.ExportGenerationsResponse(results=[
                sigil.ExportGenerationResult(generation_id=g.id, accepted=True) for g in request.generations])

    cfg = config_for(harness, "none")
    cfg.tracer, cfg.meter, cfg.generation_exporter = host.tracer, host.meter, Capture()
    with sigil.Client(cfg) as client:
        with host.tracer.start_as_current_span("handle-request") as app:
            with generation(client) as rec:
                finish(rec)
        client.flush()
    spans = host.spans()
    gen = spans["generateText gpt-4o"]
    assert gen.parent is not None and gen.parent.span_id == app.get_span_context().span_id
    assert gen.context.trace_id == app.get_span_context().trace_id
    assert gen.kind == SpanKind.CLIENT
    assert gen.attributes["gen_ai.request.model"] == "gpt-4o"
    assert gen.attributes["sigil.sdk.name"] == "sdk-python"
    assert gen.attributes["gen_ai.usage.input_tokens"] == 7
    assert tuple(gen.attributes["gen_ai.response.finish_reasons"]) == ("stop",)
    assert gen.status.status_code == StatusCode.UNSET
    assert gen.instrumentation_scope.name == "app"  # the host's own tracer
    # The record, the engine's span and the host span are one: same ids, same times.
    assert rec.traceparent == "00-%032x-%016x-01" % (gen.context.trace_id, gen.context.span_id)
    (g,) = exported
    assert g.trace_id == "%032x" % gen.context.trace_id and g.span_id == "%016x" % gen.context.span_id
    assert abs(gen.start_time - round(g.started_at.timestamp() * 1e6) * 1000) < 1000  # datetime keeps microseconds
    assert gen.end_time >= gen.start_time
    # Nothing left the engine over OTLP: host mode ignores the OTLP endpoint.
    assert harness.captures("otlp_traces") == []


def test_spans_and_recorders_started_in_a_recorders_scope_are_its_children(harness, host):
    with host_client(harness, host) as client:
        with generation(client) as rec:
            with host.tracer.start_as_current_span("http POST /v1/chat"):
                pass
            with client.start_tool_execution(sigil.ToolExecutionStart(tool_name="search")) as tool:
                with host.tracer.start_as_current_span("db query"):
                    pass
            finish(rec)
        assert trace.get_current_span() is trace.INVALID_SPAN  # the scope is restored
    spans = host.spans()
    gen, http, tool_span, db = (spans[n] for n in ("generateText gpt-4o", "http POST /v1/chat",
                                                   "execute_tool search", "db query"))
    assert http.parent.span_id == gen.context.span_id
    assert tool_span.parent.span_id == gen.context.span_id and tool_span.kind == SpanKind.INTERNAL
    assert db.parent.span_id == tool_span.context.span_id
    assert len({s.context.trace_id for s in spans.values()}) == 1


def test_engine_mode_also_makes_the_recorders_span_current(harness, host):
    cfg = config_for(harness, "none")  # no tracer: the engine exports over OTLP
    with sigil.Client(cfg) as client:
        with generation(client) as rec:
            with host.tracer.start_as_current_span("inside"):
                pass
            finish(rec)
        client.flush()
        engine_span = span_of(harness, rec.id)
    inside = host.spans()["inside"]
    assert "%016x" % inside.parent.span_id == engine_span["span_id"]
    assert "%032x" % inside.context.trace_id == engine_span["trace_id"]


def test_the_host_sampler_decides(harness):
    dropping = Host(sampler=ALWAYS_OFF)
    keeping = Host(sampler=ParentBased(ALWAYS_ON))
    try:
        with host_client(harness, dropping) as client:
            with generation(client) as rec:
                finish(rec)
            with host_client(harness, keeping) as client2:
                with keeping.tracer.start_as_current_span("app"):
                    with generation(client2) as rec2:
                        finish(rec2)
        assert dropping.spans() == {}
        assert rec.traceparent.endswith("-00")  # the engine followed the host's decision
        # Metrics do not depend on sampling.
        assert sum(p.count for p in dropping.points()["gen_ai.client.operation.duration"]) == 1
        assert set(keeping.spans()) == {"app", "generateText gpt-4o"}
        assert rec2.traceparent.endswith("-01")
    finally:
        dropping.shutdown()
        keeping.shutdown()


def test_errors_reach_the_host_span_as_status_and_events(harness, host):
    with host_client(harness, host) as client:
        with pytest.raises(RuntimeError):
            with generation(client):
                raise RuntimeError("upstream 503 service unavailable")
    gen = host.spans()["generateText gpt-4o"]
    assert gen.status.status_code == StatusCode.ERROR
    assert "503" in gen.status.description
    assert gen.attributes["error.type"] == "provider_call_error"
    assert gen.attributes["error.category"] == "server_error"
    (event,) = gen.events
    assert event.name == "exception" and event.attributes["exception.type"] == "provider_call_error"
    assert event.timestamp == gen.end_time


def test_host_spans_have_exactly_the_engines_otlp_attributes(harness, host):
    """telemetry_mode="both": the same span leaves through the host tracer and the engine's OTLP."""
    with host_client(harness, host, telemetry_mode="both") as client:
        with host.tracer.start_as_current_span("app"):
            with generation(client, conversation_id="conv-1", agent_name="planner") as rec:
                finish(rec)
            with pytest.raises(ValueError):
                with client.start_tool_execution(sigil.ToolExecutionStart(tool_name="calc", include_content=True)) as t:
                    t.set_result(arguments={"x": 1}, result="2")
                    raise ValueError("boom")
            with client.start_embedding(sigil.EmbeddingStart(model=ModelRef("openai", "te3"))) as e:
                e.set_result(input_count=2, input_tokens=9)
        client.flush()
        for name, host_span in host.spans().items():
            if name == "app":
                continue
            wire = wait_span(harness, lambda s, n=name: s["name"] == n, name)
            assert dict(host_span.attributes) == {k: (tuple(v) if isinstance(v, list) else v)
                                                 for k, v in wire["attributes"].items()}, name
            assert "%016x" % host_span.context.span_id == wire["span_id"]
            assert "%016x" % host_span.parent.span_id == wire["parent_span_id"]
            assert host_span.start_time == wire["start_time_unix_nano"]
            assert host_span.end_time == wire["end_time_unix_nano"]
            assert [(ev.name, dict(ev.attributes), ev.timestamp) for ev in host_span.events] == \
                [(ev["name"], ev["attributes"], ev["time_unix_nano"]) for ev in wire["events"]]
            assert host_span.status.status_code.name == wire["status"]["code"].removeprefix("STATUS_CODE_")


def test_metrics_go_through_the_host_meter_with_the_engines_attributes(harness, host):
    with host_client(harness, host) as client:
        with generation(client, agent_name="planner") as rec:
            finish(rec, tokens=11)
        snapshot = client.metrics_snapshot()
    points = host.points()
    assert set(points) == {"gen_ai.client.operation.duration", "gen_ai.client.token.usage",
                           "gen_ai.client.tool_calls_per_operation", "sigil.gen_ai.client.cost"}
    (duration,) = points["gen_ai.client.operation.duration"]
    assert dict(duration.attributes) == {"gen_ai.operation.name": "generateText", "gen_ai.provider.name": "openai",
                                         "gen_ai.request.model": "gpt-4o", "gen_ai.agent.name": "planner"}
    tokens = {p.attributes["gen_ai.token.type"]: p.sum for p in points["gen_ai.client.token.usage"]}
    assert tokens == {"input": 11, "output": 2}
    # One source of truth: the engine's own aggregation has the same points.
    engine = {m["name"]: m for m in snapshot["metrics"]}
    for name, host_points in points.items():
        wire = {tuple(sorted(p["attributes"].items())): p for p in engine[name]["points"]}
        for p in host_points:
            e = wire[tuple(sorted(p.attributes.items()))]
            assert (p.count, p.sum) == (int(e["count"]), e["sum"])
            assert list(p.explicit_bounds) == engine[name]["explicit_bounds"]


def test_many_concurrent_recordings(harness, host):
    per_thread, threads = 25, 8
    with host_client(harness, host) as client:
        def work(i: int) -> None:
            for j in range(per_thread):
                with host.tracer.start_as_current_span(f"req-{i}-{j}"):
                    with generation(client, model=f"m-{i}-{j}") as rec:
                        finish(rec)

        ts = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    spans = host.spans()
    assert len(spans) == 2 * per_thread * threads
    for i in range(threads):
        for j in range(per_thread):
            gen, req = spans[f"generateText m-{i}-{j}"], spans[f"req-{i}-{j}"]
            assert gen.parent.span_id == req.context.span_id
    assert sum(p.count for p in host.points()["gen_ai.client.operation.duration"]) == per_thread * threads


@pytest.mark.parametrize("host_first", [True, False])
def test_shutdown_in_either_order(harness, host_first):
    h = Host()
    client = host_client(harness, h)
    with generation(client) as rec:
        finish(rec)
    if host_first:
        h.shutdown()
        with generation(client) as late:  # the host drops it; recording is not affected
            finish(late)
        assert late.err() is None
        client.shutdown(timeout=5)
    else:
        client.shutdown(timeout=5)
        h.shutdown()
    assert "generateText gpt-4o" in h.spans()


def test_telemetry_mode_is_checked(harness, host):
    cfg = config_for(harness, "none")
    cfg.telemetry_mode = "sideways"
    with pytest.raises(sigil.ConfigError, match="telemetry_mode"):
        sigil.Client(cfg)
    # engine with a tracer given: the tracer is not used for Sigil spans.
    with host_client(harness, host, telemetry_mode="engine") as client:
        with generation(client) as rec:
            finish(rec)
        client.flush()
        span_of(harness, rec.id)
    assert host.spans() == {}


def test_the_reference_readme_quick_otel_setup_works_as_written(harness):
    """The reference Python SDK README's OTel set-up, with global providers, in a fresh interpreter."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(REPO / "conformance")!r})
        from opentelemetry import metrics, trace
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.trace import TracerProvider

        trace.set_tracer_provider(TracerProvider())
        metrics.set_meter_provider(MeterProvider())

        # The application's exporter and reader, added to the providers set up above.
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        exporter = InMemorySpanExporter()
        trace.get_tracer_provider().add_span_processor(SimpleSpanProcessor(exporter))

        from sigil_sdk import Client, ClientConfig, GenerationExportConfig, GenerationStart, ModelRef
        client = Client(ClientConfig(
            generation_export=GenerationExportConfig(protocol="none"),
            tracer=trace.get_tracer("my-app"),
            meter=metrics.get_meter("my-app"),
            use_environment=False,
        ))
        tracer = trace.get_tracer("my-app")
        with tracer.start_as_current_span("handle-request") as app:
            with client.start_generation(GenerationStart(model=ModelRef(provider="openai", name="gpt-5"))) as rec:
                rec.set_result(output=[])
        client.shutdown()
        spans = {{s.name: s for s in exporter.get_finished_spans()}}
        gen = spans["generateText gpt-5"]
        assert gen.parent.span_id == app.get_span_context().span_id, gen.parent
        print("ok", len(spans))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok 2"


def test_the_readme_telemetry_example_runs_as_written(tmp_path):
    """The README's host-pipeline example, as written; its console exporter's output is checked."""
    import json
    import os
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Telemetry", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    script = tmp_path / "telemetry.py"
    script.write_text(code)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIGIL_", "OTEL_"))}
    env.update({"PYTHONPATH": str(Path(sigil.__file__).resolve().parent.parent),
                "SIGIL_LIBRARY": sigil._native.library_path, "SIGIL_PROTOCOL": "none"})
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    spans, text, decoder = {}, proc.stdout, json.JSONDecoder()
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        doc, i = decoder.raw_decode(text, i)
        spans[doc["name"]] = doc
    assert set(spans) == {"handle-request", "generateText gpt-5", "post-process"}
    gen = spans["generateText gpt-5"]
    assert gen["parent_id"] == spans["handle-request"]["context"]["span_id"]
    assert spans["post-process"]["parent_id"] == gen["context"]["span_id"]
    assert gen["attributes"]["gen_ai.provider.name"] == "openai"


def test_a_no_op_tracer_leaves_the_engines_ids_and_scope(harness):
    """Without an SDK the API's tracer makes no spans: the engine's own span is the current one."""
    from opentelemetry.trace import NoOpTracer

    cfg = config_for(harness, "none")
    cfg.tracer = NoOpTracer()
    host = Host()
    try:
        with sigil.Client(cfg) as client:
            with host.tracer.start_as_current_span("app") as app:
                with generation(client) as rec:
                    with host.tracer.start_as_current_span("inside"):
                        pass
                    finish(rec)
        inside = host.spans()["inside"]
        _, trace_hex, span_hex, _ = rec.traceparent.split("-")
        assert int(trace_hex, 16) == app.get_span_context().trace_id  # still a child of the app's span
        assert span_hex != "%016x" % app.get_span_context().span_id  # with ids of its own
        assert "%016x" % inside.parent.span_id == span_hex
        # The metrics still go through the host meter.
        cfg2 = config_for(harness, "none")
        cfg2.tracer, cfg2.meter = NoOpTracer(), host.meter
        with sigil.Client(cfg2) as client2:
            with generation(client2) as rec2:
                finish(rec2)
        assert sum(p.count for p in host.points()["gen_ai.client.operation.duration"]) == 1
    finally:
        host.shutdown()


def test_with_parent_traceparent_parents_the_host_span(harness, host):
    tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    with host_client(harness, host) as client:
        with sigil.with_parent_traceparent(tp):
            with generation(client) as rec:
                finish(rec)
    gen = host.spans()["generateText gpt-4o"]
    assert "%032x" % gen.context.trace_id == "0af7651916cd43dd8448eb211c80319c"
    assert "%016x" % gen.parent.span_id == "b7ad6b7169203331" and gen.parent.is_remote
    assert rec.traceparent.split("-")[2] == "%016x" % gen.context.span_id


def test_decorated_spans_go_through_the_host_tracer_as_one_tree(harness, host):
    with host_client(harness, host) as client:
        sigil.configure_tracing(client)
        try:
            @sigil.span(kind="retriever", name="lookup")
            def lookup(q):
                with host.tracer.start_as_current_span("vector db"):
                    pass
                return [q]

            @sigil.trace(name="host-agent")
            def agent(q):
                with generation(client) as rec:
                    finish(rec)
                return lookup(q)

            with host.tracer.start_as_current_span("handle-request") as app:
                agent("q")
        finally:
            sigil.configure_tracing(None)
    spans = host.spans()
    a, r, g, db = (spans[n] for n in ("invoke_agent host-agent", "lookup", "generateText gpt-4o", "vector db"))
    # @trace is a root of its own trace, not a child of the application's span.
    assert a.parent is None and a.context.trace_id != app.get_span_context().trace_id
    assert a.kind == SpanKind.INTERNAL and a.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert r.parent.span_id == a.context.span_id and r.attributes["sigil.span.kind"] == "retriever"
    assert g.parent.span_id == a.context.span_id
    assert db.parent.span_id == r.context.span_id  # the host's own spans nest under the step
    assert harness.captures("otlp_traces") == []
