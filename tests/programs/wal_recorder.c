/* The recording process of the kill -9 tests (tests/integration/write_ahead_test.cpp)
 * and of bench/wal_crash_bench.py.
 *
 *   wal_recorder ENDPOINT SPOOL_DIR MODE N [THREADS] [ID_PREFIX]
 *
 * MODE is fallback or write_ahead (the spool mode), optionally followed by
 * ":none", ":batch" (default) or ":record" (the sync policy). With N > 0, THREADS
 * threads record N generations in all over HTTP, with ids ID_PREFIX-<i>, and
 * print each id on stdout (one write() per line) once its
 * sigil_generation_end returned SIGIL_OK; then one line
 * "done <n> <seconds>" and the process waits to be killed (kill -9: no
 * shutdown, no flush). With N = 0 it replays: it opens a client on SPOOL_DIR,
 * waits until no segment file is left (at most 60 s), shuts down and prints
 * "replayed <n>". Exit status 1 on any failure, with the reason on stderr. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <pthread.h>
#include <sigil/sigil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static sigil_client_t *client;
static const char *prefix = "wal";
static int total;
static int next_index;
static int failed;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *record_loop(void *arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&mu);
    int i = next_index < total ? next_index++ : -1;
    pthread_mutex_unlock(&mu);
    if (i < 0) return NULL;
    char id[96], conv[64], line[112];
    snprintf(id, sizeof id, "%s-%d", prefix, i);
    snprintf(conv, sizeof conv, "%s-conv-%d", prefix, i % 50);
    sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
    s.id = id;
    s.conversation_id = conv;
    s.model_provider = "openai";
    s.model_name = "gpt-4o";
    sigil_generation_t *g = NULL;
    if (sigil_generation_start(client, &s, &g) != SIGIL_OK) {
      failed = 1;
      return NULL;
    }
    static const char text[] = "What is the capital of France? Answer in one word, please.";
    sigil_generation_add_message(g, SIGIL_INPUT, SIGIL_ROLE_USER, NULL);
    sigil_generation_add_text(g, SIGIL_INPUT, text, sizeof text - 1);
    sigil_generation_add_message(g, SIGIL_OUTPUT, SIGIL_ROLE_ASSISTANT, NULL);
    sigil_generation_add_text(g, SIGIL_OUTPUT, "Paris.", 6);
    sigil_error_t *err = NULL;
    sigil_status_t st = sigil_generation_end(g, &err);
    sigil_generation_free(g);
    if (st != SIGIL_OK) { /* not promised: not printed, and counted by the parent as not ended */
      fprintf(stderr, "end %s: %s\n", id, sigil_error_message(err));
      sigil_error_free(err);
      continue;
    }
    int n = snprintf(line, sizeof line, "%s\n", id);
    if (write(1, line, (size_t)n) != n) return NULL; /* the parent is gone */
  }
}

static int segments_left(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) return 0;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (strncmp(e->d_name, "seg-", 4) == 0 && len > 4 && strcmp(e->d_name + len - 4, ".sgs") == 0) ++n;
  }
  closedir(d);
  return n;
}

int main(int argc, char **argv) {
  if (argc < 5 || argc > 7) {
    fprintf(stderr, "usage: %s ENDPOINT SPOOL_DIR fallback|write_ahead N [THREADS] [ID_PREFIX]\n", argv[0]);
    return 2;
  }
  total = atoi(argv[4]);
  int threads = argc > 5 ? atoi(argv[5]) : 1;
  if (argc > 6) prefix = argv[6];
  if (threads < 1 || threads > 64) threads = 1;
  sigil_options_t *o = NULL;
  sigil_options_new(&o);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
  sigil_options_set_endpoint(o, argv[1]);
  sigil_options_set_attempt_timeout_ms(o, 2000);
  sigil_options_set_spool_dir(o, argv[2]);
  const char *sync = strchr(argv[3], ':');
  uint32_t policy = SIGIL_SPOOL_SYNC_BATCH;
  if (sync != NULL && strcmp(sync, ":none") == 0) policy = SIGIL_SPOOL_SYNC_NONE;
  if (sync != NULL && strcmp(sync, ":record") == 0) policy = SIGIL_SPOOL_SYNC_RECORD;
  sigil_options_set_spool_sync(o, policy);
  if (sigil_options_set_spool_mode(
          o, strncmp(argv[3], "write_ahead", 11) == 0 ? SIGIL_SPOOL_MODE_WRITE_AHEAD : SIGIL_SPOOL_MODE_FALLBACK) !=
      SIGIL_OK) {
    fprintf(stderr, "spool mode refused\n");
    return 1;
  }
  sigil_error_t *err = NULL;
  if (sigil_client_new(o, &client, &err) != SIGIL_OK) {
    fprintf(stderr, "client: %s\n", sigil_error_message(err));
    return 1;
  }
  sigil_options_free(o);

  if (total == 0) {
    double until = now_s() + 60;
    while (segments_left(argv[2]) > 0 && now_s() < until) usleep(20000);
    int left = segments_left(argv[2]);
    sigil_client_shutdown(client, 10000, NULL);
    sigil_stats_t st = SIGIL_STATS_INIT;
    sigil_client_stats(client, &st);
    printf("replayed %llu\n", (unsigned long long)st.generations_replayed);
    fflush(stdout);
    sigil_client_free(client);
    if (left > 0) fprintf(stderr, "%d segment files left after 60 s\n", left);
    return left > 0 ? 1 : 0;
  }

  pthread_t tids[64];
  double start = now_s();
  for (int t = 0; t < threads; ++t) pthread_create(&tids[t], NULL, record_loop, NULL);
  for (int t = 0; t < threads; ++t) pthread_join(tids[t], NULL);
  double secs = now_s() - start;
  if (failed) return 1;
  char line[64];
  int n = snprintf(line, sizeof line, "done %d %.6f\n", total, secs);
  if (write(1, line, (size_t)n) != n) return 1;
  for (;;) pause(); /* killed with SIGKILL: no shutdown, no cleanup */
}
