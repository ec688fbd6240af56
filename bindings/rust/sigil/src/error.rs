use std::ffi::CStr;
use std::fmt;

use sigil_sys as sys;

/// An error reported by libsigil (or, for input Rust cannot pass to C, by
/// this crate), with the engine's message.
///
/// The variants are the canonical error names every libsigil binding uses
/// (Python raises classes, Go returns `*sigil.Error` values, Node throws
/// `Error` subclasses); [`Error::name`] gives the language-neutral spelling
/// ("InvalidUTF8"), [`Error::status`] the pinned C status code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A required argument was missing or out of range (`SIGIL_E_INVALID_ARGUMENT`).
    InvalidArgument(String),
    /// The generation or embedding failed validation; nothing was exported (`SIGIL_E_VALIDATION`).
    ValidationFailed(String),
    /// The export queue is full; the record was dropped (`SIGIL_E_QUEUE_FULL`).
    QueueFull(String),
    /// The queue's byte budget is exhausted; the record was dropped (`SIGIL_E_BYTE_BUDGET`).
    ByteBudgetExceeded(String),
    /// The encoded record exceeds the payload limit; dropped (`SIGIL_E_PAYLOAD_TOO_LARGE`).
    PayloadTooLarge(String),
    /// The client is shut down; nothing was recorded (`SIGIL_E_SHUTDOWN`).
    ClientShutdown(String),
    /// A value was not valid UTF-8, e.g. the bytes of a tool call's
    /// `input_json` (`SIGIL_E_INVALID_UTF8`).
    InvalidUtf8(String),
    /// A JSON value did not parse or had the wrong shape (`SIGIL_E_INVALID_JSON`).
    InvalidJson(String),
    /// The configuration (options or `SIGIL_*` environment) is invalid (`SIGIL_E_CONFIG`).
    InvalidConfig(String),
    /// A deadline passed: flush, shutdown, rating (`SIGIL_E_TIMEOUT`).
    Timeout(String),
    /// A network or protocol failure talking to a server (`SIGIL_E_TRANSPORT`).
    TransportError(String),
    /// The recorder was already ended (`SIGIL_E_ALREADY_ENDED`).
    AlreadyEnded(String),
    /// Memory could not be allocated (`SIGIL_E_NO_MEMORY`).
    OutOfMemory(String),
    /// An engine invariant failed; please report it (`SIGIL_E_INTERNAL`).
    InternalError(String),
    /// The server refused the request as invalid, e.g. a rating answered with
    /// HTTP 400 (`SIGIL_E_REJECTED`).
    Rejected(String),
    /// The rating input is invalid; nothing was sent (`SIGIL_E_RATING_VALIDATION`).
    RatingValidationFailed(String),
    /// The rating id was already used for a different rating (HTTP 409,
    /// `SIGIL_E_RATING_CONFLICT`).
    RatingConflict(String),
    /// Not supported by this build or configuration (`SIGIL_E_UNSUPPORTED`).
    Unsupported(String),
}

/// `Result<T, sigil::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The error for an engine status code (unknown codes are internal errors).
    pub(crate) fn from_status(status: sys::sigil_status_t, message: String) -> Error {
        match status {
            sys::SIGIL_E_INVALID_ARGUMENT => Error::InvalidArgument(message),
            sys::SIGIL_E_VALIDATION => Error::ValidationFailed(message),
            sys::SIGIL_E_QUEUE_FULL => Error::QueueFull(message),
            sys::SIGIL_E_PAYLOAD_TOO_LARGE => Error::PayloadTooLarge(message),
            sys::SIGIL_E_SHUTDOWN => Error::ClientShutdown(message),
            sys::SIGIL_E_INVALID_UTF8 => Error::InvalidUtf8(message),
            sys::SIGIL_E_INVALID_JSON => Error::InvalidJson(message),
            sys::SIGIL_E_CONFIG => Error::InvalidConfig(message),
            sys::SIGIL_E_TIMEOUT => Error::Timeout(message),
            sys::SIGIL_E_TRANSPORT => Error::TransportError(message),
            sys::SIGIL_E_ALREADY_ENDED => Error::AlreadyEnded(message),
            sys::SIGIL_E_NO_MEMORY => Error::OutOfMemory(message),
            sys::SIGIL_E_BYTE_BUDGET => Error::ByteBudgetExceeded(message),
            sys::SIGIL_E_REJECTED => Error::Rejected(message),
            sys::SIGIL_E_RATING_VALIDATION => Error::RatingValidationFailed(message),
            sys::SIGIL_E_RATING_CONFLICT => Error::RatingConflict(message),
            sys::SIGIL_E_UNSUPPORTED => Error::Unsupported(message),
            _ => Error::InternalError(message),
        }
    }

    /// The canonical, language-neutral name shared by every binding
    /// ("QueueFull", "InvalidUTF8", ...; see conformance/README.md).
    pub fn name(&self) -> &'static str {
        match self {
            Error::InvalidArgument(_) => "InvalidArgument",
            Error::ValidationFailed(_) => "ValidationFailed",
            Error::QueueFull(_) => "QueueFull",
            Error::ByteBudgetExceeded(_) => "ByteBudgetExceeded",
            Error::PayloadTooLarge(_) => "PayloadTooLarge",
            Error::ClientShutdown(_) => "ClientShutdown",
            Error::InvalidUtf8(_) => "InvalidUTF8",
            Error::InvalidJson(_) => "InvalidJSON",
            Error::InvalidConfig(_) => "InvalidConfig",
            Error::Timeout(_) => "Timeout",
            Error::TransportError(_) => "TransportError",
            Error::AlreadyEnded(_) => "AlreadyEnded",
            Error::OutOfMemory(_) => "OutOfMemory",
            Error::InternalError(_) => "InternalError",
            Error::Rejected(_) => "Rejected",
            Error::RatingValidationFailed(_) => "RatingValidationFailed",
            Error::RatingConflict(_) => "RatingConflict",
            Error::Unsupported(_) => "Unsupported",
        }
    }

    /// The pinned C status code (`SIGIL_E_*`).
    pub fn status(&self) -> u32 {
        match self {
            Error::InvalidArgument(_) => sys::SIGIL_E_INVALID_ARGUMENT,
            Error::ValidationFailed(_) => sys::SIGIL_E_VALIDATION,
            Error::QueueFull(_) => sys::SIGIL_E_QUEUE_FULL,
            Error::ByteBudgetExceeded(_) => sys::SIGIL_E_BYTE_BUDGET,
            Error::PayloadTooLarge(_) => sys::SIGIL_E_PAYLOAD_TOO_LARGE,
            Error::ClientShutdown(_) => sys::SIGIL_E_SHUTDOWN,
            Error::InvalidUtf8(_) => sys::SIGIL_E_INVALID_UTF8,
            Error::InvalidJson(_) => sys::SIGIL_E_INVALID_JSON,
            Error::InvalidConfig(_) => sys::SIGIL_E_CONFIG,
            Error::Timeout(_) => sys::SIGIL_E_TIMEOUT,
            Error::TransportError(_) => sys::SIGIL_E_TRANSPORT,
            Error::AlreadyEnded(_) => sys::SIGIL_E_ALREADY_ENDED,
            Error::OutOfMemory(_) => sys::SIGIL_E_NO_MEMORY,
            Error::InternalError(_) => sys::SIGIL_E_INTERNAL,
            Error::Rejected(_) => sys::SIGIL_E_REJECTED,
            Error::RatingValidationFailed(_) => sys::SIGIL_E_RATING_VALIDATION,
            Error::RatingConflict(_) => sys::SIGIL_E_RATING_CONFLICT,
            Error::Unsupported(_) => sys::SIGIL_E_UNSUPPORTED,
        }
    }

    /// The status code's C name ("SIGIL_E_QUEUE_FULL").
    pub fn status_name(&self) -> &'static str {
        status_name(self.status())
    }

    /// The message, as the engine wrote it.
    pub fn message(&self) -> &str {
        match self {
            Error::InvalidArgument(m)
            | Error::ValidationFailed(m)
            | Error::QueueFull(m)
            | Error::ByteBudgetExceeded(m)
            | Error::PayloadTooLarge(m)
            | Error::ClientShutdown(m)
            | Error::InvalidUtf8(m)
            | Error::InvalidJson(m)
            | Error::InvalidConfig(m)
            | Error::Timeout(m)
            | Error::TransportError(m)
            | Error::AlreadyEnded(m)
            | Error::OutOfMemory(m)
            | Error::InternalError(m)
            | Error::Rejected(m)
            | Error::RatingValidationFailed(m)
            | Error::RatingConflict(m)
            | Error::Unsupported(m) => m,
        }
    }

    /// Whether the record was dropped before export: queue full, byte budget,
    /// payload too large, or the client shut down.
    pub fn is_dropped(&self) -> bool {
        matches!(
            self,
            Error::QueueFull(_) | Error::ByteBudgetExceeded(_) | Error::PayloadTooLarge(_) | Error::ClientShutdown(_)
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message().is_empty() {
            f.write_str(self.status_name())
        } else {
            f.write_str(self.message())
        }
    }
}

impl std::error::Error for Error {}

/// The engine's static name for a status code.
pub(crate) fn status_name(status: sys::sigil_status_t) -> &'static str {
    // SAFETY: sigil_status_name returns a static, NUL-terminated ASCII string.
    unsafe { CStr::from_ptr(sys::sigil_status_name(status)) }.to_str().unwrap_or("SIGIL_E_UNKNOWN")
}

/// Turns a status and an optional owned `sigil_error_t` into a `Result`,
/// freeing the error object.
///
/// # Safety
/// `err` must be NULL or an error object the engine returned and nobody freed.
pub(crate) unsafe fn check(status: sys::sigil_status_t, err: *mut sys::sigil_error_t) -> Result<()> {
    if status == sys::SIGIL_OK {
        sys::sigil_error_free(err);
        return Ok(());
    }
    let message = if err.is_null() {
        status_name(status).to_string()
    } else {
        CStr::from_ptr(sys::sigil_error_message(err)).to_string_lossy().into_owned()
    };
    sys::sigil_error_free(err);
    Err(Error::from_status(status, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_maps_to_its_canonical_name_and_back() {
        let names = [
            (1, "InvalidArgument", "SIGIL_E_INVALID_ARGUMENT"),
            (2, "ValidationFailed", "SIGIL_E_VALIDATION"),
            (3, "QueueFull", "SIGIL_E_QUEUE_FULL"),
            (4, "PayloadTooLarge", "SIGIL_E_PAYLOAD_TOO_LARGE"),
            (5, "ClientShutdown", "SIGIL_E_SHUTDOWN"),
            (6, "InvalidUTF8", "SIGIL_E_INVALID_UTF8"),
            (7, "InvalidJSON", "SIGIL_E_INVALID_JSON"),
            (8, "InvalidConfig", "SIGIL_E_CONFIG"),
            (9, "Timeout", "SIGIL_E_TIMEOUT"),
            (10, "TransportError", "SIGIL_E_TRANSPORT"),
            (11, "AlreadyEnded", "SIGIL_E_ALREADY_ENDED"),
            (12, "OutOfMemory", "SIGIL_E_NO_MEMORY"),
            (13, "InternalError", "SIGIL_E_INTERNAL"),
            (14, "ByteBudgetExceeded", "SIGIL_E_BYTE_BUDGET"),
            (15, "Rejected", "SIGIL_E_REJECTED"),
            (16, "RatingValidationFailed", "SIGIL_E_RATING_VALIDATION"),
            (17, "RatingConflict", "SIGIL_E_RATING_CONFLICT"),
            (18, "Unsupported", "SIGIL_E_UNSUPPORTED"),
        ];
        for (code, name, c_name) in names {
            let e = Error::from_status(code, format!("m{code}"));
            assert_eq!((e.name(), e.status(), e.status_name()), (name, code, c_name));
            assert_eq!(e.message(), format!("m{code}"));
            assert_eq!(e.to_string(), format!("m{code}"));
        }
        assert_eq!(Error::from_status(99, String::new()).name(), "InternalError");
        assert_eq!(Error::QueueFull(String::new()).to_string(), "SIGIL_E_QUEUE_FULL");
    }

    #[test]
    fn check_frees_and_converts() {
        assert_eq!(unsafe { check(sys::SIGIL_OK, std::ptr::null_mut()) }, Ok(()));
        assert_eq!(
            unsafe { check(sys::SIGIL_E_TIMEOUT, std::ptr::null_mut()) },
            Err(Error::Timeout("SIGIL_E_TIMEOUT".into()))
        );
    }
}
