// RFC 3339 timestamps as protojson writes google.protobuf.Timestamp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sigil::detail {

int64_t now_unix_ns();
// "2026-01-02T03:04:05.123Z": 0, 3, 6 or 9 fractional digits, as protojson.
void append_rfc3339(std::string &out, int64_t unix_ns);
// The instants whose every nanosecond fits int64 Unix nanoseconds:
// 1677-09-21T00:12:44Z to 2262-04-11T23:47:15Z.
inline constexpr int64_t kMinRfc3339Seconds = -9223372036;
inline constexpr int64_t kMaxRfc3339Seconds = 9223372035;
// Parses RFC 3339 with 'Z' or a numeric offset; false when malformed or
// outside [kMinRfc3339Seconds, kMaxRfc3339Seconds].
bool parse_rfc3339(std::string_view s, int64_t &unix_ns);

}  // namespace sigil::detail
