#include "core/cost.h"

#include <algorithm>

#include "base/saturating.h"
#include "telemetry/semconv.h"

namespace sigil::detail {

namespace sc = semconv;

namespace {

constexpr double kPerToken = 1e-6;  // prices are per million tokens
constexpr int64_t kNsPerDay = int64_t(86400) * 1000000000;

int64_t code_points(std::string_view s) {
  int64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

int64_t estimate_tokens(int64_t chars) { return (chars + 3) / 4; }

int64_t part_tokens(const Part &p) {
  switch (p.kind) {
    case PartKind::kText:
    case PartKind::kThinking:
      return estimate_tokens(code_points(p.text));
    case PartKind::kToolCall:
      return estimate_tokens(code_points(p.tool_call.input_json));
    case PartKind::kToolResult:
      return estimate_tokens(code_points(p.tool_result.content)) +
             estimate_tokens(code_points(p.tool_result.content_json));
    case PartKind::kMedia:
      return 0;  // no text to count: media is never estimated
  }
  return 0;
}

int64_t messages_tokens(const std::vector<Message> &messages) {
  int64_t n = 0;
  for (const Message &m : messages) {
    for (const Part &p : m.parts) n = saturating_add(n, part_tokens(p));
  }
  return n;
}

int32_t day_of(int64_t unix_ns) {
  int64_t d = unix_ns / kNsPerDay;
  if (unix_ns < 0 && unix_ns % kNsPerDay != 0) --d;
  return int32_t(d);
}

}  // namespace

CostBreakdown compute_cost(const TokenUsage &u, const ModelPrice &price, const ProviderUsageRules &rules) {
  const int64_t cache_read = std::max<int64_t>(0, u.cache_read_input_tokens);
  const int64_t cache_write = std::max<int64_t>(
      0, u.cache_write_input_tokens != 0 ? u.cache_write_input_tokens : u.cache_creation_input_tokens);
  const int64_t reasoning = std::max<int64_t>(0, u.reasoning_tokens);
  int64_t input = std::max<int64_t>(0, u.input_tokens);
  if (rules.input_includes_cache_read) input = std::max<int64_t>(0, input - cache_read);
  int64_t output = std::max<int64_t>(0, u.output_tokens);
  if (rules.output_includes_reasoning) output = std::max<int64_t>(0, output - reasoning);
  CostBreakdown c;
  c.input = double(input) * price.input * kPerToken;
  c.output = double(output) * price.output * kPerToken;
  c.cache_read = double(cache_read) * price.cache_read * kPerToken;
  c.cache_write = double(cache_write) * price.cache_write * kPerToken;
  c.reasoning = double(reasoning) * price.reasoning * kPerToken;
  c.total = c.input + c.output + c.cache_read + c.cache_write + c.reasoning;
  return c;
}

TokenUsage estimate_usage(const Generation &g) {
  TokenUsage u;
  u.input_tokens = saturating_add(estimate_tokens(code_points(g.system_prompt)), messages_tokens(g.input));
  u.output_tokens = messages_tokens(g.output);
  u.total_tokens = saturating_add(u.input_tokens, u.output_tokens);
  return u;
}

CostOutcome apply_cost(Generation &g, const PriceTable *table, bool estimate) {
  CostOutcome o;
  const TokenUsage *usage = &g.usage;
  if (g.usage.empty()) {
    if (!estimate) return o;
    TokenUsage est = estimate_usage(g);
    if (est.total_tokens == 0) return o;
    o.estimate = est;
    usage = &*o.estimate;
    // Estimates live beside the provider's usage fields, never in them.
    g.metadata[sc::kUsageEstimated] = JsonValue::Bool(true);
    g.metadata[sc::kUsageEstimatedInput] = JsonValue::Number(double(est.input_tokens));
    g.metadata[sc::kUsageEstimatedOutput] = JsonValue::Number(double(est.output_tokens));
  }
  if (table == nullptr) return o;
  const ModelPrice *price = table->find(g.model.provider, g.model.name, day_of(g.started_at_ns));
  if (price == nullptr) {
    o.unpriced = true;
    return o;
  }
  CostBreakdown c = compute_cost(*usage, *price, table->rules(price->provider));
  c.estimated = o.estimate.has_value();
  g.metadata[sc::kCostTotal] = JsonValue::Number(c.total);
  g.metadata[sc::kCostInput] = JsonValue::Number(c.input);
  g.metadata[sc::kCostOutput] = JsonValue::Number(c.output);
  g.metadata[sc::kCostCacheRead] = JsonValue::Number(c.cache_read);
  g.metadata[sc::kCostCacheWrite] = JsonValue::Number(c.cache_write);
  g.metadata[sc::kCostReasoning] = JsonValue::Number(c.reasoning);
  g.metadata[sc::kCostPriceTableVersion] = JsonValue::String(table->version());
  if (c.estimated) g.metadata[sc::kCostEstimated] = JsonValue::Bool(true);
  o.cost = c;
  return o;
}

void set_cost_span_attributes(SpanData &span, const CostOutcome &o, const std::string &table_version) {
  if (o.estimate) {
    span.attributes.set_bool(sc::kUsageEstimated, true);
    span.attributes.set_int(sc::kUsageEstimatedInput, o.estimate->input_tokens);
    span.attributes.set_int(sc::kUsageEstimatedOutput, o.estimate->output_tokens);
  }
  if (!o.cost) return;
  const CostBreakdown &c = *o.cost;
  span.attributes.set_double(sc::kCostTotal, c.total);
  span.attributes.set_double(sc::kCostInput, c.input);
  span.attributes.set_double(sc::kCostOutput, c.output);
  span.attributes.set_double(sc::kCostCacheRead, c.cache_read);
  span.attributes.set_double(sc::kCostCacheWrite, c.cache_write);
  span.attributes.set_double(sc::kCostReasoning, c.reasoning);
  span.attributes.set_string(sc::kCostPriceTableVersion, table_version);
  if (c.estimated) span.attributes.set_bool(sc::kCostEstimated, true);
}

}  // namespace sigil::detail
