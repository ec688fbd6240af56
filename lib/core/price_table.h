// The price table: USD per million tokens per provider and model, with the
// date each price took effect. The library ships one (lib/core/prices.json,
// compiled in); a host file in the same format adds and replaces entries.
// Format and matching rules: docs/cost.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sigil::detail {

// How a provider's usage counts tokens (which counts include which).
struct ProviderUsageRules {
  bool input_includes_cache_read = false;  // OpenAI, Gemini: prompt count includes cached tokens
  bool output_includes_reasoning = true;   // OpenAI: completion count includes reasoning tokens
};

// One price, USD per million tokens. Unset cache and reasoning prices fall
// back to the input (cache) and output (reasoning) prices.
struct ModelPrice {
  std::string provider, model;
  int32_t effective_from = 0;  // days since 1970-01-01 (UTC); 0: always
  double input = 0, output = 0, cache_read = 0, cache_write = 0, reasoning = 0;
};

class PriceTable {
 public:
  // The built-in table.
  static std::shared_ptr<const PriceTable> builtin();
  // The built-in table with `json` (a file's text) merged in: every
  // (provider, model) the file names replaces the built-in entries of that
  // pair; its providers' usage rules replace the built-in ones. `origin`
  // names the file in errors (SIGIL_E_CONFIG).
  static Expected<std::shared_ptr<const PriceTable>> with_overrides(std::string_view json, const std::string &origin);
  // Parses one table (for the tests and the two above).
  static Expected<PriceTable> parse(std::string_view json, const std::string &origin);

  // "2026-12-01", or "2026-12-01+<file version>" with overrides.
  const std::string &version() const { return version_; }

  // The price of `model` from `provider` on `day` (days since the epoch),
  // by the matching rules of docs/cost.md; nullptr when none applies.
  const ModelPrice *find(std::string_view provider, std::string_view model, int32_t day) const;
  // The usage rules of the provider `find` matched (by its price's provider).
  ProviderUsageRules rules(const std::string &provider) const;

  size_t size() const { return prices_.size(); }

 private:
  const std::vector<ModelPrice> *entries(const std::string &provider, const std::string &model) const;

  std::string version_;
  // provider -> model -> prices ordered by effective_from
  std::map<std::string, std::map<std::string, std::vector<ModelPrice>>> prices_;
  std::map<std::string, ProviderUsageRules> rules_;
};

// Days since 1970-01-01 of a "YYYY-MM-DD" date; nullopt if malformed.
std::optional<int32_t> parse_iso_day(std::string_view text);

}  // namespace sigil::detail
