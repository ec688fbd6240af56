"""Gemini wrappers and mappers: ``model``, ``contents`` and ``config`` go to the engine as one
request ("gemini.generate_content", "gemini.embed_content"), with the response or the streamed
chunks as they are (docs/providers.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Optional, TypeVar

from sigil_sdk import Client, EmbeddingResult, Generation
from sigil_sdk._provider_helpers import EmbeddingsApi, ProviderOptions, RequestResponseApi, stream_exchange

T = TypeVar("T")
ProviderCall = Callable[[str, Any, Any], T]


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


# The Gemini calls are the one-request APIs with the request built from (model, contents, config).
_generate = RequestResponseApi("gemini.generate_content", GeminiOptions,
                               lambda s: stream_exchange(s.responses, s.final_response, s.output_text))
_embed = EmbeddingsApi("gemini.embed_content", GeminiOptions)


class _ModelsNamespace:
    """``models``: the Gemini Models wrappers and mappers. ``provider_call`` receives
    ``(model, contents, config)`` as given."""

    def generate_content(self, client: Client, model: str, contents: Any, config: Any,
                         provider_call: ProviderCall[T], options: Optional[GeminiOptions] = None) -> T:
        """Calls the provider and records the call as a SYNC generation; returns its response."""
        return _generate.create(client, _request(model, contents, config),
                                lambda _: provider_call(model, contents, config), options)

    async def generate_content_async(self, client: Client, model: str, contents: Any, config: Any,
                                     provider_call: ProviderCall[Awaitable[T]],
                                     options: Optional[GeminiOptions] = None) -> T:
        """``generate_content`` for an async provider call."""
        return await _generate.create_async(client, _request(model, contents, config),
                                            lambda _: provider_call(model, contents, config), options)

    def generate_content_stream(self, client: Client, model: str, contents: Any, config: Any,
                                provider_call: ProviderCall[T], options: Optional[GeminiOptions] = None) -> T:
        """Calls the provider and records the call as a STREAM generation; returns its summary."""
        return _generate.stream(client, _request(model, contents, config),
                                lambda _: provider_call(model, contents, config), options)

    async def generate_content_stream_async(self, client: Client, model: str, contents: Any, config: Any,
                                            provider_call: ProviderCall[Awaitable[T]],
                                            options: Optional[GeminiOptions] = None) -> T:
        """``generate_content_stream`` for an async provider call."""
        return await _generate.stream_async(client, _request(model, contents, config),
                                            lambda _: provider_call(model, contents, config), options)

    def embed_content(self, client: Client, model: str, contents: Any, config: Any,
                      provider_call: ProviderCall[T], options: Optional[GeminiOptions] = None) -> T:
        """Calls the provider and records an embedding call; returns its response."""
        return _embed.create(client, _request(model, contents, config),
                             lambda _: provider_call(model, contents, config), options)

    async def embed_content_async(self, client: Client, model: str, contents: Any, config: Any,
                                  provider_call: ProviderCall[Awaitable[T]],
                                  options: Optional[GeminiOptions] = None) -> T:
        """``embed_content`` for an async provider call."""
        return await _embed.create_async(client, _request(model, contents, config),
                                         lambda _: provider_call(model, contents, config), options)

    def from_request_response(self, model: str, contents: Any, config: Any, response: Any,
                              options: Optional[GeminiOptions] = None) -> Generation:
        """The generation of a call made without a wrapper (for ``recorder.set_result``)."""
        return _generate.from_request_response(_request(model, contents, config), response, options)

    def from_stream(self, model: str, contents: Any, config: Any, summary: GeminiStreamSummary,
                    options: Optional[GeminiOptions] = None) -> Generation:
        """The generation of a stream made without a wrapper, from its summary."""
        return _generate.from_stream(_request(model, contents, config), summary, options)

    def embedding_from_response(self, model: str, contents: Any, config: Any, response: Any) -> EmbeddingResult:
        """The embedding result of a call made without a wrapper (for ``recorder.set_result``)."""
        return _embed.from_request_response(_request(model, contents, config), response)


models = _ModelsNamespace()
