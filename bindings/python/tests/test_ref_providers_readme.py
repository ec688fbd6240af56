"""README code runs unchanged against the provider helper packages: this package's own "Provider
helpers" example and the Python blocks of the reference helpers' READMEs (read from a checkout of
grafana/sigil, $SIGIL_REFERENCE_REPO, skipped when there is none).

The provider clients are the real SDK clients (openai, anthropic, google-genai) whose HTTP
transport answers with the engine's provider fixtures, so the SDKs build and parse real requests
and responses without a network.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import anthropic
import httpx2
import openai
import pytest
from google import genai
from google.genai import types as genai_types

from conftest import events, fixture, generations, python_blocks, shutdown_clients

README = Path(__file__).resolve().parents[1] / "README.md"
REFERENCE_REPO = Path(os.environ.get("SIGIL_REFERENCE_REPO", "/work/.mirror/grafana+sigil/repo"))
REAL_OPENAI = openai.OpenAI


def _sse(lines: list[str]) -> httpx2.Response:
    body = "".join(f"data: {line}\n\n" for line in lines)
    return httpx2.Response(200, text=body, headers={"content-type": "text/event-stream"})


def _json(path: str) -> httpx2.Response:
    return httpx2.Response(200, text=fixture(path), headers={"content-type": "application/json"})


def _answer(request: httpx2.Request) -> httpx2.Response:
    """The provider's answer to one request, from the fixtures (by API path)."""
    path = request.url.path
    body = json.loads(request.content or b"{}")
    if path.endswith("/chat/completions"):
        if body.get("stream"):
            return _sse(events("openai.chat/stream_text.jsonl"))  # ends with [DONE]
        return _json("openai.chat/response_text.json")
    if path.endswith("/responses"):
        return _json("openai.responses/response.json")
    if path.endswith("/embeddings"):
        return _json("openai.embeddings/response.json")
    if path.endswith("/v1/messages"):
        return _json("anthropic.messages/response.json")
    if path.endswith(":streamGenerateContent"):
        return _sse(events("gemini.generate_content/stream.jsonl"))
    if path.endswith(":generateContent"):
        return _json("gemini.generate_content/response.json")
    if path.endswith(":batchEmbedContents"):
        return _json("gemini.embed_content/response_batch.json")
    if path.endswith(":embedContent"):
        return _json("gemini.embed_content/response.json")
    return httpx2.Response(404, json={"error": {"message": f"no fixture for {path}"}})


def _http() -> httpx2.Client:
    return httpx2.Client(transport=httpx2.MockTransport(_answer))


@pytest.fixture
def run_readme(harness, monkeypatch):
    """run_readme(code) executes README code with SIGIL_* pointing at the harness and the provider
    clients it names answering from the fixtures; returns the namespace after flushing its clients."""
    for name in list(os.environ):
        if name.startswith(("SIGIL_", "OTEL_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SIGIL_PROTOCOL", "http")
    monkeypatch.setenv("SIGIL_ENDPOINT", harness.urls["http_base"])
    monkeypatch.setattr(openai, "OpenAI", lambda **kw: REAL_OPENAI(api_key="test", http_client=_http(), **kw))
    namespaces = []

    def run(code: str) -> dict:
        ns = {
            "__name__": "readme",
            "anthropic_client": anthropic.Anthropic(api_key="test", http_client=_http()),
            "gemini_client": genai.Client(api_key="test",
                                          http_options=genai_types.HttpOptions(httpx_client=_http())),
        }
        namespaces.append(ns)
        exec(compile(code, "README", "exec"), ns)  # noqa: S102 - the README's own code
        shutdown_clients(ns)
        return ns

    yield run
    for ns in namespaces:  # also when the code failed half way
        shutdown_clients(ns)


def reference_readme(provider: str) -> str:
    if not (REFERENCE_REPO / "HEAD").exists() and not (REFERENCE_REPO / ".git").exists():
        pytest.skip(f"no grafana/sigil checkout at {REFERENCE_REPO} (set SIGIL_REFERENCE_REPO)")
    return subprocess.run(["git", "-C", str(REFERENCE_REPO), "show", f"HEAD:sdks/python-providers/{provider}/README.md"],
                          check=True, capture_output=True, text=True).stdout


def test_the_provider_helpers_example_runs(harness, run_readme):
    section = README.read_text().split("### Provider helpers", 1)[1]
    ns = run_readme(python_blocks(section)[0])
    assert ns["completion"].choices[0].message.content == "Paris: 18 °C, clear. Oslo: 7 °C, rain."
    assert len(ns["summary"].events) == len([e for e in events("openai.chat/stream_text.jsonl") if e != "[DONE]"])
    gens = generations(harness, 3)
    (stream,) = [g for g in gens if g["mode"] == "GENERATION_MODE_STREAM"]
    by_conv = {g["conversation_id"]: g for g in gens if g["mode"] == "GENERATION_MODE_SYNC"}
    sync, manual = by_conv["conv-h"], by_conv["conv-m"]
    assert (sync["agent_name"], sync["agent_version"]) == ("assistant", "1.0.0")
    assert manual["output"] == sync["output"] and manual["model"] == sync["model"]
    assert sync["model"] == {"provider": "openai", "name": "gpt-4o-mini"}
    assert sync["output"][0]["parts"][0]["text"] == "Paris: 18 °C, clear. Oslo: 7 °C, rain."
    assert stream["output"][0]["parts"][0]["text"]


def test_the_reference_openai_readme_runs(harness, run_readme):
    run_readme("\n".join(python_blocks(reference_readme("openai"))))
    gens = generations(harness, 3)
    assert {g["mode"] for g in gens} == {"GENERATION_MODE_SYNC", "GENERATION_MODE_STREAM"}
    responses_gens = [g for g in gens if g["model"]["name"] == "gpt-5" and g["mode"] == "GENERATION_MODE_SYNC"]
    assert len(responses_gens) == 2  # the wrapper and the manual mapping
    for g in responses_gens:
        assert (g["conversation_id"], g["agent_name"], g["agent_version"]) == ("conv-1", "assistant", "1.0.0")
        assert g["system_prompt"] == "Be concise"
        assert g["output"]


def test_the_reference_anthropic_readme_runs(harness, run_readme):
    ns = run_readme("\n".join(python_blocks(reference_readme("anthropic"))))
    assert ns["generation"].model.provider == "anthropic"
    assert ns["generation"].output
    assert ns["stream_generation"].output[0].parts[0].text == "streamed text"
    by_mode = {g["mode"]: g for g in generations(harness, 2)}
    assert by_mode["GENERATION_MODE_SYNC"]["conversation_id"] == "conv-1"
    assert by_mode["GENERATION_MODE_SYNC"]["response_model"] == "claude-sonnet-4-5-20250929"
    assert by_mode["GENERATION_MODE_STREAM"]["output"][0]["parts"][0]["text"] == "streamed text"


def test_the_reference_gemini_readme_runs(harness, run_readme):
    ns = run_readme("\n".join(python_blocks(reference_readme("gemini"))))
    assert ns["generation"].model.name == "gemini-2.5-pro"
    assert ns["stream_generation"].output
    assert len(ns["embedding_response"].embeddings) == 2
    by_mode = {g["mode"]: g for g in generations(harness, 2)}
    assert by_mode["GENERATION_MODE_SYNC"]["conversation_id"] == "conv-1"
    assert by_mode["GENERATION_MODE_SYNC"]["max_tokens"] == "256"
    assert by_mode["GENERATION_MODE_STREAM"]["output"]
