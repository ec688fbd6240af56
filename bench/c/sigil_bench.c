/*
 * libsigil from C: the record, export and overload workloads of bench/README.md.
 *
 *   sigil_bench '<params json>'
 *
 * The workload file is mapped once to what a C caller holds: a start struct
 * and the result, either as sigil.v1 protojson ("api": "json", what the
 * bindings pass) or as the typed calls a C application writes ("api":
 * "typed": sigil_generation_add_message/_text/_tool_call, set_usage,
 * set_response, set_tag, set_metadata_string). The timed region per record
 * is sigil_generation_start -> set the result -> sigil_generation_end (+ free).
 */
#include <sigil/sigil.h>

#include "workload.h"

typedef struct {
  const char *workload;
  const char *workload_file;
  long n, warmup;
  const char *protocol, *endpoint, *otlp_endpoint, *spool_dir;
  double rate, duration_s;
  long long queue_bytes, queue_items, batch_size;
} params_t;

static void die(const char *what, sigil_status_t status, sigil_error_t *error) {
  fprintf(stderr, "sigil_bench: %s: %s: %s\n", what, sigil_status_name(status),
          error != NULL ? sigil_error_message(error) : "");
  exit(2);
}

static int typed_api = 0;                    /* params "api": "typed" or "json" (default) */
static sigil_generation_start_t typed_start; /* rec->start with the system prompt, no tags JSON */

/* One record; returns the caller time in ns. */
static int64_t record_once(sigil_client_t *client, const record_t *rec) {
  int64_t t0 = bench_now_ns();
  sigil_generation_t *gen = NULL;
  sigil_error_t *error = NULL;
  sigil_status_t st = sigil_generation_start(client, typed_api ? &typed_start : &rec->start, &gen);
  if (st != SIGIL_OK) die("start", st, NULL);
  if (typed_api) {
    set_result_typed(gen, rec);
  } else {
    sigil_generation_set_result_json(gen, rec->result_json, rec->result_len);
  }
  st = sigil_generation_end(gen, &error);
  sigil_generation_free(gen);
  int64_t t1 = bench_now_ns();
  /* Queue full / byte budget are the overload workload's expected outcomes. */
  if (st != SIGIL_OK && st != SIGIL_E_QUEUE_FULL && st != SIGIL_E_BYTE_BUDGET) die("end", st, error);
  sigil_error_free(error);
  return t1 - t0;
}

static sigil_client_t *make_client(const params_t *p) {
  sigil_options_t *opt = NULL;
  sigil_options_new(&opt);
  sigil_options_set_use_environment(opt, 0);
  uint32_t proto = strcmp(p->protocol, "grpc") == 0   ? SIGIL_PROTOCOL_GRPC
                   : strcmp(p->protocol, "http") == 0 ? SIGIL_PROTOCOL_HTTP
                                                      : SIGIL_PROTOCOL_NONE;
  sigil_options_set_protocol(opt, proto);
  if (proto != SIGIL_PROTOCOL_NONE) sigil_options_set_endpoint(opt, p->endpoint);
  if (p->otlp_endpoint[0] != '\0') sigil_options_set_otlp_endpoint(opt, p->otlp_endpoint);
  if (p->queue_items > 0) sigil_options_set_queue_size(opt, (uint32_t)p->queue_items);
  if (p->queue_bytes > 0) sigil_options_set_queue_max_bytes(opt, (uint64_t)p->queue_bytes);
  if (p->batch_size > 0) sigil_options_set_batch_size(opt, (uint32_t)p->batch_size);
  if (p->spool_dir[0] != '\0') sigil_options_set_spool_dir(opt, p->spool_dir);
  sigil_client_t *client = NULL;
  sigil_error_t *error = NULL;
  sigil_status_t st = sigil_client_new(opt, &client, &error);
  sigil_options_free(opt);
  if (st != SIGIL_OK) die("client", st, error);
  return client;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: sigil_bench '<params json>' (see bench/README.md)\n");
    return 2;
  }
  cJSON *pj = cJSON_Parse(argv[1]);
  if (pj == NULL) {
    fprintf(stderr, "sigil_bench: params are not JSON\n");
    return 2;
  }
  params_t p = {
      str_param(pj, "workload", "record"),
      str_param(pj, "workload_file", "bench/workload.json"),
      (long)num_param(pj, "n", 10000),
      (long)num_param(pj, "warmup", 1000),
      str_param(pj, "protocol", "none"),
      str_param(pj, "endpoint", ""),
      str_param(pj, "otlp_endpoint", ""),
      str_param(pj, "spool_dir", ""),
      num_param(pj, "rate", 1000),
      num_param(pj, "duration_s", 15),
      (long long)num_param(pj, "queue_bytes", 0),
      (long long)num_param(pj, "queue_items", 0),
      (long long)num_param(pj, "batch_size", 0),
  };
  record_t rec;
  load_record(p.workload_file, &rec);
  typed_api = strcmp(str_param(pj, "api", "json"), "typed") == 0;
  typed_start = rec.start;
  typed_start.system_prompt = rec.typed_system_prompt;
  typed_start.tags_json = NULL;
  typed_start.tags_json_len = 0;
  sigil_client_t *client = make_client(&p);
  int overload = strcmp(p.workload, "overload") == 0;

  for (long i = 0; i < p.warmup; i++) record_once(client, &rec);
  if (p.warmup > 0 && !overload) {
    sigil_error_t *error = NULL;
    sigil_status_t st = sigil_client_flush(client, 60000, &error);
    if (st != SIGIL_OK) die("warmup flush", st, error);
  }
  sigil_stats_t before = SIGIL_STATS_INIT;
  sigil_client_stats(client, &before);

  long n = overload ? (long)(p.rate * p.duration_s) : p.n;
  int64_t *samples = (int64_t *)malloc(sizeof(int64_t) * (size_t)n);
  long long rss_base = bench_rss_now_bytes();
  double cpu0 = bench_cpu_s();
  int64_t t0 = bench_now_ns();
  if (overload) {
    double interval_ns = 1e9 / p.rate;
    for (long i = 0; i < n; i++) {
      int64_t due = t0 + (int64_t)(interval_ns * (double)i);
      if (bench_now_ns() < due) bench_sleep_until(due);
      samples[i] = record_once(client, &rec);
    }
  } else {
    for (long i = 0; i < n; i++) samples[i] = record_once(client, &rec);
  }
  double flush_s = 0;
  if (strcmp(p.workload, "record") != 0) {
    int64_t f0 = bench_now_ns();
    sigil_error_t *error = NULL;
    sigil_status_t st = sigil_client_flush(client, 120000, &error);
    if (st != SIGIL_OK) fprintf(stderr, "sigil_bench: flush: %s\n", sigil_status_name(st));
    sigil_error_free(error);
    flush_s = (double)(bench_now_ns() - f0) / 1e9;
  }
  sigil_stats_t after = SIGIL_STATS_INIT;
  sigil_client_stats(client, &after);
  /* With a spool, what overflowed is replayed once the sink answers again:
   * wait (bounded) until every spooled record was delivered from the spool. */
  int64_t replay_deadline = bench_now_ns() + 60 * (int64_t)1000000000;
  while (p.spool_dir[0] != '\0' &&
         after.generations_replayed - before.generations_replayed <
             after.generations_spooled - before.generations_spooled &&
         bench_now_ns() < replay_deadline) {
    bench_sleep_until(bench_now_ns() + 20 * 1000000); /* polling the library's counters */
    sigil_client_stats(client, &after);
  }
  int64_t t1 = bench_now_ns();
  double cpu1 = bench_cpu_s();

  printf("{\"ops\": %ld, ", n);
  bench_print_caller(stdout, samples, (size_t)n);
  printf(", \"wall_s\": %.6f, \"cpu_s\": %.6f, \"rss_baseline_bytes\": %lld, \"rss_peak_bytes\": %lld",
         (double)(t1 - t0) / 1e9, cpu1 - cpu0, rss_base, bench_rss_peak_bytes());
  if (strcmp(p.workload, "record") != 0) {
    printf(", \"delivered\": %llu, \"dropped\": %llu, \"spooled\": %llu, \"replayed\": %llu, \"flush_s\": %.6f",
           (unsigned long long)(after.generations_exported - before.generations_exported),
           (unsigned long long)(after.dropped_total - before.dropped_total),
           (unsigned long long)(after.generations_spooled - before.generations_spooled),
           (unsigned long long)(after.generations_replayed - before.generations_replayed), flush_s);
  }
  printf("}\n");
  fflush(stdout);
  sigil_client_shutdown(client, 10000, NULL);
  sigil_client_free(client);
  free(samples);
  cJSON_Delete(pj);
  return 0;
}
