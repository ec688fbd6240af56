"""sigil_sdk_openai, the reference-named OpenAI helpers: real openai SDK objects built from the engine's
provider fixtures go through the wrappers; what arrives at the capture harness is what a user sees."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx2  # the transport these SDK versions use
import openai
import pytest
from openai.types import CreateEmbeddingResponse
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.responses import Response, ResponseStreamEvent
from openai._models import construct_type

import sigil_sdk as sigil
from sigil_sdk_openai import ChatCompletionsStreamSummary, OpenAIOptions, ResponsesStreamSummary, chat, embeddings, \
    responses

from conftest import events, fixture, generations, span_of, wait_span

CHAT_REQUEST = json.loads(fixture("openai.chat/request.json"))
RESPONSES_REQUEST = json.loads(fixture("openai.responses/request.json"))
EMBEDDINGS_REQUEST = json.loads(fixture("openai.embeddings/request.json"))


def completion(name: str = "response_tool_calls.json") -> ChatCompletion:
    return ChatCompletion.model_validate_json(fixture(f"openai.chat/{name}"))


def chunks(name: str = "stream_tool_calls.jsonl") -> list[ChatCompletionChunk]:
    return [ChatCompletionChunk.model_validate_json(line) for line in events(f"openai.chat/{name}")
            if line != "[DONE]"]  # the SSE terminator, not a chunk


def sdk_object(type_: type, text: str):
    """Decoded the way the openai SDK decodes what the API sends (leniently: fixtures carry fields
    newer than its types), so the object is what a caller gets."""
    return construct_type(type_=type_, value=json.loads(text))


def responses_response(name: str = "response.json") -> Response:
    return sdk_object(Response, fixture(f"openai.responses/{name}"))


def response_events(name: str = "stream.jsonl") -> list:
    return [sdk_object(ResponseStreamEvent, line) for line in events(f"openai.responses/{name}")]


def api_error(status: int) -> openai.APIStatusError:
    request = httpx2.Request("POST", "https://api.openai.com/v1/chat/completions")
    response = httpx2.Response(status, request=request, json={"error": {"message": "slow down"}})
    error_type = {429: openai.RateLimitError, 500: openai.InternalServerError}[status]
    return error_type(f"Error code: {status}", response=response, body={"message": "slow down"})


def raise_(error: BaseException):
    raise error


def artifact_names(g: dict) -> list[tuple[str, str]]:
    return [(a["kind"], a["name"]) for a in g.get("raw_artifacts", [])]


def test_chat_create_records_the_mapped_call_and_returns_the_response(harness, client):
    response = completion()
    options = OpenAIOptions(conversation_id="conv-1", agent_name="assistant", agent_version="1.0.0",
                            tags={"team": "travel"}, metadata={"tenant": "t-1"})
    got = chat.completions.create(client, CHAT_REQUEST, lambda request: response, options)
    assert got is response
    client.flush()
    (g,) = generations(harness)
    assert g["mode"] == "GENERATION_MODE_SYNC"
    assert g["model"] == {"provider": "openai", "name": "gpt-4o-2024-08-06"}
    assert (g["conversation_id"], g["agent_name"], g["agent_version"]) == ("conv-1", "assistant", "1.0.0")
    assert g["tags"]["team"] == "travel"
    assert g["metadata"]["tenant"] == "t-1"
    assert g["system_prompt"] == "You are a terse travel assistant.\n\nAnswer in metric units."
    assert g["response_id"] == "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG"
    assert [p["tool_call"]["id"] for p in g["output"][0]["parts"]] == ["call_a1", "call_b2"]
    assert g["stop_reason"] == "tool_calls"
    assert g["usage"]["cache_read_input_tokens"] == "1024"
    assert "raw_artifacts" not in g  # off by default, as in the reference


def test_raw_artifacts_carry_the_reference_names(harness, client):
    def raw(conversation_id: str) -> OpenAIOptions:
        return OpenAIOptions(conversation_id=conversation_id, raw_artifacts=True)

    chat.completions.create(client, CHAT_REQUEST, lambda request: completion(), raw("chat"))
    chat.completions.stream(client, {**CHAT_REQUEST, "stream": True},
                            lambda request: ChatCompletionsStreamSummary(events=chunks()), raw("chat-stream"))
    responses.create(client, RESPONSES_REQUEST, lambda request: responses_response(), raw("responses"))
    client.flush()
    by_conv = {g["conversation_id"]: artifact_names(g) for g in generations(harness, 3)}
    assert by_conv["chat"] == [("ARTIFACT_KIND_REQUEST", "openai.chat.request"),
                               ("ARTIFACT_KIND_TOOLS", "openai.chat.tools"),
                               ("ARTIFACT_KIND_RESPONSE", "openai.chat.response")]
    assert ("ARTIFACT_KIND_REQUEST", "openai.chat.request") in by_conv["chat-stream"]
    assert ("ARTIFACT_KIND_PROVIDER_EVENT", "openai.chat.stream_events") in by_conv["chat-stream"]
    assert {name for _, name in by_conv["responses"]} >= {"openai.responses.request", "openai.responses.response"}


def test_chat_stream_events_are_accumulated_by_the_engine(harness, client):
    summary = ChatCompletionsStreamSummary(events=chunks())
    got = chat.completions.stream(client, {**CHAT_REQUEST, "stream": True}, lambda request: summary,
                                  OpenAIOptions(agent_name="streamer"))
    assert got is summary
    client.flush()
    (g,) = generations(harness)
    assert g["mode"] == "GENERATION_MODE_STREAM"
    assert g["agent_name"] == "streamer"
    assert g["model"]["name"] == "gpt-4o-2024-08-06"
    assert g["input"]  # the request is mapped too
    assert [p["tool_call"]["name"] for p in g["output"][0]["parts"] if "tool_call" in p]
    span = span_of(harness, g["id"])
    assert "error.type" not in span["attributes"]
    # The events were collected before the wrapper saw them: no time to first token is made up.
    ttft = [m for m in client.metrics_snapshot()["metrics"] if m["name"] == "gen_ai.client.time_to_first_token"]
    assert not any(p["count"] for m in ttft for p in m["points"])


def test_a_stream_summary_without_events_uses_its_final_response_or_its_text(harness, client):
    chat.completions.stream(client, CHAT_REQUEST,
                            lambda request: ChatCompletionsStreamSummary(final_response=completion("response_text.json")),
                            OpenAIOptions(conversation_id="final"))
    chat.completions.stream(client, CHAT_REQUEST,
                            lambda request: ChatCompletionsStreamSummary(output_text="  Paris: 18 °C. "),
                            OpenAIOptions(conversation_id="text"))
    chat.completions.stream(client, CHAT_REQUEST, lambda request: ChatCompletionsStreamSummary(events=[]),
                            OpenAIOptions(conversation_id="empty"))
    client.flush()
    by_conv = {g["conversation_id"]: g for g in generations(harness, 3)}
    assert by_conv["final"]["output"][0]["parts"][0]["text"] == "Paris: 18 °C, clear. Oslo: 7 °C, rain."
    assert by_conv["final"]["usage"]["input_tokens"] == "210"
    assert by_conv["text"]["output"][0]["parts"][0]["text"] == "Paris: 18 °C."
    assert by_conv["text"]["input"]  # the request still mapped around the seeded output
    assert "output" not in by_conv["empty"]
    for g in by_conv.values():
        assert g["mode"] == "GENERATION_MODE_STREAM"
        assert "error.type" not in span_of(harness, g["id"])["attributes"]


def test_provider_name_replaces_the_apis_provider(harness, client):
    chat.completions.create(client, CHAT_REQUEST, lambda request: completion(),
                            OpenAIOptions(provider_name="azure-openai"))
    client.flush()
    (g,) = generations(harness)
    assert g["model"] == {"provider": "azure-openai", "name": "gpt-4o-2024-08-06"}


@pytest.mark.parametrize("status,category", [(429, "rate_limit"), (500, "server_error")])
def test_a_provider_error_is_recorded_and_re_raised_unchanged(harness, client, status, category):
    error = api_error(status)
    with pytest.raises(openai.APIStatusError) as raised:
        chat.completions.create(client, CHAT_REQUEST, lambda request: raise_(error))
    assert raised.value is error
    client.flush()
    (g,) = generations(harness)
    assert g["call_error"] == f"Error code: {status}"
    assert g["model"] == {"provider": "openai", "name": "gpt-4o-2024-08-06"}  # the request still mapped
    assert "output" not in g
    span = span_of(harness, g["id"])
    assert span["attributes"]["error.type"] == "provider_call_error"
    assert span["attributes"]["error.category"] == category
    assert span["status"]["code"] == "STATUS_CODE_ERROR"


def test_responses_create_and_stream(harness, client):
    response = responses_response()
    assert responses.create(client, RESPONSES_REQUEST, lambda request: response) is response
    summary = ResponsesStreamSummary(events=response_events())
    assert responses.stream(client, {**RESPONSES_REQUEST, "stream": True}, lambda request: summary) is summary
    client.flush()
    by_mode = {g["mode"]: g for g in generations(harness, 2)}
    sync, stream = by_mode["GENERATION_MODE_SYNC"], by_mode["GENERATION_MODE_STREAM"]
    assert sync["response_id"] == response.id
    assert sync["model"]["provider"] == "openai"
    assert sync["output"] and stream["output"]
    assert stream["stop_reason"]
    for g in (sync, stream):
        assert "error.type" not in span_of(harness, g["id"])["attributes"]


def test_embeddings_create_records_an_embedding_span(harness, client):
    response = CreateEmbeddingResponse.model_validate_json(fixture("openai.embeddings/response.json"))
    got = embeddings.create(client, EMBEDDINGS_REQUEST, lambda request: response, OpenAIOptions(agent_name="indexer"))
    assert got is response
    client.flush()
    span = wait_span(harness, lambda s: s["name"].startswith("embeddings"), "the embedding")
    assert span["name"] == "embeddings text-embedding-3-small"
    assert span["attributes"]["gen_ai.provider.name"] == "openai"
    assert span["attributes"]["gen_ai.agent.name"] == "indexer"
    assert span["attributes"]["gen_ai.embeddings.input_count"] == 2
    assert span["attributes"]["gen_ai.usage.input_tokens"] == 11


def test_embeddings_error_is_recorded_and_re_raised(harness, client):
    error = api_error(429)
    with pytest.raises(openai.RateLimitError) as raised:
        embeddings.create(client, EMBEDDINGS_REQUEST, lambda request: raise_(error))
    assert raised.value is error
    client.flush()
    span = wait_span(harness, lambda s: s["name"].startswith("embeddings"), "the embedding")
    assert span["attributes"]["error.type"] == "provider_call_error"
    assert span["attributes"]["error.category"] == "rate_limit"


def test_async_variants(harness, client):
    async def value(v):
        return v

    async def run():
        r1 = await chat.completions.create_async(client, CHAT_REQUEST, lambda request: value(completion()),
                                                 OpenAIOptions(conversation_id="a-create"))
        r2 = await chat.completions.stream_async(
            client, CHAT_REQUEST, lambda request: value(ChatCompletionsStreamSummary(events=chunks())),
            OpenAIOptions(conversation_id="a-stream"))
        r3 = await responses.stream_async(
            client, RESPONSES_REQUEST, lambda request: value(ResponsesStreamSummary(events=response_events())),
            OpenAIOptions(conversation_id="a-responses"))
        r4 = await embeddings.create_async(client, EMBEDDINGS_REQUEST, lambda request: value(
            CreateEmbeddingResponse.model_validate_json(fixture("openai.embeddings/response.json"))))
        with pytest.raises(openai.RateLimitError):
            await responses.create_async(client, RESPONSES_REQUEST, lambda request: value(raise_(api_error(429))),
                                         OpenAIOptions(conversation_id="a-error"))
        return r1, r2, r3, r4

    results = asyncio.run(run())
    assert all(r is not None for r in results)
    client.flush()
    by_conv = {g["conversation_id"]: g for g in generations(harness, 3)}
    assert by_conv["a-create"]["mode"] == "GENERATION_MODE_SYNC"
    assert by_conv["a-stream"]["mode"] == "GENERATION_MODE_STREAM"
    assert by_conv["a-responses"]["mode"] == "GENERATION_MODE_STREAM"
    assert by_conv["a-create"]["output"] and by_conv["a-stream"]["output"] and by_conv["a-responses"]["output"]


def test_a_request_that_is_not_json_still_returns_the_response(harness, client):
    response = completion()
    request = {**CHAT_REQUEST, "timeout": object()}  # e.g. a client-side option object
    assert chat.completions.create(client, request, lambda r: response) is response
    client.flush()
    (g,) = generations(harness)
    assert g["response_id"] == response.id  # the response still mapped
    assert span_of(harness, g["id"])["attributes"]["error.type"] == "mapping_error"


def test_a_recording_problem_never_reaches_the_call(harness, make_client, caplog):
    client = make_client()
    client.shutdown()
    response = completion()
    with caplog.at_level(logging.WARNING, logger="sigil_sdk"):
        assert chat.completions.create(client, CHAT_REQUEST, lambda request: response) is response
        assert embeddings.create(client, EMBEDDINGS_REQUEST, lambda request: "ok") == "ok"
    assert "not recorded" in caplog.text


def test_context_identity_applies_when_the_options_leave_it_unset(harness, client):
    with sigil.with_conversation_id("conv-ctx"), sigil.with_agent_name("ctx-agent"):
        chat.completions.create(client, CHAT_REQUEST, lambda request: completion())
        chat.completions.stream(client, CHAT_REQUEST, lambda request: ChatCompletionsStreamSummary(events=chunks()))
    client.flush()
    for g in generations(harness, 2):
        assert (g["conversation_id"], g["agent_name"]) == ("conv-ctx", "ctx-agent")
