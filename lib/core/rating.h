// Conversation ratings: the Sigil API client. Validation and the request
// follow the reference SDKs (sdks/go/sigil/rating.go); the call is
// synchronous and never retried (the rating id is the idempotency key).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.h"
#include "base/status.h"

namespace sigil::detail {

enum class RatingValue : uint32_t {
  kUnspecified = SIGIL_RATING_UNSPECIFIED,
  kGood = SIGIL_RATING_GOOD,
  kBad = SIGIL_RATING_BAD,
};

// "CONVERSATION_RATING_VALUE_GOOD" / "_BAD"; "" otherwise.
const char *rating_value_wire_name(RatingValue v);
RatingValue rating_value_from_wire(std::string_view name);

struct RatingInput {
  std::string conversation_id;
  std::string rating_id;
  RatingValue rating = RatingValue::kUnspecified;
  std::string comment;
  std::string metadata_json;  // a JSON object, or empty
  std::string generation_id;
  std::string rater_id;
  std::string source;
};

struct RatingSummary {
  uint64_t total_count = 0, good_count = 0, bad_count = 0;
  RatingValue latest_rating = RatingValue::kUnspecified;
  bool has_bad_rating = false;
  int64_t latest_rated_at_ns = 0, latest_bad_at_ns = 0;
};

struct RatingResponse {
  std::string json;  // the body as received
  std::string rating_id, conversation_id, generation_id, comment, rater_id, source, metadata_json, created_at;
  RatingValue rating = RatingValue::kUnspecified;
  int64_t created_at_ns = 0;
  RatingSummary summary;
};

// Trims every field and checks the reference's rules; metadata becomes
// compact JSON text (empty when absent or "{}"). SIGIL_E_RATING_VALIDATION
// when a rule fails.
Status normalize_rating(RatingInput &input);

// The request body: rating_id and rating always, the rest when non-empty.
std::string rating_request_json(const RatingInput &normalized);

// "<scheme>://<authority>/api/v1/conversations/<escaped id>/ratings".
// The endpoint's path is ignored, as in the reference. SIGIL_E_CONFIG when
// the endpoint is unusable.
Expected<std::string> rating_url(std::string_view api_endpoint, std::optional<bool> insecure,
                                 std::string_view conversation_id);

// Percent-escapes one path segment the way Go's url.PathEscape does, and
// escapes "." / ".." so they survive URL normalization.
std::string escape_path_segment(std::string_view segment);

// Parses a 200 body. SIGIL_E_TRANSPORT when it is not the expected JSON.
Expected<RatingResponse> parse_rating_response(std::string body);

// Maps a completed exchange that was not a 200 to the pinned status codes:
// 400 -> SIGIL_E_REJECTED, 409 -> SIGIL_E_RATING_CONFLICT, else
// SIGIL_E_TRANSPORT.
Status rating_http_error(long http_status, std::string_view body);

// Validates, sends and parses; blocks up to `timeout_ms` (0 = 10000).
Expected<RatingResponse> submit_rating(const ClientConfig &config, RatingInput input, uint32_t timeout_ms);

}  // namespace sigil::detail
