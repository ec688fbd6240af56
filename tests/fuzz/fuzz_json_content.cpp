// Tool-call arguments and results as the host hands them over the ABI: the
// span attribute form (telemetry/genai_spans.h), then the privacy pass for
// JSON content (redaction, size limit) from core/privacy.h. Byte 0 picks one
// of a few field limits, bytes 1-2 a free limit for truncate_json_field; the
// rest is the content. Valid UTF-8 in must give valid JSON out, within the
// limit unless the truncation marker alone is longer.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/logger.h"
#include "core/privacy.h"
#include "base/utf8.h"
#include "telemetry/genai_spans.h"
#include "json_check.h"

using namespace sigil::detail;

namespace {

// The longest a cut JSON field can be: the limit, or the quoted marker for
// removing all `n` bytes when that alone is longer.
size_t cut_bound(uint64_t limit, size_t n) {
  size_t marker = 2 + std::string("\xE2\x80\xA6[truncated " + std::to_string(n) + " bytes]").size();
  return limit > marker ? size_t(limit) : marker;
}

const Privacy *make_privacy(uint64_t max_field_bytes) {
  PrivacyConfig cfg;
  cfg.max_field_bytes = max_field_bytes;
  return new Privacy(cfg, Logger());  // lives for the process
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3) return 0;
  static const Privacy *privacies[] = {make_privacy(0), make_privacy(32), make_privacy(64), make_privacy(300)};
  const Privacy &privacy = *privacies[data[0] & 3];
  const uint64_t limit = (uint64_t(data[1]) << 8 | data[2]) % 1024;
  const std::string raw(reinterpret_cast<const char *>(data) + 3, size - 3);
  if (!valid_utf8(raw)) return 0;  // the ABI refuses invalid UTF-8 before any of this

  std::string attr = tool_content_attribute(raw);
  if (!attr.empty() && !sigil_fuzz::strict_json(attr)) __builtin_trap();
  const size_t before = attr.size();
  privacy.apply_json_text(attr, "span.gen_ai.tool.call.arguments", RedactTier::kFull);
  if (before != 0 && !sigil_fuzz::strict_json(attr)) __builtin_trap();
  const uint64_t max = privacy.config().max_field_bytes;
  if (max != 0 && attr.size() > cut_bound(max, SIZE_MAX)) __builtin_trap();  // N unknown: widest marker

  std::string json = raw;
  if (truncate_json_field(json, limit)) {
    if (!sigil_fuzz::strict_json(json)) __builtin_trap();
    if (json.size() > cut_bound(limit, raw.size())) __builtin_trap();
  } else if (json != raw || (limit != 0 && raw.size() > limit)) {
    __builtin_trap();
  }
  return 0;
}
