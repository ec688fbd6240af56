"""Fixtures: the capture harness (conformance/harness) on loopback and clients pointed at it.

The harness decodes everything with google.protobuf (unknown fields rejected), so a test that reads
a capture reads what a real Sigil server would have parsed. Clients ignore the developer's SIGIL_*
environment (use_environment=False) unless a test sets the environment on purpose.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import timedelta
from pathlib import Path
from typing import Callable

import pytest

REPO = Path(__file__).resolve().parents[3]
# litellm (provider tests) must never fetch its model cost map from the internet.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(REPO / "conformance"))

from harness.fixtures import harness, harness_session  # noqa: E402,F401 (fixtures)

import sigil_sdk as sigil  # noqa: E402


def config_for(h, protocol: str = "http", **export: object) -> sigil.ClientConfig:
    endpoint = {"http": h.urls["http_base"], "grpc": h.urls["grpc"], "none": None}[protocol]
    export.setdefault("max_retries", 0)
    return sigil.ClientConfig(
        generation_export=sigil.GenerationExportConfig(protocol=protocol, endpoint=endpoint, **export),
        api=sigil.ApiConfig(endpoint=h.urls["api"]),
        otlp_endpoint=h.urls["otlp"],
        use_environment=False,
    )


def client_for(h, **fields: object) -> sigil.Client:
    """A client over HTTP to the harness with `fields` set on its ClientConfig."""
    cfg = config_for(h)
    for key, value in fields.items():
        setattr(cfg, key, value)
    return sigil.Client(cfg)


@pytest.fixture
def make_client(harness):
    """make_client(protocol="http", **GenerationExportConfig fields) -> Client, shut down after the test."""
    clients = []

    def make(protocol: str = "http", **export: object) -> sigil.Client:
        client = sigil.Client(config_for(harness, protocol, **export))
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.shutdown(timeout=5)


@pytest.fixture
def client(make_client):
    return make_client("http")


def generations(h, count: int = 1, kind: str = "http_exports", timeout: float = 5.0) -> list[dict]:
    """The decoded generations of the first `count` export captures' worth (waits for them)."""
    out: list[dict] = []
    for cap in h.wait(kind, 1, timeout):
        out.extend(cap["generations"])
    while len(out) < count:
        caps = h.wait(kind, len(h.captures(kind)) + 1, timeout)
        out = [g for cap in caps for g in cap["generations"]]
    return out


def spans(h) -> list[dict]:
    return [s for cap in h.captures("otlp_traces") for s in cap.get("spans") or []]


def wait_span(h, matches: Callable[[dict], bool], what: str = "the span") -> dict:
    """The first captured span `matches` accepts (waits for it: spans leave in the background)."""
    for _ in range(50):
        found = [s for s in spans(h) if matches(s)]
        if found:
            return found[0]
        h.wait("otlp_traces", len(h.captures("otlp_traces")) + 1, 0.1)
    raise AssertionError(f"no span for {what}")


def span_of(h, generation_id: str) -> dict:
    """The span of the generation `generation_id`."""
    return wait_span(h, lambda s: s["attributes"].get("sigil.generation.id") == generation_id, generation_id)


FIXTURES = REPO / "conformance" / "fixtures" / "providers"


def fixture(path: str) -> str:
    """A provider fixture (conformance/fixtures/providers/<api>/...) as text."""
    return (FIXTURES / path).read_text(encoding="utf-8")


def events(path: str) -> list[str]:
    """The events of a .jsonl stream fixture, one JSON document each."""
    return [line for line in fixture(path).splitlines() if line.strip()]


def python_blocks(markdown: str) -> list[str]:
    """The ```python blocks of a README, in order (the README tests run them as written)."""
    return re.findall(r"```python\n(.*?)```", markdown, re.S)


def shutdown_clients(ns: dict) -> None:
    """Shuts down every sigil client README code left in its namespace `ns`."""
    for value in ns.values():
        if isinstance(value, sigil.Client):
            value.shutdown(timeout=5)


BATCH_NOW = {"batch_size": 1, "flush_interval": timedelta(milliseconds=10)}


@pytest.fixture(scope="session")
def fake_provider_session():
    from fake_provider import FakeProvider

    with FakeProvider() as fake:
        yield fake


@pytest.fixture
def fake_provider(fake_provider_session):
    """The fake LLM provider on loopback (tests/fake_provider.py), its replies cleared per test."""
    fake_provider_session.clear()
    yield fake_provider_session
    fake_provider_session.clear()
