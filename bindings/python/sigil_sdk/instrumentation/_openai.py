"""OpenAI: Chat Completions, Responses and Embeddings of the official ``openai`` SDK, sync and async.

The resource classes' ``create`` (and ``parse``) are replaced, so every client records, whenever it
was created. The SDK client's ``_process_response`` hands over the request bytes it sent and the
response body it received, and a stream's SSE decoder each event's data: the engine gets the wire
JSON, and nothing is serialized again. ``with_raw_response`` goes through ``create`` (the parsed body is recorded); the stream
helpers (``chat.completions.stream``, ``responses.stream``) open their streams through ``create`` as
well. ``with_streaming_response`` and raw streamed responses are passed through unrecorded: their
body belongs to the caller, unread.
"""

from __future__ import annotations

from typing import Any

from . import _core
from ._calls import Spec, async_method, sync_method, wire_targets

PROVIDER = "openai"
_RAW_HEADER = "X-Stainless-Raw-Response"


def _skip(args: tuple, kwargs: dict) -> bool:
    headers = kwargs.get("extra_headers")
    if not headers:
        return False
    mode = headers.get(_RAW_HEADER)
    return mode == "stream" or (mode is not None and kwargs.get("stream") is True)


def _response(result: Any) -> Any:
    # with_raw_response: a LegacyAPIResponse whose parse() is cached, so the caller gets the same object.
    if hasattr(result, "http_response") and callable(getattr(result, "parse", None)):
        return result.parse()
    return result


def _specs(api: str, embedding: bool = False) -> Spec:
    return Spec(api, _core.keyword_request, response=_response, skip=_skip, embedding=embedding, wire=True)


def targets() -> list[tuple[Any, str, Any]]:
    from openai import _base_client
    from openai.resources import embeddings
    from openai.resources.chat import completions
    from openai.resources.responses import responses

    chat, resp, emb = _specs("openai.chat"), _specs("openai.responses"), _specs("openai.embeddings", True)
    return [
        (completions.Completions, "create", sync_method(chat)),
        (completions.Completions, "parse", sync_method(chat)),
        (completions.AsyncCompletions, "create", async_method(chat)),
        (completions.AsyncCompletions, "parse", async_method(chat)),
        (responses.Responses, "create", sync_method(resp)),
        (responses.Responses, "parse", sync_method(resp)),
        (responses.AsyncResponses, "create", async_method(resp)),
        (responses.AsyncResponses, "parse", async_method(resp)),
        (embeddings.Embeddings, "create", sync_method(emb)),
        (embeddings.AsyncEmbeddings, "create", async_method(emb)),
        *wire_targets(_base_client),
    ]
