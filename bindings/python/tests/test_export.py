"""Generations arrive intact, over HTTP and gRPC, decoded by protobuf with unknown fields rejected."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest

import sigil_sdk as sigil
from sigil_sdk import (
    Artifact,
    ArtifactKind,
    Generation,
    GenerationStart,
    Message,
    MessageRole,
    ModelRef,
    Part,
    PartKind,
    TokenUsage,
    ToolCall,
    ToolDefinition,
    ToolResult,
)

from conftest import generations

KIND = {"http": "http_exports", "grpc": "grpc_exports"}


def full_round_trip(client: sigil.Client) -> sigil.GenerationRecorder:
    rec = client.start_generation(GenerationStart(
        id="gen-py-1",
        conversation_id="conv-py",
        conversation_title="Weather",
        user_id="user-1",
        agent_name="agent-py",
        agent_version="1.2.3",
        model=ModelRef(provider="anthropic", name="claude-sonnet-4-5"),
        system_prompt="Be terse.",
        max_tokens=256,
        temperature=0.5,
        top_p=0.875,
        tool_choice="auto",
        thinking_enabled=False,
        tools=[ToolDefinition(name="weather", description="Looks up weather", type="function",
                              input_schema_json={"type": "object"}, deferred=True)],
        tags={"env": "test", "stage": "start"},
        metadata={"stage": "start", "attempt": 1, "nested": {"ok": True, "list": [1, "two", None]}},
        started_at=datetime(2026, 3, 12, 9, 0, 0, 123456, tzinfo=timezone.utc),
    ))
    err = rec.set_result(Generation(
        input=[
            sigil.user_text_message("Weather in Paris? ünï 👋"),
            Message(role=MessageRole.ASSISTANT, parts=[
                Part(kind=PartKind.THINKING, thinking="Need the tool."),
                sigil.tool_call_part(ToolCall(id="call-1", name="weather", input_json=b'{"city": "Paris"}')),
            ]),
            Message(role=MessageRole.TOOL, parts=[sigil.tool_result_part(ToolResult(
                tool_call_id="call-1", name="weather", content="18C", content_json={"temp_c": 18}))]),
        ],
        output=[sigil.assistant_text_message("18C and sunny.")],
        usage=TokenUsage(input_tokens=120, output_tokens=40, cache_read_input_tokens=30,
                         cache_write_input_tokens=10, cache_creation_input_tokens=5, reasoning_tokens=12),
        stop_reason="end_turn",
        response_id="resp-1",
        response_model="claude-sonnet-4-5-20250929",
        tags={"stage": "result"},
        metadata={"stage": "result", "when": datetime(2026, 1, 2, tzinfo=timezone.utc)},
        artifacts=[Artifact(kind=ArtifactKind.REQUEST, name="request", content_type="application/json",
                            payload=b'{"model":"claude"}')],
        completed_at=datetime(2026, 3, 12, 9, 0, 1, tzinfo=timezone.utc),
    ))
    assert err is None
    rec.end()
    assert rec.err() is None
    return rec


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_generation_arrives_intact(harness, make_client, protocol):
    client = make_client(protocol)
    rec = full_round_trip(client)
    client.flush()
    (g,) = generations(harness, kind=KIND[protocol])

    assert rec.id == g["id"] == "gen-py-1"
    assert g["conversation_id"] == "conv-py"
    assert g["mode"] == "GENERATION_MODE_SYNC"
    assert g["operation_name"] == "generateText"
    assert g["agent_name"] == "agent-py" and g["agent_version"] == "1.2.3"
    assert g["model"] == {"provider": "anthropic", "name": "claude-sonnet-4-5"}
    assert g["system_prompt"] == "Be terse."
    assert (g["max_tokens"], g["temperature"], g["top_p"]) == ("256", 0.5, 0.875)
    assert g["tool_choice"] == "auto" and g["thinking_enabled"] is False
    assert g["tools"][0]["deferred"] is True
    assert json.loads(g["tools"][0]["input_schema_json_text"]) == {"type": "object"}
    assert g["input"][0]["parts"][0]["text"] == "Weather in Paris? ünï 👋"
    assert g["input"][1]["parts"][0]["thinking"] == "Need the tool."
    call = g["input"][1]["parts"][1]["tool_call"]
    assert call["input_json_text"] == '{"city": "Paris"}'  # bytes are passed through exactly
    result = g["input"][2]["parts"][0]["tool_result"]
    assert json.loads(result["content_json_text"]) == {"temp_c": 18} and result["content"] == "18C"
    assert g["output"][0] == {"role": "MESSAGE_ROLE_ASSISTANT", "parts": [{"text": "18C and sunny."}]}
    assert g["usage"] == {"input_tokens": "120", "output_tokens": "40", "total_tokens": "160",
                          "cache_read_input_tokens": "30", "cache_write_input_tokens": "10",
                          "reasoning_tokens": "12"}
    assert (g["stop_reason"], g["response_id"], g["response_model"]) == (
        "end_turn", "resp-1", "claude-sonnet-4-5-20250929")
    assert g["tags"] == {"env": "test", "stage": "result"}
    md = g["metadata"]
    assert md["stage"] == "result" and md["attempt"] == 1 and md["nested"] == {"ok": True, "list": [1, "two", None]}
    assert md["when"] == "2026-01-02T00:00:00+00:00"
    assert md["sigil.sdk.name"] == "sdk-python"
    assert md["sigil.conversation.title"] == "Weather" and md["sigil.user.id"] == "user-1"
    assert base64.b64decode(g["raw_artifacts"][0]["payload"]) == b'{"model":"claude"}'
    assert g["raw_artifacts"][0]["kind"] == "ARTIFACT_KIND_REQUEST"
    assert g["started_at"] == "2026-03-12T09:00:00.123456Z"
    assert g["completed_at"] == "2026-03-12T09:00:01Z"
    assert len(g["trace_id"]) == 32 and len(g["span_id"]) == 16
    assert rec.traceparent == f"00-{g['trace_id']}-{g['span_id']}-01"


def test_keyword_result_and_streaming(harness, client):
    with client.start_streaming_generation(GenerationStart(model=ModelRef("openai", "gpt-5"))) as rec:
        rec.set_first_token_at()
        rec.set_result(output=[sigil.assistant_text_message("streamed")], usage=TokenUsage(input_tokens=3))
    assert rec.err() is None
    client.flush()
    (g,) = generations(harness)
    assert g["mode"] == "GENERATION_MODE_STREAM" and g["operation_name"] == "streamText"
    assert g["id"].startswith("gen_") and g["id"] == rec.id
    assert g["usage"]["total_tokens"] == "3"


def test_times_beyond_int64_nanoseconds_are_clamped(harness, client):
    # datetime reaches year 9999; int64 Unix nanoseconds end in 2262.
    with client.start_generation(GenerationStart(model=ModelRef("openai", "gpt-5"),
                                                 started_at=datetime(1, 1, 1, tzinfo=timezone.utc))) as rec:
        rec.set_result(completed_at=datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc))
    assert rec.err() is None
    client.flush()
    (g,) = generations(harness)
    assert g["started_at"] == "1677-09-21T00:12:43.145224193Z"
    assert g["completed_at"] == "2262-04-11T23:47:16.854775807Z"


def test_start_mode_overrides_the_method(harness, client):
    with client.start_generation(GenerationStart(model=ModelRef("openai", "gpt-5"),
                                                 mode=sigil.GenerationMode.STREAM)):
        pass
    client.flush()
    assert generations(harness)[0]["mode"] == "GENERATION_MODE_STREAM"


def test_set_result_rejects_mixed_arguments(client):
    rec = client.start_generation(GenerationStart(model=ModelRef("openai", "gpt-5")))
    with pytest.raises(ValueError):
        rec.set_result(Generation(), stop_reason="x")
    rec.end()


def test_tool_execution_and_embedding_are_spans_not_exports(harness, client):
    with client.start_tool_execution(sigil.ToolExecutionStart(tool_name="weather", tool_call_id="c1",
                                                              include_content=True)) as t:
        assert t.set_result(arguments={"city": "Paris"}, result="sunny") is None
    with client.start_embedding(sigil.EmbeddingStart(model=ModelRef("openai", "text-embedding-3-small"),
                                                     dimensions=256)) as e:
        e.set_result(sigil.EmbeddingResult(input_count=2, input_tokens=8, response_model="te3"))
    assert t.err() is None and e.err() is None
    client.flush()
    assert harness.captures("http_exports") == []
    names = {s["name"]: s for s in harness.wait("otlp_traces", 1)[0]["spans"]}
    tool = names["execute_tool weather"]
    assert json.loads(tool["attributes"]["gen_ai.tool.call.arguments"]) == {"city": "Paris"}
    assert tool["attributes"]["sigil.sdk.name"] == "sdk-python"
    emb = names["embeddings text-embedding-3-small"]
    assert emb["attributes"]["gen_ai.embeddings.input_count"] == 2
    assert emb["resource"]["telemetry.sdk.language"] == "python"


def test_telemetry_configuration(harness):
    from conftest import config_for

    cfg = config_for(harness, "none")
    cfg.embedding_capture = sigil.EmbeddingCaptureConfig(capture_input=True, max_input_items=1, max_text_length=5)
    cfg.service_name = "py-service"
    cfg.resource_attributes = {"deployment.environment": "test"}
    cfg.otlp_headers = {"X-Otlp": "yes"}
    with sigil.Client(cfg) as client:
        with client.start_embedding(sigil.EmbeddingStart(model=ModelRef("openai", "te3"))) as e:
            e.set_result(input_count=2, input_texts=["first text", "second"])
        snapshot = client.metrics_snapshot()
    assert any(m["name"] == "gen_ai.client.operation.duration" for m in snapshot["metrics"])
    cap = harness.wait("otlp_traces")[0]
    assert cap["headers"]["x-otlp"] == "yes"
    (span,) = cap["spans"]
    assert span["attributes"]["gen_ai.embeddings.input_texts"] == ["fi..."]
    assert span["resource"]["service.name"] == "py-service"
    assert span["resource"]["deployment.environment"] == "test"


def test_each_client_is_its_own_service_instance(harness):
    import os

    from conftest import config_for

    ids = []
    for i in range(2):
        with sigil.Client(config_for(harness, "none")) as client:
            with client.start_embedding(sigil.EmbeddingStart(model=ModelRef("openai", f"te-{i}"))) as e:
                e.set_result(input_count=1)
        (span,) = harness.wait("otlp_traces", i + 1)[i]["spans"]
        ids.append(span["resource"]["service.instance.id"])
        exe = os.path.basename(os.path.realpath("/proc/self/exe"))
        assert span["resource"]["service.name"] == f"unknown_service:{exe}"
    assert len(ids[0]) == 36 and len(ids[1]) == 36
    assert ids[0] != ids[1]
