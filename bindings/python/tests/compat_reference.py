"""Compatibility tier (make test-compat): behaviours the reference Python SDK documents, checked the way
code written against it would use them. Collected only when named on the command line (the file does not
match test_*.py), so the binding tier does not run it a second time.
"""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest

import sigil_sdk as sigil
from sigil_sdk import (
    ClientConfig,
    EmbeddingResult,
    EmbeddingStart,
    ExportGenerationResult,
    ExportGenerationsRequest,
    ExportGenerationsResponse,
    Generation,
    GenerationExportConfig,
    GenerationStart,
    ModelRef,
    ToolExecutionStart,
    user_text_message,
)

from conftest import config_for, span_of, spans

MODEL = ModelRef(provider="openai", name="gpt-4o")


class AsyncSink:
    """An exporter written for the reference: async export_generations and shutdown."""

    def __init__(self) -> None:
        self.generations: list = []
        self.closed = False

    async def export_generations(self, request: ExportGenerationsRequest) -> ExportGenerationsResponse:
        await asyncio.sleep(0)
        self.generations.extend(request.generations)
        return ExportGenerationsResponse(results=[
            ExportGenerationResult(generation_id=g.id, accepted=True) for g in request.generations])

    async def shutdown(self) -> None:
        self.closed = True


def test_compat_custom_async_exporter_gets_reference_models_and_is_shut_down():
    sink = AsyncSink()
    client = sigil.Client(ClientConfig(generation_exporter=sink, use_environment=False))
    with client.start_generation(GenerationStart(model=MODEL, conversation_id="c-1")) as rec:
        rec.set_result(Generation(input=[user_text_message("hi")]))
    client.shutdown()
    assert sink.closed
    (g,) = sink.generations
    assert isinstance(g, Generation)
    assert g.conversation_id == "c-1" and g.model.name == "gpt-4o"
    assert g.input[0].parts[0].text == "hi"


def test_compat_last_generation_with_protocol_none():
    client = sigil.Client(ClientConfig(generation_export=GenerationExportConfig(protocol="none"),
                                       use_environment=False))
    rec = client.start_generation(GenerationStart(model=MODEL, agent_name="planner"))
    assert rec.last_generation is None
    rec.set_result(Generation(output=[sigil.assistant_text_message("done")]))
    rec.end()
    last = rec.last_generation
    assert last is not None and last.id == rec.id
    assert last.agent_name == "planner"
    assert last.output[0].parts[0].text == "done"
    assert last.started_at is not None and last.completed_at is not None
    client.shutdown()


def test_compat_validate_embedding_start_and_result():
    sigil.validate_embedding_start(EmbeddingStart(model=MODEL))
    with pytest.raises(ValueError, match="embedding.model.provider is required"):
        sigil.validate_embedding_start(EmbeddingStart(model=ModelRef(provider="", name="m")))
    with pytest.raises(ValueError, match="embedding.input_count must be >= 0"):
        sigil.validate_embedding_result(EmbeddingResult(input_count=-1))


def test_compat_framework_metadata_becomes_span_attributes(harness):
    client = sigil.Client(config_for(harness))
    run_id = str(uuid4())
    metadata = {"sigil.framework.run_id": run_id, "sigil.framework.run_type": "chat",
                "sigil.framework.retry_attempt": 1, "sigil.framework.tags": ["x"], "custom": "kept out"}
    with client.start_generation(GenerationStart(model=MODEL, metadata=metadata)) as rec:
        rec.set_result(Generation())
    client.shutdown()
    attrs = span_of(harness, rec.id)["attributes"]
    assert attrs["sigil.framework.run_id"] == run_id
    assert attrs["sigil.framework.run_type"] == "chat"
    assert attrs["sigil.framework.retry_attempt"] == 1
    assert "sigil.framework.tags" not in attrs and "custom" not in attrs


def test_compat_empty_tool_name_is_a_no_op(harness):
    client = sigil.Client(config_for(harness))
    with client.start_tool_execution(ToolExecutionStart(tool_name="")) as rec:
        rec.set_result(arguments={"a": 1}, result="r")
    client.shutdown()
    assert rec.err() is None
    assert not [s for s in spans(harness) if s["attributes"].get("gen_ai.operation.name") == "execute_tool"]


@pytest.mark.parametrize(("auth", "text"), [
    (sigil.AuthConfig(mode="tenant"), "requires tenant_id"),
    (sigil.AuthConfig(mode="bearer"), "requires bearer_token"),
    (sigil.AuthConfig(mode="basic", tenant_id="t"), "requires basic_password"),
    (sigil.AuthConfig(mode="none", tenant_id="t"), "does not allow credentials"),
])
def test_compat_auth_error_texts(auth, text):
    cfg = ClientConfig(generation_export=GenerationExportConfig(auth=auth), use_environment=False)
    with pytest.raises(Exception, match=text):
        sigil.Client(cfg)


def test_compat_rating_conflict_text(harness):
    client = sigil.Client(config_for(harness))
    harness.script("api", [{"status": 409, "body": {"error": "rating conflict"}}])
    with pytest.raises(sigil.SigilError, match="conversation rating conflict"):
        client.submit_conversation_rating("conv-1", sigil.ConversationRatingInput(
            rating_id="r-1", rating=sigil.ConversationRatingValue.GOOD))
    client.shutdown()


def test_compat_tracer_and_meter_are_accepted(harness):
    cfg = config_for(harness)
    cfg.tracer, cfg.meter = object(), object()
    client = sigil.Client(cfg)
    with client.start_generation(GenerationStart(model=MODEL)) as rec:
        rec.set_result(Generation())
    assert rec.err() is None
    client.shutdown()
