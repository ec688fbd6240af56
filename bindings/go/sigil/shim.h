/* C shims between the Go binding and libsigil (see cgo.go). Each shim turns
 * one Go-side operation into one cgo crossing. Strings arrive packed in one
 * caller buffer of NUL-terminated strings and are referred to by offset
 * (-1 means NULL), so Go never passes memory that holds Go pointers. */
#ifndef SIGIL_GO_SHIM_H
#define SIGIL_GO_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <sigil/sigil.h>

typedef struct {
  int64_t id, conversation_id, conversation_title, user_id, agent_name, agent_version, operation_name, model_provider,
      model_name, system_prompt, tool_choice, tools_json, tags_json, metadata_json, ctx_conversation_id,
      ctx_conversation_title, ctx_user_id, ctx_agent_name, ctx_agent_version, parent_traceparent, span_traceparent;
  int64_t tools_json_len, tags_json_len, metadata_json_len;
  int64_t max_tokens, started_at_ns;
  double temperature, top_p;
  int32_t has_max_tokens, has_temperature, has_top_p, has_thinking_enabled, thinking_enabled, streaming;
  int32_t parent_is_local;  /* the parent is a span of this process */
  uint32_t content_capture; /* SIGIL_CONTENT_CAPTURE_* */
  uintptr_t call_ctx;       /* see sgo_call_ctx */
} sgo_generation_start_args;

typedef struct {
  int64_t tool_name, tool_call_id, tool_type, tool_description, conversation_id, conversation_title, agent_name,
      agent_version, request_model, request_provider, ctx_conversation_id, ctx_conversation_title, ctx_agent_name,
      ctx_agent_version, parent_traceparent, span_traceparent;
  int64_t started_at_ns;
  int32_t include_content, parent_is_local;
  uint32_t content_capture;
  uintptr_t call_ctx;
} sgo_tool_start_args;

typedef struct {
  int64_t model_provider, model_name, agent_name, agent_version, encoding_format, ctx_agent_name, ctx_agent_version,
      parent_traceparent, span_traceparent;
  int64_t dimensions, started_at_ns;
  int32_t has_dimensions, parent_is_local;
  uint32_t content_capture;
  uintptr_t call_ctx;
} sgo_embedding_start_args;

/* `texts` is the offset of `texts_count` NUL-terminated strings back to back. */
typedef struct {
  int64_t input_count, input_tokens, dimensions, response_model, texts, texts_count;
  int32_t has_result, has_dimensions;
} sgo_embedding_result_args;

/* Start shims write the recorder's traceparent (or "") into `traceparent`
 * (56 bytes). */
sigil_status_t sgo_generation_start(sigil_client_t *client, const sgo_generation_start_args *a, const char *buf,
                                    sigil_generation_t **out, char *traceparent);
/* Applies the call error, first-token time and result JSON (each optional),
 * ends and frees the recorder; returns what end returned. */
sigil_status_t sgo_generation_finish(sigil_generation_t *g, const char *json, size_t json_len, int has_call_error,
                                     const char *call_error, size_t call_error_len, int32_t http_status,
                                     int64_t first_token_ns, sigil_error_t **error);

sigil_status_t sgo_tool_start(sigil_client_t *client, const sgo_tool_start_args *a, const char *buf,
                              sigil_tool_execution_t **out, char *traceparent);
sigil_status_t sgo_tool_finish(sigil_tool_execution_t *e, int has_result, const char *arguments, size_t arguments_len,
                               const char *result, size_t result_len, int64_t completed_at_ns, int has_error,
                               const char *message, size_t message_len, int32_t http_status, sigil_error_t **error);

sigil_status_t sgo_embedding_start(sigil_client_t *client, const sgo_embedding_start_args *a, const char *buf,
                                   sigil_embedding_t **out, char *traceparent);
sigil_status_t sgo_embedding_finish(sigil_embedding_t *e, const sgo_embedding_result_args *a, const char *buf,
                                    int has_error, const char *message, size_t message_len, int32_t http_status,
                                    sigil_error_t **error);

typedef struct {
  int64_t name, conversation_id, conversation_title, agent_name, agent_version, ctx_conversation_id,
      ctx_conversation_title, ctx_agent_name, ctx_agent_version, parent_traceparent, parent_tracestate,
      span_traceparent;
  int64_t started_at_ns;
  int32_t parent_is_local;
  uint32_t kind;            /* SIGIL_STEP_* */
  uint32_t content_capture; /* SIGIL_CONTENT_CAPTURE_* */
  uintptr_t call_ctx;
} sgo_span_start_args;

/* One span attribute: `key` and a STRING `value` are offsets into the
 * caller's buffer. */
typedef struct {
  int64_t key, value;
  int64_t int_value; /* INT; BOOL as 0 or 1 */
  double double_value;
  uint32_t type; /* SIGIL_ATTRIBUTE_STRING, _BOOL, _INT or _DOUBLE */
} sgo_attribute;

/* Starts a span; writes its traceparent (or "") into `traceparent` (56
 * bytes); returns what sigil_span_start returned. */
sigil_status_t sgo_span_start(sigil_client_t *client, const sgo_span_start_args *a, const char *buf,
                              sigil_span_recorder_t **out, char *traceparent);
sigil_status_t sgo_span_set_attribute(sigil_span_recorder_t *span, const sgo_attribute *attr, const char *buf,
                                      int content);
sigil_status_t sgo_span_add_event(sigil_span_recorder_t *span, int64_t name, int64_t time_ns,
                                  const sgo_attribute *attrs, size_t count, const char *buf, int content);
/* Ends the span at `completed_at_ns` (0 = now) and frees it; returns what end returned. */
sigil_status_t sgo_span_finish(sigil_span_recorder_t *span, int64_t completed_at_ns, sigil_error_t **error);

typedef struct {
  int64_t conversation_id, rating_id, comment, metadata_json, generation_id, rater_id, source;
  int64_t metadata_json_len;
  uint32_t rating;
  uintptr_t call_ctx;
} sgo_rating_input_args;

sigil_status_t sgo_submit_rating(sigil_client_t *client, const sgo_rating_input_args *a, const char *buf,
                                 uint32_t timeout_ms, sigil_rating_result_t **out, sigil_error_t **error);

typedef struct {
  int64_t score_id, generation_id, conversation_id, trace_id, span_id, evaluator_id, evaluator_version, key;
  int64_t string_value, label, rationale, metadata_json;
  int64_t metadata_json_len;
  uint32_t value_kind, passed;
  double number_value;
  int32_t bool_value;
  int64_t created_at_ns;
} sgo_score_args;

/* sigil_client_submit_score over offsets into `buf`; `*score_id_out` as there. */
sigil_status_t sgo_submit_score(sigil_client_t *client, const sgo_score_args *a, const char *buf, char **score_id_out,
                                sigil_error_t **error);

/* Registers the Go logger bridge; `handle` is a runtime/cgo.Handle. */
sigil_status_t sgo_options_set_go_logger(sigil_options_t *options, uintptr_t handle);
/* Registers the Go content capture resolver and sanitizer bridges (privacy.go).
 * The start and rating shims make their args' `call_ctx` (a runtime/cgo.Handle
 * of the caller's context.Context, or 0) the resolver's for the duration of
 * the engine call, which invokes the resolver on the same thread. */
sigil_status_t sgo_options_set_go_resolver(sigil_options_t *options, uintptr_t handle);
sigil_status_t sgo_options_set_go_sanitizer(sigil_options_t *options, uintptr_t handle);

/* Registers the Go generation exporter (exporter.go) and span handler
 * (span.go) bridges; `handle` is the client's runtime/cgo.Handle. */
sigil_status_t sgo_options_set_go_exporter(sigil_options_t *options, uintptr_t handle);
sigil_status_t sgo_options_set_go_span_handler(sigil_options_t *options, uintptr_t handle);
/* Registers the metric callback bridge (host.go) for the host pipeline. */
sigil_status_t sgo_options_set_go_metric_handler(sigil_options_t *options, uintptr_t handle);

/* sigil_provider_map_generation with the stream's events packed back to back
 * in one caller buffer (`events`, `event_lens[i]` bytes each), so Go passes
 * no array of pointers. */
sigil_status_t sgo_provider_map_generation(const char *api, const char *request_json, size_t request_len,
                                           const char *response_json, size_t response_len, const char *events,
                                           const size_t *event_lens, size_t events_count, uint32_t flags,
                                           char **json_out, size_t *json_len, sigil_error_t **error);

/* The ABI version of the header this package was compiled against. */
uint32_t sgo_abi_version_header(void);

#endif
