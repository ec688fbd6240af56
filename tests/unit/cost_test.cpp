// Cost, token estimates and sampling: the built-in price table (every model
// family, snapshots, aliases, Bedrock ids, effective dates), the provider
// usage rules, host override files and the tables refused, what a client
// stamps on the exported generation, its span and metrics, and the sampling
// hash checked against an independent implementation over 10k trace ids.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>

#include "core/client.h"
#include "core/cost.h"
#include "core/generation_recorder.h"
#include "core/price_table.h"
#include "core/sampling.h"
#include "support/capturing_sink.h"
#include "telemetry/semconv.h"

using namespace sigil::detail;
using sigil_test::CapturingSink;
using sigil_test::env_of;
using sigil_test::exported;
using sigil_test::last_exported;
namespace sc = sigil::detail::semconv;

namespace {

int32_t day(const char *iso) { return *parse_iso_day(iso); }
const int32_t kToday = 20429;  // 2025-12-07

const ModelPrice *builtin_find(const char *provider, const char *model, int32_t on = kToday) {
  return PriceTable::builtin()->find(provider, model, on);
}

// ---- the built-in table ------------------------------------------------------------

TEST(PriceTable, BuiltinLoadsWithItsVersion) {
  auto t = PriceTable::builtin();
  EXPECT_EQ(t->version(), "2026-12-01");
  EXPECT_EQ(t->size(), 4u);  // providers: openai, anthropic, gemini, bedrock
  EXPECT_EQ(day("1970-01-02"), 1);
  EXPECT_EQ(day("2025-12-07"), kToday);
  EXPECT_FALSE(parse_iso_day("2025-02-29"));
  EXPECT_FALSE(parse_iso_day("2025-13-01"));
  EXPECT_FALSE(parse_iso_day("20250101"));
}

struct Family {
  const char *provider, *model;
  double input, output, cache_read;
};

TEST(PriceTable, EveryFamilyHasItsListPrice) {
  const Family families[] = {
      {"openai", "gpt-4o", 2.5, 10, 1.25},
      {"openai", "gpt-4o-mini", 0.15, 0.6, 0.075},
      {"openai", "gpt-4.1", 2, 8, 0.5},
      {"openai", "gpt-4.1-mini", 0.4, 1.6, 0.1},
      {"openai", "gpt-4.1-nano", 0.1, 0.4, 0.025},
      {"openai", "o1", 15, 60, 7.5},
      {"openai", "o3", 2, 8, 0.5},
      {"openai", "o3-mini", 1.1, 4.4, 0.55},
      {"openai", "o4-mini", 1.1, 4.4, 0.275},
      {"openai", "gpt-5", 1.25, 10, 0.125},
      {"openai", "gpt-5-mini", 0.25, 2, 0.025},
      {"openai", "gpt-5-nano", 0.05, 0.4, 0.005},
      {"anthropic", "claude-3-5-sonnet", 3, 15, 0.3},
      {"anthropic", "claude-3-7-sonnet", 3, 15, 0.3},
      {"anthropic", "claude-3-5-haiku", 0.8, 4, 0.08},
      {"anthropic", "claude-sonnet-4", 3, 15, 0.3},
      {"anthropic", "claude-sonnet-4-5", 3, 15, 0.3},
      {"anthropic", "claude-opus-4", 15, 75, 1.5},
      {"anthropic", "claude-opus-4-1", 15, 75, 1.5},
      {"anthropic", "claude-haiku-4-5", 1, 5, 0.1},
      {"gemini", "gemini-1.5-pro", 1.25, 5, 0.3125},
      {"gemini", "gemini-1.5-flash", 0.075, 0.3, 0.01875},
      {"gemini", "gemini-2.0-flash", 0.1, 0.4, 0.025},
      {"gemini", "gemini-2.0-flash-lite", 0.075, 0.3, 0.075},  // no cache price: the input price
      {"gemini", "gemini-2.5-pro", 1.25, 10, 0.125},
      {"gemini", "gemini-2.5-flash", 0.3, 2.5, 0.03},
      {"gemini", "gemini-2.5-flash-lite", 0.1, 0.4, 0.01},
      {"bedrock", "anthropic.claude-3-5-sonnet-20241022-v2:0", 3, 15, 0.3},
      {"bedrock", "anthropic.claude-3-haiku-20240307-v1:0", 0.25, 1.25, 0.25},
      {"bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0", 3, 15, 0.3},
      {"bedrock", "amazon.nova-micro-v1:0", 0.035, 0.14, 0.00875},
      {"bedrock", "amazon.nova-lite-v1:0", 0.06, 0.24, 0.015},
      {"bedrock", "amazon.nova-pro-v1:0", 0.8, 3.2, 0.2},
      {"bedrock", "meta.llama3-70b-instruct-v1:0", 2.65, 3.5, 2.65},
      {"bedrock", "meta.llama3-1-405b-instruct-v1:0", 2.4, 2.4, 2.4},
  };
  for (const Family &f : families) {
    const ModelPrice *p = builtin_find(f.provider, f.model);
    ASSERT_NE(p, nullptr) << f.provider << "/" << f.model;
    EXPECT_DOUBLE_EQ(p->input, f.input) << f.model;
    EXPECT_DOUBLE_EQ(p->output, f.output) << f.model;
    EXPECT_DOUBLE_EQ(p->cache_read, f.cache_read) << f.model;
    EXPECT_DOUBLE_EQ(p->reasoning, p->output) << f.model;  // no reasoning price: the output price
  }
}

TEST(PriceTable, SnapshotsAliasesPrefixesAndBedrockIds) {
  struct Case {
    const char *provider, *model, *matched;
  } cases[] = {
      {"openai", "gpt-4o-2024-08-06", "gpt-4o"},
      {"openai", "gpt-4o-mini-2024-07-18", "gpt-4o-mini"},
      {"openai", "GPT-4.1-2025-04-14", "gpt-4.1"},
      {"openai", "gpt-5-chat-latest", "gpt-5-chat"},
      {"openai", "o3-mini-2025-01-31", "o3-mini"},
      {"", "openai/gpt-4o", "gpt-4o"},
      {"openrouter", "anthropic/claude-3-5-haiku-20241022", "claude-3-5-haiku"},
      {"anthropic", "claude-3-5-sonnet-20241022", "claude-3-5-sonnet"},
      {"anthropic", "claude-3-5-sonnet-latest", "claude-3-5-sonnet"},
      {"anthropic", "claude-3-7-sonnet@20250219", "claude-3-7-sonnet"},
      {"anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5"},
      {"anthropic", "claude-sonnet-4-20250514", "claude-sonnet-4"},
      {"anthropic", "claude-opus-4-1-20250805", "claude-opus-4-1"},
      {"gemini", "gemini-2.5-flash-lite-preview-06-17", "gemini-2.5-flash-lite"},
      {"gemini", "gemini-1.5-pro-002", "gemini-1.5-pro"},
      {"bedrock", "us.anthropic.claude-3-7-sonnet-20250219-v1:0", "anthropic.claude-3-7-sonnet"},
      {"bedrock", "eu.anthropic.claude-sonnet-4-20250514-v1:0", "anthropic.claude-sonnet-4"},
      {"bedrock", "global.anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic.claude-haiku-4-5"},
      {"bedrock", "apac.amazon.nova-pro-v1:0", "amazon.nova-pro"},
      {"bedrock", "us.meta.llama3-2-90b-instruct-v1:0", "meta.llama3-2-90b-instruct"},
      {"bedrock", "meta.llama3-8b-instruct-v1:0", "meta.llama3-8b-instruct"},
  };
  for (const Case &c : cases) {
    const ModelPrice *p = builtin_find(c.provider, c.model);
    ASSERT_NE(p, nullptr) << c.provider << "/" << c.model;
    EXPECT_EQ(p->model, c.matched) << c.model;
  }
}

TEST(PriceTable, NeverGuesses) {
  // A family the table does not hold, a name that only shares characters
  // with one (no separator after the key), another provider's model, and
  // a provider the table does not know.
  for (auto [provider, model] :
       std::initializer_list<std::pair<const char *, const char *>>{{"openai", "gpt-4"},
                                                                    {"openai", "gpt-4-turbo"},
                                                                    {"openai", "gpt-4omni"},
                                                                    {"openai", "o5"},
                                                                    {"openai", "claude-3-5-sonnet"},
                                                                    {"anthropic", "claude-3"},
                                                                    {"azure", "gpt-4o"},
                                                                    {"mistral", "mistral-large"},
                                                                    {"openai", ""},
                                                                    {"bedrock", "cohere.command-r-v1:0"}}) {
    EXPECT_EQ(builtin_find(provider, model), nullptr) << provider << "/" << model;
  }
}

TEST(PriceTable, EffectiveDatesPickThePriceOfTheDay) {
  EXPECT_DOUBLE_EQ(builtin_find("openai", "gpt-4o", day("2024-06-01"))->input, 5.0);
  EXPECT_DOUBLE_EQ(builtin_find("openai", "gpt-4o", day("2024-10-02"))->input, 2.5);
  EXPECT_DOUBLE_EQ(builtin_find("openai", "o3", day("2025-05-01"))->input, 10.0);
  EXPECT_DOUBLE_EQ(builtin_find("openai", "o3", day("2025-06-10"))->input, 2.0);
  // Before the first price: none (a later price is not applied backwards).
  EXPECT_EQ(builtin_find("openai", "gpt-4o", day("2024-05-12")), nullptr);
}

// ---- provider usage rules -------------------------------------------------------------

TokenUsage usage(int64_t in, int64_t out, int64_t cache_read = 0, int64_t cache_write = 0, int64_t reasoning = 0) {
  TokenUsage u;
  u.input_tokens = in;
  u.output_tokens = out;
  u.cache_read_input_tokens = cache_read;
  u.cache_write_input_tokens = cache_write;
  u.reasoning_tokens = reasoning;
  return u;
}

CostBreakdown cost_of(const char *provider, const char *model, const TokenUsage &u) {
  auto t = PriceTable::builtin();
  const ModelPrice *p = t->find(provider, model, kToday);
  EXPECT_NE(p, nullptr) << model;
  return p == nullptr ? CostBreakdown() : compute_cost(u, *p, t->rules(p->provider));
}

TEST(CostRules, OpenAICountsCachedAndReasoningTokensOnce) {
  // prompt_tokens 1M includes 400k cached; completion 1M includes 250k reasoning.
  CostBreakdown c = cost_of("openai", "gpt-4o-2024-08-06", usage(1000000, 1000000, 400000, 0, 250000));
  EXPECT_DOUBLE_EQ(c.input, 0.6 * 2.5);
  EXPECT_DOUBLE_EQ(c.cache_read, 0.4 * 1.25);
  EXPECT_DOUBLE_EQ(c.output, 0.75 * 10);
  EXPECT_DOUBLE_EQ(c.reasoning, 0.25 * 10);
  EXPECT_DOUBLE_EQ(c.total, 1.5 + 0.5 + 7.5 + 2.5);
}

TEST(CostRules, AnthropicInputExcludesCacheReadsAndWrites) {
  CostBreakdown c = cost_of("anthropic", "claude-sonnet-4-5-20250929", usage(1000000, 100000, 2000000, 1000000));
  EXPECT_DOUBLE_EQ(c.input, 3.0);
  EXPECT_DOUBLE_EQ(c.cache_read, 2 * 0.3);
  EXPECT_DOUBLE_EQ(c.cache_write, 3.75);
  EXPECT_DOUBLE_EQ(c.output, 1.5);
  EXPECT_DOUBLE_EQ(c.total, 3.0 + 0.6 + 3.75 + 1.5);
}

TEST(CostRules, GeminiThoughtsAreBilledBesideTheOutput) {
  // promptTokenCount includes the cached tokens; thoughtsTokenCount is not
  // part of candidatesTokenCount.
  CostBreakdown c = cost_of("gemini", "gemini-2.5-flash", usage(1000000, 1000000, 500000, 0, 1000000));
  EXPECT_DOUBLE_EQ(c.input, 0.5 * 0.3);
  EXPECT_DOUBLE_EQ(c.cache_read, 0.5 * 0.03);
  EXPECT_DOUBLE_EQ(c.output, 2.5);
  EXPECT_DOUBLE_EQ(c.reasoning, 2.5);
}

TEST(CostRules, CountsThatDoNotAddUpNeverGoNegative) {
  CostBreakdown c = cost_of("openai", "gpt-4o", usage(10, 5, 50, 0, 9));
  EXPECT_DOUBLE_EQ(c.input, 0);
  EXPECT_DOUBLE_EQ(c.output, 0);
  EXPECT_GT(c.total, 0);
}

// ---- override files and bad tables ----------------------------------------------------

std::string write_file(const std::string &name, const std::string &text) {
  std::string path = ::testing::TempDir() + "sigil_prices_" + name + ".json";
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

const char kOverride[] = R"({
  "version": "acme-3",
  "providers": {"acme": {"input_includes_cache_read": true}},
  "models": [
    {"provider": "acme", "model": "acme-large", "input": 1, "output": 2},
    {"provider": "openai", "model": "gpt-4o", "effective_from": "2024-01-01", "input": 1.5, "output": 6}
  ]
})";

TEST(PriceOverrides, AFileAddsAndReplacesEntries) {
  auto t = PriceTable::with_overrides(kOverride, "override.json");
  ASSERT_TRUE(t) << t.error().message();
  const PriceTable &table = **t;
  EXPECT_EQ(table.version(), "2026-12-01+acme-3");
  ASSERT_NE(table.find("acme", "acme-large-2025-01-01", kToday), nullptr);
  EXPECT_TRUE(table.rules("acme").input_includes_cache_read);
  // gpt-4o's two built-in prices are replaced by the file's one.
  EXPECT_DOUBLE_EQ(table.find("openai", "gpt-4o-2024-08-06", day("2024-06-01"))->input, 1.5);
  EXPECT_DOUBLE_EQ(table.find("openai", "gpt-4o", kToday)->input, 1.5);
  // Everything else is still there.
  EXPECT_DOUBLE_EQ(table.find("openai", "gpt-4o-mini", kToday)->input, 0.15);
}

TEST(PriceOverrides, TheOptionWinsOverTheEnvironment) {
  const std::string file = write_file("option", kOverride);
  Options o;
  o.protocol = Protocol::kNone;
  o.prices_file = file;
  auto c = resolve_config(o, env_of({{"SIGIL_PRICES_FILE", "/nonexistent/prices.json"}}));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->prices->version(), "2026-12-01+acme-3");
  Options d;
  d.protocol = Protocol::kNone;
  auto from_env = resolve_config(d, env_of({{"SIGIL_PRICES_FILE", file}}));
  ASSERT_TRUE(from_env);
  EXPECT_EQ(from_env->prices->version(), "2026-12-01+acme-3");
  auto none = resolve_config(d, env_of({}));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->prices->version(), "2026-12-01");
}

TEST(PriceOverrides, BadTablesAreConfigurationErrors) {
  struct Bad {
    const char *name, *text, *message;
  } bad[] = {
      {"json", R"({"version": "1", "models": [)", "not valid JSON"},
      {"negative", R"({"version": "1", "models": [{"provider": "a", "model": "m", "input": -1, "output": 1}]})",
       "models[0].input: must be a non-negative number"},
      {"unknown_field", R"({"version": "1", "models": [{"provider": "a", "model": "m", "input": 1, "output": 1,
        "cached": 1}]})",
       "models[0]: unknown field \"cached\""},
      {"unknown_top", R"({"version": "1", "models": [], "currency": "EUR"})", "unknown field \"currency\""},
      {"no_version", R"({"models": []})", "version: must be a non-empty string"},
      {"no_output", R"({"version": "1", "models": [{"provider": "a", "model": "m", "input": 1}]})",
       "models[0].output: missing"},
      {"bad_date",
       R"({"version": "1", "models": [{"provider": "a", "model": "m", "input": 1, "output": 1,
        "effective_from": "2025-02-30"}]})",
       "effective_from: must be a date"},
      {"duplicate", R"({"version": "1", "models": [{"provider": "a", "model": "m", "input": 1, "output": 1},
        {"provider": "a", "model": "m", "input": 2, "output": 2}]})",
       "a second price for a/m"},
      {"rules", R"({"version": "1", "providers": {"a": {"input_includes_cache_read": "yes"}}, "models": []})",
       "providers.a.input_includes_cache_read: must be true or false"},
  };
  for (const Bad &b : bad) {
    const std::string path = write_file(b.name, b.text);
    Options o;
    o.protocol = Protocol::kNone;
    o.prices_file = path;
    auto c = Client::create(o, env_of({}));
    ASSERT_FALSE(c) << b.name;
    EXPECT_EQ(c.error().code(), SIGIL_E_CONFIG) << b.name;
    EXPECT_NE(c.error().message().find(path), std::string::npos) << c.error().message();
    EXPECT_NE(c.error().message().find(b.message), std::string::npos) << b.name << ": " << c.error().message();
  }
  Options o;
  o.protocol = Protocol::kNone;
  auto missing = Client::create(o, env_of({{"SIGIL_PRICES_FILE", "/nonexistent/prices.json"}}));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), SIGIL_E_CONFIG);
  EXPECT_NE(missing.error().message().find("/nonexistent/prices.json: cannot be read"), std::string::npos);
}

// ---- what a client records ------------------------------------------------------------

struct SpanAttrs {
  std::map<std::string, double> numbers;  // DOUBLE and INT
  std::map<std::string, std::string> strings;
  std::map<std::string, bool> bools;
};

struct Spans {
  std::mutex mu;
  std::vector<SpanAttrs> spans;
  static void callback(void *user, const sigil_span_t *s) {
    SpanAttrs out;
    for (size_t i = 0; i < s->attributes_count; ++i) {
      const sigil_attribute_t &a = s->attributes[i];
      std::string key(a.key, a.key_len);
      if (a.type == SIGIL_ATTRIBUTE_DOUBLE) out.numbers[key] = a.double_value;
      if (a.type == SIGIL_ATTRIBUTE_INT) out.numbers[key] = double(a.int_value);
      if (a.type == SIGIL_ATTRIBUTE_BOOL) out.bools[key] = a.int_value != 0;
      if (a.type == SIGIL_ATTRIBUTE_STRING) out.strings[key].assign(a.string_value, a.string_value_len);
    }
    auto *self = static_cast<Spans *>(user);
    std::lock_guard<std::mutex> lock(self->mu);
    self->spans.push_back(std::move(out));
  }
};

std::shared_ptr<Client> make_client(Spans *spans, Options o = Options(), std::map<std::string, std::string> env = {}) {
  return sigil_test::client_with_spans(Spans::callback, spans, std::move(o), env_of(std::move(env)));
}

Part text(std::string s) {
  Part p;
  p.text = std::move(s);
  return p;
}

// Ends one generation of `model` on `trace_id` ("" for a new trace).
void record(const std::shared_ptr<Client> &client, ModelRef model, std::optional<TokenUsage> u,
            const std::string &trace_id = "", const std::string &input = "What is the weather in Paris?",
            const std::string &output = "Sunny, 18 degrees.") {
  Generation seed;
  seed.model = std::move(model);
  seed.started_at_ns = int64_t(kToday) * 86400 * 1000000000LL;
  std::string traceparent;
  if (!trace_id.empty()) traceparent = "00-" + trace_id + "-00f067aa0ba902b7-01";
  ParentSpan parent;
  parent.traceparent = traceparent;
  GenerationRecorder rec(client, GenerationMode::kSync, std::move(seed), ContextValues(), parent, Status::ok());
  Message in;
  in.role = Role::kUser;
  in.parts.push_back(text(input));
  rec.result().input.push_back(in);
  Message out;
  out.role = Role::kAssistant;
  out.parts.push_back(text(output));
  rec.result().output.push_back(out);
  if (u) rec.result().usage = *u;
  EXPECT_TRUE(rec.end().is_ok());
}

double meta_number(const Generation &g, const char *key) {
  auto it = g.metadata.find(key);
  EXPECT_NE(it, g.metadata.end()) << key;
  return it == g.metadata.end() ? -1 : it->second.number;
}

TEST(ClientCost, GenerationMetadataSpanAndMetric) {
  Spans spans;
  auto client = make_client(&spans);
  record(client, {"anthropic", "claude-sonnet-4-5-20250929"}, usage(1000, 500, 2000, 100));
  Generation g = last_exported(client);
  EXPECT_DOUBLE_EQ(meta_number(g, sc::kCostInput), 1000 * 3e-6);
  EXPECT_DOUBLE_EQ(meta_number(g, sc::kCostOutput), 500 * 15e-6);
  EXPECT_DOUBLE_EQ(meta_number(g, sc::kCostCacheRead), 2000 * 0.3e-6);
  EXPECT_DOUBLE_EQ(meta_number(g, sc::kCostCacheWrite), 100 * 3.75e-6);
  EXPECT_DOUBLE_EQ(meta_number(g, sc::kCostReasoning), 0);
  const double total = 1000 * 3e-6 + 500 * 15e-6 + 2000 * 0.3e-6 + 100 * 3.75e-6;
  EXPECT_NEAR(meta_number(g, sc::kCostTotal), total, 1e-15);
  EXPECT_EQ(g.metadata.at(sc::kCostPriceTableVersion).string, "2026-12-01");
  EXPECT_EQ(g.metadata.count(sc::kCostEstimated), 0u);
  EXPECT_EQ(g.metadata.count(sc::kUsageEstimated), 0u);

  ASSERT_TRUE(client->flush(Client::Clock::now() + std::chrono::seconds(5)).is_ok());
  std::lock_guard<std::mutex> lock(spans.mu);
  ASSERT_EQ(spans.spans.size(), 1u);
  EXPECT_NEAR(spans.spans[0].numbers.at(sc::kCostTotal), total, 1e-15);
  EXPECT_EQ(spans.spans[0].strings.at(sc::kCostPriceTableVersion), "2026-12-01");
  const std::string metrics = client->metrics_json();
  EXPECT_NE(metrics.find(R"("name":"sigil.gen_ai.client.cost","unit":"USD")"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find(R"("gen_ai.request.model":"claude-sonnet-4-5-20250929")"), std::string::npos);
}

TEST(ClientCost, UnknownModelsAreCountedNotPriced) {
  Spans spans;
  auto client = make_client(&spans);
  record(client, {"acme", "acme-large"}, usage(10, 10));
  record(client, {"openai", "gpt-4o"}, usage(10, 10));
  std::vector<Generation> all = exported(client);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].metadata.count(sc::kCostTotal), 0u);
  EXPECT_EQ(all[0].metadata.count(sc::kCostPriceTableVersion), 0u);
  EXPECT_EQ(all[1].metadata.count(sc::kCostTotal), 1u);
  sigil_stats_t stats = SIGIL_STATS_INIT;
  client->stats(stats);
  EXPECT_EQ(stats.generations_unpriced, 1u);
}

TEST(ClientCost, AnOverrideFilePricesTheHostsModels) {
  Spans spans;
  Options o;
  o.prices_file = write_file("client", kOverride);
  auto client = make_client(&spans, o);
  record(client, {"acme", "acme-large"}, usage(1000000, 1000000));
  Generation g = last_exported(client);
  EXPECT_DOUBLE_EQ(meta_number(g, sc::kCostTotal), 3.0);
  EXPECT_EQ(g.metadata.at(sc::kCostPriceTableVersion).string, "2026-12-01+acme-3");
}

// ---- token estimates ----------------------------------------------------------------

TEST(TokenEstimates, CeilOfCodePointsOverFourPerText) {
  Generation g;
  g.system_prompt = "abcde";  // 5 -> 2
  Message in;
  in.parts.push_back(text("\xc3\xa9t\xc3\xa9"));  // "été": 3 code points -> 1
  Part call;
  call.kind = PartKind::kToolCall;
  call.tool_call.input_json = R"({"a":1})";  // 7 -> 2
  in.parts.push_back(call);
  g.input.push_back(in);
  Message out;
  out.parts.push_back(text("12345678"));  // 8 -> 2
  g.output.push_back(out);
  TokenUsage u = estimate_usage(g);
  EXPECT_EQ(u.input_tokens, 5);
  EXPECT_EQ(u.output_tokens, 2);
}

TEST(TokenEstimates, MarkedAndKeptOutOfTheUsageFields) {
  Spans spans;
  auto client = make_client(&spans);
  // 29 code points in, 18 out.
  record(client, {"openai", "gpt-4o-mini"}, std::nullopt);
  Generation g = last_exported(client);
  EXPECT_TRUE(g.usage.empty());
  EXPECT_TRUE(g.metadata.at(sc::kUsageEstimated).boolean);
  EXPECT_EQ(meta_number(g, sc::kUsageEstimatedInput), 8);
  EXPECT_EQ(meta_number(g, sc::kUsageEstimatedOutput), 5);
  EXPECT_TRUE(g.metadata.at(sc::kCostEstimated).boolean);
  EXPECT_DOUBLE_EQ(meta_number(g, sc::kCostTotal), 8 * 0.15e-6 + 5 * 0.6e-6);
  ASSERT_TRUE(client->flush(Client::Clock::now() + std::chrono::seconds(5)).is_ok());
  std::lock_guard<std::mutex> lock(spans.mu);
  EXPECT_TRUE(spans.spans.at(0).bools.at(sc::kUsageEstimated));
  EXPECT_TRUE(spans.spans.at(0).bools.at(sc::kCostEstimated));
  EXPECT_EQ(spans.spans.at(0).numbers.count(sc::kInputTokens), 0u);
}

TEST(TokenEstimates, OffByOptionOrEnvironment) {
  Spans spans;
  Options o;
  o.token_estimates = false;
  auto client = make_client(&spans, o);
  record(client, {"openai", "gpt-4o-mini"}, std::nullopt);
  Generation g = last_exported(client);
  EXPECT_EQ(g.metadata.count(sc::kUsageEstimated), 0u);
  EXPECT_EQ(g.metadata.count(sc::kCostTotal), 0u);
  auto from_env = make_client(&spans, Options(), {{"SIGIL_TOKEN_ESTIMATES", "false"}});
  record(from_env, {"openai", "gpt-4o-mini"}, std::nullopt);
  EXPECT_EQ(last_exported(from_env).metadata.count(sc::kUsageEstimated), 0u);
}

// ---- sampling ---------------------------------------------------------------------------

// The documented hash, written again from docs/sampling.md: FNV-1a 64 over
// the 16 trace id bytes, the top 53 bits as a fraction of 2^53.
double reference_point(const std::string &hex) {
  unsigned long long h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned byte = unsigned(std::stoul(hex.substr(i, 2), nullptr, 16));
    h = (h ^ byte) * 0x100000001b3ULL;
  }
  return std::ldexp(double(h >> 11), -53);
}

// 10k trace ids, deterministic (splitmix64).
std::vector<std::string> trace_ids(size_t n) {
  std::vector<std::string> out;
  uint64_t state = 42;
  auto next = [&] {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  for (size_t i = 0; i < n; ++i) {
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", (unsigned long long)next(), (unsigned long long)next());
    out.emplace_back(buf);
  }
  return out;
}

TEST(Sampling, TheHashMatchesTheDocumentedOne) {
  for (const std::string &id : trace_ids(1000)) {
    EXPECT_EQ(*trace_sample_point(id), reference_point(id)) << id;
  }
  EXPECT_FALSE(trace_sample_point("xyz"));
  EXPECT_FALSE(trace_sample_point("0af7651916cd43dd8448eb211c80319g"));
  EXPECT_TRUE(trace_in_sample("", 0.0));  // no trace id: kept
  EXPECT_TRUE(trace_in_sample("0af7651916cd43dd8448eb211c80319c", 1.0));
  EXPECT_FALSE(trace_in_sample("0af7651916cd43dd8448eb211c80319c", 0.0));
  // Upper case hex is the same trace.
  EXPECT_EQ(*trace_sample_point("0AF7651916CD43DD8448EB211C80319C"),
            *trace_sample_point("0af7651916cd43dd8448eb211c80319c"));
}

TEST(Sampling, TheExactShareOverTenThousandTraces) {
  const std::vector<std::string> ids = trace_ids(10000);
  for (double rate : {0.01, 0.1, 0.25, 0.5}) {
    size_t expected = 0, got = 0;
    for (const std::string &id : ids) {
      expected += reference_point(id) < rate;
      got += trace_in_sample(id, rate);
    }
    EXPECT_EQ(got, expected) << rate;
    // And the share is the rate, within the binomial spread (4 sigma).
    const double sigma = std::sqrt(10000 * rate * (1 - rate));
    EXPECT_NEAR(double(got), 10000 * rate, 4 * sigma) << rate;
  }
}

TEST(Sampling, EveryRecordOfATraceAgreesAndMetricsCountAll) {
  Spans spans;
  Options o;
  o.content_sample_rate = 0.5;
  o.export_sample_rate = 0.5;
  auto client = make_client(&spans, o);
  const std::vector<std::string> ids = trace_ids(40);
  size_t expect_exported = 0, expect_content = 0;
  for (const std::string &id : ids) {
    const bool in = reference_point(id) < 0.5;
    expect_exported += 3 * in;
    expect_content += 3 * in;
    for (int i = 0; i < 3; ++i) record(client, {"openai", "gpt-4o"}, usage(10, 10), id);
  }
  std::vector<Generation> all = exported(client);
  ASSERT_EQ(all.size(), expect_exported);
  size_t with_content = 0;
  for (const Generation &g : all) {
    EXPECT_LT(reference_point(g.trace_id), 0.5);
    EXPECT_TRUE(g.metadata.at(sc::kSamplingContent).boolean);  // the same point decides both
    EXPECT_DOUBLE_EQ(g.metadata.at(sc::kSamplingContentRate).number, 0.5);
    EXPECT_DOUBLE_EQ(g.metadata.at(sc::kSamplingExportRate).number, 0.5);
    with_content += !g.input.empty();
  }
  EXPECT_EQ(with_content, expect_content);
  sigil_stats_t stats = SIGIL_STATS_INIT;
  client->stats(stats);
  EXPECT_EQ(stats.generations_export_sampled_out, 120 - expect_exported);
  EXPECT_EQ(stats.generations_content_sampled_out, 120 - expect_content);
  ASSERT_TRUE(client->flush(Client::Clock::now() + std::chrono::seconds(5)).is_ok());
  {
    std::lock_guard<std::mutex> lock(spans.mu);
    ASSERT_EQ(spans.spans.size(), 120u);  // spans follow the host's sampler, not the export rate
    size_t spans_exported = 0;
    for (const SpanAttrs &s : spans.spans) spans_exported += s.bools.at(sc::kSamplingExported);
    EXPECT_EQ(spans_exported, expect_exported);
  }
  // Metrics count every generation, exported or not.
  const std::string metrics = client->metrics_json();
  EXPECT_NE(metrics.find(R"("name":"sigil.gen_ai.client.cost")"), std::string::npos);
  EXPECT_NE(metrics.find(R"("count":120)"), std::string::npos) << metrics;
}

TEST(Sampling, ContentOutsideTheSampleIsExportedMetadataOnly) {
  Spans spans;
  Options o;
  o.content_sample_rate = 0.0;
  auto client = make_client(&spans, o);
  record(client, {"openai", "gpt-4o"}, std::nullopt);
  Generation g = last_exported(client);
  EXPECT_FALSE(g.metadata.at(sc::kSamplingContent).boolean);
  EXPECT_EQ(g.metadata.at("sigil.sdk.content_capture_mode").string, "metadata_only");
  for (const Message &m : g.input) {
    for (const Part &p : m.parts) EXPECT_TRUE(p.text.empty());
  }
  // The estimate was taken from the text before it was stripped.
  EXPECT_EQ(meta_number(g, sc::kUsageEstimatedInput), 8);
}

TEST(Sampling, RatesFromTheEnvironmentAndTheirErrors) {
  Options o;
  o.protocol = Protocol::kNone;
  auto c = resolve_config(o, env_of({{"SIGIL_CONTENT_SAMPLE_RATE", "0.25"}, {"SIGIL_EXPORT_SAMPLE_RATE", "0.1"}}));
  ASSERT_TRUE(c);
  EXPECT_DOUBLE_EQ(c->sampling.content_rate, 0.25);
  EXPECT_DOUBLE_EQ(c->sampling.export_rate, 0.1);
  for (const char *bad : {"1.5", "-0.1", "half", "nan"}) {
    auto e = resolve_config(o, env_of({{"SIGIL_EXPORT_SAMPLE_RATE", bad}}));
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().code(), SIGIL_E_CONFIG);
    EXPECT_NE(e.error().message().find("SIGIL_EXPORT_SAMPLE_RATE"), std::string::npos);
  }
  o.export_sample_rate = 0.3;  // set in code: the bad variable is ignored
  auto w = resolve_config(o, env_of({{"SIGIL_EXPORT_SAMPLE_RATE", "bogus"}}));
  ASSERT_TRUE(w);
  EXPECT_DOUBLE_EQ(w->sampling.export_rate, 0.3);
}

}  // namespace
