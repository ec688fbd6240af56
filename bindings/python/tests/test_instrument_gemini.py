"""Auto-instrumentation of the real google-genai SDK against the fake provider on loopback."""

from __future__ import annotations

import asyncio

import pytest
from google import genai
from google.genai import errors, types

import sigil_sdk as sigil

from fake_provider import Reply
from instrument_support import exported, part_kinds, recording, span_of_generation, span_where  # noqa: F401

MODEL = "gemini-2.5-flash"


@pytest.fixture
def gem(fake_provider):
    options = types.HttpOptions(base_url=fake_provider.url, retry_options=types.HttpRetryOptions(attempts=1))
    return genai.Client(api_key="test", http_options=options)


def test_generate_content(harness, recording, fake_provider, gem):
    fake_provider.reply(":generateContent", Reply.json("gemini.generate_content/response.json"))
    config = types.GenerateContentConfig(system_instruction="Identify plants.", temperature=0.3,
                                         max_output_tokens=256)
    with sigil.with_conversation_id("plants"):
        out = gem.models.generate_content(model=MODEL, contents="What is this plant?", config=config)
    assert isinstance(out, types.GenerateContentResponse)
    (g,) = exported(harness, recording)
    assert g["model"] == {"provider": "gemini", "name": MODEL}
    assert g["conversation_id"] == "plants"
    assert g["system_prompt"] == "Identify plants."
    assert g["temperature"] == 0.3
    assert g["input"][0]["parts"][0]["text"] == "What is this plant?"
    assert part_kinds(g["output"][0]) == ["thinking", "text", "tool_call"]
    assert g["output"][0]["parts"][2]["tool_call"]["name"] == "save_observation"
    assert g["stop_reason"] == "STOP"


def test_generate_content_stream(harness, recording, fake_provider, gem):
    fake_provider.reply(":streamGenerateContent", Reply.sse("gemini.generate_content/stream.jsonl"))
    chunks = list(gem.models.generate_content_stream(model=MODEL, contents=["Name the plant."]))
    assert len(chunks) == 5
    (g,) = exported(harness, recording)
    assert g["mode"] == "GENERATION_MODE_STREAM"
    assert g["response_id"] == "stream-resp-1"
    assert part_kinds(g["output"][0]) == ["thinking", "text", "tool_call"]
    assert g["usage"]["output_tokens"] == "15"


def test_stream_stopped_early(harness, recording, fake_provider, gem):
    fake_provider.reply(":streamGenerateContent", Reply.sse("gemini.generate_content/stream.jsonl"))
    stream = gem.models.generate_content_stream(model=MODEL, contents="Name the plant.")
    next(stream)
    stream.close()
    (g,) = exported(harness, recording)
    assert g["metadata"]["sigil.stream.stopped"] == "caller_closed"
    assert g["output"][0]["parts"][0]["thinking"] == "Thinking about "


def test_embed_content(harness, recording, fake_provider, gem):
    fake_provider.reply(":batchEmbedContents", Reply.json("gemini.embed_content/response_batch.json"))
    fake_provider.reply(":embedContent", Reply.json("gemini.embed_content/response.json"))
    out = gem.models.embed_content(model="gemini-embedding-001", contents=["a", "b"])
    assert out.embeddings
    recording.flush()
    span = span_where(harness, lambda s: s["name"].startswith("embeddings"))
    assert span["attributes"]["gen_ai.request.model"] == "gemini-embedding-001"
    assert span["attributes"]["gen_ai.embeddings.input_count"] == 2


@pytest.mark.parametrize("status,exc,category", [
    (429, errors.ClientError, "rate_limit"),
    (500, errors.ServerError, "server_error"),
])
def test_provider_errors(harness, recording, fake_provider, gem, status, exc, category):
    body = {"error": {"code": status, "message": f"fake {status}", "status": "RESOURCE_EXHAUSTED"}}
    fake_provider.reply(":generateContent", Reply.error(status, body))
    with pytest.raises(exc) as raised:
        gem.models.generate_content(model=MODEL, contents="hi")
    assert raised.value.code == status
    (g,) = exported(harness, recording)
    assert f"fake {status}" in g["call_error"]
    assert span_of_generation(harness, g)["attributes"]["error.category"] == category


def test_async_generate_and_stream_concurrently(harness, recording, fake_provider, gem):
    fake_provider.reply(":generateContent", Reply.json("gemini.generate_content/response.json"))
    fake_provider.reply(":streamGenerateContent", Reply.sse("gemini.generate_content/stream.jsonl"))

    async def one(i: int) -> int:
        with sigil.with_conversation_id(f"g-{i}"):
            if i % 2:
                await gem.aio.models.generate_content(model=MODEL, contents="hi")
                return 1
            return len([c async for c in await gem.aio.models.generate_content_stream(model=MODEL, contents="hi")])

    async def main() -> list[int]:
        return await asyncio.gather(*(one(i) for i in range(20)))

    counts = asyncio.run(main())
    assert counts == [5, 1] * 10
    gens = exported(harness, recording, 20)
    assert sorted(g["conversation_id"] for g in gens) == sorted(f"g-{i}" for i in range(20))
    assert all(part_kinds(g["output"][0]) == ["thinking", "text", "tool_call"] for g in gens)
