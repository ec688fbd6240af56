"""Auto-instrumentation of the real openai SDK against the fake provider on loopback: what the caller
receives is unchanged, and what arrives at the capture harness is the mapped generation."""

from __future__ import annotations

import asyncio
import gc
import json

import openai
import pytest

import sigil_sdk as sigil
from sigil_sdk import instrumentation

from fake_provider import Reply, fixture_events
from instrument_support import exported, part_kinds, recording, span_of_generation, span_where  # noqa: F401

MESSAGES = [{"role": "user", "content": "Weather in Paris and Oslo?"}]


@pytest.fixture
def oai(fake_provider):
    return openai.OpenAI(base_url=fake_provider.url + "/v1", api_key="test", max_retries=0)


@pytest.fixture
def aoai(fake_provider):
    return openai.AsyncOpenAI(base_url=fake_provider.url + "/v1", api_key="test", max_retries=0)


def test_chat_create_with_parallel_tool_calls(harness, recording, fake_provider, oai):
    fake_provider.reply("/chat/completions", Reply.json("openai.chat/response_tool_calls.json"))
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    with sigil.with_conversation_id("conv-1"), sigil.with_agent_name("travel"):
        out = oai.chat.completions.create(model="gpt-4o", messages=MESSAGES, tools=tools, temperature=0.2)
    assert type(out) is openai.types.chat.ChatCompletion
    assert [c.id for c in out.choices[0].message.tool_calls] == ["call_a1", "call_b2"]
    (g,) = exported(harness, recording)
    assert g["mode"] == "GENERATION_MODE_SYNC"
    assert g["model"] == {"provider": "openai", "name": "gpt-4o"}
    assert g["conversation_id"] == "conv-1"
    assert g["agent_name"] == "travel"
    assert g["input"][0]["parts"][0]["text"] == "Weather in Paris and Oslo?"
    assert [t["name"] for t in g["tools"]] == ["get_weather"]
    assert g["temperature"] == 0.2
    assert [p["tool_call"]["name"] for p in g["output"][0]["parts"]] == ["get_weather", "get_weather"]
    assert [p["tool_call"]["input_json_text"] for p in g["output"][0]["parts"]] == [
        '{"city":"Paris","unit":"c"}', '{"city":"Oslo","unit":"c"}']
    assert g["usage"]["total_tokens"] == "1163"
    assert g["stop_reason"] == "tool_calls"
    # the request went out as the caller wrote it: nothing added
    (sent,) = fake_provider.request_bodies("/chat/completions")
    assert sent == {"model": "gpt-4o", "messages": MESSAGES, "tools": tools, "temperature": 0.2}


def test_instrumenting_after_the_client_exists_and_call_options(harness, make_client, fake_provider, oai):
    fake_provider.reply("/chat/completions", Reply.json("openai.chat/response_text.json"))
    client = make_client("http")
    oai.chat.completions.create(model="gpt-4o", messages=MESSAGES)  # not instrumented yet
    assert sigil.instrument_openai(client=client) is True
    try:
        with sigil.call_options(conversation_id="conv-opt", tags={"team": "search"}, user_id="u-7"):
            oai.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        with sigil.call_options(record=False):
            oai.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    finally:
        sigil.uninstrument()
    (g,) = exported(harness, client)
    assert g["conversation_id"] == "conv-opt"
    assert g["tags"] == {"team": "search"}
    assert g["metadata"]["sigil.user.id"] == "u-7"
    client.flush()
    assert len([g for cap in harness.captures("http_exports") for g in cap["generations"]]) == 1


def test_stream_with_tool_calls_is_unchanged_and_recorded(harness, recording, fake_provider, oai):
    fake_provider.reply("/chat/completions", Reply.sse("openai.chat/stream_tool_calls.jsonl"))
    stream = oai.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
    assert isinstance(stream, openai.Stream)
    chunks = [chunk.model_dump() for chunk in stream]
    with sigil.call_options(record=False):
        bare = [c.model_dump() for c in oai.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)]
    assert chunks == bare
    (g,) = exported(harness, recording)
    assert g["mode"] == "GENERATION_MODE_STREAM"
    assert part_kinds(g["output"][0]) == ["tool_call"] * len(g["output"][0]["parts"])
    assert g["output"][0]["parts"][0]["tool_call"]["id"] == "call_p"
    assert g["usage"]["total_tokens"] == "136"
    assert "sigil.stream.stopped" not in g.get("metadata", {})
    # no stream_options were added to what the caller sent
    assert all("stream_options" not in body for body in fake_provider.request_bodies("/chat/completions"))
    ttft = [p for m in recording.metrics_snapshot()["metrics"] if m["name"].endswith("time_to_first_token")
            for p in m["points"]]
    assert sum(p["count"] for p in ttft) == 1  # set at the first content event, for the one recorded stream
    assert 0 < ttft[0]["sum"] < 5


def test_early_break_and_close_record_partial_generations(harness, recording, fake_provider, oai):
    fake_provider.reply("/chat/completions", Reply.sse("openai.chat/stream_text.jsonl"))
    stream = oai.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content == "Paris is ":
            break
    stream.close()
    with oai.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True) as stream2:
        next(iter(stream2))
    stream3 = oai.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
    next(stream3)
    del stream3  # dropped unread
    gens = exported(harness, recording, 3)
    assert [g["metadata"]["sigil.stream.stopped"] for g in gens] == ["caller_closed", "caller_closed", "abandoned"]
    assert gens[0]["output"][0]["parts"][0]["text"] == "Paris is "
    span = span_of_generation(harness, gens[0])
    assert span["attributes"]["error.type"] == "mapping_error"  # output and usage are partial


def test_a_stream_cut_by_the_server(harness, recording, fake_provider, oai):
    fake_provider.reply("/chat/completions", Reply.sse("openai.chat/stream_text.jsonl", cut_after=3))
    text = "".join(c.choices[0].delta.content or "" for c in
                   oai.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True))
    assert text == "Paris is sunny"
    fake_provider.reply("/chat/completions", Reply.sse("openai.chat/stream_text.jsonl", cut_after=3, drop=True))
    got = []
    with pytest.raises(openai.APIConnectionError):
        for c in oai.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True):
            got.append(c)
    assert len(got) == 3
    clean, dropped = exported(harness, recording, 2)
    assert clean["output"][0]["parts"][0]["text"] == "Paris is sunny"
    assert "sigil.stream.stopped" not in clean.get("metadata", {})
    assert span_of_generation(harness, clean)["attributes"]["error.type"] == "mapping_error"
    assert dropped["metadata"]["sigil.stream.stopped"] == "error"
    assert dropped["call_error"]
    assert dropped["output"][0]["parts"][0]["text"] == "Paris is sunny"


@pytest.mark.parametrize("status,exc,category", [
    (429, openai.RateLimitError, "rate_limit"),
    (500, openai.InternalServerError, "server_error"),
    (401, openai.AuthenticationError, "auth_error"),
])
def test_provider_errors_are_recorded_and_reraised_unchanged(harness, recording, fake_provider, oai,
                                                            status, exc, category):
    fake_provider.reply("/chat/completions", Reply.error(status, {"error": {"message": f"fake {status}"}},
                                                         {"retry-after": "0"}))
    with pytest.raises(exc) as raised:
        oai.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert raised.value.status_code == status
    (g,) = exported(harness, recording)
    assert f"fake {status}" in g["call_error"]
    span = span_of_generation(harness, g)
    assert span["attributes"]["error.category"] == category
    assert span["status"]["code"] == "STATUS_CODE_ERROR"


def test_connection_error_is_recorded(harness, recording):
    dead = openai.OpenAI(base_url="http://127.0.0.1:9/v1", api_key="test", max_retries=0)
    with pytest.raises(openai.APIConnectionError):
        dead.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    (g,) = exported(harness, recording)
    assert g["call_error"]


def test_with_raw_response_records_the_parsed_body(harness, recording, fake_provider, oai):
    fake_provider.reply("/chat/completions", Reply.json("openai.chat/response_text.json"))
    raw = oai.chat.completions.with_raw_response.create(model="gpt-4o", messages=MESSAGES)
    assert raw.http_response.status_code == 200
    completion = raw.parse()
    assert completion.id
    (g,) = exported(harness, recording)
    assert g["response_id"] == completion.id
    assert g["output"][0]["parts"][0]["text"] == completion.choices[0].message.content


@pytest.mark.parametrize("namespace", ["chat", "beta.chat"])
def test_the_stream_helper_context_manager(harness, recording, fake_provider, oai, namespace):
    fake_provider.reply("/chat/completions", Reply.sse("openai.chat/stream_text.jsonl"))
    chat = oai.chat if namespace == "chat" else oai.beta.chat
    with chat.completions.stream(model="gpt-4o", messages=MESSAGES) as stream:
        deltas = [e.delta for e in stream if e.type == "content.delta"]
        final = stream.get_final_completion()
    assert "".join(deltas) == final.choices[0].message.content == "Paris is sunny today."
    (g,) = exported(harness, recording)
    assert g["output"][0]["parts"][0]["text"] == "Paris is sunny today."
    assert g["usage"]["output_tokens"] == "5"


def test_responses_create_stream_and_embeddings(harness, recording, fake_provider, oai):
    fake_provider.reply("/responses", Reply.json("openai.responses/response.json"))
    resp = oai.responses.create(model="o4-mini", input="What is the weather in Rome?")
    fake_provider.reply("/responses", Reply.sse("openai.responses/stream.jsonl"))
    events = [e.type for e in oai.responses.create(model="o4-mini", input="Rome?", stream=True)]
    assert events[-1] == "response.completed"
    fake_provider.reply("/embeddings", Reply.json("openai.embeddings/response.json"))
    emb = oai.embeddings.create(model="text-embedding-3-small", input=["a", "b"], encoding_format="float")
    assert len(emb.data) == 2
    sync, streamed = exported(harness, recording, 2)
    assert sync["response_id"] == resp.id
    assert streamed["mode"] == "GENERATION_MODE_STREAM"
    assert streamed["response_id"] == "resp_stream1"
    assert streamed["usage"]["total_tokens"] == "119"
    span = span_where(harness, lambda s: s["name"].startswith("embeddings"))
    assert span["attributes"]["gen_ai.embeddings.input_count"] == 2


def test_async_clients_under_many_concurrent_calls(harness, recording, fake_provider, aoai):
    fake_provider.reply("/chat/completions", Reply.sse("openai.chat/stream_tool_calls.jsonl"))
    fake_provider.reply("/responses", Reply.json("openai.responses/response.json"))

    async def one(i: int) -> int:
        with sigil.with_conversation_id(f"conv-{i}"):
            if i % 2:
                await aoai.responses.create(model="o4-mini", input=f"q{i}")
                return 0
            stream = await aoai.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
            assert isinstance(stream, openai.AsyncStream)
            return len([c async for c in stream])

    async def main() -> list[int]:
        return await asyncio.gather(*(one(i) for i in range(40)))

    counts = asyncio.run(main())
    chunks = len([e for e in fixture_events("openai.chat/stream_tool_calls.jsonl") if e != "[DONE]"])
    assert counts[::2] == [chunks] * 20
    gens = exported(harness, recording, 40)
    assert sorted(g["conversation_id"] for g in gens) == sorted(f"conv-{i}" for i in range(40))
    for g in gens:
        n = int(g["conversation_id"].split("-")[1])
        assert g["mode"] == ("GENERATION_MODE_SYNC" if n % 2 else "GENERATION_MODE_STREAM")
        assert g["output"], g


def test_async_stream_helper_and_early_close(harness, recording, fake_provider, aoai):
    fake_provider.reply("/chat/completions", Reply.sse("openai.chat/stream_text.jsonl"))

    async def main() -> str:
        async with aoai.chat.completions.stream(model="gpt-4o", messages=MESSAGES) as stream:
            final = await stream.get_final_completion()
        early = await aoai.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
        async for _ in early:
            break
        await early.close()
        return final.choices[0].message.content

    assert asyncio.run(main()) == "Paris is sunny today."
    full, early = exported(harness, recording, 2)
    assert full["output"][0]["parts"][0]["text"] == "Paris is sunny today."
    assert early["metadata"]["sigil.stream.stopped"] == "caller_closed"


def test_instrument_and_uninstrument_twice(harness, make_client, fake_provider, oai):
    from openai.resources.chat.completions import Completions

    original = Completions.create
    client = make_client("http")
    assert sigil.instrument_openai(client=client) is True
    patched = Completions.create
    assert sigil.instrument_openai(client=client) is False
    assert Completions.create is patched
    assert "openai" in instrumentation.instrumented()
    fake_provider.reply("/chat/completions", Reply.json("openai.chat/response_text.json"))
    oai.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert sigil.uninstrument_openai() is True
    assert sigil.uninstrument_openai() is False
    assert Completions.create is original
    oai.chat.completions.create(model="gpt-4o", messages=MESSAGES)  # not recorded
    assert len(exported(harness, client)) == 1
    client.flush()
    assert sum(len(c["generations"]) for c in harness.captures("http_exports")) == 1


class BrokenClient:
    """A client whose recording fails: stands for any failure inside the instrumentation."""

    def start_generation(self, start):
        raise RuntimeError("recording is broken")

    start_streaming_generation = start_generation


def test_a_failure_inside_the_instrumentation_never_reaches_the_caller(recording, fake_provider, oai, caplog):
    from sigil_sdk.instrumentation import _core

    fake_provider.reply("/chat/completions", Reply.json("openai.chat/response_text.json"))
    before = instrumentation.stats()["instrumentation_errors"]
    first_time = "openai.chat request" not in _core._reported
    with caplog.at_level("DEBUG", logger="sigil_sdk"), sigil.call_options(client=BrokenClient()):
        out = oai.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        again = oai.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert out.choices[0].message.content == again.choices[0].message.content
    assert instrumentation.stats()["instrumentation_errors"] == before + 2
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "instrumentation failed" in r.getMessage()]
    assert len(warnings) == (1 if first_time else 0)
    assert "recording is broken" in " ".join(r.getMessage() for r in caplog.records)
    _core._errors = before  # the recording fixture checks that nothing else failed


def test_the_responses_stream_helper(harness, recording, fake_provider, oai):
    fake_provider.reply("/responses", Reply.sse("openai.responses/stream.jsonl"))
    with oai.responses.stream(model="o4-mini", input="Weather in Rome?") as stream:
        types = [event.type for event in stream]
        final = stream.get_final_response()
    assert types[-1] == "response.completed"
    assert final.id == "resp_stream1"
    (g,) = exported(harness, recording)
    assert g["mode"] == "GENERATION_MODE_STREAM"
    assert g["response_id"] == "resp_stream1"
    assert g["input"][0]["parts"][0]["text"] == "Weather in Rome?"
    assert [p["tool_call"]["name"] for p in g["output"][0]["parts"] if "tool_call" in p] == ["get_weather"]


def test_the_engine_gets_the_bytes_that_went_over_the_wire(harness, recording, fake_provider, oai, monkeypatch):
    from sigil_sdk.instrumentation import _calls

    seen = []
    original = _calls.Call.wire_exchange
    monkeypatch.setattr(_calls.Call, "wire_exchange", lambda self, req, resp: (seen.append((req, resp)),
                                                                                original(self, req, resp))[1])
    fake_provider.reply("/chat/completions", Reply.json("openai.chat/response_text.json"))
    oai.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    ((sent, received),) = seen
    assert sent == fake_provider.requests[-1]["body"]
    assert json.loads(received) == json.loads(Reply.json("openai.chat/response_text.json").body)
    (g,) = exported(harness, recording)
    assert g["output"][0]["parts"][0]["text"]
