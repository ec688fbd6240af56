#include "telemetry/genai_metrics.h"

#include "base/saturating.h"
#include "base/strings.h"
#include "base/json_writer.h"
#include "telemetry/genai_spans.h"
#include "telemetry/semconv.h"

namespace sigil::detail {

namespace sc = semconv;

// OpenTelemetry GenAI semantic conventions, advisory ExplicitBucketBoundaries:
// gen_ai.client.operation.duration and gen_ai.client.token.usage as advised;
// time to first token as advised for gen_ai.server.time_to_first_token (the
// client-side instrument has no advice of its own).
const std::vector<double> kDurationBuckets = {0.01, 0.02, 0.04, 0.08,  0.16,  0.32,  0.64,
                                              1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
const std::vector<double> kTokenUsageBuckets = {1,     4,     16,     64,      256,     1024,     4096,
                                                16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
const std::vector<double> kTimeToFirstTokenBuckets = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,
                                                      0.25,  0.5,   0.75, 1.0,  2.5,  5.0,  7.5,  10.0};
// No semantic-convention advice: the OpenTelemetry SDK default boundaries.
const std::vector<double> kToolCallsBuckets = {0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000};
// Cost per generation in USD: decades from a hundredth of a cent to $100.
const std::vector<double> kCostBuckets = {0.0001, 0.001, 0.01, 0.1, 1, 10, 100};

namespace {

double seconds_between(int64_t start_ns, int64_t end_ns) {
  double d = double(saturating_sub(end_ns, start_ns)) / 1e9;
  return d < 0 ? 0 : d;
}

void append_attrs(std::string &out, const MetricAttrs &attrs) {
  JsonObjectWriter w(out);
  for (const MetricAttr &a : attrs) w.string(a.key, a.value);
  w.end();
}

void append_time(std::string &out, int64_t ns) {  // protojson-style uint64 string
  out.push_back('"');
  json_append_int(out, ns);
  out.push_back('"');
}

}  // namespace

GenAIMetrics::GenAIMetrics(int64_t start_ns)
    : start_ns_(start_ns),
      duration_(sc::kMetricOperationDuration, "s", "GenAI operation duration.", kDurationBuckets),
      token_usage_(sc::kMetricTokenUsage, "{token}", "Number of tokens used per GenAI operation, by token type.",
                   kTokenUsageBuckets),
      ttft_(sc::kMetricTimeToFirstToken, "s", "Time from the start of a streaming GenAI operation to its first token.",
            kTimeToFirstTokenBuckets),
      tool_calls_(sc::kMetricToolCallsPerOperation, "{call}", "Number of tool calls a GenAI operation requested.",
                  kToolCallsBuckets),
      cost_(sc::kMetricCost, "USD",
            "Cost of a GenAI operation in US dollars, from its token usage and the price table (docs/cost.md).",
            kCostBuckets) {}

GenerationMetricsInput::GenerationMetricsInput(const Generation &g)
    : operation(generation_operation_name(g)),
      provider(trim_view(g.model.provider)),
      model(trim_view(g.model.name)),
      agent(trim_view(g.agent_name)),
      started_at_ns(g.started_at_ns),
      completed_at_ns(g.completed_at_ns),
      usage(g.usage) {
  for (const Message &m : g.output) {
    for (const Part &p : m.parts) tool_calls += p.kind == PartKind::kToolCall;
  }
}

void GenAIMetrics::record_generation(const GenerationMetricsInput &g, const char *error_type,
                                     const char *error_category, int64_t first_token_ns) {
  if (g.started_at_ns == 0 || g.completed_at_ns == 0) return;
  const std::string &op = g.operation;
  const std::string_view provider = g.provider, model = g.model, agent = g.agent;

  duration_.record(seconds_between(g.started_at_ns, g.completed_at_ns),
                   {{sc::kOperationName, op},
                    {sc::kProviderName, provider},
                    {sc::kRequestModel, model},
                    {sc::kAgentName, agent},
                    {sc::kErrorType, error_type != nullptr ? error_type : ""},
                    {sc::kErrorCategory, error_category != nullptr ? error_category : ""}});

  auto record_tokens = [&](const char *token_type, int64_t value) {
    if (value <= 0) return;
    token_usage_.record(double(value), {{sc::kOperationName, op},
                                        {sc::kProviderName, provider},
                                        {sc::kRequestModel, model},
                                        {sc::kAgentName, agent},
                                        {sc::kTokenType, token_type}});
  };
  record_tokens("input", g.usage.input_tokens);
  record_tokens("output", g.usage.output_tokens);
  record_tokens("cache_read", g.usage.cache_read_input_tokens);
  record_tokens("cache_write", g.usage.cache_write_input_tokens);
  record_tokens("cache_creation", g.usage.cache_creation_input_tokens);
  record_tokens("reasoning", g.usage.reasoning_tokens);

  tool_calls_.record(double(g.tool_calls),
                     {{sc::kProviderName, provider}, {sc::kRequestModel, model}, {sc::kAgentName, agent}});

  // As the reference: by operation name, and only with a first-token time.
  // A first token stamped with a millisecond clock (JavaScript's Date) can
  // read up to 1 ms before the nanosecond start: that is "at the start", not
  // a value to drop. Anything earlier is a caller error and is dropped.
  constexpr int64_t kClockSlackNs = 1000000;
  const int64_t ttft_ns = saturating_sub(first_token_ns, g.started_at_ns);
  if (op == sc::kOpStream && first_token_ns != 0 && ttft_ns >= -kClockSlackNs) {
    ttft_.record(double(std::max<int64_t>(ttft_ns, 0)) / 1e9,
                 {{sc::kProviderName, provider}, {sc::kRequestModel, model}, {sc::kAgentName, agent}});
  }
}

void GenAIMetrics::record_embedding(std::string_view provider, std::string_view model, std::string_view agent_name,
                                    int64_t started_at_ns, int64_t completed_at_ns, int64_t input_tokens,
                                    const char *error_type, const char *error_category) {
  if (started_at_ns == 0 || completed_at_ns == 0) return;
  const std::string_view p = trim_view(provider), m = trim_view(model), a = trim_view(agent_name);
  duration_.record(seconds_between(started_at_ns, completed_at_ns),
                   {{sc::kOperationName, sc::kOpEmbeddings},
                    {sc::kProviderName, p},
                    {sc::kRequestModel, m},
                    {sc::kAgentName, a},
                    {sc::kErrorType, error_type != nullptr ? error_type : ""},
                    {sc::kErrorCategory, error_category != nullptr ? error_category : ""}});
  if (input_tokens > 0) {
    token_usage_.record(double(input_tokens), {{sc::kOperationName, sc::kOpEmbeddings},
                                               {sc::kProviderName, p},
                                               {sc::kRequestModel, m},
                                               {sc::kAgentName, a},
                                               {sc::kTokenType, "input"}});
  }
}

void GenAIMetrics::record_tool_execution(std::string_view request_provider, std::string_view request_model,
                                         std::string_view tool_name, std::string_view agent_name, int64_t started_at_ns,
                                         int64_t completed_at_ns, const char *error_type, const char *error_category) {
  if (started_at_ns == 0 || completed_at_ns == 0) return;
  duration_.record(seconds_between(started_at_ns, completed_at_ns),
                   {{sc::kOperationName, sc::kOpExecuteTool},
                    {sc::kProviderName, trim_view(request_provider)},
                    {sc::kRequestModel, trim_view(request_model)},
                    {sc::kToolName, trim_view(tool_name)},
                    {sc::kAgentName, trim_view(agent_name)},
                    {sc::kErrorType, error_type != nullptr ? error_type : ""},
                    {sc::kErrorCategory, error_category != nullptr ? error_category : ""}});
}

void GenAIMetrics::record_cost(std::string_view provider, std::string_view model, std::string_view agent_name,
                               double usd, bool estimated) {
  cost_.record(usd, {{sc::kProviderName, trim_view(provider)},
                     {sc::kRequestModel, trim_view(model)},
                     {sc::kAgentName, trim_view(agent_name)},
                     {sc::kCostEstimated, estimated ? "true" : "false"}});
}

std::vector<const Histogram *> GenAIMetrics::instruments() const {
  return {&duration_, &token_usage_, &ttft_, &tool_calls_, &cost_};
}

std::vector<MetricSnapshot> GenAIMetrics::snapshot() const {
  std::vector<MetricSnapshot> out;
  for (const Histogram *h : instruments()) {
    std::vector<HistogramPoint> points = h->points();
    if (!points.empty()) out.push_back(MetricSnapshot{h, std::move(points)});
  }
  return out;
}

std::string GenAIMetrics::snapshot_json(int64_t now_ns, std::string_view extra) const {
  std::string out;
  out.reserve(1024);
  out.append("{\"metrics\":[");
  bool first_metric = true;
  for (const MetricSnapshot &snap : snapshot()) {
    const InstrumentInfo *h = snap.instrument;
    const std::vector<HistogramPoint> &points = snap.points;
    if (!first_metric) out.push_back(',');
    first_metric = false;
    JsonObjectWriter m(out);
    m.string("name", h->name());
    m.string("unit", h->unit());
    m.string("description", h->description());
    m.string("type", "histogram");
    m.string("temporality", "cumulative");
    m.key("explicit_bounds");
    out.push_back('[');
    for (size_t i = 0; i < h->bounds().size(); ++i) {
      if (i) out.push_back(',');
      json_append_double(out, h->bounds()[i]);
    }
    out.push_back(']');
    m.key("points");
    out.push_back('[');
    for (size_t i = 0; i < points.size(); ++i) {
      const HistogramPoint &p = points[i];
      if (i) out.push_back(',');
      JsonObjectWriter pw(out);
      pw.key("attributes");
      append_attrs(out, p.attributes);
      pw.key("count");
      json_append_int(out, int64_t(p.count));
      pw.key("sum");
      json_append_double(out, p.sum);
      pw.key("min");
      json_append_double(out, p.min);
      pw.key("max");
      json_append_double(out, p.max);
      pw.key("bucket_counts");
      out.push_back('[');
      for (size_t b = 0; b < p.bucket_counts.size(); ++b) {
        if (b) out.push_back(',');
        json_append_int(out, int64_t(p.bucket_counts[b]));
      }
      out.push_back(']');
      pw.key("start_time_unix_nano");
      append_time(out, start_ns_);
      pw.key("time_unix_nano");
      append_time(out, now_ns);
      pw.end();
    }
    out.push_back(']');
    m.end();
  }
  out.push_back(']');
  if (!extra.empty()) {
    out.push_back(',');
    out.append(extra);
  }
  out.push_back('}');
  return out;
}

void GenAIMetrics::fork_prepare() {
  duration_.fork_prepare();
  token_usage_.fork_prepare();
  ttft_.fork_prepare();
  tool_calls_.fork_prepare();
  cost_.fork_prepare();
}

void GenAIMetrics::fork_parent() {
  cost_.fork_parent();
  tool_calls_.fork_parent();
  ttft_.fork_parent();
  token_usage_.fork_parent();
  duration_.fork_parent();
}

void GenAIMetrics::fork_child(int64_t child_start_ns) {
  cost_.fork_child();
  tool_calls_.fork_child();
  ttft_.fork_child();
  token_usage_.fork_child();
  duration_.fork_child();
  start_ns_ = child_start_ns;
}

}  // namespace sigil::detail
