"""Provider JSON -> normalized values, without a client or a recorder.

The engine maps the bodies (the same mapping the recorders' ``set_provider_*``
and ``add_provider_event`` use, see docs/providers.md) and hands back the
normalized generation as sigil.v1 protojson, which ``_encode`` decodes.
Provider helper modules build their ``from_request_response`` /
``from_stream`` results on these functions.
"""

from __future__ import annotations

from ctypes import byref, c_size_t, c_void_p
from typing import Any, Callable, Iterable, Optional

from . import _encode as enc
from . import _native as N
from .client import ProviderBody, _error, _event_arrays, _provider_json, _take_json
from .errors import MappingError
from .models import EmbeddingResult, Generation

_MAPPING_PROBLEMS = (6, 7)  # SIGIL_E_INVALID_UTF8, SIGIL_E_INVALID_JSON: partly mapped


def map_provider_generation(
    api: str,
    request: ProviderBody = None,
    response: ProviderBody = None,
    events: Optional[Iterable[ProviderBody]] = None,
    *,
    raw_artifacts: bool = False,
) -> Generation:
    """Maps a provider call into a Generation: the request, the response, and/or the stream's events.

    ``api`` is "openai.chat", "openai.responses", "anthropic.messages",
    "gemini.generate_content" or "bedrock.converse". Bodies take what
    ``GenerationRecorder.set_provider_request`` takes (dict/list, JSON text or
    bytes, a provider SDK's pydantic model); None leaves a part out. ``mode``
    is STREAM with events, SYNC with a response; ids, times, tags and agent
    fields are left for the recorder. ``raw_artifacts`` adds copies of the
    provider JSON as artifacts.

    Raises InvalidArgumentError (a ValueError) for an unknown or embedding
    API, and MappingError when a body could only partly be mapped; its
    ``result`` holds the Generation with what was mapped.
    """
    return _map_generation(api, request, response, events, raw_artifacts, enc.decode_generation)


def _map_generation(api: str, request: ProviderBody, response: ProviderBody,
                    events: Optional[Iterable[ProviderBody]], raw_artifacts: bool,
                    decode: Callable[[bytes], Any]) -> Any:
    """The engine's mapping, its document handed to ``decode``."""
    req = _optional_body(request)
    resp = _optional_body(response)
    bodies = [_provider_json(e) for e in events] if events is not None else []
    ptrs, lens = _event_arrays(bodies)
    flags = N.PROVIDER_RAW_ARTIFACTS if raw_artifacts else 0

    def call(out: c_void_p, n: c_size_t, err: c_void_p) -> int:
        return N.sigil_provider_map_generation(
            api.encode(), req, len(req) if req else 0, resp, len(resp) if resp else 0,
            ptrs, lens, len(bodies), flags, byref(out), byref(n), byref(err))

    return _mapped(call, decode)


def map_provider_embedding(api: str, request: ProviderBody = None, response: ProviderBody = None) -> EmbeddingResult:
    """Maps an embedding call ("openai.embeddings", "gemini.embed_content") into an EmbeddingResult:
    input count and texts from the request, tokens, response model and dimensions from the response.

    Raises InvalidArgumentError for an unknown or non-embedding API, and
    MappingError (with ``result``) when a body could only partly be mapped.
    """
    req = _optional_body(request)
    resp = _optional_body(response)

    def call(out: c_void_p, n: c_size_t, err: c_void_p) -> int:
        return N.sigil_provider_map_embedding(
            api.encode(), req, len(req) if req else 0, resp, len(resp) if resp else 0, byref(out), byref(n),
            byref(err))

    return _mapped(call, enc.decode_embedding_result)


def _optional_body(body: ProviderBody) -> Optional[bytes]:
    return None if body is None else _provider_json(body)


def _mapped(call: Callable[[c_void_p, c_size_t, c_void_p], int], decode: Callable[[bytes], Any]) -> Any:
    """Runs an engine mapping call, decodes what it handed back, and raises for its status."""
    out, n, err = c_void_p(), c_size_t(), c_void_p()
    status = call(out, n, err)
    doc = _take_json(out, n)
    if status == N.SIGIL_OK:
        return decode(doc)
    problem = _error(status, err)
    if doc is not None and status in _MAPPING_PROBLEMS:
        raise MappingError(str(problem), code=problem.code, status=problem.status, result=decode(doc))
    raise problem
