"""Auto-instrumentation of litellm against the fake provider on loopback (OpenAI-compatible route)."""

from __future__ import annotations

import asyncio

import litellm  # conftest keeps it from fetching its model cost map
import pytest

import sigil_sdk as sigil

from fake_provider import Reply
from instrument_support import exported, recording, span_of_generation  # noqa: F401

MESSAGES = [{"role": "user", "content": "Weather in Paris and Oslo?"}]


@pytest.fixture
def routed(recording, fake_provider):
    """litellm instrumented too (the openai SDK underneath is instrumented by `recording`)."""
    sigil.instrument_litellm(client=recording)
    return {"model": "openai/gpt-4o", "api_base": fake_provider.url + "/v1", "api_key": "secret-key"}


def test_completion_is_recorded_once(harness, recording, fake_provider, routed):
    fake_provider.reply("/chat/completions", Reply.json("openai.chat/response_tool_calls.json"))
    with sigil.with_conversation_id("ll-1"):
        out = litellm.completion(messages=MESSAGES, **routed)
    assert [c.id for c in out.choices[0].message.tool_calls] == ["call_a1", "call_b2"]
    (g,) = exported(harness, recording)
    recording.flush()
    assert sum(len(c["generations"]) for c in harness.captures("http_exports")) == 1  # not twice
    assert g["conversation_id"] == "ll-1"
    assert g["model"]["name"] == "openai/gpt-4o"
    assert [p["tool_call"]["id"] for p in g["output"][0]["parts"]] == ["call_a1", "call_b2"]
    assert "secret-key" not in str(g)


def test_completion_stream(harness, recording, fake_provider, routed):
    fake_provider.reply("/chat/completions", Reply.sse("openai.chat/stream_text.jsonl"))
    text = "".join(c.choices[0].delta.content or "" for c in
                   litellm.completion(messages=MESSAGES, stream=True, **routed))
    assert text == "Paris is sunny today."
    (g,) = exported(harness, recording)
    assert g["mode"] == "GENERATION_MODE_STREAM"
    assert g["output"][0]["parts"][0]["text"] == text


def test_acompletion_concurrently(harness, recording, fake_provider, routed):
    fake_provider.reply("/chat/completions", Reply.json("openai.chat/response_text.json"))

    async def main() -> list:
        async def one(i: int):
            with sigil.with_conversation_id(f"ll-{i}"):
                return await litellm.acompletion(messages=MESSAGES, **routed)
        return await asyncio.gather(*(one(i) for i in range(10)))

    outs = asyncio.run(main())
    assert len(outs) == 10
    gens = exported(harness, recording, 10)
    assert sorted(g["conversation_id"] for g in gens) == sorted(f"ll-{i}" for i in range(10))


def test_provider_error(harness, recording, fake_provider, routed):
    fake_provider.reply("/chat/completions", Reply.error(429, {"error": {"message": "fake 429"}},
                                                         {"retry-after": "0"}))
    with pytest.raises(litellm.RateLimitError):
        litellm.completion(messages=MESSAGES, num_retries=0, **routed)
    (g,) = exported(harness, recording)
    assert "fake 429" in g["call_error"]
    assert span_of_generation(harness, g)["attributes"]["error.category"] == "rate_limit"
