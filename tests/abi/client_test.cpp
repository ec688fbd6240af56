// Section: Client (sigil_stats_t).
#include <gtest/gtest.h>
#include <sigil/sigil.h>

#include "init_macros.h"

namespace {

sigil_options_t *local_options() {
  sigil_options_t *o = nullptr;
  EXPECT_EQ(sigil_options_new(&o), SIGIL_OK);
  EXPECT_EQ(sigil_options_set_use_environment(o, 0), SIGIL_OK);
  return o;
}

}  // namespace

TEST(ClientSection, StatsInitMatchesMacro) {
  static const sigil_stats_t from_cxx_macro = SIGIL_STATS_INIT;
  EXPECT_TRUE(init_gives(sigil_stats_init, from_cxx_macro));
  EXPECT_TRUE(init_gives(sigil_stats_init, *c_stats_init_macro()));
  EXPECT_EQ(sigil_stats_init(nullptr), SIGIL_E_INVALID_ARGUMENT);
}

TEST(ClientSection, StatsAcceptVersionsOneAndTwoOnly) {
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
  stats.version = 0;
  EXPECT_EQ(sigil_client_stats(c, &stats), SIGIL_E_INVALID_ARGUMENT);
  stats.version = SIGIL_STATS_VERSION + 1;
  EXPECT_EQ(sigil_client_stats(c, &stats), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_client_stats(c, nullptr), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_client_stats(nullptr, &stats), SIGIL_E_INVALID_ARGUMENT);
  sigil_client_free(c);
}

