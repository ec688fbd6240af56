// Deterministic sampling by trace id (docs/sampling.md): every record of one
// trace gets the same decision, in every process and every language.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sigil::detail {

// The trace's point in [0, 1): FNV-1a (64-bit) over the 16 bytes of the
// trace id, top 53 bits scaled by 2^-53. nullopt for a trace id that is not
// 32 hex digits.
std::optional<double> trace_sample_point(std::string_view trace_id_hex);

// In the sample at `rate` (0..1): point < rate. A rate of 1 keeps everything
// and 0 nothing; a record without a valid trace id is always kept.
bool trace_in_sample(std::string_view trace_id_hex, double rate);

struct SamplingConfig {
  double content_rate = 1.0;  // outside it a generation is exported metadata-only
  double export_rate = 1.0;   // outside it a generation is not exported (metrics still count it)
};

}  // namespace sigil::detail
