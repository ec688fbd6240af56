/* Generations, tool executions, embeddings and spans of application steps. */
#include <stdlib.h>
#include <string.h>

#include "addon.h"

/* The JavaScript side of a recorder. end() ends the engine recorder and
 * frees it at once (so its memory is reused while it is hot), keeping the id
 * and the traceparent, which stay readable; later recording calls are no-ops
 * and a later end() reports SIGIL_E_ALREADY_ENDED. A recorder that is never
 * ended is ended and freed by the finalizer, as a safety net. */
typedef enum { REC_GENERATION, REC_TOOL, REC_EMBEDDING, REC_SPAN } rec_kind_t;

typedef struct {
  void *rec; /* the engine recorder; NULL once ended */
  rec_kind_t kind;
  char traceparent[64];  /* kept at end; "" without a span */
  char *id;              /* kept at end (generations) */
  uint32_t capture_mode; /* kept at end (generations): the resolved mode */
  char *last_json;       /* kept at end (generations, keep_last_generation): as normalized */
  char *tracestate;      /* kept at end (spans): the W3C tracestate it carries on */
} rec_t;

static void rec_free_engine(rec_t *w) {
  switch (w->kind) {
    case REC_GENERATION:
      sigil_generation_free((sigil_generation_t *)w->rec);
      break;
    case REC_TOOL:
      sigil_tool_execution_free((sigil_tool_execution_t *)w->rec);
      break;
    case REC_EMBEDDING:
      sigil_embedding_free((sigil_embedding_t *)w->rec);
      break;
    case REC_SPAN:
      sigil_span_free((sigil_span_recorder_t *)w->rec);
      break;
  }
  w->rec = NULL;
}

static void rec_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  rec_t *w = (rec_t *)data;
  if (w->rec != NULL) rec_free_engine(w);
  free(w->id);
  sigil_json_free(w->last_json);
  free(w->tracestate);
  free(w);
}

static napi_value wrap_recorder(napi_env env, void *p, rec_kind_t kind) {
  rec_t *w = (rec_t *)malloc(sizeof *w);
  if (w == NULL) {
    rec_t tmp = {p, kind, {0}, NULL, 0, NULL, NULL};
    rec_free_engine(&tmp);
    return throw_type(env, "out of memory");
  }
  w->rec = p;
  w->kind = kind;
  w->traceparent[0] = '\0';
  w->id = NULL;
  w->last_json = NULL;
  w->tracestate = NULL;
  w->capture_mode = SIGIL_CONTENT_CAPTURE_DEFAULT;
  napi_value ext;
  if (napi_create_external(env, w, rec_finalize, NULL, &ext) != napi_ok) {
    rec_finalize(env, w, NULL);
    return throw_last_error(env, "napi_create_external");
  }
  return ext;
}

static rec_t *rec_arg(napi_env env, napi_value v, rec_kind_t kind) {
  rec_t *w = (rec_t *)external_ptr(env, v);
  if (w == NULL || w->kind != kind) {
    throw_type(env, "expected a recorder handle of the right kind");
    return NULL;
  }
  return w;
}

/* The engine recorder of kind `kind` behind a handle (NULL once ended: calls
 * are no-ops); *ok is 0 after a TypeError was thrown. */
static void *rec_engine(napi_env env, napi_value v, rec_kind_t kind, int *ok) {
  rec_t *w = rec_arg(env, v, kind);
  *ok = w != NULL;
  return w != NULL ? w->rec : NULL;
}

/* Puts the strings a[idx[0..n)] into the scratch buffer, into r[idx[i]]. */
static napi_status put_strings(napi_env env, const napi_value *a, const int *idx, size_t n, scratch_t *s, sref_t *r) {
  for (size_t i = 0; i < n; ++i) {
    napi_status st = put_string(env, a[idx[i]], s, &r[idx[i]]);
    if (st != napi_ok) return st;
  }
  return napi_ok;
}

static const char *const kAlreadyEnded[] = {
    "the generation was already ended",
    "the tool execution was already ended",
    "the embedding was already ended",
    "the span was already ended",
};

/* Ends and frees the engine recorder, keeping what stays readable; a[2] is
 * the completion time (spans). -> 0 | [status, message] */
static napi_value rec_end(napi_env env, napi_callback_info info, rec_kind_t kind) {
  napi_value a[3];
  CHECK(env, get_args(env, info, 3, a));
  rec_t *w = rec_arg(env, a[0], kind);
  if (w == NULL) return NULL;
  if (w->rec == NULL) return status_value(env, SIGIL_E_ALREADY_ENDED, NULL);
  /* The host pipeline: the engine's span and metric points go into a[1]. */
  bool is_array = false;
  napi_is_array(env, a[1], &is_array);
  host_collect_t collect = {env, a[1]};
  if (is_array) host_collect_begin(&collect);
  sigil_error_t *err = NULL;
  sigil_status_t st = SIGIL_OK;
  switch (kind) {
    case REC_GENERATION: {
      sigil_generation_t *g = (sigil_generation_t *)w->rec;
      st = sigil_generation_end(g, &err);
      if (sigil_generation_traceparent(g, w->traceparent, sizeof w->traceparent) != SIGIL_OK) w->traceparent[0] = '\0';
      w->capture_mode = sigil_generation_content_capture_mode(g);
      const char *id = sigil_generation_id(g);
      size_t n = strlen(id);
      w->id = (char *)malloc(n + 1);
      if (w->id != NULL) memcpy(w->id, id, n + 1);
      if (sigil_generation_last_json(g, &w->last_json, NULL, NULL) != SIGIL_OK) w->last_json = NULL;
      break;
    }
    case REC_TOOL:
      st = sigil_tool_execution_end((sigil_tool_execution_t *)w->rec, &err);
      if (sigil_tool_execution_traceparent((sigil_tool_execution_t *)w->rec, w->traceparent, sizeof w->traceparent) !=
          SIGIL_OK) {
        w->traceparent[0] = '\0';
      }
      break;
    case REC_EMBEDDING:
      st = sigil_embedding_end((sigil_embedding_t *)w->rec, &err);
      if (sigil_embedding_traceparent((sigil_embedding_t *)w->rec, w->traceparent, sizeof w->traceparent) != SIGIL_OK) {
        w->traceparent[0] = '\0';
      }
      break;
    case REC_SPAN: {
      sigil_span_recorder_t *sp = (sigil_span_recorder_t *)w->rec;
      st = sigil_span_end(sp, time_ns(env, a[2]), &err);
      if (sigil_span_traceparent(sp, w->traceparent, sizeof w->traceparent) != SIGIL_OK) w->traceparent[0] = '\0';
      const char *ts = NULL;
      size_t ts_len = 0;
      if (sigil_span_tracestate(sp, &ts, &ts_len) == SIGIL_OK && ts_len > 0) {
        w->tracestate = (char *)malloc(ts_len + 1);
        if (w->tracestate != NULL) {
          memcpy(w->tracestate, ts, ts_len);
          w->tracestate[ts_len] = '\0';
        }
      }
      break;
    }
  }
  if (is_array) host_collect_end();
  rec_free_engine(w);
  if (st == SIGIL_OK) return make_int(env, 0);
  if (st == SIGIL_E_ALREADY_ENDED && err == NULL) {
    napi_value arr = status_value(env, st, NULL);
    napi_set_element(env, arr, 1, make_cstring(env, kAlreadyEnded[kind]));
    return arr;
  }
  return status_value(env, st, err);
}

/* -> the W3C traceparent, or undefined when the recorder has no span */
static napi_value rec_traceparent(napi_env env, napi_callback_info info, rec_kind_t kind) {
  napi_value a[1];
  CHECK(env, get_args(env, info, 1, a));
  rec_t *w = rec_arg(env, a[0], kind);
  if (w == NULL) return NULL;
  char buf[64];
  const char *tp = w->traceparent;
  if (w->rec != NULL) {
    sigil_status_t st = SIGIL_E_INVALID_ARGUMENT;
    switch (kind) {
      case REC_GENERATION:
        st = sigil_generation_traceparent((sigil_generation_t *)w->rec, buf, sizeof buf);
        break;
      case REC_TOOL:
        st = sigil_tool_execution_traceparent((sigil_tool_execution_t *)w->rec, buf, sizeof buf);
        break;
      case REC_EMBEDDING:
        st = sigil_embedding_traceparent((sigil_embedding_t *)w->rec, buf, sizeof buf);
        break;
      case REC_SPAN:
        st = sigil_span_traceparent((sigil_span_recorder_t *)w->rec, buf, sizeof buf);
        break;
    }
    tp = st == SIGIL_OK ? buf : "";
  }
  if (tp[0] == '\0') {
    napi_value undef;
    napi_get_undefined(env, &undef);
    return undef;
  }
  return make_cstring(env, tp);
}

/* A SIGIL_CONTENT_CAPTURE_* number, or DEFAULT when unset. */
static uint32_t capture_mode(napi_env env, napi_value v) {
  double d = 0;
  return opt_double(env, v, &d) && d > 0 && d < 16 ? (uint32_t)d : SIGIL_CONTENT_CAPTURE_DEFAULT;
}

/* A started recorder: the handle, or [status, handle] when the start reported
 * something its end will not (an invalid argument, e.g. a start struct newer
 * than the library); a shut-down client is reported by end itself. */
static napi_value started(napi_env env, sigil_status_t st, napi_value handle) {
  if (handle == NULL || st == SIGIL_OK || st == SIGIL_E_SHUTDOWN) return handle;
  napi_value arr;
  napi_create_array_with_length(env, 2, &arr);
  napi_set_element(env, arr, 0, make_int(env, st));
  napi_set_element(env, arr, 1, handle);
  return arr;
}

/* generationStart(client, streaming, id, conversationId, conversationTitle, userId,
 *   agentName, agentVersion, operationName, modelProvider, modelName, systemPrompt,
 *   maxTokens, temperature, topP, toolChoice, thinkingEnabled, toolsJson, tagsJson,
 *   metadataJson, startedAt, ctxConversationId, ctxConversationTitle, ctxUserId,
 *   ctxAgentName, ctxAgentVersion, parentTraceparent, contentCapture, spanTraceparent,
 *   parentIsLocal) -> recorder
 * spanTraceparent: the host tracer's span for this record (host pipeline).
 * A start problem (shut-down client, malformed field) is kept by the recorder
 * and reported by end; see started() for the rest. */
napi_value generation_start(napi_env env, napi_callback_info info) {
  napi_value a[30];
  CHECK(env, get_args(env, info, 30, a));
  client_wrap_t *cw = client_arg(env, a[0]);
  if (cw == NULL) return NULL;
  bool streaming = false;
  napi_get_value_bool(env, a[1], &streaming);

  scratch_t *s = scratch_begin();
  static const int kStr[] = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15, 17, 18, 19, 21, 22, 23, 24, 25, 26, 28};
  sref_t r[29];
  for (size_t i = 0; i < sizeof kStr / sizeof kStr[0]; ++i) {
    int json = kStr[i] >= 17 && kStr[i] <= 19; /* tools, tags, metadata */
    if ((json ? put_json : put_string)(env, a[kStr[i]], s, &r[kStr[i]]) != napi_ok) {
      scratch_end();
      return throw_last_error(env, "generationStart: string conversion");
    }
  }
  sigil_generation_start_t g = SIGIL_GENERATION_START_INIT;
  g.id = sptr(s, r[2]);
  g.conversation_id = sptr(s, r[3]);
  g.conversation_title = sptr(s, r[4]);
  g.user_id = sptr(s, r[5]);
  g.agent_name = sptr(s, r[6]);
  g.agent_version = sptr(s, r[7]);
  g.operation_name = sptr(s, r[8]);
  g.model_provider = sptr(s, r[9]);
  g.model_name = sptr(s, r[10]);
  g.system_prompt = sptr(s, r[11]);
  g.has_max_tokens = opt_int64(env, a[12], &g.max_tokens);
  g.has_temperature = opt_double(env, a[13], &g.temperature);
  g.has_top_p = opt_double(env, a[14], &g.top_p);
  g.tool_choice = sptr(s, r[15]);
  g.has_thinking_enabled = opt_bool(env, a[16], &g.thinking_enabled);
  g.tools_json = sptr(s, r[17]);
  g.tools_json_len = r[17].len;
  g.tags_json = sptr(s, r[18]);
  g.tags_json_len = r[18].len;
  g.metadata_json = sptr(s, r[19]);
  g.metadata_json_len = r[19].len;
  g.started_at_ns = time_ns(env, a[20]);
  g.context_conversation_id = sptr(s, r[21]);
  g.context_conversation_title = sptr(s, r[22]);
  g.context_user_id = sptr(s, r[23]);
  g.context_agent_name = sptr(s, r[24]);
  g.context_agent_version = sptr(s, r[25]);
  g.parent_traceparent = sptr(s, r[26]);
  g.span_traceparent = sptr(s, r[28]);
  opt_bool(env, a[29], &g.parent_is_local);

  g.content_capture = capture_mode(env, a[27]);
  sigil_generation_t *out = NULL;
  sigil_status_t st =
      streaming ? sigil_generation_start_streaming(cw->client, &g, &out) : sigil_generation_start(cw->client, &g, &out);
  scratch_end();
  if (out == NULL) return throw_type(env, "out of memory");
  return started(env, st, wrap_recorder(env, out, REC_GENERATION));
}

static sigil_generation_t *generation_arg(napi_env env, napi_value v, int *ok) {
  return (sigil_generation_t *)rec_engine(env, v, REC_GENERATION, ok);
}

/* generationSetResult(recorder, json, ...long) -> status (see put_document) */
napi_value generation_set_result(napi_env env, napi_callback_info info) {
  napi_value a[2 + MAX_LONG];
  size_t argc = 2 + MAX_LONG;
  CHECK(env, napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 2) return throw_type(env, "generationSetResult: expected a recorder and a document");
  int ok;
  sigil_generation_t *g = generation_arg(env, a[0], &ok);
  if (!ok) return NULL;
  scratch_t *s = scratch_begin();
  sref_t json;
  if (put_document(env, a + 1, argc - 1, s, &json) != napi_ok) {
    scratch_end();
    return throw_last_error(env, "generationSetResult: string conversion");
  }
  sigil_status_t st = json.off < 0 ? SIGIL_OK : sigil_generation_set_result_json(g, sptr(s, json), json.len);
  scratch_end();
  return make_int(env, st);
}

/* generationSetCallError(recorder, message, httpStatus) -> status */
napi_value generation_set_call_error(napi_env env, napi_callback_info info) {
  napi_value a[3];
  CHECK(env, get_args(env, info, 3, a));
  int ok;
  sigil_generation_t *g = generation_arg(env, a[0], &ok);
  if (!ok) return NULL;
  scratch_t *s = scratch_begin();
  sref_t msg;
  double status = 0;
  if (put_string(env, a[1], s, &msg) != napi_ok) {
    scratch_end();
    return throw_last_error(env, "generationSetCallError: string conversion");
  }
  opt_double(env, a[2], &status);
  sigil_status_t st = sigil_generation_set_call_error(g, msg.off < 0 ? "" : sptr(s, msg), msg.len, (int32_t)status);
  scratch_end();
  return make_int(env, st);
}

/* generationSetFirstTokenAt(recorder, time?) -> status */
napi_value generation_set_first_token_at(napi_env env, napi_callback_info info) {
  napi_value a[2];
  CHECK(env, get_args(env, info, 2, a));
  int ok;
  sigil_generation_t *g = generation_arg(env, a[0], &ok);
  if (!ok) return NULL;
  return make_int(env, sigil_generation_set_first_token_at(g, time_ns(env, a[1])));
}

/* generationEnd(recorder) -> 0 | [status, message]; frees the engine recorder */
napi_value generation_end(napi_env env, napi_callback_info info) { return rec_end(env, info, REC_GENERATION); }

/* generationId(recorder) -> string */
napi_value generation_id(napi_env env, napi_callback_info info) {
  napi_value a[1];
  CHECK(env, get_args(env, info, 1, a));
  rec_t *w = rec_arg(env, a[0], REC_GENERATION);
  if (w == NULL) return NULL;
  return make_cstring(env, w->rec != NULL ? sigil_generation_id((sigil_generation_t *)w->rec) : w->id);
}

/* generationLastJson(recorder) -> the generation as end normalized it (protojson), or
 * undefined (not ended, a no-op recorder, or a client without keep_last_generation) */
napi_value generation_last_json(napi_env env, napi_callback_info info) {
  napi_value a[1];
  CHECK(env, get_args(env, info, 1, a));
  rec_t *w = rec_arg(env, a[0], REC_GENERATION);
  if (w == NULL || w->last_json == NULL) return NULL;
  return make_cstring(env, w->last_json);
}

napi_value generation_traceparent(napi_env env, napi_callback_info info) {
  return rec_traceparent(env, info, REC_GENERATION);
}

/* generationContentCaptureMode(recorder) -> the SIGIL_CONTENT_CAPTURE_* number
 * resolved at start (0 for a recorder that did not start) */
napi_value generation_content_capture_mode(napi_env env, napi_callback_info info) {
  napi_value a[1];
  CHECK(env, get_args(env, info, 1, a));
  rec_t *w = rec_arg(env, a[0], REC_GENERATION);
  if (w == NULL) return NULL;
  return make_int(
      env, w->rec != NULL ? sigil_generation_content_capture_mode((sigil_generation_t *)w->rec) : w->capture_mode);
}

/* toolStart(client, toolName, toolCallId, toolType, toolDescription, conversationId,
 *   conversationTitle, agentName, agentVersion, requestModel, requestProvider,
 *   includeContent, startedAt, ctxConversationId, ctxConversationTitle,
 *   ctxAgentName, ctxAgentVersion, parentTraceparent, contentCapture, spanTraceparent,
 *   parentIsLocal) -> recorder */
napi_value tool_start(napi_env env, napi_callback_info info) {
  napi_value a[21];
  CHECK(env, get_args(env, info, 21, a));
  client_wrap_t *cw = client_arg(env, a[0]);
  if (cw == NULL) return NULL;
  scratch_t *s = scratch_begin();
  static const int kStr[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16, 17, 19};
  sref_t r[20];
  if (put_strings(env, a, kStr, sizeof kStr / sizeof kStr[0], s, r) != napi_ok) {
    scratch_end();
    return throw_last_error(env, "toolStart: string conversion");
  }
  sigil_tool_execution_start_t t = SIGIL_TOOL_EXECUTION_START_INIT;
  t.tool_name = sptr(s, r[1]);
  t.tool_call_id = sptr(s, r[2]);
  t.tool_type = sptr(s, r[3]);
  t.tool_description = sptr(s, r[4]);
  t.conversation_id = sptr(s, r[5]);
  t.conversation_title = sptr(s, r[6]);
  t.agent_name = sptr(s, r[7]);
  t.agent_version = sptr(s, r[8]);
  t.request_model = sptr(s, r[9]);
  t.request_provider = sptr(s, r[10]);
  opt_bool(env, a[11], &t.include_content);
  t.started_at_ns = time_ns(env, a[12]);
  t.context_conversation_id = sptr(s, r[13]);
  t.context_conversation_title = sptr(s, r[14]);
  t.context_agent_name = sptr(s, r[15]);
  t.context_agent_version = sptr(s, r[16]);
  t.parent_traceparent = sptr(s, r[17]);
  t.span_traceparent = sptr(s, r[19]);
  opt_bool(env, a[20], &t.parent_is_local);
  t.content_capture = capture_mode(env, a[18]);
  sigil_tool_execution_t *out = NULL;
  sigil_status_t st = sigil_tool_execution_start(cw->client, &t, &out);
  scratch_end();
  if (out == NULL) return throw_type(env, "out of memory");
  return started(env, st, wrap_recorder(env, out, REC_TOOL));
}

static sigil_tool_execution_t *tool_arg(napi_env env, napi_value v, int *ok) {
  return (sigil_tool_execution_t *)rec_engine(env, v, REC_TOOL, ok);
}

/* toolSetResult(recorder, argumentsText?, resultText?, completedAt?) -> status */
napi_value tool_set_result(napi_env env, napi_callback_info info) {
  napi_value a[4];
  CHECK(env, get_args(env, info, 4, a));
  int ok;
  sigil_tool_execution_t *t = tool_arg(env, a[0], &ok);
  if (!ok) return NULL;
  scratch_t *s = scratch_begin();
  sref_t args, result;
  if (put_string(env, a[1], s, &args) != napi_ok || put_string(env, a[2], s, &result) != napi_ok) {
    scratch_end();
    return throw_last_error(env, "toolSetResult: string conversion");
  }
  sigil_status_t st =
      sigil_tool_execution_set_result(t, sptr(s, args), args.len, sptr(s, result), result.len, time_ns(env, a[3]));
  scratch_end();
  return make_int(env, st);
}

/* toolSetError(recorder, message, httpStatus) -> status */
napi_value tool_set_error(napi_env env, napi_callback_info info) {
  napi_value a[3];
  CHECK(env, get_args(env, info, 3, a));
  int ok;
  sigil_tool_execution_t *t = tool_arg(env, a[0], &ok);
  if (!ok) return NULL;
  scratch_t *s = scratch_begin();
  sref_t msg;
  double status = 0;
  if (put_string(env, a[1], s, &msg) != napi_ok) {
    scratch_end();
    return throw_last_error(env, "toolSetError: string conversion");
  }
  opt_double(env, a[2], &status);
  sigil_status_t st = sigil_tool_execution_set_error(t, msg.off < 0 ? "" : sptr(s, msg), msg.len, (int32_t)status);
  scratch_end();
  return make_int(env, st);
}

napi_value tool_end(napi_env env, napi_callback_info info) { return rec_end(env, info, REC_TOOL); }

napi_value tool_traceparent(napi_env env, napi_callback_info info) { return rec_traceparent(env, info, REC_TOOL); }

/* embeddingStart(client, modelProvider, modelName, agentName, agentVersion, dimensions,
 *   encodingFormat, startedAt, ctxAgentName, ctxAgentVersion, parentTraceparent,
 *   contentCapture, spanTraceparent, parentIsLocal) -> recorder */
napi_value embedding_start(napi_env env, napi_callback_info info) {
  napi_value a[14];
  CHECK(env, get_args(env, info, 14, a));
  client_wrap_t *cw = client_arg(env, a[0]);
  if (cw == NULL) return NULL;
  scratch_t *s = scratch_begin();
  static const int kStr[] = {1, 2, 3, 4, 6, 8, 9, 10, 12};
  sref_t r[13];
  if (put_strings(env, a, kStr, sizeof kStr / sizeof kStr[0], s, r) != napi_ok) {
    scratch_end();
    return throw_last_error(env, "embeddingStart: string conversion");
  }
  sigil_embedding_start_t e = SIGIL_EMBEDDING_START_INIT;
  e.model_provider = sptr(s, r[1]);
  e.model_name = sptr(s, r[2]);
  e.agent_name = sptr(s, r[3]);
  e.agent_version = sptr(s, r[4]);
  e.has_dimensions = opt_int64(env, a[5], &e.dimensions);
  e.encoding_format = sptr(s, r[6]);
  e.started_at_ns = time_ns(env, a[7]);
  e.context_agent_name = sptr(s, r[8]);
  e.context_agent_version = sptr(s, r[9]);
  e.parent_traceparent = sptr(s, r[10]);
  e.span_traceparent = sptr(s, r[12]);
  opt_bool(env, a[13], &e.parent_is_local);
  e.content_capture = capture_mode(env, a[11]);
  sigil_embedding_t *out = NULL;
  sigil_status_t st = sigil_embedding_start(cw->client, &e, &out);
  scratch_end();
  if (out == NULL) return throw_type(env, "out of memory");
  return started(env, st, wrap_recorder(env, out, REC_EMBEDDING));
}

static sigil_embedding_t *embedding_arg(napi_env env, napi_value v, int *ok) {
  return (sigil_embedding_t *)rec_engine(env, v, REC_EMBEDDING, ok);
}

/* embeddingSetResult(recorder, inputCount, inputTokens, responseModel, dimensions,
 *   inputTexts?: string[]) -> status */
napi_value embedding_set_result(napi_env env, napi_callback_info info) {
  napi_value a[6];
  CHECK(env, get_args(env, info, 6, a));
  int ok;
  sigil_embedding_t *e = embedding_arg(env, a[0], &ok);
  if (!ok) return NULL;
  scratch_t *s = scratch_begin();
  sigil_embedding_result_t r = SIGIL_EMBEDDING_RESULT_INIT;
  opt_int64(env, a[1], &r.input_count);
  opt_int64(env, a[2], &r.input_tokens);
  r.has_dimensions = opt_int64(env, a[4], &r.dimensions);
  sref_t model;
  if (put_string(env, a[3], s, &model) != napi_ok) {
    scratch_end();
    return throw_last_error(env, "embeddingSetResult: string conversion");
  }
  uint32_t n = 0;
  sref_t *refs = NULL;
  const char **texts = NULL;
  bool is_array = false;
  if (!is_nullish(env, a[5]) && napi_is_array(env, a[5], &is_array) == napi_ok && is_array) {
    napi_get_array_length(env, a[5], &n);
    refs = (sref_t *)malloc((n ? n : 1) * sizeof *refs);
    texts = (const char **)malloc((n ? n : 1) * sizeof *texts);
    if (refs == NULL || texts == NULL) {
      free(refs);
      free(texts);
      scratch_end();
      return throw_type(env, "out of memory");
    }
    for (uint32_t i = 0; i < n; ++i) {
      napi_value v;
      if (napi_get_element(env, a[5], i, &v) != napi_ok || put_string(env, v, s, &refs[i]) != napi_ok) {
        free(refs);
        free(texts);
        scratch_end();
        return throw_last_error(env, "embeddingSetResult: input texts");
      }
    }
    for (uint32_t i = 0; i < n; ++i) texts[i] = refs[i].off < 0 ? "" : sptr(s, refs[i]);
    r.input_texts = texts;
    r.input_texts_count = n;
  }
  r.response_model = sptr(s, model);
  sigil_status_t st = sigil_embedding_set_result(e, &r);
  free(refs);
  free(texts);
  scratch_end();
  return make_int(env, st);
}

napi_value embedding_set_call_error(napi_env env, napi_callback_info info) {
  napi_value a[3];
  CHECK(env, get_args(env, info, 3, a));
  int ok;
  sigil_embedding_t *e = embedding_arg(env, a[0], &ok);
  if (!ok) return NULL;
  scratch_t *s = scratch_begin();
  sref_t msg;
  double status = 0;
  if (put_string(env, a[1], s, &msg) != napi_ok) {
    scratch_end();
    return throw_last_error(env, "embeddingSetCallError: string conversion");
  }
  opt_double(env, a[2], &status);
  sigil_status_t st = sigil_embedding_set_call_error(e, msg.off < 0 ? "" : sptr(s, msg), msg.len, (int32_t)status);
  scratch_end();
  return make_int(env, st);
}

napi_value embedding_end(napi_env env, napi_callback_info info) { return rec_end(env, info, REC_EMBEDDING); }

napi_value embedding_traceparent(napi_env env, napi_callback_info info) {
  return rec_traceparent(env, info, REC_EMBEDDING);
}

/* validateGenerationJson(json, ...long) -> 0 | [status, message] */
napi_value validate_generation_json(napi_env env, napi_callback_info info) {
  napi_value a[1 + MAX_LONG];
  size_t argc = 1 + MAX_LONG;
  CHECK(env, napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 1) return throw_type(env, "validateGenerationJson: expected a document");
  scratch_t *s = scratch_begin();
  sref_t json;
  if (put_document(env, a, argc, s, &json) != napi_ok) {
    scratch_end();
    return throw_last_error(env, "validateGenerationJson: string conversion");
  }
  sigil_error_t *err = NULL;
  sigil_status_t st = sigil_validate_generation_json(json.off < 0 ? "" : sptr(s, json), json.len, &err);
  scratch_end();
  return status_value(env, st, err);
}

/* statusName(status) -> "SIGIL_E_..." */
napi_value status_name(napi_env env, napi_callback_info info) {
  napi_value a[1];
  CHECK(env, get_args(env, info, 1, a));
  double st = 0;
  opt_double(env, a[0], &st);
  return make_cstring(env, sigil_status_name((sigil_status_t)st));
}

/* --- provider JSON ------------------------------------------------------- */

/* A provider body: a Buffer / Uint8Array as its bytes (borrowed for the call),
 * else a string: JSON.stringify text (is_json: lone surrogates unescaped so
 * the engine reports them) or the caller's JSON text. *present is 0 for
 * undefined / null. */
typedef struct {
  const char *bytes; /* a typed array's bytes, else NULL: see ref */
  size_t len;
  sref_t ref;
  int present;
} body_t;

static napi_status provider_body(napi_env env, napi_value v, napi_value is_json, scratch_t *s, body_t *out) {
  *out = (body_t){NULL, 0, SREF_UNSET, 0};
  if (is_nullish(env, v)) return napi_ok;
  out->present = 1;
  bool typed = false;
  napi_status st = napi_is_typedarray(env, v, &typed);
  if (st != napi_ok) return st;
  if (typed) {
    napi_typedarray_type type;
    size_t length = 0;
    void *data = NULL;
    st = napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL);
    if (st != napi_ok) return st;
    if (type != napi_uint8_array && type != napi_uint8_clamped_array && type != napi_int8_array) {
      return napi_invalid_arg;
    }
    out->bytes = data != NULL ? (const char *)data : "";
    out->len = length;
    return napi_ok;
  }
  int json = 0;
  opt_bool(env, is_json, &json);
  return json ? put_json(env, v, s, &out->ref) : put_string(env, v, s, &out->ref);
}

/* The body's pointer once the scratch buffer no longer moves; "" for an empty string. */
static const char *body_ptr(const scratch_t *s, const body_t *b) {
  if (!b->present) return NULL;
  if (b->bytes != NULL) return b->bytes;
  return b->ref.off < 0 ? "" : sptr(s, b->ref);
}

static size_t body_len(const body_t *b) { return b->bytes != NULL ? b->len : (b->ref.off < 0 ? 0 : b->ref.len); }

/* generationProvider(which, recorder, api, body, bodyIsJson, flags) -> status;
 * which: 0 request, 1 response, 2 stream event. */
napi_value generation_provider(napi_env env, napi_callback_info info) {
  napi_value a[6];
  CHECK(env, get_args(env, info, 6, a));
  double which = 0, flags = 0;
  opt_double(env, a[0], &which);
  opt_double(env, a[5], &flags);
  int ok;
  sigil_generation_t *g = generation_arg(env, a[1], &ok);
  if (!ok) return NULL;
  scratch_t *s = scratch_begin();
  sref_t api;
  body_t body;
  if (put_string(env, a[2], s, &api) != napi_ok || provider_body(env, a[3], a[4], s, &body) != napi_ok) {
    scratch_end();
    return throw_type(env, "provider JSON must be a string, a Buffer or a Uint8Array");
  }
  const char *api_p = api.off < 0 ? NULL : sptr(s, api);
  const char *json = body_ptr(s, &body);
  size_t len = body_len(&body);
  sigil_status_t st;
  if (which == 0) {
    st = sigil_generation_set_provider_request(g, api_p, json, len, (uint32_t)flags);
  } else if (which == 1) {
    st = sigil_generation_set_provider_response(g, api_p, json, len, (uint32_t)flags);
  } else {
    st = sigil_generation_add_provider_event(g, api_p, json, len, (uint32_t)flags);
  }
  scratch_end();
  return make_int(env, st);
}

/* generationSetMappingError(recorder, message) -> status */
napi_value generation_set_mapping_error(napi_env env, napi_callback_info info) {
  napi_value a[2];
  CHECK(env, get_args(env, info, 2, a));
  int ok;
  sigil_generation_t *g = generation_arg(env, a[0], &ok);
  if (!ok) return NULL;
  scratch_t *s = scratch_begin();
  sref_t msg;
  if (put_string(env, a[1], s, &msg) != napi_ok) {
    scratch_end();
    return throw_last_error(env, "generationSetMappingError: string conversion");
  }
  sigil_status_t st = sigil_generation_set_mapping_error(g, msg.off < 0 ? "" : sptr(s, msg), msg.len);
  scratch_end();
  return make_int(env, st);
}

/* embeddingSetProviderResult(recorder, api, request, requestIsJson, response, responseIsJson) -> status */
napi_value embedding_set_provider_result(napi_env env, napi_callback_info info) {
  napi_value a[6];
  CHECK(env, get_args(env, info, 6, a));
  int ok;
  sigil_embedding_t *e = embedding_arg(env, a[0], &ok);
  if (!ok) return NULL;
  scratch_t *s = scratch_begin();
  sref_t api;
  body_t req, resp;
  if (put_string(env, a[1], s, &api) != napi_ok || provider_body(env, a[2], a[3], s, &req) != napi_ok ||
      provider_body(env, a[4], a[5], s, &resp) != napi_ok) {
    scratch_end();
    return throw_type(env, "provider JSON must be a string, a Buffer or a Uint8Array");
  }
  sigil_status_t st = sigil_embedding_set_provider_result(e, api.off < 0 ? NULL : sptr(s, api), body_ptr(s, &req),
                                                          body_len(&req), body_ptr(s, &resp), body_len(&resp));
  scratch_end();
  return make_int(env, st);
}

/* --- provider streams in batches, and mapping without a recorder ---------- */

/* A JavaScript array of strings as malloc'd UTF-8 copies; NULL and a thrown
 * TypeError when it is not one. *count receives the length. */
static char **string_array(napi_env env, napi_value v, size_t **lens_out, uint32_t *count) {
  int is_array = 0;
  bool arr = false;
  if (napi_is_array(env, v, &arr) == napi_ok) is_array = arr;
  *count = 0;
  *lens_out = NULL;
  if (!is_array) {
    throw_type(env, "provider events must be an array of strings");
    return NULL;
  }
  uint32_t n = 0;
  napi_get_array_length(env, v, &n);
  char **out = (char **)calloc(n == 0 ? 1 : n, sizeof *out);
  size_t *lens = (size_t *)calloc(n == 0 ? 1 : n, sizeof *lens);
  if (out == NULL || lens == NULL) {
    free(out);
    free(lens);
    throw_type(env, "out of memory");
    return NULL;
  }
  for (uint32_t i = 0; i < n; ++i) {
    napi_value e;
    size_t len = 0;
    if (napi_get_element(env, v, i, &e) != napi_ok || napi_get_value_string_utf8(env, e, NULL, 0, &len) != napi_ok ||
        (out[i] = (char *)malloc(len + 1)) == NULL ||
        napi_get_value_string_utf8(env, e, out[i], len + 1, &lens[i]) != napi_ok) {
      for (uint32_t j = 0; j <= i && j < n; ++j) free(out[j]);
      free(out);
      free(lens);
      throw_type(env, "provider events must be an array of strings");
      return NULL;
    }
  }
  *count = n;
  *lens_out = lens;
  return out;
}

static void string_array_free(char **a, size_t *lens, uint32_t n) {
  if (a == NULL) return;
  for (uint32_t i = 0; i < n; ++i) free(a[i]);
  free(a);
  free(lens);
}

/* generationAddProviderEvents(recorder, api, events: string[], arrivedNs: BigInt64Array | undefined, flags)
 * -> status. arrivedNs[i] (Unix ns) is when event i reached the caller. */
napi_value generation_add_provider_events(napi_env env, napi_callback_info info) {
  napi_value a[5];
  CHECK(env, get_args(env, info, 5, a));
  int ok;
  sigil_generation_t *g = generation_arg(env, a[0], &ok);
  if (!ok) return NULL;
  double flags = 0;
  opt_double(env, a[4], &flags);
  size_t *lens = NULL;
  uint32_t n = 0;
  char **events = string_array(env, a[2], &lens, &n);
  if (events == NULL) return NULL;
  const int64_t *arrived = NULL;
  if (!is_nullish(env, a[3])) {
    napi_typedarray_type type;
    size_t length = 0;
    void *data = NULL;
    bool is_typed = false;
    napi_is_typedarray(env, a[3], &is_typed);
    if (!is_typed || napi_get_typedarray_info(env, a[3], &type, &length, &data, NULL, NULL) != napi_ok ||
        type != napi_bigint64_array || length < n) {
      string_array_free(events, lens, n);
      return throw_type(env, "arrival times must be a BigInt64Array as long as the events");
    }
    arrived = (const int64_t *)data;
  }
  scratch_t *s = scratch_begin();
  sref_t api;
  if (put_string(env, a[1], s, &api) != napi_ok) {
    scratch_end();
    string_array_free(events, lens, n);
    return throw_last_error(env, "generationAddProviderEvents: string conversion");
  }
  sigil_status_t st = sigil_generation_add_provider_events(
      g, api.off < 0 ? NULL : sptr(s, api), (const char *const *)events, lens, arrived, n, (uint32_t)flags);
  scratch_end();
  string_array_free(events, lens, n);
  return make_int(env, st);
}

/* providerMapGeneration(api, request?, response?, events?: string[], flags) -> [status, json | undefined, message]:
 * the normalized generation (sigil.v1 protojson) of a provider call, without a recorder. */
napi_value provider_map_generation(napi_env env, napi_callback_info info) {
  napi_value a[5];
  CHECK(env, get_args(env, info, 5, a));
  double flags = 0;
  opt_double(env, a[4], &flags);
  size_t *lens = NULL;
  uint32_t n = 0;
  char **events = NULL;
  if (!is_nullish(env, a[3])) {
    events = string_array(env, a[3], &lens, &n);
    if (events == NULL) return NULL;
  }
  scratch_t *s = scratch_begin();
  sref_t api, req = SREF_UNSET, resp = SREF_UNSET;
  if (put_string(env, a[0], s, &api) != napi_ok ||
      (!is_nullish(env, a[1]) && put_string(env, a[1], s, &req) != napi_ok) ||
      (!is_nullish(env, a[2]) && put_string(env, a[2], s, &resp) != napi_ok)) {
    scratch_end();
    string_array_free(events, lens, n);
    return throw_type(env, "provider JSON must be a string");
  }
  char *json = NULL;
  size_t json_len = 0;
  sigil_error_t *err = NULL;
  sigil_status_t st = sigil_provider_map_generation(
      api.off < 0 ? NULL : sptr(s, api), req.off < 0 ? NULL : sptr(s, req), req.off < 0 ? 0 : req.len,
      resp.off < 0 ? NULL : sptr(s, resp), resp.off < 0 ? 0 : resp.len, (const char *const *)events, lens, n,
      (uint32_t)flags, &json, &json_len, &err);
  scratch_end();
  string_array_free(events, lens, n);
  napi_value out;
  napi_create_array_with_length(env, 3, &out);
  napi_set_element(env, out, 0, make_int(env, st));
  if (json != NULL) napi_set_element(env, out, 1, make_string(env, json, json_len));
  napi_set_element(env, out, 2, make_cstring(env, err != NULL ? sigil_error_message(err) : sigil_status_name(st)));
  sigil_json_free(json);
  sigil_error_free(err);
  return out;
}

/* generationSetMetadataString(recorder, key, value) -> status: one string metadata entry of the result. */
napi_value generation_set_metadata_string(napi_env env, napi_callback_info info) {
  napi_value a[3];
  CHECK(env, get_args(env, info, 3, a));
  int ok;
  sigil_generation_t *g = generation_arg(env, a[0], &ok);
  if (!ok) return NULL;
  scratch_t *s = scratch_begin();
  sref_t key, value;
  if (put_string(env, a[1], s, &key) != napi_ok || put_string(env, a[2], s, &value) != napi_ok || key.off < 0 ||
      value.off < 0) {
    scratch_end();
    return throw_type(env, "metadata key and value must be strings");
  }
  sigil_status_t st = sigil_generation_set_metadata_string(g, sptr(s, key), sptr(s, value));
  scratch_end();
  return make_int(env, st);
}

/* ---------------------------------------------------------------------------
 * Spans of application steps (sigil_span_*)
 * ------------------------------------------------------------------------ */

/* spanStart(client, kind, name, conversationId, conversationTitle, agentName,
 *   agentVersion, startedAt, ctxConversationId, ctxConversationTitle, ctxAgentName,
 *   ctxAgentVersion, parentTraceparent, parentTracestate, parentIsLocal,
 *   contentCapture, spanTraceparent) -> recorder (see started()) */
napi_value span_start(napi_env env, napi_callback_info info) {
  napi_value a[17];
  CHECK(env, get_args(env, info, 17, a));
  client_wrap_t *cw = client_arg(env, a[0]);
  if (cw == NULL) return NULL;
  scratch_t *s = scratch_begin();
  static const int kStr[] = {2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 16};
  sref_t r[17];
  if (put_strings(env, a, kStr, sizeof kStr / sizeof kStr[0], s, r) != napi_ok) {
    scratch_end();
    return throw_last_error(env, "spanStart: string conversion");
  }
  double kind = 0;
  opt_double(env, a[1], &kind);
  sigil_span_start_t sp = SIGIL_SPAN_START_INIT;
  sp.kind = kind > 0 && kind < 256 ? (uint32_t)kind : 0; /* 0: refused by the engine */
  sp.name = sptr(s, r[2]);
  sp.conversation_id = sptr(s, r[3]);
  sp.conversation_title = sptr(s, r[4]);
  sp.agent_name = sptr(s, r[5]);
  sp.agent_version = sptr(s, r[6]);
  sp.started_at_ns = time_ns(env, a[7]);
  sp.context_conversation_id = sptr(s, r[8]);
  sp.context_conversation_title = sptr(s, r[9]);
  sp.context_agent_name = sptr(s, r[10]);
  sp.context_agent_version = sptr(s, r[11]);
  sp.parent_traceparent = sptr(s, r[12]);
  sp.parent_tracestate = sptr(s, r[13]);
  opt_bool(env, a[14], &sp.parent_is_local);
  sp.content_capture = capture_mode(env, a[15]);
  sp.span_traceparent = sptr(s, r[16]);
  sigil_span_recorder_t *out = NULL;
  sigil_status_t st = sigil_span_start(cw->client, &sp, &out);
  scratch_end();
  if (out == NULL) return throw_type(env, "out of memory");
  return started(env, st, wrap_recorder(env, out, REC_SPAN));
}

static sigil_span_recorder_t *span_arg(napi_env env, napi_value v, int *ok) {
  return (sigil_span_recorder_t *)rec_engine(env, v, REC_SPAN, ok);
}

/* One attribute from a key and a JavaScript value typed by the value: a boolean
 * is BOOL, an integer number (safe range) or a bigint INT, another number
 * DOUBLE, anything else its text (lib/ turns objects into JSON first). The
 * strings go into the scratch buffer; `*key` and `*text` say where. */
static napi_status put_attribute(napi_env env, napi_value key, napi_value value, scratch_t *s, sigil_attribute_t *out,
                                 sref_t *k, sref_t *text) {
  memset(out, 0, sizeof *out);
  *text = SREF_UNSET;
  napi_status st = put_string(env, key, s, k);
  if (st != napi_ok) return st;
  napi_valuetype t;
  st = napi_typeof(env, value, &t);
  if (st != napi_ok) return st;
  if (t == napi_boolean) {
    bool b = false;
    napi_get_value_bool(env, value, &b);
    out->type = SIGIL_ATTRIBUTE_BOOL;
    out->int_value = b ? 1 : 0;
    return napi_ok;
  }
  if (t == napi_bigint) {
    bool lossless = false;
    out->type = SIGIL_ATTRIBUTE_INT;
    return napi_get_value_bigint_int64(env, value, &out->int_value, &lossless);
  }
  if (t == napi_number) {
    double d = 0;
    napi_get_value_double(env, value, &d);
    if (d == (double)(int64_t)d && d >= -9007199254740991.0 && d <= 9007199254740991.0) {
      out->type = SIGIL_ATTRIBUTE_INT;
      out->int_value = (int64_t)d;
    } else {
      out->type = SIGIL_ATTRIBUTE_DOUBLE;
      out->double_value = d;
    }
    return napi_ok;
  }
  out->type = SIGIL_ATTRIBUTE_STRING;
  return put_string(env, value, s, text);
}

/* Points an attribute filled by put_attribute at the scratch buffer, once it stopped growing. */
static void attribute_pointers(const scratch_t *s, sigil_attribute_t *a, sref_t k, sref_t text) {
  a->key = k.off < 0 ? "" : sptr(s, k);
  a->key_len = k.len;
  if (a->type == SIGIL_ATTRIBUTE_STRING) {
    a->string_value = text.off < 0 ? "" : sptr(s, text);
    a->string_value_len = text.len;
  }
}

/* spanSetAttribute(recorder, key, value, content) -> status */
napi_value span_set_attribute(napi_env env, napi_callback_info info) {
  napi_value a[4];
  CHECK(env, get_args(env, info, 4, a));
  int ok;
  sigil_span_recorder_t *sp = span_arg(env, a[0], &ok);
  if (!ok) return NULL;
  int content = 0;
  opt_bool(env, a[3], &content);
  scratch_t *s = scratch_begin();
  sigil_attribute_t attr;
  sref_t k, text;
  if (put_attribute(env, a[1], a[2], s, &attr, &k, &text) != napi_ok) {
    scratch_end();
    return throw_last_error(env, "spanSetAttribute: value conversion");
  }
  attribute_pointers(s, &attr, k, text);
  const char *key = k.off < 0 ? "" : attr.key;
  sigil_status_t st = SIGIL_OK;
  switch (attr.type) {
    case SIGIL_ATTRIBUTE_BOOL:
      st = sigil_span_set_attribute_bool(sp, key, (int)attr.int_value, content);
      break;
    case SIGIL_ATTRIBUTE_INT:
      st = sigil_span_set_attribute_int(sp, key, attr.int_value, content);
      break;
    case SIGIL_ATTRIBUTE_DOUBLE:
      st = sigil_span_set_attribute_double(sp, key, attr.double_value, content);
      break;
    default:
      st = sigil_span_set_attribute_string(sp, key, attr.string_value, attr.string_value_len, content);
      break;
  }
  scratch_end();
  return make_int(env, st);
}

/* spanSetInput(recorder, json) / spanSetOutput(recorder, json) -> status */
static napi_value span_set_io(napi_env env, napi_callback_info info, int output) {
  napi_value a[2];
  CHECK(env, get_args(env, info, 2, a));
  int ok;
  sigil_span_recorder_t *sp = span_arg(env, a[0], &ok);
  if (!ok) return NULL;
  scratch_t *s = scratch_begin();
  sref_t json;
  if (put_json(env, a[1], s, &json) != napi_ok) {
    scratch_end();
    return throw_last_error(env, "spanSetInput/Output: string conversion");
  }
  const char *p = json.off < 0 ? "null" : sptr(s, json);
  size_t n = json.off < 0 ? 4 : json.len;
  sigil_status_t st = output ? sigil_span_set_output(sp, p, n) : sigil_span_set_input(sp, p, n);
  scratch_end();
  return make_int(env, st);
}

napi_value span_set_input(napi_env env, napi_callback_info info) { return span_set_io(env, info, 0); }
napi_value span_set_output(napi_env env, napi_callback_info info) { return span_set_io(env, info, 1); }

#define MAX_EVENT_ATTRIBUTES 64

/* spanAddEvent(recorder, name, time, keys[], values[], content) -> status;
 * more than MAX_EVENT_ATTRIBUTES attributes is SIGIL_E_INVALID_ARGUMENT. */
napi_value span_add_event(napi_env env, napi_callback_info info) {
  napi_value a[6];
  CHECK(env, get_args(env, info, 6, a));
  int ok;
  sigil_span_recorder_t *sp = span_arg(env, a[0], &ok);
  if (!ok) return NULL;
  int content = 0;
  opt_bool(env, a[5], &content);
  uint32_t n = 0;
  bool is_array = false;
  if (napi_is_array(env, a[3], &is_array) == napi_ok && is_array) napi_get_array_length(env, a[3], &n);
  if (n > MAX_EVENT_ATTRIBUTES) return make_int(env, SIGIL_E_INVALID_ARGUMENT);
  sigil_attribute_t attrs[MAX_EVENT_ATTRIBUTES];
  sref_t keys[MAX_EVENT_ATTRIBUTES], texts[MAX_EVENT_ATTRIBUTES];
  scratch_t *s = scratch_begin();
  sref_t name;
  napi_status ns = put_string(env, a[1], s, &name);
  for (uint32_t i = 0; i < n && ns == napi_ok; ++i) {
    napi_value k, v;
    ns = napi_get_element(env, a[3], i, &k);
    if (ns == napi_ok) ns = napi_get_element(env, a[4], i, &v);
    if (ns == napi_ok) ns = put_attribute(env, k, v, s, &attrs[i], &keys[i], &texts[i]);
  }
  if (ns != napi_ok) {
    scratch_end();
    return throw_last_error(env, "spanAddEvent: value conversion");
  }
  for (uint32_t i = 0; i < n; ++i) attribute_pointers(s, &attrs[i], keys[i], texts[i]);
  sigil_status_t st =
      sigil_span_add_event(sp, name.off < 0 ? "" : sptr(s, name), time_ns(env, a[2]), attrs, n, content);
  scratch_end();
  return make_int(env, st);
}

/* spanSetStatus(recorder, code, message?) -> status */
napi_value span_set_status(napi_env env, napi_callback_info info) {
  napi_value a[3];
  CHECK(env, get_args(env, info, 3, a));
  int ok;
  sigil_span_recorder_t *sp = span_arg(env, a[0], &ok);
  if (!ok) return NULL;
  double code = 0;
  opt_double(env, a[1], &code);
  scratch_t *s = scratch_begin();
  sref_t msg;
  if (put_string(env, a[2], s, &msg) != napi_ok) {
    scratch_end();
    return throw_last_error(env, "spanSetStatus: string conversion");
  }
  sigil_status_t st = sigil_span_set_status(sp, code >= 0 && code < 256 ? (uint32_t)code : 255, sptr(s, msg), msg.len);
  scratch_end();
  return make_int(env, st);
}

/* spanSetError(recorder, errorType?, message) -> status */
napi_value span_set_error(napi_env env, napi_callback_info info) {
  napi_value a[3];
  CHECK(env, get_args(env, info, 3, a));
  int ok;
  sigil_span_recorder_t *sp = span_arg(env, a[0], &ok);
  if (!ok) return NULL;
  scratch_t *s = scratch_begin();
  sref_t type, msg;
  if (put_string(env, a[1], s, &type) != napi_ok || put_string(env, a[2], s, &msg) != napi_ok) {
    scratch_end();
    return throw_last_error(env, "spanSetError: string conversion");
  }
  sigil_status_t st = sigil_span_set_error(sp, sptr(s, type), msg.off < 0 ? "" : sptr(s, msg), msg.len);
  scratch_end();
  return make_int(env, st);
}

/* spanCapturesContent(recorder) -> boolean (false once ended) */
napi_value span_captures_content(napi_env env, napi_callback_info info) {
  napi_value a[1];
  CHECK(env, get_args(env, info, 1, a));
  int ok;
  sigil_span_recorder_t *sp = span_arg(env, a[0], &ok);
  if (!ok) return NULL;
  napi_value v;
  napi_get_boolean(env, sigil_span_captures_content(sp) == 1, &v);
  return v;
}

napi_value span_end(napi_env env, napi_callback_info info) { return rec_end(env, info, REC_SPAN); }

napi_value span_traceparent(napi_env env, napi_callback_info info) { return rec_traceparent(env, info, REC_SPAN); }

/* spanTracestate(recorder) -> the W3C tracestate the span carries on, or "" */
napi_value span_tracestate(napi_env env, napi_callback_info info) {
  napi_value a[1];
  CHECK(env, get_args(env, info, 1, a));
  rec_t *w = rec_arg(env, a[0], REC_SPAN);
  if (w == NULL) return NULL;
  if (w->rec == NULL) return make_cstring(env, w->tracestate != NULL ? w->tracestate : "");
  const char *ts = NULL;
  size_t n = 0;
  if (sigil_span_tracestate((sigil_span_recorder_t *)w->rec, &ts, &n) != SIGIL_OK) n = 0;
  return make_string(env, n > 0 ? ts : "", n);
}

/* traceparentParse(header) -> [traceId, spanId, sampled], or undefined when invalid */
napi_value traceparent_parse(napi_env env, napi_callback_info info) {
  napi_value a[1];
  CHECK(env, get_args(env, info, 1, a));
  scratch_t *s = scratch_begin();
  sref_t h;
  if (put_string(env, a[0], s, &h) != napi_ok) {
    scratch_end();
    return throw_last_error(env, "traceparentParse: string conversion");
  }
  char trace_id[33], span_id[17];
  int sampled = 0;
  sigil_status_t st =
      h.off < 0 ? SIGIL_E_INVALID_ARGUMENT : sigil_traceparent_parse(sptr(s, h), h.len, trace_id, span_id, &sampled);
  scratch_end();
  if (st != SIGIL_OK) return NULL;
  napi_value arr, b;
  napi_create_array_with_length(env, 3, &arr);
  napi_set_element(env, arr, 0, make_cstring(env, trace_id));
  napi_set_element(env, arr, 1, make_cstring(env, span_id));
  napi_get_boolean(env, sampled != 0, &b);
  napi_set_element(env, arr, 2, b);
  return arr;
}

/* tracestateValid(header) -> boolean */
napi_value tracestate_valid(napi_env env, napi_callback_info info) {
  napi_value a[1];
  CHECK(env, get_args(env, info, 1, a));
  scratch_t *s = scratch_begin();
  sref_t h;
  if (put_string(env, a[0], s, &h) != napi_ok) {
    scratch_end();
    return throw_last_error(env, "tracestateValid: string conversion");
  }
  int valid = h.off >= 0 && sigil_tracestate_validate(sptr(s, h), h.len) == SIGIL_OK;
  scratch_end();
  napi_value v;
  napi_get_boolean(env, valid, &v);
  return v;
}
