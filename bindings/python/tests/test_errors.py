"""Engine status codes become the reference SDK's exception classes; recording never raises."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

import sigil_sdk as sigil
from sigil_sdk import Generation, GenerationStart, Message, MessageRole, ModelRef, Part, PartKind, ToolCall

from conftest import config_for, generations, spans

MODEL = ModelRef("openai", "gpt-5")


def test_validation_error_names_the_field_and_nothing_is_exported(harness, client):
    rec = client.start_generation(GenerationStart(model=MODEL, id="bad"))
    rec.set_result(Generation(input=[Message(role=MessageRole.USER, parts=[
        Part(kind=PartKind.TOOL_CALL, tool_call=ToolCall(name="weather"))])]))
    rec.end()
    err = rec.err()
    assert isinstance(err, sigil.ValidationError) and isinstance(err, ValueError)
    assert err.code == 2 and err.status == "SIGIL_E_VALIDATION"
    assert "input[0].parts[0]" in str(err)
    with client.start_generation(GenerationStart(model=MODEL, id="good")):
        pass
    client.flush()
    assert [g["id"] for g in generations(harness)] == ["good"]
    assert client.stats()["validation_failures"] == 1
    by_id = {s["attributes"].get("sigil.generation.id"): s for s in spans(harness)}
    assert by_id["bad"]["attributes"]["error.type"] == "validation_error"


def test_validate_generation():
    sigil.validate_generation(Generation(model=MODEL, output=[sigil.assistant_text_message("ok")]))
    with pytest.raises(sigil.ValidationError, match="model.provider"):
        sigil.validate_generation(Generation())
    with pytest.raises(ValueError):  # the reference raised ValueError; ValidationError is one
        sigil.validate_generation(Generation(model=MODEL, input=[Message(role=MessageRole.USER, parts=[])]))


def test_invalid_utf8_is_reported_not_sent(harness, client):
    rec = client.start_generation(GenerationStart(model=MODEL, conversation_id="bad \ud800 id"))
    rec.end()
    assert isinstance(rec.err(), sigil.ValidationError) and rec.err().status == "SIGIL_E_INVALID_UTF8"
    assert "conversation_id" in str(rec.err())
    rec = client.start_generation(GenerationStart(model=MODEL))
    err = rec.set_result(output=[sigil.assistant_text_message("lone \udc80 surrogate")])
    assert err is not None and err.status == "SIGIL_E_INVALID_UTF8"
    rec.end()
    assert rec.err().status == "SIGIL_E_INVALID_UTF8"
    client.flush()
    assert harness.captures("http_exports") == []


def test_provider_error_is_exported_not_raised(harness, client):
    class RateLimited(Exception):
        status_code = 429

    with pytest.raises(RateLimited):
        with client.start_generation(GenerationStart(model=MODEL, id="failed")) as rec:
            rec.set_result(input=[sigil.user_text_message("hi")])
            raise RateLimited("slow down")
    assert rec.err() is None and rec.ended
    client.flush()
    (g,) = generations(harness)
    assert g["call_error"] == "slow down" and g["metadata"]["call_error"] == "slow down"
    (span,) = spans(harness)
    assert span["attributes"]["error.type"] == "provider_call_error"
    assert span["attributes"]["error.category"] == "rate_limit"  # from the exception's status_code
    assert span["status"]["code"] == "STATUS_CODE_ERROR"


def test_explicit_call_error_wins_over_the_exception(harness, client):
    with pytest.raises(KeyError):
        with client.start_generation(GenerationStart(model=MODEL)) as rec:
            rec.set_call_error(RuntimeError("upstream 503"))
            raise KeyError("unrelated")
    client.flush()
    assert generations(harness)[0]["call_error"] == "upstream 503"


def test_tool_error_is_the_tools_own(client):
    failure = RuntimeError("tool exploded")
    with pytest.raises(RuntimeError):
        with client.start_tool_execution(sigil.ToolExecutionStart(tool_name="flaky")) as t:
            raise failure
    assert t.err() is failure  # as in the reference SDK: err() reports the tool's failure


def test_queue_full_and_payload_too_large(harness, make_client):
    client = make_client("http", queue_size=1, batch_size=100, flush_interval=timedelta(minutes=1),
                         payload_max_bytes=4096)
    with client.start_generation(GenerationStart(model=MODEL, id="queued")):
        pass
    with client.start_generation(GenerationStart(model=MODEL, id="dropped")) as rec:
        pass
    assert isinstance(rec.err(), sigil.QueueFullError) and isinstance(rec.err(), sigil.EnqueueError)
    client.flush()
    with client.start_generation(GenerationStart(model=MODEL, id="big")) as rec:
        rec.set_result(output=[sigil.assistant_text_message("x" * 10000)])
    assert isinstance(rec.err(), sigil.PayloadTooLargeError)
    stats = client.stats()
    assert stats["dropped_queue_full"] == 1 and stats["dropped_payload_too_large"] == 1
    assert [g["id"] for g in generations(harness)] == ["queued"]


@pytest.mark.parametrize("export", [
    {"protocol": "carrier-pigeon"},
    {"auth": sigil.AuthConfig(mode="tenant")},  # tenant mode without a tenant id
    {"auth": sigil.AuthConfig(mode="none", bearer_token="secret")},
])
def test_invalid_configuration_raises_config_error(export):
    cfg = sigil.ClientConfig(generation_export=sigil.GenerationExportConfig(**export), use_environment=False)
    with pytest.raises(sigil.ConfigError) as info:
        sigil.Client(cfg)
    assert isinstance(info.value, ValueError)


def test_an_exporter_without_export_generations_is_refused():
    with pytest.raises(sigil.ConfigError, match="export_generations"):
        sigil.Client(sigil.ClientConfig(generation_exporter=object()))


def test_background_failures_reach_the_python_logger(harness, caplog):
    cfg = config_for(harness, "http")
    cfg.generation_export.endpoint = "http://127.0.0.1:9"  # nothing listens on the discard port
    cfg.logger = logging.getLogger("sigil-test")
    with caplog.at_level(logging.WARNING, logger="sigil-test"):
        with sigil.Client(cfg) as client:
            with client.start_generation(GenerationStart(model=MODEL)):
                pass
            client.flush(timeout=5)  # returns once the generation is delivered or dropped
            assert client.stats()["dropped_retry_exhausted"] == 1
    assert any(r.name == "sigil-test" and r.levelno >= logging.WARNING and "dropped" in r.getMessage()
               for r in caplog.records)


def test_status_names_cover_every_code():
    from sigil_sdk.errors import STATUS_ERRORS

    assert sorted(STATUS_ERRORS) == list(range(1, 19))


def test_integers_beyond_int64_are_an_error_not_zero(harness, client):
    """ctypes wraps 2**70 to 0 silently; the binding refuses it as C's int64_t would, and end() reports it."""
    rec = client.start_generation(GenerationStart(model=MODEL, id="huge", max_tokens=2**70))
    rec.end()
    assert isinstance(rec.err(), sigil.InvalidArgumentError) and "max_tokens" in str(rec.err())
    emb = client.start_embedding(sigil.EmbeddingStart(model=MODEL, dimensions=-(2**64)))
    emb.end()
    assert isinstance(emb.err(), ValueError) and "dimensions" in str(emb.err())
    emb = client.start_embedding(sigil.EmbeddingStart(model=MODEL))
    err = emb.set_result(input_tokens=2**63)
    emb.end()
    assert isinstance(err, sigil.InvalidArgumentError) and "input_tokens" in str(err)
    assert emb.err() is err
    # Usage travels as JSON: the engine's parser refuses it.
    rec = client.start_generation(GenerationStart(model=MODEL, id="big-usage"))
    err = rec.set_result(usage=sigil.TokenUsage(input_tokens=2**70))
    rec.end()
    assert err is not None and err.status == "SIGIL_E_INVALID_JSON"
    assert "usage.input_tokens" in str(rec.err()) and "out of range" in str(rec.err())
    with client.start_generation(GenerationStart(model=MODEL, id="largest", max_tokens=2**63 - 1)):
        pass
    client.flush()
    assert [(g["id"], g["max_tokens"]) for g in generations(harness)] == [("largest", str(2**63 - 1))]


@pytest.mark.parametrize("start, usage, field", [
    ({"temperature": float("nan")}, {}, "temperature"),
    ({"top_p": float("inf")}, {}, "top_p"),
    ({"temperature": float("-inf")}, {}, "temperature"),
    ({"max_tokens": -1}, {}, "max_tokens"),
    ({}, {"input_tokens": -3}, "usage.input_tokens"),
    ({}, {"reasoning_tokens": -1}, "usage.reasoning_tokens"),
])
def test_non_finite_parameters_and_negative_counts_fail_validation(harness, client, start, usage, field):
    rec = client.start_generation(GenerationStart(model=MODEL, id="bad", **start))
    if usage:
        rec.set_result(usage=sigil.TokenUsage(**usage))
    rec.end()
    err = rec.err()
    assert isinstance(err, sigil.ValidationError) and err.status == "SIGIL_E_VALIDATION", err
    assert field in str(err)
    client.flush()
    assert harness.captures("http_exports") == []


def test_interior_nul_is_refused_not_cut(harness, client):
    """A C string ends at its first NUL: "victim\\0x" would reach the engine as "victim"."""
    rating = sigil.ConversationRatingInput(rating_id="r1", rating=sigil.ConversationRatingValue.GOOD)
    with pytest.raises(sigil.InvalidArgumentError, match="conversation_id"):
        client.submit_conversation_rating("victim\0x", rating)
    with pytest.raises(ValueError, match="rating_id"):
        client.submit_conversation_rating("c", sigil.ConversationRatingInput(
            rating_id="r\0", rating=sigil.ConversationRatingValue.GOOD))
    assert harness.captures("ratings") == []
    # Recording never raises: end() reports it, and nothing is exported.
    for start, field in ((GenerationStart(model=MODEL, conversation_id="victim\0x"), "conversation_id"),
                         (GenerationStart(model=ModelRef("openai", "gpt\0-5")), "model_name")):
        rec = client.start_generation(start)
        rec.set_result(output=[sigil.assistant_text_message("ok")])
        rec.end()
        assert isinstance(rec.err(), sigil.InvalidArgumentError) and field in str(rec.err()), rec.err()
    tool = client.start_tool_execution(sigil.ToolExecutionStart(tool_name="t\0"))
    tool.end()
    assert isinstance(tool.err(), sigil.InvalidArgumentError) and "tool_name" in str(tool.err())
    emb = client.start_embedding(sigil.EmbeddingStart(model=MODEL))
    assert "input_texts" in str(emb.set_result(input_texts=["a\0b"]))
    emb.end()
    assert isinstance(emb.err(), sigil.InvalidArgumentError)
    with pytest.raises(ValueError, match="header"):
        sigil.Client(config_for(harness, "http", headers={"X-Token": "a\0b"}))
    client.flush()
    assert harness.captures("http_exports") == []
