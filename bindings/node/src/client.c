/* Clients: creation from option setters, stats, and the blocking calls
 * (flush, shutdown, ratings), which run on libuv's thread pool and settle a
 * Promise, so they never block the event loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"

/* ---------------------------------------------------------------------------
 * Clients
 * ------------------------------------------------------------------------ */

static void list_remove(client_wrap_t *cw) {
  if (cw->ed == NULL) return;
  if (cw->prev != NULL)
    cw->prev->next = cw->next;
  else
    cw->ed->clients = cw->next;
  if (cw->next != NULL) cw->next->prev = cw->prev;
  cw->prev = cw->next = NULL;
  cw->ed = NULL;
}

/* Frees the engine client (which shuts it down first, 5 s deadline, if that
 * has not happened), then lets go of the logger. */
static void release_client(client_wrap_t *cw) {
  exporter_close(cw->exporter);
  sigil_client_free(cw->client);
  free(cw->exporter);
  cw->exporter = NULL;
  cw->client = NULL;
  log_sink_t *s = cw->sink;
  cw->sink = NULL;
  if (s != NULL) {
    pthread_mutex_lock(&s->mu);
    if (s->alive) napi_release_threadsafe_function(s->tsfn, napi_tsfn_release);
    pthread_mutex_unlock(&s->mu);
    sink_unref(s);
  }
  hooks_release(cw->hooks);
  cw->hooks = NULL;
}

static void *release_client_thread(void *arg) {
  client_wrap_t *cw = (client_wrap_t *)arg;
  release_client(cw);
  free(cw);
  return NULL;
}

/* Safety net: a client collected without shutdown() is shut down and freed
 * on a thread of its own, so the garbage collector never waits on the
 * network. */
static void client_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  client_wrap_t *cw = (client_wrap_t *)data;
  list_remove(cw);
  if (cw->client == NULL || cw->shut_down) {
    release_client(cw);
    free(cw);
    return;
  }
  pthread_t th;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if (pthread_create(&th, &attr, release_client_thread, cw) != 0) {
    release_client(cw);
    free(cw);
  }
  pthread_attr_destroy(&attr);
}

/* At environment teardown (process or worker exit), clients still open are
 * shut down so that what they queued is delivered. */
void env_cleanup(void *arg) {
  env_data_t *ed = (env_data_t *)arg;
  for (client_wrap_t *cw = ed->clients; cw != NULL;) {
    client_wrap_t *next = cw->next;
    cw->prev = cw->next = NULL;
    cw->ed = NULL;
    /* The JavaScript thread runs no more exporter calls: a flush still in
     * flight on the thread pool must not wait for one. */
    exporter_close(cw->exporter);
    if (cw->busy == 0) release_client(cw); /* the wrapper is freed by its finalizer */
    cw = next;
  }
  ed->clients = NULL;
}

/* shutdownAll(): what env_cleanup does, for process.on('exit') (process.exit()
 * skips the cleanup hooks). */
napi_value shutdown_all(napi_env env, napi_callback_info info) {
  (void)info;
  env_data_t *ed = NULL;
  CHECK(env, napi_get_instance_data(env, (void **)&ed));
  if (ed != NULL) env_cleanup(ed);
  return NULL;
}

void env_data_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

/* Option setters by name (lib/native.js builds the list). */
typedef enum { K_STR, K_STR2, K_U32, K_U64, K_INT, K_VOID, K_EMBED, K_DOUBLE } kind_t;

typedef struct {
  const char *name;
  kind_t kind;
  void *fn;
} option_t;

static const option_t kOptions[] = {
    {"sdk_name", K_STR, (void *)sigil_options_set_sdk_name},
    {"use_environment", K_INT, (void *)sigil_options_set_use_environment},
    {"protocol", K_U32, (void *)sigil_options_set_protocol},
    {"endpoint", K_STR, (void *)sigil_options_set_endpoint},
    {"insecure", K_INT, (void *)sigil_options_set_insecure},
    {"ca_file", K_STR, (void *)sigil_options_set_ca_file},
    {"ca_dir", K_STR, (void *)sigil_options_set_ca_dir},
    {"client_cert", K_STR, (void *)sigil_options_set_client_cert},
    {"client_key", K_STR, (void *)sigil_options_set_client_key},
    {"header", K_STR2, (void *)sigil_options_set_header},
    {"auth_mode", K_U32, (void *)sigil_options_set_auth_mode},
    {"auth_tenant_id", K_STR, (void *)sigil_options_set_auth_tenant_id},
    {"auth_bearer_token", K_STR, (void *)sigil_options_set_auth_bearer_token},
    {"auth_basic_user", K_STR, (void *)sigil_options_set_auth_basic_user},
    {"auth_basic_password", K_STR, (void *)sigil_options_set_auth_basic_password},
    {"agent_name", K_STR, (void *)sigil_options_set_agent_name},
    {"agent_version", K_STR, (void *)sigil_options_set_agent_version},
    {"user_id", K_STR, (void *)sigil_options_set_user_id},
    {"tag", K_STR2, (void *)sigil_options_set_tag},
    {"batch_size", K_U32, (void *)sigil_options_set_batch_size},
    {"flush_interval_ms", K_U32, (void *)sigil_options_set_flush_interval_ms},
    {"queue_size", K_U32, (void *)sigil_options_set_queue_size},
    {"queue_max_bytes", K_U64, (void *)sigil_options_set_queue_max_bytes},
    {"max_retries", K_U32, (void *)sigil_options_set_max_retries},
    {"no_retries", K_VOID, (void *)sigil_options_set_no_retries},
    {"initial_backoff_ms", K_U32, (void *)sigil_options_set_initial_backoff_ms},
    {"max_backoff_ms", K_U32, (void *)sigil_options_set_max_backoff_ms},
    {"attempt_timeout_ms", K_U32, (void *)sigil_options_set_attempt_timeout_ms},
    {"payload_max_bytes", K_U64, (void *)sigil_options_set_payload_max_bytes},
    {"debug", K_INT, (void *)sigil_options_set_debug},
    {"api_endpoint", K_STR, (void *)sigil_options_set_api_endpoint},
    {"otlp_endpoint", K_STR, (void *)sigil_options_set_otlp_endpoint},
    {"otlp_traces_endpoint", K_STR, (void *)sigil_options_set_otlp_traces_endpoint},
    {"otlp_metrics_endpoint", K_STR, (void *)sigil_options_set_otlp_metrics_endpoint},
    {"otlp_header", K_STR2, (void *)sigil_options_set_otlp_header},
    {"otlp_certificate", K_STR, (void *)sigil_options_set_otlp_certificate},
    {"otlp_client_certificate", K_STR, (void *)sigil_options_set_otlp_client_certificate},
    {"otlp_client_key", K_STR, (void *)sigil_options_set_otlp_client_key},
    {"service_name", K_STR, (void *)sigil_options_set_service_name},
    {"resource_attribute", K_STR2, (void *)sigil_options_set_resource_attribute},
    {"sdk_language", K_STR, (void *)sigil_options_set_sdk_language},
    {"metric_export_interval_ms", K_U32, (void *)sigil_options_set_metric_export_interval_ms},
    {"embedding_capture", K_EMBED, (void *)sigil_options_set_embedding_capture},
    {"content_capture_mode", K_U32, (void *)sigil_options_set_content_capture_mode},
    {"redaction", K_U32, (void *)sigil_options_set_redaction},
    {"max_field_bytes", K_U64, (void *)sigil_options_set_max_field_bytes},
    {"spool_dir", K_STR, (void *)sigil_options_set_spool_dir},
    {"spool_max_bytes", K_U64, (void *)sigil_options_set_spool_max_bytes},
    {"spool_max_age_ms", K_U64, (void *)sigil_options_set_spool_max_age_ms},
    {"spool_sync", K_U32, (void *)sigil_options_set_spool_sync},
    {"spool_mode", K_U32, (void *)sigil_options_set_spool_mode},
    {"keep_last_generation", K_INT, (void *)sigil_options_set_keep_last_generation},
    {"telemetry_pipeline", K_U32, (void *)sigil_options_set_telemetry_pipeline},
    {"host_callbacks", K_VOID, (void *)host_set_callbacks},
    {"prices_file", K_STR, (void *)sigil_options_set_prices_file},
    {"token_estimates", K_INT, (void *)sigil_options_set_token_estimates},
    {"content_sample_rate", K_DOUBLE, (void *)sigil_options_set_content_sample_rate},
    {"export_sample_rate", K_DOUBLE, (void *)sigil_options_set_export_sample_rate},
};

typedef sigil_status_t (*set_str_fn)(sigil_options_t *, const char *);
typedef sigil_status_t (*set_str2_fn)(sigil_options_t *, const char *, const char *);
typedef sigil_status_t (*set_u32_fn)(sigil_options_t *, uint32_t);
typedef sigil_status_t (*set_u64_fn)(sigil_options_t *, uint64_t);
typedef sigil_status_t (*set_int_fn)(sigil_options_t *, int);
typedef sigil_status_t (*set_void_fn)(sigil_options_t *);
typedef sigil_status_t (*set_embed_fn)(sigil_options_t *, int, uint32_t, uint32_t);
typedef sigil_status_t (*set_double_fn)(sigil_options_t *, double);

static uint32_t clamp_u32(double d) {
  if (!(d > 0)) return 0;
  if (d >= 4294967295.0) return 4294967295u;
  return (uint32_t)d;
}

/* Applies one [name, ...args] entry. Returns a status; *bad is set for a
 * malformed entry (a bug in lib/, reported as a TypeError). */
static sigil_status_t apply_option(napi_env env, sigil_options_t *o, napi_value entry, const char **bad) {
  uint32_t n = 0;
  if (napi_get_array_length(env, entry, &n) != napi_ok || n < 1) {
    *bad = "option entries are arrays";
    return SIGIL_E_INVALID_ARGUMENT;
  }
  napi_value a[4] = {0};
  for (uint32_t i = 0; i < n && i < 4; ++i) napi_get_element(env, entry, i, &a[i]);
  char name[64];
  size_t nl = 0;
  if (napi_get_value_string_utf8(env, a[0], name, sizeof name, &nl) != napi_ok) {
    *bad = "option names are strings";
    return SIGIL_E_INVALID_ARGUMENT;
  }
  const option_t *opt = NULL;
  for (size_t i = 0; i < sizeof kOptions / sizeof kOptions[0]; ++i) {
    if (strcmp(kOptions[i].name, name) == 0) opt = &kOptions[i];
  }
  if (opt == NULL) {
    *bad = "unknown option name";
    return SIGIL_E_INVALID_ARGUMENT;
  }
  scratch_t *s = scratch_begin();
  sref_t r1 = SREF_UNSET, r2 = SREF_UNSET;
  double d1 = 0, d2 = 0, d3 = 0;
  sigil_status_t st = SIGIL_E_INVALID_ARGUMENT;
  switch (opt->kind) {
    case K_STR:
      if (n >= 2 && put_string(env, a[1], s, &r1) == napi_ok) st = ((set_str_fn)opt->fn)(o, sptr(s, r1));
      break;
    case K_STR2:
      if (n >= 3 && put_string(env, a[1], s, &r1) == napi_ok && put_string(env, a[2], s, &r2) == napi_ok) {
        st = ((set_str2_fn)opt->fn)(o, sptr(s, r1), sptr(s, r2));
      }
      break;
    case K_U32:
      if (n >= 2 && opt_double(env, a[1], &d1)) st = ((set_u32_fn)opt->fn)(o, clamp_u32(d1));
      break;
    case K_U64:
      if (n >= 2 && opt_double(env, a[1], &d1)) st = ((set_u64_fn)opt->fn)(o, d1 > 0 ? (uint64_t)d1 : 0);
      break;
    case K_INT: {
      int b = 0;
      if (n >= 2 && opt_bool(env, a[1], &b)) st = ((set_int_fn)opt->fn)(o, b);
      break;
    }
    case K_VOID:
      st = ((set_void_fn)opt->fn)(o);
      break;
    case K_DOUBLE:
      if (n >= 2 && opt_double(env, a[1], &d1)) st = ((set_double_fn)opt->fn)(o, d1);
      break;
    case K_EMBED: {
      int b = 0;
      if (n >= 4 && opt_bool(env, a[1], &b) && opt_double(env, a[2], &d2) && opt_double(env, a[3], &d3)) {
        st = ((set_embed_fn)opt->fn)(o, b, clamp_u32(d2), clamp_u32(d3));
      }
      break;
    }
  }
  scratch_end();
  if (st == SIGIL_E_INVALID_ARGUMENT && *bad == NULL) *bad = "malformed option value";
  return st;
}

/* clientNew(options: Array<[name, ...args]>, logger?: (level, message) => void,
 *           resolver?: (recordKind, metadataJson?) => mode,
 *           sanitizer?: (path, value) => replacement | undefined | false,
 *           exporter?: (json, token) => void, settled by exportDone(token, ...))
 *   -> [0, client] | [status, message] */
napi_value client_new(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  CHECK(env, get_args(env, info, 5, argv));
  env_data_t *ed = NULL;
  CHECK(env, napi_get_instance_data(env, (void **)&ed));

  sigil_options_t *o = NULL;
  if (sigil_options_new(&o) != SIGIL_OK) return status_value(env, SIGIL_E_NO_MEMORY, NULL);
  uint32_t n = 0;
  if (napi_get_array_length(env, argv[0], &n) != napi_ok) {
    sigil_options_free(o);
    return throw_type(env, "clientNew: options must be an array");
  }
  for (uint32_t i = 0; i < n; ++i) {
    napi_value entry;
    const char *bad = NULL;
    napi_get_element(env, argv[0], i, &entry);
    sigil_status_t st = apply_option(env, o, entry, &bad);
    if (st != SIGIL_OK) {
      sigil_options_free(o);
      if (bad != NULL && st == SIGIL_E_INVALID_ARGUMENT) return throw_type(env, bad);
      char msg[128];
      napi_value name;
      napi_get_element(env, entry, 0, &name);
      char nm[64] = "?";
      size_t nl;
      napi_get_value_string_utf8(env, name, nm, sizeof nm, &nl);
      snprintf(msg, sizeof msg, "invalid value for option %s (%s)", nm, sigil_status_name(st));
      napi_value arr = status_value(env, st, NULL);
      napi_set_element(env, arr, 1, make_cstring(env, msg));
      return arr;
    }
  }

  log_sink_t *sink = NULL;
  napi_valuetype lt;
  napi_typeof(env, argv[1], &lt);
  if (lt == napi_function) {
    sink = (log_sink_t *)calloc(1, sizeof *sink);
    if (sink == NULL) {
      sigil_options_free(o);
      return status_value(env, SIGIL_E_NO_MEMORY, NULL);
    }
    pthread_mutex_init(&sink->mu, NULL);
    sink->refs = 2; /* the client and the thread-safe function */
    napi_value res_name = make_cstring(env, "sigil-sdk logger");
    if (napi_create_threadsafe_function(env, argv[1], NULL, res_name, 0, 1, sink, log_finalize, NULL, log_call_js,
                                        &sink->tsfn) != napi_ok) {
      pthread_mutex_destroy(&sink->mu);
      free(sink);
      sigil_options_free(o);
      return throw_last_error(env, "napi_create_threadsafe_function");
    }
    sink->alive = 1;
    napi_unref_threadsafe_function(env, sink->tsfn); /* never keeps the process alive */
    sigil_options_set_logger(o, engine_log, sink);
  }

  int hooks_failed = 0;
  hooks_t *hooks = hooks_new(env, argv[2], argv[3], &hooks_failed);
  if (hooks != NULL) {
    if (hooks->resolver != NULL) sigil_options_set_content_capture_resolver(o, engine_resolver, hooks);
    if (hooks->sanitizer != NULL) sigil_options_set_sanitizer(o, engine_sanitizer, hooks);
  }

  int exporter_failed = 0;
  exporter_t *exporter = hooks_failed ? NULL : exporter_new(env, argv[4], &exporter_failed);
  if (exporter != NULL) sigil_options_set_generation_exporter(o, engine_exporter, exporter);

  sigil_client_t *client = NULL;
  sigil_error_t *err = NULL;
  sigil_status_t st = hooks_failed || exporter_failed ? SIGIL_E_NO_MEMORY : sigil_client_new(o, &client, &err);
  sigil_options_free(o);
  client_wrap_t *cw = st == SIGIL_OK ? (client_wrap_t *)calloc(1, sizeof *cw) : NULL;
  if (st == SIGIL_OK && cw == NULL) {
    sigil_client_free(client);
    st = SIGIL_E_NO_MEMORY;
  }
  if (st != SIGIL_OK) {
    if (sink != NULL) {
      napi_release_threadsafe_function(sink->tsfn, napi_tsfn_release);
      sink_unref(sink);
    }
    hooks_release(hooks);
    exporter_close(exporter);
    free(exporter);
    return status_value(env, st, err);
  }
  cw->client = client;
  cw->sink = sink;
  cw->hooks = hooks;
  cw->exporter = exporter;
  cw->ed = ed;
  cw->next = ed->clients;
  if (ed->clients != NULL) ed->clients->prev = cw;
  ed->clients = cw;

  napi_value ext;
  if (napi_create_external(env, cw, client_finalize, NULL, &ext) != napi_ok) {
    list_remove(cw);
    release_client(cw);
    free(cw);
    return throw_last_error(env, "napi_create_external");
  }
  napi_value arr;
  napi_create_array_with_length(env, 2, &arr);
  napi_set_element(env, arr, 0, make_int(env, 0));
  napi_set_element(env, arr, 1, ext);
  return arr;
}

client_wrap_t *client_arg(napi_env env, napi_value v) {
  client_wrap_t *cw = (client_wrap_t *)external_ptr(env, v);
  if (cw == NULL) throw_type(env, "expected a client handle");
  return cw;
}

/* clientStats(client) -> {generationsEnqueued, ...} */
napi_value client_stats(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  CHECK(env, get_args(env, info, 1, argv));
  client_wrap_t *cw = client_arg(env, argv[0]);
  if (cw == NULL) return NULL;
  sigil_stats_t s = SIGIL_STATS_INIT;
  sigil_client_stats(cw->client, &s);
  napi_value o;
  CHECK(env, napi_create_object(env, &o));
#define STAT(key, field) set_named(env, o, key, make_int(env, (int64_t)s.field))
  STAT("generationsEnqueued", generations_enqueued);
  STAT("generationsExported", generations_exported);
  STAT("generationsRejected", generations_rejected);
  STAT("droppedQueueFull", dropped_queue_full);
  STAT("droppedByteBudget", dropped_byte_budget);
  STAT("droppedPayloadTooLarge", dropped_payload_too_large);
  STAT("droppedRetryExhausted", dropped_retry_exhausted);
  STAT("droppedShutdownTimeout", dropped_shutdown_timeout);
  STAT("validationFailures", validation_failures);
  STAT("exportAttempts", export_attempts);
  STAT("exportRetries", export_retries);
  STAT("queueItems", queue_items);
  STAT("queueBytes", queue_bytes);
  STAT("droppedSpoolFull", dropped_spool_full);
  STAT("droppedTotal", dropped_total);
  STAT("generationsSpooled", generations_spooled);
  STAT("generationsReplayed", generations_replayed);
  STAT("spansExported", spans_exported);
  STAT("spansDropped", spans_dropped);
  STAT("metricExportsFailed", metric_exports_failed);
  STAT("spansSpooled", spans_spooled);
  STAT("spansReplayed", spans_replayed);
  STAT("metricExportsSpooled", metric_exports_spooled);
  STAT("metricExportsReplayed", metric_exports_replayed);
  STAT("scoresEnqueued", scores_enqueued);
  STAT("scoresExported", scores_exported);
  STAT("scoresRejected", scores_rejected);
  STAT("scoresDropped", scores_dropped);
  STAT("scoreExportAttempts", score_export_attempts);
  STAT("scoreExportRetries", score_export_retries);
  STAT("generationsUnpriced", generations_unpriced);
  STAT("generationsExportSampledOut", generations_export_sampled_out);
  STAT("generationsContentSampledOut", generations_content_sampled_out);
#undef STAT
  return o;
}

/* clientMetricsSnapshot(client) -> JSON text | [status, message] */
napi_value client_metrics_snapshot(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  CHECK(env, get_args(env, info, 1, argv));
  client_wrap_t *cw = client_arg(env, argv[0]);
  if (cw == NULL) return NULL;
  char *json = NULL;
  size_t len = 0;
  sigil_error_t *err = NULL;
  sigil_status_t st = sigil_client_metrics_snapshot(cw->client, &json, &len, &err);
  if (st != SIGIL_OK) return status_value(env, st, err);
  napi_value out = make_string(env, json, len);
  sigil_metrics_snapshot_free(json);
  return out;
}

/* ---------------------------------------------------------------------------
 * Blocking client calls on the thread pool: flush, shutdown, rating.
 * ------------------------------------------------------------------------ */

typedef enum { JOB_FLUSH, JOB_SHUTDOWN, JOB_RATING } job_kind_t;

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref keep; /* the client's external, alive while the job runs */
  client_wrap_t *cw;
  job_kind_t kind;
  uint32_t timeout_ms;
  sigil_status_t st;
  sigil_error_t *err;
  /* ratings */
  sigil_rating_input_t input;
  char *strings; /* the input's strings */
  sigil_rating_result_t *result;
  uint32_t call_token; /* see t_call_token */
} job_t;

static void job_execute(napi_env env, void *data) {
  (void)env;
  job_t *j = (job_t *)data;
  switch (j->kind) {
    case JOB_FLUSH:
      j->st = sigil_client_flush(j->cw->client, j->timeout_ms, &j->err);
      break;
    case JOB_SHUTDOWN:
      j->st = sigil_client_shutdown(j->cw->client, j->timeout_ms, &j->err);
      break;
    case JOB_RATING:
      t_call_token = j->call_token; /* the resolver runs in the submitting call's context */
      j->st = sigil_client_submit_rating(j->cw->client, &j->input, j->timeout_ms, &j->result, &j->err);
      t_call_token = 0;
      break;
  }
}

static napi_value rating_object(napi_env env, const sigil_rating_result_t *r) {
  napi_value o, summary;
  napi_create_object(env, &o);
  set_named(env, o, "ratingId", make_cstring(env, sigil_rating_result_rating_id(r)));
  set_named(env, o, "conversationId", make_cstring(env, sigil_rating_result_conversation_id(r)));
  set_named(env, o, "generationId", make_cstring(env, sigil_rating_result_generation_id(r)));
  set_named(env, o, "rating", make_int(env, sigil_rating_result_rating(r)));
  set_named(env, o, "comment", make_cstring(env, sigil_rating_result_comment(r)));
  set_named(env, o, "metadataJson", make_cstring(env, sigil_rating_result_metadata_json(r)));
  set_named(env, o, "raterId", make_cstring(env, sigil_rating_result_rater_id(r)));
  set_named(env, o, "source", make_cstring(env, sigil_rating_result_source(r)));
  set_named(env, o, "createdAt", make_cstring(env, sigil_rating_result_created_at(r)));
  sigil_rating_summary_t s = SIGIL_RATING_SUMMARY_INIT;
  sigil_rating_result_summary(r, &s);
  napi_create_object(env, &summary);
  set_named(env, summary, "totalCount", make_int(env, (int64_t)s.total_count));
  set_named(env, summary, "goodCount", make_int(env, (int64_t)s.good_count));
  set_named(env, summary, "badCount", make_int(env, (int64_t)s.bad_count));
  set_named(env, summary, "latestRating", make_int(env, s.latest_rating));
  napi_value b;
  napi_get_boolean(env, s.has_bad_rating != 0, &b);
  set_named(env, summary, "hasBadRating", b);
  napi_value t;
  napi_create_bigint_int64(env, s.latest_rated_at_ns, &t);
  set_named(env, summary, "latestRatedAtNs", t);
  napi_create_bigint_int64(env, s.latest_bad_at_ns, &t);
  set_named(env, summary, "latestBadAtNs", t);
  set_named(env, o, "summary", summary);
  return o;
}

static void job_complete(napi_env env, napi_status status, void *data) {
  job_t *j = (job_t *)data;
  if (j->kind == JOB_SHUTDOWN && j->st != SIGIL_E_INVALID_ARGUMENT) j->cw->shut_down = 1;
  j->cw->busy--;
  if (env != NULL) {
    napi_value v;
    if (status == napi_cancelled) {
      v = status_value(env, SIGIL_E_INTERNAL, NULL);
    } else if (j->kind == JOB_RATING && j->st == SIGIL_OK) {
      napi_create_array_with_length(env, 2, &v);
      napi_set_element(env, v, 0, make_int(env, 0));
      napi_set_element(env, v, 1, rating_object(env, j->result));
      sigil_error_free(j->err);
    } else {
      v = status_value(env, j->st, j->err);
    }
    j->err = NULL;
    napi_resolve_deferred(env, j->deferred, v);
    napi_delete_reference(env, j->keep);
    napi_delete_async_work(env, j->work);
  }
  sigil_error_free(j->err);
  sigil_rating_result_free(j->result);
  free(j->strings);
  free(j);
}

static napi_value queue_job(napi_env env, napi_value client_ext, job_t *j, const char *name) {
  napi_value promise, res_name = make_cstring(env, name);
  if (napi_create_promise(env, &j->deferred, &promise) != napi_ok ||
      napi_create_reference(env, client_ext, 1, &j->keep) != napi_ok ||
      napi_create_async_work(env, NULL, res_name, job_execute, job_complete, j, &j->work) != napi_ok ||
      napi_queue_async_work(env, j->work) != napi_ok) {
    free(j->strings);
    free(j);
    return throw_last_error(env, "queue_job");
  }
  j->cw->busy++;
  return promise;
}

static napi_value lifecycle(napi_env env, napi_callback_info info, job_kind_t kind) {
  napi_value argv[2];
  CHECK(env, get_args(env, info, 2, argv));
  client_wrap_t *cw = client_arg(env, argv[0]);
  if (cw == NULL) return NULL;
  double t = 0;
  opt_double(env, argv[1], &t);
  job_t *j = (job_t *)calloc(1, sizeof *j);
  if (j == NULL) return throw_type(env, "out of memory");
  j->cw = cw;
  j->kind = kind;
  j->timeout_ms = clamp_u32(t);
  return queue_job(env, argv[0], j, kind == JOB_FLUSH ? "sigil-sdk flush" : "sigil-sdk shutdown");
}

/* clientFlush(client, timeoutMs) -> Promise<0 | [status, message]> */
napi_value client_flush(napi_env env, napi_callback_info info) { return lifecycle(env, info, JOB_FLUSH); }

/* clientShutdown(client, timeoutMs) -> Promise<0 | [status, message]> */
napi_value client_shutdown(napi_env env, napi_callback_info info) { return lifecycle(env, info, JOB_SHUTDOWN); }

/* submitRating(client, conversationId, ratingId, rating, comment, metadataJson,
 *              generationId, raterId, source, timeoutMs, callToken)
 *   -> Promise<[0, result] | [status, message]> */
napi_value submit_rating(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  CHECK(env, get_args(env, info, 11, argv));
  client_wrap_t *cw = client_arg(env, argv[0]);
  if (cw == NULL) return NULL;
  scratch_t *s = scratch_begin();
  sref_t conv, rid, comment, md, gen, rater, source;
  double rating = 0, t = 0, token = 0;
  if (put_string(env, argv[1], s, &conv) != napi_ok || put_string(env, argv[2], s, &rid) != napi_ok ||
      put_string(env, argv[4], s, &comment) != napi_ok || put_json(env, argv[5], s, &md) != napi_ok ||
      put_string(env, argv[6], s, &gen) != napi_ok || put_string(env, argv[7], s, &rater) != napi_ok ||
      put_string(env, argv[8], s, &source) != napi_ok) {
    scratch_end();
    return throw_last_error(env, "submitRating: string conversion");
  }
  opt_double(env, argv[3], &rating);
  opt_double(env, argv[9], &t);
  opt_double(env, argv[10], &token);
  job_t *j = (job_t *)calloc(1, sizeof *j);
  char *copy = (char *)malloc(s->len ? s->len : 1);
  if (j == NULL || copy == NULL) {
    free(j);
    free(copy);
    scratch_end();
    return throw_type(env, "out of memory");
  }
  memcpy(copy, s->buf, s->len);
  scratch_end();
#define P(r) ((r).off < 0 ? NULL : copy + (r).off)
  j->cw = cw;
  j->kind = JOB_RATING;
  j->timeout_ms = clamp_u32(t);
  j->call_token = clamp_u32(token);
  j->strings = copy;
  sigil_rating_input_init(&j->input);
  j->input.conversation_id = P(conv);
  j->input.rating_id = P(rid);
  j->input.rating = (uint32_t)(rating > 0 ? rating : 0);
  j->input.comment = P(comment);
  j->input.metadata_json = P(md);
  j->input.metadata_json_len = md.len;
  j->input.generation_id = P(gen);
  j->input.rater_id = P(rater);
  j->input.source = P(source);
#undef P
  return queue_job(env, argv[0], j, "sigil-sdk rating");
}

/* submitScore(client, scoreId, generationId, conversationId, traceId, spanId,
 *             evaluatorId, evaluatorVersion, key, valueKind, numberValue,
 *             boolValue, stringValue, passed, label, rationale, metadataJson,
 *             createdAt) -> [0, scoreId] | [status, message]
 * Synchronous: the engine validates and queues; nothing waits on I/O. */
napi_value submit_score(napi_env env, napi_callback_info info) {
  napi_value argv[18];
  CHECK(env, get_args(env, info, 18, argv));
  client_wrap_t *cw = client_arg(env, argv[0]);
  if (cw == NULL) return NULL;
  scratch_t *s = scratch_begin();
  sref_t r[16];
  static const int kStrings[] = {1, 2, 3, 4, 5, 6, 7, 8, 12, 14, 15};
  for (size_t i = 0; i < sizeof kStrings / sizeof kStrings[0]; ++i) {
    if (put_string(env, argv[kStrings[i]], s, &r[kStrings[i]]) != napi_ok) {
      scratch_end();
      return throw_last_error(env, "submitScore: string conversion");
    }
  }
  sref_t md;
  if (put_json(env, argv[16], s, &md) != napi_ok) {
    scratch_end();
    return throw_last_error(env, "submitScore: metadata conversion");
  }
  double kind = 0, number = 0, passed = 0;
  int boolean = 0;
  opt_double(env, argv[9], &kind);
  opt_double(env, argv[10], &number);
  opt_bool(env, argv[11], &boolean);
  opt_double(env, argv[13], &passed);
  sigil_score_t sc = SIGIL_SCORE_INIT;
#define P(i) sptr(s, r[i])
  sc.score_id = P(1);
  sc.generation_id = P(2);
  sc.conversation_id = P(3);
  sc.trace_id = P(4);
  sc.span_id = P(5);
  sc.evaluator_id = P(6);
  sc.evaluator_version = P(7);
  sc.key = P(8);
  sc.value_kind = (uint32_t)(kind > 0 ? kind : 0);
  sc.number_value = number;
  sc.bool_value = boolean;
  sc.string_value = P(12);
  sc.passed = (uint32_t)(passed > 0 ? passed : 0);
  sc.label = P(14);
  sc.rationale = P(15);
#undef P
  sc.metadata_json = sptr(s, md);
  sc.metadata_json_len = md.len;
  sc.created_at_ns = time_ns(env, argv[17]);
  char *id = NULL;
  sigil_error_t *err = NULL;
  sigil_status_t st = sigil_client_submit_score(cw->client, &sc, &id, &err);
  scratch_end();
  if (st != SIGIL_OK) return status_value(env, st, err);
  napi_value out;
  napi_create_array_with_length(env, 2, &out);
  napi_set_element(env, out, 0, make_int(env, 0));
  napi_set_element(env, out, 1, make_cstring(env, id));
  sigil_string_free(id);
  return out;
}
