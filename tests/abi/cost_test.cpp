// C-ABI tests for the "Cost, token estimates and sampling" section: only the
// public header and the shared library.
#include <gtest/gtest.h>
#include <sigil/sigil.h>

#include <cmath>
#include <cstdio>
#include <string>

namespace {

sigil_options_t *quiet_options() {
  sigil_options_t *o = nullptr;
  EXPECT_EQ(sigil_options_new(&o), SIGIL_OK);
  EXPECT_EQ(sigil_options_set_use_environment(o, 0), SIGIL_OK);
  EXPECT_EQ(sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE), SIGIL_OK);
  return o;
}

TEST(AbiCost, SampleRatesOutsideZeroToOneAreRefused) {
  sigil_options_t *o = quiet_options();
  for (double bad : {-0.01, 1.01, std::nan("")}) {
    EXPECT_EQ(sigil_options_set_content_sample_rate(o, bad), SIGIL_E_INVALID_ARGUMENT) << bad;
    EXPECT_EQ(sigil_options_set_export_sample_rate(o, bad), SIGIL_E_INVALID_ARGUMENT) << bad;
  }
  for (double good : {0.0, 0.5, 1.0}) {
    EXPECT_EQ(sigil_options_set_content_sample_rate(o, good), SIGIL_OK);
    EXPECT_EQ(sigil_options_set_export_sample_rate(o, good), SIGIL_OK);
  }
  EXPECT_EQ(sigil_options_set_token_estimates(o, 0), SIGIL_OK);
  EXPECT_EQ(sigil_options_set_prices_file(nullptr, "x"), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_export_sample_rate(nullptr, 0.5), SIGIL_E_INVALID_ARGUMENT);
  sigil_client_t *c = nullptr;
  ASSERT_EQ(sigil_client_new(o, &c, nullptr), SIGIL_OK);
  sigil_stats_t stats = SIGIL_STATS_INIT;
  EXPECT_EQ(sigil_client_stats(c, &stats), SIGIL_OK);
  EXPECT_EQ(stats.generations_unpriced, 0u);
  EXPECT_EQ(stats.generations_export_sampled_out, 0u);
  sigil_client_free(c);
  sigil_options_free(o);
}

TEST(AbiCost, ABadPriceTableFailsClientCreation) {
  const std::string path = ::testing::TempDir() + "sigil_abi_bad_prices.json";
  FILE *f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs(R"({"version": "1", "models": [{"provider": "a", "model": "m", "input": 1, "output": "free"}]})", f);
  std::fclose(f);
  sigil_options_t *o = quiet_options();
  ASSERT_EQ(sigil_options_set_prices_file(o, path.c_str()), SIGIL_OK);
  sigil_client_t *c = nullptr;
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_new(o, &c, &err), SIGIL_E_CONFIG);
  ASSERT_NE(err, nullptr);
  EXPECT_NE(std::string(sigil_error_message(err)).find("models[0].output"), std::string::npos)
      << sigil_error_message(err);
  sigil_error_free(err);
  EXPECT_EQ(c, nullptr);
  // "" means the built-in table only.
  ASSERT_EQ(sigil_options_set_prices_file(o, ""), SIGIL_OK);
  ASSERT_EQ(sigil_client_new(o, &c, nullptr), SIGIL_OK);
  sigil_client_free(c);
  sigil_options_free(o);
}

}  // namespace
