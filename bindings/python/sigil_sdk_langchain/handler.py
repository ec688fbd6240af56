"""LangChain callback handlers: each callback forwards its run to SigilFrameworkHandlerBase.

The LangGraph handlers are these same callbacks under the framework name "langgraph" (LangGraph
runs its nodes as LangChain runnables and reports them through LangChain's callback system).
"""

from __future__ import annotations

from typing import Any, Optional
from uuid import UUID

from sigil_sdk import Client
from sigil_sdk.framework_handler import ProviderResolver, SigilFrameworkHandlerBase, merge_framework_callback_kwargs

try:
    from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
except ModuleNotFoundError:  # langchain-core absent: the classes stay importable, nothing calls them

    class BaseCallbackHandler:  # type: ignore[no-redef]
        """Stands in for langchain_core's base when langchain-core is not installed."""

    class AsyncCallbackHandler:  # type: ignore[no-redef]
        """Stands in for langchain_core's async base when langchain-core is not installed."""


def _token_text(token: Any) -> str:
    """LangChain 1.x hands a streamed token as text or as a list of content blocks."""
    if isinstance(token, str):
        return token
    if isinstance(token, list):
        return "".join(b if isinstance(b, str) else str(b.get("text") or "") if isinstance(b, dict) else ""
                       for b in token)
    return ""


def _tool_output(output: Any) -> Any:
    """A tool's output as JSON-able content: a ToolMessage (or other message) gives its content."""
    if output is None or isinstance(output, (str, int, float, bool, list, dict)):
        return output
    content = getattr(output, "content", None)
    return content if content is not None else str(output)


class _LangChainRuns(SigilFrameworkHandlerBase):
    """The handler's options (the reference's), and the translation of each LangChain callback."""

    framework_name = "langchain"
    instrumentation_name = "github.com/grafana/sigil/sdks/python-frameworks/langchain"

    def __init__(
        self,
        *,
        client: Client,
        agent_name: str = "",
        agent_version: str = "",
        provider_resolver: ProviderResolver = "auto",
        provider: str = "",
        capture_inputs: bool = True,
        capture_outputs: bool = True,
        extra_tags: Optional[dict[str, str]] = None,
        extra_metadata: Optional[dict[str, Any]] = None,
        max_open_runs: int = 10_000,
    ) -> None:
        super().__init__(
            client=client,
            framework_name=self.framework_name,
            framework_instrumentation_name=self.instrumentation_name,
            agent_name=agent_name,
            agent_version=agent_version,
            provider_resolver=provider_resolver,
            provider=provider,
            capture_inputs=capture_inputs,
            capture_outputs=capture_outputs,
            extra_tags=extra_tags,
            extra_metadata=extra_metadata,
            max_open_runs=max_open_runs,
        )

    def _llm_start(self, serialized, prompts, run_id, parent_run_id, tags, metadata, invocation_params, run_name,
                   kwargs) -> None:
        self._on_llm_start(serialized=serialized, prompts=prompts, run_id=run_id, parent_run_id=parent_run_id,
                           invocation_params=invocation_params,
                           callback_kwargs=merge_framework_callback_kwargs(kwargs, tags=tags, metadata=metadata,
                                                                           run_name=run_name))

    def _chat_start(self, serialized, messages, run_id, parent_run_id, tags, metadata, invocation_params, run_name,
                    kwargs) -> None:
        self._on_chat_model_start(serialized=serialized, messages=messages, run_id=run_id,
                                  parent_run_id=parent_run_id, invocation_params=invocation_params,
                                  callback_kwargs=merge_framework_callback_kwargs(kwargs, tags=tags,
                                                                                  metadata=metadata,
                                                                                  run_name=run_name))

    def _tool_start(self, serialized, input_str, run_id, parent_run_id, tags, metadata, run_name, kwargs) -> None:
        self._on_tool_start(serialized=serialized, input_str=input_str if isinstance(input_str, str) else "",
                            run_id=run_id, parent_run_id=parent_run_id,
                            callback_kwargs=merge_framework_callback_kwargs(kwargs, tags=tags, metadata=metadata,
                                                                            run_name=run_name))

    def _chain_start(self, serialized, run_id, parent_run_id, tags, metadata, run_type, run_name, kwargs) -> None:
        # LangChain 1.x passes no serialized form for runnables; their name comes as ``name``.
        run_name = run_name or kwargs.get("name")
        self._on_chain_start(serialized=serialized, run_id=run_id, parent_run_id=parent_run_id,
                             run_type=run_type or "chain",
                             callback_kwargs=merge_framework_callback_kwargs(kwargs, tags=tags, metadata=metadata,
                                                                             run_name=run_name))

    def _retriever_start(self, serialized, run_id, parent_run_id, tags, metadata, run_name, kwargs) -> None:
        self._on_retriever_start(serialized=serialized, run_id=run_id, parent_run_id=parent_run_id,
                                 callback_kwargs=merge_framework_callback_kwargs(kwargs, tags=tags,
                                                                                 metadata=metadata,
                                                                                 run_name=run_name))


class LangChainStyleCallbacks(_LangChainRuns):
    """The LangChain callback surface (``on_llm_start``, ``on_tool_end``, ...) over the base, for the
    handlers of frameworks that speak it (the OpenAI Agents hooks bridge feeds one too)."""

    def on_llm_start(self, serialized: Optional[dict[str, Any]], prompts: list[str], *, run_id: UUID,
                     parent_run_id: Optional[UUID] = None, tags: Optional[list[str]] = None,
                     metadata: Optional[dict[str, Any]] = None, invocation_params: Optional[dict[str, Any]] = None,
                     run_name: Optional[str] = None, **kwargs: Any) -> None:
        self._llm_start(serialized, prompts, run_id, parent_run_id, tags, metadata, invocation_params, run_name,
                        kwargs)

    def on_chat_model_start(self, serialized: Optional[dict[str, Any]], messages: list[list[Any]], *, run_id: UUID,
                            parent_run_id: Optional[UUID] = None, tags: Optional[list[str]] = None,
                            metadata: Optional[dict[str, Any]] = None,
                            invocation_params: Optional[dict[str, Any]] = None, run_name: Optional[str] = None,
                            **kwargs: Any) -> None:
        self._chat_start(serialized, messages, run_id, parent_run_id, tags, metadata, invocation_params, run_name,
                         kwargs)

    def on_llm_new_token(self, token: Any, *, run_id: UUID, **_kwargs: Any) -> None:
        self._on_llm_new_token(token=_token_text(token), run_id=run_id)

    def on_llm_end(self, response: Any, *, run_id: UUID, **_kwargs: Any) -> None:
        self._on_llm_end(response=response, run_id=run_id)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **_kwargs: Any) -> None:
        self._on_llm_error(error=error, run_id=run_id)

    def on_tool_start(self, serialized: Optional[dict[str, Any]], input_str: str, *, run_id: UUID,
                      parent_run_id: Optional[UUID] = None, tags: Optional[list[str]] = None,
                      metadata: Optional[dict[str, Any]] = None, run_name: Optional[str] = None,
                      **kwargs: Any) -> None:
        self._tool_start(serialized, input_str, run_id, parent_run_id, tags, metadata, run_name, kwargs)

    def on_tool_end(self, output: Any, *, run_id: UUID, **_kwargs: Any) -> None:
        self._on_tool_end(output=_tool_output(output), run_id=run_id)

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **_kwargs: Any) -> None:
        self._on_tool_error(error=error, run_id=run_id)

    def on_chain_start(self, serialized: Optional[dict[str, Any]], inputs: Any, *, run_id: UUID,
                       parent_run_id: Optional[UUID] = None, tags: Optional[list[str]] = None,
                       metadata: Optional[dict[str, Any]] = None, run_type: Optional[str] = None,
                       run_name: Optional[str] = None, **kwargs: Any) -> None:
        self._chain_start(serialized, run_id, parent_run_id, tags, metadata, run_type, run_name, kwargs)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **_kwargs: Any) -> None:
        self._on_chain_end(run_id=run_id)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **_kwargs: Any) -> None:
        self._on_chain_error(error=error, run_id=run_id)

    def on_retriever_start(self, serialized: Optional[dict[str, Any]], query: str, *, run_id: UUID,
                           parent_run_id: Optional[UUID] = None, tags: Optional[list[str]] = None,
                           metadata: Optional[dict[str, Any]] = None, run_name: Optional[str] = None,
                           **kwargs: Any) -> None:
        self._retriever_start(serialized, run_id, parent_run_id, tags, metadata, run_name, kwargs)

    def on_retriever_end(self, documents: Any, *, run_id: UUID, **_kwargs: Any) -> None:
        self._on_retriever_end(run_id=run_id)

    def on_retriever_error(self, error: BaseException, *, run_id: UUID, **_kwargs: Any) -> None:
        self._on_retriever_error(error=error, run_id=run_id)


class SigilLangChainHandler(LangChainStyleCallbacks, BaseCallbackHandler):
    """LangChain callback handler for sync runs (and async runs: LangChain calls it in an executor)."""


class AsyncLangChainStyleCallbacks(_LangChainRuns):
    """LangChainStyleCallbacks whose callbacks are coroutines."""

    async def on_llm_start(self, serialized: Optional[dict[str, Any]], prompts: list[str], *, run_id: UUID,
                           parent_run_id: Optional[UUID] = None, tags: Optional[list[str]] = None,
                           metadata: Optional[dict[str, Any]] = None,
                           invocation_params: Optional[dict[str, Any]] = None, run_name: Optional[str] = None,
                           **kwargs: Any) -> None:
        self._llm_start(serialized, prompts, run_id, parent_run_id, tags, metadata, invocation_params, run_name,
                        kwargs)

    async def on_chat_model_start(self, serialized: Optional[dict[str, Any]], messages: list[list[Any]], *,
                                  run_id: UUID, parent_run_id: Optional[UUID] = None,
                                  tags: Optional[list[str]] = None, metadata: Optional[dict[str, Any]] = None,
                                  invocation_params: Optional[dict[str, Any]] = None,
                                  run_name: Optional[str] = None, **kwargs: Any) -> None:
        self._chat_start(serialized, messages, run_id, parent_run_id, tags, metadata, invocation_params, run_name,
                         kwargs)

    async def on_llm_new_token(self, token: Any, *, run_id: UUID, **_kwargs: Any) -> None:
        self._on_llm_new_token(token=_token_text(token), run_id=run_id)

    async def on_llm_end(self, response: Any, *, run_id: UUID, **_kwargs: Any) -> None:
        self._on_llm_end(response=response, run_id=run_id)

    async def on_llm_error(self, error: BaseException, *, run_id: UUID, **_kwargs: Any) -> None:
        self._on_llm_error(error=error, run_id=run_id)

    async def on_tool_start(self, serialized: Optional[dict[str, Any]], input_str: str, *, run_id: UUID,
                            parent_run_id: Optional[UUID] = None, tags: Optional[list[str]] = None,
                            metadata: Optional[dict[str, Any]] = None, run_name: Optional[str] = None,
                            **kwargs: Any) -> None:
        self._tool_start(serialized, input_str, run_id, parent_run_id, tags, metadata, run_name, kwargs)

    async def on_tool_end(self, output: Any, *, run_id: UUID, **_kwargs: Any) -> None:
        self._on_tool_end(output=_tool_output(output), run_id=run_id)

    async def on_tool_error(self, error: BaseException, *, run_id: UUID, **_kwargs: Any) -> None:
        self._on_tool_error(error=error, run_id=run_id)

    async def on_chain_start(self, serialized: Optional[dict[str, Any]], inputs: Any, *, run_id: UUID,
                             parent_run_id: Optional[UUID] = None, tags: Optional[list[str]] = None,
                             metadata: Optional[dict[str, Any]] = None, run_type: Optional[str] = None,
                             run_name: Optional[str] = None, **kwargs: Any) -> None:
        self._chain_start(serialized, run_id, parent_run_id, tags, metadata, run_type, run_name, kwargs)

    async def on_chain_end(self, outputs: Any, *, run_id: UUID, **_kwargs: Any) -> None:
        self._on_chain_end(run_id=run_id)

    async def on_chain_error(self, error: BaseException, *, run_id: UUID, **_kwargs: Any) -> None:
        self._on_chain_error(error=error, run_id=run_id)

    async def on_retriever_start(self, serialized: Optional[dict[str, Any]], query: str, *, run_id: UUID,
                                 parent_run_id: Optional[UUID] = None, tags: Optional[list[str]] = None,
                                 metadata: Optional[dict[str, Any]] = None, run_name: Optional[str] = None,
                                 **kwargs: Any) -> None:
        self._retriever_start(serialized, run_id, parent_run_id, tags, metadata, run_name, kwargs)

    async def on_retriever_end(self, documents: Any, *, run_id: UUID, **_kwargs: Any) -> None:
        self._on_retriever_end(run_id=run_id)

    async def on_retriever_error(self, error: BaseException, *, run_id: UUID, **_kwargs: Any) -> None:
        self._on_retriever_error(error=error, run_id=run_id)


class SigilAsyncLangChainHandler(AsyncLangChainStyleCallbacks, AsyncCallbackHandler):
    """LangChain callback handler whose callbacks are coroutines, awaited on the run's event loop."""


def with_callbacks(config: Optional[dict[str, Any]], handler_types: tuple[type, ...],
                   make: Any) -> dict[str, Any]:
    """A copy of a runnable config whose ``callbacks`` list holds one handler of ``handler_types``."""
    merged = dict(config or {})
    existing = merged.get("callbacks")
    if existing is None:
        callbacks: list[Any] = []
    elif isinstance(existing, list):
        callbacks = list(existing)
    elif isinstance(existing, (tuple, set)):
        callbacks = list(existing)
    elif hasattr(existing, "add_handler") and hasattr(existing, "handlers"):
        # A CallbackManager: add to a copy so the caller's manager is left as it was.
        manager = existing.copy()
        if not any(isinstance(h, handler_types) for h in manager.handlers):
            manager.add_handler(make(), inherit=True)
        merged["callbacks"] = manager
        return merged
    else:
        callbacks = [existing]
    if not any(isinstance(item, handler_types) for item in callbacks):
        callbacks.append(make())
    merged["callbacks"] = callbacks
    return merged
