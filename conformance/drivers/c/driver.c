/*
 * The C conformance driver: speaks the line protocol of conformance/README.md
 * on stdin/stdout and performs every operation through the public C ABI
 * (include/sigil/sigil.h) only. One JSON request per line in, one JSON reply
 * per line out; diagnostics go to stderr.
 *
 * Context values arrive in the request's "context" object; C has no ambient
 * context mechanism, so they go into the start structs' context_* fields and
 * parent_traceparent, which is exactly what the header asks of C callers and
 * bindings. The SDK name is left at its default ("sdk-c").
 */
#define _POSIX_C_SOURCE 200809L /* getline */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sigil/sigil.h>

#define PROTOCOL_VERSION 1
#define DEFAULT_TIMEOUT_MS 5000u

/* ---------------------------------------------------------------------------
 * Replies
 * ------------------------------------------------------------------------ */

/* Canonical, language-neutral error names (conformance/README.md). */
static const char *error_name(sigil_status_t status) {
  switch (status) {
    case SIGIL_OK:
      return NULL;
    case SIGIL_E_INVALID_ARGUMENT:
      return "InvalidArgument";
    case SIGIL_E_VALIDATION:
      return "ValidationFailed";
    case SIGIL_E_QUEUE_FULL:
      return "QueueFull";
    case SIGIL_E_PAYLOAD_TOO_LARGE:
      return "PayloadTooLarge";
    case SIGIL_E_SHUTDOWN:
      return "ClientShutdown";
    case SIGIL_E_INVALID_UTF8:
      return "InvalidUTF8";
    case SIGIL_E_INVALID_JSON:
      return "InvalidJSON";
    case SIGIL_E_CONFIG:
      return "InvalidConfig";
    case SIGIL_E_TIMEOUT:
      return "Timeout";
    case SIGIL_E_TRANSPORT:
      return "TransportError";
    case SIGIL_E_ALREADY_ENDED:
      return "AlreadyEnded";
    case SIGIL_E_NO_MEMORY:
      return "OutOfMemory";
    case SIGIL_E_INTERNAL:
      return "InternalError";
    case SIGIL_E_BYTE_BUDGET:
      return "ByteBudgetExceeded";
    case SIGIL_E_REJECTED:
      return "Rejected";
    case SIGIL_E_RATING_VALIDATION:
      return "RatingValidationFailed";
    case SIGIL_E_RATING_CONFLICT:
      return "RatingConflict";
    case SIGIL_E_UNSUPPORTED:
      return "Unsupported";
    default:
      return "InternalError";
  }
}

static cJSON *reply_new(void) {
  cJSON *r = cJSON_CreateObject();
  cJSON_AddBoolToObject(r, "ok", 1);
  cJSON_AddNullToObject(r, "error");
  cJSON_AddNullToObject(r, "message");
  return r;
}

/* Records the SDK's answer: error name plus message (from `err` when given). */
static void reply_status(cJSON *r, sigil_status_t status, sigil_error_t *err) {
  const char *name = error_name(status);
  if (name != NULL) {
    cJSON_ReplaceItemInObject(r, "error", cJSON_CreateString(name));
    const char *msg = err != NULL ? sigil_error_message(err) : sigil_status_name(status);
    cJSON_ReplaceItemInObject(r, "message", cJSON_CreateString(msg));
  }
  sigil_error_free(err);
}

static void write_reply(cJSON *r) {
  char *text = cJSON_PrintUnformatted(r);
  if (text == NULL) {
    fputs("{\"ok\":false,\"error\":null,\"message\":\"driver could not print its reply\"}\n", stdout);
  } else {
    fputs(text, stdout);
    fputc('\n', stdout);
    cJSON_free(text);
  }
  fflush(stdout);
  cJSON_Delete(r);
}

/* A request the driver could not carry out (not an SDK error). */
static void write_protocol_error(const char *message, int unsupported) {
  cJSON *r = cJSON_CreateObject();
  cJSON_AddBoolToObject(r, "ok", 0);
  cJSON_AddNullToObject(r, "error");
  cJSON_AddStringToObject(r, "message", message);
  if (unsupported) cJSON_AddBoolToObject(r, "unsupported", 1);
  write_reply(r);
}

/* ---------------------------------------------------------------------------
 * Request helpers. A failed check stores its message in `bad` and every later
 * check becomes a no-op, so an op validates its whole request before calling
 * the SDK.
 * ------------------------------------------------------------------------ */

typedef struct {
  char message[512];
  int failed;
} bad_t;

static void fail(bad_t *bad, const char *fmt, const char *arg) {
  if (bad->failed) return;
  bad->failed = 1;
  snprintf(bad->message, sizeof bad->message, fmt, arg);
}

/* Every key of `obj` must be in `allowed` (NULL-terminated): a typo in a
 * scenario fails loudly instead of being ignored. */
static void only_keys(bad_t *bad, const cJSON *obj, const char *what, const char *const *allowed) {
  if (obj == NULL || bad->failed) return;
  if (!cJSON_IsObject(obj)) {
    fail(bad, "%s must be an object", what);
    return;
  }
  for (const cJSON *it = obj->child; it != NULL; it = it->next) {
    int known = 0;
    for (const char *const *a = allowed; *a != NULL; ++a) {
      if (strcmp(*a, it->string) == 0) known = 1;
    }
    if (!known) {
      char msg[256];
      snprintf(msg, sizeof msg, "%s: unknown key \"%s\"", what, it->string);
      fail(bad, "%s", msg);
    }
  }
}

static const cJSON *field(const cJSON *obj, const char *key) {
  return obj == NULL ? NULL : cJSON_GetObjectItemCaseSensitive(obj, key);
}

static int present(const cJSON *obj, const char *key) {
  const cJSON *v = field(obj, key);
  return v != NULL && !cJSON_IsNull(v);
}

/* A string field, or NULL when absent or null. */
static const char *str(bad_t *bad, const cJSON *obj, const char *key) {
  const cJSON *v = field(obj, key);
  if (v == NULL || cJSON_IsNull(v)) return NULL;
  if (!cJSON_IsString(v)) {
    fail(bad, "\"%s\" must be a string", key);
    return NULL;
  }
  return v->valuestring;
}

/* An integer given as a JSON number or a decimal string (int64 as protojson). */
static int64_t int_value(bad_t *bad, const cJSON *obj, const char *key, int64_t fallback) {
  const cJSON *v = field(obj, key);
  if (v == NULL || cJSON_IsNull(v)) return fallback;
  if (cJSON_IsNumber(v)) return (int64_t)v->valuedouble;
  if (cJSON_IsString(v)) {
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v->valuestring, &end, 10);
    if (errno == 0 && end != v->valuestring && *end == '\0') return (int64_t)n;
  }
  fail(bad, "\"%s\" must be an integer", key);
  return fallback;
}

static double double_value(bad_t *bad, const cJSON *obj, const char *key) {
  const cJSON *v = field(obj, key);
  if (!cJSON_IsNumber(v)) {
    fail(bad, "\"%s\" must be a number", key);
    return 0.0;
  }
  return v->valuedouble;
}

static int bool_value(bad_t *bad, const cJSON *obj, const char *key) {
  const cJSON *v = field(obj, key);
  if (v == NULL || cJSON_IsNull(v)) return 0;
  if (!cJSON_IsBool(v)) {
    fail(bad, "\"%s\" must be a boolean", key);
    return 0;
  }
  return cJSON_IsTrue(v);
}

/* ---------------------------------------------------------------------------
 * Times. A C program holds a time as seconds (time_t, struct timespec), which
 * reach far beyond what the ABI's int64 Unix nanoseconds can hold (1677 to
 * 2262); converting is the caller's job, and the rule every binding applies
 * is the nearest end of the range: +-(2^63 - 1) (docs/abi-json.md, "Binding
 * rules"). The driver does what such a program does with the RFC 3339 times
 * of a result: parse, then convert with unix_ns_saturating.
 * ------------------------------------------------------------------------ */

static int64_t unix_ns_saturating(int64_t secs, int64_t nanos) {
  const int64_t max_s = INT64_MAX / 1000000000, max_n = INT64_MAX % 1000000000; /* 9223372036 s 854775807 ns */
  if (secs > max_s || (secs == max_s && nanos > max_n)) return INT64_MAX;
  if (secs < -max_s - 1 || (secs == -max_s - 1 && nanos < 1000000000 - max_n)) return -INT64_MAX;
  return secs < 0 ? (secs + 1) * 1000000000 + (nanos - 1000000000) : secs * 1000000000 + nanos;
}

static int digits(const char *s, int n, int64_t *out) {
  int64_t v = 0;
  for (int i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return 0;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 1;
}

/* "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" -> Unix seconds and nanoseconds. */
static int parse_rfc3339(const char *s, int64_t *secs, int64_t *nanos) {
  int64_t y, mo, d, h, mi, sec, oh = 0, om = 0;
  if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' ||
      !digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) || !digits(s + 11, 2, &h) ||
      !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &sec) || mo < 1 || mo > 12 || d < 1 || d > 31) {
    return 0;
  }
  const char *p = s + 19;
  int64_t frac = 0, scale = 1000000000;
  if (*p == '.') {
    for (++p; *p >= '0' && *p <= '9'; ++p) {
      if (scale > 1) frac = frac * 10 + (*p - '0'), scale /= 10;
    }
    frac *= scale;
  }
  int sign = 0;
  if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
    sign = 0;
  } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' && digits(p + 1, 2, &oh) &&
             digits(p + 4, 2, &om)) {
    sign = *p == '+' ? 1 : -1;
  } else {
    return 0;
  }
  /* days from the civil date (proleptic Gregorian) */
  int64_t yy = mo <= 2 ? y - 1 : y, m = mo <= 2 ? mo + 9 : mo - 3;
  int64_t era = (yy >= 0 ? yy : yy - 399) / 400, yoe = yy - era * 400;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + (153 * m + 2) / 5 + d - 1;
  *secs = (era * 146097 + doe - 719468) * 86400 + h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
  *nanos = frac;
  return 1;
}

/* The result's RFC 3339 started_at / completed_at as int64 Unix nanoseconds (JSON integers). */
static void result_times_to_ns(bad_t *bad, cJSON *result) {
  static const char *const keys[] = {"started_at", "completed_at"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; ++i) {
    const cJSON *v = field(result, keys[i]);
    if (!cJSON_IsString(v)) continue; /* absent, or already nanoseconds */
    int64_t secs, nanos;
    if (!parse_rfc3339(v->valuestring, &secs, &nanos)) {
      fail(bad, "result.%s must be RFC 3339 or Unix nanoseconds", keys[i]);
      return;
    }
    char ns[24];
    snprintf(ns, sizeof ns, "%lld", (long long)unix_ns_saturating(secs, nanos));
    cJSON_ReplaceItemInObjectCaseSensitive(result, keys[i], cJSON_CreateRaw(ns));
  }
}

/* Compact JSON text of a field (caller frees with cJSON_free), or NULL. */
static char *json_text(const cJSON *obj, const char *key) {
  const cJSON *v = field(obj, key);
  if (v == NULL || cJSON_IsNull(v)) return NULL;
  return cJSON_PrintUnformatted(v);
}

/* A tool argument/result: a JSON string is passed as its text, any other JSON
 * value as its compact JSON text (caller frees with cJSON_free). */
static char *tool_payload(const cJSON *obj, const char *key) {
  const cJSON *v = field(obj, key);
  if (v == NULL || cJSON_IsNull(v)) return NULL;
  if (cJSON_IsString(v)) {
    size_t n = strlen(v->valuestring);
    char *copy = (char *)cJSON_malloc(n + 1);
    if (copy != NULL) memcpy(copy, v->valuestring, n + 1);
    return copy;
  }
  return cJSON_PrintUnformatted(v);
}

/* ---------------------------------------------------------------------------
 * Raw bytes: {"$bytes": "<base64>"} anywhere in a request stands for a string
 * holding exactly those bytes (how the protocol carries invalid UTF-8).
 * ------------------------------------------------------------------------ */

static int b64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* Decodes base64 into a NUL-terminated buffer (malloc'ed); NULL when the
 * input is malformed or decodes to a NUL byte (C strings cannot hold one). */
static char *b64_decode(const char *in) {
  size_t n = strlen(in);
  char *out = (char *)malloc(n / 4 * 3 + 4);
  if (out == NULL) return NULL;
  size_t o = 0;
  unsigned acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    if (in[i] == '=') break;
    int v = b64_value((unsigned char)in[i]);
    if (v < 0) {
      free(out);
      return NULL;
    }
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o] = (char)((acc >> bits) & 0xFF);
      if (out[o] == '\0') {
        free(out);
        return NULL;
      }
      ++o;
    }
  }
  out[o] = '\0';
  return out;
}

static int is_bytes_marker(const cJSON *v) {
  return cJSON_IsObject(v) && v->child != NULL && v->child->next == NULL && v->child->string != NULL &&
         strcmp(v->child->string, "$bytes") == 0;
}

/* Replaces every {"$bytes": ...} in the tree; returns 0 on a malformed marker. */
static int expand_bytes(cJSON *node) {
  for (cJSON *child = node->child; child != NULL; child = child->next) {
    if (is_bytes_marker(child)) {
      if (!cJSON_IsString(child->child)) return 0;
      char *raw = b64_decode(child->child->valuestring);
      if (raw == NULL) return 0;
      /* cJSON copies strings with strlen and checks no encoding, so the raw
       * bytes survive as they are. */
      cJSON *s = cJSON_CreateString(raw);
      free(raw);
      if (child->string != NULL) { /* an object member keeps its key */
        s->string = (char *)cJSON_malloc(strlen(child->string) + 1);
        memcpy(s->string, child->string, strlen(child->string) + 1);
      }
      cJSON_ReplaceItemViaPointer(node, child, s);
      child = s;
    } else if (cJSON_IsObject(child) || cJSON_IsArray(child)) {
      if (!expand_bytes(child)) return 0;
    }
  }
  return 1;
}

/* ---------------------------------------------------------------------------
 * Handles: recorder names chosen by the runner, alive until the driver exits
 * (so a recorder can still be asked for its traceparent or ended twice).
 * ------------------------------------------------------------------------ */

typedef enum { KIND_GENERATION, KIND_TOOL, KIND_EMBEDDING, KIND_SPAN } kind_t;

typedef struct {
  char *name;
  kind_t kind;
  void *ptr;
} handle_t;

static sigil_client_t *g_client;
static handle_t *g_handles;
static size_t g_handles_len, g_handles_cap;

static handle_t *find_handle(const char *name) {
  for (size_t i = 0; i < g_handles_len; ++i) {
    if (strcmp(g_handles[i].name, name) == 0) return &g_handles[i];
  }
  return NULL;
}

static void add_handle(const char *name, kind_t kind, void *ptr) {
  if (g_handles_len == g_handles_cap) {
    g_handles_cap = g_handles_cap ? g_handles_cap * 2 : 16;
    g_handles = (handle_t *)realloc(g_handles, g_handles_cap * sizeof *g_handles);
    if (g_handles == NULL) abort();
  }
  size_t n = strlen(name) + 1;
  char *copy = (char *)malloc(n);
  if (copy == NULL) abort();
  memcpy(copy, name, n);
  g_handles[g_handles_len].name = copy;
  g_handles[g_handles_len].kind = kind;
  g_handles[g_handles_len].ptr = ptr;
  g_handles_len++;
}

static void free_all(void) {
  for (size_t i = 0; i < g_handles_len; ++i) {
    switch (g_handles[i].kind) {
      case KIND_GENERATION:
        sigil_generation_free((sigil_generation_t *)g_handles[i].ptr);
        break;
      case KIND_TOOL:
        sigil_tool_execution_free((sigil_tool_execution_t *)g_handles[i].ptr);
        break;
      case KIND_EMBEDDING:
        sigil_embedding_free((sigil_embedding_t *)g_handles[i].ptr);
        break;
      case KIND_SPAN:
        sigil_span_free((sigil_span_recorder_t *)g_handles[i].ptr);
        break;
    }
    free(g_handles[i].name);
  }
  free(g_handles);
  g_handles = NULL;
  g_handles_len = g_handles_cap = 0;
  sigil_client_free(g_client);
  g_client = NULL;
}

/* The recorder a request names, checked against the op's kind. */
static void *recorder(bad_t *bad, const cJSON *req, kind_t kind) {
  const char *name = str(bad, req, "handle");
  if (bad->failed) return NULL;
  if (name == NULL) {
    fail(bad, "%s", "\"handle\" is required");
    return NULL;
  }
  handle_t *h = find_handle(name);
  if (h == NULL) {
    fail(bad, "unknown handle \"%s\"", name);
    return NULL;
  }
  if (h->kind != kind) {
    fail(bad, "handle \"%s\" is a different kind of recorder", name);
    return NULL;
  }
  return h->ptr;
}

static const char *new_handle_name(bad_t *bad, const cJSON *req) {
  const char *name = str(bad, req, "handle");
  if (!bad->failed && name == NULL) fail(bad, "%s", "\"handle\" is required");
  if (!bad->failed && find_handle(name) != NULL) fail(bad, "handle \"%s\" already exists", name);
  return name;
}

static int need_client(bad_t *bad) {
  if (g_client == NULL) fail(bad, "%s", "no client: send client.new first");
  return g_client != NULL;
}

/* The context's "parent_span": a span handle whose traceparent (and
 * tracestate, when `tracestate` is given) the start passes on, as a binding
 * passes the span current in its context. 0 when the context names none. */
static int parent_span(bad_t *bad, const cJSON *context, char *tp, size_t tp_len, const char **tracestate) {
  const char *name = str(bad, context, "parent_span");
  if (bad->failed || name == NULL) return 0;
  handle_t *h = find_handle(name);
  if (h == NULL || h->kind != KIND_SPAN) {
    fail(bad, "context.parent_span \"%s\" is not a span handle", name);
    return 0;
  }
  if (sigil_span_traceparent((const sigil_span_recorder_t *)h->ptr, tp, tp_len) != SIGIL_OK) return 0;
  size_t n = 0;
  if (tracestate != NULL && sigil_span_tracestate((const sigil_span_recorder_t *)h->ptr, tracestate, &n) == SIGIL_OK &&
      n == 0) {
    *tracestate = NULL;
  }
  return 1;
}

/* ---------------------------------------------------------------------------
 * client.*
 * ------------------------------------------------------------------------ */

static const char *const kConfigKeys[] = {
    "protocol", "endpoint", "api_endpoint", "otlp_endpoint",     "headers",    "agent_name",  "agent_version",
    "user_id",  "tags",     "batch_size",   "flush_interval_ms", "queue_size", "max_retries", "payload_max_bytes",
    NULL};

static sigil_status_t set_pairs(bad_t *bad, sigil_options_t *o, const cJSON *obj, const char *what,
                                sigil_status_t (*set)(sigil_options_t *, const char *, const char *)) {
  if (obj == NULL || cJSON_IsNull(obj)) return SIGIL_OK;
  if (!cJSON_IsObject(obj)) {
    fail(bad, "%s must be an object of strings", what);
    return SIGIL_OK;
  }
  for (const cJSON *it = obj->child; it != NULL; it = it->next) {
    if (!cJSON_IsString(it)) {
      fail(bad, "%s values must be strings", what);
      return SIGIL_OK;
    }
    sigil_status_t st = set(o, it->string, it->valuestring);
    if (st != SIGIL_OK) return st;
  }
  return SIGIL_OK;
}

static void op_client_new(bad_t *bad, const cJSON *req, cJSON *r) {
  if (g_client != NULL) {
    fail(bad, "%s", "client.new: the driver already has a client");
    return;
  }
  const cJSON *cfg = field(req, "config");
  sigil_options_t *o = NULL;
  sigil_status_t st = SIGIL_OK;
  if (cfg != NULL && !cJSON_IsNull(cfg)) {
    only_keys(bad, cfg, "config", kConfigKeys);
    if (bad->failed) return;
    sigil_options_new(&o);
    const char *protocol = str(bad, cfg, "protocol");
    if (protocol != NULL) {
      if (strcmp(protocol, "grpc") == 0)
        st = sigil_options_set_protocol(o, SIGIL_PROTOCOL_GRPC);
      else if (strcmp(protocol, "http") == 0)
        st = sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
      else if (strcmp(protocol, "none") == 0)
        st = sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
      else
        fail(bad, "unknown protocol \"%s\"", protocol);
    }
#define SET_STR(key, setter) \
  if (st == SIGIL_OK && str(bad, cfg, key) != NULL) st = setter(o, str(bad, cfg, key))
#define SET_U32(key, setter) \
  if (st == SIGIL_OK && present(cfg, key)) st = setter(o, (uint32_t)int_value(bad, cfg, key, 0))
    SET_STR("endpoint", sigil_options_set_endpoint);
    SET_STR("api_endpoint", sigil_options_set_api_endpoint);
    SET_STR("otlp_endpoint", sigil_options_set_otlp_endpoint);
    SET_STR("agent_name", sigil_options_set_agent_name);
    SET_STR("agent_version", sigil_options_set_agent_version);
    SET_STR("user_id", sigil_options_set_user_id);
    SET_U32("batch_size", sigil_options_set_batch_size);
    SET_U32("flush_interval_ms", sigil_options_set_flush_interval_ms);
    SET_U32("queue_size", sigil_options_set_queue_size);
#undef SET_STR
#undef SET_U32
    if (st == SIGIL_OK && present(cfg, "max_retries")) {
      int64_t n = int_value(bad, cfg, "max_retries", 0);
      st = n == 0 ? sigil_options_set_no_retries(o) : sigil_options_set_max_retries(o, (uint32_t)n);
    }
    if (st == SIGIL_OK && present(cfg, "payload_max_bytes")) {
      st = sigil_options_set_payload_max_bytes(o, (uint64_t)int_value(bad, cfg, "payload_max_bytes", 0));
    }
    if (st == SIGIL_OK) st = set_pairs(bad, o, field(cfg, "headers"), "config.headers", sigil_options_set_header);
    if (st == SIGIL_OK) st = set_pairs(bad, o, field(cfg, "tags"), "config.tags", sigil_options_set_tag);
  }
  if (bad->failed) {
    sigil_options_free(o);
    return;
  }
  sigil_error_t *err = NULL;
  if (st == SIGIL_OK) st = sigil_client_new(o, &g_client, &err); /* o == NULL: environment only */
  sigil_options_free(o);
  reply_status(r, st, err);
}

static uint32_t timeout_ms(bad_t *bad, const cJSON *req) {
  return (uint32_t)int_value(bad, req, "timeout_ms", DEFAULT_TIMEOUT_MS);
}

static void op_client_flush(bad_t *bad, const cJSON *req, cJSON *r) {
  uint32_t t = timeout_ms(bad, req);
  if (!need_client(bad) || bad->failed) return;
  sigil_error_t *err = NULL;
  sigil_status_t st = sigil_client_flush(g_client, t, &err);
  reply_status(r, st, err);
}

static void op_client_shutdown(bad_t *bad, const cJSON *req, cJSON *r) {
  uint32_t t = timeout_ms(bad, req);
  if (!need_client(bad) || bad->failed) return;
  sigil_error_t *err = NULL;
  sigil_status_t st = sigil_client_shutdown(g_client, t, &err);
  reply_status(r, st, err);
}

static void op_client_stats(bad_t *bad, const cJSON *req, cJSON *r) {
  (void)req;
  if (!need_client(bad)) return;
  sigil_stats_t s = SIGIL_STATS_INIT;
  sigil_status_t st = sigil_client_stats(g_client, &s);
  reply_status(r, st, NULL);
  cJSON *o = cJSON_AddObjectToObject(r, "stats");
#define STAT(name) cJSON_AddNumberToObject(o, #name, (double)s.name)
  STAT(generations_enqueued);
  STAT(generations_exported);
  STAT(generations_rejected);
  STAT(dropped_queue_full);
  STAT(dropped_byte_budget);
  STAT(dropped_payload_too_large);
  STAT(dropped_retry_exhausted);
  STAT(dropped_shutdown_timeout);
  STAT(validation_failures);
  STAT(export_attempts);
  STAT(export_retries);
  STAT(queue_items);
  STAT(queue_bytes);
#undef STAT
}

/* ---------------------------------------------------------------------------
 * generation.*
 * ------------------------------------------------------------------------ */

static const char *const kGenerationStartKeys[] = {"id",
                                                   "conversation_id",
                                                   "conversation_title",
                                                   "user_id",
                                                   "agent_name",
                                                   "agent_version",
                                                   "operation_name",
                                                   "model",
                                                   "system_prompt",
                                                   "max_tokens",
                                                   "temperature",
                                                   "top_p",
                                                   "tool_choice",
                                                   "thinking_enabled",
                                                   "tools",
                                                   "tags",
                                                   "metadata",
                                                   "content_capture",
                                                   NULL};
static const char *const kGenerationContextKeys[] = {"parent_span", "conversation_id", "conversation_title", "user_id",
                                                     "agent_name",  "agent_version",   "parent_traceparent", NULL};
static const char *const kModelKeys[] = {"provider", "name", NULL};

/* The start's optional "content_capture" mode name (protocol addition). */
static uint32_t content_capture_value(bad_t *bad, const cJSON *start) {
  const char *name = str(bad, start, "content_capture");
  if (name == NULL || strcmp(name, "default") == 0) return SIGIL_CONTENT_CAPTURE_DEFAULT;
  for (uint32_t m = SIGIL_CONTENT_CAPTURE_FULL; m <= SIGIL_CONTENT_CAPTURE_FULL_WITH_METADATA_SPANS; ++m) {
    if (strcmp(name, sigil_content_capture_mode_name(m)) == 0) return m;
  }
  fail(bad, "unknown content_capture \"%s\"", name);
  return SIGIL_CONTENT_CAPTURE_DEFAULT;
}

static void op_generation_start(bad_t *bad, const cJSON *req, cJSON *r) {
  const char *name = new_handle_name(bad, req);
  const char *mode = str(bad, req, "mode");
  const cJSON *s = field(req, "start");
  const cJSON *c = field(req, "context");
  const cJSON *model = field(s, "model");
  only_keys(bad, s, "start", kGenerationStartKeys);
  only_keys(bad, c, "context", kGenerationContextKeys);
  only_keys(bad, model, "start.model", kModelKeys);
  int streaming = mode != NULL && strcmp(mode, "stream") == 0;
  if (mode != NULL && !streaming && strcmp(mode, "sync") != 0) fail(bad, "unknown mode \"%s\"", mode);
  if (!need_client(bad)) return;

  sigil_generation_start_t gs = SIGIL_GENERATION_START_INIT;
  gs.id = str(bad, s, "id");
  gs.conversation_id = str(bad, s, "conversation_id");
  gs.conversation_title = str(bad, s, "conversation_title");
  gs.user_id = str(bad, s, "user_id");
  gs.agent_name = str(bad, s, "agent_name");
  gs.agent_version = str(bad, s, "agent_version");
  gs.operation_name = str(bad, s, "operation_name");
  gs.model_provider = str(bad, model, "provider");
  gs.model_name = str(bad, model, "name");
  gs.system_prompt = str(bad, s, "system_prompt");
  gs.tool_choice = str(bad, s, "tool_choice");
  if ((gs.has_max_tokens = present(s, "max_tokens"))) gs.max_tokens = int_value(bad, s, "max_tokens", 0);
  if ((gs.has_temperature = present(s, "temperature"))) gs.temperature = double_value(bad, s, "temperature");
  if ((gs.has_top_p = present(s, "top_p"))) gs.top_p = double_value(bad, s, "top_p");
  if ((gs.has_thinking_enabled = present(s, "thinking_enabled"))) {
    gs.thinking_enabled = bool_value(bad, s, "thinking_enabled");
  }
  gs.context_conversation_id = str(bad, c, "conversation_id");
  gs.context_conversation_title = str(bad, c, "conversation_title");
  gs.context_user_id = str(bad, c, "user_id");
  gs.context_agent_name = str(bad, c, "agent_name");
  gs.context_agent_version = str(bad, c, "agent_version");
  gs.parent_traceparent = str(bad, c, "parent_traceparent");
  char parent_tp[64];
  if (parent_span(bad, c, parent_tp, sizeof parent_tp, NULL)) {
    gs.parent_traceparent = parent_tp;
    gs.parent_is_local = 1;
  }
  gs.content_capture = content_capture_value(bad, s);
  if (bad->failed) return;
  char *tools = json_text(s, "tools");
  char *tags = json_text(s, "tags");
  char *metadata = json_text(s, "metadata");
  gs.tools_json = tools;
  gs.tools_json_len = tools ? strlen(tools) : 0;
  gs.tags_json = tags;
  gs.tags_json_len = tags ? strlen(tags) : 0;
  gs.metadata_json = metadata;
  gs.metadata_json_len = metadata ? strlen(metadata) : 0;

  sigil_generation_t *g = NULL;
  sigil_status_t st =
      streaming ? sigil_generation_start_streaming(g_client, &gs, &g) : sigil_generation_start(g_client, &gs, &g);
  cJSON_free(tools);
  cJSON_free(tags);
  cJSON_free(metadata);
  if (g != NULL) add_handle(name, KIND_GENERATION, g);
  reply_status(r, st, NULL);
}

static void op_generation_set_result(bad_t *bad, const cJSON *req, cJSON *r) {
  sigil_generation_t *g = (sigil_generation_t *)recorder(bad, req, KIND_GENERATION);
  if (!bad->failed && !cJSON_IsObject(field(req, "result"))) fail(bad, "%s", "\"result\" must be an object");
  if (bad->failed) return;
  cJSON *result = cJSON_Duplicate(field(req, "result"), 1);
  result_times_to_ns(bad, result);
  char *json = bad->failed ? NULL : cJSON_PrintUnformatted(result);
  cJSON_Delete(result);
  if (bad->failed) return;
  sigil_status_t st = sigil_generation_set_result_json(g, json, strlen(json));
  cJSON_free(json);
  reply_status(r, st, NULL);
}

static void op_generation_set_call_error(bad_t *bad, const cJSON *req, cJSON *r) {
  sigil_generation_t *g = (sigil_generation_t *)recorder(bad, req, KIND_GENERATION);
  const char *message = str(bad, req, "message");
  int32_t http_status = (int32_t)int_value(bad, req, "http_status", 0);
  if (bad->failed) return;
  if (message == NULL) message = "";
  reply_status(r, sigil_generation_set_call_error(g, message, strlen(message), http_status), NULL);
}

static void op_generation_set_first_token_at(bad_t *bad, const cJSON *req, cJSON *r) {
  sigil_generation_t *g = (sigil_generation_t *)recorder(bad, req, KIND_GENERATION);
  int64_t at = int_value(bad, req, "unix_ns", 0);
  if (bad->failed) return;
  reply_status(r, sigil_generation_set_first_token_at(g, at), NULL);
}

static void op_generation_end(bad_t *bad, const cJSON *req, cJSON *r) {
  sigil_generation_t *g = (sigil_generation_t *)recorder(bad, req, KIND_GENERATION);
  if (bad->failed) return;
  sigil_error_t *err = NULL;
  sigil_status_t st = sigil_generation_end(g, &err);
  reply_status(r, st, err);
}

/* ---------------------------------------------------------------------------
 * Provider JSON (generation.set_provider_*, generation.add_provider_events,
 * embedding.set_provider_result). A body given as a JSON string is the
 * provider's JSON text, passed byte for byte (the runner expands fixtures to
 * such strings); any other JSON value is passed as its compact text.
 * ------------------------------------------------------------------------ */

/* The provider JSON text of `v` (caller frees with cJSON_free), or NULL. */
static char *provider_body(bad_t *bad, const cJSON *v, const char *key) {
  if (v == NULL || cJSON_IsNull(v)) {
    fail(bad, "\"%s\" is required", key);
    return NULL;
  }
  if (cJSON_IsString(v)) {
    size_t n = strlen(v->valuestring);
    char *copy = (char *)cJSON_malloc(n + 1);
    if (copy != NULL) memcpy(copy, v->valuestring, n + 1);
    return copy;
  }
  return cJSON_PrintUnformatted(v);
}

static uint32_t provider_flags(bad_t *bad, const cJSON *req) {
  return bool_value(bad, req, "raw_artifacts") ? SIGIL_PROVIDER_RAW_ARTIFACTS : 0u;
}

typedef sigil_status_t (*provider_fn)(sigil_generation_t *, const char *, const char *, size_t, uint32_t);

static void provider_body_op(bad_t *bad, const cJSON *req, cJSON *r, provider_fn fn) {
  sigil_generation_t *g = (sigil_generation_t *)recorder(bad, req, KIND_GENERATION);
  const char *api = str(bad, req, "api");
  uint32_t flags = provider_flags(bad, req);
  if (!bad->failed && api == NULL) fail(bad, "%s", "\"api\" is required");
  char *body = bad->failed ? NULL : provider_body(bad, field(req, "body"), "body");
  if (bad->failed) return;
  reply_status(r, fn(g, api, body, strlen(body), flags), NULL);
  cJSON_free(body);
}

static void op_generation_set_provider_request(bad_t *bad, const cJSON *req, cJSON *r) {
  provider_body_op(bad, req, r, sigil_generation_set_provider_request);
}

static void op_generation_set_provider_response(bad_t *bad, const cJSON *req, cJSON *r) {
  provider_body_op(bad, req, r, sigil_generation_set_provider_response);
}

/* Every event in order; the reply carries the first event's error, if any. */
static void op_generation_add_provider_events(bad_t *bad, const cJSON *req, cJSON *r) {
  sigil_generation_t *g = (sigil_generation_t *)recorder(bad, req, KIND_GENERATION);
  const char *api = str(bad, req, "api");
  uint32_t flags = provider_flags(bad, req);
  const cJSON *events = field(req, "events");
  if (!bad->failed && api == NULL) fail(bad, "%s", "\"api\" is required");
  if (!bad->failed && !cJSON_IsArray(events)) fail(bad, "%s", "\"events\" must be an array");
  if (bad->failed) return;
  sigil_status_t first = SIGIL_OK;
  for (const cJSON *it = events->child; it != NULL; it = it->next) {
    char *body = provider_body(bad, it, "events[]");
    if (bad->failed) return;
    sigil_status_t st = sigil_generation_add_provider_event(g, api, body, strlen(body), flags);
    cJSON_free(body);
    if (first == SIGIL_OK) first = st;
  }
  reply_status(r, first, NULL);
}

static void op_generation_set_mapping_error(bad_t *bad, const cJSON *req, cJSON *r) {
  sigil_generation_t *g = (sigil_generation_t *)recorder(bad, req, KIND_GENERATION);
  const char *message = str(bad, req, "message");
  if (bad->failed) return;
  if (message == NULL) message = "";
  reply_status(r, sigil_generation_set_mapping_error(g, message, strlen(message)), NULL);
}

static void op_embedding_set_provider_result(bad_t *bad, const cJSON *req, cJSON *r) {
  sigil_embedding_t *e = (sigil_embedding_t *)recorder(bad, req, KIND_EMBEDDING);
  const char *api = str(bad, req, "api");
  if (!bad->failed && api == NULL) fail(bad, "%s", "\"api\" is required");
  char *request = present(req, "request") ? provider_body(bad, field(req, "request"), "request") : NULL;
  char *response = present(req, "response") ? provider_body(bad, field(req, "response"), "response") : NULL;
  if (!bad->failed) {
    reply_status(r,
                 sigil_embedding_set_provider_result(e, api, request, request ? strlen(request) : 0, response,
                                                     response ? strlen(response) : 0),
                 NULL);
  }
  cJSON_free(request);
  cJSON_free(response);
}

/* ---------------------------------------------------------------------------
 * tool_execution.*
 * ------------------------------------------------------------------------ */

static const char *const kToolStartKeys[] = {
    "tool_name",  "tool_call_id",  "tool_type",     "tool_description", "conversation_id", "conversation_title",
    "agent_name", "agent_version", "request_model", "request_provider", "include_content", "content_capture",
    NULL};
static const char *const kToolContextKeys[] = {
    "parent_span", "conversation_id", "conversation_title", "agent_name", "agent_version", "parent_traceparent", NULL};

static void op_tool_start(bad_t *bad, const cJSON *req, cJSON *r) {
  const char *name = new_handle_name(bad, req);
  const cJSON *s = field(req, "start");
  const cJSON *c = field(req, "context");
  only_keys(bad, s, "start", kToolStartKeys);
  only_keys(bad, c, "context", kToolContextKeys);
  if (!need_client(bad)) return;
  sigil_tool_execution_start_t ts = SIGIL_TOOL_EXECUTION_START_INIT;
  ts.tool_name = str(bad, s, "tool_name");
  ts.tool_call_id = str(bad, s, "tool_call_id");
  ts.tool_type = str(bad, s, "tool_type");
  ts.tool_description = str(bad, s, "tool_description");
  ts.conversation_id = str(bad, s, "conversation_id");
  ts.conversation_title = str(bad, s, "conversation_title");
  ts.agent_name = str(bad, s, "agent_name");
  ts.agent_version = str(bad, s, "agent_version");
  ts.request_model = str(bad, s, "request_model");
  ts.request_provider = str(bad, s, "request_provider");
  ts.include_content = bool_value(bad, s, "include_content");
  ts.context_conversation_id = str(bad, c, "conversation_id");
  ts.context_conversation_title = str(bad, c, "conversation_title");
  ts.context_agent_name = str(bad, c, "agent_name");
  ts.context_agent_version = str(bad, c, "agent_version");
  ts.parent_traceparent = str(bad, c, "parent_traceparent");
  char parent_tp[64];
  if (parent_span(bad, c, parent_tp, sizeof parent_tp, NULL)) {
    ts.parent_traceparent = parent_tp;
    ts.parent_is_local = 1;
  }
  ts.content_capture = content_capture_value(bad, s);
  if (bad->failed) return;
  sigil_tool_execution_t *t = NULL;
  sigil_status_t st = sigil_tool_execution_start(g_client, &ts, &t);
  if (t != NULL) add_handle(name, KIND_TOOL, t);
  reply_status(r, st, NULL);
}

static void op_tool_set_result(bad_t *bad, const cJSON *req, cJSON *r) {
  sigil_tool_execution_t *t = (sigil_tool_execution_t *)recorder(bad, req, KIND_TOOL);
  int64_t completed = int_value(bad, req, "completed_at_unix_ns", 0);
  if (bad->failed) return;
  char *args = tool_payload(req, "arguments");
  char *result = tool_payload(req, "result");
  sigil_status_t st =
      sigil_tool_execution_set_result(t, args, args ? strlen(args) : 0, result, result ? strlen(result) : 0, completed);
  cJSON_free(args);
  cJSON_free(result);
  reply_status(r, st, NULL);
}

static void op_tool_set_error(bad_t *bad, const cJSON *req, cJSON *r) {
  sigil_tool_execution_t *t = (sigil_tool_execution_t *)recorder(bad, req, KIND_TOOL);
  const char *message = str(bad, req, "message");
  int32_t http_status = (int32_t)int_value(bad, req, "http_status", 0);
  if (bad->failed) return;
  if (message == NULL) message = "";
  reply_status(r, sigil_tool_execution_set_error(t, message, strlen(message), http_status), NULL);
}

static void op_tool_end(bad_t *bad, const cJSON *req, cJSON *r) {
  sigil_tool_execution_t *t = (sigil_tool_execution_t *)recorder(bad, req, KIND_TOOL);
  if (bad->failed) return;
  sigil_error_t *err = NULL;
  sigil_status_t st = sigil_tool_execution_end(t, &err);
  reply_status(r, st, err);
}

/* ---------------------------------------------------------------------------
 * embedding.*
 * ------------------------------------------------------------------------ */

static const char *const kEmbeddingStartKeys[] = {
    "model", "agent_name", "agent_version", "dimensions", "encoding_format", "content_capture", NULL};
static const char *const kEmbeddingContextKeys[] = {"agent_name", "agent_version", "parent_traceparent", NULL};
static const char *const kEmbeddingResultKeys[] = {"input_count", "input_tokens", "response_model",
                                                   "dimensions",  "input_texts",  NULL};

static void op_embedding_start(bad_t *bad, const cJSON *req, cJSON *r) {
  const char *name = new_handle_name(bad, req);
  const cJSON *s = field(req, "start");
  const cJSON *c = field(req, "context");
  const cJSON *model = field(s, "model");
  only_keys(bad, s, "start", kEmbeddingStartKeys);
  only_keys(bad, c, "context", kEmbeddingContextKeys);
  only_keys(bad, model, "start.model", kModelKeys);
  if (!need_client(bad)) return;
  sigil_embedding_start_t es = SIGIL_EMBEDDING_START_INIT;
  es.model_provider = str(bad, model, "provider");
  es.model_name = str(bad, model, "name");
  es.agent_name = str(bad, s, "agent_name");
  es.agent_version = str(bad, s, "agent_version");
  if ((es.has_dimensions = present(s, "dimensions"))) es.dimensions = int_value(bad, s, "dimensions", 0);
  es.encoding_format = str(bad, s, "encoding_format");
  es.context_agent_name = str(bad, c, "agent_name");
  es.context_agent_version = str(bad, c, "agent_version");
  es.parent_traceparent = str(bad, c, "parent_traceparent");
  es.content_capture = content_capture_value(bad, s);
  if (bad->failed) return;
  sigil_embedding_t *e = NULL;
  sigil_status_t st = sigil_embedding_start(g_client, &es, &e);
  if (e != NULL) add_handle(name, KIND_EMBEDDING, e);
  reply_status(r, st, NULL);
}

static void op_embedding_set_result(bad_t *bad, const cJSON *req, cJSON *r) {
  sigil_embedding_t *e = (sigil_embedding_t *)recorder(bad, req, KIND_EMBEDDING);
  const cJSON *res = field(req, "result");
  only_keys(bad, res, "result", kEmbeddingResultKeys);
  sigil_embedding_result_t er = SIGIL_EMBEDDING_RESULT_INIT;
  er.input_count = int_value(bad, res, "input_count", 0);
  er.input_tokens = int_value(bad, res, "input_tokens", 0);
  er.response_model = str(bad, res, "response_model");
  if ((er.has_dimensions = present(res, "dimensions"))) er.dimensions = int_value(bad, res, "dimensions", 0);
  const cJSON *texts = field(res, "input_texts");
  const char **list = NULL;
  if (texts != NULL && !cJSON_IsNull(texts)) {
    if (!cJSON_IsArray(texts)) fail(bad, "%s", "\"input_texts\" must be an array of strings");
    int n = cJSON_GetArraySize(texts);
    list = (const char **)calloc((size_t)n + 1, sizeof *list);
    int i = 0;
    for (const cJSON *it = texts->child; it != NULL && list != NULL; it = it->next, ++i) {
      if (!cJSON_IsString(it))
        fail(bad, "%s", "\"input_texts\" must be an array of strings");
      else
        list[i] = it->valuestring;
    }
    er.input_texts = list;
    er.input_texts_count = (size_t)n;
  }
  if (!bad->failed) reply_status(r, sigil_embedding_set_result(e, &er), NULL);
  free((void *)list);
}

static void op_embedding_set_call_error(bad_t *bad, const cJSON *req, cJSON *r) {
  sigil_embedding_t *e = (sigil_embedding_t *)recorder(bad, req, KIND_EMBEDDING);
  const char *message = str(bad, req, "message");
  int32_t http_status = (int32_t)int_value(bad, req, "http_status", 0);
  if (bad->failed) return;
  if (message == NULL) message = "";
  reply_status(r, sigil_embedding_set_call_error(e, message, strlen(message), http_status), NULL);
}

static void op_embedding_end(bad_t *bad, const cJSON *req, cJSON *r) {
  sigil_embedding_t *e = (sigil_embedding_t *)recorder(bad, req, KIND_EMBEDDING);
  if (bad->failed) return;
  sigil_error_t *err = NULL;
  sigil_status_t st = sigil_embedding_end(e, &err);
  reply_status(r, st, err);
}

/* ---------------------------------------------------------------------------
 * span.*
 * ------------------------------------------------------------------------ */

static const char *const kSpanStartKeys[] = {"kind",       "name",          "conversation_id", "conversation_title",
                                             "agent_name", "agent_version", "content_capture", NULL};
static const char *const kSpanContextKeys[] = {"parent_span", "headers", "conversation_id", "agent_name", NULL};
static const char *const kHeaderKeys[] = {"traceparent", "tracestate", NULL};

static uint32_t step_kind(bad_t *bad, const char *kind) {
  static const struct {
    const char *name;
    uint32_t code;
  } kinds[] = {{"agent", SIGIL_STEP_AGENT},       {"chain", SIGIL_STEP_CHAIN}, {"retriever", SIGIL_STEP_RETRIEVER},
               {"workflow", SIGIL_STEP_WORKFLOW}, {"task", SIGIL_STEP_TASK},   {"custom", SIGIL_STEP_CUSTOM}};
  if (kind == NULL) return SIGIL_STEP_CUSTOM;
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; ++i) {
    if (strcmp(kinds[i].name, kind) == 0) return kinds[i].code;
  }
  fail(bad, "unknown span kind \"%s\"", kind);
  return 0;
}

static void op_span_start(bad_t *bad, const cJSON *req, cJSON *r) {
  const char *name = new_handle_name(bad, req);
  const cJSON *s = field(req, "start");
  const cJSON *c = field(req, "context");
  const cJSON *headers = field(c, "headers");
  only_keys(bad, s, "start", kSpanStartKeys);
  only_keys(bad, c, "context", kSpanContextKeys);
  only_keys(bad, headers, "context.headers", kHeaderKeys);
  if (!need_client(bad)) return;
  sigil_span_start_t ss = SIGIL_SPAN_START_INIT;
  ss.kind = step_kind(bad, str(bad, s, "kind"));
  ss.name = str(bad, s, "name");
  ss.conversation_id = str(bad, s, "conversation_id");
  ss.conversation_title = str(bad, s, "conversation_title");
  ss.agent_name = str(bad, s, "agent_name");
  ss.agent_version = str(bad, s, "agent_version");
  ss.content_capture = content_capture_value(bad, s);
  ss.context_conversation_id = str(bad, c, "conversation_id");
  ss.context_agent_name = str(bad, c, "agent_name");
  char parent_tp[64];
  const char *tracestate = NULL;
  if (parent_span(bad, c, parent_tp, sizeof parent_tp, &tracestate)) {
    ss.parent_traceparent = parent_tp;
    ss.parent_tracestate = tracestate;
    ss.parent_is_local = 1;
  } else if (headers != NULL) {
    /* What a C service does with incoming headers: a valid traceparent is
     * the remote parent; the engine drops a malformed tracestate. */
    const char *tp = str(bad, headers, "traceparent");
    if (tp != NULL && sigil_traceparent_parse(tp, strlen(tp), NULL, NULL, NULL) == SIGIL_OK) {
      ss.parent_traceparent = tp;
      ss.parent_tracestate = str(bad, headers, "tracestate");
    }
  }
  if (bad->failed) return;
  sigil_span_recorder_t *span = NULL;
  sigil_status_t st = sigil_span_start(g_client, &ss, &span);
  if (span != NULL) add_handle(name, KIND_SPAN, span);
  reply_status(r, st, NULL);
}

/* One attribute from a JSON value: strings, booleans, integral numbers as
 * INT (as JavaScript sees them), other numbers as DOUBLE. 0 for a value of
 * another type. */
static int attribute_value(const cJSON *v, sigil_attribute_t *a) {
  if (cJSON_IsString(v)) {
    a->type = SIGIL_ATTRIBUTE_STRING;
    a->string_value = v->valuestring;
    a->string_value_len = strlen(v->valuestring);
  } else if (cJSON_IsBool(v)) {
    a->type = SIGIL_ATTRIBUTE_BOOL;
    a->int_value = cJSON_IsTrue(v) ? 1 : 0;
  } else if (cJSON_IsNumber(v) && v->valuedouble >= -9e15 && v->valuedouble <= 9e15 &&
             v->valuedouble == (double)(int64_t)v->valuedouble) {
    a->type = SIGIL_ATTRIBUTE_INT;
    a->int_value = (int64_t)v->valuedouble;
  } else if (cJSON_IsNumber(v)) {
    a->type = SIGIL_ATTRIBUTE_DOUBLE;
    a->double_value = v->valuedouble;
  } else {
    return 0;
  }
  return 1;
}

static void op_span_set_attribute(bad_t *bad, const cJSON *req, cJSON *r) {
  sigil_span_recorder_t *span = (sigil_span_recorder_t *)recorder(bad, req, KIND_SPAN);
  const char *key = str(bad, req, "key");
  int content = bool_value(bad, req, "content");
  sigil_attribute_t a = {0};
  if (!bad->failed && !attribute_value(field(req, "value"), &a))
    fail(bad, "%s", "\"value\" must be a string, number or bool");
  if (bad->failed) return;
  sigil_status_t st = SIGIL_OK;
  switch (a.type) {
    case SIGIL_ATTRIBUTE_STRING:
      st = sigil_span_set_attribute_string(span, key, a.string_value, a.string_value_len, content);
      break;
    case SIGIL_ATTRIBUTE_BOOL:
      st = sigil_span_set_attribute_bool(span, key, (int)a.int_value, content);
      break;
    case SIGIL_ATTRIBUTE_INT:
      st = sigil_span_set_attribute_int(span, key, a.int_value, content);
      break;
    default:
      st = sigil_span_set_attribute_double(span, key, a.double_value, content);
      break;
  }
  reply_status(r, st, NULL);
}

static void op_span_add_event(bad_t *bad, const cJSON *req, cJSON *r) {
  sigil_span_recorder_t *span = (sigil_span_recorder_t *)recorder(bad, req, KIND_SPAN);
  const char *name = str(bad, req, "name");
  int content = bool_value(bad, req, "content");
  const cJSON *attrs = field(req, "attributes");
  if (attrs != NULL && !cJSON_IsObject(attrs)) fail(bad, "%s", "\"attributes\" must be an object");
  if (bad->failed) return;
  size_t n = (size_t)cJSON_GetArraySize(attrs);
  sigil_attribute_t *list = (sigil_attribute_t *)calloc(n ? n : 1, sizeof *list);
  if (list == NULL) abort();
  size_t i = 0;
  for (const cJSON *v = attrs ? attrs->child : NULL; v != NULL; v = v->next, ++i) {
    list[i].key = v->string;
    list[i].key_len = strlen(v->string);
    if (!attribute_value(v, &list[i])) fail(bad, "event attribute \"%s\" must be a string, number or bool", v->string);
  }
  if (!bad->failed) reply_status(r, sigil_span_add_event(span, name ? name : "", 0, list, n, content), NULL);
  free(list);
}

static void span_json(bad_t *bad, const cJSON *req, cJSON *r, int output) {
  sigil_span_recorder_t *span = (sigil_span_recorder_t *)recorder(bad, req, KIND_SPAN);
  if (bad->failed) return;
  char *json = json_text(req, "value");
  if (json == NULL) {
    fail(bad, "%s", "\"value\" is required");
    return;
  }
  sigil_status_t st =
      output ? sigil_span_set_output(span, json, strlen(json)) : sigil_span_set_input(span, json, strlen(json));
  cJSON_free(json);
  reply_status(r, st, NULL);
}

static void op_span_set_input(bad_t *bad, const cJSON *req, cJSON *r) { span_json(bad, req, r, 0); }
static void op_span_set_output(bad_t *bad, const cJSON *req, cJSON *r) { span_json(bad, req, r, 1); }

static void op_span_set_error(bad_t *bad, const cJSON *req, cJSON *r) {
  sigil_span_recorder_t *span = (sigil_span_recorder_t *)recorder(bad, req, KIND_SPAN);
  const char *type = str(bad, req, "type");
  const char *message = str(bad, req, "message");
  if (bad->failed) return;
  if (message == NULL) message = "";
  reply_status(r, sigil_span_set_error(span, type, message, strlen(message)), NULL);
}

static void op_span_end(bad_t *bad, const cJSON *req, cJSON *r) {
  sigil_span_recorder_t *span = (sigil_span_recorder_t *)recorder(bad, req, KIND_SPAN);
  if (bad->failed) return;
  sigil_error_t *err = NULL;
  sigil_status_t st = sigil_span_end(span, 0, &err);
  reply_status(r, st, err);
}

/* ---------------------------------------------------------------------------
 * traceparent, rating.submit
 * ------------------------------------------------------------------------ */

static void op_traceparent(bad_t *bad, const cJSON *req, cJSON *r) {
  const char *name = str(bad, req, "handle");
  handle_t *h = name != NULL ? find_handle(name) : NULL;
  if (h == NULL) fail(bad, "unknown handle \"%s\"", name ? name : "(none)");
  if (bad->failed) return;
  char buf[64] = {0};
  sigil_status_t st = SIGIL_E_INVALID_ARGUMENT;
  switch (h->kind) {
    case KIND_GENERATION:
      st = sigil_generation_traceparent((sigil_generation_t *)h->ptr, buf, sizeof buf);
      break;
    case KIND_TOOL:
      st = sigil_tool_execution_traceparent((sigil_tool_execution_t *)h->ptr, buf, sizeof buf);
      break;
    case KIND_EMBEDDING:
      st = sigil_embedding_traceparent((sigil_embedding_t *)h->ptr, buf, sizeof buf);
      break;
    case KIND_SPAN:
      st = sigil_span_traceparent((sigil_span_recorder_t *)h->ptr, buf, sizeof buf);
      break;
  }
  reply_status(r, st, NULL);
  if (st == SIGIL_OK)
    cJSON_AddStringToObject(r, "traceparent", buf);
  else
    cJSON_AddNullToObject(r, "traceparent");
}

static const char *const kRatingKeys[] = {"conversation_id", "rating_id", "rating", "comment", "metadata",
                                          "generation_id",   "rater_id",  "source", NULL};

static const char *rating_name(uint32_t v) {
  switch (v) {
    case SIGIL_RATING_GOOD:
      return "CONVERSATION_RATING_VALUE_GOOD";
    case SIGIL_RATING_BAD:
      return "CONVERSATION_RATING_VALUE_BAD";
    default:
      return "CONVERSATION_RATING_VALUE_UNSPECIFIED";
  }
}

/* What the SDK parsed from the server's answer, in the protocol's shape. */
static cJSON *rating_response(const sigil_rating_result_t *res) {
  cJSON *out = cJSON_CreateObject();
  cJSON *rating = cJSON_AddObjectToObject(out, "rating");
  cJSON_AddStringToObject(rating, "rating_id", sigil_rating_result_rating_id(res));
  cJSON_AddStringToObject(rating, "conversation_id", sigil_rating_result_conversation_id(res));
  cJSON_AddStringToObject(rating, "rating", rating_name(sigil_rating_result_rating(res)));
  cJSON_AddStringToObject(rating, "comment", sigil_rating_result_comment(res));
  const char *md = sigil_rating_result_metadata_json(res);
  cJSON *metadata = md[0] != '\0' ? cJSON_Parse(md) : NULL;
  cJSON_AddItemToObject(rating, "metadata", metadata != NULL ? metadata : cJSON_CreateObject());
  cJSON_AddStringToObject(rating, "generation_id", sigil_rating_result_generation_id(res));
  cJSON_AddStringToObject(rating, "rater_id", sigil_rating_result_rater_id(res));
  cJSON_AddStringToObject(rating, "source", sigil_rating_result_source(res));
  cJSON_AddStringToObject(rating, "created_at", sigil_rating_result_created_at(res));
  sigil_rating_summary_t s = SIGIL_RATING_SUMMARY_INIT;
  sigil_rating_result_summary(res, &s);
  cJSON *summary = cJSON_AddObjectToObject(out, "summary");
  cJSON_AddNumberToObject(summary, "total_count", (double)s.total_count);
  cJSON_AddNumberToObject(summary, "good_count", (double)s.good_count);
  cJSON_AddNumberToObject(summary, "bad_count", (double)s.bad_count);
  cJSON_AddStringToObject(summary, "latest_rating", rating_name(s.latest_rating));
  cJSON_AddBoolToObject(summary, "has_bad_rating", s.has_bad_rating != 0);
  return out;
}

static void op_rating_submit(bad_t *bad, const cJSON *req, cJSON *r) {
  const cJSON *in = field(req, "input");
  only_keys(bad, in, "input", kRatingKeys);
  uint32_t t = (uint32_t)int_value(bad, req, "timeout_ms", 0);
  if (!need_client(bad)) return;
  sigil_rating_input_t ri = SIGIL_RATING_INPUT_INIT;
  ri.conversation_id = str(bad, in, "conversation_id");
  ri.rating_id = str(bad, in, "rating_id");
  ri.comment = str(bad, in, "comment");
  ri.generation_id = str(bad, in, "generation_id");
  ri.rater_id = str(bad, in, "rater_id");
  ri.source = str(bad, in, "source");
  const char *value = str(bad, in, "rating");
  if (value == NULL || strcmp(value, "CONVERSATION_RATING_VALUE_UNSPECIFIED") == 0)
    ri.rating = SIGIL_RATING_UNSPECIFIED;
  else if (strcmp(value, "CONVERSATION_RATING_VALUE_GOOD") == 0)
    ri.rating = SIGIL_RATING_GOOD;
  else if (strcmp(value, "CONVERSATION_RATING_VALUE_BAD") == 0)
    ri.rating = SIGIL_RATING_BAD;
  else
    fail(bad, "unknown rating value \"%s\"", value);
  if (bad->failed) return;
  char *metadata = json_text(in, "metadata");
  ri.metadata_json = metadata;
  ri.metadata_json_len = metadata ? strlen(metadata) : 0;
  sigil_rating_result_t *res = NULL;
  sigil_error_t *err = NULL;
  sigil_status_t st = sigil_client_submit_rating(g_client, &ri, t, &res, &err);
  cJSON_free(metadata);
  reply_status(r, st, err);
  cJSON_AddItemToObject(r, "response", res != NULL ? rating_response(res) : cJSON_CreateNull());
  sigil_rating_result_free(res);
}

static void op_hello(bad_t *bad, const cJSON *req, cJSON *r) {
  (void)bad;
  (void)req;
  cJSON_AddNumberToObject(r, "protocol", PROTOCOL_VERSION);
  cJSON_AddStringToObject(r, "language", "c");
  cJSON_AddStringToObject(r, "library_version", sigil_version_string());
}

/* ---------------------------------------------------------------------------
 * Dispatch
 * ------------------------------------------------------------------------ */

typedef void (*op_fn)(bad_t *, const cJSON *, cJSON *);

static const struct {
  const char *name;
  op_fn fn;
} kOps[] = {
    {"hello", op_hello},
    {"client.new", op_client_new},
    {"client.flush", op_client_flush},
    {"client.shutdown", op_client_shutdown},
    {"client.stats", op_client_stats},
    {"generation.start", op_generation_start},
    {"generation.set_result", op_generation_set_result},
    {"generation.set_call_error", op_generation_set_call_error},
    {"generation.set_first_token_at", op_generation_set_first_token_at},
    {"generation.end", op_generation_end},
    {"generation.set_provider_request", op_generation_set_provider_request},
    {"generation.set_provider_response", op_generation_set_provider_response},
    {"generation.add_provider_events", op_generation_add_provider_events},
    {"generation.set_mapping_error", op_generation_set_mapping_error},
    {"tool_execution.start", op_tool_start},
    {"tool_execution.set_result", op_tool_set_result},
    {"tool_execution.set_error", op_tool_set_error},
    {"tool_execution.end", op_tool_end},
    {"embedding.start", op_embedding_start},
    {"embedding.set_result", op_embedding_set_result},
    {"embedding.set_call_error", op_embedding_set_call_error},
    {"embedding.end", op_embedding_end},
    {"embedding.set_provider_result", op_embedding_set_provider_result},
    {"span.start", op_span_start},
    {"span.set_attribute", op_span_set_attribute},
    {"span.add_event", op_span_add_event},
    {"span.set_input", op_span_set_input},
    {"span.set_output", op_span_set_output},
    {"span.set_error", op_span_set_error},
    {"span.end", op_span_end},
    {"traceparent", op_traceparent},
    {"rating.submit", op_rating_submit},
};

static void handle_line(const char *line) {
  /* A string holding a NUL ("\u0000" in the request) cannot be a C string:
   * cJSON would hand the op the part before it. C cannot express the op. */
  if (strstr(line, "\\u0000") != NULL) {
    write_protocol_error("a C string cannot hold a NUL character", 1);
    return;
  }
  cJSON *req = cJSON_Parse(line);
  if (req == NULL || !cJSON_IsObject(req)) {
    cJSON_Delete(req);
    write_protocol_error("request is not a JSON object", 0);
    return;
  }
  if (!expand_bytes(req)) {
    cJSON_Delete(req);
    write_protocol_error("malformed {\"$bytes\": ...} value (bad base64, or a NUL byte)", 0);
    return;
  }
  const cJSON *op = field(req, "op");
  op_fn fn = NULL;
  for (size_t i = 0; cJSON_IsString(op) && i < sizeof kOps / sizeof kOps[0]; ++i) {
    if (strcmp(kOps[i].name, op->valuestring) == 0) fn = kOps[i].fn;
  }
  if (fn == NULL) {
    char msg[256];
    snprintf(msg, sizeof msg, "unknown op \"%s\"", cJSON_IsString(op) ? op->valuestring : "(none)");
    write_protocol_error(msg, 1);
  } else {
    bad_t bad = {{0}, 0};
    cJSON *r = reply_new();
    fn(&bad, req, r);
    if (bad.failed) {
      cJSON_Delete(r);
      write_protocol_error(bad.message, 0);
    } else {
      write_reply(r);
    }
  }
  cJSON_Delete(req);
}

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, stdin)) >= 0) {
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    if (n == 0) continue;
    handle_line(line);
  }
  free(line);
  free_all(); /* end of input: free recorders, then the client (shutdown within 5 s) */
  return 0;
}
