"""The helpers' mappers (from_request_response, from_stream, embeddings): the engine's normalized
Generation / EmbeddingResult with the options applied, and the manual-instrumentation flow of the
reference READMEs (rec.set_result(mapper(...))) arriving at the capture harness."""

from __future__ import annotations

import json

from anthropic._models import construct_type as anthropic_construct
from anthropic.types import Message, RawMessageStreamEvent
from google.genai import types as genai_types
from openai.types import CreateEmbeddingResponse
from openai.types.chat import ChatCompletion, ChatCompletionChunk

import sigil_sdk as sigil
from sigil_sdk import ArtifactKind, GenerationMode, GenerationStart, MessageRole, ModelRef, PartKind
from sigil_sdk_anthropic import AnthropicOptions, AnthropicStreamSummary, messages
from sigil_sdk_gemini import GeminiOptions, GeminiStreamSummary, models
from sigil_sdk_openai import ChatCompletionsStreamSummary, OpenAIOptions, chat, embeddings

from conftest import events, fixture, generations

CHAT_REQUEST = json.loads(fixture("openai.chat/request.json"))
ANTHROPIC_REQUEST = json.loads(fixture("anthropic.messages/request.json"))


def completion() -> ChatCompletion:
    return ChatCompletion.model_validate_json(fixture("openai.chat/response_tool_calls.json"))


def chunks() -> list[ChatCompletionChunk]:
    return [ChatCompletionChunk.model_validate_json(line) for line in events("openai.chat/stream_tool_calls.jsonl")
            if line != "[DONE]"]


def test_chat_from_request_response_applies_the_options():
    options = OpenAIOptions(provider_name="azure-openai", conversation_id="conv-m", agent_name="a", agent_version="2",
                            tags={"t": "1"}, metadata={"m": "x"}, raw_artifacts=True)
    g = chat.completions.from_request_response(CHAT_REQUEST, completion(), options)
    assert isinstance(g, sigil.Generation)
    assert g.mode == GenerationMode.SYNC
    assert g.model == ModelRef("azure-openai", "gpt-4o-2024-08-06")
    assert (g.conversation_id, g.agent_name, g.agent_version) == ("conv-m", "a", "2")
    assert g.tags == {"t": "1"} and g.metadata["m"] == "x"
    assert g.response_id == "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG"
    assert [p.tool_call.id for p in g.output[0].parts] == ["call_a1", "call_b2"]
    assert [a.name for a in g.artifacts] == ["openai.chat.request", "openai.chat.tools", "openai.chat.response"]
    assert chat.completions.from_request_response(CHAT_REQUEST, completion()).artifacts == []


def test_chat_from_stream_uses_the_events_then_the_text():
    g = chat.completions.from_stream(CHAT_REQUEST, ChatCompletionsStreamSummary(events=chunks()),
                                     OpenAIOptions(raw_artifacts=True))
    assert g.mode == GenerationMode.STREAM
    assert any(p.kind == PartKind.TOOL_CALL for p in g.output[0].parts)
    assert (ArtifactKind.PROVIDER_EVENT, "openai.chat.stream_events") in [(a.kind, a.name) for a in g.artifacts]
    text_only = chat.completions.from_stream(CHAT_REQUEST, ChatCompletionsStreamSummary(output_text=" done "))
    assert text_only.output[0].role == MessageRole.ASSISTANT
    assert text_only.output[0].parts[0].text == "done"
    assert text_only.input  # the request is mapped too


def test_partial_provider_data_is_mapped_not_raised():
    g = chat.completions.from_request_response(CHAT_REQUEST, fixture("openai.chat/response_truncated.json"))
    assert g.model.name == "gpt-4o-2024-08-06"  # what could be mapped


def test_embeddings_mappers():
    result = embeddings.from_request_response(
        json.loads(fixture("openai.embeddings/request.json")),
        CreateEmbeddingResponse.model_validate_json(fixture("openai.embeddings/response.json")))
    assert isinstance(result, sigil.EmbeddingResult)
    assert result.input_count == 2
    assert result.input_texts == ["The food was delicious.", "The waiter was friendly."]
    assert result.input_tokens == 11
    assert result.dimensions == 4
    gemini = models.embedding_from_response(
        "gemini-embedding-001", ["alpha", genai_types.Content(parts=[genai_types.Part(text="beta")])],
        genai_types.EmbedContentConfig(output_dimensionality=256),
        genai_types.EmbedContentResponse.model_validate_json(fixture("gemini.embed_content/response_batch.json")))
    assert (gemini.input_count, gemini.input_texts, gemini.input_tokens, gemini.dimensions) == (
        2, ["alpha", "beta"], 5, 3)


def test_anthropic_mappers():
    message = anthropic_construct(type_=Message, value=json.loads(fixture("anthropic.messages/response.json")))
    g = messages.from_request_response(ANTHROPIC_REQUEST, message, AnthropicOptions(raw_artifacts=True))
    assert g.model.provider == "anthropic"
    assert g.stop_reason == "tool_use"
    assert [a.name for a in g.artifacts] == ["anthropic.request", "anthropic.tools", "anthropic.response"]
    stream = [anthropic_construct(type_=RawMessageStreamEvent, value=json.loads(line))
              for line in events("anthropic.messages/stream.jsonl") if json.loads(line)["type"] != "ping"]
    s = messages.from_stream(ANTHROPIC_REQUEST, AnthropicStreamSummary(events=stream))
    assert s.mode == GenerationMode.STREAM
    assert [p.kind for p in s.output[0].parts] == [PartKind.THINKING, PartKind.TEXT, PartKind.TOOL_CALL]


def test_gemini_mappers():
    contents = [genai_types.Content(role="user", parts=[genai_types.Part(text="What plant is this?")])]
    config = genai_types.GenerateContentConfig(max_output_tokens=64)
    response = genai_types.GenerateContentResponse.model_validate_json(fixture("gemini.generate_content/response.json"))
    g = models.from_request_response("gemini-2.5-flash", contents, config, response, GeminiOptions(agent_name="b"))
    assert g.model == ModelRef("gemini", "gemini-2.5-flash")
    assert (g.agent_name, g.max_tokens, g.stop_reason) == ("b", 64, "STOP")
    assert g.input[0].parts[0].text == "What plant is this?"
    chunk_list = [genai_types.GenerateContentResponse.model_validate_json(line)
                  for line in events("gemini.generate_content/stream.jsonl")]
    s = models.from_stream("gemini-2.5-flash", contents, config, GeminiStreamSummary(responses=chunk_list))
    assert s.mode == GenerationMode.STREAM
    assert s.output


def test_the_manual_flow_exports_the_mapped_generation(harness, client):
    request = CHAT_REQUEST
    opts = OpenAIOptions(conversation_id="conv-manual", agent_name="assistant")
    with client.start_generation(GenerationStart(
            conversation_id=opts.conversation_id, agent_name=opts.agent_name,
            model=ModelRef(provider=opts.provider_name, name=request["model"]))) as rec:
        rec.set_result(chat.completions.from_request_response(request, completion(), opts))
    assert rec.err() is None
    client.flush()
    (g,) = generations(harness)
    assert g["conversation_id"] == "conv-manual"
    assert g["model"] == {"provider": "openai", "name": "gpt-4o-2024-08-06"}
    assert [p["tool_call"]["id"] for p in g["output"][0]["parts"]] == ["call_a1", "call_b2"]
