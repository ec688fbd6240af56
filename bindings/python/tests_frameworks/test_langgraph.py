"""sigil_sdk_langgraph with real LangGraph: a graph whose model node (ChatOpenAI against the fake
provider) calls a tool through LangGraph's ToolNode, run twice on one checkpointed thread."""

from __future__ import annotations

import pytest

pytest.importorskip("langgraph", reason="langgraph is not installed (make deps-frameworks)")
pytest.importorskip("langchain_openai", reason="langchain-openai is not installed (make deps-frameworks)")

from langchain_core.messages import HumanMessage  # noqa: E402
from langchain_core.tools import tool  # noqa: E402
from langchain_openai import ChatOpenAI  # noqa: E402
from langgraph.checkpoint.memory import MemorySaver  # noqa: E402
from langgraph.graph import END, START, MessagesState, StateGraph  # noqa: E402
from langgraph.prebuilt import ToolNode, tools_condition  # noqa: E402

from fake_provider import Reply  # noqa: E402
from sigil_sdk_langgraph import with_sigil_langgraph_callbacks  # noqa: E402

from conftest import generations  # noqa: E402
from support import generation_span, parent_of, settle, spans_named  # noqa: E402


@tool
def get_weather(city: str, unit: str = "c") -> str:
    """The current weather in a city."""
    return f"{city}: 18 {unit}"


def build_graph(fake_provider, checkpointer=None, **model_kw):
    llm = ChatOpenAI(model="gpt-4o", base_url=fake_provider.url + "/v1", api_key="test", max_retries=0,
                     **model_kw).bind_tools([get_weather])

    def model(state: MessagesState) -> dict:
        return {"messages": [llm.invoke(state["messages"])]}

    workflow = StateGraph(MessagesState)
    workflow.add_node("model", model)
    workflow.add_node("tools", ToolNode([get_weather]))
    workflow.add_edge(START, "model")
    workflow.add_conditional_edges("model", tools_condition)
    workflow.add_edge("tools", "model")
    return workflow.compile(checkpointer=checkpointer)


def test_a_checkpointed_thread_is_one_conversation_across_invocations(harness, fake_provider, fw_client, otel):
    fake_provider.replies("/chat/completions", [Reply.json("openai.chat/response_tool_calls.json"),
                                                Reply.json("openai.chat/response_text.json")])
    graph = build_graph(fake_provider, MemorySaver())
    config = {**with_sigil_langgraph_callbacks(None, client=fw_client, agent_name="weather-graph"),
              "configurable": {"thread_id": "customer-42"}}
    graph.invoke({"messages": [HumanMessage("Weather in Paris and Oslo?")]}, config=config)
    out = graph.invoke({"messages": [HumanMessage("And tomorrow?")]}, config=config)
    assert len(out["messages"]) == 7  # the checkpointer kept the first turn (with its two tool results)
    settle(harness, fw_client, otel, generation_count=3, span_names=("langgraph.chain LangGraph",))

    gens = sorted(generations(harness, 3), key=lambda g: g["started_at"])
    assert len(gens) == 3  # tool call, answer; then the second turn's answer
    for g in gens:
        assert g["conversation_id"] == "customer-42"
        assert g["agent_name"] == "weather-graph"
        assert g["tags"]["sigil.framework.name"] == "langgraph"
        assert g["metadata"]["sigil.framework.thread_id"] == "customer-42"
        assert g["metadata"]["sigil.framework.langgraph.node"] == "model"
        span = generation_span(harness, g)
        assert span["attributes"]["sigil.framework.thread_id"] == "customer-42"
        assert span["attributes"]["sigil.framework.langgraph.node"] == "model"
        node = parent_of(harness, span)
        assert node["name"] == "langgraph.chain model"
        assert parent_of(harness, node)["name"] == "langgraph.chain LangGraph"
    assert len(gens[2]["input"]) == 6  # the whole thread so far went to the model

    graphs = spans_named(harness, "langgraph.chain LangGraph")
    assert len(graphs) == 2
    assert {s["attributes"]["gen_ai.conversation.id"] for s in graphs} == {"customer-42"}
    tools = spans_named(harness, "execute_tool get_weather")
    assert len(tools) == 2
    for span in tools:
        node = parent_of(harness, span)
        while node["name"] != "langgraph.chain tools":
            node = parent_of(harness, node)
        assert parent_of(harness, node) in graphs
        assert span["attributes"]["gen_ai.conversation.id"] == "customer-42"


def test_a_streamed_graph_run(harness, fake_provider, fw_client, otel):
    fake_provider.replies("/chat/completions", [Reply.sse("openai.chat/stream_tool_calls.jsonl"),
                                                Reply.sse("openai.chat/stream_text.jsonl")])
    graph = build_graph(fake_provider, streaming=True)
    config = with_sigil_langgraph_callbacks({"configurable": {"thread_id": "s-1"}}, client=fw_client)
    chunks = list(graph.stream({"messages": [HumanMessage("Weather?")]}, config=config, stream_mode="messages"))
    assert chunks
    settle(harness, fw_client, otel, generation_count=2, span_names=("langgraph.chain LangGraph",))
    gens = generations(harness, 2)
    assert {g["mode"] for g in gens} == {"GENERATION_MODE_STREAM"}
    assert {g["conversation_id"] for g in gens} == {"s-1"}
    assert any(p["tool_call"]["name"] == "get_weather" for g in gens for m in g.get("output", [])
               for p in m["parts"] if "tool_call" in p)
