// Section: Client (sigil_client_new statuses, sigil_stats_t).
#include <gtest/gtest.h>
#include <sigil/sigil.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "init_macros.h"

namespace {

sigil_options_t *local_options() {
  sigil_options_t *o = nullptr;
  EXPECT_EQ(sigil_options_new(&o), SIGIL_OK);
  EXPECT_EQ(sigil_options_set_use_environment(o, 0), SIGIL_OK);
  return o;
}

// sigil_client_new's status and message for `o`, which it frees.
std::pair<sigil_status_t, std::string> create(sigil_options_t *o) {
  sigil_client_t *c = nullptr;
  sigil_error_t *err = nullptr;
  sigil_status_t st = sigil_client_new(o, &c, &err);
  std::string message = sigil_error_message(err);
  EXPECT_EQ(st == SIGIL_OK, c != nullptr);
  sigil_error_free(err);
  sigil_client_free(c);
  sigil_options_free(o);
  return {st, message};
}

}  // namespace

TEST(ClientSection, StatsInitMatchesMacro) {
  static const sigil_stats_t from_cxx_macro = SIGIL_STATS_INIT;
  EXPECT_TRUE(init_gives(sigil_stats_init, from_cxx_macro));
  EXPECT_TRUE(init_gives(sigil_stats_init, *c_stats_init_macro()));
  EXPECT_EQ(sigil_stats_init(nullptr), SIGIL_E_INVALID_ARGUMENT);
}

TEST(ClientSection, StatsAcceptVersionsOneToTheCurrentOnly) {
  sigil_options_t *o = local_options();
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
  sigil_client_t *c = nullptr;
  ASSERT_EQ(sigil_client_new(o, &c, nullptr), SIGIL_OK);
  sigil_options_free(o);
  sigil_stats_t stats;
  ASSERT_EQ(sigil_stats_init(&stats), SIGIL_OK);
  EXPECT_EQ(sigil_client_stats(c, &stats), SIGIL_OK);
  EXPECT_EQ(stats.version, SIGIL_STATS_VERSION);
  stats.version = 1;
  EXPECT_EQ(sigil_client_stats(c, &stats), SIGIL_OK);
  // A version 2 struct ends before the version 3 fields: they are not written.
  stats.version = 2;
  stats.spans_dropped = 77;
  EXPECT_EQ(sigil_client_stats(c, &stats), SIGIL_OK);
  EXPECT_EQ(stats.spans_dropped, 77u);
  stats.version = 0;
  EXPECT_EQ(sigil_client_stats(c, &stats), SIGIL_E_INVALID_ARGUMENT);
  stats.version = SIGIL_STATS_VERSION + 1;
  EXPECT_EQ(sigil_client_stats(c, &stats), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_client_stats(c, nullptr), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_client_stats(nullptr, &stats), SIGIL_E_INVALID_ARGUMENT);
  sigil_client_free(c);
}

// The rule in sigil.h, "Status codes and errors": a setter rejects what it
// can judge alone with SIGIL_E_INVALID_ARGUMENT and keeps nothing of it;
// what only the combined configuration shows is SIGIL_E_CONFIG at creation.
TEST(ClientSection, SetterRejectsItsArgumentAndCreationStillSucceeds) {
  sigil_options_t *o = local_options();
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
  EXPECT_EQ(sigil_options_set_content_capture_mode(o, 99), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_auth_mode(o, 99), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_spool_sync(o, 99), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(create(o).first, SIGIL_OK);
}

TEST(ClientSection, UnresolvableConfigurationIsConfig) {
  sigil_options_t *o = local_options();
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
  sigil_options_set_endpoint(o, "http://127.0.0.1:9");
  ASSERT_EQ(sigil_options_set_auth_mode(o, SIGIL_AUTH_BEARER), SIGIL_OK);  // and no token
  auto [status, message] = create(o);
  EXPECT_EQ(status, SIGIL_E_CONFIG);
  EXPECT_NE(message.find("bearer"), std::string::npos) << message;

  o = local_options();
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
  ASSERT_EQ(sigil_options_set_endpoint(o, "ftp://127.0.0.1:9"), SIGIL_OK);  // the setter cannot tell
  EXPECT_EQ(create(o).first, SIGIL_E_CONFIG);
}

// The documented exception: an unusable spool directory is
// SIGIL_E_INVALID_ARGUMENT, not SIGIL_E_CONFIG.
TEST(ClientSection, UnusableSpoolDirectoryIsInvalidArgument) {
  char path[] = "/tmp/sigil-abi-spool-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  sigil_options_t *o = local_options();
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
  sigil_options_set_endpoint(o, "http://127.0.0.1:9");
  ASSERT_EQ(sigil_options_set_spool_dir(o, path), SIGIL_OK);  // a regular file
  auto [status, message] = create(o);
  EXPECT_EQ(status, SIGIL_E_INVALID_ARGUMENT);
  EXPECT_NE(message.find("not a directory"), std::string::npos) << message;
  std::remove(path);
}
