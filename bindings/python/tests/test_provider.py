"""Provider JSON through the binding: the engine maps it; what arrives at the capture harness is what
a user sees. Bodies are the conformance fixtures (conformance/fixtures/providers)."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest

import sigil_sdk as sigil
from sigil_sdk import EmbeddingStart, GenerationStart, ModelRef

from conftest import events, fixture, generations, span_of, spans

UNSET = ModelRef("", "")  # the provider JSON names the model


@pytest.mark.parametrize("form", ["dict", "str", "bytes"])
def test_request_and_response_in_every_form_arrive_mapped(harness, client, form):
    def body(path: str):
        text = fixture(path)
        return {"dict": json.loads, "str": str, "bytes": str.encode}[form](text)

    with client.start_generation(GenerationStart(UNSET, id=f"gen-chat-{form}")) as rec:
        assert rec.set_provider_result("openai.chat", body("openai.chat/request.json"),
                                       body("openai.chat/response_tool_calls.json")) is None
    assert rec.err() is None
    client.flush()
    (g,) = generations(harness)
    assert g["model"] == {"provider": "openai", "name": "gpt-4o-2024-08-06"}
    assert g["response_id"] == "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG"
    assert g["stop_reason"] == "tool_calls"
    assert [p["tool_call"]["id"] for p in g["output"][0]["parts"]] == ["call_a1", "call_b2"]
    assert g["usage"]["cache_read_input_tokens"] == "1024"
    assert g["system_prompt"] == "You are a terse travel assistant.\n\nAnswer in metric units."


def test_stream_events_accumulate(harness, client):
    with client.start_streaming_generation(GenerationStart(UNSET, id="gen-stream")) as rec:
        for event in events("anthropic.messages/stream.jsonl"):
            assert rec.add_provider_event("anthropic.messages", event) is None
    client.flush()
    (g,) = generations(harness)
    assert g["mode"] == "GENERATION_MODE_STREAM"
    kinds = [next(k for k in p if k != "metadata") for p in g["output"][0]["parts"]]
    assert kinds == ["thinking", "text", "tool_call"]
    assert g["output"][0]["parts"][2]["tool_call"]["input_json_text"] == '{"city": "Lisbon"}'
    assert g["usage"]["output_tokens"] == "89"  # from message_delta, the last usage event


def test_stream_events_in_batches_keep_their_arrival_times(harness, client):
    def chunk(delta: dict, finish=None) -> str:
        return json.dumps({"id": "c1", "object": "chat.completion.chunk", "model": "gpt-5",
                           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})

    ms = 1_000_000
    t0 = (time.time_ns() // 1000 - 10_000_000) * 1000  # 10 s ago, on a microsecond (datetime's unit)
    chunks = [chunk({"role": "assistant"}), chunk({"content": "Hi"}), chunk({"content": " there"}),
              chunk({}, "stop")]
    arrived = [t0 + 100 * ms, t0 + 350 * ms, t0 + 600 * ms, t0 + 700 * ms]
    start = GenerationStart(UNSET, id="gen-batched", started_at=datetime.fromtimestamp(t0 / 1e9, timezone.utc))
    with client.start_streaming_generation(start) as rec:
        assert rec.add_provider_events("openai.chat", chunks[:1], arrived[:1]) is None  # no content yet
        assert rec.add_provider_events("openai.chat", chunks[1:], arrived[1:]) is None
        assert rec.add_provider_events("openai.chat", []) is None
        with pytest.raises(ValueError):
            rec.add_provider_events("openai.chat", chunks, arrived[:1])
    client.flush()
    (g,) = generations(harness)
    assert g["output"][0]["parts"][0]["text"] == "Hi there"
    assert g["stop_reason"] == "stop"
    (ttft,) = [p for m in client.metrics_snapshot()["metrics"] if m["name"].endswith("time_to_first_token")
               for p in m["points"]]
    assert ttft["sum"] == pytest.approx(0.35, abs=1e-6)  # the second event's arrival, not the hand-over


def test_a_malformed_body_is_returned_not_raised_and_marks_the_span(harness, client):
    with client.start_generation(GenerationStart(UNSET, id="gen-bad")) as rec:
        assert rec.set_provider_request("openai.chat", fixture("openai.chat/request.json")) is None
        problem = rec.set_provider_response("openai.chat", fixture("openai.chat/response_truncated.json"))
    assert isinstance(problem, sigil.MappingError)
    assert problem.name == "InvalidJSON"
    assert rec.err() is None  # the record itself is fine
    client.flush()
    (g,) = generations(harness)
    assert g["model"]["name"] == "gpt-4o-2024-08-06"  # the request still mapped
    span = span_of(harness, "gen-bad")
    assert span["attributes"]["error.type"] == "mapping_error"
    assert span["status"]["code"] == "STATUS_CODE_ERROR"


def test_an_unknown_api_is_the_callers_mistake(client):
    with client.start_generation(GenerationStart(model=ModelRef("openai", "gpt-5"))) as rec:
        with pytest.raises(sigil.InvalidArgumentError):
            rec.set_provider_response("openai.chat.v9", "{}")
        with pytest.raises(sigil.InvalidArgumentError):
            rec.add_provider_event("openai.embeddings", "{}")
        with pytest.raises(sigil.InvalidArgumentError):
            rec.add_provider_events("openai.chat.v9", ["{}"])


def test_raw_artifacts_only_when_asked(harness, client):
    with client.start_generation(GenerationStart(UNSET, id="gen-raw")) as rec:
        rec.set_provider_response("openai.chat", fixture("openai.chat/response_text.json"), raw_artifacts=True)
    with client.start_generation(GenerationStart(UNSET, id="gen-plain")) as rec:
        rec.set_provider_response("openai.chat", fixture("openai.chat/response_text.json"))
    client.flush()
    by_id = {g["id"]: g for g in generations(harness, 2)}
    kinds = [a["kind"] for a in by_id["gen-raw"].get("raw_artifacts", [])]
    assert "ARTIFACT_KIND_RESPONSE" in kinds
    assert "raw_artifacts" not in by_id["gen-plain"]


@pytest.mark.parametrize("how", ["set_result", "set_mapping_error"])
def test_a_callers_mapping_error_marks_the_span(harness, client, how):
    with client.start_generation(GenerationStart(id=f"gen-{how}", model=ModelRef("openai", "gpt-5"))) as rec:
        if how == "set_result":
            rec.set_result(output=[sigil.assistant_text_message("hi")],
                           mapping_error=ValueError("unexpected content block"))
        else:
            rec.set_result(output=[sigil.assistant_text_message("hi")])
            assert rec.set_mapping_error("unexpected content block") is None
    client.flush()
    assert generations(harness)[0]["output"][0]["parts"][0]["text"] == "hi"  # still exported
    span = span_of(harness, f"gen-{how}")
    assert span["attributes"]["error.type"] == "mapping_error"


def test_embedding_from_provider_json(harness, client):
    with client.start_embedding(EmbeddingStart(UNSET)) as rec:
        assert rec.set_provider_result("openai.embeddings", json.loads(fixture("openai.embeddings/request.json")),
                                       fixture("openai.embeddings/response.json")) is None
        with pytest.raises(sigil.InvalidArgumentError):
            rec.set_provider_result("openai.chat", response="{}")
    assert rec.err() is None
    client.flush()
    span = next(s for s in spans(harness) if s["name"].startswith("embeddings"))
    assert span["name"] == "embeddings text-embedding-3-small"
    assert span["attributes"]["gen_ai.embeddings.input_count"] == 2
    assert span["attributes"]["gen_ai.usage.input_tokens"] == 11


def test_a_provider_sdk_model_is_sent_as_its_wire_json(harness, client):
    from openai.types.chat import ChatCompletion

    response = ChatCompletion.model_validate_json(fixture("openai.chat/response_tool_calls.json"))
    with client.start_generation(GenerationStart(UNSET, id="gen-pydantic")) as rec:
        assert rec.set_provider_result("openai.chat", fixture("openai.chat/request.json"), response) is None
    client.flush()
    (g,) = generations(harness)
    assert g["response_id"] == "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG"
    assert [p["tool_call"]["id"] for p in g["output"][0]["parts"]] == ["call_a1", "call_b2"]
    assert g["usage"]["cache_read_input_tokens"] == "1024"
