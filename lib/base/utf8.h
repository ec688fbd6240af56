// UTF-8 validation for every string that enters the engine.
#pragma once

#include <cstddef>
#include <string_view>

namespace sigil::detail {

bool valid_utf8(std::string_view s);
// Byte offset of the first invalid sequence, or npos when valid.
size_t first_invalid_utf8(std::string_view s);

}  // namespace sigil::detail
