// The reference's classification of failures into error.category values.
#pragma once

#include <cstdint>
#include <string_view>

namespace sigil::detail {

// `http_status` 0 means unknown: the message is searched for a 3-digit
// status code (100-599) as a whole word, as the reference SDKs do.
const char *classify_error_category(int32_t http_status, std::string_view message);

}  // namespace sigil::detail
