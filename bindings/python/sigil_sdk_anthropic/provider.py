"""Anthropic wrappers and mappers: the request, response and stream events go to the engine as
"anthropic.messages" (docs/providers.md)."""

from __future__ import annotations

from dataclasses import dataclass

from sigil_sdk._provider_helpers import ProviderOptions, RequestResponseApi, StreamSummary


@dataclass(slots=True)
class AnthropicOptions(ProviderOptions):
    """Optional enrichments for the Anthropic wrappers and mappers."""

    provider_name: str = "anthropic"


@dataclass(slots=True)
class AnthropicStreamSummary(StreamSummary):
    """A Messages stream: its events (``message_start`` ... ``message_stop``, objects or dicts), or
    the final message, or only the text a caller accumulated."""


messages = RequestResponseApi("anthropic.messages", AnthropicOptions)
