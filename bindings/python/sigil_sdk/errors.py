"""Exceptions raised by sigil_sdk.

The class names are the reference SDK's; every engine status code maps to one
of them (see ``STATUS_ERRORS``). Each instance carries the engine's status as
``code`` (the pinned number), ``status`` (its C name, e.g. "SIGIL_E_QUEUE_FULL")
and ``name``, the language-neutral name every binding uses ("QueueFull").
Classes for configuration and argument problems also derive from ``ValueError``,
and the timeout class from ``TimeoutError``, so generic handlers keep working.
"""

from __future__ import annotations

from typing import Any


# Engine status code -> the canonical error name shared by every binding
# (conformance/README.md, "Canonical errors").
CANONICAL_NAMES: dict[int, str] = {
    1: "InvalidArgument",
    2: "ValidationFailed",
    3: "QueueFull",
    4: "PayloadTooLarge",
    5: "ClientShutdown",
    6: "InvalidUTF8",
    7: "InvalidJSON",
    8: "InvalidConfig",
    9: "Timeout",
    10: "TransportError",
    11: "AlreadyEnded",
    12: "OutOfMemory",
    13: "InternalError",
    14: "ByteBudgetExceeded",
    15: "Rejected",
    16: "RatingValidationFailed",
    17: "RatingConflict",
    18: "Unsupported",
}


class SigilError(Exception):
    """Base class for every error sigil_sdk raises or reports."""

    code: int = 0
    status: str = ""

    def __init__(self, message: str = "", *, code: int = 0, status: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.status = status

    @property
    def name(self) -> str:
        """The canonical, language-neutral error name ("QueueFull"); "" without an engine status."""
        return CANONICAL_NAMES.get(self.code, "")


class ValidationError(SigilError, ValueError):
    """The record (or rating) failed validation or was malformed; nothing was sent."""


class EnqueueError(SigilError):
    """The generation could not be queued for export."""


class QueueFullError(EnqueueError):
    """The export queue is full (by item count or by its byte budget)."""


class PayloadTooLargeError(EnqueueError):
    """The encoded generation exceeds the payload limit."""


class ClientShutdownError(EnqueueError):
    """The client is shut down (or shutting down)."""


class MappingError(SigilError):
    """Provider JSON could only partly be mapped.

    Raised by ``map_provider_generation`` / ``map_provider_embedding`` with
    ``result``, what could be mapped; returned (never raised) by the
    recorders' provider calls, whose record keeps what was mapped.
    """

    result: Any = None

    def __init__(self, message: str = "", *, code: int = 0, status: str = "", result: Any = None) -> None:
        super().__init__(message, code=code, status=status)
        self.result = result


class RatingConflictError(SigilError):
    """The rating id was already used for a different rating (HTTP 409)."""


class RatingTransportError(SigilError):
    """The rating could not be delivered, or the answer was not understood."""


class ConfigError(SigilError, ValueError):
    """The client configuration (or SIGIL_* environment) is invalid."""


class InvalidArgumentError(SigilError, ValueError):
    """An argument was missing or out of range."""


class _NotRepresentable(InvalidArgumentError):
    """A value C cannot receive (a NUL inside a string, an int beyond int64); recorders keep it for end()."""


class SigilTimeoutError(SigilError, TimeoutError):
    """A deadline passed before the operation completed (flush)."""


class TransportError(SigilError):
    """A network or protocol failure talking to a server."""


class UnsupportedError(SigilError, NotImplementedError):
    """The operation is not supported by this engine build or configuration."""


class EngineError(SigilError):
    """An unexpected engine failure (out of memory, internal invariant)."""


# Engine status code -> exception class. Codes are pinned in sigil.h.
STATUS_ERRORS: dict[int, type[SigilError]] = {
    1: InvalidArgumentError,  # SIGIL_E_INVALID_ARGUMENT
    2: ValidationError,  # SIGIL_E_VALIDATION
    3: QueueFullError,  # SIGIL_E_QUEUE_FULL
    4: PayloadTooLargeError,  # SIGIL_E_PAYLOAD_TOO_LARGE
    5: ClientShutdownError,  # SIGIL_E_SHUTDOWN
    6: ValidationError,  # SIGIL_E_INVALID_UTF8
    7: ValidationError,  # SIGIL_E_INVALID_JSON
    8: ConfigError,  # SIGIL_E_CONFIG
    9: SigilTimeoutError,  # SIGIL_E_TIMEOUT
    10: TransportError,  # SIGIL_E_TRANSPORT
    11: SigilError,  # SIGIL_E_ALREADY_ENDED (never raised: end() is idempotent)
    12: EngineError,  # SIGIL_E_NO_MEMORY
    13: EngineError,  # SIGIL_E_INTERNAL
    14: QueueFullError,  # SIGIL_E_BYTE_BUDGET
    15: ValidationError,  # SIGIL_E_REJECTED (the server refused the request as invalid)
    16: ValidationError,  # SIGIL_E_RATING_VALIDATION
    17: RatingConflictError,  # SIGIL_E_RATING_CONFLICT
    18: UnsupportedError,  # SIGIL_E_UNSUPPORTED
}

# Ratings report delivery problems with the reference's rating classes.
RATING_STATUS_ERRORS: dict[int, type[SigilError]] = {
    **STATUS_ERRORS,
    8: RatingTransportError,  # the API endpoint is empty or malformed
    9: RatingTransportError,
    10: RatingTransportError,
}
