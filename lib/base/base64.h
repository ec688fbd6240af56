// Standard base64 (RFC 4648, padded), as protojson uses for bytes fields.
#pragma once

#include <string>
#include <string_view>

namespace sigil::detail {

void base64_append(std::string &out, std::string_view in);
// Accepts the standard and URL-safe alphabets, padding optional.
bool base64_decode(std::string_view in, std::string &out);

}  // namespace sigil::detail
