"""ctypes declarations for libsigil's C ABI (include/sigil/sigil.h).

This module is a translation table: it finds the shared library once, checks
its ABI version, and declares every prototype and struct the binding uses.
Nothing here has behaviour of its own. ctypes releases the GIL around every
call into the library.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_char,
    c_char_p,
    c_double,
    c_int,
    c_int32,
    c_int64,
    c_size_t,
    c_uint32,
    c_uint64,
    c_void_p,
)
from pathlib import Path

# The ABI generation this binding was written against (SIGIL_ABI_VERSION).
EXPECTED_ABI_VERSION = 1

SIGIL_OK = 0
SIGIL_E_INVALID_ARGUMENT = 1
SIGIL_E_VALIDATION = 2
SIGIL_E_SHUTDOWN = 5
SIGIL_E_ALREADY_ENDED = 11
SIGIL_E_UNSUPPORTED = 18

PROTOCOLS = {"grpc": 0, "http": 1, "none": 2}
AUTH_MODES = {"none": 0, "tenant": 1, "bearer": 2, "basic": 3}
SPOOL_MODES = {"fallback": 0, "write_ahead": 1, "write-ahead": 1}
SPOOL_SYNCS = {"none": 0, "batch": 1, "record": 2}
LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR = 0, 1, 2, 3
RATING_UNSPECIFIED, RATING_GOOD, RATING_BAD = 0, 1, 2
TRACEPARENT_BUF = 64


def _library_candidates() -> list[str]:
    """Where libsigil is looked for, in order."""
    explicit = os.environ.get("SIGIL_LIBRARY", "").strip()
    if explicit:
        return [explicit]  # an explicit choice is never second-guessed
    if sys.platform == "darwin":
        names = ["libsigil.dylib", "libsigil.1.dylib"]
    else:
        names = ["libsigil.so", "libsigil.so.1"]
    here = Path(__file__).resolve().parent
    out = [str(here / n) for n in names]  # bundled by `pip install`
    repo = here.parents[2]  # bindings/python/sigil_sdk -> repository root (source checkouts)
    if (repo / "include" / "sigil" / "sigil.h").is_file():
        out += [str(repo / "build" / n) for n in names]
    found = ctypes.util.find_library("sigil")  # an installed libsigil
    if found:
        out.append(found)
    return out


def _load() -> tuple[ctypes.CDLL, str]:
    tried = []
    for path in _library_candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(f"{path} (missing)")
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as exc:
            tried.append(f"{path} ({exc})")
    raise ImportError(
        "sigil_sdk: cannot load libsigil. Install the package with `pip install bindings/python` "
        "(it builds and bundles the library), build the repository (`make build`), or point "
        "SIGIL_LIBRARY at libsigil.so. Tried: " + "; ".join(tried)
    )


lib, library_path = _load()


def _fn(name: str, restype, *argtypes):
    try:
        f = getattr(lib, name)
    except AttributeError:
        raise ImportError(f"sigil_sdk: {library_path} lacks {name}; it is older than this binding") from None
    f.restype = restype
    f.argtypes = argtypes
    return f


# --- version -------------------------------------------------------------------
sigil_abi_version = _fn("sigil_abi_version", c_uint32)
sigil_version_string = _fn("sigil_version_string", c_char_p)

abi_version = sigil_abi_version()
if abi_version != EXPECTED_ABI_VERSION:
    raise ImportError(
        f"sigil_sdk: {library_path} has ABI version {abi_version}, but this sigil_sdk needs "
        f"ABI version {EXPECTED_ABI_VERSION}. Reinstall sigil_sdk from the same source tree as the "
        "library, or set SIGIL_LIBRARY to a matching libsigil."
    )
version = sigil_version_string().decode()

# --- errors --------------------------------------------------------------------
sigil_error_code = _fn("sigil_error_code", c_uint32, c_void_p)
sigil_error_message = _fn("sigil_error_message", c_char_p, c_void_p)
sigil_error_free = _fn("sigil_error_free", None, c_void_p)
sigil_status_name = _fn("sigil_status_name", c_char_p, c_uint32)

# --- options -------------------------------------------------------------------
LOG_FN = CFUNCTYPE(None, c_void_p, c_uint32, POINTER(c_char), c_size_t)
# int (*)(void *user_data, uint32_t record_kind, const char *metadata_json, size_t len, uint32_t *mode)
RESOLVER_FN = CFUNCTYPE(c_int, c_void_p, c_uint32, POINTER(c_char), c_size_t, POINTER(c_uint32))
# int (*)(void *user_data, const char *path, size_t, const char *value, size_t, sigil_sanitized_t *out)
SANITIZER_FN = CFUNCTYPE(c_int, c_void_p, POINTER(c_char), c_size_t, POINTER(c_char), c_size_t, c_void_p)
# sigil_status_t (*)(void *user_data, const char *json, size_t len, sigil_export_results_t *results)
EXPORTER_FN = CFUNCTYPE(c_uint32, c_void_p, POINTER(c_char), c_size_t, c_void_p)


# Spans and metric points the engine hands to the host pipeline (sigil.h, "Telemetry").
class Attribute(Structure):
    _fields_ = [
        ("key", POINTER(c_char)),
        ("key_len", c_size_t),
        ("type", c_uint32),
        ("string_value", POINTER(c_char)),
        ("string_value_len", c_size_t),
        ("int_value", c_int64),
        ("double_value", c_double),
        ("string_values", POINTER(POINTER(c_char))),
        ("string_value_lens", POINTER(c_size_t)),
        ("string_values_count", c_size_t),
    ]


class SpanEvent(Structure):
    _fields_ = [
        ("name", POINTER(c_char)),
        ("name_len", c_size_t),
        ("time_ns", c_int64),
        ("attributes", POINTER(Attribute)),
        ("attributes_count", c_size_t),
    ]


class Span(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("name", POINTER(c_char)),
        ("name_len", c_size_t),
        ("kind", c_uint32),
        ("trace_id", c_char * 33),
        ("span_id", c_char * 17),
        ("parent_span_id", c_char * 17),
        ("trace_flags", c_uint32),
        ("start_ns", c_int64),
        ("end_ns", c_int64),
        ("status_code", c_uint32),
        ("status_message", POINTER(c_char)),
        ("status_message_len", c_size_t),
        ("attributes", POINTER(Attribute)),
        ("attributes_count", c_size_t),
        ("events", POINTER(SpanEvent)),
        ("events_count", c_size_t),
    ]


class MetricPoint(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("name", POINTER(c_char)),
        ("name_len", c_size_t),
        ("unit", POINTER(c_char)),
        ("unit_len", c_size_t),
        ("description", POINTER(c_char)),
        ("description_len", c_size_t),
        ("explicit_bounds", POINTER(c_double)),
        ("explicit_bounds_count", c_size_t),
        ("value", c_double),
        ("attributes", POINTER(Attribute)),
        ("attributes_count", c_size_t),
    ]


ATTRIBUTE_STRING, ATTRIBUTE_BOOL, ATTRIBUTE_INT, ATTRIBUTE_DOUBLE, ATTRIBUTE_STRING_ARRAY = 1, 2, 3, 4, 5
SPAN_KIND_INTERNAL, SPAN_KIND_CLIENT = 1, 3
SPAN_STATUS_ERROR = 2
# void (*)(void *user_data, const sigil_span_t *span)
SPAN_FN = CFUNCTYPE(None, c_void_p, POINTER(Span))
# void (*)(void *user_data, const sigil_metric_point_t *point)
METRIC_FN = CFUNCTYPE(None, c_void_p, POINTER(MetricPoint))
TELEMETRY_PIPELINES = {"engine": 1, "host": 2, "both": 3}

SIGIL_E_REJECTED = 15
SIGIL_E_TRANSPORT = 10

CONTENT_CAPTURE_MODES = {
    "default": 0,
    "full": 1,
    "no_tool_content": 2,
    "metadata_only": 3,
    "full_with_metadata_spans": 4,
}
CONTENT_CAPTURE_MODE_NAMES = {code: name for name, code in CONTENT_CAPTURE_MODES.items()}
RECORD_KINDS = {1: "generation", 2: "tool_execution", 3: "embedding", 4: "rating", 5: "span"}
REDACT_CATEGORIES = {
    "secrets": 0x01,
    "email": 0x02,
    "env_secrets": 0x04,
    "payment_card": 0x08,
    "national_id": 0x10,
    "phone": 0x20,
    "injection": 0x40,
}
REDACT_ALL = 0x7F

P = c_void_p  # every handle is opaque
sigil_options_new = _fn("sigil_options_new", c_uint32, POINTER(c_void_p))
sigil_options_free = _fn("sigil_options_free", None, P)
_opt = {
    "use_environment": (c_int,),
    "protocol": (c_uint32,),
    "endpoint": (c_char_p,),
    "insecure": (c_int,),
    "ca_file": (c_char_p,),
    "ca_dir": (c_char_p,),
    "client_cert": (c_char_p,),
    "client_key": (c_char_p,),
    "header": (c_char_p, c_char_p),
    "auth_mode": (c_uint32,),
    "auth_tenant_id": (c_char_p,),
    "auth_bearer_token": (c_char_p,),
    "auth_basic_user": (c_char_p,),
    "auth_basic_password": (c_char_p,),
    "agent_name": (c_char_p,),
    "agent_version": (c_char_p,),
    "user_id": (c_char_p,),
    "tag": (c_char_p, c_char_p),
    "sdk_name": (c_char_p,),
    "batch_size": (c_uint32,),
    "flush_interval_ms": (c_uint32,),
    "queue_size": (c_uint32,),
    "queue_max_bytes": (c_uint64,),
    "max_retries": (c_uint32,),
    "no_retries": (),
    "initial_backoff_ms": (c_uint32,),
    "max_backoff_ms": (c_uint32,),
    "attempt_timeout_ms": (c_uint32,),
    "payload_max_bytes": (c_uint64,),
    "spool_dir": (c_char_p,),
    "spool_mode": (c_uint32,),
    "spool_sync": (c_uint32,),
    "logger": (LOG_FN, c_void_p),
    "debug": (c_int,),
    "keep_last_generation": (c_int,),
    "generation_exporter": (EXPORTER_FN, c_void_p),
    "api_endpoint": (c_char_p,),
    "otlp_endpoint": (c_char_p,),
    "otlp_header": (c_char_p, c_char_p),
    "otlp_certificate": (c_char_p,),
    "otlp_client_certificate": (c_char_p,),
    "otlp_client_key": (c_char_p,),
    "service_name": (c_char_p,),
    "resource_attribute": (c_char_p, c_char_p),
    "embedding_capture": (c_int, c_uint32, c_uint32),
    "span_callback": (SPAN_FN, c_void_p),
    "metric_callback": (METRIC_FN, c_void_p),
    "telemetry_pipeline": (c_uint32,),
    # Privacy (sigil.h, "Privacy").
    "content_capture_mode": (c_uint32,),
    "content_capture_resolver": (RESOLVER_FN, c_void_p),
    "redaction": (c_uint32,),
    "sanitizer": (SANITIZER_FN, c_void_p),
    "max_field_bytes": (c_uint64,),
    # Cost, token estimates and sampling (sigil.h, "Cost, token estimates and sampling").
    "prices_file": (c_char_p,),
    "token_estimates": (c_int,),
    "content_sample_rate": (c_double,),
    "export_sample_rate": (c_double,),
}
options_set = {k: _fn(f"sigil_options_set_{k}", c_uint32, P, *a) for k, a in _opt.items()}
sigil_export_results_add = _fn(
    "sigil_export_results_add", c_uint32, P, c_char_p, c_size_t, c_int, c_char_p, c_size_t)
sigil_export_results_set_message = _fn("sigil_export_results_set_message", c_uint32, P, c_char_p, c_size_t)

# --- client --------------------------------------------------------------------


class Stats(Structure):
    _fields_ = [("version", c_uint32)] + [
        (name, c_uint64)
        for name in (
            "generations_enqueued",
            "generations_exported",
            "generations_rejected",
            "dropped_queue_full",
            "dropped_byte_budget",
            "dropped_payload_too_large",
            "dropped_retry_exhausted",
            "dropped_shutdown_timeout",
            "validation_failures",
            "export_attempts",
            "export_retries",
            "queue_items",
            "queue_bytes",
            # version 2
            "dropped_spool_full",
            "dropped_total",
            "generations_spooled",
            "generations_replayed",
            # version 3
            "spans_exported",
            "spans_dropped",
            "metric_exports_failed",
            # version 4
            "spans_spooled",
            "spans_replayed",
            "metric_exports_spooled",
            "metric_exports_replayed",
            # version 5
            "scores_enqueued",
            "scores_exported",
            "scores_rejected",
            "scores_dropped",
            "score_export_attempts",
            "score_export_retries",
            "generations_unpriced",
            "generations_export_sampled_out",
            "generations_content_sampled_out",
        )
    ]


STATS_VERSION = 6
E = POINTER(c_void_p)  # sigil_error_t ** out-parameter
sigil_client_new = _fn("sigil_client_new", c_uint32, P, POINTER(c_void_p), E)
sigil_client_flush = _fn("sigil_client_flush", c_uint32, P, c_uint32, E)
sigil_client_shutdown = _fn("sigil_client_shutdown", c_uint32, P, c_uint32, E)
sigil_client_free = _fn("sigil_client_free", None, P)
sigil_client_stats = _fn("sigil_client_stats", c_uint32, P, POINTER(Stats))
sigil_client_metrics_snapshot = _fn("sigil_client_metrics_snapshot", c_uint32, P, POINTER(c_void_p), POINTER(c_size_t), E)
sigil_metrics_snapshot_free = _fn("sigil_metrics_snapshot_free", None, c_void_p)
sigil_options_resolve = _fn("sigil_options_resolve", c_uint32, P, POINTER(c_void_p), POINTER(c_size_t), E)

# --- generations ---------------------------------------------------------------


class GenerationStart(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("id", c_char_p),
        ("conversation_id", c_char_p),
        ("conversation_title", c_char_p),
        ("user_id", c_char_p),
        ("agent_name", c_char_p),
        ("agent_version", c_char_p),
        ("operation_name", c_char_p),
        ("model_provider", c_char_p),
        ("model_name", c_char_p),
        ("system_prompt", c_char_p),
        ("has_max_tokens", c_int),
        ("max_tokens", c_int64),
        ("has_temperature", c_int),
        ("temperature", c_double),
        ("has_top_p", c_int),
        ("top_p", c_double),
        ("tool_choice", c_char_p),
        ("has_thinking_enabled", c_int),
        ("thinking_enabled", c_int),
        ("tools_json", c_char_p),
        ("tools_json_len", c_size_t),
        ("tags_json", c_char_p),
        ("tags_json_len", c_size_t),
        ("metadata_json", c_char_p),
        ("metadata_json_len", c_size_t),
        ("started_at_ns", c_int64),
        ("context_conversation_id", c_char_p),
        ("context_conversation_title", c_char_p),
        ("context_user_id", c_char_p),
        ("context_agent_name", c_char_p),
        ("context_agent_version", c_char_p),
        ("parent_traceparent", c_char_p),
        ("content_capture", c_uint32),  # version 2
        ("parent_is_local", c_int),  # version 3
        ("span_traceparent", c_char_p),  # version 4
    ]


GENERATION_START_VERSION = 4
sigil_generation_start = _fn("sigil_generation_start", c_uint32, P, POINTER(GenerationStart), POINTER(c_void_p))
sigil_generation_start_streaming = _fn(
    "sigil_generation_start_streaming", c_uint32, P, POINTER(GenerationStart), POINTER(c_void_p)
)
sigil_generation_set_result_json = _fn("sigil_generation_set_result_json", c_uint32, P, c_char_p, c_size_t)
sigil_generation_set_call_error = _fn("sigil_generation_set_call_error", c_uint32, P, c_char_p, c_size_t, c_int32)
sigil_generation_set_first_token_at = _fn("sigil_generation_set_first_token_at", c_uint32, P, c_int64)
sigil_generation_set_metadata_string = _fn("sigil_generation_set_metadata_string", c_uint32, P, c_char_p, c_char_p)
sigil_generation_end = _fn("sigil_generation_end", c_uint32, P, E)
sigil_generation_id = _fn("sigil_generation_id", c_char_p, P)
sigil_generation_traceparent = _fn("sigil_generation_traceparent", c_uint32, P, c_char_p, c_size_t)
sigil_generation_content_capture_mode = _fn("sigil_generation_content_capture_mode", c_uint32, P)
sigil_generation_free = _fn("sigil_generation_free", None, P)
sigil_validate_generation_json = _fn("sigil_validate_generation_json", c_uint32, c_char_p, c_size_t, E)
sigil_generation_last_json = _fn(
    "sigil_generation_last_json", c_uint32, P, POINTER(c_void_p), POINTER(c_size_t), E)

# Provider mapping: the engine maps the provider's own JSON (docs/providers.md).
PROVIDER_RAW_ARTIFACTS = 1
sigil_generation_set_provider_request = _fn(
    "sigil_generation_set_provider_request", c_uint32, P, c_char_p, c_char_p, c_size_t, c_uint32)
sigil_generation_set_provider_response = _fn(
    "sigil_generation_set_provider_response", c_uint32, P, c_char_p, c_char_p, c_size_t, c_uint32)
sigil_generation_add_provider_event = _fn(
    "sigil_generation_add_provider_event", c_uint32, P, c_char_p, c_char_p, c_size_t, c_uint32)
sigil_generation_add_provider_events = _fn(
    "sigil_generation_add_provider_events", c_uint32, P, c_char_p, POINTER(c_char_p), POINTER(c_size_t),
    POINTER(c_int64), c_size_t, c_uint32)
sigil_generation_set_mapping_error = _fn("sigil_generation_set_mapping_error", c_uint32, P, c_char_p, c_size_t)

# --- tool executions -----------------------------------------------------------


class ToolExecutionStart(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("tool_name", c_char_p),
        ("tool_call_id", c_char_p),
        ("tool_type", c_char_p),
        ("tool_description", c_char_p),
        ("conversation_id", c_char_p),
        ("conversation_title", c_char_p),
        ("agent_name", c_char_p),
        ("agent_version", c_char_p),
        ("request_model", c_char_p),
        ("request_provider", c_char_p),
        ("include_content", c_int),
        ("started_at_ns", c_int64),
        ("context_conversation_id", c_char_p),
        ("context_conversation_title", c_char_p),
        ("context_agent_name", c_char_p),
        ("context_agent_version", c_char_p),
        ("parent_traceparent", c_char_p),
        ("content_capture", c_uint32),  # version 2
        ("parent_is_local", c_int),  # version 3
        ("span_traceparent", c_char_p),  # version 4
    ]


TOOL_EXECUTION_START_VERSION = 4
sigil_tool_execution_start = _fn(
    "sigil_tool_execution_start", c_uint32, P, POINTER(ToolExecutionStart), POINTER(c_void_p)
)
sigil_tool_execution_set_result = _fn(
    "sigil_tool_execution_set_result", c_uint32, P, c_char_p, c_size_t, c_char_p, c_size_t, c_int64
)
sigil_tool_execution_set_error = _fn("sigil_tool_execution_set_error", c_uint32, P, c_char_p, c_size_t, c_int32)
sigil_tool_execution_end = _fn("sigil_tool_execution_end", c_uint32, P, E)
sigil_tool_execution_traceparent = _fn("sigil_tool_execution_traceparent", c_uint32, P, c_char_p, c_size_t)
sigil_tool_execution_free = _fn("sigil_tool_execution_free", None, P)


# Spans an application starts itself (sigil.h, "Spans") and W3C trace context.
STEP_KINDS = {"agent": 1, "chain": 2, "retriever": 3, "workflow": 4, "task": 5, "custom": 6}
SPAN_STATUS = {"unset": 0, "ok": 1, "error": 2}


class SpanStart(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("kind", c_uint32),
        ("name", c_char_p),
        ("conversation_id", c_char_p),
        ("conversation_title", c_char_p),
        ("agent_name", c_char_p),
        ("agent_version", c_char_p),
        ("started_at_ns", c_int64),
        ("context_conversation_id", c_char_p),
        ("context_conversation_title", c_char_p),
        ("context_agent_name", c_char_p),
        ("context_agent_version", c_char_p),
        ("parent_traceparent", c_char_p),
        ("parent_tracestate", c_char_p),
        ("parent_is_local", c_int),
        ("content_capture", c_uint32),
        ("span_traceparent", c_char_p),
    ]


SPAN_START_VERSION = 1
sigil_span_start = _fn("sigil_span_start", c_uint32, P, POINTER(SpanStart), POINTER(c_void_p))
sigil_span_set_attribute_string = _fn("sigil_span_set_attribute_string", c_uint32, P, c_char_p, c_char_p, c_size_t,
                                      c_int)
sigil_span_set_attribute_int = _fn("sigil_span_set_attribute_int", c_uint32, P, c_char_p, c_int64, c_int)
sigil_span_set_attribute_double = _fn("sigil_span_set_attribute_double", c_uint32, P, c_char_p, c_double, c_int)
sigil_span_set_attribute_bool = _fn("sigil_span_set_attribute_bool", c_uint32, P, c_char_p, c_int, c_int)
sigil_span_set_input = _fn("sigil_span_set_input", c_uint32, P, c_char_p, c_size_t)
sigil_span_set_output = _fn("sigil_span_set_output", c_uint32, P, c_char_p, c_size_t)
sigil_span_add_event = _fn("sigil_span_add_event", c_uint32, P, c_char_p, c_int64, POINTER(Attribute), c_size_t,
                           c_int)
sigil_span_set_status = _fn("sigil_span_set_status", c_uint32, P, c_uint32, c_char_p, c_size_t)
sigil_span_set_error = _fn("sigil_span_set_error", c_uint32, P, c_char_p, c_char_p, c_size_t)
sigil_span_captures_content = _fn("sigil_span_captures_content", c_int, P)
sigil_span_traceparent = _fn("sigil_span_traceparent", c_uint32, P, c_char_p, c_size_t)
sigil_span_tracestate = _fn("sigil_span_tracestate", c_uint32, P, POINTER(POINTER(c_char)), POINTER(c_size_t))
sigil_span_end = _fn("sigil_span_end", c_uint32, P, c_int64, E)
sigil_span_free = _fn("sigil_span_free", None, P)
sigil_traceparent_parse = _fn("sigil_traceparent_parse", c_uint32, c_char_p, c_size_t, c_char_p, c_char_p,
                              POINTER(c_int))
sigil_traceparent_format = _fn("sigil_traceparent_format", c_uint32, c_char_p, c_char_p, c_int, c_char_p, c_size_t)
sigil_tracestate_validate = _fn("sigil_tracestate_validate", c_uint32, c_char_p, c_size_t)

# --- embeddings ----------------------------------------------------------------


class EmbeddingStart(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("model_provider", c_char_p),
        ("model_name", c_char_p),
        ("agent_name", c_char_p),
        ("agent_version", c_char_p),
        ("has_dimensions", c_int),
        ("dimensions", c_int64),
        ("encoding_format", c_char_p),
        ("started_at_ns", c_int64),
        ("context_agent_name", c_char_p),
        ("context_agent_version", c_char_p),
        ("parent_traceparent", c_char_p),
        ("content_capture", c_uint32),  # version 2
        ("parent_is_local", c_int),  # version 3
        ("span_traceparent", c_char_p),  # version 4
    ]


class EmbeddingResult(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("input_count", c_int64),
        ("input_tokens", c_int64),
        ("response_model", c_char_p),
        ("has_dimensions", c_int),
        ("dimensions", c_int64),
        ("input_texts", POINTER(c_char_p)),
        ("input_texts_count", c_size_t),
    ]


EMBEDDING_START_VERSION = 4
EMBEDDING_RESULT_VERSION = 1
sigil_embedding_start = _fn("sigil_embedding_start", c_uint32, P, POINTER(EmbeddingStart), POINTER(c_void_p))
sigil_embedding_set_result = _fn("sigil_embedding_set_result", c_uint32, P, POINTER(EmbeddingResult))
sigil_embedding_set_call_error = _fn("sigil_embedding_set_call_error", c_uint32, P, c_char_p, c_size_t, c_int32)
sigil_embedding_set_provider_result = _fn(
    "sigil_embedding_set_provider_result", c_uint32, P, c_char_p, c_char_p, c_size_t, c_char_p, c_size_t)
sigil_embedding_end = _fn("sigil_embedding_end", c_uint32, P, E)
# Provider mapping without a recorder: the normalized result as JSON (free with sigil_json_free).
sigil_provider_map_generation = _fn(
    "sigil_provider_map_generation", c_uint32, c_char_p, c_char_p, c_size_t, c_char_p, c_size_t,
    POINTER(c_char_p), POINTER(c_size_t), c_size_t, c_uint32, POINTER(c_void_p), POINTER(c_size_t), E)
sigil_provider_map_embedding = _fn(
    "sigil_provider_map_embedding", c_uint32, c_char_p, c_char_p, c_size_t, c_char_p, c_size_t,
    POINTER(c_void_p), POINTER(c_size_t), E)
sigil_json_free = _fn("sigil_json_free", None, c_void_p)
sigil_embedding_traceparent = _fn("sigil_embedding_traceparent", c_uint32, P, c_char_p, c_size_t)
sigil_embedding_free = _fn("sigil_embedding_free", None, P)
sigil_validate_embedding_start = _fn("sigil_validate_embedding_start", c_uint32, POINTER(EmbeddingStart), E)
sigil_validate_embedding_result = _fn("sigil_validate_embedding_result", c_uint32, POINTER(EmbeddingResult), E)

# --- ratings -------------------------------------------------------------------


class RatingInput(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("conversation_id", c_char_p),
        ("rating_id", c_char_p),
        ("rating", c_uint32),
        ("comment", c_char_p),
        ("metadata_json", c_char_p),
        ("metadata_json_len", c_size_t),
        ("generation_id", c_char_p),
        ("rater_id", c_char_p),
        ("source", c_char_p),
    ]


class RatingSummary(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("total_count", c_uint64),
        ("good_count", c_uint64),
        ("bad_count", c_uint64),
        ("latest_rating", c_uint32),
        ("has_bad_rating", c_int),
        ("latest_rated_at_ns", c_int64),
        ("latest_bad_at_ns", c_int64),
    ]


RATING_INPUT_VERSION = 1
RATING_SUMMARY_VERSION = 1
sigil_client_submit_rating = _fn(
    "sigil_client_submit_rating", c_uint32, P, POINTER(RatingInput), c_uint32, POINTER(c_void_p), E
)
sigil_rating_result_free = _fn("sigil_rating_result_free", None, P)
sigil_rating_result_rating = _fn("sigil_rating_result_rating", c_uint32, P)
sigil_rating_result_created_at_ns = _fn("sigil_rating_result_created_at_ns", c_int64, P)
sigil_rating_result_summary = _fn("sigil_rating_result_summary", c_uint32, P, POINTER(RatingSummary))
rating_result_str = {
    k: _fn(f"sigil_rating_result_{k}", c_char_p, P)
    for k in ("rating_id", "conversation_id", "generation_id", "comment", "rater_id", "source", "metadata_json")
}

# --- scores --------------------------------------------------------------------


class Score(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("score_id", c_char_p),
        ("generation_id", c_char_p),
        ("conversation_id", c_char_p),
        ("trace_id", c_char_p),
        ("span_id", c_char_p),
        ("evaluator_id", c_char_p),
        ("evaluator_version", c_char_p),
        ("key", c_char_p),
        ("value_kind", c_uint32),
        ("number_value", c_double),
        ("bool_value", c_int),
        ("string_value", c_char_p),
        ("passed", c_uint32),
        ("label", c_char_p),
        ("rationale", c_char_p),
        ("metadata_json", c_char_p),
        ("metadata_json_len", c_size_t),
        ("created_at_ns", c_int64),
    ]


SCORE_VERSION = 1
SCORE_VALUE_NUMBER, SCORE_VALUE_BOOL, SCORE_VALUE_STRING = 1, 2, 3
SCORE_PASSED_UNSET, SCORE_PASSED_TRUE, SCORE_PASSED_FALSE = 0, 1, 2
sigil_client_submit_score = _fn("sigil_client_submit_score", c_uint32, P, POINTER(Score), POINTER(c_void_p), E)
sigil_string_free = _fn("sigil_string_free", None, c_void_p)

# --- privacy ---------------------------------------------------------------------

sigil_sanitized_set = _fn("sigil_sanitized_set", c_uint32, c_void_p, c_char_p, c_size_t)
sigil_content_capture_mode_name = _fn("sigil_content_capture_mode_name", c_char_p, c_uint32)
