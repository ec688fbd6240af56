/*
 * The Node-API addon behind the sigil-sdk package: a translation table from
 * JavaScript values to libsigil's C ABI (include/sigil/sigil.h). It holds no
 * telemetry logic; every function is private to lib/native.js, whose callers
 * in lib/ are the public API.
 *
 *   values.c     JavaScript values <-> C: strings (UTF-8 in a per-thread
 *                scratch buffer), numbers, times, statuses
 *   callbacks.c  engine -> JavaScript: the logger, the content capture
 *                resolver and the sanitizer
 *   exporter.c   engine -> JavaScript: the custom generation exporter
 *   client.c     clients: options, stats, and the blocking calls (flush,
 *                shutdown, ratings) on libuv's thread pool
 *   recorders.c  generations, tool executions, embeddings
 *   host.c       engine -> JavaScript: finished spans and metric points for
 *                the host's OpenTelemetry tracer and meter
 *   module.c     the exports
 *
 * Values crossing from JavaScript:
 *   - handles are externals (client_wrap_t for clients, rec_t for recorders),
 *     freed by finalizers as a safety net only;
 *   - strings become UTF-8. A lone UTF-16 surrogate is encoded as its 3-byte
 *     (WTF-8) form rather than U+FFFD, so the engine sees invalid UTF-8 and
 *     reports SIGIL_E_INVALID_UTF8 at the same call as every other language;
 *   - undefined and null are "unset" (NULL); "" is an explicit empty string;
 *   - times are milliseconds since the epoch (a number, as Date#getTime gives)
 *     or nanoseconds (a bigint).
 */
#ifndef SIGIL_NODE_ADDON_H
#define SIGIL_NODE_ADDON_H

#define NAPI_VERSION 8

#include <node_api.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <sigil/sigil.h>

/* Calls an N-API function; on failure throws a JavaScript error and returns NULL. */
#define CHECK(env, call)                                        \
  do {                                                          \
    if ((call) != napi_ok) return throw_last_error(env, #call); \
  } while (0)

/* --- values.c ------------------------------------------------------------ */

/* The strings of one call, NUL-terminated, addressed by offset while the
 * buffer may still grow, turned into pointers at the end. One per thread. */
typedef struct {
  char *buf;
  size_t len, cap;
} scratch_t;

/* A string in the scratch buffer. */
typedef struct {
  ptrdiff_t off; /* -1: unset */
  size_t len;
} sref_t;

#define SREF_UNSET ((sref_t){-1, 0})

/* At most this many long strings travel next to a document (lib/encode.js: MAX_LONG). */
#define MAX_LONG 24

napi_value throw_last_error(napi_env env, const char *what);
napi_value throw_type(napi_env env, const char *msg);

scratch_t *scratch_begin(void);
void scratch_end(void);
int scratch_reserve(scratch_t *s, size_t extra);
scratch_t scratch_set_aside(void);
void scratch_restore(scratch_t outer);
napi_status put_string(napi_env env, napi_value v, scratch_t *s, sref_t *out);
napi_status put_json(napi_env env, napi_value v, scratch_t *s, sref_t *out);
napi_status put_document(napi_env env, napi_value *argv, size_t argc, scratch_t *s, sref_t *out);
const char *sptr(const scratch_t *s, sref_t r);

int is_nullish(napi_env env, napi_value v);
int opt_double(napi_env env, napi_value v, double *out);
int opt_int64(napi_env env, napi_value v, int64_t *out);
int opt_bool(napi_env env, napi_value v, int *out);
int64_t time_ns(napi_env env, napi_value v);
napi_value make_int(napi_env env, int64_t v);
napi_value make_string(napi_env env, const char *s, size_t len);
napi_value make_cstring(napi_env env, const char *s);
void set_named(napi_env env, napi_value obj, const char *key, napi_value v);
napi_value status_value(napi_env env, sigil_status_t st, sigil_error_t *err);
napi_status get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv);
void *external_ptr(napi_env env, napi_value v);

/* --- callbacks.c --------------------------------------------------------- */

/* The engine's logger: messages reach the JavaScript logger through a
 * thread-safe function. Held by the client and by the thread-safe function. */
typedef struct {
  pthread_mutex_t mu;
  napi_threadsafe_function tsfn;
  int alive; /* tsfn usable */
  int refs;
} log_sink_t;

/* The resolver and the sanitizer. Held by the client and by the thread-safe
 * function that carries calls from other threads. */
typedef struct {
  pthread_mutex_t mu;
  napi_env env;
  pthread_t js_thread;
  napi_ref resolver;  /* (recordKind, metadataJson?, callToken) => mode, or -1 */
  napi_ref sanitizer; /* (path, value) => replacement | undefined (keep) | false (failure) */
  napi_threadsafe_function tsfn;
  int alive; /* tsfn usable */
  int refs;
} hooks_t;

void sink_unref(log_sink_t *s);
void engine_log(void *user_data, uint32_t level, const char *message, size_t len);
void log_call_js(napi_env env, napi_value fn, void *context, void *data);
void log_finalize(napi_env env, void *data, void *hint);
hooks_t *hooks_new(napi_env env, napi_value resolver, napi_value sanitizer, int *failed);
/* Set by a thread-pool job around its engine call (0 otherwise): the token of
 * the JavaScript call that queued it, passed to the resolver so that it runs
 * in that call's context. */
extern _Thread_local uint32_t t_call_token;
void hooks_release(hooks_t *hk);
int engine_resolver(void *user_data, uint32_t record_kind, const char *metadata_json, size_t len, uint32_t *mode);
int engine_sanitizer(void *user_data, const char *path, size_t path_len, const char *value, size_t value_len,
                     sigil_sanitized_t *out);

/* --- exporter.c ---------------------------------------------------------- */

/* The custom generation exporter: a thread-safe function to lib/'s dispatcher. */
typedef struct {
  napi_threadsafe_function tsfn;
  int alive; /* tsfn usable; guarded by exporter.c's mutex */
} exporter_t;

exporter_t *exporter_new(napi_env env, napi_value dispatcher, int *failed);
/* Before the engine client is freed: pending and later calls fail at once. */
void exporter_close(exporter_t *ex);
sigil_status_t engine_exporter(void *user_data, const char *json, size_t json_len, sigil_export_results_t *results);
napi_value export_done(napi_env env, napi_callback_info info);

/* --- client.c ------------------------------------------------------------ */

typedef struct env_data env_data_t;

typedef struct client_wrap {
  sigil_client_t *client; /* NULL once freed */
  log_sink_t *sink;       /* NULL without a logger */
  hooks_t *hooks;         /* NULL without a resolver or sanitizer */
  exporter_t *exporter;   /* NULL without a custom generation exporter */
  env_data_t *ed;
  int shut_down;                   /* a shutdown completed: freeing is quick */
  int busy;                        /* async jobs in flight */
  struct client_wrap *prev, *next; /* live clients of this environment */
} client_wrap_t;

/* Per environment (the main thread, each worker thread). */
struct env_data {
  client_wrap_t *clients;
};

client_wrap_t *client_arg(napi_env env, napi_value v);
void env_cleanup(void *arg);
void env_data_free(napi_env env, void *data, void *hint);

napi_value shutdown_all(napi_env env, napi_callback_info info);
napi_value client_new(napi_env env, napi_callback_info info);
napi_value client_stats(napi_env env, napi_callback_info info);
napi_value client_metrics_snapshot(napi_env env, napi_callback_info info);
napi_value client_flush(napi_env env, napi_callback_info info);
napi_value client_shutdown(napi_env env, napi_callback_info info);
napi_value submit_rating(napi_env env, napi_callback_info info);
napi_value submit_score(napi_env env, napi_callback_info info);

/* --- host.c -------------------------------------------------------------- */

/* Where the host pipeline's callbacks put what the engine hands them during
 * one end call (see host.c). */
typedef struct {
  napi_env env;
  napi_value out; /* an array */
} host_collect_t;

void host_collect_begin(host_collect_t *c);
void host_collect_end(void);
sigil_status_t host_set_callbacks(sigil_options_t *o);

/* --- recorders.c --------------------------------------------------------- */

napi_value generation_start(napi_env env, napi_callback_info info);
napi_value generation_set_result(napi_env env, napi_callback_info info);
napi_value generation_set_call_error(napi_env env, napi_callback_info info);
napi_value generation_set_first_token_at(napi_env env, napi_callback_info info);
napi_value generation_end(napi_env env, napi_callback_info info);
napi_value generation_id(napi_env env, napi_callback_info info);
napi_value generation_traceparent(napi_env env, napi_callback_info info);
napi_value generation_content_capture_mode(napi_env env, napi_callback_info info);
napi_value generation_provider(napi_env env, napi_callback_info info);
napi_value generation_set_mapping_error(napi_env env, napi_callback_info info);
napi_value generation_last_json(napi_env env, napi_callback_info info);
napi_value embedding_set_provider_result(napi_env env, napi_callback_info info);
napi_value tool_start(napi_env env, napi_callback_info info);
napi_value tool_set_result(napi_env env, napi_callback_info info);
napi_value tool_set_error(napi_env env, napi_callback_info info);
napi_value tool_end(napi_env env, napi_callback_info info);
napi_value tool_traceparent(napi_env env, napi_callback_info info);
napi_value embedding_start(napi_env env, napi_callback_info info);
napi_value embedding_set_result(napi_env env, napi_callback_info info);
napi_value embedding_set_call_error(napi_env env, napi_callback_info info);
napi_value embedding_end(napi_env env, napi_callback_info info);
napi_value embedding_traceparent(napi_env env, napi_callback_info info);
napi_value validate_generation_json(napi_env env, napi_callback_info info);
napi_value status_name(napi_env env, napi_callback_info info);
napi_value generation_add_provider_events(napi_env env, napi_callback_info info);
napi_value provider_map_generation(napi_env env, napi_callback_info info);
napi_value generation_set_metadata_string(napi_env env, napi_callback_info info);
napi_value span_start(napi_env env, napi_callback_info info);
napi_value span_set_attribute(napi_env env, napi_callback_info info);
napi_value span_set_input(napi_env env, napi_callback_info info);
napi_value span_set_output(napi_env env, napi_callback_info info);
napi_value span_add_event(napi_env env, napi_callback_info info);
napi_value span_set_status(napi_env env, napi_callback_info info);
napi_value span_set_error(napi_env env, napi_callback_info info);
napi_value span_captures_content(napi_env env, napi_callback_info info);
napi_value span_end(napi_env env, napi_callback_info info);
napi_value span_traceparent(napi_env env, napi_callback_info info);
napi_value span_tracestate(napi_env env, napi_callback_info info);
napi_value traceparent_parse(napi_env env, napi_callback_info info);
napi_value tracestate_valid(napi_env env, napi_callback_info info);

#endif /* SIGIL_NODE_ADDON_H */
