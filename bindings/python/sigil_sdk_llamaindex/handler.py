"""LlamaIndex handlers: the LangChain-style callback surface under the framework name "llamaindex",
fed by the callback-manager bridge in this package's __init__."""

from __future__ import annotations

from sigil_sdk_langchain.handler import AsyncLangChainStyleCallbacks, LangChainStyleCallbacks


class SigilLlamaIndexHandler(LangChainStyleCallbacks):
    """Receives LlamaIndex events as LangChain-style callbacks (sync)."""

    framework_name = "llamaindex"
    instrumentation_name = "github.com/grafana/sigil/sdks/python-frameworks/llamaindex"


class SigilAsyncLlamaIndexHandler(AsyncLangChainStyleCallbacks):
    """Receives LlamaIndex events as LangChain-style callbacks (coroutines)."""

    framework_name = "llamaindex"
    instrumentation_name = "github.com/grafana/sigil/sdks/python-frameworks/llamaindex"
