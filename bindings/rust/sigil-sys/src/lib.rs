//! Raw FFI declarations for libsigil's C ABI (`include/sigil/sigil.h`).
//!
//! This crate is a one-to-one transcription of the header: the same names,
//! the same constants, `#[repr(C)]` structs with the same layout, and one
//! `extern "C"` block. It has no logic; use the `sigil` crate for a safe API.
//! The header is the specification: every function's ownership, threading and
//! UTF-8 rules are documented there, not repeated here.
//!
//! `tests/header.rs` checks this file against the header: every function
//! prototype (names and parameter types), every numeric `#define`, and the
//! size and field offsets of every struct, as a C compiler sees them.
//!
//! # Linking
//!
//! The build script finds libsigil in this order:
//! 1. `SIGIL_BUILD_DIR`: a CMake build tree of this repository; links its
//!    static `libsigil.a` (building the `sigil_static` target there if needed).
//! 2. `pkg-config sigil` (an installed libsigil), unless `SIGIL_NO_PKG_CONFIG`
//!    is set; links the shared library.
//! 3. Otherwise it builds the engine from this repository's sources with
//!    CMake into `OUT_DIR` (or `SIGIL_SOURCE_DIR`'s sources) and links it
//!    statically.
#![no_std]
#![allow(non_camel_case_types, non_upper_case_globals)]

use core::ffi::{c_char, c_int, c_void};
use core::marker::{PhantomData, PhantomPinned};

/// The ABI generation this crate transcribes (`SIGIL_ABI_VERSION` in
/// `sigil/version.h`). Compare with [`sigil_abi_version`] at run time.
pub const SIGIL_ABI_VERSION: u32 = 1;

macro_rules! opaque {
    ($($(#[$m:meta])* $name:ident),* $(,)?) => {$(
        $(#[$m])*
        #[repr(C)]
        pub struct $name {
            _data: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    )*};
}

opaque!(
    /// `sigil_sanitized_t`: where a sanitizer puts a replacement.
    sigil_sanitized_t,
    /// `sigil_error_t`: an owned error (code + message).
    sigil_error_t,
    /// `sigil_options_t`: client options; not thread-safe.
    sigil_options_t,
    /// `sigil_client_t`: a client; fully thread-safe.
    sigil_client_t,
    /// `sigil_generation_t`: a generation recorder; one owner at a time.
    sigil_generation_t,
    /// `sigil_tool_execution_t`: a tool execution recorder.
    sigil_tool_execution_t,
    /// `sigil_embedding_t`: an embedding recorder.
    sigil_embedding_t,
    /// `sigil_span_recorder_t`: a span of an application step (agent, chain, ...).
    sigil_span_recorder_t,
    /// `sigil_rating_result_t`: the server's answer to a rating.
    sigil_rating_result_t,
    /// `sigil_export_results_t`: an exporter callback's per-item results.
    sigil_export_results_t,
);

// ---------------------------------------------------------------------------
// Status codes (pinned)

pub type sigil_status_t = u32;

pub const SIGIL_OK: sigil_status_t = 0;
pub const SIGIL_E_INVALID_ARGUMENT: sigil_status_t = 1;
pub const SIGIL_E_VALIDATION: sigil_status_t = 2;
pub const SIGIL_E_QUEUE_FULL: sigil_status_t = 3;
pub const SIGIL_E_PAYLOAD_TOO_LARGE: sigil_status_t = 4;
pub const SIGIL_E_SHUTDOWN: sigil_status_t = 5;
pub const SIGIL_E_INVALID_UTF8: sigil_status_t = 6;
pub const SIGIL_E_INVALID_JSON: sigil_status_t = 7;
pub const SIGIL_E_CONFIG: sigil_status_t = 8;
pub const SIGIL_E_TIMEOUT: sigil_status_t = 9;
pub const SIGIL_E_TRANSPORT: sigil_status_t = 10;
pub const SIGIL_E_ALREADY_ENDED: sigil_status_t = 11;
pub const SIGIL_E_NO_MEMORY: sigil_status_t = 12;
pub const SIGIL_E_INTERNAL: sigil_status_t = 13;
pub const SIGIL_E_BYTE_BUDGET: sigil_status_t = 14;
pub const SIGIL_E_REJECTED: sigil_status_t = 15;
pub const SIGIL_E_RATING_VALIDATION: sigil_status_t = 16;
pub const SIGIL_E_RATING_CONFLICT: sigil_status_t = 17;
pub const SIGIL_E_UNSUPPORTED: sigil_status_t = 18;

// ---------------------------------------------------------------------------
// Options

pub const SIGIL_PROTOCOL_GRPC: u32 = 0;
pub const SIGIL_PROTOCOL_HTTP: u32 = 1;
pub const SIGIL_PROTOCOL_NONE: u32 = 2;

pub const SIGIL_AUTH_NONE: u32 = 0;
pub const SIGIL_AUTH_TENANT: u32 = 1;
pub const SIGIL_AUTH_BEARER: u32 = 2;
pub const SIGIL_AUTH_BASIC: u32 = 3;

pub const SIGIL_LOG_DEBUG: u32 = 0;
pub const SIGIL_LOG_INFO: u32 = 1;
pub const SIGIL_LOG_WARN: u32 = 2;
pub const SIGIL_LOG_ERROR: u32 = 3;

/// `sigil_log_fn`: receives background diagnostics; `message` is borrowed for
/// the duration of the call.
pub type sigil_log_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, level: u32, message: *const c_char, message_len: usize)>;

/// `sigil_generation_exporter_fn`: takes one export batch (protojson) on the
/// export worker and reports per-item results.
pub type sigil_generation_exporter_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        json: *const c_char,
        json_len: usize,
        results: *mut sigil_export_results_t,
    ) -> sigil_status_t,
>;

// ---------------------------------------------------------------------------
// Client

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct sigil_stats_t {
    pub version: u32,
    pub generations_enqueued: u64,
    pub generations_exported: u64,
    pub generations_rejected: u64,
    pub dropped_queue_full: u64,
    pub dropped_byte_budget: u64,
    pub dropped_payload_too_large: u64,
    pub dropped_retry_exhausted: u64,
    pub dropped_shutdown_timeout: u64,
    pub validation_failures: u64,
    pub export_attempts: u64,
    pub export_retries: u64,
    pub queue_items: u64,
    pub queue_bytes: u64,
    // version 2
    pub dropped_spool_full: u64,
    pub dropped_total: u64,
    pub generations_spooled: u64,
    pub generations_replayed: u64,
    // version 3
    pub spans_exported: u64,
    pub spans_dropped: u64,
    pub metric_exports_failed: u64,
    // version 4
    pub spans_spooled: u64,
    pub spans_replayed: u64,
    pub metric_exports_spooled: u64,
    pub metric_exports_replayed: u64,
    // version 5
    pub scores_enqueued: u64,
    pub scores_exported: u64,
    pub scores_rejected: u64,
    pub scores_dropped: u64,
    pub score_export_attempts: u64,
    pub score_export_retries: u64,
    pub generations_unpriced: u64,
    pub generations_export_sampled_out: u64,
    pub generations_content_sampled_out: u64,
}

pub const SIGIL_STATS_VERSION: u32 = 6;

// ---------------------------------------------------------------------------
// Generations

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sigil_generation_start_t {
    pub version: u32,
    pub id: *const c_char,
    pub conversation_id: *const c_char,
    pub conversation_title: *const c_char,
    pub user_id: *const c_char,
    pub agent_name: *const c_char,
    pub agent_version: *const c_char,
    pub operation_name: *const c_char,
    pub model_provider: *const c_char,
    pub model_name: *const c_char,
    pub system_prompt: *const c_char,
    pub has_max_tokens: c_int,
    pub max_tokens: i64,
    pub has_temperature: c_int,
    pub temperature: f64,
    pub has_top_p: c_int,
    pub top_p: f64,
    pub tool_choice: *const c_char,
    pub has_thinking_enabled: c_int,
    pub thinking_enabled: c_int,
    pub tools_json: *const c_char,
    pub tools_json_len: usize,
    pub tags_json: *const c_char,
    pub tags_json_len: usize,
    pub metadata_json: *const c_char,
    pub metadata_json_len: usize,
    pub started_at_ns: i64,
    pub context_conversation_id: *const c_char,
    pub context_conversation_title: *const c_char,
    pub context_user_id: *const c_char,
    pub context_agent_name: *const c_char,
    pub context_agent_version: *const c_char,
    pub parent_traceparent: *const c_char,
    // version 2
    pub content_capture: u32,
    // version 3
    pub parent_is_local: c_int,
    pub span_traceparent: *const c_char, // version 4: the host tracer's span for this record
}

pub const SIGIL_GENERATION_START_VERSION: u32 = 4;

pub const SIGIL_ROLE_USER: u32 = 1;
pub const SIGIL_ROLE_ASSISTANT: u32 = 2;
pub const SIGIL_ROLE_TOOL: u32 = 3;

pub const SIGIL_INPUT: u32 = 0;
pub const SIGIL_OUTPUT: u32 = 1;

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct sigil_token_usage_t {
    pub version: u32,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    pub cache_read_input_tokens: i64,
    pub cache_write_input_tokens: i64,
    pub cache_creation_input_tokens: i64,
    pub reasoning_tokens: i64,
}

pub const SIGIL_TOKEN_USAGE_VERSION: u32 = 1;

// ---------------------------------------------------------------------------
// Tool executions

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sigil_tool_execution_start_t {
    pub version: u32,
    pub tool_name: *const c_char,
    pub tool_call_id: *const c_char,
    pub tool_type: *const c_char,
    pub tool_description: *const c_char,
    pub conversation_id: *const c_char,
    pub conversation_title: *const c_char,
    pub agent_name: *const c_char,
    pub agent_version: *const c_char,
    pub request_model: *const c_char,
    pub request_provider: *const c_char,
    pub include_content: c_int,
    pub started_at_ns: i64,
    pub context_conversation_id: *const c_char,
    pub context_conversation_title: *const c_char,
    pub context_agent_name: *const c_char,
    pub context_agent_version: *const c_char,
    pub parent_traceparent: *const c_char,
    // version 2
    pub content_capture: u32,
    // version 3
    pub parent_is_local: c_int,
    pub span_traceparent: *const c_char, // version 4: the host tracer's span for this record
}

pub const SIGIL_TOOL_EXECUTION_START_VERSION: u32 = 4;

// ---------------------------------------------------------------------------
// Spans (agents, chains, retrievers, workflows, tasks, any step)

pub const SIGIL_STEP_AGENT: u32 = 1;
pub const SIGIL_STEP_CHAIN: u32 = 2;
pub const SIGIL_STEP_RETRIEVER: u32 = 3;
pub const SIGIL_STEP_WORKFLOW: u32 = 4;
pub const SIGIL_STEP_TASK: u32 = 5;
pub const SIGIL_STEP_CUSTOM: u32 = 6;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sigil_span_start_t {
    pub version: u32,
    pub kind: u32,
    pub name: *const c_char,
    pub conversation_id: *const c_char,
    pub conversation_title: *const c_char,
    pub agent_name: *const c_char,
    pub agent_version: *const c_char,
    pub started_at_ns: i64,
    pub context_conversation_id: *const c_char,
    pub context_conversation_title: *const c_char,
    pub context_agent_name: *const c_char,
    pub context_agent_version: *const c_char,
    pub parent_traceparent: *const c_char,
    pub parent_tracestate: *const c_char,
    pub parent_is_local: c_int,
    pub content_capture: u32,
    pub span_traceparent: *const c_char,
}

pub const SIGIL_SPAN_START_VERSION: u32 = 1;

// ---------------------------------------------------------------------------
// Embeddings

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sigil_embedding_start_t {
    pub version: u32,
    pub model_provider: *const c_char,
    pub model_name: *const c_char,
    pub agent_name: *const c_char,
    pub agent_version: *const c_char,
    pub has_dimensions: c_int,
    pub dimensions: i64,
    pub encoding_format: *const c_char,
    pub started_at_ns: i64,
    pub context_agent_name: *const c_char,
    pub context_agent_version: *const c_char,
    pub parent_traceparent: *const c_char,
    // version 2
    pub content_capture: u32,
    // version 3
    pub parent_is_local: c_int,
    pub span_traceparent: *const c_char, // version 4: the host tracer's span for this record
}

pub const SIGIL_EMBEDDING_START_VERSION: u32 = 4;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sigil_embedding_result_t {
    pub version: u32,
    pub input_count: i64,
    pub input_tokens: i64,
    pub response_model: *const c_char,
    pub has_dimensions: c_int,
    pub dimensions: i64,
    pub input_texts: *const *const c_char,
    pub input_texts_count: usize,
}

pub const SIGIL_EMBEDDING_RESULT_VERSION: u32 = 1;

// ---------------------------------------------------------------------------
// Ratings

pub const SIGIL_RATING_UNSPECIFIED: u32 = 0;
pub const SIGIL_RATING_GOOD: u32 = 1;
pub const SIGIL_RATING_BAD: u32 = 2;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sigil_rating_input_t {
    pub version: u32,
    pub conversation_id: *const c_char,
    pub rating_id: *const c_char,
    pub rating: u32,
    pub comment: *const c_char,
    pub metadata_json: *const c_char,
    pub metadata_json_len: usize,
    pub generation_id: *const c_char,
    pub rater_id: *const c_char,
    pub source: *const c_char,
}

pub const SIGIL_RATING_INPUT_VERSION: u32 = 1;

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct sigil_rating_summary_t {
    pub version: u32,
    pub total_count: u64,
    pub good_count: u64,
    pub bad_count: u64,
    pub latest_rating: u32,
    pub has_bad_rating: c_int,
    pub latest_rated_at_ns: i64,
    pub latest_bad_at_ns: i64,
}

pub const SIGIL_RATING_SUMMARY_VERSION: u32 = 1;

// ---------------------------------------------------------------------------
// Scores

pub const SIGIL_SCORE_VALUE_NUMBER: u32 = 1;
pub const SIGIL_SCORE_VALUE_BOOL: u32 = 2;
pub const SIGIL_SCORE_VALUE_STRING: u32 = 3;
pub const SIGIL_SCORE_PASSED_UNSET: u32 = 0;
pub const SIGIL_SCORE_PASSED_TRUE: u32 = 1;
pub const SIGIL_SCORE_PASSED_FALSE: u32 = 2;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sigil_score_t {
    pub version: u32,
    pub score_id: *const c_char,
    pub generation_id: *const c_char,
    pub conversation_id: *const c_char,
    pub trace_id: *const c_char,
    pub span_id: *const c_char,
    pub evaluator_id: *const c_char,
    pub evaluator_version: *const c_char,
    pub key: *const c_char,
    pub value_kind: u32,
    pub number_value: f64,
    pub bool_value: c_int,
    pub string_value: *const c_char,
    pub passed: u32,
    pub label: *const c_char,
    pub rationale: *const c_char,
    pub metadata_json: *const c_char,
    pub metadata_json_len: usize,
    pub created_at_ns: i64,
}

pub const SIGIL_SCORE_VERSION: u32 = 1;

// ---------------------------------------------------------------------------
// Telemetry

pub const SIGIL_SPAN_KIND_INTERNAL: u32 = 1;
pub const SIGIL_SPAN_KIND_CLIENT: u32 = 3;
pub const SIGIL_SPAN_STATUS_UNSET: u32 = 0;
pub const SIGIL_SPAN_STATUS_OK: u32 = 1;
pub const SIGIL_SPAN_STATUS_ERROR: u32 = 2;

pub const SIGIL_ATTRIBUTE_STRING: u32 = 1;
pub const SIGIL_ATTRIBUTE_BOOL: u32 = 2;
pub const SIGIL_ATTRIBUTE_INT: u32 = 3;
pub const SIGIL_ATTRIBUTE_DOUBLE: u32 = 4;
pub const SIGIL_ATTRIBUTE_STRING_ARRAY: u32 = 5;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sigil_attribute_t {
    pub key: *const c_char,
    pub key_len: usize,
    pub type_: u32,
    pub string_value: *const c_char,
    pub string_value_len: usize,
    pub int_value: i64,
    pub double_value: f64,
    pub string_values: *const *const c_char,
    pub string_value_lens: *const usize,
    pub string_values_count: usize,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sigil_span_event_t {
    pub name: *const c_char,
    pub name_len: usize,
    pub time_ns: i64,
    pub attributes: *const sigil_attribute_t,
    pub attributes_count: usize,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sigil_span_t {
    pub version: u32,
    pub name: *const c_char,
    pub name_len: usize,
    pub kind: u32,
    pub trace_id: [c_char; 33],
    pub span_id: [c_char; 17],
    pub parent_span_id: [c_char; 17],
    pub trace_flags: u32,
    pub start_ns: i64,
    pub end_ns: i64,
    pub status_code: u32,
    pub status_message: *const c_char,
    pub status_message_len: usize,
    pub attributes: *const sigil_attribute_t,
    pub attributes_count: usize,
    pub events: *const sigil_span_event_t,
    pub events_count: usize,
}

pub const SIGIL_SPAN_VERSION: u32 = 1;

/// `sigil_span_fn`: receives every finished (sampled) span; `span` is
/// borrowed for the duration of the call.
pub type sigil_span_fn = Option<unsafe extern "C" fn(user_data: *mut c_void, span: *const sigil_span_t)>;

/// One GenAI histogram recording, for the host pipeline's meter.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sigil_metric_point_t {
    pub version: u32,
    pub name: *const c_char,
    pub name_len: usize,
    pub unit: *const c_char,
    pub unit_len: usize,
    pub description: *const c_char,
    pub description_len: usize,
    pub explicit_bounds: *const f64,
    pub explicit_bounds_count: usize,
    pub value: f64,
    pub attributes: *const sigil_attribute_t,
    pub attributes_count: usize,
}

pub const SIGIL_METRIC_POINT_VERSION: u32 = 1;

/// `sigil_metric_fn`: receives every GenAI histogram recording; `point` is
/// borrowed for the duration of the call.
pub type sigil_metric_fn = Option<unsafe extern "C" fn(user_data: *mut c_void, point: *const sigil_metric_point_t)>;

/// Where spans and metrics go (`sigil_options_set_telemetry_pipeline`).
pub const SIGIL_TELEMETRY_PIPELINE_ENGINE: u32 = 1;
pub const SIGIL_TELEMETRY_PIPELINE_HOST: u32 = 2;
pub const SIGIL_TELEMETRY_PIPELINE_BOTH: u32 = 3;

// ---------------------------------------------------------------------------
// Privacy

pub const SIGIL_CONTENT_CAPTURE_DEFAULT: u32 = 0;
pub const SIGIL_CONTENT_CAPTURE_FULL: u32 = 1;
pub const SIGIL_CONTENT_CAPTURE_NO_TOOL_CONTENT: u32 = 2;
pub const SIGIL_CONTENT_CAPTURE_METADATA_ONLY: u32 = 3;
pub const SIGIL_CONTENT_CAPTURE_FULL_WITH_METADATA_SPANS: u32 = 4;

pub const SIGIL_RECORD_GENERATION: u32 = 1;
pub const SIGIL_RECORD_TOOL_EXECUTION: u32 = 2;
pub const SIGIL_RECORD_EMBEDDING: u32 = 3;
pub const SIGIL_RECORD_RATING: u32 = 4;
pub const SIGIL_RECORD_SPAN: u32 = 5;

/// `sigil_content_capture_resolver_fn`: decides one record's content capture mode.
pub type sigil_content_capture_resolver_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        record_kind: u32,
        metadata_json: *const c_char,
        metadata_json_len: usize,
        mode: *mut u32,
    ) -> c_int,
>;

pub const SIGIL_REDACT_SECRETS: u32 = 0x01;
pub const SIGIL_REDACT_EMAIL: u32 = 0x02;
pub const SIGIL_REDACT_ENV_SECRETS: u32 = 0x04;
pub const SIGIL_REDACT_PAYMENT_CARD: u32 = 0x08;
pub const SIGIL_REDACT_NATIONAL_ID: u32 = 0x10;
pub const SIGIL_REDACT_PHONE: u32 = 0x20;
pub const SIGIL_REDACT_INJECTION: u32 = 0x40;
pub const SIGIL_REDACT_NONE: u32 = 0;
pub const SIGIL_REDACT_ALL: u32 = 0x7F;

/// `sigil_sanitizer_fn`: sees each text value about to leave the process.
pub type sigil_sanitizer_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        path: *const c_char,
        path_len: usize,
        value: *const c_char,
        value_len: usize,
        out: *mut sigil_sanitized_t,
    ) -> c_int,
>;

// ---------------------------------------------------------------------------
// Spool

pub const SIGIL_SPOOL_SYNC_NONE: u32 = 0;
pub const SIGIL_SPOOL_SYNC_BATCH: u32 = 1;
pub const SIGIL_SPOOL_SYNC_RECORD: u32 = 2;
pub const SIGIL_SPOOL_MODE_FALLBACK: u32 = 0;
pub const SIGIL_SPOOL_MODE_WRITE_AHEAD: u32 = 1;

// Provider mapping flags.
pub const SIGIL_PROVIDER_RAW_ARTIFACTS: u32 = 1;

// ---------------------------------------------------------------------------
// Functions, in header order.

extern "C" {
    // Version
    pub fn sigil_version_string() -> *const c_char;
    pub fn sigil_version_number() -> u32;
    pub fn sigil_abi_version() -> u32;

    // Status codes and errors
    pub fn sigil_error_code(error: *const sigil_error_t) -> sigil_status_t;
    pub fn sigil_error_message(error: *const sigil_error_t) -> *const c_char;
    pub fn sigil_error_free(error: *mut sigil_error_t);
    pub fn sigil_status_name(status: sigil_status_t) -> *const c_char;

    // Options
    pub fn sigil_options_new(out: *mut *mut sigil_options_t) -> sigil_status_t;
    pub fn sigil_options_free(options: *mut sigil_options_t);
    pub fn sigil_options_set_use_environment(options: *mut sigil_options_t, enabled: c_int) -> sigil_status_t;
    pub fn sigil_options_set_protocol(options: *mut sigil_options_t, protocol: u32) -> sigil_status_t;
    pub fn sigil_options_set_endpoint(options: *mut sigil_options_t, endpoint: *const c_char) -> sigil_status_t;
    pub fn sigil_options_set_insecure(options: *mut sigil_options_t, insecure: c_int) -> sigil_status_t;
    pub fn sigil_options_set_ca_file(options: *mut sigil_options_t, path: *const c_char) -> sigil_status_t;
    pub fn sigil_options_set_ca_dir(options: *mut sigil_options_t, path: *const c_char) -> sigil_status_t;
    pub fn sigil_options_set_client_cert(options: *mut sigil_options_t, path: *const c_char) -> sigil_status_t;
    pub fn sigil_options_set_client_key(options: *mut sigil_options_t, path: *const c_char) -> sigil_status_t;
    pub fn sigil_options_set_header(
        options: *mut sigil_options_t,
        name: *const c_char,
        value: *const c_char,
    ) -> sigil_status_t;
    pub fn sigil_options_set_auth_mode(options: *mut sigil_options_t, mode: u32) -> sigil_status_t;
    pub fn sigil_options_set_auth_tenant_id(options: *mut sigil_options_t, tenant_id: *const c_char) -> sigil_status_t;
    pub fn sigil_options_set_auth_bearer_token(options: *mut sigil_options_t, token: *const c_char) -> sigil_status_t;
    pub fn sigil_options_set_auth_basic_user(options: *mut sigil_options_t, user: *const c_char) -> sigil_status_t;
    pub fn sigil_options_set_auth_basic_password(
        options: *mut sigil_options_t,
        password: *const c_char,
    ) -> sigil_status_t;
    pub fn sigil_options_set_agent_name(options: *mut sigil_options_t, name: *const c_char) -> sigil_status_t;
    pub fn sigil_options_set_agent_version(options: *mut sigil_options_t, version: *const c_char) -> sigil_status_t;
    pub fn sigil_options_set_user_id(options: *mut sigil_options_t, user_id: *const c_char) -> sigil_status_t;
    pub fn sigil_options_set_tag(
        options: *mut sigil_options_t,
        key: *const c_char,
        value: *const c_char,
    ) -> sigil_status_t;
    pub fn sigil_options_set_sdk_name(options: *mut sigil_options_t, sdk_name: *const c_char) -> sigil_status_t;
    pub fn sigil_options_set_batch_size(options: *mut sigil_options_t, generations: u32) -> sigil_status_t;
    pub fn sigil_options_set_flush_interval_ms(options: *mut sigil_options_t, ms: u32) -> sigil_status_t;
    pub fn sigil_options_set_queue_size(options: *mut sigil_options_t, generations: u32) -> sigil_status_t;
    pub fn sigil_options_set_queue_max_bytes(options: *mut sigil_options_t, bytes: u64) -> sigil_status_t;
    pub fn sigil_options_set_max_retries(options: *mut sigil_options_t, retries: u32) -> sigil_status_t;
    pub fn sigil_options_set_no_retries(options: *mut sigil_options_t) -> sigil_status_t;
    pub fn sigil_options_set_initial_backoff_ms(options: *mut sigil_options_t, ms: u32) -> sigil_status_t;
    pub fn sigil_options_set_max_backoff_ms(options: *mut sigil_options_t, ms: u32) -> sigil_status_t;
    pub fn sigil_options_set_attempt_timeout_ms(options: *mut sigil_options_t, ms: u32) -> sigil_status_t;
    pub fn sigil_options_set_payload_max_bytes(options: *mut sigil_options_t, bytes: u64) -> sigil_status_t;
    pub fn sigil_options_set_logger(
        options: *mut sigil_options_t,
        fn_: sigil_log_fn,
        user_data: *mut c_void,
    ) -> sigil_status_t;
    pub fn sigil_options_set_debug(options: *mut sigil_options_t, debug: c_int) -> sigil_status_t;
    pub fn sigil_options_resolve(
        options: *const sigil_options_t,
        json_out: *mut *mut c_char,
        json_len: *mut usize,
        error: *mut *mut sigil_error_t,
    ) -> sigil_status_t;
    pub fn sigil_options_set_keep_last_generation(options: *mut sigil_options_t, keep: c_int) -> sigil_status_t;
    pub fn sigil_generation_last_json(
        generation: *const sigil_generation_t,
        json_out: *mut *mut c_char,
        json_len: *mut usize,
        error: *mut *mut sigil_error_t,
    ) -> sigil_status_t;
    pub fn sigil_validate_embedding_start(
        start: *const sigil_embedding_start_t,
        error: *mut *mut sigil_error_t,
    ) -> sigil_status_t;
    pub fn sigil_validate_embedding_result(
        result: *const sigil_embedding_result_t,
        error: *mut *mut sigil_error_t,
    ) -> sigil_status_t;
    pub fn sigil_options_set_generation_exporter(
        options: *mut sigil_options_t,
        fn_: sigil_generation_exporter_fn,
        user_data: *mut c_void,
    ) -> sigil_status_t;
    pub fn sigil_export_results_add(
        results: *mut sigil_export_results_t,
        generation_id: *const c_char,
        id_len: usize,
        accepted: c_int,
        error: *const c_char,
        error_len: usize,
    ) -> sigil_status_t;
    pub fn sigil_export_results_set_message(
        results: *mut sigil_export_results_t,
        message: *const c_char,
        len: usize,
    ) -> sigil_status_t;

    // Client
    pub fn sigil_client_new(
        options: *const sigil_options_t,
        out: *mut *mut sigil_client_t,
        error: *mut *mut sigil_error_t,
    ) -> sigil_status_t;
    pub fn sigil_client_flush(
        client: *mut sigil_client_t,
        timeout_ms: u32,
        error: *mut *mut sigil_error_t,
    ) -> sigil_status_t;
    pub fn sigil_client_shutdown(
        client: *mut sigil_client_t,
        timeout_ms: u32,
        error: *mut *mut sigil_error_t,
    ) -> sigil_status_t;
    pub fn sigil_client_free(client: *mut sigil_client_t);
    pub fn sigil_stats_init(stats: *mut sigil_stats_t) -> sigil_status_t;
    pub fn sigil_client_stats(client: *const sigil_client_t, out: *mut sigil_stats_t) -> sigil_status_t;

    // Generations
    pub fn sigil_generation_start_init(start: *mut sigil_generation_start_t) -> sigil_status_t;
    pub fn sigil_generation_start(
        client: *mut sigil_client_t,
        start: *const sigil_generation_start_t,
        out: *mut *mut sigil_generation_t,
    ) -> sigil_status_t;
    pub fn sigil_generation_start_streaming(
        client: *mut sigil_client_t,
        start: *const sigil_generation_start_t,
        out: *mut *mut sigil_generation_t,
    ) -> sigil_status_t;
    pub fn sigil_generation_set_result_json(
        generation: *mut sigil_generation_t,
        json: *const c_char,
        json_len: usize,
    ) -> sigil_status_t;
    pub fn sigil_generation_add_message(
        generation: *mut sigil_generation_t,
        side: u32,
        role: u32,
        name: *const c_char,
    ) -> sigil_status_t;
    pub fn sigil_generation_add_text(
        generation: *mut sigil_generation_t,
        side: u32,
        text: *const c_char,
        text_len: usize,
    ) -> sigil_status_t;
    pub fn sigil_generation_add_thinking(
        generation: *mut sigil_generation_t,
        side: u32,
        thinking: *const c_char,
        thinking_len: usize,
    ) -> sigil_status_t;
    pub fn sigil_generation_add_tool_call(
        generation: *mut sigil_generation_t,
        side: u32,
        id: *const c_char,
        name: *const c_char,
        input_json: *const c_char,
        input_json_len: usize,
    ) -> sigil_status_t;
    pub fn sigil_generation_add_tool_result(
        generation: *mut sigil_generation_t,
        side: u32,
        tool_call_id: *const c_char,
        name: *const c_char,
        content: *const c_char,
        content_len: usize,
        is_error: c_int,
    ) -> sigil_status_t;
    pub fn sigil_generation_add_media(
        generation: *mut sigil_generation_t,
        side: u32,
        kind: *const c_char,
        url: *const c_char,
        mime_type: *const c_char,
        name: *const c_char,
    ) -> sigil_status_t;
    pub fn sigil_token_usage_init(usage: *mut sigil_token_usage_t) -> sigil_status_t;
    pub fn sigil_generation_set_usage(
        generation: *mut sigil_generation_t,
        usage: *const sigil_token_usage_t,
    ) -> sigil_status_t;
    pub fn sigil_generation_set_response(
        generation: *mut sigil_generation_t,
        response_id: *const c_char,
        response_model: *const c_char,
        stop_reason: *const c_char,
    ) -> sigil_status_t;
    pub fn sigil_generation_set_agent(
        generation: *mut sigil_generation_t,
        agent_name: *const c_char,
        agent_version: *const c_char,
    ) -> sigil_status_t;
    pub fn sigil_generation_set_tag(
        generation: *mut sigil_generation_t,
        key: *const c_char,
        value: *const c_char,
    ) -> sigil_status_t;
    pub fn sigil_generation_set_metadata_string(
        generation: *mut sigil_generation_t,
        key: *const c_char,
        value: *const c_char,
    ) -> sigil_status_t;
    pub fn sigil_generation_set_call_error(
        generation: *mut sigil_generation_t,
        message: *const c_char,
        message_len: usize,
        http_status: i32,
    ) -> sigil_status_t;
    pub fn sigil_generation_set_first_token_at(generation: *mut sigil_generation_t, unix_ns: i64) -> sigil_status_t;
    pub fn sigil_generation_end(generation: *mut sigil_generation_t, error: *mut *mut sigil_error_t) -> sigil_status_t;
    pub fn sigil_generation_id(generation: *const sigil_generation_t) -> *const c_char;
    pub fn sigil_generation_traceparent(
        generation: *const sigil_generation_t,
        buf: *mut c_char,
        buf_len: usize,
    ) -> sigil_status_t;
    pub fn sigil_generation_free(generation: *mut sigil_generation_t);
    pub fn sigil_validate_generation_json(
        json: *const c_char,
        json_len: usize,
        error: *mut *mut sigil_error_t,
    ) -> sigil_status_t;

    // Tool executions
    pub fn sigil_tool_execution_start_init(start: *mut sigil_tool_execution_start_t) -> sigil_status_t;
    pub fn sigil_tool_execution_start(
        client: *mut sigil_client_t,
        start: *const sigil_tool_execution_start_t,
        out: *mut *mut sigil_tool_execution_t,
    ) -> sigil_status_t;
    pub fn sigil_tool_execution_set_result(
        execution: *mut sigil_tool_execution_t,
        arguments: *const c_char,
        arguments_len: usize,
        result: *const c_char,
        result_len: usize,
        completed_at_ns: i64,
    ) -> sigil_status_t;
    pub fn sigil_tool_execution_set_error(
        execution: *mut sigil_tool_execution_t,
        message: *const c_char,
        message_len: usize,
        http_status: i32,
    ) -> sigil_status_t;
    pub fn sigil_tool_execution_end(
        execution: *mut sigil_tool_execution_t,
        error: *mut *mut sigil_error_t,
    ) -> sigil_status_t;
    pub fn sigil_tool_execution_traceparent(
        execution: *const sigil_tool_execution_t,
        buf: *mut c_char,
        buf_len: usize,
    ) -> sigil_status_t;
    pub fn sigil_tool_execution_free(execution: *mut sigil_tool_execution_t);

    // Spans
    pub fn sigil_span_start_init(start: *mut sigil_span_start_t) -> sigil_status_t;
    pub fn sigil_span_start(
        client: *mut sigil_client_t,
        start: *const sigil_span_start_t,
        out: *mut *mut sigil_span_recorder_t,
    ) -> sigil_status_t;
    pub fn sigil_span_set_attribute_string(
        span: *mut sigil_span_recorder_t,
        key: *const c_char,
        value: *const c_char,
        value_len: usize,
        content: c_int,
    ) -> sigil_status_t;
    pub fn sigil_span_set_attribute_int(
        span: *mut sigil_span_recorder_t,
        key: *const c_char,
        value: i64,
        content: c_int,
    ) -> sigil_status_t;
    pub fn sigil_span_set_attribute_double(
        span: *mut sigil_span_recorder_t,
        key: *const c_char,
        value: f64,
        content: c_int,
    ) -> sigil_status_t;
    pub fn sigil_span_set_attribute_bool(
        span: *mut sigil_span_recorder_t,
        key: *const c_char,
        value: c_int,
        content: c_int,
    ) -> sigil_status_t;
    pub fn sigil_span_set_input(
        span: *mut sigil_span_recorder_t,
        json: *const c_char,
        json_len: usize,
    ) -> sigil_status_t;
    pub fn sigil_span_set_output(
        span: *mut sigil_span_recorder_t,
        json: *const c_char,
        json_len: usize,
    ) -> sigil_status_t;
    pub fn sigil_span_add_event(
        span: *mut sigil_span_recorder_t,
        name: *const c_char,
        time_ns: i64,
        attributes: *const sigil_attribute_t,
        attributes_count: usize,
        content: c_int,
    ) -> sigil_status_t;
    pub fn sigil_span_set_status(
        span: *mut sigil_span_recorder_t,
        status_code: u32,
        message: *const c_char,
        message_len: usize,
    ) -> sigil_status_t;
    pub fn sigil_span_set_error(
        span: *mut sigil_span_recorder_t,
        error_type: *const c_char,
        message: *const c_char,
        message_len: usize,
    ) -> sigil_status_t;
    pub fn sigil_span_captures_content(span: *const sigil_span_recorder_t) -> c_int;
    pub fn sigil_span_traceparent(
        span: *const sigil_span_recorder_t,
        buf: *mut c_char,
        buf_len: usize,
    ) -> sigil_status_t;
    pub fn sigil_span_tracestate(
        span: *const sigil_span_recorder_t,
        out: *mut *const c_char,
        out_len: *mut usize,
    ) -> sigil_status_t;
    pub fn sigil_span_end(
        span: *mut sigil_span_recorder_t,
        completed_at_ns: i64,
        error: *mut *mut sigil_error_t,
    ) -> sigil_status_t;
    pub fn sigil_span_free(span: *mut sigil_span_recorder_t);

    // W3C trace context
    pub fn sigil_traceparent_parse(
        header: *const c_char,
        header_len: usize,
        trace_id: *mut c_char,
        span_id: *mut c_char,
        sampled: *mut c_int,
    ) -> sigil_status_t;
    pub fn sigil_traceparent_format(
        trace_id: *const c_char,
        span_id: *const c_char,
        sampled: c_int,
        buf: *mut c_char,
        buf_len: usize,
    ) -> sigil_status_t;
    pub fn sigil_tracestate_validate(header: *const c_char, header_len: usize) -> sigil_status_t;

    // Embeddings
    pub fn sigil_embedding_start_init(start: *mut sigil_embedding_start_t) -> sigil_status_t;
    pub fn sigil_embedding_result_init(result: *mut sigil_embedding_result_t) -> sigil_status_t;
    pub fn sigil_embedding_start(
        client: *mut sigil_client_t,
        start: *const sigil_embedding_start_t,
        out: *mut *mut sigil_embedding_t,
    ) -> sigil_status_t;
    pub fn sigil_embedding_set_result(
        embedding: *mut sigil_embedding_t,
        result: *const sigil_embedding_result_t,
    ) -> sigil_status_t;
    pub fn sigil_embedding_set_call_error(
        embedding: *mut sigil_embedding_t,
        message: *const c_char,
        message_len: usize,
        http_status: i32,
    ) -> sigil_status_t;
    pub fn sigil_embedding_end(embedding: *mut sigil_embedding_t, error: *mut *mut sigil_error_t) -> sigil_status_t;
    pub fn sigil_embedding_traceparent(
        embedding: *const sigil_embedding_t,
        buf: *mut c_char,
        buf_len: usize,
    ) -> sigil_status_t;
    pub fn sigil_embedding_free(embedding: *mut sigil_embedding_t);

    // Ratings
    pub fn sigil_options_set_api_endpoint(options: *mut sigil_options_t, endpoint: *const c_char) -> sigil_status_t;
    pub fn sigil_rating_input_init(input: *mut sigil_rating_input_t) -> sigil_status_t;
    pub fn sigil_client_submit_rating(
        client: *mut sigil_client_t,
        input: *const sigil_rating_input_t,
        timeout_ms: u32,
        out: *mut *mut sigil_rating_result_t,
        error: *mut *mut sigil_error_t,
    ) -> sigil_status_t;
    pub fn sigil_rating_result_json(result: *const sigil_rating_result_t, len: *mut usize) -> *const c_char;
    pub fn sigil_rating_result_rating_id(result: *const sigil_rating_result_t) -> *const c_char;
    pub fn sigil_rating_result_conversation_id(result: *const sigil_rating_result_t) -> *const c_char;
    pub fn sigil_rating_result_generation_id(result: *const sigil_rating_result_t) -> *const c_char;
    pub fn sigil_rating_result_comment(result: *const sigil_rating_result_t) -> *const c_char;
    pub fn sigil_rating_result_rater_id(result: *const sigil_rating_result_t) -> *const c_char;
    pub fn sigil_rating_result_source(result: *const sigil_rating_result_t) -> *const c_char;
    pub fn sigil_rating_result_metadata_json(result: *const sigil_rating_result_t) -> *const c_char;
    pub fn sigil_rating_result_created_at(result: *const sigil_rating_result_t) -> *const c_char;
    pub fn sigil_rating_result_rating(result: *const sigil_rating_result_t) -> u32;
    pub fn sigil_rating_result_created_at_ns(result: *const sigil_rating_result_t) -> i64;
    pub fn sigil_rating_summary_init(summary: *mut sigil_rating_summary_t) -> sigil_status_t;
    pub fn sigil_rating_result_summary(
        result: *const sigil_rating_result_t,
        out: *mut sigil_rating_summary_t,
    ) -> sigil_status_t;
    pub fn sigil_rating_result_free(result: *mut sigil_rating_result_t);

    // Telemetry
    pub fn sigil_options_set_otlp_endpoint(options: *mut sigil_options_t, endpoint: *const c_char) -> sigil_status_t;
    pub fn sigil_options_set_otlp_traces_endpoint(options: *mut sigil_options_t, url: *const c_char) -> sigil_status_t;
    pub fn sigil_options_set_otlp_metrics_endpoint(options: *mut sigil_options_t, url: *const c_char)
        -> sigil_status_t;
    pub fn sigil_options_set_otlp_certificate(options: *mut sigil_options_t, path: *const c_char) -> sigil_status_t;
    pub fn sigil_options_set_otlp_client_certificate(
        options: *mut sigil_options_t,
        path: *const c_char,
    ) -> sigil_status_t;
    pub fn sigil_options_set_otlp_client_key(options: *mut sigil_options_t, path: *const c_char) -> sigil_status_t;
    pub fn sigil_options_set_otlp_header(
        options: *mut sigil_options_t,
        name: *const c_char,
        value: *const c_char,
    ) -> sigil_status_t;
    pub fn sigil_options_set_service_name(options: *mut sigil_options_t, service_name: *const c_char)
        -> sigil_status_t;
    pub fn sigil_options_set_resource_attribute(
        options: *mut sigil_options_t,
        key: *const c_char,
        value: *const c_char,
    ) -> sigil_status_t;
    pub fn sigil_options_set_sdk_language(options: *mut sigil_options_t, language: *const c_char) -> sigil_status_t;
    pub fn sigil_options_set_metric_export_interval_ms(options: *mut sigil_options_t, ms: u32) -> sigil_status_t;
    pub fn sigil_options_set_embedding_capture(
        options: *mut sigil_options_t,
        capture_input: c_int,
        max_input_items: u32,
        max_text_length: u32,
    ) -> sigil_status_t;
    pub fn sigil_options_set_span_callback(
        options: *mut sigil_options_t,
        fn_: sigil_span_fn,
        user_data: *mut c_void,
    ) -> sigil_status_t;
    pub fn sigil_options_set_metric_callback(
        options: *mut sigil_options_t,
        fn_: sigil_metric_fn,
        user_data: *mut c_void,
    ) -> sigil_status_t;
    pub fn sigil_options_set_telemetry_pipeline(options: *mut sigil_options_t, pipeline: u32) -> sigil_status_t;
    pub fn sigil_client_metrics_snapshot(
        client: *const sigil_client_t,
        json_out: *mut *mut c_char,
        json_len: *mut usize,
        error: *mut *mut sigil_error_t,
    ) -> sigil_status_t;
    pub fn sigil_metrics_snapshot_free(json: *mut c_char);

    // Privacy
    pub fn sigil_options_set_content_capture_mode(options: *mut sigil_options_t, mode: u32) -> sigil_status_t;
    pub fn sigil_options_set_content_capture_resolver(
        options: *mut sigil_options_t,
        fn_: sigil_content_capture_resolver_fn,
        user_data: *mut c_void,
    ) -> sigil_status_t;
    pub fn sigil_options_set_redaction(options: *mut sigil_options_t, categories: u32) -> sigil_status_t;
    pub fn sigil_sanitized_set(out: *mut sigil_sanitized_t, value: *const c_char, value_len: usize) -> sigil_status_t;
    pub fn sigil_options_set_sanitizer(
        options: *mut sigil_options_t,
        fn_: sigil_sanitizer_fn,
        user_data: *mut c_void,
    ) -> sigil_status_t;
    pub fn sigil_options_set_max_field_bytes(options: *mut sigil_options_t, bytes: u64) -> sigil_status_t;
    pub fn sigil_generation_content_capture_mode(generation: *const sigil_generation_t) -> u32;
    pub fn sigil_content_capture_mode_name(mode: u32) -> *const c_char;

    // Spool
    pub fn sigil_options_set_spool_dir(options: *mut sigil_options_t, dir: *const c_char) -> sigil_status_t;
    pub fn sigil_options_set_spool_max_bytes(options: *mut sigil_options_t, bytes: u64) -> sigil_status_t;
    pub fn sigil_options_set_spool_max_age_ms(options: *mut sigil_options_t, ms: u64) -> sigil_status_t;
    pub fn sigil_options_set_spool_sync(options: *mut sigil_options_t, policy: u32) -> sigil_status_t;
    pub fn sigil_options_set_spool_mode(options: *mut sigil_options_t, mode: u32) -> sigil_status_t;
    pub fn sigil_options_set_spool_allow_shared_dir(options: *mut sigil_options_t, allow: c_int) -> sigil_status_t;

    // Provider mapping
    pub fn sigil_generation_set_provider_request(
        generation: *mut sigil_generation_t,
        api: *const c_char,
        json: *const c_char,
        json_len: usize,
        flags: u32,
    ) -> sigil_status_t;
    pub fn sigil_generation_set_provider_response(
        generation: *mut sigil_generation_t,
        api: *const c_char,
        json: *const c_char,
        json_len: usize,
        flags: u32,
    ) -> sigil_status_t;
    pub fn sigil_generation_add_provider_event(
        generation: *mut sigil_generation_t,
        api: *const c_char,
        json: *const c_char,
        json_len: usize,
        flags: u32,
    ) -> sigil_status_t;
    pub fn sigil_generation_add_provider_events(
        generation: *mut sigil_generation_t,
        api: *const c_char,
        events: *const *const c_char,
        event_lens: *const usize,
        arrived_at_ns: *const i64,
        count: usize,
        flags: u32,
    ) -> sigil_status_t;
    pub fn sigil_generation_set_mapping_error(
        generation: *mut sigil_generation_t,
        message: *const c_char,
        len: usize,
    ) -> sigil_status_t;
    pub fn sigil_embedding_set_provider_result(
        embedding: *mut sigil_embedding_t,
        api: *const c_char,
        request_json: *const c_char,
        request_len: usize,
        response_json: *const c_char,
        response_len: usize,
    ) -> sigil_status_t;
    pub fn sigil_provider_map_generation(
        api: *const c_char,
        request_json: *const c_char,
        request_len: usize,
        response_json: *const c_char,
        response_len: usize,
        events: *const *const c_char,
        event_lens: *const usize,
        events_count: usize,
        flags: u32,
        json_out: *mut *mut c_char,
        json_len: *mut usize,
        error: *mut *mut sigil_error_t,
    ) -> sigil_status_t;
    pub fn sigil_provider_map_embedding(
        api: *const c_char,
        request_json: *const c_char,
        request_len: usize,
        response_json: *const c_char,
        response_len: usize,
        json_out: *mut *mut c_char,
        json_len: *mut usize,
        error: *mut *mut sigil_error_t,
    ) -> sigil_status_t;
    pub fn sigil_json_free(json: *mut c_char);

    // Tools: the resolved configuration and a spool's contents, as JSON (free with sigil_json_free)
    pub fn sigil_options_describe(
        options: *const sigil_options_t,
        json_out: *mut *mut c_char,
        json_len: *mut usize,
        error: *mut *mut sigil_error_t,
    ) -> sigil_status_t;
    pub fn sigil_spool_inspect(
        dir: *const c_char,
        json_out: *mut *mut c_char,
        json_len: *mut usize,
        error: *mut *mut sigil_error_t,
    ) -> sigil_status_t;

    // Scores
    pub fn sigil_score_init(score: *mut sigil_score_t) -> sigil_status_t;
    pub fn sigil_client_submit_score(
        client: *mut sigil_client_t,
        score: *const sigil_score_t,
        score_id_out: *mut *mut c_char,
        error: *mut *mut sigil_error_t,
    ) -> sigil_status_t;
    pub fn sigil_string_free(str: *mut c_char);
}

// ---------------------------------------------------------------------------
// Cost, token estimates and sampling
// ---------------------------------------------------------------------------

extern "C" {
    pub fn sigil_options_set_prices_file(options: *mut sigil_options_t, path: *const c_char) -> sigil_status_t;
    pub fn sigil_options_set_token_estimates(options: *mut sigil_options_t, enabled: c_int) -> sigil_status_t;
    pub fn sigil_options_set_content_sample_rate(options: *mut sigil_options_t, rate: f64) -> sigil_status_t;
    pub fn sigil_options_set_export_sample_rate(options: *mut sigil_options_t, rate: f64) -> sigil_status_t;
}
