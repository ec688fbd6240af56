/* Built against an installed libsigil, once with pkg-config and once with
 * find_package(sigil): the header, the library and the metadata all work. */
#include <sigil/sigil.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  if (strcmp(sigil_version_string(), SIGIL_VERSION_STRING) != 0) {
    fprintf(stderr, "header %s != library %s\n", SIGIL_VERSION_STRING, sigil_version_string());
    return 1;
  }
  sigil_options_t *o = NULL;
  sigil_options_new(&o);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
  sigil_client_t *c = NULL;
  if (sigil_client_new(o, &c, NULL) != SIGIL_OK) return 1;
  sigil_options_free(o);
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  s.model_provider = "p";
  s.model_name = "m";
  sigil_generation_t *g = NULL;
  sigil_generation_start(c, &s, &g);
  sigil_status_t st = sigil_generation_end(g, NULL);
  sigil_generation_free(g);
  sigil_client_free(c);
  printf("installed libsigil %s works: %s\n", sigil_version_string(), sigil_status_name(st));
  return st == SIGIL_OK ? 0 : 1;
}
