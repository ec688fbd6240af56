"""Anthropic wrappers and mappers: the request, response and stream events go to the engine as
"anthropic.messages" (docs/providers.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sigil_sdk._provider_helpers import ProviderOptions, RequestResponseApi


@dataclass(slots=True)
class AnthropicOptions(ProviderOptions):
    """Optional enrichments for the Anthropic wrappers and mappers."""

    provider_name: str = "anthropic"


@dataclass(slots=True)
class AnthropicStreamSummary:
    """A Messages stream: its events (``message_start`` ... ``message_stop``, objects or dicts), or
    the final message, or only the text a caller accumulated."""

    final_response: Any = None
    events: list[Any] = field(default_factory=list)
    output_text: str = ""


messages = RequestResponseApi("anthropic.messages", AnthropicOptions)
