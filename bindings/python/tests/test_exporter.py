"""Custom generation exporters (ClientConfig.generation_exporter), GenerationRecorder.last_generation and
embedding validation: the reference SDK's public API, over the engine.

The exporter takes the place of the server: the engine batches, retries, counts and drains at shutdown
exactly as for HTTP/gRPC, and hands each batch to the exporter as the reference's request type.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

import sigil_sdk as sigil
from sigil_sdk import (
    EmbeddingResult,
    EmbeddingStart,
    ExportGenerationResult,
    ExportGenerationsRequest,
    ExportGenerationsResponse,
    GenerationStart,
    ModelRef,
)

MODEL = ModelRef("openai", "gpt-5")


class CapturingExporter:
    """Keeps every batch; optionally refuses some ids or fails the first calls."""

    def __init__(self, reject: set[str] = frozenset(), fail_first: int = 0) -> None:
        self.requests: list[ExportGenerationsRequest] = []
        self.calls = 0
        self.shutdowns = 0
        self.threads: set[int] = set()
        self._reject = reject
        self._fail_first = fail_first
        self._lock = threading.Lock()

    def export_generations(self, request: ExportGenerationsRequest) -> ExportGenerationsResponse:
        with self._lock:
            self.calls += 1
            self.threads.add(threading.get_ident())
            if self.calls <= self._fail_first:
                raise ConnectionError("sink unavailable")
            self.requests.append(request)
        return ExportGenerationsResponse(results=[
            ExportGenerationResult(generation_id=g.id, accepted=g.id not in self._reject,
                                   error="duplicate" if g.id in self._reject else "")
            for g in request.generations
        ])

    def shutdown(self) -> None:
        self.shutdowns += 1

    @property
    def generations(self) -> list[sigil.Generation]:
        return [g for r in self.requests for g in r.generations]


def client_with(exporter, **export) -> sigil.Client:
    export.setdefault("flush_interval", timedelta(seconds=60))  # only full batches, flush and shutdown send
    export.setdefault("initial_backoff", timedelta(milliseconds=1))
    export.setdefault("max_backoff", timedelta(milliseconds=2))
    return sigil.Client(sigil.ClientConfig(
        generation_export=sigil.GenerationExportConfig(**export), generation_exporter=exporter,
        use_environment=False))


def record(client: sigil.Client, gen_id: str, text: str = "hi") -> sigil.GenerationRecorder:
    with client.start_generation(GenerationStart(MODEL, id=gen_id, conversation_id="conv-1")) as rec:
        rec.set_result(input=[sigil.user_text_message("question")], output=[sigil.assistant_text_message(text)],
                       usage=sigil.TokenUsage(input_tokens=3, output_tokens=2))
    assert rec.err() is None
    return rec


def test_a_capturing_exporter_gets_the_reference_request_types():
    exporter = CapturingExporter()
    client = client_with(exporter, batch_size=2)
    for i in range(3):
        record(client, f"gen-{i}")
    client.flush()
    assert [len(r.generations) for r in exporter.requests] == [2, 1]  # a full batch, then the flushed rest
    assert all(isinstance(r, ExportGenerationsRequest) for r in exporter.requests)
    g = exporter.generations[0]
    assert isinstance(g, sigil.Generation)
    assert [x.id for x in exporter.generations] == ["gen-0", "gen-1", "gen-2"]
    assert g.model == MODEL and g.conversation_id == "conv-1" and g.mode is sigil.GenerationMode.SYNC
    assert g.output[0].parts[0].text == "hi"
    assert g.usage.total_tokens == 5
    assert g.metadata["sigil.sdk.name"] == "sdk-python"
    assert g.started_at is not None and g.trace_id and g.span_id
    assert threading.get_ident() not in exporter.threads  # off the caller's thread
    assert client.stats()["generations_exported"] == 3
    client.shutdown()
    assert exporter.shutdowns == 1


def test_the_exporter_wins_over_the_protocol():
    exporter = CapturingExporter()
    client = client_with(exporter, protocol="none")
    record(client, "gen-none")
    client.shutdown()
    assert [g.id for g in exporter.generations] == ["gen-none"]


def test_rejected_items_are_counted_as_rejected():
    exporter = CapturingExporter(reject={"gen-bad"})
    client = client_with(exporter, batch_size=10)
    record(client, "gen-good")
    record(client, "gen-bad")
    client.flush()
    stats = client.stats()
    assert stats["generations_exported"] == 1
    assert stats["generations_rejected"] == 1
    client.shutdown()


def test_a_raising_exporter_is_retried_then_succeeds():
    exporter = CapturingExporter(fail_first=2)
    client = client_with(exporter, max_retries=3)
    record(client, "gen-retried")
    client.flush()
    assert exporter.calls == 3
    assert [g.id for g in exporter.generations] == ["gen-retried"]
    stats = client.stats()
    assert stats["export_retries"] == 2 and stats["generations_exported"] == 1
    client.shutdown()


def test_an_exporter_that_keeps_raising_drops_the_batch_and_says_why(caplog):
    exporter = CapturingExporter(fail_first=100)
    client = client_with(exporter, max_retries=1)
    with caplog.at_level("WARNING", logger="sigil_sdk"):
        record(client, "gen-lost")
        client.flush()
        client.shutdown()
    assert exporter.calls == 2  # the attempt and one retry
    assert client.stats()["dropped_retry_exhausted"] == 1
    assert "ConnectionError: sink unavailable" in caplog.text
    assert exporter.shutdowns == 1


def test_shutdown_flushes_what_is_queued_through_the_exporter():
    exporter = CapturingExporter()
    client = client_with(exporter, batch_size=100)
    for i in range(5):
        record(client, f"gen-{i}")
    assert exporter.calls == 0  # nothing sent yet: the batch is not full and the interval is long
    client.shutdown()
    assert len(exporter.generations) == 5
    assert exporter.shutdowns == 1


def test_an_async_exporter_is_awaited():
    class AsyncExporter:
        def __init__(self) -> None:
            self.ids: list[str] = []

        async def export_generations(self, request: ExportGenerationsRequest) -> ExportGenerationsResponse:
            self.ids.extend(g.id for g in request.generations)
            return ExportGenerationsResponse(results=[])

    exporter = AsyncExporter()
    client = client_with(exporter)
    record(client, "gen-async")
    client.shutdown()
    assert exporter.ids == ["gen-async"]


def test_last_generation_is_the_normalized_generation_also_with_protocol_none():
    client = sigil.Client(sigil.ClientConfig(generation_export=sigil.GenerationExportConfig(protocol="none"),
                                             agent_name="planner", use_environment=False))
    with client.start_generation(GenerationStart(MODEL, conversation_title="Trip", user_id="u-1")) as rec:
        assert rec.last_generation is None  # only after end
        rec.set_result(output=[sigil.assistant_text_message("hi")], usage=sigil.TokenUsage(input_tokens=4))
    g = rec.last_generation
    assert g.id == rec.id and g.agent_name == "planner"
    assert g.conversation_title == "Trip" and g.metadata["sigil.conversation.title"] == "Trip"
    assert g.user_id == "u-1" and g.metadata["sigil.user.id"] == "u-1"
    assert g.metadata["sigil.sdk.name"] == "sdk-python"
    assert g.mode is sigil.GenerationMode.SYNC and g.operation_name == "generateText"
    assert g.usage.total_tokens == 4
    assert g.started_at <= g.completed_at
    assert f"{g.trace_id}-{g.span_id}" in rec.traceparent
    assert rec.last_generation is not g  # a copy per read
    client.shutdown()


def test_last_generation_is_what_the_exporter_received():
    exporter = CapturingExporter()
    client = client_with(exporter)
    rec = record(client, "gen-same")
    client.shutdown()
    (exported,) = exporter.generations
    # Taken before the privacy pass, which only stamps the content capture mode it applied.
    assert exported.metadata.pop("sigil.sdk.content_capture_mode") == "no_tool_content"
    assert rec.last_generation == exported


def test_last_generation_is_kept_for_a_generation_validation_refused():
    client = sigil.Client(sigil.ClientConfig(generation_export=sigil.GenerationExportConfig(protocol="none"),
                                             use_environment=False))
    with client.start_generation(GenerationStart(ModelRef("openai", ""), id="gen-invalid")) as rec:
        pass
    assert isinstance(rec.err(), sigil.ValidationError)
    assert rec.last_generation.id == "gen-invalid"
    client.shutdown()


@pytest.mark.parametrize("start, message", [
    (EmbeddingStart(ModelRef("", "text-embedding-3-small")), "embedding.model.provider is required"),
    (EmbeddingStart(ModelRef("openai", " ")), "embedding.model.name is required"),
    (EmbeddingStart(ModelRef("openai", "m"), dimensions=0), "embedding.dimensions must be > 0"),
    (EmbeddingStart(ModelRef("openai", "m"), encoding_format="  "), "embedding.encoding_format must not be blank"),
])
def test_validate_embedding_start(start, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        sigil.validate_embedding_start(start)
    sigil.validate_embedding_start(EmbeddingStart(ModelRef("openai", "m"), dimensions=8, encoding_format="float"))


@pytest.mark.parametrize("result, message", [
    (EmbeddingResult(input_count=-1), "embedding.input_count must be >= 0"),
    (EmbeddingResult(input_tokens=-1), "embedding.input_tokens must be >= 0"),
    (EmbeddingResult(dimensions=0), "embedding.dimensions must be > 0"),
])
def test_validate_embedding_result(result, message):
    with pytest.raises(sigil.ValidationError, match=f"^{message}$"):
        sigil.validate_embedding_result(result)
    sigil.validate_embedding_result(EmbeddingResult(input_count=2, input_tokens=7, dimensions=3))


def test_resolve_config_fills_what_the_client_would_use(monkeypatch):
    from sigil_sdk.config import resolve_config

    monkeypatch.setenv("SIGIL_ENDPOINT", "http://env-host:8080")
    monkeypatch.setenv("SIGIL_AGENT_NAME", "env-agent")
    cfg = sigil.ClientConfig(generation_export=sigil.GenerationExportConfig(
        protocol="http", auth=sigil.AuthConfig(mode="tenant", tenant_id="t-1"), batch_size=7))
    resolved = resolve_config(cfg)
    assert resolved is cfg  # filled in place and returned, as the reference does
    ex = cfg.generation_export
    assert ex.endpoint == "http://env-host:8080"  # the environment fills what is not set
    assert ex.batch_size == 7  # explicit wins
    assert ex.headers == {"X-Scope-OrgID": "t-1"}  # derived from auth
    assert ex.max_retries == 5 and ex.flush_interval == timedelta(seconds=1)  # defaults
    assert cfg.agent_name == "env-agent" and cfg.api.endpoint == "http://localhost:8080"
    assert cfg.logger is not None and cfg.now().tzinfo is not None and callable(cfg.sleep)

    # What it resolved to is what a client runs with.
    with sigil.Client(resolved) as client:
        assert client.stats()["generations_enqueued"] == 0

    assert resolve_config(None).generation_export.protocol in ("grpc", "http", "none")
    with pytest.raises(ValueError, match="tenant"):
        resolve_config(sigil.ClientConfig(generation_export=sigil.GenerationExportConfig(
            auth=sigil.AuthConfig(mode="tenant")), use_environment=False))
