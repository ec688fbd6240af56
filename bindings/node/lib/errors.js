'use strict';
// Errors the SDK throws or reports. Every engine status maps to one class; each
// instance carries the canonical, language-neutral name shared by all bindings
// as `name` ("QueueFull"), the C status name as `code` ("SIGIL_E_QUEUE_FULL"),
// and the pinned number as `status`.

/** Canonical names by engine status (conformance/README.md, "Canonical errors"). */
const CANONICAL_NAMES = Object.freeze({
  1: 'InvalidArgument',
  2: 'ValidationFailed',
  3: 'QueueFull',
  4: 'PayloadTooLarge',
  5: 'ClientShutdown',
  6: 'InvalidUTF8',
  7: 'InvalidJSON',
  8: 'InvalidConfig',
  9: 'Timeout',
  10: 'TransportError',
  11: 'AlreadyEnded',
  12: 'OutOfMemory',
  13: 'InternalError',
  14: 'ByteBudgetExceeded',
  15: 'Rejected',
  16: 'RatingValidationFailed',
  17: 'RatingConflict',
  18: 'Unsupported',
});

/** C status names (sigil_status_name), pinned like the numbers. */
const STATUS_CODES = Object.freeze({
  1: 'SIGIL_E_INVALID_ARGUMENT',
  2: 'SIGIL_E_VALIDATION',
  3: 'SIGIL_E_QUEUE_FULL',
  4: 'SIGIL_E_PAYLOAD_TOO_LARGE',
  5: 'SIGIL_E_SHUTDOWN',
  6: 'SIGIL_E_INVALID_UTF8',
  7: 'SIGIL_E_INVALID_JSON',
  8: 'SIGIL_E_CONFIG',
  9: 'SIGIL_E_TIMEOUT',
  10: 'SIGIL_E_TRANSPORT',
  11: 'SIGIL_E_ALREADY_ENDED',
  12: 'SIGIL_E_NO_MEMORY',
  13: 'SIGIL_E_INTERNAL',
  14: 'SIGIL_E_BYTE_BUDGET',
  15: 'SIGIL_E_REJECTED',
  16: 'SIGIL_E_RATING_VALIDATION',
  17: 'SIGIL_E_RATING_CONFLICT',
  18: 'SIGIL_E_UNSUPPORTED',
});

/** Base class of every error the SDK throws or reports. */
class SigilError extends Error {
  constructor(message, status = 0, options = undefined) {
    super(message, options);
    /** The pinned engine status (0 when the error did not come from the engine). */
    this.status = status;
    /** The C status name ("SIGIL_E_QUEUE_FULL"), or "" */
    this.code = STATUS_CODES[status] ?? '';
    // The canonical name ("QueueFull"); the class name without an engine status.
    Object.defineProperty(this, 'name', {
      value: CANONICAL_NAMES[status] ?? new.target.name,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}

/** The record (or rating) failed validation or was malformed; nothing was sent. */
class ValidationError extends SigilError {}
/** The generation could not be queued for export. */
class EnqueueError extends SigilError {}
/** The export queue is full (by item count or by its byte budget); the record was dropped. */
class QueueFullError extends EnqueueError {}
/** The encoded generation exceeds the payload limit; it was dropped. */
class PayloadTooLargeError extends EnqueueError {}
/** The client is shut down; nothing was recorded. */
class ClientShutdownError extends EnqueueError {}
/** The configuration (options or SIGIL_* / OTEL_* environment) is invalid. */
class ConfigError extends SigilError {}
/** A required argument was missing or out of range. */
class InvalidArgumentError extends SigilError {}
/** A deadline passed (flush, rating). */
class TimeoutError extends SigilError {}
/** A network or protocol failure talking to a server. */
class TransportError extends SigilError {}
/** The recorder was already ended. */
class AlreadyEndedError extends SigilError {}
/** The rating id was already used for a different rating (HTTP 409). */
class RatingConflictError extends SigilError {}
/** The rating could not be delivered, or the answer was not understood. */
class RatingTransportError extends SigilError {}
/** Not supported by this engine build or configuration. */
class UnsupportedError extends SigilError {}
/** An unexpected engine failure (out of memory, internal invariant). */
class EngineError extends SigilError {}
/**
 * Provider JSON the engine could only partly map (it did not parse, or held invalid UTF-8).
 * Returned, never thrown: the generation keeps what was mapped and its span gets mapping_error.
 */
class MappingError extends SigilError {}

const CLASSES = Object.freeze({
  1: InvalidArgumentError,
  2: ValidationError,
  3: QueueFullError,
  4: PayloadTooLargeError,
  5: ClientShutdownError,
  6: ValidationError, // invalid UTF-8
  7: ValidationError, // invalid JSON
  8: ConfigError,
  9: TimeoutError,
  10: TransportError,
  11: AlreadyEndedError,
  12: EngineError,
  13: EngineError,
  14: QueueFullError, // byte budget
  15: ValidationError, // the server refused the request as invalid
  16: ValidationError, // rating validation
  17: RatingConflictError,
  18: UnsupportedError,
});

// Ratings report delivery problems with the rating transport class.
const RATING_CLASSES = Object.freeze({ ...CLASSES, 8: RatingTransportError, 9: RatingTransportError,
  10: RatingTransportError });

/** The error for an engine status (and its message, when the engine gave one). */
function fromStatus(status, message, table = CLASSES) {
  const Class = table[status] ?? SigilError;
  return new Class(message || STATUS_CODES[status] || `sigil status ${status}`, status);
}

module.exports = {
  CANONICAL_NAMES,
  STATUS_CODES,
  SigilError,
  ValidationError,
  EnqueueError,
  QueueFullError,
  PayloadTooLargeError,
  ClientShutdownError,
  ConfigError,
  InvalidArgumentError,
  TimeoutError,
  TransportError,
  AlreadyEndedError,
  RatingConflictError,
  RatingTransportError,
  UnsupportedError,
  EngineError,
  MappingError,
  fromStatus,
  RATING_CLASSES,
};
