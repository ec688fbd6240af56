"""OpenAI wrappers and mappers: the request, response and stream events go to the engine as
"openai.chat", "openai.responses" and "openai.embeddings" (docs/providers.md)."""

from __future__ import annotations

from dataclasses import dataclass

from sigil_sdk._provider_helpers import EmbeddingsApi, ProviderOptions, RequestResponseApi, StreamSummary


@dataclass(slots=True)
class OpenAIOptions(ProviderOptions):
    """Optional enrichments for the OpenAI wrappers and mappers."""

    provider_name: str = "openai"


@dataclass(slots=True)
class ChatCompletionsStreamSummary(StreamSummary):
    """A Chat Completions stream: its chunks (``ChatCompletionChunk`` objects or dicts), or the final
    completion, or only the text a caller accumulated."""


@dataclass(slots=True)
class ResponsesStreamSummary(StreamSummary):
    """A Responses stream: its events (``response.*`` objects or dicts), or the final response, or
    only the text a caller accumulated."""


class _ChatNamespace:
    """``chat.completions``: the Chat Completions wrappers and mappers."""

    completions = RequestResponseApi("openai.chat", OpenAIOptions)


chat = _ChatNamespace()
responses = RequestResponseApi("openai.responses", OpenAIOptions)
embeddings = EmbeddingsApi("openai.embeddings", OpenAIOptions)
