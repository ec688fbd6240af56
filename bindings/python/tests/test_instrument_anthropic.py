"""Auto-instrumentation of the real anthropic SDK against the fake provider on loopback."""

from __future__ import annotations

import asyncio

import anthropic
import pytest

import sigil_sdk as sigil

from fake_provider import Reply
from instrument_support import exported, part_kinds, recording, span_of_generation  # noqa: F401

MESSAGES = [{"role": "user", "content": "Why does it crash?"}]
MODEL = "claude-sonnet-4-5"


@pytest.fixture
def ant(fake_provider):
    return anthropic.Anthropic(base_url=fake_provider.url, api_key="test", max_retries=0)


@pytest.fixture
def aant(fake_provider):
    return anthropic.AsyncAnthropic(base_url=fake_provider.url, api_key="test", max_retries=0)


def test_messages_create(harness, recording, fake_provider, ant):
    fake_provider.reply("/v1/messages", Reply.json("anthropic.messages/response.json"))
    with sigil.with_agent_name("coder"), sigil.with_agent_version("1.2"):
        msg = ant.messages.create(model=MODEL, max_tokens=1024, system="Be terse.", messages=MESSAGES)
    assert type(msg) is anthropic.types.Message
    (g,) = exported(harness, recording)
    assert g["model"] == {"provider": "anthropic", "name": MODEL}
    assert (g["agent_name"], g["agent_version"]) == ("coder", "1.2")
    assert g["system_prompt"] == "Be terse."
    assert g["max_tokens"] == "1024"
    assert part_kinds(g["output"][0]) == ["thinking", "text", "tool_call"]
    assert g["response_id"] == msg.id
    assert g["stop_reason"] == "tool_use"


def test_create_stream_true(harness, recording, fake_provider, ant):
    fake_provider.reply("/v1/messages", Reply.sse("anthropic.messages/stream.jsonl"))
    stream = ant.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES, stream=True)
    assert isinstance(stream, anthropic.Stream)
    types = [event.type for event in stream]
    assert types[0] == "message_start" and types[-1] == "message_stop"
    (g,) = exported(harness, recording)
    assert g["mode"] == "GENERATION_MODE_STREAM"
    assert part_kinds(g["output"][0]) == ["thinking", "text", "tool_call"]
    assert g["output"][0]["parts"][2]["tool_call"]["input_json_text"] == '{"city": "Lisbon"}'
    assert g["usage"]["output_tokens"] == "89"


def test_the_stream_context_manager(harness, recording, fake_provider, ant):
    fake_provider.reply("/v1/messages", Reply.sse("anthropic.messages/stream.jsonl"))
    with ant.messages.stream(model=MODEL, max_tokens=64, messages=MESSAGES) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == final.content[1].text
    (g,) = exported(harness, recording)
    assert g["output"][0]["parts"][1]["text"] == text
    assert g["response_id"] == final.id
    assert "sigil.stream.stopped" not in g.get("metadata", {})


def test_leaving_the_stream_context_early_records_a_partial_generation(harness, recording, fake_provider, ant):
    fake_provider.reply("/v1/messages", Reply.sse("anthropic.messages/stream.jsonl"))
    with ant.messages.stream(model=MODEL, max_tokens=64, messages=MESSAGES) as stream:
        for event in stream:
            if event.type == "content_block_start":
                break
    (g,) = exported(harness, recording)
    assert g["metadata"]["sigil.stream.stopped"] == "caller_closed"
    assert span_of_generation(harness, g)["attributes"]["error.type"] == "mapping_error"


def test_a_stream_that_ends_early(harness, recording, fake_provider, ant):
    fake_provider.reply("/v1/messages", Reply.sse("anthropic.messages/stream_early_end.jsonl"))
    list(ant.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES, stream=True))
    (g,) = exported(harness, recording)
    assert span_of_generation(harness, g)["attributes"]["error.type"] == "mapping_error"


@pytest.mark.parametrize("status,exc,category", [
    (429, anthropic.RateLimitError, "rate_limit"),
    (500, anthropic.InternalServerError, "server_error"),
])
def test_provider_errors(harness, recording, fake_provider, ant, status, exc, category):
    body = {"type": "error", "error": {"type": "overloaded_error", "message": f"fake {status}"}}
    fake_provider.reply("/v1/messages", Reply.error(status, body, {"retry-after": "0"}))
    with pytest.raises(exc):
        ant.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES)
    with pytest.raises(exc):
        with ant.messages.stream(model=MODEL, max_tokens=64, messages=MESSAGES):
            pass
    gens = exported(harness, recording, 2)
    for g in gens:
        assert f"fake {status}" in g["call_error"]
        assert span_of_generation(harness, g)["attributes"]["error.category"] == category


def test_with_raw_response(harness, recording, fake_provider, ant):
    fake_provider.reply("/v1/messages", Reply.json("anthropic.messages/response.json"))
    raw = ant.messages.with_raw_response.create(model=MODEL, max_tokens=64, messages=MESSAGES)
    msg = raw.parse()
    (g,) = exported(harness, recording)
    assert g["response_id"] == msg.id


def test_async_create_and_stream_concurrently(harness, recording, fake_provider, aant):
    fake_provider.reply("/v1/messages", Reply.sse("anthropic.messages/stream.jsonl"))

    async def one(i: int) -> str:
        with sigil.with_conversation_id(f"a-{i}"):
            if i % 2:
                async with aant.messages.stream(model=MODEL, max_tokens=64, messages=MESSAGES) as stream:
                    return await stream.get_final_text()
            stream = await aant.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES, stream=True)
            assert isinstance(stream, anthropic.AsyncStream)
            return "".join([e.delta.text async for e in stream
                            if e.type == "content_block_delta" and e.delta.type == "text_delta"])

    async def main() -> list[str]:
        return await asyncio.gather(*(one(i) for i in range(20)))

    texts = asyncio.run(main())
    assert len(set(texts)) == 1 and texts[0]
    gens = exported(harness, recording, 20)
    assert sorted(g["conversation_id"] for g in gens) == sorted(f"a-{i}" for i in range(20))
    assert all(g["output"][0]["parts"][1]["text"] == texts[0] for g in gens)
