"""instrument() as a whole: every installed provider SDK at once, the default client from the
environment, and an application that exits without shutting anything down."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sigil_sdk as sigil
from sigil_sdk import instrumentation

from fake_provider import Reply

BINDING = str(Path(sigil.__file__).resolve().parent.parent)
TESTS = str(Path(__file__).resolve().parent)


def test_instrument_finds_the_installed_sdks_and_uninstrument_restores_them(make_client):
    from anthropic.resources.messages import Messages
    from botocore.client import BaseClient
    from google.genai.models import Models
    from openai.resources.chat.completions import Completions

    originals = (Completions.create, Messages.stream, Models.generate_content, BaseClient._make_api_call)
    client = make_client("http")
    done = sigil.instrument(client=client)
    try:
        assert {"openai", "anthropic", "gemini", "bedrock"} <= set(done)
        assert sigil.instrument(client=client) == []  # twice: nothing more
        assert Completions.create is not originals[0] and Messages.stream is not originals[1]
    finally:
        assert set(sigil.uninstrument()) == set(done)
    assert sigil.uninstrument() == []
    assert (Completions.create, Messages.stream, Models.generate_content, BaseClient._make_api_call) == originals
    assert instrumentation.instrumented() == []


def test_unknown_provider_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown provider 'mistral'"):
        sigil.instrument(providers=["mistral"])


APP = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, os.environ["TESTS_DIR"])
    import openai
    import sigil_sdk as sigil

    sigil.instrument(providers=["openai"])  # no client: the default one, from SIGIL_*
    oai = openai.OpenAI(base_url=os.environ["FAKE_URL"] + "/v1", api_key="test", max_retries=0)
    with sigil.with_conversation_id("exit-app"):
        oai.responses.create(model="o4-mini", input="hi")
        stream = oai.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}],
                                             stream=True)
        next(stream)  # left open: the process exits with the stream half read
    KEEP = stream
    print("done")
""")


def test_an_app_that_never_calls_shutdown(harness, fake_provider, tmp_path):
    fake_provider.reply("/chat/completions", Reply.sse("openai.chat/stream_text.jsonl"))
    fake_provider.reply("/responses", Reply.json("openai.responses/response.json"))
    env = {**os.environ, "PYTHONPATH": BINDING, "TESTS_DIR": TESTS, "FAKE_URL": fake_provider.url,
           "SIGIL_PROTOCOL": "http", "SIGIL_ENDPOINT": harness.urls["http_base"],
           "OTEL_EXPORTER_OTLP_ENDPOINT": harness.urls["otlp"]}
    proc = subprocess.run([sys.executable, "-c", APP], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "done"
    gens = [g for cap in harness.wait("http_exports", 1, 10) for g in cap["generations"]]
    while len(gens) < 2:
        caps = harness.wait("http_exports", len(harness.captures("http_exports")) + 1, 10)
        gens = [g for cap in caps for g in cap["generations"]]
    assert [g["conversation_id"] for g in gens] == ["exit-app", "exit-app"]
    assert sorted(g.get("metadata", {}).get("sigil.stream.stopped", "") for g in gens) == ["", "abandoned"]
