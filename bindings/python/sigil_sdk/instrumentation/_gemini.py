"""Gemini: ``models.generate_content``, ``generate_content_stream`` and ``embed_content`` of the
``google-genai`` SDK (``client.models`` and ``client.aio.models``).

Requests are recorded in the SDK form the engine reads (``model``, ``contents``, ``config``);
responses and stream chunks as the SDK's pydantic models in their REST (camelCase) JSON.
"""

from __future__ import annotations

from typing import Any

from ._calls import Spec, async_method, sync_method

PROVIDER = "gemini"


def _request(args: tuple, kwargs: dict) -> dict:
    body = {"model": kwargs.get("model"), "contents": kwargs.get("contents")}
    if kwargs.get("config") is not None:
        body["config"] = kwargs["config"]
    return body


def _streams(args: tuple, kwargs: dict) -> bool:
    return True


def _never(args: tuple, kwargs: dict) -> bool:
    return False


def targets() -> list[tuple[Any, str, Any]]:
    from google.genai import models

    generate = Spec("gemini.generate_content", _request, stream=_never)
    stream = Spec("gemini.generate_content", _request, stream=_streams)
    embed = Spec("gemini.embed_content", _request, embedding=True)
    return [
        (models.Models, "generate_content", sync_method(generate)),
        (models.Models, "generate_content_stream", sync_method(stream)),
        (models.Models, "embed_content", sync_method(embed)),
        (models.AsyncModels, "generate_content", async_method(generate)),
        (models.AsyncModels, "generate_content_stream", async_method(stream)),
        (models.AsyncModels, "embed_content", async_method(embed)),
    ]
