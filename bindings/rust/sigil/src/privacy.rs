//! Privacy controls: content capture modes, redaction categories, the
//! sanitizer and the content capture resolver. The engine applies all of
//! them (sigil.h, "Privacy"); these are the Rust spellings of its knobs.

use std::ops::{BitOr, BitOrAssign};
use std::sync::Arc;

use serde_json::{Map, Value};
use sigil_sys as sys;

/// Which content leaves the process (sigil.h, "Privacy", has the full table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentCaptureMode {
    /// Everything, including tool arguments and results on tool spans.
    Full,
    /// Everything except tool content on spans unless a tool asks for it
    /// (`include_content`). The engine's default.
    NoToolContent,
    /// Structure only: roles, part kinds, tool names, model, usage, timing,
    /// ids, tags and metadata; no text, arguments, results or prompts.
    MetadataOnly,
    /// Full generation export, content-free spans.
    FullWithMetadataSpans,
}

impl ContentCaptureMode {
    pub(crate) fn raw(self) -> u32 {
        match self {
            ContentCaptureMode::Full => sys::SIGIL_CONTENT_CAPTURE_FULL,
            ContentCaptureMode::NoToolContent => sys::SIGIL_CONTENT_CAPTURE_NO_TOOL_CONTENT,
            ContentCaptureMode::MetadataOnly => sys::SIGIL_CONTENT_CAPTURE_METADATA_ONLY,
            ContentCaptureMode::FullWithMetadataSpans => sys::SIGIL_CONTENT_CAPTURE_FULL_WITH_METADATA_SPANS,
        }
    }

    pub(crate) fn from_raw(mode: u32) -> Option<ContentCaptureMode> {
        match mode {
            sys::SIGIL_CONTENT_CAPTURE_FULL => Some(ContentCaptureMode::Full),
            sys::SIGIL_CONTENT_CAPTURE_NO_TOOL_CONTENT => Some(ContentCaptureMode::NoToolContent),
            sys::SIGIL_CONTENT_CAPTURE_METADATA_ONLY => Some(ContentCaptureMode::MetadataOnly),
            sys::SIGIL_CONTENT_CAPTURE_FULL_WITH_METADATA_SPANS => Some(ContentCaptureMode::FullWithMetadataSpans),
            _ => None,
        }
    }

    /// The engine's name ("full", "no_tool_content", "metadata_only",
    /// "full_with_metadata_spans"), as exported in metadata
    /// `sigil.sdk.content_capture_mode` and accepted by `SIGIL_CONTENT_CAPTURE_MODE`.
    pub fn name(self) -> &'static str {
        // SAFETY: a static, NUL-terminated string.
        unsafe { crate::generation::cstr(sys::sigil_content_capture_mode_name(self.raw())) }
    }
}

/// DEFAULT (0) for "not set here".
pub(crate) fn raw_mode(mode: Option<ContentCaptureMode>) -> u32 {
    mode.map_or(sys::SIGIL_CONTENT_CAPTURE_DEFAULT, ContentCaptureMode::raw)
}

/// The kind of record a [`ContentCaptureResolver`] decides for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordKind {
    Generation,
    ToolExecution,
    Embedding,
    Rating,
    /// An application step's span ([`Client::start_span`](crate::Client::start_span)).
    Span,
    /// A kind this crate does not know yet (the engine's number).
    Other(u32),
}

impl RecordKind {
    pub(crate) fn from_raw(kind: u32) -> RecordKind {
        match kind {
            sys::SIGIL_RECORD_GENERATION => RecordKind::Generation,
            sys::SIGIL_RECORD_TOOL_EXECUTION => RecordKind::ToolExecution,
            sys::SIGIL_RECORD_EMBEDDING => RecordKind::Embedding,
            sys::SIGIL_RECORD_RATING => RecordKind::Rating,
            sys::SIGIL_RECORD_SPAN => RecordKind::Span,
            k => RecordKind::Other(k),
        }
    }
}

/// Decides one record's content capture mode when neither its start nor its
/// context sets one: called with the record's kind and its start's (or
/// rating's) metadata (empty when it has none), on the thread that starts the
/// record, with the record's [`Context`](crate::Context) current there (also
/// for the `*_with_context` starts), so `Context::current()` tells the
/// conversation, user and agent. `None` defers to the client's mode. A panic
/// means [`ContentCaptureMode::MetadataOnly`] (fail closed). Must not call
/// back into the client.
pub type ContentCaptureResolver =
    Arc<dyn Fn(RecordKind, &Map<String, Value>) -> Option<ContentCaptureMode> + Send + Sync>;

/// Sees each text value about to leave the process, after the built-in
/// redaction, with its field path (`generation.input[0].parts[1].text`,
/// `span.gen_ai.tool.call.arguments`, `rating.comment`, ...). Return
/// `Some(replacement)` to replace it, `None` to keep it. A panic replaces the
/// value with `[REDACTED:sanitizer_error]` (fail closed). Called on the thread
/// that ends a recorder, possibly many times per record: keep it quick; it
/// must not call back into the client.
pub type Sanitizer = Arc<dyn Fn(&str, &str) -> Option<String> + Send + Sync>;

/// Built-in redaction categories (a bit set; the engine's default is
/// [`Redaction::ALL`]).
///
/// ```
/// use sigil::Redaction;
///
/// let r = Redaction::SECRETS | Redaction::EMAIL;
/// assert!(r.contains(Redaction::EMAIL) && !r.contains(Redaction::PHONE));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Redaction(u32);

impl Redaction {
    /// Cloud and API tokens, private keys, connection strings, bearer tokens, JWTs.
    pub const SECRETS: Redaction = Redaction(sys::SIGIL_REDACT_SECRETS);
    pub const EMAIL: Redaction = Redaction(sys::SIGIL_REDACT_EMAIL);
    /// `PASSWORD=...`, `..._KEY=...` style assignments.
    pub const ENV_SECRETS: Redaction = Redaction(sys::SIGIL_REDACT_ENV_SECRETS);
    pub const PAYMENT_CARD: Redaction = Redaction(sys::SIGIL_REDACT_PAYMENT_CARD);
    pub const NATIONAL_ID: Redaction = Redaction(sys::SIGIL_REDACT_NATIONAL_ID);
    pub const PHONE: Redaction = Redaction(sys::SIGIL_REDACT_PHONE);
    /// Flags suspected prompt injection (metadata), replaces nothing.
    pub const INJECTION: Redaction = Redaction(sys::SIGIL_REDACT_INJECTION);
    pub const NONE: Redaction = Redaction(sys::SIGIL_REDACT_NONE);
    pub const ALL: Redaction = Redaction(sys::SIGIL_REDACT_ALL);

    /// Whether every category of `other` is in `self`.
    pub fn contains(self, other: Redaction) -> bool {
        self.0 & other.0 == other.0
    }

    /// The `SIGIL_REDACT_*` bits.
    pub fn bits(self) -> u32 {
        self.0
    }
}

impl BitOr for Redaction {
    type Output = Redaction;
    fn bitor(self, rhs: Redaction) -> Redaction {
        Redaction(self.0 | rhs.0)
    }
}

impl BitOrAssign for Redaction {
    fn bitor_assign(&mut self, rhs: Redaction) {
        self.0 |= rhs.0;
    }
}
