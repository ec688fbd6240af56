/* C shims between the Go binding and libsigil; see shim.h. */
#include <stdlib.h>
#include <string.h>
#include "shim.h"

/* Offsets into the caller's buffer of NUL-terminated strings; -1 means NULL. */
#define SGO_STR(buf, off) ((off) >= 0 ? (buf) + (off) : NULL)

/* The Go context of the start or rating call running on this thread (a
 * cgo.Handle, 0 for none): libsigil calls the resolver from inside that call,
 * on the same thread, and the resolver bridge hands it to the Go resolver. */
static __thread uintptr_t sgo_call_ctx;

sigil_status_t sgo_generation_start(sigil_client_t *client, const sgo_generation_start_args *a, const char *buf,
                                    sigil_generation_t **out, char *traceparent) {
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  s.id = SGO_STR(buf, a->id);
  s.conversation_id = SGO_STR(buf, a->conversation_id);
  s.conversation_title = SGO_STR(buf, a->conversation_title);
  s.user_id = SGO_STR(buf, a->user_id);
  s.agent_name = SGO_STR(buf, a->agent_name);
  s.agent_version = SGO_STR(buf, a->agent_version);
  s.operation_name = SGO_STR(buf, a->operation_name);
  s.model_provider = SGO_STR(buf, a->model_provider);
  s.model_name = SGO_STR(buf, a->model_name);
  s.system_prompt = SGO_STR(buf, a->system_prompt);
  s.has_max_tokens = a->has_max_tokens;
  s.max_tokens = a->max_tokens;
  s.has_temperature = a->has_temperature;
  s.temperature = a->temperature;
  s.has_top_p = a->has_top_p;
  s.top_p = a->top_p;
  s.tool_choice = SGO_STR(buf, a->tool_choice);
  s.has_thinking_enabled = a->has_thinking_enabled;
  s.thinking_enabled = a->thinking_enabled;
  s.tools_json = SGO_STR(buf, a->tools_json);
  s.tools_json_len = (size_t)a->tools_json_len;
  s.tags_json = SGO_STR(buf, a->tags_json);
  s.tags_json_len = (size_t)a->tags_json_len;
  s.metadata_json = SGO_STR(buf, a->metadata_json);
  s.metadata_json_len = (size_t)a->metadata_json_len;
  s.started_at_ns = a->started_at_ns;
  s.context_conversation_id = SGO_STR(buf, a->ctx_conversation_id);
  s.context_conversation_title = SGO_STR(buf, a->ctx_conversation_title);
  s.context_user_id = SGO_STR(buf, a->ctx_user_id);
  s.context_agent_name = SGO_STR(buf, a->ctx_agent_name);
  s.context_agent_version = SGO_STR(buf, a->ctx_agent_version);
  s.parent_traceparent = SGO_STR(buf, a->parent_traceparent);
  s.parent_is_local = a->parent_is_local;
  s.span_traceparent = SGO_STR(buf, a->span_traceparent);
  s.content_capture = a->content_capture;
  sgo_call_ctx = a->call_ctx;
  sigil_status_t st =
      a->streaming ? sigil_generation_start_streaming(client, &s, out) : sigil_generation_start(client, &s, out);
  sgo_call_ctx = 0;
  if (*out == NULL || sigil_generation_traceparent(*out, traceparent, 56) != SIGIL_OK) traceparent[0] = '\0';
  return st;
}

sigil_status_t sgo_generation_finish(sigil_generation_t *g, const char *json, size_t json_len, int has_call_error,
                                     const char *call_error, size_t call_error_len, int32_t http_status,
                                     int64_t first_token_ns, sigil_error_t **error) {
  if (has_call_error) {
    sigil_generation_set_call_error(g, call_error != NULL ? call_error : "", call_error_len, http_status);
  }
  if (first_token_ns != 0) sigil_generation_set_first_token_at(g, first_token_ns);
  if (json != NULL) sigil_generation_set_result_json(g, json, json_len); /* end reports its error */
  sigil_status_t st = sigil_generation_end(g, error);
  sigil_generation_free(g);
  return st;
}

sigil_status_t sgo_tool_start(sigil_client_t *client, const sgo_tool_start_args *a, const char *buf,
                              sigil_tool_execution_t **out, char *traceparent) {
  sigil_tool_execution_start_t s = SIGIL_TOOL_EXECUTION_START_INIT;
  s.tool_name = SGO_STR(buf, a->tool_name);
  s.tool_call_id = SGO_STR(buf, a->tool_call_id);
  s.tool_type = SGO_STR(buf, a->tool_type);
  s.tool_description = SGO_STR(buf, a->tool_description);
  s.conversation_id = SGO_STR(buf, a->conversation_id);
  s.conversation_title = SGO_STR(buf, a->conversation_title);
  s.agent_name = SGO_STR(buf, a->agent_name);
  s.agent_version = SGO_STR(buf, a->agent_version);
  s.request_model = SGO_STR(buf, a->request_model);
  s.request_provider = SGO_STR(buf, a->request_provider);
  s.include_content = a->include_content;
  s.started_at_ns = a->started_at_ns;
  s.context_conversation_id = SGO_STR(buf, a->ctx_conversation_id);
  s.context_conversation_title = SGO_STR(buf, a->ctx_conversation_title);
  s.context_agent_name = SGO_STR(buf, a->ctx_agent_name);
  s.context_agent_version = SGO_STR(buf, a->ctx_agent_version);
  s.parent_traceparent = SGO_STR(buf, a->parent_traceparent);
  s.parent_is_local = a->parent_is_local;
  s.span_traceparent = SGO_STR(buf, a->span_traceparent);
  s.content_capture = a->content_capture;
  sgo_call_ctx = a->call_ctx;
  sigil_status_t st = sigil_tool_execution_start(client, &s, out);
  sgo_call_ctx = 0;
  if (*out == NULL || sigil_tool_execution_traceparent(*out, traceparent, 56) != SIGIL_OK) traceparent[0] = '\0';
  return st;
}

sigil_status_t sgo_tool_finish(sigil_tool_execution_t *e, int has_result, const char *arguments, size_t arguments_len,
                               const char *result, size_t result_len, int64_t completed_at_ns, int has_error,
                               const char *message, size_t message_len, int32_t http_status, sigil_error_t **error) {
  if (has_result) {
    sigil_tool_execution_set_result(e, arguments != NULL ? arguments : "", arguments_len, result != NULL ? result : "",
                                    result_len, completed_at_ns);
  }
  if (has_error) sigil_tool_execution_set_error(e, message != NULL ? message : "", message_len, http_status);
  sigil_status_t st = sigil_tool_execution_end(e, error);
  sigil_tool_execution_free(e);
  return st;
}

sigil_status_t sgo_embedding_start(sigil_client_t *client, const sgo_embedding_start_args *a, const char *buf,
                                   sigil_embedding_t **out, char *traceparent) {
  sigil_embedding_start_t s = SIGIL_EMBEDDING_START_INIT;
  s.model_provider = SGO_STR(buf, a->model_provider);
  s.model_name = SGO_STR(buf, a->model_name);
  s.agent_name = SGO_STR(buf, a->agent_name);
  s.agent_version = SGO_STR(buf, a->agent_version);
  s.has_dimensions = a->has_dimensions;
  s.dimensions = a->dimensions;
  s.encoding_format = SGO_STR(buf, a->encoding_format);
  s.started_at_ns = a->started_at_ns;
  s.context_agent_name = SGO_STR(buf, a->ctx_agent_name);
  s.context_agent_version = SGO_STR(buf, a->ctx_agent_version);
  s.parent_traceparent = SGO_STR(buf, a->parent_traceparent);
  s.parent_is_local = a->parent_is_local;
  s.span_traceparent = SGO_STR(buf, a->span_traceparent);
  s.content_capture = a->content_capture;
  sgo_call_ctx = a->call_ctx;
  sigil_status_t st = sigil_embedding_start(client, &s, out);
  sgo_call_ctx = 0;
  if (*out == NULL || sigil_embedding_traceparent(*out, traceparent, 56) != SIGIL_OK) traceparent[0] = '\0';
  return st;
}

/* `buf` holds the response model and then `texts_count` NUL-terminated texts
 * back to back, starting at offset `texts`. */
sigil_status_t sgo_embedding_finish(sigil_embedding_t *e, const sgo_embedding_result_args *a, const char *buf,
                                    int has_error, const char *message, size_t message_len, int32_t http_status,
                                    sigil_error_t **error) {
  if (a->has_result) {
    sigil_embedding_result_t r = SIGIL_EMBEDDING_RESULT_INIT;
    r.input_count = a->input_count;
    r.input_tokens = a->input_tokens;
    r.response_model = SGO_STR(buf, a->response_model);
    r.has_dimensions = a->has_dimensions;
    r.dimensions = a->dimensions;
    const char **texts = NULL;
    if (a->texts_count > 0) {
      texts = (const char **)malloc(sizeof(char *) * (size_t)a->texts_count);
      if (texts != NULL) {
        const char *p = buf + a->texts;
        for (int64_t i = 0; i < a->texts_count; ++i) {
          texts[i] = p;
          p += strlen(p) + 1;
        }
        r.input_texts = texts;
        r.input_texts_count = (size_t)a->texts_count;
      }
    }
    sigil_embedding_set_result(e, &r);
    free(texts);
  }
  if (has_error) sigil_embedding_set_call_error(e, message != NULL ? message : "", message_len, http_status);
  sigil_status_t st = sigil_embedding_end(e, error);
  sigil_embedding_free(e);
  return st;
}

sigil_status_t sgo_span_start(sigil_client_t *client, const sgo_span_start_args *a, const char *buf,
                              sigil_span_recorder_t **out, char *traceparent) {
  sigil_span_start_t s = SIGIL_SPAN_START_INIT;
  s.kind = a->kind;
  s.name = SGO_STR(buf, a->name);
  s.conversation_id = SGO_STR(buf, a->conversation_id);
  s.conversation_title = SGO_STR(buf, a->conversation_title);
  s.agent_name = SGO_STR(buf, a->agent_name);
  s.agent_version = SGO_STR(buf, a->agent_version);
  s.started_at_ns = a->started_at_ns;
  s.context_conversation_id = SGO_STR(buf, a->ctx_conversation_id);
  s.context_conversation_title = SGO_STR(buf, a->ctx_conversation_title);
  s.context_agent_name = SGO_STR(buf, a->ctx_agent_name);
  s.context_agent_version = SGO_STR(buf, a->ctx_agent_version);
  s.parent_traceparent = SGO_STR(buf, a->parent_traceparent);
  s.parent_tracestate = SGO_STR(buf, a->parent_tracestate);
  s.parent_is_local = a->parent_is_local;
  s.span_traceparent = SGO_STR(buf, a->span_traceparent);
  s.content_capture = a->content_capture;
  sgo_call_ctx = a->call_ctx;
  sigil_status_t st = sigil_span_start(client, &s, out);
  sgo_call_ctx = 0;
  if (*out == NULL || sigil_span_traceparent(*out, traceparent, 56) != SIGIL_OK) traceparent[0] = '\0';
  return st;
}

sigil_status_t sgo_span_set_attribute(sigil_span_recorder_t *span, const sgo_attribute *attr, const char *buf,
                                      int content) {
  const char *key = SGO_STR(buf, attr->key);
  switch (attr->type) {
    case SIGIL_ATTRIBUTE_STRING: {
      const char *v = SGO_STR(buf, attr->value);
      return sigil_span_set_attribute_string(span, key, v, v != NULL ? strlen(v) : 0, content);
    }
    case SIGIL_ATTRIBUTE_BOOL:
      return sigil_span_set_attribute_bool(span, key, attr->int_value != 0, content);
    case SIGIL_ATTRIBUTE_INT:
      return sigil_span_set_attribute_int(span, key, attr->int_value, content);
    case SIGIL_ATTRIBUTE_DOUBLE:
      return sigil_span_set_attribute_double(span, key, attr->double_value, content);
  }
  return SIGIL_E_INVALID_ARGUMENT;
}

sigil_status_t sgo_span_add_event(sigil_span_recorder_t *span, int64_t name, int64_t time_ns,
                                  const sgo_attribute *attrs, size_t count, const char *buf, int content) {
  sigil_attribute_t stack[16];
  sigil_attribute_t *out = count <= 16 ? stack : calloc(count, sizeof *out);
  if (out == NULL) return SIGIL_E_NO_MEMORY;
  for (size_t i = 0; i < count; i++) {
    const sgo_attribute *a = &attrs[i];
    sigil_attribute_t *o = &out[i];
    memset(o, 0, sizeof *o);
    o->key = SGO_STR(buf, a->key);
    o->key_len = o->key != NULL ? strlen(o->key) : 0;
    o->type = a->type;
    o->int_value = a->int_value;
    o->double_value = a->double_value;
    if (a->type == SIGIL_ATTRIBUTE_STRING) {
      o->string_value = SGO_STR(buf, a->value);
      o->string_value_len = o->string_value != NULL ? strlen(o->string_value) : 0;
    }
  }
  sigil_status_t st = sigil_span_add_event(span, SGO_STR(buf, name), time_ns, out, count, content);
  if (out != stack) free(out);
  return st;
}

sigil_status_t sgo_span_finish(sigil_span_recorder_t *span, int64_t completed_at_ns, sigil_error_t **error) {
  sigil_status_t st = sigil_span_end(span, completed_at_ns, error);
  sigil_span_free(span);
  return st;
}

sigil_status_t sgo_submit_rating(sigil_client_t *client, const sgo_rating_input_args *a, const char *buf,
                                 uint32_t timeout_ms, sigil_rating_result_t **out, sigil_error_t **error) {
  sigil_rating_input_t in = SIGIL_RATING_INPUT_INIT;
  in.conversation_id = SGO_STR(buf, a->conversation_id);
  in.rating_id = SGO_STR(buf, a->rating_id);
  in.rating = a->rating;
  in.comment = SGO_STR(buf, a->comment);
  in.metadata_json = SGO_STR(buf, a->metadata_json);
  in.metadata_json_len = (size_t)a->metadata_json_len;
  in.generation_id = SGO_STR(buf, a->generation_id);
  in.rater_id = SGO_STR(buf, a->rater_id);
  in.source = SGO_STR(buf, a->source);
  sgo_call_ctx = a->call_ctx;
  sigil_status_t st = sigil_client_submit_rating(client, &in, timeout_ms, out, error);
  sgo_call_ctx = 0;
  return st;
}

sigil_status_t sgo_submit_score(sigil_client_t *client, const sgo_score_args *a, const char *buf, char **score_id_out,
                                sigil_error_t **error) {
  sigil_score_t s = SIGIL_SCORE_INIT;
  s.score_id = SGO_STR(buf, a->score_id);
  s.generation_id = SGO_STR(buf, a->generation_id);
  s.conversation_id = SGO_STR(buf, a->conversation_id);
  s.trace_id = SGO_STR(buf, a->trace_id);
  s.span_id = SGO_STR(buf, a->span_id);
  s.evaluator_id = SGO_STR(buf, a->evaluator_id);
  s.evaluator_version = SGO_STR(buf, a->evaluator_version);
  s.key = SGO_STR(buf, a->key);
  s.value_kind = a->value_kind;
  s.number_value = a->number_value;
  s.bool_value = a->bool_value;
  s.string_value = SGO_STR(buf, a->string_value);
  s.passed = a->passed;
  s.label = SGO_STR(buf, a->label);
  s.rationale = SGO_STR(buf, a->rationale);
  s.metadata_json = SGO_STR(buf, a->metadata_json);
  s.metadata_json_len = (size_t)a->metadata_json_len;
  s.created_at_ns = a->created_at_ns;
  return sigil_client_submit_score(client, &s, score_id_out, error);
}

/* Defined by cgo from the //export in log.go. */
extern void sigilGoLog(uintptr_t handle, uint32_t level, char *message, size_t message_len);

static void sgo_log_trampoline(void *user_data, uint32_t level, const char *message, size_t message_len) {
  sigilGoLog((uintptr_t)user_data, level, (char *)message, message_len);
}

sigil_status_t sgo_options_set_go_logger(sigil_options_t *options, uintptr_t handle) {
  return sigil_options_set_logger(options, sgo_log_trampoline, (void *)handle);
}

/* Defined by cgo from the //exports in privacy.go. */
extern int sigilGoResolve(uintptr_t handle, uintptr_t call_ctx, uint32_t kind, char *metadata, size_t metadata_len,
                          uint32_t *mode);
extern int sigilGoSanitize(uintptr_t handle, char *path, size_t path_len, char *value, size_t value_len, void *out);

static int sgo_resolve_trampoline(void *user_data, uint32_t kind, const char *metadata, size_t metadata_len,
                                  uint32_t *mode) {
  return sigilGoResolve((uintptr_t)user_data, sgo_call_ctx, kind, (char *)metadata, metadata_len, mode);
}

static int sgo_sanitize_trampoline(void *user_data, const char *path, size_t path_len, const char *value,
                                   size_t value_len, sigil_sanitized_t *out) {
  return sigilGoSanitize((uintptr_t)user_data, (char *)path, path_len, (char *)value, value_len, out);
}

sigil_status_t sgo_options_set_go_resolver(sigil_options_t *options, uintptr_t handle) {
  return sigil_options_set_content_capture_resolver(options, sgo_resolve_trampoline, (void *)handle);
}

sigil_status_t sgo_options_set_go_sanitizer(sigil_options_t *options, uintptr_t handle) {
  return sigil_options_set_sanitizer(options, sgo_sanitize_trampoline, (void *)handle);
}

/* Defined by cgo from the //exports in exporter.go and span.go. */
extern uint32_t sigilGoExport(uintptr_t handle, char *json, size_t json_len, void *results);
extern void sigilGoSpan(uintptr_t handle, void *span);

static sigil_status_t sgo_export_trampoline(void *user_data, const char *json, size_t json_len,
                                            sigil_export_results_t *results) {
  return sigilGoExport((uintptr_t)user_data, (char *)json, json_len, results);
}

static void sgo_span_trampoline(void *user_data, const sigil_span_t *span) {
  sigilGoSpan((uintptr_t)user_data, (void *)span);
}

sigil_status_t sgo_options_set_go_exporter(sigil_options_t *options, uintptr_t handle) {
  return sigil_options_set_generation_exporter(options, sgo_export_trampoline, (void *)handle);
}

sigil_status_t sgo_options_set_go_span_handler(sigil_options_t *options, uintptr_t handle) {
  return sigil_options_set_span_callback(options, sgo_span_trampoline, (void *)handle);
}

/* Defined by cgo from the //export in host.go. */
extern void sigilGoMetric(uintptr_t handle, void *point);

static void sgo_metric_trampoline(void *user_data, const sigil_metric_point_t *point) {
  sigilGoMetric((uintptr_t)user_data, (void *)point);
}

sigil_status_t sgo_options_set_go_metric_handler(sigil_options_t *options, uintptr_t handle) {
  return sigil_options_set_metric_callback(options, sgo_metric_trampoline, (void *)handle);
}

/* The ABI this package was compiled against. */
uint32_t sgo_abi_version_header(void) { return SIGIL_ABI_VERSION; }

sigil_status_t sgo_provider_map_generation(const char *api, const char *request_json, size_t request_len,
                                           const char *response_json, size_t response_len, const char *events,
                                           const size_t *event_lens, size_t events_count, uint32_t flags,
                                           char **json_out, size_t *json_len, sigil_error_t **error) {
  const char **ptrs = NULL;
  if (events_count > 0) {
    ptrs = malloc(events_count * sizeof *ptrs);
    if (ptrs == NULL) return SIGIL_E_NO_MEMORY;
    size_t offset = 0;
    for (size_t i = 0; i < events_count; i++) {
      ptrs[i] = events + offset;
      offset += event_lens[i];
    }
  }
  sigil_status_t st = sigil_provider_map_generation(api, request_json, request_len, response_json, response_len,
                                                    (const char *const *)ptrs, event_lens, events_count, flags,
                                                    json_out, json_len, error);
  free((void *)ptrs);
  return st;
}
