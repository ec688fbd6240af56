"""Gemini wrappers and mappers: ``model``, ``contents`` and ``config`` go to the engine as one
request ("gemini.generate_content", "gemini.embed_content"), with the response or the streamed
chunks as they are (docs/providers.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Optional, TypeVar

from sigil_sdk import Client, EmbeddingResult, Generation, GenerationMode
from sigil_sdk._provider_helpers import (
    ProviderOptions,
    call,
    call_async,
    embedding_call,
    generation_call,
    map_embedding,
    map_generation,
    response_exchange,
    stream_exchange,
)

T = TypeVar("T")
ProviderCall = Callable[[str, Any, Any], T]

_GENERATE = "gemini.generate_content"
_EMBED = "gemini.embed_content"


@dataclass(slots=True)
class GeminiOptions(ProviderOptions):
    """Optional enrichments for the Gemini wrappers and mappers."""

    provider_name: str = "gemini"


@dataclass(slots=True)
class GeminiStreamSummary:
    """A generate_content stream: its chunks (``GenerateContentResponse`` objects or dicts), or a
    final response, or only the text a caller accumulated."""

    responses: list[Any] = field(default_factory=list)
    output_text: str = ""
    final_response: Any = None


def _request(model: str, contents: Any, config: Any) -> dict[str, Any]:
    """The SDK call's arguments as one request body (the engine reads ``config`` like the REST fields)."""
    body: dict[str, Any] = {"model": model, "contents": contents}
    if config is not None:
        body["config"] = config
    return body


def _summary_exchange(summary: Any):
    return stream_exchange(summary.responses, summary.final_response, summary.output_text)


class _ModelsNamespace:
    """``models``: the Gemini Models wrappers and mappers. ``provider_call`` receives
    ``(model, contents, config)`` as given."""

    def generate_content(self, client: Client, model: str, contents: Any, config: Any,
                         provider_call: ProviderCall[T], options: Optional[GeminiOptions] = None) -> T:
        """Calls the provider and records the call as a SYNC generation; returns its response."""
        record = generation_call(client, _GENERATE, options or GeminiOptions(), GenerationMode.SYNC,
                                 _request(model, contents, config), response_exchange)
        return call(lambda: provider_call(model, contents, config), record)

    async def generate_content_async(self, client: Client, model: str, contents: Any, config: Any,
                                     provider_call: ProviderCall[Awaitable[T]],
                                     options: Optional[GeminiOptions] = None) -> T:
        """``generate_content`` for an async provider call."""
        record = generation_call(client, _GENERATE, options or GeminiOptions(), GenerationMode.SYNC,
                                 _request(model, contents, config), response_exchange)
        return await call_async(lambda: provider_call(model, contents, config), record)

    def generate_content_stream(self, client: Client, model: str, contents: Any, config: Any,
                                provider_call: ProviderCall[T], options: Optional[GeminiOptions] = None) -> T:
        """Calls the provider and records the call as a STREAM generation; returns its summary."""
        record = generation_call(client, _GENERATE, options or GeminiOptions(), GenerationMode.STREAM,
                                 _request(model, contents, config), _summary_exchange)
        return call(lambda: provider_call(model, contents, config), record)

    async def generate_content_stream_async(self, client: Client, model: str, contents: Any, config: Any,
                                            provider_call: ProviderCall[Awaitable[T]],
                                            options: Optional[GeminiOptions] = None) -> T:
        """``generate_content_stream`` for an async provider call."""
        record = generation_call(client, _GENERATE, options or GeminiOptions(), GenerationMode.STREAM,
                                 _request(model, contents, config), _summary_exchange)
        return await call_async(lambda: provider_call(model, contents, config), record)

    def embed_content(self, client: Client, model: str, contents: Any, config: Any,
                      provider_call: ProviderCall[T], options: Optional[GeminiOptions] = None) -> T:
        """Calls the provider and records an embedding call; returns its response."""
        record = embedding_call(client, _EMBED, options or GeminiOptions(), _request(model, contents, config))
        return call(lambda: provider_call(model, contents, config), record)

    async def embed_content_async(self, client: Client, model: str, contents: Any, config: Any,
                                  provider_call: ProviderCall[Awaitable[T]],
                                  options: Optional[GeminiOptions] = None) -> T:
        """``embed_content`` for an async provider call."""
        record = embedding_call(client, _EMBED, options or GeminiOptions(), _request(model, contents, config))
        return await call_async(lambda: provider_call(model, contents, config), record)

    def from_request_response(self, model: str, contents: Any, config: Any, response: Any,
                              options: Optional[GeminiOptions] = None) -> Generation:
        """The generation of a call made without a wrapper (for ``recorder.set_result``)."""
        return map_generation(_GENERATE, options or GeminiOptions(), GenerationMode.SYNC,
                              _request(model, contents, config), response_exchange(response))

    def from_stream(self, model: str, contents: Any, config: Any, summary: GeminiStreamSummary,
                    options: Optional[GeminiOptions] = None) -> Generation:
        """The generation of a stream made without a wrapper, from its summary."""
        return map_generation(_GENERATE, options or GeminiOptions(), GenerationMode.STREAM,
                              _request(model, contents, config), _summary_exchange(summary))

    def embedding_from_response(self, model: str, contents: Any, config: Any, response: Any) -> EmbeddingResult:
        """The embedding result of a call made without a wrapper (for ``recorder.set_result``)."""
        return map_embedding(_EMBED, _request(model, contents, config), response)


models = _ModelsNamespace()
