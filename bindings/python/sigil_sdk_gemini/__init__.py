"""Gemini helpers under the reference name: Models wrappers and mappers (generate_content, its
stream, embed_content), recorded by the libsigil engine."""

from .provider import (
    GeminiOptions,
    GeminiStreamSummary,
    models,
)

__all__ = [
    "GeminiOptions",
    "GeminiStreamSummary",
    "models",
]
