"""sigil_sdk_anthropic, the reference-named Anthropic helpers: real anthropic SDK objects built from the
engine's provider fixtures go through the wrappers; what arrives at the capture harness is what a user sees."""

from __future__ import annotations

import asyncio
import json

import anthropic
import httpx2  # the transport these SDK versions use
import pytest
from anthropic._models import construct_type
from anthropic.types import Message, RawMessageStreamEvent

import sigil_sdk_anthropic
from sigil_sdk_anthropic import AnthropicOptions, AnthropicStreamSummary, messages

from conftest import events, fixture, generations, span_of

REQUEST = json.loads(fixture("anthropic.messages/request.json"))


def sdk_object(type_: type, text: str):
    """Decoded the way the anthropic SDK decodes what the API sends (leniently: fixtures carry fields
    newer than its types), so the object is what a caller gets."""
    return construct_type(type_=type_, value=json.loads(text))


def message() -> Message:
    return sdk_object(Message, fixture("anthropic.messages/response.json"))


def stream_events() -> list:
    # As the SDK's stream yields them: without the keep-alive pings.
    return [sdk_object(RawMessageStreamEvent, line) for line in events("anthropic.messages/stream.jsonl")
            if json.loads(line)["type"] != "ping"]


def api_error(status: int) -> anthropic.APIStatusError:
    request = httpx2.Request("POST", "https://api.anthropic.com/v1/messages")
    response = httpx2.Response(status, request=request, json={"type": "error"})
    error_type = {429: anthropic.RateLimitError, 500: anthropic.InternalServerError}[status]
    return error_type(f"Error code: {status}", response=response, body=None)


def raise_(error: BaseException):
    raise error


def test_messages_create_records_the_mapped_call(harness, client):
    response = message()
    got = messages.create(client, REQUEST, lambda request: response,
                          AnthropicOptions(conversation_id="conv-a", agent_name="fixer", tags={"k": "v"}))
    assert got is response
    client.flush()
    (g,) = generations(harness)
    assert g["mode"] == "GENERATION_MODE_SYNC"
    assert g["model"]["provider"] == "anthropic"
    assert g["model"]["name"] == REQUEST["model"]
    assert g["response_model"] == "claude-sonnet-4-5-20250929"
    assert (g["conversation_id"], g["agent_name"], g["tags"]["k"]) == ("conv-a", "fixer", "v")
    kinds = [next(k for k in p if k != "metadata") for p in g["output"][0]["parts"]]
    assert kinds == ["thinking", "text", "tool_call"]
    assert g["stop_reason"] == "tool_use"
    assert g["metadata"]["sigil.gen_ai.request.thinking.budget_tokens"] == REQUEST["thinking"]["budget_tokens"]
    assert "raw_artifacts" not in g


def test_messages_stream_accumulates_the_events(harness, client):
    summary = AnthropicStreamSummary(events=stream_events())
    assert messages.stream(client, {**REQUEST, "stream": True}, lambda request: summary,
                           AnthropicOptions(raw_artifacts=True)) is summary
    client.flush()
    (g,) = generations(harness)
    assert g["mode"] == "GENERATION_MODE_STREAM"
    kinds = [next(k for k in p if k != "metadata") for p in g["output"][0]["parts"]]
    assert kinds == ["thinking", "text", "tool_call"]
    assert g["usage"]["output_tokens"] == "89"
    names = [(a["kind"], a["name"]) for a in g["raw_artifacts"]]
    assert names == [("ARTIFACT_KIND_REQUEST", "anthropic.request"), ("ARTIFACT_KIND_TOOLS", "anthropic.tools"),
                     ("ARTIFACT_KIND_PROVIDER_EVENT", "anthropic.stream_events")]
    assert "error.type" not in span_of(harness, g["id"])["attributes"]


@pytest.mark.parametrize("status,category", [(429, "rate_limit"), (500, "server_error")])
def test_a_provider_error_is_recorded_and_re_raised_unchanged(harness, client, status, category):
    error = api_error(status)
    with pytest.raises(anthropic.APIStatusError) as raised:
        messages.create(client, REQUEST, lambda request: raise_(error))
    assert raised.value is error
    client.flush()
    (g,) = generations(harness)
    assert g["call_error"] == f"Error code: {status}"
    span = span_of(harness, g["id"])
    assert span["attributes"]["error.type"] == "provider_call_error"
    assert span["attributes"]["error.category"] == category


def test_async_variants(harness, client):
    async def value(v):
        return v

    async def run():
        await messages.create_async(client, REQUEST, lambda request: value(message()),
                                    AnthropicOptions(conversation_id="a-create"))
        await messages.stream_async(client, REQUEST,
                                    lambda request: value(AnthropicStreamSummary(events=stream_events())),
                                    AnthropicOptions(conversation_id="a-stream"))

    asyncio.run(run())
    client.flush()
    by_conv = {g["conversation_id"]: g for g in generations(harness, 2)}
    assert by_conv["a-create"]["mode"] == "GENERATION_MODE_SYNC"
    assert by_conv["a-stream"]["mode"] == "GENERATION_MODE_STREAM"
    assert by_conv["a-stream"]["output"]


def test_there_is_no_embeddings_namespace():
    assert sigil_sdk_anthropic.__all__ == ["AnthropicOptions", "AnthropicStreamSummary", "messages"]
    assert not hasattr(sigil_sdk_anthropic, "embeddings")


def test_a_stream_that_ended_early_keeps_what_arrived_and_marks_the_span(harness, client):
    early = [sdk_object(RawMessageStreamEvent, line) for line in events("anthropic.messages/stream_early_end.jsonl")
             if json.loads(line)["type"] != "ping"]
    summary = AnthropicStreamSummary(events=early)
    assert messages.stream(client, REQUEST, lambda request: summary) is summary
    client.flush()
    (g,) = generations(harness)
    assert g["output"][0]["parts"]  # the partial output
    assert span_of(harness, g["id"])["attributes"]["error.type"] == "mapping_error"
