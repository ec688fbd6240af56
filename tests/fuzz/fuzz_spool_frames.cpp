// Spool segment files (export/spool.h): whatever is on disk after a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "export/spool.h"
#include "export/spooled_telemetry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view in(reinterpret_cast<const char *>(data), size);
  std::vector<sigil::detail::SpoolRecord> out;
  size_t valid = sigil::detail::parse_spool_frames(in, out);
  if (valid > size) __builtin_trap();
  // What parsed re-frames to the same bytes.
  std::string again(sigil::detail::kSpoolFileMagic);
  for (const auto &r : out) sigil::detail::append_spool_frame(again, r);
  if (valid > 0 && again != in.substr(0, valid)) __builtin_trap();
  // Write-ahead replay: no acknowledgement, and no acknowledged id, is left.
  const size_t before = out.size();
  const size_t dropped = sigil::detail::drop_acknowledged(out);
  if (dropped + out.size() != before) __builtin_trap();
  for (const auto &r : out) {
    if (r.format == sigil::detail::kSpoolAck) __builtin_trap();
    // A spans record's id gives its count, or 0 when it gives none.
    const uint64_t spans = sigil::detail::spooled_span_count(r);
    if (spans != 0 && r.id.rfind("spans:", 0) != 0) __builtin_trap();
  }
  return 0;
}
