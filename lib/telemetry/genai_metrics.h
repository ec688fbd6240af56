// The four GenAI client histograms and the reference's recording rules
// (which operation records which instrument, with which attributes).
// Aggregated in the engine for every operation, whether or not anything is
// exported; cumulative since the client started.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/model.h"
#include "telemetry/histogram.h"

namespace sigil::detail {

// Bucket boundaries. The reference SDKs leave boundaries to the OpenTelemetry
// SDK; where the GenAI semantic conventions advise boundaries we use them,
// elsewhere the SDK's default explicit boundaries (what the reference gets).
extern const std::vector<double> kDurationBuckets;    // gen_ai.client.operation.duration
extern const std::vector<double> kTokenUsageBuckets;  // gen_ai.client.token.usage
extern const std::vector<double> kTimeToFirstTokenBuckets;
extern const std::vector<double> kToolCallsBuckets;  // OTel SDK default boundaries
extern const std::vector<double> kCostBuckets;       // sigil.gen_ai.client.cost

// What a generation's metrics need, taken before the generation itself
// moves on (to the export queue).
struct GenerationMetricsInput {
  explicit GenerationMetricsInput(const Generation &g);

  std::string operation, provider, model, agent;  // trimmed
  int64_t started_at_ns = 0, completed_at_ns = 0;
  TokenUsage usage;
  int64_t tool_calls = 0;  // tool-call parts in the output
};

class GenAIMetrics {
 public:
  explicit GenAIMetrics(int64_t start_ns);

  // A generation (sync or streaming), errors as the span reports them ("" if none).
  void record_generation(const GenerationMetricsInput &g, const char *error_type, const char *error_category,
                         int64_t first_token_ns);
  void record_generation(const Generation &g, const char *error_type, const char *error_category,
                         int64_t first_token_ns) {
    record_generation(GenerationMetricsInput(g), error_type, error_category, first_token_ns);
  }
  void record_embedding(std::string_view provider, std::string_view model, std::string_view agent_name,
                        int64_t started_at_ns, int64_t completed_at_ns, int64_t input_tokens, const char *error_type,
                        const char *error_category);
  void record_tool_execution(std::string_view request_provider, std::string_view request_model,
                             std::string_view tool_name, std::string_view agent_name, int64_t started_at_ns,
                             int64_t completed_at_ns, const char *error_type, const char *error_category);

  // A priced generation's cost in USD (sigil.gen_ai.client.cost; the
  // histogram's sum is the running total), by provider, model and agent.
  void record_cost(std::string_view provider, std::string_view model, std::string_view agent_name, double usd,
                   bool estimated);

  int64_t start_ns() const { return start_ns_; }
  // Hands every recording to the host's metric callback too (see Histogram).
  void set_observer(sigil_metric_fn fn, void *user_data) {
    for (Histogram *h : {&duration_, &token_usage_, &ttft_, &tool_calls_, &cost_}) h->set_observer(fn, user_data);
  }

  // fork(): the child's cumulative series start over at `child_start_ns`
  // (the parent keeps reporting what it recorded before the fork).
  void fork_prepare();
  void fork_parent();
  void fork_child(int64_t child_start_ns);
  // The instruments in a fixed order.
  std::vector<const Histogram *> instruments() const;
  // Every instrument with data, in that order.
  std::vector<MetricSnapshot> snapshot() const;

  // {"metrics":[{name, unit, description, type, temporality, explicit_bounds,
  // points:[{attributes, count, sum, min, max, bucket_counts,
  // start_time_unix_nano, time_unix_nano}]}]} — instruments without data are
  // left out, as on the wire. Extra top-level members come from `extra`
  // (a JSON object body without braces, may be empty).
  std::string snapshot_json(int64_t now_ns, std::string_view extra) const;

 private:
  int64_t start_ns_;
  Histogram duration_;
  Histogram token_usage_;
  Histogram ttft_;
  Histogram tool_calls_;
  Histogram cost_;
};

}  // namespace sigil::detail
