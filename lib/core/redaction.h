// The built-in redaction engine: secret, e-mail, env-style, payment-card,
// national-id and phone patterns, plus prompt-injection detection. One
// RE2::Set pass decides which patterns occur at all (the common case is
// none, one linear scan); only those are then matched and replaced.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sigil/sigil.h"

namespace sigil::detail {

// Which pattern set a field gets: kLight skips the env-style heuristic
// (prose: assistant text, thinking, titles, errors, metadata).
enum class RedactTier : uint8_t { kLight, kFull };

// Parses SIGIL_REDACT: "all", "none", or a comma list of category names.
// Returns false on an unknown name.
bool parse_redact_categories(std::string_view text, uint32_t &out);

class Redactor {
 public:
  explicit Redactor(uint32_t categories = SIGIL_REDACT_ALL);
  ~Redactor();
  Redactor(const Redactor &) = delete;
  Redactor &operator=(const Redactor &) = delete;

  uint32_t categories() const { return categories_; }
  // Replaces every match in `text`; returns whether anything changed.
  bool redact(std::string &text, RedactTier tier) const;
  // Whether `text` contains a prompt-injection phrase (INJECTION category).
  bool injection_suspected(std::string_view text) const;

  struct Pattern;  // internal

 private:
  uint32_t categories_;
  std::vector<std::unique_ptr<Pattern>> patterns_;
  struct Sets;
  std::unique_ptr<Sets> sets_;
};

// The Luhn checksum over the digits of `text` (other characters ignored).
bool luhn_valid(std::string_view text);

// Cuts `text` to at most `max_bytes` bytes at a UTF-8 boundary, ending in
// "…[truncated N bytes]". Returns whether it was cut. max_bytes 0 = no limit.
bool truncate_field(std::string &text, uint64_t max_bytes);

}  // namespace sigil::detail
