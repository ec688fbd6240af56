// Integer arithmetic on values callers and servers choose (timestamps, token
// counts, delays): clamped to the int64 range instead of overflowing, which
// would be undefined behaviour.
#pragma once

#include <cstdint>
#include <limits>

namespace sigil::detail {

inline int64_t saturating_add(int64_t a, int64_t b) {
  int64_t r;
  if (!__builtin_add_overflow(a, b, &r)) return r;
  return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

inline int64_t saturating_sub(int64_t a, int64_t b) {
  int64_t r;
  if (!__builtin_sub_overflow(a, b, &r)) return r;
  return b < 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

}  // namespace sigil::detail
