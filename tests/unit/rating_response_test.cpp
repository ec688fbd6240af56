// The rating API's answer as the engine reads it: counts must be whole numbers
// a uint64 holds; anything else makes the answer malformed, never a wrapped value.
#include <gtest/gtest.h>

#include <string>

#include "core/rating.h"

namespace sigil::detail {
namespace {

std::string with_total(const std::string &count) {
  return R"({"rating":{"rating_id":"r1","conversation_id":"c","rating":"CONVERSATION_RATING_VALUE_BAD"},)"
         R"("summary":{"total_count":)" +
         count + R"(,"bad_count":1,"has_bad_rating":true}})";
}

TEST(RatingResponse, ReadsWholeCounts) {
  for (const auto &[text, want] :
       std::initializer_list<std::pair<const char *, uint64_t>>{{"0", 0},
                                                                {"3", 3},
                                                                {"3.0", 3},
                                                                {"1e3", 1000},
                                                                {"9007199254740992", 9007199254740992ull},
                                                                {"18446744073709549568", 18446744073709549568ull}}) {
    auto r = parse_rating_response(with_total(text));
    ASSERT_TRUE(r.has_value()) << text << ": " << r.error().message();
    EXPECT_EQ(r->summary.total_count, want) << text;
    EXPECT_EQ(r->summary.bad_count, 1u);
    EXPECT_TRUE(r->summary.has_bad_rating);
    EXPECT_EQ(r->rating, RatingValue::kBad);
  }
}

TEST(RatingResponse, CountsOutsideUint64AreMalformed) {
  for (const char *text : {"-1", "1.5", "18446744073709551616", "4.44444e39", "1e999", "-1e999", "\"7\"", "true"}) {
    auto r = parse_rating_response(with_total(text));
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error().code(), SIGIL_E_TRANSPORT) << text;
    EXPECT_NE(r.error().message().find("\"total_count\" is not a count"), std::string::npos)
        << text << ": " << r.error().message();
  }
}

}  // namespace
}  // namespace sigil::detail
