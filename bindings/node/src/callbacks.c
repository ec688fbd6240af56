/* Engine -> JavaScript: the logger, the content capture resolver, the sanitizer. */
#include <stdlib.h>
#include <string.h>

#include "addon.h"

/* ---------------------------------------------------------------------------
 * Logger: the engine logs from its worker threads; messages reach the
 * JavaScript logger through a thread-safe function. The sink outlives both
 * the client and the thread-safe function (two references).
 * ------------------------------------------------------------------------ */

typedef struct {
  uint32_t level;
  size_t len;
  char text[];
} log_msg_t;

void sink_unref(log_sink_t *s) {
  pthread_mutex_lock(&s->mu);
  int left = --s->refs;
  pthread_mutex_unlock(&s->mu);
  if (left == 0) {
    pthread_mutex_destroy(&s->mu);
    free(s);
  }
}

void engine_log(void *user_data, uint32_t level, const char *message, size_t len) {
  log_sink_t *s = (log_sink_t *)user_data;
  log_msg_t *m = (log_msg_t *)malloc(sizeof(log_msg_t) + len + 1);
  if (m == NULL) return;
  m->level = level;
  m->len = len;
  memcpy(m->text, message, len);
  m->text[len] = '\0';
  pthread_mutex_lock(&s->mu);
  int sent = s->alive && napi_call_threadsafe_function(s->tsfn, m, napi_tsfn_nonblocking) == napi_ok;
  pthread_mutex_unlock(&s->mu);
  if (!sent) free(m);
}

void log_call_js(napi_env env, napi_value fn, void *context, void *data) {
  (void)context;
  log_msg_t *m = (log_msg_t *)data;
  if (env != NULL && fn != NULL) {
    napi_value argv[2], undef;
    argv[0] = make_int(env, m->level);
    argv[1] = make_string(env, m->text, m->len);
    napi_get_undefined(env, &undef);
    if (argv[1] != NULL && napi_call_function(env, undef, fn, 2, argv, NULL) != napi_ok) {
      /* A throwing logger must not take the process down. */
      napi_value ignored;
      napi_get_and_clear_last_exception(env, &ignored);
    }
  }
  free(m);
}

void log_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  log_sink_t *s = (log_sink_t *)data;
  pthread_mutex_lock(&s->mu);
  s->alive = 0;
  pthread_mutex_unlock(&s->mu);
  sink_unref(s);
}

/* ---------------------------------------------------------------------------
 * Hooks: the content capture resolver and the sanitizer, JavaScript functions
 * the engine calls synchronously. On the JavaScript thread (recorders start
 * and end there) they are called directly; from another thread (a rating runs
 * on the thread pool) the call is handed to the JavaScript thread through a
 * thread-safe function and waited for. Any failure fails closed, as the
 * engine defines it (METADATA_ONLY, "[REDACTED:sanitizer_error]").
 * ------------------------------------------------------------------------ */

typedef enum { HOOK_RESOLVE, HOOK_SANITIZE } hook_kind_t;

_Thread_local uint32_t t_call_token;

typedef struct {
  hook_kind_t kind;
  uint32_t record_kind;
  uint32_t call_token; /* the queuing call's token (thread-pool jobs), else 0 */
  const char *a;       /* metadata JSON (resolver) or path (sanitizer) */
  size_t a_len;
  const char *b; /* the value (sanitizer) */
  size_t b_len;
  int rc;
  uint32_t mode;
  int replace;
  char *replacement;
  size_t replacement_len;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int done;
} hook_call_t;

static void hooks_unref(hooks_t *hk) {
  pthread_mutex_lock(&hk->mu);
  int left = --hk->refs;
  pthread_mutex_unlock(&hk->mu);
  if (left == 0) {
    pthread_mutex_destroy(&hk->mu);
    free(hk);
  }
}

/* Runs one hook call on the JavaScript thread. */
static void hook_run(napi_env env, hooks_t *hk, hook_call_t *c) {
  c->rc = -1;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn = NULL, undef, argv[3], result;
  size_t argc = 2;
  napi_get_undefined(env, &undef);
  napi_ref ref = c->kind == HOOK_RESOLVE ? hk->resolver : hk->sanitizer;
  if (ref != NULL && napi_get_reference_value(env, ref, &fn) == napi_ok && fn != NULL) {
    if (c->kind == HOOK_RESOLVE) {
      argv[0] = make_int(env, c->record_kind);
      argv[1] = c->a != NULL ? make_string(env, c->a, c->a_len) : undef;
      argv[2] = make_int(env, c->call_token);
      argc = 3;
    } else {
      argv[0] = make_string(env, c->a, c->a_len);
      argv[1] = make_string(env, c->b, c->b_len);
    }
    scratch_t outer = scratch_set_aside();
    napi_status called = argv[0] != NULL && argv[1] != NULL && (argc < 3 || argv[2] != NULL)
                             ? napi_call_function(env, undef, fn, argc, argv, &result)
                             : napi_invalid_arg;
    scratch_restore(outer);
    if (called == napi_ok) {
      napi_valuetype t = napi_undefined;
      napi_typeof(env, result, &t);
      if (c->kind == HOOK_RESOLVE) {
        int32_t m = -1;
        if (t == napi_number && napi_get_value_int32(env, result, &m) == napi_ok && m >= 0) {
          c->mode = (uint32_t)m;
          c->rc = 0;
        }
      } else if (t == napi_undefined) {
        c->rc = 0;
      } else if (t == napi_string) {
        size_t n = 0;
        if (napi_get_value_string_utf8(env, result, NULL, 0, &n) == napi_ok &&
            (c->replacement = (char *)malloc(n + 1)) != NULL &&
            napi_get_value_string_utf8(env, result, c->replacement, n + 1, &c->replacement_len) == napi_ok) {
          c->replace = 1;
          c->rc = 0;
        }
      }
    }
  }
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
    c->rc = -1;
  }
  napi_close_handle_scope(env, scope);
}

static void hook_call_js(napi_env env, napi_value fn, void *context, void *data) {
  (void)fn;
  hook_call_t *c = (hook_call_t *)data;
  if (env != NULL)
    hook_run(env, (hooks_t *)context, c);
  else
    c->rc = -1; /* torn down with the call pending */
  pthread_mutex_lock(&c->mu);
  c->done = 1;
  pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

static int hook_call(hooks_t *hk, hook_call_t *c) {
  if (pthread_equal(pthread_self(), hk->js_thread)) {
    hook_run(hk->env, hk, c);
    return c->rc;
  }
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->cv, NULL);
  c->done = 0;
  pthread_mutex_lock(&hk->mu);
  int queued = hk->alive && napi_call_threadsafe_function(hk->tsfn, c, napi_tsfn_blocking) == napi_ok;
  pthread_mutex_unlock(&hk->mu);
  if (queued) {
    pthread_mutex_lock(&c->mu);
    while (!c->done) pthread_cond_wait(&c->cv, &c->mu);
    pthread_mutex_unlock(&c->mu);
  }
  pthread_cond_destroy(&c->cv);
  pthread_mutex_destroy(&c->mu);
  return queued ? c->rc : -1;
}

int engine_resolver(void *user_data, uint32_t record_kind, const char *metadata_json, size_t len, uint32_t *mode) {
  hook_call_t c;
  memset(&c, 0, sizeof c);
  c.kind = HOOK_RESOLVE;
  c.record_kind = record_kind;
  c.call_token = t_call_token;
  c.a = metadata_json;
  c.a_len = len;
  if (hook_call((hooks_t *)user_data, &c) != 0) return -1;
  *mode = c.mode;
  return 0;
}

int engine_sanitizer(void *user_data, const char *path, size_t path_len, const char *value, size_t value_len,
                     sigil_sanitized_t *out) {
  hook_call_t c;
  memset(&c, 0, sizeof c);
  c.kind = HOOK_SANITIZE;
  c.a = path;
  c.a_len = path_len;
  c.b = value;
  c.b_len = value_len;
  int rc = hook_call((hooks_t *)user_data, &c);
  if (rc == 0 && c.replace && sigil_sanitized_set(out, c.replacement, c.replacement_len) != SIGIL_OK) rc = -1;
  free(c.replacement);
  return rc;
}

static void hooks_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  hooks_t *hk = (hooks_t *)data;
  pthread_mutex_lock(&hk->mu);
  hk->alive = 0;
  pthread_mutex_unlock(&hk->mu);
  if (hk->resolver != NULL) napi_delete_reference(env, hk->resolver);
  if (hk->sanitizer != NULL) napi_delete_reference(env, hk->sanitizer);
  hk->resolver = hk->sanitizer = NULL;
  hooks_unref(hk);
}

/* Hooks for the given functions (either may be missing), or NULL for none;
 * *failed is set when they could not be created. */
hooks_t *hooks_new(napi_env env, napi_value resolver, napi_value sanitizer, int *failed) {
  napi_valuetype rt = napi_undefined, st = napi_undefined;
  napi_typeof(env, resolver, &rt);
  napi_typeof(env, sanitizer, &st);
  *failed = 0;
  if (rt != napi_function && st != napi_function) return NULL;
  hooks_t *hk = (hooks_t *)calloc(1, sizeof *hk);
  if (hk == NULL) {
    *failed = 1;
    return NULL;
  }
  pthread_mutex_init(&hk->mu, NULL);
  hk->env = env;
  hk->js_thread = pthread_self();
  hk->refs = 2;
  if ((rt == napi_function && napi_create_reference(env, resolver, 1, &hk->resolver) != napi_ok) ||
      (st == napi_function && napi_create_reference(env, sanitizer, 1, &hk->sanitizer) != napi_ok) ||
      napi_create_threadsafe_function(env, NULL, NULL, make_cstring(env, "sigil-sdk hooks"), 0, 1, hk, hooks_finalize,
                                      hk, hook_call_js, &hk->tsfn) != napi_ok) {
    if (hk->resolver != NULL) napi_delete_reference(env, hk->resolver);
    if (hk->sanitizer != NULL) napi_delete_reference(env, hk->sanitizer);
    pthread_mutex_destroy(&hk->mu);
    free(hk);
    *failed = 1;
    return NULL;
  }
  hk->alive = 1;
  napi_unref_threadsafe_function(env, hk->tsfn); /* never keeps the process alive */
  return hk;
}

/* After the engine client is freed (no more calls): lets go of the hooks. */
void hooks_release(hooks_t *hk) {
  if (hk == NULL) return;
  pthread_mutex_lock(&hk->mu);
  if (hk->alive) napi_release_threadsafe_function(hk->tsfn, napi_tsfn_release);
  pthread_mutex_unlock(&hk->mu);
  hooks_unref(hk);
}
