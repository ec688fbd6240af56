"""examples/python/frameworks/*.py run as written against the local receiver (the capture harness),
each answering itself from the fake provider."""

from __future__ import annotations

import pytest

pytest.importorskip("langgraph", reason="langgraph is not installed (make deps-frameworks)")
pytest.importorskip("langchain_openai", reason="langchain-openai is not installed (make deps-frameworks)")

from conftest import REPO, spans  # noqa: E402
from test_examples_providers import run_python  # noqa: E402

EXAMPLES = {  # example -> (generations, conversation, framework span)
    "langchain_chain.py": (2, "conv-langchain-example", "langchain.chain weather_agent"),
    "langgraph_thread.py": (3, "conv-langgraph-example", "langgraph.chain LangGraph"),
    "openai_agents_handoff.py": (3, "conv-agents-example", "openai-agents.chain triage"),
    "llamaindex_query.py": (1, "", "llamaindex.chain llamaindex.query"),
    "google_adk_agent.py": (3, "conv-adk-example", "google-adk.chain triage"),
    "litellm_logger.py": (2, "conv-litellm-example", ""),
    "pydantic_ai_agent.py": (3, "conv-pydantic-ai-example", "pydantic-ai.chain forecaster"),
}


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_framework_example(harness, example):
    if example.startswith("openai_agents"):
        pytest.importorskip("agents", reason="openai-agents is not installed (make deps-frameworks)")
    if example.startswith("llamaindex"):
        pytest.importorskip("llama_index.core", reason="llama-index-core is not installed (make deps-frameworks)")
    if example.startswith("google_adk"):
        pytest.importorskip("google.adk", reason="google-adk is not installed (make deps-frameworks)")
    if example.startswith("pydantic_ai"):
        pytest.importorskip("pydantic_ai", reason="pydantic-ai is not installed (make deps-frameworks)")
    proc = run_python(harness, REPO / "examples" / "python" / "frameworks" / example)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    count, conversation, span_name = EXAMPLES[example]
    gens = [g for cap in harness.captures("http_exports") for g in cap["generations"]]
    assert len(gens) == count
    if conversation:
        assert {g["conversation_id"] for g in gens} == {conversation}
    assert all(g["output"] for g in gens)
    if example.startswith("litellm"):  # no framework spans: a call and a stream, in order
        gens.sort(key=lambda g: g["started_at"])
        assert [g["mode"] for g in gens] == ["GENERATION_MODE_SYNC", "GENERATION_MODE_STREAM"]
        return
    harness.wait("otlp_traces", 1, 5)
    names = [s["name"] for s in spans(harness)]
    assert span_name in names
    tools = {"openai_agents_handoff.py": 1, "llamaindex_query.py": 0, "google_adk_agent.py": 1}.get(example, 2)
    assert names.count("execute_tool get_weather") == tools
