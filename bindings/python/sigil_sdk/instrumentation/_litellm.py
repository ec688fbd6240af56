"""LiteLLM: ``litellm.completion`` and ``litellm.acompletion`` (streams too).

LiteLLM answers every provider in the OpenAI Chat Completions shape, so calls are recorded as
"openai.chat"; the model is named as given to LiteLLM ("anthropic/claude-..."). A provider SDK that
LiteLLM calls underneath (openai, ...) is not recorded a second time. Only the module attributes are
replaced: code that bound ``from litellm import completion`` before instrument() keeps the original.
"""

from __future__ import annotations

from typing import Any

from . import _core
from ._calls import Spec, async_method, sync_method

PROVIDER = "litellm"

# LiteLLM's own keyword arguments: routing, credentials and client options, not the request body.
_NOT_BODY = _core.TRANSPORT_KWARGS | frozenset({
    "api_key", "api_base", "base_url", "api_version", "custom_llm_provider", "organization", "headers",
    "num_retries", "max_retries", "mock_response", "logger_fn", "litellm_logging_obj", "litellm_call_id",
    "litellm_metadata", "metadata", "client", "aws_access_key_id", "aws_secret_access_key",
    "aws_session_token", "aws_region_name", "vertex_credentials", "vertex_project", "vertex_location",
    "azure_ad_token", "deployment_id", "input_cost_per_token", "output_cost_per_token",
})


def _request(args: tuple, kwargs: dict) -> dict:
    body = _core.request_body(kwargs, _NOT_BODY)
    if args:  # completion(model, messages, ...) positionally
        body.setdefault("model", args[0])
        if len(args) > 1:
            body.setdefault("messages", args[1])
    return body


def targets() -> list[tuple[Any, str, Any]]:
    import litellm

    spec = Spec("openai.chat", _request)
    return [(litellm, "completion", sync_method(spec)), (litellm, "acompletion", async_method(spec))]
