"""Shared by the framework examples: the provider examples' support (a fake OpenAI provider on
loopback when OPENAI_BASE_URL is not set, the closing report), and the host's OpenTelemetry tracer
for framework spans when opentelemetry-sdk is installed (exported over OTLP/HTTP to
OTEL_EXPORTER_OTLP_ENDPOINT, the local receiver by default)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _example_support import Reply, finish  # noqa: E402  (also puts the tests' fake provider on the path)
from fake_provider import FakeProvider  # noqa: E402


def openai_or_fake(*replies: Reply) -> None:
    """Points OpenAI clients at a fake provider answering /chat/completions with `replies` in order
    (the last one from then on), unless OPENAI_BASE_URL names a real service. It stops with the
    process."""
    if "OPENAI_BASE_URL" in os.environ:
        return
    fake = FakeProvider().__enter__()
    fake.replies("/chat/completions", list(replies))
    os.environ.update(OPENAI_BASE_URL=fake.url + "/v1", OPENAI_API_KEY="not-needed")


def gemini_or_fake(*replies: Reply) -> Optional[str]:
    """The Gemini base URL to use: GEMINI_BASE_URL, else None (the real service) when GEMINI_API_KEY
    is set, else a fake provider answering :generateContent with `replies` in order (the last one
    from then on). It stops with the process."""
    if "GEMINI_BASE_URL" in os.environ or "GEMINI_API_KEY" in os.environ:
        return os.environ.get("GEMINI_BASE_URL")
    fake = FakeProvider().__enter__()
    fake.replies(":generateContent", list(replies))
    os.environ["GEMINI_API_KEY"] = "not-needed"
    return fake.url


def host_tracer() -> Optional[Any]:
    """A tracer whose spans reach the receiver, or None without opentelemetry-sdk."""
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    except ImportError:
        return None
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318").rstrip("/")
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=endpoint + "/v1/traces")))
    return provider.get_tracer("sigil-framework-examples")


__all__ = ["Reply", "finish", "gemini_or_fake", "host_tracer", "openai_or_fake"]
