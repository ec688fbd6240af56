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
