"""Generation validation, by the engine's rules (the same ones end() applies)."""

from __future__ import annotations

from ctypes import byref, c_void_p

from . import _encode as enc
from . import _native as N
from .errors import STATUS_ERRORS, ValidationError
from .models import Generation


def validate_generation(generation: Generation) -> None:
    """Raises ValidationError (a ValueError) with the offending field's path when ``generation`` is invalid."""
    doc = enc.generation(generation)
    err = c_void_p()
    status = N.sigil_validate_generation_json(doc, len(doc), byref(err))
    if status == N.SIGIL_OK:
        return
    name = N.sigil_status_name(status).decode()
    message = name
    if err.value:
        message = N.sigil_error_message(err).decode("utf-8", "replace")
        N.sigil_error_free(err)
    raise STATUS_ERRORS.get(status, ValidationError)(message, code=status, status=name)
