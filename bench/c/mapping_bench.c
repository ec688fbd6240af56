/*
 * libsigil from C: the mapping workloads of bench/README.md. The engine maps
 * the provider's own JSON (OpenAI Chat Completions) into the generation.
 *
 *   mapping_bench '<params json>'
 *
 * mapping_response: sigil_generation_start -> set_provider_request ->
 *   set_provider_response -> sigil_generation_end (+ free).
 * mapping_stream:   sigil_generation_start_streaming -> set_provider_request
 *   -> 40 x add_provider_event -> sigil_generation_end (+ free).
 *
 * The fixture bytes are read once, before timing, as an application holds
 * the bodies it sent and received. Besides the whole call (caller_ns) the
 * program reports the time inside the set_provider_* / add_provider_event
 * calls alone (map_ns): the mapping without start and end. A stream's
 * accumulated result is written into the generation by end, so map_ns of a
 * stream leaves that last step out.
 */
#include <sigil/sigil.h>

#include <cjson/cJSON.h>

#include "bench_util.h"

#define API "openai.chat"

typedef struct {
  const char *data;
  size_t len;
} body_t;

static void die(const char *what, sigil_status_t status, sigil_error_t *error) {
  fprintf(stderr, "mapping_bench: %s: %s: %s\n", what, sigil_status_name(status),
          error != NULL ? sigil_error_message(error) : "");
  exit(2);
}

static const char *str_param(const cJSON *obj, const char *key, const char *def) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) && v->valuestring[0] != '\0' ? v->valuestring : def;
}

static double num_param(const cJSON *obj, const char *key, double def) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static body_t read_body(const char *path) {
  char *text = bench_read_file(path);
  if (text == NULL) {
    fprintf(stderr, "mapping_bench: cannot read %s\n", path);
    exit(2);
  }
  body_t b = {text, strlen(text)};
  return b;
}

/* One event per non-empty line (the JSON payload of one SSE data: line). */
static size_t split_lines(char *text, body_t *out, size_t cap) {
  size_t n = 0;
  for (char *p = text; *p != '\0' && n < cap;) {
    char *nl = strchr(p, '\n');
    size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
    if (len > 0) out[n++] = (body_t){p, len};
    if (nl == NULL) break;
    p = nl + 1;
  }
  return n;
}

static body_t request, response;
static body_t events[256];
static size_t event_count;
static int stream;

/* One mapped call; the whole caller time and the mapping part, in ns. */
static void map_once(sigil_client_t *client, int64_t *caller_ns, int64_t *map_ns) {
  sigil_generation_start_t start = SIGIL_GENERATION_START_INIT;
  start.conversation_id = "conv-bench-mapping";
  start.agent_name = "support-bot";
  sigil_generation_t *gen = NULL;
  sigil_error_t *error = NULL;
  int64_t t0 = bench_now_ns();
  sigil_status_t st =
      stream ? sigil_generation_start_streaming(client, &start, &gen) : sigil_generation_start(client, &start, &gen);
  if (st != SIGIL_OK) die("start", st, NULL);
  int64_t m0 = bench_now_ns();
  st = sigil_generation_set_provider_request(gen, API, request.data, request.len, 0);
  if (st != SIGIL_OK) die("set_provider_request", st, NULL);
  if (stream) {
    for (size_t i = 0; i < event_count; i++) {
      st = sigil_generation_add_provider_event(gen, API, events[i].data, events[i].len, 0);
      if (st != SIGIL_OK) die("add_provider_event", st, NULL);
    }
  } else {
    st = sigil_generation_set_provider_response(gen, API, response.data, response.len, 0);
    if (st != SIGIL_OK) die("set_provider_response", st, NULL);
  }
  int64_t m1 = bench_now_ns();
  st = sigil_generation_end(gen, &error);
  sigil_generation_free(gen);
  int64_t t1 = bench_now_ns();
  if (st != SIGIL_OK) die("end", st, error);
  *caller_ns = t1 - t0;
  *map_ns = m1 - m0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: mapping_bench '<params json>' (see bench/README.md)\n");
    return 2;
  }
  cJSON *pj = cJSON_Parse(argv[1]);
  if (pj == NULL) {
    fprintf(stderr, "mapping_bench: params are not JSON\n");
    return 2;
  }
  const char *workload = str_param(pj, "workload", "mapping_response");
  stream = strcmp(workload, "mapping_stream") == 0;
  long n = (long)num_param(pj, "n", 10000), warmup = (long)num_param(pj, "warmup", 1000);
  const char *otlp = str_param(pj, "otlp_endpoint", "");
  request = read_body(str_param(pj, "request_file", ""));
  if (stream) {
    body_t all = read_body(str_param(pj, "stream_file", ""));
    event_count = split_lines((char *)all.data, events, sizeof events / sizeof events[0]);
  } else {
    response = read_body(str_param(pj, "response_file", ""));
  }

  sigil_options_t *opt = NULL;
  sigil_options_new(&opt);
  sigil_options_set_use_environment(opt, 0);
  sigil_options_set_protocol(opt, SIGIL_PROTOCOL_NONE);
  if (otlp[0] != '\0') sigil_options_set_otlp_endpoint(opt, otlp);
  sigil_client_t *client = NULL;
  sigil_error_t *error = NULL;
  sigil_status_t st = sigil_client_new(opt, &client, &error);
  sigil_options_free(opt);
  if (st != SIGIL_OK) die("client_new", st, error);

  int64_t caller, map;
  for (long i = 0; i < warmup; i++) map_once(client, &caller, &map);
  int64_t *caller_ns = (int64_t *)malloc(sizeof(int64_t) * (size_t)n);
  int64_t *map_ns = (int64_t *)malloc(sizeof(int64_t) * (size_t)n);
  long long rss_base = bench_rss_now_bytes();
  double cpu0 = bench_cpu_s();
  int64_t t0 = bench_now_ns();
  for (long i = 0; i < n; i++) map_once(client, &caller_ns[i], &map_ns[i]);
  int64_t t1 = bench_now_ns();
  double cpu1 = bench_cpu_s();

  printf("{\"ops\": %ld, \"events\": %zu, ", n, stream ? event_count : (size_t)0);
  bench_print_stats(stdout, "caller_ns", caller_ns, (size_t)n);
  printf(", ");
  bench_print_stats(stdout, "map_ns", map_ns, (size_t)n);
  printf(", \"wall_s\": %.6f, \"cpu_s\": %.6f, \"rss_baseline_bytes\": %lld, \"rss_peak_bytes\": %lld}\n",
         (double)(t1 - t0) / 1e9, cpu1 - cpu0, rss_base, bench_rss_peak_bytes());
  fflush(stdout);
  sigil_client_shutdown(client, 10000, NULL);
  sigil_client_free(client);
  free(caller_ns);
  free(map_ns);
  cJSON_Delete(pj);
  return 0;
}
