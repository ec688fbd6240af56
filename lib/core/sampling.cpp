#include "core/sampling.h"

namespace sigil::detail {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<double> trace_sample_point(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis
  for (size_t i = 0; i < 32; i += 2) {
    const int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    h ^= uint64_t(hi << 4 | lo);
    h *= 1099511628211ull;  // FNV-1a 64 prime
  }
  return double(h >> 11) * 0x1.0p-53;
}

bool trace_in_sample(std::string_view trace_id_hex, double rate) {
  if (rate >= 1.0) return true;
  std::optional<double> point = trace_sample_point(trace_id_hex);
  if (!point) return true;
  return *point < rate;
}

}  // namespace sigil::detail
