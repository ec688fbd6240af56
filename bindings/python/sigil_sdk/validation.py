"""Validation by the engine's rules (the same ones end() applies), with the reference's messages."""

from __future__ import annotations

from ctypes import byref, c_void_p
from typing import Callable

from . import _encode as enc
from . import _native as N
from .errors import STATUS_ERRORS, ValidationError
from .models import EmbeddingResult, EmbeddingStart, Generation


def validate_generation(generation: Generation) -> None:
    """Raises ValidationError (a ValueError) with the offending field's path when ``generation`` is invalid."""
    doc = enc.generation(generation)
    _raise_for(lambda err: N.sigil_validate_generation_json(doc, len(doc), err))


def validate_embedding_start(start: EmbeddingStart) -> None:
    """Raises ValidationError (a ValueError) when an embedding start is invalid (provider and model
    required, dimensions > 0, encoding format not blank)."""
    s = N.EmbeddingStart()
    s.version = N.EMBEDDING_START_VERSION
    model = start.model
    if model is not None:
        s.model_provider = enc.utf8(model.provider, "model_provider")
        s.model_name = enc.utf8(model.name, "model_name")
    if start.dimensions is not None:
        s.has_dimensions, s.dimensions = 1, start.dimensions
    if start.encoding_format:  # "" is unset; a blank one is set, and refused
        s.encoding_format = start.encoding_format.encode("utf-8", "surrogatepass")
    _raise_for(lambda err: N.sigil_validate_embedding_start(byref(s), err))


def validate_embedding_result(result: EmbeddingResult) -> None:
    """Raises ValidationError (a ValueError) when an embedding result is invalid (counts >= 0,
    dimensions > 0)."""
    r = N.EmbeddingResult()
    r.version = N.EMBEDDING_RESULT_VERSION
    r.input_count = result.input_count
    r.input_tokens = result.input_tokens
    if result.dimensions is not None:
        r.has_dimensions, r.dimensions = 1, result.dimensions
    _raise_for(lambda err: N.sigil_validate_embedding_result(byref(r), err))


def _raise_for(call: Callable[[object], int]) -> None:
    err = c_void_p()
    status = call(byref(err))
    if status == N.SIGIL_OK:
        return
    name = N.sigil_status_name(status).decode()
    message = name
    if err.value:
        message = N.sigil_error_message(err).decode("utf-8", "replace")
        N.sigil_error_free(err)
    raise STATUS_ERRORS.get(status, ValidationError)(message, code=status, status=name)
