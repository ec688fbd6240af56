// Section: Ratings (input and summary structs).
#include <gtest/gtest.h>
#include <sigil/sigil.h>

#include "init_macros.h"

TEST(RatingSection, InputInitMatchesMacro) {
  static const sigil_rating_input_t from_cxx_macro = SIGIL_RATING_INPUT_INIT;
  EXPECT_TRUE(init_gives(sigil_rating_input_init, from_cxx_macro));
  EXPECT_TRUE(init_gives(sigil_rating_input_init, *c_rating_input_init_macro()));
  EXPECT_EQ(sigil_rating_input_init(nullptr), SIGIL_E_INVALID_ARGUMENT);
}

TEST(RatingSection, SummaryInitMatchesMacro) {
  static const sigil_rating_summary_t from_cxx_macro = SIGIL_RATING_SUMMARY_INIT;
  EXPECT_TRUE(init_gives(sigil_rating_summary_init, from_cxx_macro));
  EXPECT_TRUE(init_gives(sigil_rating_summary_init, *c_rating_summary_init_macro()));
  EXPECT_EQ(sigil_rating_summary_init(nullptr), SIGIL_E_INVALID_ARGUMENT);
}

TEST(RatingSection, UnknownInputVersionIsRejectedBeforeSending) {
  sigil_options_t *o = nullptr;
  ASSERT_EQ(sigil_options_new(&o), SIGIL_OK);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
  sigil_options_set_api_endpoint(o, "http://127.0.0.1:9");  // never contacted
  sigil_client_t *c = nullptr;
  ASSERT_EQ(sigil_client_new(o, &c, nullptr), SIGIL_OK);
  sigil_options_free(o);
  sigil_rating_input_t in;
  ASSERT_EQ(sigil_rating_input_init(&in), SIGIL_OK);
  in.conversation_id = "conv-1";
  in.rating_id = "rating-1";
  in.rating = SIGIL_RATING_GOOD;
  in.version = SIGIL_RATING_INPUT_VERSION + 1;
  sigil_rating_result_t *result = nullptr;
  EXPECT_EQ(sigil_client_submit_rating(c, &in, 1000, &result, nullptr), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(result, nullptr);
  sigil_rating_summary_t summary;
  ASSERT_EQ(sigil_rating_summary_init(&summary), SIGIL_OK);
  EXPECT_EQ(sigil_rating_result_summary(nullptr, &summary), SIGIL_E_INVALID_ARGUMENT);
  sigil_client_free(c);
}
