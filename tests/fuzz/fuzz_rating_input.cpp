// A rating as the host hands it over the ABI (core/rating.h): the privacy
// pass over its comment and metadata JSON, validation, the request body and
// the URL. Fields, separated by 0x1E: conversation id, rating id, rating
// ("g" good, "b" bad, else unspecified), comment, metadata JSON, generation
// id, rater id, source. Whatever validation lets through must make a valid
// JSON request body and a URL path segment without reserved characters.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/logger.h"
#include "core/privacy.h"
#include "core/rating.h"
#include "base/utf8.h"
#include "fuzz_fields.h"
#include "json_check.h"

using namespace sigil::detail;

namespace {

bool plain_segment(const std::string &segment) {
  for (size_t i = 0; i < segment.size(); ++i) {
    char c = segment[i];
    if (c == '/' || c == '?' || c == '#' || c == ' ' || static_cast<unsigned char>(c) < 0x21 ||
        static_cast<unsigned char>(c) >= 0x7f) {
      return false;
    }
  }
  return segment != "." && segment != "..";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto f = sigil_fuzz::split_fields(data, size, 8);
  for (std::string_view v : f) {
    if (!valid_utf8(v)) return 0;  // the ABI refuses invalid UTF-8 before any of this
  }
  RatingInput in;
  in.conversation_id = std::string(f[0]);
  in.rating_id = std::string(f[1]);
  in.rating = f[2] == "g" ? RatingValue::kGood : f[2] == "b" ? RatingValue::kBad : RatingValue::kUnspecified;
  in.comment = std::string(f[3]);
  in.metadata_json = std::string(f[4]);
  in.generation_id = std::string(f[5]);
  in.rater_id = std::string(f[6]);
  in.source = std::string(f[7]);

  static const Privacy privacy(PrivacyConfig{}, Logger());
  privacy.apply_rating(in.comment, in.metadata_json);
  if (!valid_utf8(in.comment) || !valid_utf8(in.metadata_json)) __builtin_trap();

  if (!normalize_rating(in).is_ok()) return 0;
  std::string body = rating_request_json(in);
  if (!sigil_fuzz::strict_json(body)) __builtin_trap();
  if (!in.metadata_json.empty() && !sigil_fuzz::strict_json(in.metadata_json)) __builtin_trap();

  std::string segment = escape_path_segment(in.conversation_id);
  if (!plain_segment(segment)) __builtin_trap();
  auto url = rating_url("http://127.0.0.1:8080", std::nullopt, in.conversation_id);
  if (!url || url.value().find(segment) == std::string::npos) __builtin_trap();
  return 0;
}
