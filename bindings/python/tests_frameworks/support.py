"""What the framework tests read back from the harness: generations, tool executions and spans, and
the run tree they form; and README code run against the harness (run_readme)."""

from __future__ import annotations

import os
import time
from datetime import datetime

import pytest

from conftest import generations, shutdown_clients, spans


def settle(harness, client, otel, *, generation_count: int = 0, span_names: tuple[str, ...] = ()) -> None:
    """Flushes everything and waits until the generations and named spans have arrived."""
    client.flush(timeout=5)
    otel.force_flush()
    if generation_count:
        generations(harness, generation_count)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        names = [s["name"] for s in spans(harness)]
        if all(any(n.startswith(want) for n in names) for want in span_names):
            return
        time.sleep(0.05)
    raise AssertionError(f"spans {span_names} not all received: {[s['name'] for s in spans(harness)]}")


def spans_named(harness, prefix: str) -> list[dict]:
    return [s for s in spans(harness) if s["name"].startswith(prefix)]


def one_span(harness, prefix: str) -> dict:
    found = spans_named(harness, prefix)
    assert len(found) == 1, [s["name"] for s in spans(harness)]
    return found[0]


def parent_of(harness, span: dict) -> dict:
    """The captured span that is `span`'s parent (same trace)."""
    for s in spans(harness):
        if s["span_id"] == span["parent_span_id"] and s["trace_id"] == span["trace_id"]:
            return s
    raise AssertionError(f"no parent captured for {span['name']}: {span['parent_span_id']}")


def generation_span(harness, g: dict) -> dict:
    for s in spans(harness):
        if s["attributes"].get("sigil.generation.id") == g["id"]:
            return s
    raise AssertionError(f"no span for generation {g['id']}")


def ttft_count(client) -> int:
    """How many generations the client recorded a time to first token for (its TTFT histogram)."""
    ttft = [m for m in client.metrics_snapshot()["metrics"] if m["name"] == "gen_ai.client.time_to_first_token"]
    return sum(p["count"] for m in ttft for p in m["points"])


def ttft_inside_the_call(client, g: dict) -> None:
    """The client recorded one time to first token, and it lies inside generation `g`'s call."""
    (point,) = [p for m in client.metrics_snapshot()["metrics"] if m["name"] == "gen_ai.client.time_to_first_token"
                for p in m["points"]]
    assert point["count"] == 1
    started, completed = (datetime.fromisoformat(g[k][:26]) for k in ("started_at", "completed_at"))
    assert 0 < point["sum"] <= (completed - started).total_seconds()


def failed_span(harness, prefix: str, message: str) -> dict:
    """The one span named `prefix...`, asserted failed with `message` in its status."""
    (span,) = spans_named(harness, prefix)
    assert span["status"]["code"] == "STATUS_CODE_ERROR"
    assert message in span["status"]["message"]
    return span


@pytest.fixture
def run_readme(harness, fake_provider, monkeypatch):
    """run_readme(code) executes README code with SIGIL_* pointing at the harness and OpenAI's
    client at the fake provider; returns the namespace after shutting its clients down."""
    for name in list(os.environ):
        if name.startswith(("SIGIL_", "OTEL_", "OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SIGIL_PROTOCOL", "http")
    monkeypatch.setenv("SIGIL_ENDPOINT", harness.urls["http_base"])
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", harness.urls["otlp"])
    monkeypatch.setenv("OPENAI_BASE_URL", fake_provider.url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    monkeypatch.setenv("OPENAI_AGENTS_DISABLE_TRACING", "1")
    namespaces = []

    def run(code: str, **extra: object) -> dict:
        ns = {"__name__": "readme", **extra}
        namespaces.append(ns)
        exec(compile(code, "README", "exec"), ns)  # noqa: S102 - the README's own code
        shutdown_clients(ns)
        return ns

    yield run
    for ns in namespaces:
        shutdown_clients(ns)
