"""sigil_sdk_llamaindex with real LlamaIndex: a vector index query (MockEmbedding, MockLLM — the
framework's own stand-ins) reports its events through LlamaIndex's callback manager."""

from __future__ import annotations

import pytest

pytest.importorskip("llama_index.core", reason="llama-index-core is not installed (make deps-frameworks)")

from llama_index.core import Document, Settings, VectorStoreIndex  # noqa: E402
from llama_index.core.embeddings import MockEmbedding  # noqa: E402
from llama_index.core.llms import CompletionResponse, MockLLM  # noqa: E402
from llama_index.core.llms.callbacks import llm_completion_callback  # noqa: E402

from sigil_sdk_llamaindex import SigilLlamaIndexCallbackHandler, with_sigil_llamaindex_callbacks  # noqa: E402

from conftest import generations  # noqa: E402
from support import generation_span, one_span, parent_of, settle  # noqa: E402


class BrokenLLM(MockLLM):
    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs) -> CompletionResponse:
        raise RuntimeError("model backend down")


@pytest.fixture
def query_engine_for(fw_client):
    """query_engine_for(llm, **query_engine_kwargs): a query engine over a one-document index, every
    component on the Sigil callback manager (LlamaIndex's Settings, restored afterwards)."""
    previous = Settings.callback_manager

    def make(llm, **kw):
        config = with_sigil_llamaindex_callbacks(None, client=fw_client, agent_name="docs-bot",
                                                 extra_metadata={"index": "weather"})
        Settings.callback_manager = config["callback_manager"]
        llm.callback_manager = config["callback_manager"]
        index = VectorStoreIndex.from_documents([Document(text="Paris is sunny, 18 °C.")],
                                                embed_model=MockEmbedding(embed_dim=8))
        return index.as_query_engine(llm=llm, **kw)

    yield make
    Settings.callback_manager = previous


def test_a_query_is_a_generation_under_synthesize_under_query(harness, fw_client, otel, query_engine_for):
    response = query_engine_for(MockLLM(max_tokens=4)).query("Weather in Paris?")
    assert str(response) == "text text text text"
    settle(harness, fw_client, otel, generation_count=1, span_names=("llamaindex.chain llamaindex.query",))
    (g,) = generations(harness)
    assert g["tags"]["sigil.framework.name"] == "llamaindex"
    assert g["agent_name"] == "docs-bot"
    assert g["metadata"]["index"] == "weather"
    assert g["metadata"]["sigil.framework.run_type"] == "llm"
    assert g["metadata"]["sigil.framework.component_name"] == "MockLLM"
    assert g["model"]["provider"] == "custom"
    assert "Weather in Paris?" in g["input"][0]["parts"][0]["text"]  # the templated prompt
    assert g["output"][0]["parts"][0]["text"] == "text text text text"
    query = one_span(harness, "llamaindex.chain llamaindex.query")
    synthesize = one_span(harness, "llamaindex.chain llamaindex.synthesize")
    retrieve = one_span(harness, "llamaindex.chain llamaindex.retrieve")
    assert parent_of(harness, synthesize) == query and parent_of(harness, retrieve) == query
    assert parent_of(harness, generation_span(harness, g)) == synthesize
    assert retrieve["attributes"]["sigil.framework.run_type"] == "retrieve"
    assert g["metadata"]["sigil.framework.parent_run_id"] == synthesize["attributes"]["sigil.framework.run_id"]


def test_a_streamed_query_records_the_generation_when_the_stream_is_read(harness, fw_client, otel, query_engine_for):
    response = query_engine_for(MockLLM(max_tokens=3), streaming=True).query("Weather?")
    assert "".join(response.response_gen).split() == ["text", "text", "text"]
    settle(harness, fw_client, otel, generation_count=1, span_names=("llamaindex.chain llamaindex.query",))
    (g,) = generations(harness)
    # The LLM event ends when the stream has been read, with the completion it carries.
    assert g["output"][0]["parts"][0]["text"].startswith("text")
    assert g["mode"] == "GENERATION_MODE_SYNC"  # LlamaIndex's callbacks carry no tokens or stream flag


def test_a_failing_llm_is_a_failed_generation(harness, fw_client, otel, query_engine_for):
    with pytest.raises(RuntimeError, match="model backend down"):
        query_engine_for(BrokenLLM()).query("Weather?")
    settle(harness, fw_client, otel, generation_count=1, span_names=("llamaindex.chain llamaindex.query",))
    (g,) = generations(harness)
    assert g["call_error"] == "model backend down"
    assert generation_span(harness, g)["status"]["code"] == "STATUS_CODE_ERROR"


def test_with_callbacks_adds_one_handler(fw_client):
    config = with_sigil_llamaindex_callbacks(None, client=fw_client)
    again = with_sigil_llamaindex_callbacks(config, client=fw_client)
    handlers = [h for h in again["callback_manager"].handlers if isinstance(h, SigilLlamaIndexCallbackHandler)]
    assert len(handlers) == 1
    with pytest.raises(TypeError):
        with_sigil_llamaindex_callbacks({"callback_manager": object()}, client=fw_client)


def test_a_shut_down_client_never_breaks_the_query(fw_client, query_engine_for, caplog):
    engine = query_engine_for(MockLLM(max_tokens=2))
    fw_client.shutdown()
    assert str(engine.query("Weather?")) == "text text"
    assert "client is shut down" in caplog.text
