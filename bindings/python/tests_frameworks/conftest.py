"""Fixtures of the framework tier: the binding tier's (tests/conftest.py: the capture harness, the
fake provider) plus the host's OpenTelemetry SDK exporting to the harness, so framework spans and
the engine's generation spans are asserted where they land, side by side.

Each test module skips itself when its framework is not installed (`make deps-frameworks`).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))  # fake_provider, and the binding tier's fixtures below

_spec = importlib.util.spec_from_file_location("sigil_binding_conftest", TESTS / "conftest.py")
_binding = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_binding)
globals().update({k: v for k, v in vars(_binding).items() if not k.startswith("__")})

import sigil_sdk as sigil  # noqa: E402

# OpenAI Agents exports its own traces to OpenAI's service unless told not to: no test reaches it.
os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"
if importlib.util.find_spec("agents") is not None:
    from agents import set_tracing_disabled

    set_tracing_disabled(True)


@pytest.fixture
def otel(harness):
    """The host's OpenTelemetry: an SDK tracer provider exporting OTLP/HTTP to the harness."""
    otel_sdk = pytest.importorskip("opentelemetry.sdk.trace", reason="opentelemetry-sdk is not installed")
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    provider = otel_sdk.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=harness.urls["otlp"] + "/v1/traces")))
    yield provider
    provider.shutdown()


@pytest.fixture
def fw_client(harness, otel):
    """A client pointed at the harness whose framework spans go to the host tracer (also the harness)."""
    cfg = _binding.config_for(harness, **_binding.BATCH_NOW)
    cfg.tracer = otel.get_tracer("framework-tests")
    client = sigil.Client(cfg)
    yield client
    client.shutdown(timeout=5)
