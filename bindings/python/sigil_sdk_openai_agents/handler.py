"""OpenAI Agents handlers: the LangChain-style callback surface under the framework name
"openai-agents", fed by the RunHooks bridge in this package's __init__."""

from __future__ import annotations

from sigil_sdk_langchain.handler import AsyncLangChainStyleCallbacks, LangChainStyleCallbacks


class SigilOpenAIAgentsHandler(LangChainStyleCallbacks):
    """Receives an agent run's lifecycle as LangChain-style callbacks (sync)."""

    framework_name = "openai-agents"
    instrumentation_name = "github.com/grafana/sigil/sdks/python-frameworks/openai-agents"


class SigilAsyncOpenAIAgentsHandler(AsyncLangChainStyleCallbacks):
    """Receives an agent run's lifecycle as LangChain-style callbacks (coroutines)."""

    framework_name = "openai-agents"
    instrumentation_name = "github.com/grafana/sigil/sdks/python-frameworks/openai-agents"
