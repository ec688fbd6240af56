/* A producer for the crash and full-disk tests (tests/integration/spool_test.cpp):
 * records N generations against ENDPOINT with the spool in SPOOL_DIR, no
 * retries, flushes (so undeliverable ones are spooled, durably), prints
 * "spooled <n> exported <n> spool_full <n>" and then waits to be killed
 * (kill -9). With MAX_FILE_BYTES, files it writes cannot grow beyond that
 * (RLIMIT_FSIZE, SIGXFSZ ignored): writes fail like on a full disk. */
#include <signal.h>
#include <sigil/sigil.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: %s ENDPOINT SPOOL_DIR N [MAX_FILE_BYTES]\n", argv[0]);
    return 2;
  }
  int n = atoi(argv[3]);
  if (argc == 5) {
    struct rlimit limit;
    limit.rlim_cur = limit.rlim_max = (rlim_t)strtoull(argv[4], NULL, 10);
    signal(SIGXFSZ, SIG_IGN); /* write() fails with EFBIG instead */
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0) {
      perror("setrlimit");
      return 1;
    }
  }
  sigil_options_t *o = NULL;
  sigil_options_new(&o);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
  sigil_options_set_endpoint(o, argv[1]);
  sigil_options_set_no_retries(o);
  sigil_options_set_attempt_timeout_ms(o, 2000);
  sigil_options_set_flush_interval_ms(o, 60000);
  sigil_options_set_spool_dir(o, argv[2]);
  sigil_options_set_spool_sync(o, SIGIL_SPOOL_SYNC_BATCH);
  sigil_client_t *client = NULL;
  sigil_error_t *err = NULL;
  if (sigil_client_new(o, &client, &err) != SIGIL_OK) {
    fprintf(stderr, "client: %s\n", sigil_error_message(err));
    return 1;
  }
  sigil_options_free(o);
  for (int i = 0; i < n; ++i) {
    char conv[32];
    snprintf(conv, sizeof conv, "crash-%d", i);
    sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
    s.conversation_id = conv;
    s.model_provider = "openai";
    s.model_name = "gpt-4o";
    sigil_generation_t *g = NULL;
    sigil_generation_start(client, &s, &g);
    sigil_generation_add_message(g, SIGIL_INPUT, SIGIL_ROLE_USER, NULL);
    sigil_generation_add_text(g, SIGIL_INPUT, "hi", 2);
    if (sigil_generation_end(g, NULL) != SIGIL_OK) return 1;
    sigil_generation_free(g);
  }
  sigil_client_flush(client, 10000, NULL);
  sigil_stats_t st = SIGIL_STATS_INIT;
  sigil_client_stats(client, &st);
  printf("spooled %llu exported %llu spool_full %llu\n", (unsigned long long)st.generations_spooled,
         (unsigned long long)st.generations_exported, (unsigned long long)st.dropped_spool_full);
  fflush(stdout);
  for (;;) pause(); /* killed with SIGKILL: no shutdown, no cleanup */
}
