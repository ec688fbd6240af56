"""LangChain callback handlers under the reference name: LLM and chat-model runs become Sigil
generations, tool runs tool executions, chain and retriever runs spans."""

from __future__ import annotations

from typing import Any, Optional, Union

from sigil_sdk import Client

from .handler import SigilAsyncLangChainHandler, SigilLangChainHandler, with_callbacks


def create_sigil_langchain_handler(
    *, client: Client, async_handler: bool = False, **handler_kwargs: Any
) -> Union[SigilLangChainHandler, SigilAsyncLangChainHandler]:
    """A handler for sync runs, or with ``async_handler=True`` one whose callbacks are coroutines."""
    cls = SigilAsyncLangChainHandler if async_handler else SigilLangChainHandler
    return cls(client=client, **handler_kwargs)


def with_sigil_langchain_callbacks(
    config: Optional[dict[str, Any]], *, client: Client, async_handler: bool = False, **handler_kwargs: Any
) -> dict[str, Any]:
    """A copy of a runnable ``config`` with a Sigil handler added to its callbacks (once)."""
    return with_callbacks(config, (SigilLangChainHandler, SigilAsyncLangChainHandler),
                          lambda: create_sigil_langchain_handler(client=client, async_handler=async_handler,
                                                                 **handler_kwargs))


__all__ = [
    "SigilAsyncLangChainHandler",
    "SigilLangChainHandler",
    "create_sigil_langchain_handler",
    "with_sigil_langchain_callbacks",
]
