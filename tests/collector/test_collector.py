"""libsigil's OTLP/HTTP export checked against a real OpenTelemetry Collector.

The collector (tests/collector/main.go: the OTLP receiver and the OTLP/HTTP exporter) receives the
engine's spans and metrics on loopback and forwards what it accepted to the capture harness's OTLP
receiver. So every assertion reads what a real collector decoded, kept and re-encoded: each span
and point arrived, with the attributes, the "parent is remote" flag, the resource (service.name,
service.instance.id) and the units we promise, and the engine saw every request accepted.

Run with `make test-collector` (SIGIL_TEST_COLLECTOR names the built collector binary).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "conformance"))
sys.path.insert(0, str(REPO / "bindings" / "python"))

from harness import Harness  # noqa: E402

import sigil_sdk as sigil  # noqa: E402
from sigil_sdk import GenerationStart, ModelRef  # noqa: E402

# OTLP Span.flags: W3C sampled, "is remote known", "parent is remote".
SAMPLED, HAS_IS_REMOTE, IS_REMOTE = 0x1, 0x100, 0x200
PROPAGATED = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, what: str, timeout: float = 30.0) -> None:
    until = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > until:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def harness():
    with Harness() as h:
        yield h


@pytest.fixture(scope="module")
def collector(harness, tmp_path_factory):
    binary = os.environ.get("SIGIL_TEST_COLLECTOR")
    if not binary:
        pytest.fail("SIGIL_TEST_COLLECTOR is not set: run `make test-collector`")
    http_port, grpc_port = free_port(), free_port()
    config = tmp_path_factory.mktemp("collector") / "config.yaml"
    config.write_text(f"""
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{http_port}
      grpc:
        endpoint: 127.0.0.1:{grpc_port}
exporters:
  otlphttp:
    endpoint: {harness.urls["otlp"]}
    compression: none
    retry_on_failure:
      enabled: false
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [otlphttp]
    metrics:
      receivers: [otlp]
      exporters: [otlphttp]
""")
    log = config.with_name("collector.log").open("w")
    proc = subprocess.Popen([binary, "--config", f"file:{config}"], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: accepts_connections(http_port) or proc.poll() is not None, "the collector to listen")
        assert proc.poll() is None, config.with_name("collector.log").read_text()
        yield {"http": f"http://127.0.0.1:{http_port}", "grpc_port": grpc_port}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def client_for(endpoint: str, **extra: object) -> sigil.Client:
    return sigil.Client(sigil.ClientConfig(
        generation_export=sigil.GenerationExportConfig(protocol="none"),
        otlp_endpoint=endpoint,
        service_name="collector-test",
        use_environment=False,
        **extra,
    ))


def record(client: sigil.Client, n: int) -> list[str]:
    """n generations, each the child of a propagated parent, each with a tool inside (local parent)."""
    ids = []
    for i in range(n):
        with sigil.with_parent_traceparent(PROPAGATED):
            gen = client.start_generation(GenerationStart(
                id=f"gen-collector-{i}", conversation_id="conv-collector", agent_name="collector-agent",
                model=ModelRef(provider="openai", name="gpt-4o")))
        with sigil.with_parent_traceparent(gen.traceparent, remote=False):
            with client.start_tool_execution(sigil.ToolExecutionStart(tool_name="lookup")):
                pass
        gen.set_result(sigil.Generation(
            input=[sigil.user_text_message("hi")], output=[sigil.assistant_text_message("hello")],
            usage=sigil.TokenUsage(input_tokens=11, output_tokens=7), stop_reason="stop"))
        gen.end()
        ids.append(gen.traceparent.split("-")[2])
    return ids


def spans_of(harness) -> list[dict]:
    return [s for cap in harness.captures("otlp_traces") for s in cap.get("spans") or []]


def points_of(harness) -> list[dict]:
    return [p for cap in harness.captures("otlp_metrics") for p in cap.get("points") or []]


def test_every_span_and_point_passes_a_real_collector(harness, collector):
    harness.reset()
    client = client_for(collector["http"])
    generation_span_ids = record(client, 5)
    client.shutdown(timeout=30)
    stats = client.stats()
    # The collector's receiver accepted every request.
    assert (stats["spans_exported"], stats["spans_dropped"], stats["metric_exports_failed"]) == (10, 0, 0)

    wait_until(lambda: len(spans_of(harness)) >= 10, "the collector to forward 10 spans")
    spans = spans_of(harness)
    by_id = {s["span_id"]: s for s in spans}
    assert len(spans) == len(by_id) == 10  # each once
    generations = [by_id[i] for i in generation_span_ids]
    tools = [s for s in spans if s["name"] == "execute_tool lookup"]
    assert len(tools) == 5
    instance = generations[0]["resource"]["service.instance.id"]
    for g in generations:
        assert g["name"] == "generateText gpt-4o"
        assert g["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
        assert g["parent_span_id"] == "00f067aa0ba902b7"
        assert g["flags"] == SAMPLED | HAS_IS_REMOTE | IS_REMOTE  # the parent came from outside
        assert g["status"]["code"] == "STATUS_CODE_UNSET"
        a = g["attributes"]
        assert a["gen_ai.operation.name"] == "generateText"
        assert a["gen_ai.provider.name"] == "openai"
        assert a["gen_ai.request.model"] == "gpt-4o"
        assert a["gen_ai.conversation.id"] == "conv-collector"
        assert a["gen_ai.agent.name"] == "collector-agent"
        assert a["gen_ai.usage.input_tokens"] == 11
        assert a["gen_ai.usage.output_tokens"] == 7
        assert "" not in a.values()
        assert g["scope"]["name"] == "libsigil"
        assert g["scope"]["schema_url"].startswith("https://opentelemetry.io/schemas/")
    for t in tools:
        assert t["parent_span_id"] in generation_span_ids
        assert t["flags"] == SAMPLED | HAS_IS_REMOTE  # a parent in this process: not remote
    for s in spans:
        assert s["resource"]["service.name"] == "collector-test"
        assert s["resource"]["service.instance.id"] == instance
        assert s["resource"]["telemetry.sdk.name"] == "libsigil"

    wait_until(lambda: any(p["name"] == "gen_ai.client.token.usage" for p in points_of(harness)),
               "the collector to forward the metrics")
    points = points_of(harness)
    units = {p["name"]: p["unit"] for p in points}
    assert units["gen_ai.client.operation.duration"] == "s"
    assert units["gen_ai.client.token.usage"] == "{token}"
    usage = {p["attributes"]["gen_ai.token.type"]: p for p in points if p["name"] == "gen_ai.client.token.usage"}
    assert usage["input"]["count"] == 5 and usage["input"]["sum"] == 55
    assert usage["output"]["count"] == 5 and usage["output"]["sum"] == 35
    for p in points:
        assert p["resource"]["service.instance.id"] == instance
        if p["type"] == "histogram":
            assert p["temporality"] == "AGGREGATION_TEMPORALITY_CUMULATIVE"


def test_the_grpc_port_is_reported_as_a_protocol_mismatch(harness, collector):
    # libsigil speaks OTLP/HTTP only; pointed at the collector's OTLP/gRPC port, it says so
    # instead of retrying, and counts what it could not send.
    harness.reset()
    client = client_for(f"http://127.0.0.1:{collector['grpc_port']}")
    record(client, 1)
    client.shutdown(timeout=30)
    snapshot = client.metrics_snapshot()
    assert snapshot["otlp"]["protocol_mismatches"] >= 1
    assert snapshot["otlp"]["retries"] == 0
    assert client.stats()["spans_dropped"] == 2
