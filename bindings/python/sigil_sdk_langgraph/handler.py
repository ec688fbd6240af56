"""LangGraph callback handlers: LangGraph reports its graph, nodes, models and tools through
LangChain's callbacks, so these are the LangChain handlers under the framework name "langgraph"
(node names land in ``sigil.framework.langgraph.node``, the checkpointer's ``thread_id`` becomes
the conversation id)."""

from __future__ import annotations

from sigil_sdk_langchain.handler import SigilAsyncLangChainHandler, SigilLangChainHandler


class SigilLangGraphHandler(SigilLangChainHandler):
    """LangGraph callback handler for sync graph runs."""

    framework_name = "langgraph"
    instrumentation_name = "github.com/grafana/sigil/sdks/python-frameworks/langgraph"


class SigilAsyncLangGraphHandler(SigilAsyncLangChainHandler):
    """LangGraph callback handler whose callbacks are coroutines."""

    framework_name = "langgraph"
    instrumentation_name = "github.com/grafana/sigil/sdks/python-frameworks/langgraph"
