/* The custom generation exporter: the engine calls engine_exporter on its
 * export worker thread with one batch; the call is carried to the JavaScript
 * thread by a thread-safe function, handed to lib/'s dispatcher with a token,
 * and the worker waits until exportDone(token, ...) reports the outcome (the
 * dispatcher awaits the user's Promise first). Results are copied into the
 * call and given to the engine on the worker, inside its callback.
 *
 * Calls are found by token in one list under one mutex, so a late
 * exportDone (after the client was torn down) finds nothing and does nothing.
 * When the client is released the exporter is closed first: pending and
 * later calls fail at once (the engine retries, spools or drops them as a
 * transport failure), because the JavaScript thread may be the one freeing
 * the client and could never run them. */
#include <stdlib.h>
#include <string.h>

#include "addon.h"

typedef struct export_call {
  uint64_t token;
  exporter_t *ex;
  const char *json; /* borrowed from the engine while the call is pending */
  size_t len;
  int done;
  sigil_status_t st;
  size_t n;
  char **ids;
  char **errors; /* NULL entries: no message */
  int *accepted;
  char *message;
  pthread_cond_t cv;
  struct export_call *next;
} export_call_t;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static export_call_t *g_pending;
static uint64_t g_next_token;

static export_call_t *find_locked(uint64_t token) {
  for (export_call_t *c = g_pending; c != NULL; c = c->next) {
    if (c->token == token) return c;
  }
  return NULL;
}

static void unlink_locked(export_call_t *c) {
  for (export_call_t **p = &g_pending; *p != NULL; p = &(*p)->next) {
    if (*p == c) {
      *p = c->next;
      return;
    }
  }
}

static void complete_locked(export_call_t *c, sigil_status_t st) {
  c->st = st;
  c->done = 1;
  unlink_locked(c);
  pthread_cond_signal(&c->cv);
}

static void free_call(export_call_t *c) {
  for (size_t i = 0; i < c->n; ++i) {
    free(c->ids[i]);
    free(c->errors[i]);
  }
  free(c->ids);
  free(c->errors);
  free(c->accepted);
  free(c->message);
  pthread_cond_destroy(&c->cv);
}

sigil_status_t engine_exporter(void *user_data, const char *json, size_t json_len, sigil_export_results_t *results) {
  exporter_t *ex = (exporter_t *)user_data;
  export_call_t c;
  memset(&c, 0, sizeof c);
  pthread_cond_init(&c.cv, NULL);
  c.ex = ex;
  c.json = json;
  c.len = json_len;
  c.st = SIGIL_E_TRANSPORT;
  pthread_mutex_lock(&g_mu);
  c.token = ++g_next_token;
  int queued = ex->alive &&
               napi_call_threadsafe_function(ex->tsfn, (void *)(uintptr_t)c.token, napi_tsfn_nonblocking) == napi_ok;
  if (queued) {
    c.next = g_pending;
    g_pending = &c;
    while (!c.done) pthread_cond_wait(&c.cv, &g_mu);
  }
  pthread_mutex_unlock(&g_mu);
  if (!queued) {
    static const char kClosed[] = "the JavaScript generation exporter is no longer reachable (client released)";
    sigil_export_results_set_message(results, kClosed, sizeof kClosed - 1);
    free_call(&c);
    return SIGIL_E_TRANSPORT;
  }
  for (size_t i = 0; i < c.n; ++i) {
    const char *err = c.errors[i];
    sigil_export_results_add(results, c.ids[i], strlen(c.ids[i]), c.accepted[i], err, err != NULL ? strlen(err) : 0);
  }
  if (c.message != NULL) sigil_export_results_set_message(results, c.message, strlen(c.message));
  sigil_status_t st = c.st;
  free_call(&c);
  return st;
}

/* On the JavaScript thread: dispatcher(json, token). A dispatcher that throws
 * fails the call (it is retried). */
static void exporter_call_js(napi_env env, napi_value fn, void *context, void *data) {
  (void)context;
  uint64_t token = (uint64_t)(uintptr_t)data;
  if (env == NULL || fn == NULL) return; /* torn down: closing failed the call */
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value argv[2] = {NULL, NULL}, undef, ignored;
  pthread_mutex_lock(&g_mu);
  export_call_t *c = find_locked(token);
  if (c != NULL) argv[0] = make_string(env, c->json, c->len);
  pthread_mutex_unlock(&g_mu);
  if (c != NULL) {
    argv[1] = make_int(env, (int64_t)token);
    napi_get_undefined(env, &undef);
    napi_status called =
        argv[0] != NULL && argv[1] != NULL ? napi_call_function(env, undef, fn, 2, argv, &ignored) : napi_invalid_arg;
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
      napi_get_and_clear_last_exception(env, &ignored);
      called = napi_pending_exception;
    }
    if (called != napi_ok) {
      pthread_mutex_lock(&g_mu);
      c = find_locked(token);
      if (c != NULL) complete_locked(c, SIGIL_E_TRANSPORT);
      pthread_mutex_unlock(&g_mu);
    }
  }
  napi_close_handle_scope(env, scope);
}

/* A malloc'd copy of a JavaScript string, or NULL (not a string, or no memory). */
static char *dup_string(napi_env env, napi_value v) {
  napi_valuetype t = napi_undefined;
  size_t n = 0;
  if (v == NULL || napi_typeof(env, v, &t) != napi_ok || t != napi_string ||
      napi_get_value_string_utf8(env, v, NULL, 0, &n) != napi_ok) {
    return NULL;
  }
  char *s = (char *)malloc(n + 1);
  if (s != NULL && napi_get_value_string_utf8(env, v, s, n + 1, &n) != napi_ok) {
    free(s);
    s = NULL;
  }
  return s;
}

/* exportDone(token, status, results?: Array<[id, accepted, error?]>, message?)
 * Unknown tokens (a call already failed by closing) are ignored. */
napi_value export_done(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  CHECK(env, get_args(env, info, 4, argv));
  int64_t token = 0;
  double status = 0;
  if (!opt_int64(env, argv[0], &token) || !opt_double(env, argv[1], &status)) {
    return throw_type(env, "exportDone: token and status are numbers");
  }
  uint32_t n = 0;
  napi_valuetype rt = napi_undefined;
  napi_typeof(env, argv[2], &rt);
  if (rt == napi_object && napi_get_array_length(env, argv[2], &n) != napi_ok) n = 0;
  char **ids = (char **)calloc(n + 1, sizeof *ids);
  char **errors = (char **)calloc(n + 1, sizeof *errors);
  int *accepted = (int *)calloc(n + 1, sizeof *accepted);
  sigil_status_t st = (sigil_status_t)status;
  size_t count = 0;
  if (ids == NULL || errors == NULL || accepted == NULL) {
    st = SIGIL_E_NO_MEMORY;
    n = 0;
  }
  for (uint32_t i = 0; i < n; ++i) {
    napi_value item, id, ok, err;
    if (napi_get_element(env, argv[2], i, &item) != napi_ok || napi_get_element(env, item, 0, &id) != napi_ok ||
        napi_get_element(env, item, 1, &ok) != napi_ok || napi_get_element(env, item, 2, &err) != napi_ok) {
      continue;
    }
    char *sid = dup_string(env, id);
    if (sid == NULL) continue;
    int b = 0;
    opt_bool(env, ok, &b);
    ids[count] = sid;
    accepted[count] = b;
    errors[count] = dup_string(env, err);
    ++count;
  }
  char *message = dup_string(env, argv[3]);
  pthread_mutex_lock(&g_mu);
  export_call_t *c = find_locked((uint64_t)token);
  if (c != NULL) {
    c->ids = ids;
    c->errors = errors;
    c->accepted = accepted;
    c->n = count;
    c->message = message;
    complete_locked(c, st);
  }
  pthread_mutex_unlock(&g_mu);
  if (c == NULL) {
    for (size_t i = 0; i < count; ++i) {
      free(ids[i]);
      free(errors[i]);
    }
    free(ids);
    free(errors);
    free(accepted);
    free(message);
  }
  return NULL;
}

exporter_t *exporter_new(napi_env env, napi_value dispatcher, int *failed) {
  napi_valuetype t = napi_undefined;
  napi_typeof(env, dispatcher, &t);
  *failed = 0;
  if (t != napi_function) return NULL;
  exporter_t *ex = (exporter_t *)calloc(1, sizeof *ex);
  if (ex == NULL ||
      napi_create_threadsafe_function(env, dispatcher, NULL, make_cstring(env, "sigil-sdk generation exporter"), 0, 1,
                                      NULL, NULL, NULL, exporter_call_js, &ex->tsfn) != napi_ok) {
    free(ex);
    *failed = 1;
    return NULL;
  }
  napi_unref_threadsafe_function(env, ex->tsfn); /* never keeps the process alive */
  ex->alive = 1;
  return ex;
}

void exporter_close(exporter_t *ex) {
  if (ex == NULL) return;
  pthread_mutex_lock(&g_mu);
  if (ex->alive) {
    ex->alive = 0;
    napi_release_threadsafe_function(ex->tsfn, napi_tsfn_release);
  }
  for (export_call_t *c = g_pending, *next; c != NULL; c = next) {
    next = c->next;
    if (c->ex == ex) complete_locked(c, SIGIL_E_TRANSPORT);
  }
  pthread_mutex_unlock(&g_mu);
}
