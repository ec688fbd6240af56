"""OpenAI helpers under the reference name: Chat Completions, Responses and embeddings wrappers and
mappers, recorded by the libsigil engine."""

from .provider import (
    ChatCompletionsStreamSummary,
    OpenAIOptions,
    ResponsesStreamSummary,
    chat,
    embeddings,
    responses,
)

__all__ = [
    "ChatCompletionsStreamSummary",
    "OpenAIOptions",
    "ResponsesStreamSummary",
    "chat",
    "embeddings",
    "responses",
]
