"""Shared pieces of the auto-instrumentation tests: a client recording into the capture harness with
every provider instrumented into it, and readers of what arrived."""

from __future__ import annotations

import gc
from typing import Callable

import pytest

import sigil_sdk as sigil
from sigil_sdk import instrumentation

from conftest import BATCH_NOW, generations, spans


@pytest.fixture
def recording(make_client):
    """A client (export after every record) that every instrumented provider records into."""
    client = make_client("http", **BATCH_NOW)
    sigil.instrument(client=client, providers=["openai", "anthropic", "gemini", "bedrock"])
    errors_before = instrumentation.stats()["instrumentation_errors"]
    yield client
    sigil.uninstrument()
    assert instrumentation.stats()["instrumentation_errors"] == errors_before, "instrumentation failed"


def exported(harness, client, count: int = 1) -> list[dict]:
    """The first `count` generations the harness received, in arrival order."""
    gc.collect()  # streams dropped unread end when collected
    client.flush()
    return generations(harness, count)


def span_where(harness, predicate: Callable[[dict], bool], timeout_rounds: int = 50) -> dict:
    for _ in range(timeout_rounds):
        found = [s for s in spans(harness) if predicate(s)]
        if found:
            return found[0]
        harness.wait("otlp_traces", len(harness.captures("otlp_traces")) + 1, 0.1)
    raise AssertionError("no such span")


def span_of_generation(harness, generation: dict) -> dict:
    return span_where(harness, lambda s: s["attributes"].get("sigil.generation.id") == generation["id"])


def part_kinds(message: dict) -> list[str]:
    return [next(k for k in p if k != "metadata") for p in message["parts"]]
