"""sigil_sdk_gemini, the reference-named Gemini helpers: real google-genai objects built from the engine's
provider fixtures go through the wrappers; what arrives at the capture harness is what a user sees."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from google.genai import errors as genai_errors
from google.genai import types

from sigil_sdk_gemini import GeminiOptions, GeminiStreamSummary, models

from conftest import events, fixture, generations, span_of, wait_span

MODEL = "gemini-2.5-flash"


def contents() -> list[types.Content]:
    return [
        types.Content(role="user", parts=[types.Part(text="What plant is this?")]),
        types.Content(role="user", parts=[types.Part(function_response=types.FunctionResponse(
            id="fc-1", name="lookup_plant", response={"family": "Araceae"}))]),
    ]


def config() -> types.GenerateContentConfig:
    rest = json.loads(fixture("gemini.generate_content/request.json"))
    return types.GenerateContentConfig.model_validate({
        "systemInstruction": rest["systemInstruction"], "tools": rest["tools"], "toolConfig": rest["toolConfig"],
        **rest["generationConfig"]})


def response() -> types.GenerateContentResponse:
    return types.GenerateContentResponse.model_validate_json(fixture("gemini.generate_content/response.json"))


def chunks() -> list[types.GenerateContentResponse]:
    return [types.GenerateContentResponse.model_validate_json(line)
            for line in events("gemini.generate_content/stream.jsonl")]


def api_error(status: int) -> genai_errors.APIError:
    request = httpx.Request("POST", f"https://generativelanguage.googleapis.com/v1beta/models/{MODEL}:generateContent")
    body = {"error": {"code": status, "message": "quota", "status": "RESOURCE_EXHAUSTED"}}
    error_type = genai_errors.ClientError if status < 500 else genai_errors.ServerError
    return error_type(status, body, httpx.Response(status, request=request, json=body))


def raise_(error: BaseException):
    raise error


def test_generate_content_records_the_mapped_call(harness, client):
    resp = response()
    got = models.generate_content(client, MODEL, contents(), config(), lambda m, c, cfg: resp,
                                  GeminiOptions(conversation_id="conv-g", agent_name="botanist"))
    assert got is resp
    client.flush()
    (g,) = generations(harness)
    assert g["mode"] == "GENERATION_MODE_SYNC"
    assert g["model"] == {"provider": "gemini", "name": MODEL}
    assert (g["conversation_id"], g["agent_name"]) == ("conv-g", "botanist")
    assert g["system_prompt"] == "You are a helpful botanist."
    assert g["max_tokens"] == "1024"
    assert g["tool_choice"] == "auto"
    assert [t["name"] for t in g["tools"]] == ["lookup_plant"]
    assert [m["role"] for m in g["input"]] == ["MESSAGE_ROLE_USER", "MESSAGE_ROLE_TOOL"]
    assert g["stop_reason"] == "STOP"
    assert g["usage"]["reasoning_tokens"] == "120"
    assert g["metadata"]["sigil.gen_ai.request.thinking.budget_tokens"] == 512
    assert "raw_artifacts" not in g


def test_generate_content_stream_accumulates_the_chunks(harness, client):
    summary = GeminiStreamSummary(responses=chunks())
    got = models.generate_content_stream(client, MODEL, "What plant is this?", None, lambda m, c, cfg: summary,
                                         GeminiOptions(raw_artifacts=True))
    assert got is summary
    client.flush()
    (g,) = generations(harness)
    assert g["mode"] == "GENERATION_MODE_STREAM"
    assert g["input"][0]["parts"][0]["text"] == "What plant is this?"
    texts = [p["text"] for p in g["output"][0]["parts"] if "text" in p]
    assert texts and texts[-1]  # the chunks' text, joined
    names = [(a["kind"], a["name"]) for a in g["raw_artifacts"]]
    assert ("ARTIFACT_KIND_REQUEST", "gemini.generate_content.request") in names
    assert ("ARTIFACT_KIND_PROVIDER_EVENT", "gemini.generate_content.stream_events") in names
    assert "error.type" not in span_of(harness, g["id"])["attributes"]


@pytest.mark.parametrize("status,category", [(429, "rate_limit"), (500, "server_error")])
def test_a_provider_error_is_recorded_and_re_raised_unchanged(harness, client, status, category):
    error = api_error(status)
    with pytest.raises(genai_errors.APIError) as raised:
        models.generate_content(client, MODEL, contents(), config(), lambda m, c, cfg: raise_(error))
    assert raised.value is error
    client.flush()
    (g,) = generations(harness)
    assert g["model"] == {"provider": "gemini", "name": MODEL}
    span = span_of(harness, g["id"])
    assert span["attributes"]["error.type"] == "provider_call_error"
    assert span["attributes"]["error.category"] == category


def test_embed_content_records_an_embedding_span(harness, client):
    resp = types.EmbedContentResponse.model_validate_json(fixture("gemini.embed_content/response_batch.json"))
    got = models.embed_content(client, "gemini-embedding-001", ["What is the meaning of life?", "Why?"],
                               types.EmbedContentConfig(output_dimensionality=3), lambda m, c, cfg: resp)
    assert got is resp
    client.flush()
    span = wait_span(harness, lambda s: s["name"].startswith("embeddings"), "the embedding")
    assert span["name"] == "embeddings gemini-embedding-001"
    assert span["attributes"]["gen_ai.provider.name"] == "gemini"
    assert span["attributes"]["gen_ai.embeddings.input_count"] == 2
    assert span["attributes"]["gen_ai.usage.input_tokens"] == 5
    assert span["attributes"]["gen_ai.embeddings.dimension.count"] == 3


def test_async_variants(harness, client):
    async def value(v):
        return v

    async def run():
        await models.generate_content_async(client, MODEL, contents(), config(), lambda m, c, cfg: value(response()),
                                            GeminiOptions(conversation_id="a-create"))
        await models.generate_content_stream_async(
            client, MODEL, contents(), None, lambda m, c, cfg: value(GeminiStreamSummary(responses=chunks())),
            GeminiOptions(conversation_id="a-stream"))
        with pytest.raises(genai_errors.ClientError):
            await models.embed_content_async(client, "gemini-embedding-001", ["x"], None,
                                             lambda m, c, cfg: value(raise_(api_error(429))))

    asyncio.run(run())
    client.flush()
    by_conv = {g["conversation_id"]: g for g in generations(harness, 2)}
    assert by_conv["a-create"]["mode"] == "GENERATION_MODE_SYNC"
    assert by_conv["a-stream"]["mode"] == "GENERATION_MODE_STREAM"
    assert by_conv["a-stream"]["output"]
    span = wait_span(harness, lambda s: s["name"].startswith("embeddings"), "the embedding")
    assert span["attributes"]["error.category"] == "rate_limit"
