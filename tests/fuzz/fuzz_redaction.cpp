// The redactor (core/redaction.h) over arbitrary text: the built-in patterns
// with every category on, prompt-injection detection, and the size limit.
// Byte 0 picks the tier, bytes 1-2 the field limit; the rest is the text.
// Text that is valid UTF-8 (all the ABI lets in) must stay valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/logger.h"
#include "core/privacy.h"
#include "core/redaction.h"
#include "base/utf8.h"

using namespace sigil::detail;

namespace {

// The marker alone, when everything is cut: the smallest a cut field gets.
size_t marker_size(size_t removed) {
  return std::string("\xE2\x80\xA6[truncated " + std::to_string(removed) + " bytes]").size();
}

const Privacy *make_privacy(uint64_t max_field_bytes) {
  PrivacyConfig cfg;
  cfg.max_field_bytes = max_field_bytes;
  return new Privacy(cfg, Logger());  // lives for the process
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3) return 0;
  static const Redactor redactor(SIGIL_REDACT_ALL);
  const RedactTier tier = (data[0] & 1) ? RedactTier::kFull : RedactTier::kLight;
  const uint64_t limit = (uint64_t(data[1]) << 8 | data[2]) % 2048;
  const std::string input(reinterpret_cast<const char *>(data) + 3, size - 3);
  const bool utf8 = valid_utf8(input);

  std::string text = input;
  bool changed = redactor.redact(text, tier);
  (void)redactor.injection_suspected(input);
  if (changed && text.find("[REDACTED:") == std::string::npos) __builtin_trap();
  if (!changed && text != input) __builtin_trap();
  if (utf8 && !valid_utf8(text)) __builtin_trap();

  std::string cut = input;
  if (truncate_field(cut, limit)) {
    if (cut.size() > limit && cut.size() > marker_size(input.size())) __builtin_trap();
    if (utf8 && !valid_utf8(cut)) __builtin_trap();
  } else if (cut != input) {
    __builtin_trap();
  }

  // The pass a content field gets, through one of a few clients' settings.
  static const Privacy *privacies[] = {make_privacy(0), make_privacy(24), make_privacy(64), make_privacy(256)};
  const Privacy &privacy = *privacies[(data[0] >> 1) & 3];
  std::string field = input;
  privacy.apply_text(field, "generation.input[0].parts[0].text", tier, true);
  // No sanitizer is set, so that is exactly redaction followed by the cut.
  std::string expected = text;
  truncate_field(expected, privacy.config().max_field_bytes);
  if (field != expected) __builtin_trap();
  if (utf8 && !valid_utf8(field)) __builtin_trap();
  return 0;
}
