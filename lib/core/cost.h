// What a generation cost (from its usage and the price table), token
// estimates for generations without usage, and the metadata and span
// attributes that carry both. Rules: docs/cost.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/model.h"
#include "base/span.h"
#include "core/price_table.h"

namespace sigil::detail {

struct CostBreakdown {  // USD
  double input = 0, output = 0, cache_read = 0, cache_write = 0, reasoning = 0, total = 0;
  bool estimated = false;  // from estimated token counts
};

// The cost of `usage` at `price`, counting each token once under the
// provider's rules (a prompt count that includes cached tokens is billed
// net of them; reasoning inside the output count is billed as reasoning).
CostBreakdown compute_cost(const TokenUsage &usage, const ModelPrice &price, const ProviderUsageRules &rules);

// ceil(code points / 4) of every text the generation carries: the system
// prompt and input messages for input, output messages for output (text,
// thinking, tool call arguments and tool results).
TokenUsage estimate_usage(const Generation &g);

// What the engine decided for one generation, stamped on its metadata
// (sigil.cost.*, sigil.usage.estimated*) and its span.
struct CostOutcome {
  std::optional<CostBreakdown> cost;
  std::optional<TokenUsage> estimate;  // set when the usage was estimated
  bool unpriced = false;               // usage (or an estimate) but no price for the model
};

// Estimates usage when enabled and the generation has none, then prices it;
// writes the metadata keys. `table` may be null (cost off).
CostOutcome apply_cost(Generation &g, const PriceTable *table, bool estimate_tokens);
void set_cost_span_attributes(SpanData &span, const CostOutcome &c, const std::string &table_version);

}  // namespace sigil::detail
