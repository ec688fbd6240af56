// Protocol Buffers wire format for the hand-written encoders: the sizes and
// raw writes of keys, varints, fixed64 values and length-delimited fields.
// Writers put bytes at a raw pointer into a buffer sized beforehand; they do
// no bounds checks, so callers size first and write exactly that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sigil::detail::pbwire {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2 };

// Field numbers up to 2047 have keys of at most two bytes; key_size and
// put_key rely on that (sigil.v1 and google.protobuf use far smaller numbers).
constexpr size_t key_size(uint32_t field) { return field < 16 ? 1 : 2; }

inline size_t varint_size(uint64_t v) {
  // 1 + floor((significant bits - 1) / 7), without a loop.
  const unsigned bits = 64u - static_cast<unsigned>(__builtin_clzll(v | 1));
  return (bits * 9 + 64) / 64;
}

// Size of a length-delimited field (key, length, body) whose body is `len` bytes.
inline size_t delimited_size(uint32_t field, size_t len) { return key_size(field) + varint_size(len) + len; }

inline char *put_varint(char *p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

inline char *put_key(char *p, uint32_t field, WireType wt) {
  const uint32_t k = field << 3 | wt;
  if (k < 0x80) {
    *p++ = static_cast<char>(k);
  } else {
    *p++ = static_cast<char>(k | 0x80);
    *p++ = static_cast<char>(k >> 7);
  }
  return p;
}

// Little-endian IEEE 754 bits, as protobuf's double.
inline char *put_double(char *p, double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  for (int i = 0; i < 8; ++i) *p++ = static_cast<char>(bits >> (8 * i));
  return p;
}

inline char *put_bytes(char *p, const char *data, size_t n) {
  if (n) std::memcpy(p, data, n);
  return p + n;
}

}  // namespace sigil::detail::pbwire
