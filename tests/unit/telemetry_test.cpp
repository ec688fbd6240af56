// Spans, GenAI metrics and OTLP encoding: the reference's span attributes and
// metric recording rules per scenario (incl. the reference conformance
// cases), histogram buckets, error classification, OTEL_* configuration, and
// the OTLP bodies decoded back with nanopb.
#include <cjson/cJSON.h>
#include <gtest/gtest.h>
#include <pb_decode.h>

#include <map>
#include <mutex>
#include <thread>

#include "core/client.h"
#include "core/embedding_recorder.h"
#include "core/generation_recorder.h"
#include "core/tool_execution_recorder.h"
#include "support/capturing_sink.h"
#include "core/error_category.h"
#include "base/timefmt.h"
#include "encode/otlp.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "telemetry/genai_spans.h"
#include "telemetry/semconv.h"

using namespace sigil::detail;
using sigil_test::CapturingSink;
using sigil_test::last_exported;

namespace {

// ---- spans as a host sees them through the span callback --------------------------

struct Value {
  uint32_t type = 0;
  std::string s;
  int64_t i = 0;
  double d = 0;
  std::vector<std::string> strings;
};
using Attrs = std::map<std::string, Value>;

struct Event {
  std::string name;
  int64_t time_ns = 0;
  Attrs attrs;
};

struct Span {
  std::string name;
  uint32_t kind = 0;
  std::string trace_id, span_id, parent_span_id;
  uint32_t flags = 0;
  int64_t start_ns = 0, end_ns = 0;
  uint32_t status = 0;
  std::string status_message;
  Attrs attrs;
  std::vector<Event> events;

  bool has(const char *key) const { return attrs.count(key) != 0; }
  std::string str(const char *key) const {
    auto it = attrs.find(key);
    return it == attrs.end() ? "<absent>" : it->second.s;
  }
  int64_t num(const char *key) const {
    auto it = attrs.find(key);
    return it == attrs.end() ? -12345 : it->second.i;
  }
};

Attrs copy_attrs(const sigil_attribute_t *a, size_t n) {
  Attrs out;
  for (size_t k = 0; k < n; ++k) {
    Value v;
    v.type = a[k].type;
    if (a[k].string_value != nullptr) v.s.assign(a[k].string_value, a[k].string_value_len);
    v.i = a[k].int_value;
    v.d = a[k].double_value;
    for (size_t j = 0; j < a[k].string_values_count; ++j) {
      v.strings.emplace_back(a[k].string_values[j], a[k].string_value_lens[j]);
    }
    out[std::string(a[k].key, a[k].key_len)] = v;
  }
  return out;
}

struct SpanSink {
  std::mutex mu;
  std::vector<Span> spans;

  static void callback(void *user, const sigil_span_t *s) {
    auto *sink = static_cast<SpanSink *>(user);
    Span out;
    EXPECT_EQ(s->version, SIGIL_SPAN_VERSION);
    out.name.assign(s->name, s->name_len);
    out.kind = s->kind;
    out.trace_id = s->trace_id;
    out.span_id = s->span_id;
    out.parent_span_id = s->parent_span_id;
    out.flags = s->trace_flags;
    out.start_ns = s->start_ns;
    out.end_ns = s->end_ns;
    out.status = s->status_code;
    out.status_message.assign(s->status_message, s->status_message_len);
    out.attrs = copy_attrs(s->attributes, s->attributes_count);
    for (size_t i = 0; i < s->events_count; ++i) {
      const sigil_span_event_t &e = s->events[i];
      out.events.push_back(
          Event{std::string(e.name, e.name_len), e.time_ns, copy_attrs(e.attributes, e.attributes_count)});
    }
    std::lock_guard<std::mutex> lock(sink->mu);
    sink->spans.push_back(std::move(out));
  }

  Span only() {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(spans.size(), 1u);
    return spans.empty() ? Span() : spans.back();
  }
  Span named(const std::string &name) {
    std::lock_guard<std::mutex> lock(mu);
    for (const Span &s : spans) {
      if (s.name == name) return s;
    }
    ADD_FAILURE() << "no span named " << name;
    return Span();
  }
};

EnvLookup no_env() {
  return [](const char *) -> std::optional<std::string> { return std::nullopt; };
}

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const char *name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A client that hands spans to `sink` and generations to a CapturingSink.
std::shared_ptr<Client> make_client(SpanSink *sink, Options o = Options()) {
  o.telemetry.span_fn = SpanSink::callback;
  o.telemetry.span_user_data = sink;
  auto c = Client::create(o, no_env(), std::make_unique<CapturingSink>());
  EXPECT_TRUE(c.has_value()) << c.error().message();
  return c.value();
}

int64_t at(const char *rfc3339) {
  int64_t ns = 0;
  EXPECT_TRUE(parse_rfc3339(rfc3339, ns));
  return ns;
}

Message text_message(Role role, const std::string &text) {
  Message m;
  m.role = role;
  Part p;
  p.kind = PartKind::kText;
  p.text = text;
  m.parts.push_back(p);
  return m;
}

// ---- metrics lookups --------------------------------------------------------------

using AttrMap = std::map<std::string, std::string>;

AttrMap as_map(const MetricAttrs &attrs) {
  AttrMap m;
  for (const MetricAttr &a : attrs) m[a.key] = a.value;
  return m;
}

const MetricSnapshot *instrument(const std::vector<MetricSnapshot> &snap, const char *name) {
  for (const MetricSnapshot &m : snap) {
    if (std::string(m.instrument->name()) == name) return &m;
  }
  return nullptr;
}

// The point whose attributes include `want` (every listed key, exactly).
const HistogramPoint *point(const std::vector<MetricSnapshot> &snap, const char *name, const AttrMap &want) {
  const MetricSnapshot *m = instrument(snap, name);
  if (m == nullptr) return nullptr;
  for (const HistogramPoint &p : m->points) {
    AttrMap got = as_map(p.attributes);
    bool match = true;
    for (const auto &kv : want) {
      auto it = got.find(kv.first);
      if (it == got.end() || it->second != kv.second) match = false;
    }
    if (match) return &p;
  }
  return nullptr;
}

namespace sc = semconv;

// The reference conformance roundtrip's generation.
GenerationRecorder full_roundtrip(const std::shared_ptr<Client> &client) {
  Generation seed;
  seed.id = "gen-full-roundtrip";
  seed.conversation_id = "conv-full-roundtrip";
  seed.conversation_title = "Weather follow-up";
  seed.user_id = "user-42";
  seed.agent_name = "assistant-anthropic";
  seed.agent_version = "1.0.0";
  seed.model = {"anthropic", "claude-sonnet-4-5"};
  seed.max_tokens = 1024;
  seed.temperature = 0.7;
  seed.top_p = 0.9;
  seed.tool_choice = "required";
  seed.thinking_enabled = true;
  seed.metadata[sc::kMetaThinkingBudget] = JsonValue::Number(2048);
  seed.started_at_ns = at("2026-03-12T11:00:00Z");
  GenerationRecorder rec(client, GenerationMode::kSync, seed, ContextValues(), {}, Status::ok());
  Generation &r = rec.result();
  r.response_id = "msg_1";
  r.response_model = "claude-sonnet-4-5-20260312";
  r.input.push_back(text_message(Role::kUser, "Summarize yesterday's Paris weather."));
  Message out;
  out.role = Role::kAssistant;
  Part call;
  call.kind = PartKind::kToolCall;
  call.tool_call = {"call-weather-1", "weather.lookup", "{\"city\":\"Paris\"}"};
  out.parts.push_back(call);
  r.output.push_back(out);
  r.output.push_back(text_message(Role::kAssistant, "Paris peaked at 22C."));
  r.usage.input_tokens = 120;
  r.usage.output_tokens = 42;
  r.usage.total_tokens = 162;
  r.usage.cache_read_input_tokens = 30;
  r.usage.cache_write_input_tokens = 4;
  r.usage.cache_creation_input_tokens = 6;
  r.usage.reasoning_tokens = 9;
  r.stop_reason = "end_turn";
  r.completed_at_ns = at("2026-03-12T11:00:03Z");
  return rec;
}

}  // namespace

// ---- span names -------------------------------------------------------------------

TEST(SpanNames, FollowTheReferencePatterns) {
  Generation g;
  g.mode = GenerationMode::kSync;
  EXPECT_EQ(generation_span_name(g), "generateText");
  g.model.name = " gpt-4o ";
  EXPECT_EQ(generation_span_name(g), "generateText gpt-4o");
  g.mode = GenerationMode::kStream;
  EXPECT_EQ(generation_span_name(g), "streamText gpt-4o");
  g.operation_name = "chat";
  EXPECT_EQ(generation_span_name(g), "chat gpt-4o");
  EXPECT_EQ(tool_span_name("search"), "execute_tool search");
  EXPECT_EQ(tool_span_name("  "), "execute_tool unknown");
  EXPECT_EQ(embedding_span_name("text-embedding-3-small"), "embeddings text-embedding-3-small");
  EXPECT_EQ(embedding_span_name(""), "embeddings");
}

// ---- generation spans and metrics -------------------------------------------------

TEST(GenerationTelemetry, FullRoundtripSpanAttributesAsTheReference) {
  SpanSink sink;
  auto client = make_client(&sink);
  GenerationRecorder rec = full_roundtrip(client);
  ASSERT_TRUE(rec.end().is_ok());

  Span s = sink.only();
  EXPECT_EQ(s.name, "generateText claude-sonnet-4-5");
  EXPECT_EQ(s.kind, SIGIL_SPAN_KIND_CLIENT);
  EXPECT_EQ(s.status, SIGIL_SPAN_STATUS_UNSET);  // success leaves it Unset
  EXPECT_EQ(s.start_ns, at("2026-03-12T11:00:00Z"));
  EXPECT_EQ(s.end_ns, at("2026-03-12T11:00:03Z"));
  EXPECT_EQ(s.trace_id, rec.trace().trace_id);
  EXPECT_EQ(s.span_id, rec.trace().span_id);
  EXPECT_EQ(s.parent_span_id, "");
  EXPECT_EQ(s.flags, 1u);
  // The exported generation carries the span's ids.
  EXPECT_EQ(last_exported(client).trace_id, s.trace_id);
  EXPECT_EQ(last_exported(client).span_id, s.span_id);

  EXPECT_EQ(s.str(sc::kOperationName), "generateText");
  EXPECT_EQ(s.str(sc::kSdkName), "sdk-c");
  EXPECT_EQ(s.str(sc::kGenerationId), "gen-full-roundtrip");
  EXPECT_EQ(s.str(sc::kConversationId), "conv-full-roundtrip");
  EXPECT_EQ(s.str(sc::kConversationTitle), "Weather follow-up");
  EXPECT_EQ(s.str(sc::kUserId), "user-42");
  EXPECT_EQ(s.str(sc::kAgentName), "assistant-anthropic");
  EXPECT_EQ(s.str(sc::kAgentVersion), "1.0.0");
  EXPECT_EQ(s.str(sc::kProviderName), "anthropic");
  EXPECT_EQ(s.str(sc::kRequestModel), "claude-sonnet-4-5");
  EXPECT_EQ(s.str(sc::kResponseId), "msg_1");
  EXPECT_EQ(s.str(sc::kResponseModel), "claude-sonnet-4-5-20260312");
  EXPECT_EQ(s.attrs[sc::kRequestMaxTokens].type, SIGIL_ATTRIBUTE_INT);
  EXPECT_EQ(s.num(sc::kRequestMaxTokens), 1024);
  EXPECT_EQ(s.attrs[sc::kRequestTemperature].type, SIGIL_ATTRIBUTE_DOUBLE);
  EXPECT_DOUBLE_EQ(s.attrs[sc::kRequestTemperature].d, 0.7);
  EXPECT_DOUBLE_EQ(s.attrs[sc::kRequestTopP].d, 0.9);
  EXPECT_EQ(s.str(sc::kRequestToolChoice), "required");
  EXPECT_EQ(s.attrs[sc::kRequestThinkingEnabled].type, SIGIL_ATTRIBUTE_BOOL);
  EXPECT_EQ(s.attrs[sc::kRequestThinkingEnabled].i, 1);
  EXPECT_EQ(s.num(sc::kRequestThinkingBudget), 2048);
  EXPECT_EQ(s.attrs[sc::kFinishReasons].type, SIGIL_ATTRIBUTE_STRING_ARRAY);
  EXPECT_EQ(s.attrs[sc::kFinishReasons].strings, std::vector<std::string>{"end_turn"});
  EXPECT_EQ(s.num(sc::kInputTokens), 120);
  EXPECT_EQ(s.num(sc::kOutputTokens), 42);
  EXPECT_EQ(s.num(sc::kCacheReadTokens), 30);
  EXPECT_EQ(s.num(sc::kCacheWriteTokens), 4);
  EXPECT_EQ(s.num(sc::kCacheCreationTokens), 6);
  EXPECT_EQ(s.num(sc::kReasoningTokens), 9);
  EXPECT_FALSE(s.has(sc::kErrorType));
  EXPECT_FALSE(s.has(sc::kErrorCategory));
  EXPECT_TRUE(s.events.empty());
}

TEST(GenerationTelemetry, FullRoundtripMetricsAsTheReference) {
  SpanSink sink;
  auto client = make_client(&sink);
  GenerationRecorder rec = full_roundtrip(client);
  ASSERT_TRUE(rec.end().is_ok());
  auto snap = client->telemetry().metrics().snapshot();

  const AttrMap base = {{sc::kOperationName, "generateText"},
                        {sc::kProviderName, "anthropic"},
                        {sc::kRequestModel, "claude-sonnet-4-5"},
                        {sc::kAgentName, "assistant-anthropic"}};
  const HistogramPoint *d = point(snap, sc::kMetricOperationDuration, base);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->count, 1u);
  EXPECT_DOUBLE_EQ(d->sum, 3.0);
  // The reference's attribute set, without the unknown error.type and error.category.
  EXPECT_EQ(as_map(d->attributes).size(), 4u);

  const std::map<std::string, int64_t> tokens = {{"input", 120},     {"output", 42},        {"cache_read", 30},
                                                 {"cache_write", 4}, {"cache_creation", 6}, {"reasoning", 9}};
  for (const auto &kv : tokens) {
    AttrMap want = base;
    want[sc::kTokenType] = kv.first;
    const HistogramPoint *p = point(snap, sc::kMetricTokenUsage, want);
    ASSERT_NE(p, nullptr) << kv.first;
    EXPECT_EQ(p->count, 1u);
    EXPECT_DOUBLE_EQ(p->sum, double(kv.second)) << kv.first;
  }
  EXPECT_EQ(instrument(snap, sc::kMetricTokenUsage)->points.size(), 6u);

  const HistogramPoint *tc = point(snap, sc::kMetricToolCallsPerOperation,
                                   {{sc::kProviderName, "anthropic"},
                                    {sc::kRequestModel, "claude-sonnet-4-5"},
                                    {sc::kAgentName, "assistant-anthropic"}});
  ASSERT_NE(tc, nullptr);
  EXPECT_EQ(tc->count, 1u);
  EXPECT_DOUBLE_EQ(tc->sum, 1.0);
  EXPECT_EQ(as_map(tc->attributes).size(), 3u);
  EXPECT_EQ(instrument(snap, sc::kMetricTimeToFirstToken), nullptr);  // sync: no TTFT
}

TEST(GenerationTelemetry, ConversationTitleCases) {
  struct Case {
    const char *name, *start, *context, *meta, *want;
  };
  const Case cases[] = {{"explicit wins", "Explicit", "Context", "Meta", "Explicit"},
                        {"context fallback", "", "Context", nullptr, "Context"},
                        {"metadata fallback", "", nullptr, "Meta", "Meta"},
                        {"whitespace omitted", "   ", nullptr, nullptr, nullptr}};
  for (const Case &c : cases) {
    SpanSink sink;
    auto client = make_client(&sink);
    Generation seed;
    seed.model = {"openai", "gpt-5"};
    seed.conversation_title = c.start;
    if (c.meta != nullptr) seed.metadata[sc::kConversationTitle] = JsonValue::String(c.meta);
    ContextValues ctx;
    if (c.context != nullptr) ctx.conversation_title = c.context;
    GenerationRecorder rec(client, GenerationMode::kSync, seed, ctx, {}, Status::ok());
    rec.result().input.push_back(text_message(Role::kUser, "hi"));
    rec.result().output.push_back(text_message(Role::kAssistant, "hello"));
    ASSERT_TRUE(rec.end().is_ok()) << c.name;
    Span s = sink.only();
    if (c.want == nullptr) {
      EXPECT_FALSE(s.has(sc::kConversationTitle)) << c.name;
    } else {
      EXPECT_EQ(s.str(sc::kConversationTitle), c.want) << c.name;
    }
  }
}

TEST(GenerationTelemetry, UserIdCases) {
  struct Case {
    const char *name, *start, *context, *canonical, *legacy, *want;
  };
  const Case cases[] = {{"explicit wins", "explicit", "ctx", "canonical", "legacy", "explicit"},
                        {"context fallback", "", "ctx", nullptr, nullptr, "ctx"},
                        {"canonical metadata", "", nullptr, "canonical", nullptr, "canonical"},
                        {"legacy metadata", "", nullptr, nullptr, "legacy", "legacy"},
                        {"canonical beats legacy", "", nullptr, "canonical", "legacy", "canonical"},
                        {"whitespace trimmed", "  padded  ", nullptr, nullptr, nullptr, "padded"}};
  for (const Case &c : cases) {
    SpanSink sink;
    auto client = make_client(&sink);
    Generation seed;
    seed.model = {"openai", "gpt-5"};
    seed.user_id = c.start;
    if (c.canonical != nullptr) seed.metadata["sigil.user.id"] = JsonValue::String(c.canonical);
    if (c.legacy != nullptr) seed.metadata["user.id"] = JsonValue::String(c.legacy);
    ContextValues ctx;
    if (c.context != nullptr) ctx.user_id = c.context;
    GenerationRecorder rec(client, GenerationMode::kSync, seed, ctx, {}, Status::ok());
    rec.result().input.push_back(text_message(Role::kUser, "hi"));
    rec.result().output.push_back(text_message(Role::kAssistant, "hello"));
    ASSERT_TRUE(rec.end().is_ok()) << c.name;
    EXPECT_EQ(sink.only().str(sc::kUserId), c.want) << c.name;
  }
}

TEST(GenerationTelemetry, AgentIdentityCases) {
  struct Case {
    const char *name, *start_name, *start_version, *ctx_name, *ctx_version, *result_name, *result_version, *want_name,
        *want_version;
  };
  const Case cases[] = {
      {"explicit", "agent-explicit", "v1.2.3", nullptr, nullptr, nullptr, nullptr, "agent-explicit", "v1.2.3"},
      {"context", "", "", "agent-context", "v-context", nullptr, nullptr, "agent-context", "v-context"},
      {"result override", "agent-seed", "v-seed", nullptr, nullptr, "agent-result", "v-result", "agent-result",
       "v-result"},
      {"empty omission", "", "", nullptr, nullptr, nullptr, nullptr, nullptr, nullptr}};
  for (const Case &c : cases) {
    SpanSink sink;
    auto client = make_client(&sink);
    Generation seed;
    seed.model = {"openai", "gpt-5"};
    seed.agent_name = c.start_name;
    seed.agent_version = c.start_version;
    ContextValues ctx;
    if (c.ctx_name != nullptr) ctx.agent_name = c.ctx_name;
    if (c.ctx_version != nullptr) ctx.agent_version = c.ctx_version;
    GenerationRecorder rec(client, GenerationMode::kSync, seed, ctx, {}, Status::ok());
    rec.result().input.push_back(text_message(Role::kUser, "hi"));
    rec.result().output.push_back(text_message(Role::kAssistant, "hello"));
    if (c.result_name != nullptr) rec.result().agent_name = c.result_name;
    if (c.result_version != nullptr) rec.result().agent_version = c.result_version;
    ASSERT_TRUE(rec.end().is_ok()) << c.name;
    Span s = sink.only();
    if (c.want_name == nullptr) {
      EXPECT_FALSE(s.has(sc::kAgentName)) << c.name;
      EXPECT_FALSE(s.has(sc::kAgentVersion)) << c.name;
    } else {
      EXPECT_EQ(s.str(sc::kAgentName), c.want_name) << c.name;
      EXPECT_EQ(s.str(sc::kAgentVersion), c.want_version) << c.name;
    }
  }
}

TEST(GenerationTelemetry, StreamingRecordsTimeToFirstToken) {
  SpanSink sink;
  auto client = make_client(&sink);
  const int64_t t0 = at("2026-03-12T14:01:00Z");
  Generation seed;
  seed.conversation_id = "conv-stream";
  seed.agent_name = "agent-stream";
  seed.model = {"openai", "gpt-5"};
  seed.started_at_ns = t0;
  GenerationRecorder rec(client, GenerationMode::kStream, seed, ContextValues(), {}, Status::ok());
  rec.set_first_token_at(t0 + 250'000'000);
  rec.result().input.push_back(text_message(Role::kUser, "say hello"));
  rec.result().output.push_back(text_message(Role::kAssistant, "Hello world"));
  rec.result().completed_at_ns = t0 + 1'500'000'000;
  ASSERT_TRUE(rec.end().is_ok());

  Span s = sink.only();
  EXPECT_EQ(s.name, "streamText gpt-5");
  EXPECT_EQ(s.str(sc::kOperationName), "streamText");
  auto snap = client->telemetry().metrics().snapshot();
  const MetricSnapshot *ttft = instrument(snap, sc::kMetricTimeToFirstToken);
  ASSERT_NE(ttft, nullptr);
  ASSERT_EQ(ttft->points.size(), 1u);
  EXPECT_EQ(as_map(ttft->points[0].attributes),
            (AttrMap{{sc::kProviderName, "openai"}, {sc::kRequestModel, "gpt-5"}, {sc::kAgentName, "agent-stream"}}));
  EXPECT_DOUBLE_EQ(ttft->points[0].sum, 0.25);
  EXPECT_NE(point(snap, sc::kMetricOperationDuration, {{sc::kOperationName, "streamText"}}), nullptr);
}

TEST(GenerationTelemetry, StreamingWithoutFirstTokenHasNoTimeToFirstToken) {
  SpanSink sink;
  auto client = make_client(&sink);
  Generation seed;
  seed.model = {"openai", "gpt-5"};
  GenerationRecorder rec(client, GenerationMode::kStream, seed, ContextValues(), {}, Status::ok());
  rec.result().input.push_back(text_message(Role::kUser, "hi"));
  rec.result().output.push_back(text_message(Role::kAssistant, "hello"));
  ASSERT_TRUE(rec.end().is_ok());
  EXPECT_EQ(instrument(client->telemetry().metrics().snapshot(), sc::kMetricTimeToFirstToken), nullptr);
}

TEST(GenerationTelemetry, ValidationFailureIsValidationError) {
  SpanSink sink;
  auto client = make_client(&sink);
  Generation seed;  // no model: fails validation
  seed.conversation_id = "conv-invalid";
  GenerationRecorder rec(client, GenerationMode::kSync, seed, ContextValues(), {}, Status::ok());
  rec.result().input.push_back(text_message(Role::kUser, "hello"));
  rec.result().output.push_back(text_message(Role::kAssistant, "hi"));
  Status st = rec.end();
  ASSERT_EQ(st.code(), SIGIL_E_VALIDATION);

  Span s = sink.only();
  EXPECT_EQ(s.status, SIGIL_SPAN_STATUS_ERROR);
  EXPECT_EQ(s.status_message, st.message());
  EXPECT_EQ(s.str(sc::kErrorType), "validation_error");
  EXPECT_EQ(s.str(sc::kErrorCategory), "sdk_error");
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].name, "exception");
  EXPECT_EQ(s.events[0].attrs["exception.type"].s, "SIGIL_E_VALIDATION");
  EXPECT_EQ(s.events[0].attrs["exception.message"].s, st.message());
  EXPECT_EQ(s.events[0].time_ns, s.end_ns);
  // Metrics are recorded for failed operations too.
  auto snap = client->telemetry().metrics().snapshot();
  EXPECT_NE(point(snap, sc::kMetricOperationDuration,
                  {{sc::kErrorType, "validation_error"}, {sc::kErrorCategory, "sdk_error"}}),
            nullptr);
}

TEST(GenerationTelemetry, ProviderCallErrorIsClassified) {
  SpanSink sink;
  auto client = make_client(&sink);
  Generation seed;
  seed.conversation_id = "conv-rate-limit";
  seed.agent_name = "agent-error";
  seed.model = {"openai", "gpt-5"};
  GenerationRecorder rec(client, GenerationMode::kSync, seed, ContextValues(), {}, Status::ok());
  rec.set_call_error("provider returned HTTP 429 rate limit", 0);
  rec.result().input.push_back(text_message(Role::kUser, "retry later"));
  rec.result().output.push_back(text_message(Role::kAssistant, "rate limited"));
  ASSERT_TRUE(rec.end().is_ok());  // a call error is not a local error

  Span s = sink.only();
  EXPECT_EQ(s.status, SIGIL_SPAN_STATUS_ERROR);
  EXPECT_EQ(s.status_message, "provider returned HTTP 429 rate limit");
  EXPECT_EQ(s.str(sc::kErrorType), "provider_call_error");
  EXPECT_EQ(s.str(sc::kErrorCategory), "rate_limit");
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].attrs["exception.type"].s, "provider_call_error");
  EXPECT_EQ(s.events[0].attrs["exception.message"].s, "provider returned HTTP 429 rate limit");
  auto snap = client->telemetry().metrics().snapshot();
  EXPECT_NE(point(snap, sc::kMetricOperationDuration,
                  {{sc::kOperationName, "generateText"},
                   {sc::kProviderName, "openai"},
                   {sc::kRequestModel, "gpt-5"},
                   {sc::kAgentName, "agent-error"},
                   {sc::kErrorType, "provider_call_error"},
                   {sc::kErrorCategory, "rate_limit"}}),
            nullptr);
}

TEST(GenerationTelemetry, ExplicitHttpStatusWinsOverTheMessage) {
  SpanSink sink;
  auto client = make_client(&sink);
  Generation seed;
  seed.model = {"openai", "gpt-5"};
  GenerationRecorder rec(client, GenerationMode::kSync, seed, ContextValues(), {}, Status::ok());
  rec.set_call_error("upstream said 429", 503);
  rec.result().input.push_back(text_message(Role::kUser, "x"));
  rec.result().output.push_back(text_message(Role::kAssistant, "y"));
  rec.end();
  EXPECT_EQ(sink.only().str(sc::kErrorCategory), "server_error");
}

TEST(GenerationTelemetry, MalformedResultIsMappingError) {
  SpanSink sink;
  auto client = make_client(&sink);
  Generation seed;
  seed.model = {"openai", "gpt-5"};
  GenerationRecorder rec(client, GenerationMode::kSync, seed, ContextValues(), {}, Status::ok());
  EXPECT_FALSE(rec.set_result_json("{not json").is_ok());
  Status st = rec.end();
  EXPECT_EQ(st.code(), SIGIL_E_INVALID_JSON);
  Span s = sink.only();
  EXPECT_EQ(s.str(sc::kErrorType), "mapping_error");
  EXPECT_EQ(s.str(sc::kErrorCategory), "sdk_error");
  EXPECT_EQ(s.events.at(0).attrs["exception.type"].s, "SIGIL_E_INVALID_JSON");
}

TEST(GenerationTelemetry, QueueFullIsEnqueueError) {
  SpanSink sink;
  Options o;
  o.protocol = Protocol::kHttp;
  o.endpoint = "http://127.0.0.1:9";  // never reached: the worker waits for the interval
  o.queue_size = 1;
  o.batch_size = 100;
  o.flush_interval_ms = 600000;
  o.max_retries = 0;
  o.telemetry.span_fn = SpanSink::callback;
  o.telemetry.span_user_data = &sink;
  auto created = Client::create(o, no_env());
  ASSERT_TRUE(created.has_value());
  auto client = created.value();
  for (int i = 0; i < 2; ++i) {
    Generation seed;
    seed.model = {"openai", "gpt-5"};
    GenerationRecorder rec(client, GenerationMode::kSync, seed, ContextValues(), {}, Status::ok());
    rec.result().input.push_back(text_message(Role::kUser, "x"));
    rec.result().output.push_back(text_message(Role::kAssistant, "y"));
    Status st = rec.end();
    EXPECT_EQ(st.code(), i == 0 ? SIGIL_OK : SIGIL_E_QUEUE_FULL);
  }
  ASSERT_EQ(sink.spans.size(), 2u);
  EXPECT_FALSE(sink.spans[0].has(sc::kErrorType));
  EXPECT_EQ(sink.spans[1].str(sc::kErrorType), "enqueue_error");
  EXPECT_EQ(sink.spans[1].str(sc::kErrorCategory), "sdk_error");
  EXPECT_EQ(sink.spans[1].events.at(0).attrs["exception.type"].s, "SIGIL_E_QUEUE_FULL");
  client->shutdown(Client::Clock::now());
}

TEST(GenerationTelemetry, ParentTraceparentMakesAChildSpan) {
  SpanSink sink;
  auto client = make_client(&sink);
  Generation seed;
  seed.model = {"openai", "gpt-5"};
  GenerationRecorder rec(client, GenerationMode::kSync, seed, ContextValues(),
                         {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}, Status::ok());
  rec.result().input.push_back(text_message(Role::kUser, "x"));
  rec.result().output.push_back(text_message(Role::kAssistant, "y"));
  ASSERT_TRUE(rec.end().is_ok());
  Span s = sink.only();
  EXPECT_EQ(s.trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(s.parent_span_id, "b7ad6b7169203331");
  EXPECT_NE(s.span_id, "b7ad6b7169203331");
  EXPECT_EQ(last_exported(client).trace_id, s.trace_id);
  EXPECT_EQ(last_exported(client).span_id, s.span_id);
}

TEST(GenerationTelemetry, UnsampledParentSkipsTheSpanButNotMetrics) {
  SpanSink sink;
  auto client = make_client(&sink);
  Generation seed;
  seed.model = {"openai", "gpt-5"};
  GenerationRecorder rec(client, GenerationMode::kSync, seed, ContextValues(),
                         {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"}, Status::ok());
  rec.result().input.push_back(text_message(Role::kUser, "x"));
  rec.result().output.push_back(text_message(Role::kAssistant, "y"));
  ASSERT_TRUE(rec.end().is_ok());
  EXPECT_TRUE(sink.spans.empty());
  EXPECT_EQ(last_exported(client).trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_NE(instrument(client->telemetry().metrics().snapshot(), sc::kMetricOperationDuration), nullptr);
}

TEST(GenerationTelemetry, ThinkingBudgetFromMetadata) {
  Metadata md;
  EXPECT_FALSE(thinking_budget_from_metadata(md));
  md[sc::kMetaThinkingBudget] = JsonValue::Number(4096);
  EXPECT_EQ(thinking_budget_from_metadata(md), 4096);
  md[sc::kMetaThinkingBudget] = JsonValue::String(" 512 ");
  EXPECT_EQ(thinking_budget_from_metadata(md), 512);
  md[sc::kMetaThinkingBudget] = JsonValue::Number(1.5);
  EXPECT_FALSE(thinking_budget_from_metadata(md));
  md[sc::kMetaThinkingBudget] = JsonValue::String("lots");
  EXPECT_FALSE(thinking_budget_from_metadata(md));
}

TEST(GenerationTelemetry, FrameworkMetadataOnTheSpan) {
  SpanSink sink;
  auto client = make_client(&sink);
  Generation seed;
  seed.model = {"openai", "gpt-5"};
  seed.metadata[sc::kFrameworkRunId] = JsonValue::String(" run-1 ");
  seed.metadata[sc::kFrameworkRunType] = JsonValue::String("chat");
  seed.metadata[sc::kFrameworkThreadId] = JsonValue::String("   ");   // blank: left out
  seed.metadata[sc::kFrameworkLangGraphNode] = JsonValue::Number(7);  // not a string: left out
  seed.metadata[sc::kFrameworkRetryAttempt] = JsonValue::String("2");
  seed.metadata["sigil.framework.tags"] = JsonValue::String("free-form");
  seed.metadata["custom"] = JsonValue::String("x");
  GenerationRecorder rec(client, GenerationMode::kSync, seed, ContextValues(), {}, Status::ok());
  rec.result().input.push_back(text_message(Role::kUser, "x"));
  ASSERT_TRUE(rec.end().is_ok());

  Span s = sink.only();
  EXPECT_EQ(s.str(sc::kFrameworkRunId), "run-1");
  EXPECT_EQ(s.str(sc::kFrameworkRunType), "chat");
  EXPECT_EQ(s.attrs[sc::kFrameworkRetryAttempt].type, SIGIL_ATTRIBUTE_INT);
  EXPECT_EQ(s.num(sc::kFrameworkRetryAttempt), 2);
  EXPECT_FALSE(s.has(sc::kFrameworkThreadId));
  EXPECT_FALSE(s.has(sc::kFrameworkLangGraphNode));
  EXPECT_FALSE(s.has("sigil.framework.tags"));
  EXPECT_FALSE(s.has("custom"));
}

TEST(GenerationTelemetry, ZeroAndNegativeUsageIsOmitted) {
  SpanSink sink;
  auto client = make_client(&sink);
  Generation seed;
  seed.model = {"openai", "gpt-5"};
  GenerationRecorder rec(client, GenerationMode::kSync, seed, ContextValues(), {}, Status::ok());
  rec.result().input.push_back(text_message(Role::kUser, "x"));
  rec.result().output.push_back(text_message(Role::kAssistant, "y"));
  rec.result().usage.input_tokens = 5;
  ASSERT_TRUE(rec.end().is_ok());
  Span s = sink.only();
  EXPECT_EQ(s.num(sc::kInputTokens), 5);
  EXPECT_FALSE(s.has(sc::kOutputTokens));
  EXPECT_FALSE(s.has(sc::kFinishReasons));
  auto snap = client->telemetry().metrics().snapshot();
  EXPECT_EQ(instrument(snap, sc::kMetricTokenUsage)->points.size(), 1u);
  // Tool calls are recorded even when there are none.
  const HistogramPoint *tc = point(snap, sc::kMetricToolCallsPerOperation, {});
  ASSERT_NE(tc, nullptr);
  EXPECT_EQ(tc->count, 1u);
  EXPECT_DOUBLE_EQ(tc->sum, 0.0);
}

// ---- tool executions --------------------------------------------------------------

namespace {

ToolExecutionData weather_tool() {
  ToolExecutionData d;
  d.tool_name = "weather";
  d.tool_call_id = "call-weather";
  d.tool_type = "function";
  d.tool_description = "Get weather";
  d.request_model = "gpt-5";
  d.request_provider = "openai";
  d.include_content = true;
  d.started_at_ns = at("2026-03-12T14:02:00.100Z");
  return d;
}

}  // namespace

TEST(ToolTelemetry, ConformanceAttributesAndMetrics) {
  SpanSink sink;
  auto client = make_client(&sink);
  ContextValues ctx;
  ctx.conversation_id = "conv-tool";
  ctx.conversation_title = "Weather lookup";
  ctx.agent_name = "agent-tools";
  ctx.agent_version = "2026.03.12";
  ToolExecutionRecorder rec(client, weather_tool(), ctx, {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
                            Status::ok());
  rec.set_result("{\"city\": \"Paris\"}", "  sunny and 18C  ", at("2026-03-12T14:02:00.600Z"));
  ASSERT_TRUE(rec.end().is_ok());

  Span s = sink.only();
  EXPECT_EQ(s.name, "execute_tool weather");
  EXPECT_EQ(s.kind, SIGIL_SPAN_KIND_INTERNAL);
  EXPECT_EQ(s.parent_span_id, "b7ad6b7169203331");
  EXPECT_EQ(s.status, SIGIL_SPAN_STATUS_UNSET);  // success leaves it Unset
  EXPECT_EQ(s.end_ns - s.start_ns, 500'000'000);
  EXPECT_EQ(s.str(sc::kOperationName), "execute_tool");
  EXPECT_EQ(s.str(sc::kToolName), "weather");
  EXPECT_EQ(s.str(sc::kToolCallId), "call-weather");
  EXPECT_EQ(s.str(sc::kToolType), "function");
  EXPECT_EQ(s.str(sc::kToolDescription), "Get weather");
  EXPECT_EQ(s.str(sc::kConversationId), "conv-tool");
  EXPECT_EQ(s.str(sc::kConversationTitle), "Weather lookup");
  EXPECT_EQ(s.str(sc::kAgentName), "agent-tools");
  EXPECT_EQ(s.str(sc::kAgentVersion), "2026.03.12");
  EXPECT_EQ(s.str(sc::kProviderName), "openai");
  EXPECT_EQ(s.str(sc::kRequestModel), "gpt-5");
  EXPECT_EQ(s.str(sc::kSdkName), "sdk-c");
  EXPECT_EQ(s.str(sc::kToolCallArguments), "{\"city\": \"Paris\"}");  // JSON kept as is
  EXPECT_EQ(s.str(sc::kToolCallResult), "\"sunny and 18C\"");         // text becomes a JSON string

  auto snap = client->telemetry().metrics().snapshot();
  const HistogramPoint *p = point(snap, sc::kMetricOperationDuration,
                                  {{sc::kOperationName, "execute_tool"},
                                   {sc::kProviderName, "openai"},
                                   {sc::kRequestModel, "gpt-5"},
                                   {sc::kToolName, "weather"},
                                   {sc::kAgentName, "agent-tools"}});
  ASSERT_NE(p, nullptr);
  EXPECT_DOUBLE_EQ(p->sum, 0.5);
  EXPECT_EQ(as_map(p->attributes).size(), 5u);
  EXPECT_EQ(instrument(snap, sc::kMetricTimeToFirstToken), nullptr);
  EXPECT_EQ(instrument(snap, sc::kMetricTokenUsage), nullptr);
}

TEST(ToolTelemetry, ContentOnlyWhenIncluded) {
  SpanSink sink;
  auto client = make_client(&sink);
  ToolExecutionData d = weather_tool();
  d.include_content = false;
  ToolExecutionRecorder rec(client, d, ContextValues(), {}, Status::ok());
  rec.set_result("{\"city\":\"Paris\"}", "{\"temp_c\":18}", 0);
  ASSERT_TRUE(rec.end().is_ok());
  Span s = sink.only();
  EXPECT_FALSE(s.has(sc::kToolCallArguments));
  EXPECT_FALSE(s.has(sc::kToolCallResult));
}

TEST(ToolTelemetry, ToolFailureIsToolExecutionError) {
  SpanSink sink;
  auto client = make_client(&sink);
  ToolExecutionRecorder rec(client, weather_tool(), ContextValues(), {}, Status::ok());
  rec.set_error("weather API timed out", 0);
  ASSERT_TRUE(rec.end().is_ok());  // a tool failure is not a local error
  Span s = sink.only();
  EXPECT_EQ(s.status, SIGIL_SPAN_STATUS_ERROR);
  EXPECT_EQ(s.status_message, "weather API timed out");
  EXPECT_EQ(s.str(sc::kErrorType), "tool_execution_error");
  EXPECT_EQ(s.str(sc::kErrorCategory), "timeout");
  EXPECT_EQ(s.events.at(0).attrs["exception.type"].s, "tool_execution_error");
  auto snap = client->telemetry().metrics().snapshot();
  EXPECT_NE(point(snap, sc::kMetricOperationDuration,
                  {{sc::kErrorType, "tool_execution_error"}, {sc::kErrorCategory, "timeout"}}),
            nullptr);
}

// ---- embeddings -------------------------------------------------------------------

namespace {

EmbeddingData embed_start() {
  EmbeddingData d;
  d.model = {"openai", "text-embedding-3-small"};
  d.agent_name = "agent-embed";
  d.dimensions = 256;
  d.encoding_format = "float";
  d.encoding_format_set = true;
  return d;
}

}  // namespace

TEST(EmbeddingTelemetry, ConformanceAttributesAndMetrics) {
  SpanSink sink;
  auto client = make_client(&sink);
  EmbeddingRecorder rec(client, embed_start(), ContextValues(), {}, Status::ok());
  EmbeddingResultData r;
  r.input_count = 2;
  r.input_tokens = 120;
  r.response_model = "text-embedding-3-small";
  r.dimensions = 512;  // the result's count replaces the requested one
  r.input_texts = {"hello", "world"};
  rec.set_result(r);
  ASSERT_TRUE(rec.end().is_ok());

  Span s = sink.only();
  EXPECT_EQ(s.name, "embeddings text-embedding-3-small");
  EXPECT_EQ(s.kind, SIGIL_SPAN_KIND_CLIENT);
  EXPECT_EQ(s.str(sc::kOperationName), "embeddings");
  EXPECT_EQ(s.str(sc::kProviderName), "openai");
  EXPECT_EQ(s.str(sc::kRequestModel), "text-embedding-3-small");
  EXPECT_EQ(s.str(sc::kAgentName), "agent-embed");
  EXPECT_EQ(s.str(sc::kSdkName), "sdk-c");
  EXPECT_EQ(s.num(sc::kEmbeddingInputCount), 2);
  EXPECT_EQ(s.num(sc::kEmbeddingDimensionCount), 512);
  EXPECT_EQ(s.num(sc::kInputTokens), 120);
  EXPECT_EQ(s.str(sc::kResponseModel), "text-embedding-3-small");
  EXPECT_EQ(s.attrs[sc::kRequestEncodingFormats].strings, std::vector<std::string>{"float"});
  EXPECT_FALSE(s.has(sc::kEmbeddingInputTexts));  // capture is off by default

  auto snap = client->telemetry().metrics().snapshot();
  const AttrMap base = {{sc::kOperationName, "embeddings"},
                        {sc::kProviderName, "openai"},
                        {sc::kRequestModel, "text-embedding-3-small"},
                        {sc::kAgentName, "agent-embed"}};
  AttrMap tokens = base;
  tokens[sc::kTokenType] = "input";
  EXPECT_NE(point(snap, sc::kMetricOperationDuration, base), nullptr);
  const HistogramPoint *t = point(snap, sc::kMetricTokenUsage, tokens);
  ASSERT_NE(t, nullptr);
  EXPECT_DOUBLE_EQ(t->sum, 120);
  EXPECT_EQ(instrument(snap, sc::kMetricTimeToFirstToken), nullptr);
  EXPECT_EQ(instrument(snap, sc::kMetricToolCallsPerOperation), nullptr);
}

TEST(EmbeddingTelemetry, InputTextCaptureIsBounded) {
  SpanSink sink;
  Options o;
  o.telemetry.embedding_capture_input = true;
  o.telemetry.embedding_max_input_items = 2;
  o.telemetry.embedding_max_text_length = 6;
  auto client = make_client(&sink, o);
  EmbeddingRecorder rec(client, embed_start(), ContextValues(), {}, Status::ok());
  EmbeddingResultData r;
  r.input_count = 3;
  r.input_texts = {"short", "héllo wörld", "third"};
  rec.set_result(r);
  ASSERT_TRUE(rec.end().is_ok());
  EXPECT_EQ(sink.only().attrs[sc::kEmbeddingInputTexts].strings, (std::vector<std::string>{"short", "hél..."}));
}

TEST(EmbeddingTelemetry, TruncationCountsCodePoints) {
  EXPECT_EQ(truncate_code_points("abcdef", 6), "abcdef");
  EXPECT_EQ(truncate_code_points("abcdefg", 6), "abc...");
  EXPECT_EQ(truncate_code_points("äöüäöüä", 5), "äö...");
  EXPECT_EQ(truncate_code_points("abcdef", 2), "ab");
  EmbeddingCaptureConfig defaults;
  std::vector<std::string> many(25, std::string(2000, 'x'));
  auto got = capture_embedding_texts(many, defaults);
  ASSERT_EQ(got.size(), 20u);
  EXPECT_EQ(got[0].size(), 1024u);
  EXPECT_EQ(got[0].substr(1021), "...");
}

TEST(EmbeddingTelemetry, CallErrorAndValidationError) {
  {
    SpanSink sink;
    auto client = make_client(&sink);
    EmbeddingRecorder rec(client, embed_start(), ContextValues(), {}, Status::ok());
    rec.set_call_error("401 unauthorized", 0);
    ASSERT_TRUE(rec.end().is_ok());
    Span s = sink.only();
    EXPECT_EQ(s.str(sc::kErrorType), "provider_call_error");
    EXPECT_EQ(s.str(sc::kErrorCategory), "auth_error");
    EXPECT_FALSE(s.has(sc::kEmbeddingInputCount));  // no result was set
  }
  {
    SpanSink sink;
    auto client = make_client(&sink);
    EmbeddingData d = embed_start();
    d.model.name = "";  // invalid
    EmbeddingRecorder rec(client, d, ContextValues(), {}, Status::ok());
    Status st = rec.end();
    EXPECT_EQ(st.code(), SIGIL_E_VALIDATION);
    Span s = sink.only();
    EXPECT_EQ(s.name, "embeddings");
    EXPECT_EQ(s.str(sc::kErrorType), "validation_error");
    EXPECT_EQ(s.str(sc::kErrorCategory), "sdk_error");
    EXPECT_EQ(s.status_message, st.message());
  }
}

// ---- error classification ------------------------------------------------------------

TEST(ErrorCategory, ReferenceClassification) {
  EXPECT_STREQ(classify_error_category(429, ""), "rate_limit");
  EXPECT_STREQ(classify_error_category(0, "HTTP 429 too many requests"), "rate_limit");
  EXPECT_STREQ(classify_error_category(401, ""), "auth_error");
  EXPECT_STREQ(classify_error_category(403, ""), "auth_error");
  EXPECT_STREQ(classify_error_category(408, ""), "timeout");
  EXPECT_STREQ(classify_error_category(0, "context deadline exceeded"), "timeout");
  EXPECT_STREQ(classify_error_category(502, ""), "server_error");
  EXPECT_STREQ(classify_error_category(0, "status 404"), "client_error");
  EXPECT_STREQ(classify_error_category(0, "boom"), "sdk_error");
  EXPECT_STREQ(classify_error_category(0, "code 4290 is not a status"), "sdk_error");
}

// ---- histograms -------------------------------------------------------------------

TEST(Histogram, BucketsAreUpperInclusive) {
  Histogram h("h", "s", "", {1, 2, 4});
  EXPECT_EQ(h.bucket_index(0.5), 0u);
  EXPECT_EQ(h.bucket_index(1.0), 0u);
  EXPECT_EQ(h.bucket_index(1.5), 1u);
  EXPECT_EQ(h.bucket_index(4.0), 2u);
  EXPECT_EQ(h.bucket_index(4.1), 3u);  // overflow
  for (double v : {0.5, 1.0, 3.0, 9.0}) h.record(v, {{"k", "a"}});
  h.record(2.0, {{"k", "b"}});
  auto pts = h.points();
  ASSERT_EQ(pts.size(), 2u);
  const HistogramPoint &a = as_map(pts[0].attributes)["k"] == "a" ? pts[0] : pts[1];
  EXPECT_EQ(a.count, 4u);
  EXPECT_DOUBLE_EQ(a.sum, 13.5);
  EXPECT_DOUBLE_EQ(a.min, 0.5);
  EXPECT_DOUBLE_EQ(a.max, 9.0);
  EXPECT_EQ(a.bucket_counts, (std::vector<uint64_t>{2, 0, 1, 1}));
}

TEST(Histogram, AttributeSetsDoNotCollide) {
  Histogram h("h", "s", "", {1});
  h.record(1, {{"a", "x"}, {"b", ""}});
  h.record(1, {{"a", ""}, {"b", "x"}});
  h.record(1, {{"a", "x"}});
  EXPECT_EQ(h.points().size(), 3u);
}

TEST(Histogram, ConcurrentRecordingLosesNothing) {
  Histogram h("h", "s", "", kDurationBuckets);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 5000; ++i) h.record(0.05, {{"thread", std::to_string(t % 3)}});
    });
  }
  for (auto &th : threads) th.join();
  uint64_t total = 0;
  for (const HistogramPoint &p : h.points()) total += p.count;
  EXPECT_EQ(total, 40000u);
}

TEST(Histogram, BoundariesAreTheDocumentedOnes) {
  EXPECT_EQ(kDurationBuckets, (std::vector<double>{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24,
                                                   20.48, 40.96, 81.92}));
  EXPECT_EQ(kTokenUsageBuckets.front(), 1);
  EXPECT_EQ(kTokenUsageBuckets.back(), 67108864);
  EXPECT_EQ(kTokenUsageBuckets.size(), 14u);
  EXPECT_EQ(kTimeToFirstTokenBuckets.size(), 16u);
  EXPECT_EQ(kToolCallsBuckets.front(), 0);
  EXPECT_EQ(kToolCallsBuckets.back(), 10000);
  SpanSink sink;
  auto client = make_client(&sink);
  for (const Histogram *h : client->telemetry().metrics().instruments()) {
    std::string name = h->name();
    if (name == sc::kMetricOperationDuration) EXPECT_EQ(h->bounds(), kDurationBuckets);
    if (name == sc::kMetricTokenUsage) EXPECT_EQ(h->bounds(), kTokenUsageBuckets);
    if (name == sc::kMetricTimeToFirstToken) EXPECT_EQ(h->bounds(), kTimeToFirstTokenBuckets);
    if (name == sc::kMetricToolCallsPerOperation) EXPECT_EQ(h->bounds(), kToolCallsBuckets);
    if (name == sc::kMetricCost) EXPECT_EQ(h->bounds(), kCostBuckets);
  }
}

TEST(MetricsJson, SnapshotShape) {
  SpanSink sink;
  auto client = make_client(&sink);
  GenerationRecorder rec = full_roundtrip(client);
  ASSERT_TRUE(rec.end().is_ok());
  std::string json = client->telemetry().metrics_json();
  cJSON *root = cJSON_Parse(json.c_str());
  ASSERT_NE(root, nullptr) << json;
  cJSON *metrics = cJSON_GetObjectItem(root, "metrics");
  // No TTFT for a sync generation; claude-sonnet-4-5 with usage is priced.
  ASSERT_EQ(cJSON_GetArraySize(metrics), 4);
  EXPECT_STREQ(cJSON_GetObjectItem(cJSON_GetArrayItem(metrics, 3), "name")->valuestring, sc::kMetricCost);
  EXPECT_STREQ(cJSON_GetObjectItem(cJSON_GetArrayItem(metrics, 3), "unit")->valuestring, "USD");
  cJSON *dur = cJSON_GetArrayItem(metrics, 0);
  EXPECT_STREQ(cJSON_GetObjectItem(dur, "name")->valuestring, "gen_ai.client.operation.duration");
  EXPECT_STREQ(cJSON_GetObjectItem(dur, "unit")->valuestring, "s");
  EXPECT_STREQ(cJSON_GetObjectItem(dur, "temporality")->valuestring, "cumulative");
  EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(dur, "explicit_bounds")), 14);
  cJSON *p = cJSON_GetArrayItem(cJSON_GetObjectItem(dur, "points"), 0);
  EXPECT_EQ(cJSON_GetObjectItem(p, "count")->valueint, 1);
  EXPECT_DOUBLE_EQ(cJSON_GetObjectItem(p, "sum")->valuedouble, 3.0);
  EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(p, "bucket_counts")), 15);
  EXPECT_STREQ(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "attributes"), "gen_ai.request.model")->valuestring,
               "claude-sonnet-4-5");
  cJSON *resource = cJSON_GetObjectItem(root, "resource");
  EXPECT_STREQ(cJSON_GetObjectItem(resource, "service.name")->valuestring, "unknown_service:sigil_unit_tests");
  EXPECT_STREQ(cJSON_GetObjectItem(resource, "telemetry.sdk.name")->valuestring, "libsigil");
  EXPECT_STREQ(cJSON_GetObjectItem(resource, "telemetry.sdk.language")->valuestring, "cpp");
  EXPECT_STREQ(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "scope"), "name")->valuestring, "libsigil");
  cJSON_Delete(root);
}

// ---- configuration ----------------------------------------------------------------

// A configured generation endpoint and no OTLP one: no OTLP export (with
// nothing configured at all, OTLP goes to the local receiver; see
// Config.OtlpGoesToTheLocalReceiverOnlyWhenNothingIsConfigured).
TEST(TelemetryConfig, NoEndpointMeansNoExport) {
  auto cfg = resolve_config(Options(), env_of({{"SIGIL_ENDPOINT", "localhost:4317"}}));
  ASSERT_TRUE(cfg.has_value());
  EXPECT_FALSE(cfg->telemetry.otlp.enabled());
  EXPECT_EQ(cfg->telemetry.otlp.metric_export_interval_ms, 60000u);
  // OpenTelemetry's default: unknown_service and the executable's name.
  EXPECT_EQ(cfg->telemetry.identity.resource.at(0),
            (std::pair<std::string, std::string>{"service.name", "unknown_service:sigil_unit_tests"}));
}

TEST(TelemetryConfig, EveryClientHasItsOwnServiceInstanceId) {
  auto instance_id = [](Expected<ClientConfig> &cfg) {
    std::string id = "<absent>";
    for (const auto &kv : cfg->telemetry.identity.resource) {
      if (kv.first == "service.instance.id") id = kv.second;
    }
    return id;
  };
  auto a = resolve_config(Options(), env_of({}));
  auto b = resolve_config(Options(), env_of({}));
  ASSERT_TRUE(a.has_value() && b.has_value());
  std::string id = instance_id(a);
  // A random UUID: 8-4-4-4-12 lowercase hex, version 4, variant 10xx.
  ASSERT_EQ(id.size(), 36u) << id;
  for (size_t i : {8u, 13u, 18u, 23u}) EXPECT_EQ(id[i], '-') << id;
  EXPECT_EQ(id[14], '4') << id;
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
  EXPECT_NE(instance_id(a), instance_id(b));
  // OTEL_RESOURCE_ATTRIBUTES, then an explicit attribute, replace it.
  auto env = resolve_config(Options(), env_of({{"OTEL_RESOURCE_ATTRIBUTES", "service.instance.id=pod-7"}}));
  EXPECT_EQ(instance_id(env), "pod-7");
  Options o;
  o.telemetry.resource_attributes.emplace_back("service.instance.id", "explicit-1");
  auto expl = resolve_config(o, env_of({{"OTEL_RESOURCE_ATTRIBUTES", "service.instance.id=pod-7"}}));
  EXPECT_EQ(instance_id(expl), "explicit-1");
  size_t count = 0;
  for (const auto &kv : expl->telemetry.identity.resource) count += kv.first == "service.instance.id";
  EXPECT_EQ(count, 1u);
}

TEST(TelemetryConfig, BaseEndpointGetsSignalPaths) {
  auto cfg = resolve_config(Options(), env_of({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"}}));
  ASSERT_TRUE(cfg.has_value());
  EXPECT_EQ(cfg->telemetry.otlp.traces_url, "http://collector:4318/v1/traces");
  EXPECT_EQ(cfg->telemetry.otlp.metrics_url, "http://collector:4318/v1/metrics");
  cfg = resolve_config(Options(), env_of({{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://gw.example/otlp"}}));
  EXPECT_EQ(cfg->telemetry.otlp.traces_url, "https://gw.example/otlp/v1/traces");
  cfg = resolve_config(Options(), env_of({{"OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318"}}));
  EXPECT_EQ(cfg->telemetry.otlp.metrics_url, "http://localhost:4318/v1/metrics");
}

TEST(TelemetryConfig, SignalEndpointsAreUsedAsIs) {
  auto cfg = resolve_config(Options(), env_of({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://base:4318"},
                                               {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:1/custom"},
                                               {"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://metrics:2"}}));
  ASSERT_TRUE(cfg.has_value());
  EXPECT_EQ(cfg->telemetry.otlp.traces_url, "http://traces:1/custom");
  EXPECT_EQ(cfg->telemetry.otlp.metrics_url, "http://metrics:2/");
}

TEST(TelemetryConfig, ExplicitOptionsWin) {
  Options o;
  o.telemetry.otlp_endpoint = "http://explicit:4318";
  o.telemetry.otlp_headers.emplace_back("x-shared", "explicit");
  o.telemetry.service_name = "svc-explicit";
  o.telemetry.resource_attributes.emplace_back("deployment.environment", "prod");
  o.telemetry.metric_export_interval_ms = 1500;
  auto cfg = resolve_config(o, env_of({{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://env:1/v1/traces"},
                                       {"OTEL_EXPORTER_OTLP_HEADERS", "x-shared=env,x-env=a%20b%2Cc"},
                                       {"OTEL_EXPORTER_OTLP_METRICS_HEADERS", "x-env=metrics"},
                                       {"OTEL_SERVICE_NAME", "svc-env"},
                                       {"OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=dev,team=ai%2Fml"},
                                       {"OTEL_METRIC_EXPORT_INTERVAL", "30000"}}));
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message();
  const TelemetryConfig &t = cfg->telemetry;
  EXPECT_EQ(t.otlp.traces_url, "http://explicit:4318/v1/traces");
  EXPECT_EQ(t.otlp.metric_export_interval_ms, 1500u);
  auto header = [](const StringPairs &h, const char *name) {
    for (const auto &kv : h) {
      if (kv.first == name) return kv.second;
    }
    return std::string("<absent>");
  };
  EXPECT_EQ(header(t.otlp.traces_headers, "x-shared"), "explicit");
  EXPECT_EQ(header(t.otlp.traces_headers, "x-env"), "a b,c");
  EXPECT_EQ(header(t.otlp.metrics_headers, "x-env"), "metrics");
  EXPECT_EQ(header(t.identity.resource, "service.name"), "svc-explicit");
  EXPECT_EQ(header(t.identity.resource, "deployment.environment"), "prod");
  EXPECT_EQ(header(t.identity.resource, "team"), "ai/ml");
  EXPECT_EQ(header(t.identity.resource, "telemetry.sdk.version"), SIGIL_VERSION_STRING);
}

TEST(TelemetryConfig, ServiceNamePrecedenceAndLanguage) {
  auto cfg = resolve_config(Options(), env_of({{"OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs"}}));
  EXPECT_EQ(cfg->telemetry.identity.resource.at(0).second, "from-attrs");
  cfg = resolve_config(
      Options(), env_of({{"OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs"}, {"OTEL_SERVICE_NAME", "from-name"}}));
  EXPECT_EQ(cfg->telemetry.identity.resource.at(0).second, "from-name");
  Options o;
  o.sdk_name = "sdk-python";
  cfg = resolve_config(o, env_of({}));
  EXPECT_EQ(cfg->telemetry.identity.resource.at(1),
            (std::pair<std::string, std::string>{"telemetry.sdk.language", "python"}));
  o.telemetry.sdk_language = "ruby";
  cfg = resolve_config(o, env_of({}));
  EXPECT_EQ(cfg->telemetry.identity.resource.at(1).second, "ruby");
}

TEST(TelemetryConfig, EnvironmentCanTurnExportOff) {
  auto cfg = resolve_config(
      Options(), env_of({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"}, {"OTEL_TRACES_EXPORTER", "none"}}));
  EXPECT_EQ(cfg->telemetry.otlp.traces_url, "");
  EXPECT_EQ(cfg->telemetry.otlp.metrics_url, "http://c:4318/v1/metrics");
  cfg = resolve_config(Options(),
                       env_of({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"}, {"OTEL_SDK_DISABLED", "true"}}));
  EXPECT_FALSE(cfg->telemetry.otlp.enabled());
  Options o;
  o.use_environment = false;
  o.endpoint = "localhost:4317";
  cfg = resolve_config(o, env_of({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"}}));
  EXPECT_FALSE(cfg->telemetry.otlp.enabled());
}

TEST(TelemetryConfig, BadValues) {
  auto cfg = resolve_config(Options(), env_of({{"OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://c:21"}}));
  EXPECT_FALSE(cfg.has_value());
  EXPECT_EQ(cfg.error().code(), SIGIL_E_CONFIG);
  cfg = resolve_config(Options(), env_of({{"OTEL_METRIC_EXPORT_INTERVAL", "soon"}}));
  ASSERT_TRUE(cfg.has_value());  // ignored, as OpenTelemetry SDKs do
  EXPECT_EQ(cfg->telemetry.otlp.metric_export_interval_ms, 60000u);
  EXPECT_EQ(percent_decode("a%2Cb%zz%4"), "a,b%zz%4");
}

// ---- OTLP encoding, decoded back with nanopb -------------------------------------------

namespace {

struct DAttr {
  uint32_t tag = 0;  // which AnyValue member arrived
  std::string s;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::vector<std::string> strings;
};
using DAttrs = std::map<std::string, DAttr>;

bool read_all(pb_istream_t *s, std::string &out) {
  out.resize(s->bytes_left);
  return pb_read(s, reinterpret_cast<pb_byte_t *>(&out[0]), out.size());
}

bool cb_string(pb_istream_t *s, const pb_field_t *, void **arg) {
  return read_all(s, *static_cast<std::string *>(*arg));
}

void set_cb(pb_callback_t &cb, bool (*fn)(pb_istream_t *, const pb_field_t *, void **), void *arg) {
  cb.funcs.decode = fn;
  cb.arg = arg;
}

bool decode_any(pb_istream_t *s, DAttr &a);

bool cb_array_item(pb_istream_t *s, const pb_field_t *, void **arg) {
  DAttr item;
  if (!decode_any(s, item) || item.tag != 1) return false;
  static_cast<std::vector<std::string> *>(*arg)->push_back(item.s);
  return true;
}

// AnyValue by hand, to see which oneof member was written.
bool decode_any(pb_istream_t *s, DAttr &a) {
  while (s->bytes_left > 0) {
    pb_wire_type_t wt;
    uint32_t tag;
    bool eof = false;
    if (!pb_decode_tag(s, &wt, &tag, &eof)) return false;
    a.tag = tag;
    uint64_t v = 0;
    switch (tag) {
      case 1: {
        pb_istream_t sub;
        if (!pb_make_string_substream(s, &sub) || !read_all(&sub, a.s) || !pb_close_string_substream(s, &sub))
          return false;
        break;
      }
      case 2:
        if (!pb_decode_varint(s, &v)) return false;
        a.b = v != 0;
        break;
      case 3:
        if (!pb_decode_varint(s, &v)) return false;
        a.i = static_cast<int64_t>(v);
        break;
      case 4:
        if (!pb_decode_fixed64(s, &a.d)) return false;
        break;
      case 5: {
        opentelemetry_proto_common_v1_ArrayValue arr = opentelemetry_proto_common_v1_ArrayValue_init_zero;
        set_cb(arr.values, cb_array_item, &a.strings);
        pb_istream_t sub;
        if (!pb_make_string_substream(s, &sub)) return false;
        bool ok = pb_decode(&sub, opentelemetry_proto_common_v1_ArrayValue_fields, &arr);
        if (!pb_close_string_substream(s, &sub) || !ok) return false;
        break;
      }
      default:
        if (!pb_skip_field(s, wt)) return false;
    }
  }
  return true;
}

bool cb_key_value(pb_istream_t *s, const pb_field_t *, void **arg) {
  std::string key;
  DAttr a;
  while (s->bytes_left > 0) {
    pb_wire_type_t wt;
    uint32_t tag;
    bool eof = false;
    if (!pb_decode_tag(s, &wt, &tag, &eof)) return false;
    pb_istream_t sub;
    if (wt != PB_WT_STRING || !pb_make_string_substream(s, &sub)) return false;
    bool ok = tag == 1 ? read_all(&sub, key) : tag == 2 ? decode_any(&sub, a) : true;
    if (!pb_close_string_substream(s, &sub) || !ok) return false;
  }
  (*static_cast<DAttrs *>(*arg))[key] = a;
  return true;
}

struct DEvent {
  std::string name;
  uint64_t time = 0;
  DAttrs attrs;
};

struct DSpan {
  std::string trace_id, span_id, parent_span_id, name, status_message;
  int kind = 0;
  uint64_t start = 0, end = 0;
  uint32_t flags = 0;
  bool has_status = false;
  int status_code = 0;
  DAttrs attrs;
  std::vector<DEvent> events;
};

struct DResource {
  DAttrs resource;
  std::string scope_name, scope_version;
};

bool cb_event(pb_istream_t *s, const pb_field_t *, void **arg) {
  DEvent e;
  opentelemetry_proto_trace_v1_Span_Event msg = opentelemetry_proto_trace_v1_Span_Event_init_zero;
  set_cb(msg.name, cb_string, &e.name);
  set_cb(msg.attributes, cb_key_value, &e.attrs);
  if (!pb_decode(s, opentelemetry_proto_trace_v1_Span_Event_fields, &msg)) return false;
  e.time = msg.time_unix_nano;
  static_cast<std::vector<DEvent> *>(*arg)->push_back(e);
  return true;
}

bool cb_span(pb_istream_t *s, const pb_field_t *, void **arg) {
  DSpan d;
  opentelemetry_proto_trace_v1_Span msg = opentelemetry_proto_trace_v1_Span_init_zero;
  set_cb(msg.trace_id, cb_string, &d.trace_id);
  set_cb(msg.span_id, cb_string, &d.span_id);
  set_cb(msg.parent_span_id, cb_string, &d.parent_span_id);
  set_cb(msg.name, cb_string, &d.name);
  set_cb(msg.attributes, cb_key_value, &d.attrs);
  set_cb(msg.events, cb_event, &d.events);
  set_cb(msg.status.message, cb_string, &d.status_message);
  if (!pb_decode(s, opentelemetry_proto_trace_v1_Span_fields, &msg)) return false;
  d.kind = msg.kind;
  d.start = msg.start_time_unix_nano;
  d.end = msg.end_time_unix_nano;
  d.flags = msg.flags;
  d.has_status = msg.has_status;
  d.status_code = msg.status.code;
  static_cast<std::vector<DSpan> *>(*arg)->push_back(d);
  return true;
}

struct TraceSink {
  DResource origin;
  std::vector<DSpan> spans;
};

bool cb_scope_spans(pb_istream_t *s, const pb_field_t *, void **arg) {
  auto *sink = static_cast<TraceSink *>(*arg);
  opentelemetry_proto_trace_v1_ScopeSpans msg = opentelemetry_proto_trace_v1_ScopeSpans_init_zero;
  set_cb(msg.scope.name, cb_string, &sink->origin.scope_name);
  set_cb(msg.scope.version, cb_string, &sink->origin.scope_version);
  set_cb(msg.spans, cb_span, &sink->spans);
  return pb_decode(s, opentelemetry_proto_trace_v1_ScopeSpans_fields, &msg);
}

bool cb_resource_spans(pb_istream_t *s, const pb_field_t *, void **arg) {
  auto *sink = static_cast<TraceSink *>(*arg);
  opentelemetry_proto_trace_v1_ResourceSpans msg = opentelemetry_proto_trace_v1_ResourceSpans_init_zero;
  set_cb(msg.resource.attributes, cb_key_value, &sink->origin.resource);
  set_cb(msg.scope_spans, cb_scope_spans, sink);
  return pb_decode(s, opentelemetry_proto_trace_v1_ResourceSpans_fields, &msg);
}

TraceSink decode_traces(const std::string &body) {
  TraceSink sink;
  opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest req =
      opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_init_zero;
  set_cb(req.resource_spans, cb_resource_spans, &sink);
  pb_istream_t in = pb_istream_from_buffer(reinterpret_cast<const pb_byte_t *>(body.data()), body.size());
  EXPECT_TRUE(pb_decode(&in, opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_fields, &req))
      << PB_GET_ERROR(&in);
  return sink;
}

struct DPoint {
  DAttrs attrs;
  uint64_t start = 0, time = 0, count = 0;
  bool has_sum = false, has_min = false, has_max = false;
  double sum = 0, min = 0, max = 0;
  std::vector<uint64_t> buckets;
  std::vector<double> bounds;
};

struct DMetric {
  std::string name, unit, description;
  int temporality = 0;
  std::vector<DPoint> points;
};

struct MetricSink {
  DResource origin;
  std::vector<DMetric> metrics;
};

bool cb_point(pb_istream_t *s, const pb_field_t *, void **arg) {
  DPoint p;
  opentelemetry_proto_metrics_v1_HistogramDataPoint msg = opentelemetry_proto_metrics_v1_HistogramDataPoint_init_zero;
  set_cb(msg.attributes, cb_key_value, &p.attrs);
  if (!pb_decode(s, opentelemetry_proto_metrics_v1_HistogramDataPoint_fields, &msg)) return false;
  p.start = msg.start_time_unix_nano;
  p.time = msg.time_unix_nano;
  p.count = msg.count;
  p.has_sum = msg.has_sum;
  p.sum = msg.sum;
  p.has_min = msg.has_min;
  p.min = msg.min;
  p.has_max = msg.has_max;
  p.max = msg.max;
  p.buckets.assign(msg.bucket_counts, msg.bucket_counts + msg.bucket_counts_count);
  p.bounds.assign(msg.explicit_bounds, msg.explicit_bounds + msg.explicit_bounds_count);
  static_cast<std::vector<DPoint> *>(*arg)->push_back(p);
  return true;
}

bool cb_metric(pb_istream_t *s, const pb_field_t *, void **arg) {
  DMetric m;
  opentelemetry_proto_metrics_v1_Metric msg = opentelemetry_proto_metrics_v1_Metric_init_zero;
  set_cb(msg.name, cb_string, &m.name);
  set_cb(msg.unit, cb_string, &m.unit);
  set_cb(msg.description, cb_string, &m.description);
  set_cb(msg.histogram.data_points, cb_point, &m.points);
  if (!pb_decode(s, opentelemetry_proto_metrics_v1_Metric_fields, &msg)) return false;
  EXPECT_TRUE(msg.has_histogram);
  m.temporality = msg.histogram.aggregation_temporality;
  static_cast<std::vector<DMetric> *>(*arg)->push_back(m);
  return true;
}

bool cb_scope_metrics(pb_istream_t *s, const pb_field_t *, void **arg) {
  auto *sink = static_cast<MetricSink *>(*arg);
  opentelemetry_proto_metrics_v1_ScopeMetrics msg = opentelemetry_proto_metrics_v1_ScopeMetrics_init_zero;
  set_cb(msg.scope.name, cb_string, &sink->origin.scope_name);
  set_cb(msg.scope.version, cb_string, &sink->origin.scope_version);
  set_cb(msg.metrics, cb_metric, &sink->metrics);
  return pb_decode(s, opentelemetry_proto_metrics_v1_ScopeMetrics_fields, &msg);
}

bool cb_resource_metrics(pb_istream_t *s, const pb_field_t *, void **arg) {
  auto *sink = static_cast<MetricSink *>(*arg);
  opentelemetry_proto_metrics_v1_ResourceMetrics msg = opentelemetry_proto_metrics_v1_ResourceMetrics_init_zero;
  set_cb(msg.resource.attributes, cb_key_value, &sink->origin.resource);
  set_cb(msg.scope_metrics, cb_scope_metrics, sink);
  return pb_decode(s, opentelemetry_proto_metrics_v1_ResourceMetrics_fields, &msg);
}

MetricSink decode_metrics(const std::string &body) {
  MetricSink sink;
  opentelemetry_proto_collector_metrics_v1_ExportMetricsServiceRequest req =
      opentelemetry_proto_collector_metrics_v1_ExportMetricsServiceRequest_init_zero;
  set_cb(req.resource_metrics, cb_resource_metrics, &sink);
  pb_istream_t in = pb_istream_from_buffer(reinterpret_cast<const pb_byte_t *>(body.data()), body.size());
  EXPECT_TRUE(pb_decode(&in, opentelemetry_proto_collector_metrics_v1_ExportMetricsServiceRequest_fields, &req))
      << PB_GET_ERROR(&in);
  return sink;
}

const std::vector<std::pair<std::string, std::string>> kResource = {{"service.name", "svc"},
                                                                    {"telemetry.sdk.name", "libsigil"}};

}  // namespace

TEST(OtlpEncoding, SpansDecodeBack) {
  SpanData s;
  s.name = "generateText gpt-5";
  s.kind = SpanKind::kClient;
  s.trace_id = "0af7651916cd43dd8448eb211c80319c";
  s.span_id = "b7ad6b7169203331";
  s.parent_span_id = "00f067aa0ba902b7";
  s.parent_remote = true;
  s.start_ns = 1'700'000'000'000'000'000;
  s.end_ns = 1'700'000'001'500'000'000;
  s.attributes.set_string(sc::kOperationName, "generateText");
  s.attributes.set_string(sc::kConversationTitle, "");
  s.attributes.set_bool(sc::kRequestThinkingEnabled, false);
  s.attributes.set_int(sc::kRequestMaxTokens, 1024);
  s.attributes.set_int(sc::kInputTokens, -7);
  s.attributes.set_double(sc::kRequestTemperature, 0.25);
  s.attributes.set_strings(sc::kFinishReasons, {"stop", "length"});
  span_add_exception(s, "provider_call_error", "boom", s.end_ns);
  span_set_error(s, sc::kErrProviderCall, "server_error", "boom");
  SpanData root;
  root.name = "execute_tool search";
  root.trace_id = "11111111111111111111111111111111";
  root.span_id = "2222222222222222";
  SpanData local_child = root;  // a child of a span of this process
  local_child.span_id = "3333333333333333";
  local_child.parent_span_id = "2222222222222222";

  std::string body;
  OtlpOrigin origin{&kResource, "libsigil", "9.9.9"};
  ASSERT_TRUE(encode_otlp_traces({&s, &root, &local_child}, origin, body).is_ok());
  TraceSink got = decode_traces(body);
  EXPECT_EQ(got.origin.scope_name, "libsigil");
  EXPECT_EQ(got.origin.scope_version, "9.9.9");
  EXPECT_EQ(got.origin.resource["service.name"].s, "svc");
  ASSERT_EQ(got.spans.size(), 3u);
  const DSpan &d = got.spans[0];
  EXPECT_EQ(d.trace_id, hex_to_bytes("0af7651916cd43dd8448eb211c80319c"));
  EXPECT_EQ(d.trace_id.size(), 16u);
  EXPECT_EQ(d.span_id.size(), 8u);
  EXPECT_EQ(d.parent_span_id, hex_to_bytes("00f067aa0ba902b7"));
  EXPECT_EQ(d.name, "generateText gpt-5");
  EXPECT_EQ(d.kind, 3);
  EXPECT_EQ(d.start, uint64_t(s.start_ns));
  EXPECT_EQ(d.end, uint64_t(s.end_ns));
  EXPECT_EQ(d.flags, 0x301u);  // sampled, remote parent
  EXPECT_TRUE(d.has_status);
  EXPECT_EQ(d.status_code, 2);
  EXPECT_EQ(d.status_message, "boom");
  EXPECT_EQ(d.attrs.at(sc::kOperationName).tag, 1u);
  EXPECT_EQ(d.attrs.at(sc::kOperationName).s, "generateText");
  EXPECT_EQ(d.attrs.at(sc::kConversationTitle).tag, 1u);  // empty strings keep their type
  EXPECT_EQ(d.attrs.at(sc::kRequestThinkingEnabled).tag, 2u);
  EXPECT_FALSE(d.attrs.at(sc::kRequestThinkingEnabled).b);
  EXPECT_EQ(d.attrs.at(sc::kRequestMaxTokens).tag, 3u);
  EXPECT_EQ(d.attrs.at(sc::kRequestMaxTokens).i, 1024);
  EXPECT_EQ(d.attrs.at(sc::kInputTokens).i, -7);
  EXPECT_EQ(d.attrs.at(sc::kRequestTemperature).tag, 4u);
  EXPECT_DOUBLE_EQ(d.attrs.at(sc::kRequestTemperature).d, 0.25);
  EXPECT_EQ(d.attrs.at(sc::kFinishReasons).tag, 5u);
  EXPECT_EQ(d.attrs.at(sc::kFinishReasons).strings, (std::vector<std::string>{"stop", "length"}));
  EXPECT_EQ(d.attrs.at(sc::kErrorType).s, "provider_call_error");
  EXPECT_EQ(d.attrs.at(sc::kErrorCategory).s, "server_error");
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.events[0].name, "exception");
  EXPECT_EQ(d.events[0].time, uint64_t(s.end_ns));
  EXPECT_EQ(d.events[0].attrs.at("exception.message").s, "boom");
  const DSpan &r = got.spans[1];
  EXPECT_EQ(r.parent_span_id, "");
  EXPECT_EQ(r.kind, 1);
  EXPECT_EQ(r.flags, 0x101u);
  EXPECT_FALSE(r.has_status);  // Unset: no status message at all
  EXPECT_EQ(r.status_code, 0);
  ASSERT_EQ(got.spans.size(), 3u);
  EXPECT_EQ(got.spans[2].parent_span_id, hex_to_bytes("2222222222222222"));
  EXPECT_EQ(got.spans[2].flags, 0x101u);  // sampled, parent known not to be remote
}

TEST(OtlpEncoding, LargeSpansKeepTheirLengths) {
  SpanData s;
  s.name = std::string(300, 'n');
  s.trace_id = "0af7651916cd43dd8448eb211c80319c";
  s.span_id = "b7ad6b7169203331";
  s.attributes.set_string(sc::kToolCallResult, std::string(70000, 'r'));  // 3-byte length varints
  std::vector<SpanData> many(50, s);
  std::vector<const SpanData *> refs;
  for (const SpanData &m : many) refs.push_back(&m);
  std::string body;
  OtlpOrigin origin{&kResource, "libsigil", "1"};
  ASSERT_TRUE(encode_otlp_traces(refs, origin, body).is_ok());
  TraceSink got = decode_traces(body);
  ASSERT_EQ(got.spans.size(), 50u);
  EXPECT_EQ(got.spans[49].attrs.at(sc::kToolCallResult).s.size(), 70000u);
  EXPECT_EQ(got.spans[49].name.size(), 300u);
}

TEST(OtlpEncoding, MetricsDecodeBack) {
  GenAIMetrics m(1000);
  Generation g;
  g.model = {"openai", "gpt-5"};
  g.agent_name = "agent";
  g.mode = GenerationMode::kSync;
  g.started_at_ns = 2'000'000'000;
  g.completed_at_ns = 2'300'000'000;
  g.usage.input_tokens = 10;
  g.usage.output_tokens = 20;
  m.record_generation(g, "", "", 0);
  g.completed_at_ns = 7'000'000'000;
  m.record_generation(g, "", "", 0);

  std::string body;
  OtlpOrigin origin{&kResource, "libsigil", "1"};
  ASSERT_TRUE(encode_otlp_metrics(m.snapshot(), m.start_ns(), 9000, origin, body).is_ok());
  MetricSink got = decode_metrics(body);
  EXPECT_EQ(got.origin.resource["telemetry.sdk.name"].s, "libsigil");
  ASSERT_EQ(got.metrics.size(), 3u);
  const DMetric &dur = got.metrics[0];
  EXPECT_EQ(dur.name, "gen_ai.client.operation.duration");
  EXPECT_EQ(dur.unit, "s");
  EXPECT_EQ(dur.temporality, 2);  // cumulative
  ASSERT_EQ(dur.points.size(), 1u);
  const DPoint &p = dur.points[0];
  EXPECT_EQ(p.start, 1000u);
  EXPECT_EQ(p.time, 9000u);
  EXPECT_EQ(p.count, 2u);
  EXPECT_TRUE(p.has_sum);
  EXPECT_DOUBLE_EQ(p.sum, 5.3);
  EXPECT_TRUE(p.has_min && p.has_max);
  EXPECT_DOUBLE_EQ(p.min, 0.3);
  EXPECT_DOUBLE_EQ(p.max, 5.0);
  EXPECT_EQ(p.bounds, kDurationBuckets);
  ASSERT_EQ(p.buckets.size(), kDurationBuckets.size() + 1);
  EXPECT_EQ(p.buckets[5], 1u);                   // 0.3 in (0.16, 0.32]
  EXPECT_EQ(p.buckets[9], 1u);                   // 5.0 in (2.56, 5.12]
  EXPECT_EQ(p.attrs.count(sc::kErrorType), 0u);  // no error: absent, not ""
  EXPECT_EQ(p.attrs.at(sc::kRequestModel).s, "gpt-5");
  EXPECT_EQ(got.metrics[1].name, "gen_ai.client.token.usage");
  EXPECT_EQ(got.metrics[1].unit, "{token}");  // UCUM: a counted thing in braces
  EXPECT_EQ(got.metrics[1].points.size(), 2u);
  EXPECT_EQ(got.metrics[2].name, "gen_ai.client.tool_calls_per_operation");
}

TEST(OtlpEncoding, PartialSuccessResponse) {
  // ExportTraceServiceResponse{partial_success{rejected_spans: 3, error_message: "bad"}}
  const char raw[] = {0x0a, 0x07, 0x08, 0x03, 0x12, 0x03, 'b', 'a', 'd'};
  int64_t rejected = -1;
  std::string message;
  ASSERT_TRUE(decode_otlp_partial_success(std::string(raw, sizeof raw), rejected, message));
  EXPECT_EQ(rejected, 3);
  EXPECT_EQ(message, "bad");
  ASSERT_TRUE(decode_otlp_partial_success("", rejected, message));
  EXPECT_EQ(rejected, 0);
  EXPECT_FALSE(decode_otlp_partial_success("\x0a\x05\x08", rejected, message));
}

TEST(OtlpEncoding, HexToBytes) {
  EXPECT_EQ(hex_to_bytes("00ff10"), std::string("\x00\xff\x10", 3));
  EXPECT_EQ(hex_to_bytes("0"), "");
  EXPECT_EQ(hex_to_bytes("zz"), "");
}

// A first-token time from a millisecond clock can read just before the
// nanosecond start; it counts as zero, while earlier values are dropped.
TEST(GenAIMetricsRules, TimeToFirstTokenToleratesMillisecondClocks) {
  GenAIMetrics m(1000);
  Generation g;
  g.model = {"openai", "gpt-5"};
  g.operation_name = "streamText";
  g.mode = GenerationMode::kStream;
  g.started_at_ns = 2'000'400'000;
  g.completed_at_ns = 2'500'000'000;
  m.record_generation(g, "", "", 2'000'000'000);  // 0.4 ms "before" the start
  m.record_generation(g, "", "", 1'000'000'000);  // a second before: a caller error
  const std::vector<MetricSnapshot> snap = m.snapshot();
  const MetricSnapshot *ttft = instrument(snap, sc::kMetricTimeToFirstToken);
  ASSERT_NE(ttft, nullptr);
  ASSERT_EQ(ttft->points.size(), 1u);
  EXPECT_EQ(ttft->points[0].count, 1u);
  EXPECT_DOUBLE_EQ(ttft->points[0].sum, 0.0);
}

TEST(OtlpEncoding, RpcStatusMessageOfAnErrorBody) {
  // google.rpc.Status{code: 3, message: "bad trace id"}, as a collector answers a 400.
  const std::string body = std::string("\x08\x03\x12\x0c", 4) + "bad trace id";
  std::string message;
  EXPECT_TRUE(decode_rpc_status_message(body, message));
  EXPECT_EQ(message, "bad trace id");
  EXPECT_FALSE(decode_rpc_status_message(std::string("\x08\x03", 2), message));  // no message
  EXPECT_FALSE(decode_rpc_status_message("plain text, not protobuf", message));
}
