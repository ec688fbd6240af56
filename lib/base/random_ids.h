// Random bits and the identifiers made of them: trace, span and generation ids.
#pragma once

#include <cstdint>
#include <string>

namespace sigil::detail {

// Fast, thread-safe random bits (per-thread generator seeded from the OS,
// re-seeded in a forked child).
uint64_t random_u64();
std::string new_trace_id();  // 32 lowercase hex digits, never all zero
std::string new_span_id();   // 16 lowercase hex digits, never all zero
// "gen_" + 16 lowercase hex digits, as the reference SDKs.
std::string new_generation_id();
// A random (version 4, RFC 9562) UUID: "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx".
std::string new_uuid_v4();

}  // namespace sigil::detail
