"""LangGraph callback handlers under the reference name: graph and node runs become spans, model
runs generations and tool runs tool executions, with the thread id as the conversation."""

from __future__ import annotations

from typing import Any, Optional, Union

from sigil_sdk import Client
from sigil_sdk_langchain.handler import with_callbacks

from .handler import SigilAsyncLangGraphHandler, SigilLangGraphHandler


def create_sigil_langgraph_handler(
    *, client: Client, async_handler: bool = False, **handler_kwargs: Any
) -> Union[SigilLangGraphHandler, SigilAsyncLangGraphHandler]:
    """A handler for sync graph runs, or with ``async_handler=True`` one whose callbacks are coroutines."""
    cls = SigilAsyncLangGraphHandler if async_handler else SigilLangGraphHandler
    return cls(client=client, **handler_kwargs)


def with_sigil_langgraph_callbacks(
    config: Optional[dict[str, Any]], *, client: Client, async_handler: bool = False, **handler_kwargs: Any
) -> dict[str, Any]:
    """A copy of a graph invocation ``config`` with a Sigil handler added to its callbacks (once)."""
    return with_callbacks(config, (SigilLangGraphHandler, SigilAsyncLangGraphHandler),
                          lambda: create_sigil_langgraph_handler(client=client, async_handler=async_handler,
                                                                 **handler_kwargs))


__all__ = [
    "SigilAsyncLangGraphHandler",
    "SigilLangGraphHandler",
    "create_sigil_langgraph_handler",
    "with_sigil_langgraph_callbacks",
]
