"""A LangGraph graph (a model node and LangGraph's ToolNode) with a checkpointer, invoked twice on
one thread: every generation of both turns is one conversation, the thread id; node spans nest
under the graph span.

    SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 python3 langgraph_thread.py

Without OPENAI_BASE_URL it answers itself from a fake provider on loopback (no network, no key);
with OPENAI_BASE_URL and OPENAI_API_KEY it calls that service. Needs langgraph and
langchain-openai (make deps-frameworks). Exit status 0 when every generation was delivered.
"""

from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.checkpoint.memory import MemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

import sigil_sdk
from _framework_support import Reply, finish, host_tracer, openai_or_fake
from sigil_sdk_langgraph import with_sigil_langgraph_callbacks

openai_or_fake(Reply.json("openai.chat/response_tool_calls.json"), Reply.json("openai.chat/response_text.json"))
client = sigil_sdk.Client(sigil_sdk.ClientConfig(tracer=host_tracer()))  # the rest from SIGIL_*


@tool
def get_weather(city: str, unit: str = "c") -> str:
    """The current weather in a city."""
    return f"{city}: 18 {unit}"


llm = ChatOpenAI(model="gpt-4o", max_retries=0).bind_tools([get_weather])


def model(state: MessagesState) -> dict:
    return {"messages": [llm.invoke(state["messages"])]}


workflow = StateGraph(MessagesState)
workflow.add_node("model", model)
workflow.add_node("tools", ToolNode([get_weather]))
workflow.add_edge(START, "model")
workflow.add_conditional_edges("model", tools_condition)
workflow.add_edge("tools", "model")
graph = workflow.compile(checkpointer=MemorySaver())

thread_config = {**with_sigil_langgraph_callbacks(None, client=client, agent_name="weather-graph"),
                 "configurable": {"thread_id": "conv-langgraph-example"}}
graph.invoke({"messages": [("user", "Weather in Paris and Oslo?")]}, config=thread_config)
out = graph.invoke({"messages": [("user", "And tomorrow?")]}, config=thread_config)
print("assistant:", out["messages"][-1].content)
raise SystemExit(finish(client, expected=3))
