//! Normalized LLM telemetry for Rust, recorded by the libsigil engine.
//!
//! `sigil` records what an LLM application does — generations (sync and
//! streaming), tool executions and embeddings — and exports the generations
//! to a [Sigil](https://github.com/grafana/sigil) ingest endpoint (gRPC or
//! HTTP), with OpenTelemetry spans and GenAI metrics (OTLP). All behaviour
//! lives in libsigil's C++ engine behind its C ABI (`sigil-sys`); this crate
//! translates Rust idioms: `Result`s, `Drop`, typed model structs, and a
//! [`Context`] for request-scoped identity. Every language binding produces
//! the same wire output.
//!
//! ```no_run
//! use std::time::Duration;
//! use sigil::{Client, Config, Context, Generation, GenerationStart, Message, ModelRef, Protocol, TokenUsage};
//!
//! fn main() -> Result<(), sigil::Error> {
//!     let client = Client::new(
//!         Config::builder().protocol(Protocol::Http).endpoint("http://localhost:8080").build(),
//!     )?;
//!
//!     let _scope = Context::new().with_conversation_id("conv-1").with_user_id("user-42").attach();
//!     let mut rec = client.start_generation(&GenerationStart::new(ModelRef::new("openai", "gpt-4o")));
//!     // ... call the model, then record what happened:
//!     rec.set_result(&Generation {
//!         input: vec![Message::user_text("Hello")],
//!         output: vec![Message::assistant_text("Hi! How can I help?")],
//!         usage: TokenUsage { input_tokens: 5, output_tokens: 7, ..Default::default() },
//!         stop_reason: "stop".into(),
//!         ..Default::default()
//!     })?;
//!     rec.end()?; // local errors only: validation, queue full, shutdown
//!
//!     client.shutdown(Duration::from_secs(5)) // delivers what is queued
//! }
//! ```
//!
//! # Lifecycle and errors
//!
//! A recorder ends with [`end`](GenerationRecorder::end), which returns the
//! local error (validation, queue full, shutdown, ...), or when it is dropped
//! (the error is then discarded). Ending never waits on I/O: the client's
//! background worker batches, exports and retries. Export failures are not
//! returned to the recording call; they reach the [logger](ConfigBuilder::logger)
//! and [`Client::stats`]. [`Error`]'s variants carry the canonical names every
//! libsigil binding uses.
//!
//! # Context
//!
//! Conversation id and title, user id, agent name and version, and the parent
//! span travel in a [`Context`]: made current on a thread with
//! [`Context::attach`] / [`Context::in_scope`], or passed explicitly to the
//! `*_with_context` start methods (the choice for async code). A recorder's
//! [`context`](GenerationRecorder::context) parents the recorders started
//! under it. See the [`context`](crate::Context) docs.
//!
//! # Threads
//!
//! [`Client`] is `Send + Sync` and cheap to clone. Recorders are `Send` (one
//! owner at a time), not `Sync`. Callbacks ([logger](ConfigBuilder::logger),
//! [span callback](ConfigBuilder::on_span)) run on engine threads or on the
//! thread that ends a recorder; panics inside them are caught at the FFI
//! boundary.
//!
//! # Linking
//!
//! `sigil-sys` links libsigil: from `SIGIL_BUILD_DIR` (a CMake build tree), an
//! installed copy found by `pkg-config`, or by building this repository's
//! engine with CMake. See the README.

#![warn(missing_debug_implementations)]

mod client;
mod config;
mod context;
mod embedding;
mod encode;
mod error;
mod ffi;
mod generation;
mod host;
mod model;
mod privacy;
mod provider;
#[cfg(feature = "providers")]
pub mod providers;
mod rating;
mod score;
mod span;
mod span_recorder;
mod tool;

pub use client::{validate_generation, version, Client, Stats};
pub use config::{
    AuthMode, Config, ConfigBuilder, EmbeddingCapture, LogLevel, Logger, Protocol, SpanCallback, SpoolMode, SpoolSync,
};
pub use context::{Context, ContextGuard};
pub use embedding::{EmbeddingRecorder, EmbeddingResult, EmbeddingStart};
pub use error::{Error, Result};
pub use generation::GenerationRecorder;
pub use host::TelemetryMode;
#[cfg(feature = "otel")]
pub use host::{parse_traceparent, traceparent as otel_traceparent, INSTRUMENTATION_NAME};
pub use model::{
    Artifact, ArtifactKind, Generation, GenerationMode, GenerationStart, Media, Message, Metadata, ModelRef, Part,
    PartContent, PartMetadata, Role, Tags, TokenUsage, ToolCall, ToolDefinition, ToolResult,
};
pub use privacy::{ContentCaptureMode, ContentCaptureResolver, RecordKind, Redaction, Sanitizer};
pub use provider::{MappingResult, ProviderJson, ProviderOptions};
pub use rating::{
    ConversationRating, ConversationRatingInput, ConversationRatingSummary, ConversationRatingValue,
    SubmitConversationRatingResponse,
};
pub use score::{Score, ScoreValue};
pub use span::{AttributeValue, Span, SpanEvent, SpanKind, SpanStatus};
pub use span_recorder::{
    configure_tracing, current_span, extract, in_span, in_span_async, inject, parse_w3c_traceparent, Extractor,
    Injector, SpanBuilder, SpanGuard, SpanRecorder, StepKind, TraceContext, WithContext, TRACEPARENT_HEADER,
    TRACESTATE_HEADER,
};
pub use tool::{ToolContent, ToolExecutionEnd, ToolExecutionRecorder, ToolExecutionStart};

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The SDK identity this crate stamps on every record (`sigil.sdk.name`).
pub const SDK_NAME: &str = "sdk-rust";

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}
    fn assert_send<T: Send>() {}

    #[test]
    fn thread_safety_is_what_the_header_says() {
        assert_send_sync::<Client>();
        assert_send_sync::<Config>();
        assert_send_sync::<Error>();
        assert_send::<GenerationRecorder>();
        assert_send::<ToolExecutionRecorder>();
        assert_send::<EmbeddingRecorder>();
        assert_send_sync::<SpanRecorder>();
    }
}
