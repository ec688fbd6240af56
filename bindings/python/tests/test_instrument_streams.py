"""Streams longer than one batch of events (instrumentation hands the engine its stream events in
batches): however a stream stops — read to its end, broken off by the caller, cut by the server,
interrupted by the caller's exception, or dropped unread — the generation holds every event the
caller received, and nothing it did not."""

from __future__ import annotations

import asyncio
import gc
import json

import openai
import pytest
from google import genai
from google.genai import types

from sigil_sdk.instrumentation import _calls

from fake_provider import Reply
from instrument_support import exported, recording  # noqa: F401

MESSAGES = [{"role": "user", "content": "Count."}]
WORDS = 3 * _calls.EVENT_BATCH + 5  # several full batches and a partial one


def chat_chunk(delta: dict, finish: str | None = None) -> str:
    return json.dumps({"id": "chatcmpl-long", "object": "chat.completion.chunk", "created": 1741570700,
                       "model": "gpt-4o", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})


def chat_stream(words: int = WORDS) -> Reply:
    events = [chat_chunk({"role": "assistant", "content": ""})]
    events += [chat_chunk({"content": f"w{i} "}) for i in range(words)]
    events += [chat_chunk({}, "stop"), "[DONE]"]
    return Reply("sse", events=events)


def gemini_stream(words: int = WORDS) -> Reply:
    return Reply("sse", events=[json.dumps({
        "candidates": [{"content": {"role": "model", "parts": [{"text": f"w{i} "}]}, "index": 0}],
        "modelVersion": "gemini-2.5-flash", "responseId": "long-1"}) for i in range(words)])


def text_of(generation: dict) -> str:
    return "".join(p.get("text", "") for m in generation.get("output", []) for p in m["parts"])


def received(chunks: list) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


@pytest.fixture
def oai(fake_provider):
    return openai.OpenAI(base_url=fake_provider.url + "/v1", api_key="test", max_retries=0)


def test_a_long_stream_read_to_its_end(harness, recording, fake_provider, oai):
    fake_provider.reply("/chat/completions", chat_stream())
    chunks = list(oai.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True))
    (g,) = exported(harness, recording)
    assert text_of(g) == received(chunks) == "".join(f"w{i} " for i in range(WORDS))
    assert g["stop_reason"] == "stop"
    assert "sigil.stream.stopped" not in g.get("metadata", {})


@pytest.mark.parametrize("stop_after", [1, _calls.EVENT_BATCH - 1, _calls.EVENT_BATCH, 2 * _calls.EVENT_BATCH + 7])
def test_a_long_stream_broken_off_holds_what_the_caller_read(harness, recording, fake_provider, oai, stop_after):
    fake_provider.reply("/chat/completions", chat_stream())
    stream = oai.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
    chunks = []
    for chunk in stream:
        chunks.append(chunk)
        if len(chunks) == stop_after:
            break
    stream.close()
    (g,) = exported(harness, recording)
    assert g["metadata"]["sigil.stream.stopped"] == "caller_closed"
    assert text_of(g) == received(chunks)


def test_a_long_stream_cut_by_the_server(harness, recording, fake_provider, oai):
    reply = chat_stream()
    reply.cut_after, reply.drop = 2 * _calls.EVENT_BATCH + 3, True
    fake_provider.reply("/chat/completions", reply)
    chunks = []
    with pytest.raises(openai.APIConnectionError):
        for chunk in oai.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True):
            chunks.append(chunk)
    assert len(chunks) == 2 * _calls.EVENT_BATCH + 3
    (g,) = exported(harness, recording)
    assert g["metadata"]["sigil.stream.stopped"] == "error"
    assert g["call_error"]
    assert text_of(g) == received(chunks)


def test_a_long_stream_left_by_the_callers_exception(harness, recording, fake_provider, oai):
    fake_provider.reply("/chat/completions", chat_stream())
    chunks = []
    with pytest.raises(KeyError):
        with oai.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True) as stream:
            for chunk in stream:
                chunks.append(chunk)
                if len(chunks) == _calls.EVENT_BATCH + 2:
                    raise KeyError("the caller's own failure")
    (g,) = exported(harness, recording)
    assert g["metadata"]["sigil.stream.stopped"] == "caller_closed"
    assert text_of(g) == received(chunks)


def test_a_long_stream_dropped_unread(harness, recording, fake_provider, oai):
    fake_provider.reply("/chat/completions", chat_stream())
    stream = oai.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
    chunks = [next(stream) for _ in range(_calls.EVENT_BATCH + 9)]
    del stream
    gc.collect()
    (g,) = exported(harness, recording)
    assert g["metadata"]["sigil.stream.stopped"] == "abandoned"
    assert text_of(g) == received(chunks)


def test_an_async_long_stream_broken_off(harness, recording, fake_provider):
    aoai = openai.AsyncOpenAI(base_url=fake_provider.url + "/v1", api_key="test", max_retries=0)
    fake_provider.reply("/chat/completions", chat_stream())

    async def read() -> list:
        stream = await aoai.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
        chunks = []
        async for chunk in stream:
            chunks.append(chunk)
            if len(chunks) == _calls.EVENT_BATCH + 4:
                break
        await stream.close()
        return chunks

    chunks = asyncio.run(read())
    (g,) = exported(harness, recording)
    assert g["metadata"]["sigil.stream.stopped"] == "caller_closed"
    assert text_of(g) == received(chunks)


def test_a_long_stream_of_sdk_objects_broken_off(harness, recording, fake_provider):
    # google-genai streams are recorded from the items the caller receives, not from the SSE decoder.
    gem = genai.Client(api_key="test", http_options=types.HttpOptions(
        base_url=fake_provider.url, retry_options=types.HttpRetryOptions(attempts=1)))
    fake_provider.reply(":streamGenerateContent", gemini_stream())
    stream = gem.models.generate_content_stream(model="gemini-2.5-flash", contents="Count.")
    chunks = [next(stream) for _ in range(2 * _calls.EVENT_BATCH + 1)]
    stream.close()
    (g,) = exported(harness, recording)
    assert g["metadata"]["sigil.stream.stopped"] == "caller_closed"
    assert text_of(g) == "".join(c.text for c in chunks)
