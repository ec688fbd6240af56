"""Anthropic helpers under the reference name: Messages wrappers and mappers, recorded by the
libsigil engine. Anthropic has no embeddings API, so there is no embeddings namespace."""

from .provider import (
    AnthropicOptions,
    AnthropicStreamSummary,
    messages,
)

__all__ = [
    "AnthropicOptions",
    "AnthropicStreamSummary",
    "messages",
]
