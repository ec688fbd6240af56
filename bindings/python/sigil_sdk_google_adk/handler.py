"""Google ADK handlers: the LangChain-style callback surface under the framework name "google-adk",
fed by the plugin and the agent callbacks in this package's __init__."""

from __future__ import annotations

from sigil_sdk_langchain.handler import AsyncLangChainStyleCallbacks, LangChainStyleCallbacks


class SigilGoogleAdkHandler(LangChainStyleCallbacks):
    """Receives an ADK invocation's lifecycle as LangChain-style callbacks (sync)."""

    framework_name = "google-adk"
    instrumentation_name = "github.com/grafana/sigil/sdks/python-frameworks/google-adk"


class SigilAsyncGoogleAdkHandler(AsyncLangChainStyleCallbacks):
    """Receives an ADK invocation's lifecycle as LangChain-style callbacks (coroutines)."""

    framework_name = "google-adk"
    instrumentation_name = "github.com/grafana/sigil/sdks/python-frameworks/google-adk"
