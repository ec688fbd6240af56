// OTLP/HTTP export of spans and GenAI metrics against the capture harness's
// OTLP receiver (which decodes with the official opentelemetry-proto).
#include <gtest/gtest.h>
#include <sigil/sigil.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdlib.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/harness.h"

using sigil_test::at;
using sigil_test::Harness;
using sigil_test::Json;
using sigil_test::str_at;

namespace {

// Collects what the client logs (a logger callback), with levels.
struct LogSink {
  std::mutex mu;
  std::vector<std::pair<uint32_t, std::string>> lines;
  static void fn(void *user, uint32_t level, const char *msg, size_t len) {
    auto *self = static_cast<LogSink *>(user);
    std::lock_guard<std::mutex> lock(self->mu);
    self->lines.emplace_back(level, std::string(msg, len));
  }
  // The lines at `level` that contain `needle`.
  std::vector<std::string> matching(uint32_t level, const std::string &needle) {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<std::string> out;
    for (const auto &l : lines) {
      if (l.first == level && l.second.find(needle) != std::string::npos) out.push_back(l.second);
    }
    return out;
  }
};

struct ClientOptions {
  uint32_t protocol = SIGIL_PROTOCOL_HTTP;
  std::string endpoint;       // generation export
  std::string otlp_endpoint;  // OTLP base
  std::string traces_endpoint, metrics_endpoint;
  uint32_t metric_interval_ms = 0;
  uint32_t max_retries = 3;
  bool service_name = true;  // false: the default service.name
  bool no_retries = false;
  std::string spool_dir;
  LogSink *log = nullptr;
};

sigil_client_t *make_client(const ClientOptions &c) {
  sigil_options_t *o = nullptr;
  sigil_options_new(&o);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, c.protocol);
  if (!c.endpoint.empty()) sigil_options_set_endpoint(o, c.endpoint.c_str());
  if (!c.otlp_endpoint.empty()) sigil_options_set_otlp_endpoint(o, c.otlp_endpoint.c_str());
  if (!c.traces_endpoint.empty()) sigil_options_set_otlp_traces_endpoint(o, c.traces_endpoint.c_str());
  if (!c.metrics_endpoint.empty()) sigil_options_set_otlp_metrics_endpoint(o, c.metrics_endpoint.c_str());
  if (c.metric_interval_ms) sigil_options_set_metric_export_interval_ms(o, c.metric_interval_ms);
  if (c.no_retries) {
    sigil_options_set_no_retries(o);
  } else {
    sigil_options_set_max_retries(o, c.max_retries);
  }
  if (!c.spool_dir.empty()) sigil_options_set_spool_dir(o, c.spool_dir.c_str());
  sigil_options_set_initial_backoff_ms(o, 10);
  sigil_options_set_max_backoff_ms(o, 50);
  if (c.service_name) sigil_options_set_service_name(o, "otlp-test-service");
  sigil_options_set_resource_attribute(o, "deployment.environment", "test");
  sigil_options_set_otlp_header(o, "X-Otlp-Token", "secret");
  if (c.log != nullptr) sigil_options_set_logger(o, &LogSink::fn, c.log);
  sigil_client_t *client = nullptr;
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_new(o, &client, &err), SIGIL_OK) << sigil_error_message(err);
  sigil_error_free(err);
  sigil_options_free(o);
  return client;
}

// Starts, fills and ends one generation; returns its traceparent.
std::string record_generation(sigil_client_t *client, const char *conversation, const char *parent = nullptr,
                              bool streaming = false, const char *call_error = nullptr) {
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  s.conversation_id = conversation;
  s.agent_name = "otlp-agent";
  s.model_provider = "openai";
  s.model_name = "gpt-4o";
  s.parent_traceparent = parent;
  sigil_generation_t *g = nullptr;
  if (streaming) {
    sigil_generation_start_streaming(client, &s, &g);
    sigil_generation_set_first_token_at(g, 0);
  } else {
    sigil_generation_start(client, &s, &g);
  }
  sigil_generation_add_message(g, SIGIL_INPUT, SIGIL_ROLE_USER, nullptr);
  sigil_generation_add_text(g, SIGIL_INPUT, "hi", 2);
  sigil_generation_add_message(g, SIGIL_OUTPUT, SIGIL_ROLE_ASSISTANT, nullptr);
  sigil_generation_add_tool_call(g, SIGIL_OUTPUT, "call-1", "weather", "{\"city\":\"Paris\"}", 16);
  sigil_token_usage_t u = SIGIL_TOKEN_USAGE_INIT;
  u.input_tokens = 11;
  u.output_tokens = 7;
  sigil_generation_set_usage(g, &u);
  sigil_generation_set_response(g, "resp-1", "gpt-4o-2024", "stop");
  if (call_error != nullptr) sigil_generation_set_call_error(g, call_error, std::strlen(call_error), 0);
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_generation_end(g, &err), SIGIL_OK) << sigil_error_message(err);
  sigil_error_free(err);
  char tp[56];
  EXPECT_EQ(sigil_generation_traceparent(g, tp, sizeof tp), SIGIL_OK);
  sigil_generation_free(g);
  return tp;
}

// Every span in the captures, as one owned JSON array.
Json all_spans(const cJSON *captures) {
  Json out(cJSON_CreateArray());
  const cJSON *cap = nullptr;
  cJSON_ArrayForEach(cap, captures) {
    const cJSON *span = nullptr;
    cJSON_ArrayForEach(span, cJSON_GetObjectItemCaseSensitive(cap, "spans")) {
      cJSON_AddItemToArray(out.get(), cJSON_Duplicate(span, 1));
    }
  }
  return out;
}

const cJSON *span_named(const cJSON *spans, const std::string &name) {
  const cJSON *span = nullptr;
  cJSON_ArrayForEach(span, spans) {
    if (str_at(span, {"name"}) == name) return span;
  }
  return nullptr;
}

const cJSON *span_with_attr(const cJSON *spans, const char *key, const std::string &value) {
  const cJSON *span = nullptr;
  cJSON_ArrayForEach(span, spans) {
    if (str_at(span, {"attributes", key}) == value) return span;
  }
  return nullptr;
}

double num_at(const cJSON *node, std::initializer_list<const char *> path) {
  const cJSON *v = at(node, path);
  return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

// No attribute of any span, span event or metric point in `captures` is "".
void expect_no_empty_strings(const cJSON *captures) {
  auto check = [](const cJSON *attrs, const std::string &where) {
    const cJSON *a = nullptr;
    cJSON_ArrayForEach(a, attrs) {
      EXPECT_FALSE(cJSON_IsString(a) && a->valuestring[0] == '\0') << where << ": " << a->string;
    }
  };
  const cJSON *cap = nullptr;
  cJSON_ArrayForEach(cap, captures) {
    const cJSON *item = nullptr;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(cap, "spans")) {
      check(cJSON_GetObjectItemCaseSensitive(item, "attributes"), str_at(item, {"name"}));
      const cJSON *e = nullptr;
      cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(item, "events")) {
        check(cJSON_GetObjectItemCaseSensitive(e, "attributes"), str_at(item, {"name"}) + " event");
      }
    }
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(cap, "points")) {
      check(cJSON_GetObjectItemCaseSensitive(item, "attributes"), str_at(item, {"name"}));
    }
  }
}

// OTLP Span.flags: W3C sampled, then "is remote known" and "parent is remote".
constexpr int kSampled = 0x01, kHasIsRemote = 0x100, kIsRemote = 0x200;

// The first metric point named `name` whose attributes include `key`=`value`
// (any point when key is null), in the last metrics capture that has one.
const cJSON *metric_point(const cJSON *captures, const char *name, const char *key = nullptr,
                          const char *value = nullptr) {
  const cJSON *found = nullptr;
  const cJSON *cap = nullptr;
  cJSON_ArrayForEach(cap, captures) {
    const cJSON *p = nullptr;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(cap, "points")) {
      if (str_at(p, {"name"}) != name) continue;
      if (key != nullptr && str_at(p, {"attributes", key}) != value) continue;
      found = p;
    }
  }
  return found;
}

class Otlp : public ::testing::Test {
 protected:
  void SetUp() override { Harness::shared().reset(); }
  Harness &h() { return Harness::shared(); }
  ClientOptions opts() {
    ClientOptions c;
    c.endpoint = h().http_endpoint();
    c.otlp_endpoint = h().otlp_endpoint();
    return c;
  }
};

}  // namespace

TEST_F(Otlp, GenerationSpanArrivesLinkedToItsExport) {
  sigil_client_t *client = make_client(opts());
  const char *parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  std::string tp = record_generation(client, "conv-otlp-1", parent);
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);

  Json traces = h().wait("otlp_traces", 1);
  Json spans = all_spans(traces.get());
  ASSERT_EQ(cJSON_GetArraySize(spans.get()), 1);
  const cJSON *s = cJSON_GetArrayItem(spans.get(), 0);
  EXPECT_EQ(str_at(s, {"name"}), "generateText gpt-4o");
  EXPECT_EQ(str_at(s, {"kind"}), "SPAN_KIND_CLIENT");
  EXPECT_EQ(str_at(s, {"trace_id"}), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(str_at(s, {"parent_span_id"}), "b7ad6b7169203331");
  // Sampled, and the parent (a traceparent given by a C caller) is remote.
  EXPECT_EQ(num_at(s, {"flags"}), kSampled | kHasIsRemote | kIsRemote);
  EXPECT_EQ(tp, "00-" + str_at(s, {"trace_id"}) + "-" + str_at(s, {"span_id"}) + "-01");
  // Success leaves the status Unset (Ok is the application's to set).
  EXPECT_EQ(str_at(s, {"status", "code"}), "STATUS_CODE_UNSET");
  EXPECT_EQ(str_at(s, {"status", "message"}), "");
  EXPECT_EQ(str_at(s, {"attributes", "gen_ai.operation.name"}), "generateText");
  EXPECT_EQ(str_at(s, {"attributes", "gen_ai.provider.name"}), "openai");
  EXPECT_EQ(str_at(s, {"attributes", "gen_ai.request.model"}), "gpt-4o");
  EXPECT_EQ(str_at(s, {"attributes", "gen_ai.conversation.id"}), "conv-otlp-1");
  EXPECT_EQ(str_at(s, {"attributes", "gen_ai.agent.name"}), "otlp-agent");
  EXPECT_EQ(str_at(s, {"attributes", "gen_ai.response.id"}), "resp-1");
  EXPECT_EQ(str_at(s, {"attributes", "sigil.sdk.name"}), "sdk-c");
  EXPECT_EQ(str_at(s, {"attributes", "gen_ai.response.finish_reasons", "0"}), "stop");
  EXPECT_EQ(num_at(s, {"attributes", "gen_ai.usage.input_tokens"}), 11);
  EXPECT_EQ(num_at(s, {"attributes", "gen_ai.usage.output_tokens"}), 7);
  EXPECT_LE(num_at(s, {"start_time_unix_nano"}), num_at(s, {"end_time_unix_nano"}));
  // Resource and scope.
  EXPECT_EQ(str_at(s, {"resource", "service.name"}), "otlp-test-service");
  EXPECT_EQ(str_at(s, {"resource", "deployment.environment"}), "test");
  EXPECT_EQ(str_at(s, {"resource", "telemetry.sdk.name"}), "libsigil");
  EXPECT_EQ(str_at(s, {"resource", "telemetry.sdk.language"}), "cpp");
  EXPECT_EQ(str_at(s, {"resource", "telemetry.sdk.version"}), sigil_version_string());
  EXPECT_EQ(str_at(s, {"scope", "name"}), "libsigil");
  EXPECT_EQ(str_at(s, {"scope", "version"}), sigil_version_string());
  EXPECT_EQ(str_at(s, {"scope", "schema_url"}), "https://opentelemetry.io/schemas/1.37.0");
  // Request headers.
  const cJSON *cap = cJSON_GetArrayItem(traces.get(), 0);
  EXPECT_EQ(str_at(cap, {"headers", "content-type"}), "application/x-protobuf");
  EXPECT_EQ(str_at(cap, {"headers", "x-otlp-token"}), "secret");

  // The exported generation carries the span's ids.
  Json exports = h().wait("http_exports", 1);
  Json gens = sigil_test::all_generations(exports.get());
  ASSERT_EQ(cJSON_GetArraySize(gens.get()), 1);
  const cJSON *g = cJSON_GetArrayItem(gens.get(), 0);
  EXPECT_EQ(str_at(g, {"trace_id"}), str_at(s, {"trace_id"}));
  EXPECT_EQ(str_at(g, {"span_id"}), str_at(s, {"span_id"}));
  EXPECT_EQ(str_at(s, {"attributes", "sigil.generation.id"}), str_at(g, {"id"}));
  sigil_client_free(client);
}

TEST_F(Otlp, EveryExportedGenerationHasItsSpan) {
  sigil_client_t *client = make_client(opts());
  for (int i = 0; i < 12; ++i) record_generation(client, ("conv-many-" + std::to_string(i)).c_str(), nullptr, i % 2);
  ASSERT_EQ(sigil_client_shutdown(client, 10000, nullptr), SIGIL_OK);
  Json spans = all_spans(h().captures("otlp_traces").get());
  Json gens = sigil_test::all_generations(h().captures("http_exports").get());
  ASSERT_EQ(cJSON_GetArraySize(gens.get()), 12);
  ASSERT_EQ(cJSON_GetArraySize(spans.get()), 12);
  std::set<std::string> ids;
  const cJSON *s = nullptr;
  cJSON_ArrayForEach(s, spans.get()) ids.insert(str_at(s, {"trace_id"}) + "/" + str_at(s, {"span_id"}));
  const cJSON *g = nullptr;
  cJSON_ArrayForEach(g, gens.get()) {
    EXPECT_EQ(ids.count(str_at(g, {"trace_id"}) + "/" + str_at(g, {"span_id"})), 1u) << str_at(g, {"id"});
    const cJSON *span = span_with_attr(spans.get(), "sigil.generation.id", str_at(g, {"id"}));
    ASSERT_NE(span, nullptr);
    EXPECT_EQ(str_at(span, {"span_id"}), str_at(g, {"span_id"}));
    EXPECT_EQ(str_at(span, {"attributes", "gen_ai.operation.name"}), str_at(g, {"operation_name"}));
  }
  sigil_client_free(client);
}

TEST_F(Otlp, ToolAndEmbeddingSpansNestUnderTheGeneration) {
  sigil_client_t *client = make_client(opts());
  sigil_generation_start_t gs = SIGIL_GENERATION_START_INIT;
  gs.model_provider = "openai";
  gs.model_name = "gpt-4o";
  gs.conversation_id = "conv-nest";
  sigil_generation_t *g = nullptr;
  ASSERT_EQ(sigil_generation_start(client, &gs, &g), SIGIL_OK);
  char tp[56];
  ASSERT_EQ(sigil_generation_traceparent(g, tp, sizeof tp), SIGIL_OK);

  sigil_tool_execution_start_t ts = SIGIL_TOOL_EXECUTION_START_INIT;
  ts.tool_name = "weather";
  ts.tool_call_id = "call-1";
  ts.tool_type = "function";
  ts.request_model = "gpt-4o";
  ts.request_provider = "openai";
  ts.include_content = 1;
  ts.parent_traceparent = tp;
  ts.parent_is_local = 1;  // the generation is a span of this process
  sigil_tool_execution_t *t = nullptr;
  ASSERT_EQ(sigil_tool_execution_start(client, &ts, &t), SIGIL_OK);
  const char args[] = "{\"city\":\"Paris\"}";
  const char result[] = "18C and sunny";
  sigil_tool_execution_set_result(t, args, sizeof args - 1, result, sizeof result - 1, 0);
  ASSERT_EQ(sigil_tool_execution_end(t, nullptr), SIGIL_OK);
  sigil_tool_execution_free(t);

  sigil_embedding_start_t es = SIGIL_EMBEDDING_START_INIT;
  es.model_provider = "openai";
  es.model_name = "text-embedding-3-small";
  es.has_dimensions = 1;
  es.dimensions = 256;
  es.encoding_format = "float";
  es.parent_traceparent = tp;
  sigil_embedding_t *e = nullptr;
  ASSERT_EQ(sigil_embedding_start(client, &es, &e), SIGIL_OK);
  sigil_embedding_result_t er = SIGIL_EMBEDDING_RESULT_INIT;
  er.input_count = 2;
  er.input_tokens = 9;
  sigil_embedding_set_result(e, &er);
  ASSERT_EQ(sigil_embedding_end(e, nullptr), SIGIL_OK);
  sigil_embedding_free(e);
  // A version 2 struct has no parent_is_local: whatever follows it is not read.
  es.version = 2;
  es.model_name = "text-embedding-v2";
  es.parent_is_local = 1;
  ASSERT_EQ(sigil_embedding_start(client, &es, &e), SIGIL_OK);
  sigil_embedding_set_result(e, &er);
  ASSERT_EQ(sigil_embedding_end(e, nullptr), SIGIL_OK);
  sigil_embedding_free(e);

  sigil_generation_add_message(g, SIGIL_INPUT, SIGIL_ROLE_USER, nullptr);
  sigil_generation_add_text(g, SIGIL_INPUT, "weather?", 8);
  ASSERT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);

  Json spans = all_spans(h().wait("otlp_traces", 1).get());
  ASSERT_EQ(cJSON_GetArraySize(spans.get()), 4);
  const cJSON *gen = span_named(spans.get(), "generateText gpt-4o");
  const cJSON *tool = span_named(spans.get(), "execute_tool weather");
  const cJSON *emb = span_named(spans.get(), "embeddings text-embedding-3-small");
  const cJSON *emb_v2 = span_named(spans.get(), "embeddings text-embedding-v2");
  ASSERT_TRUE(gen && tool && emb && emb_v2);
  // "Parent is remote" only where the parent was not said to be local.
  EXPECT_EQ(num_at(gen, {"flags"}), kSampled | kHasIsRemote);  // a root
  EXPECT_EQ(num_at(tool, {"flags"}), kSampled | kHasIsRemote);
  EXPECT_EQ(num_at(emb, {"flags"}), kSampled | kHasIsRemote | kIsRemote);
  EXPECT_EQ(num_at(emb_v2, {"flags"}), kSampled | kHasIsRemote | kIsRemote);
  EXPECT_EQ(str_at(emb_v2, {"parent_span_id"}), str_at(gen, {"span_id"}));
  EXPECT_EQ(str_at(tool, {"kind"}), "SPAN_KIND_INTERNAL");
  EXPECT_EQ(str_at(emb, {"kind"}), "SPAN_KIND_CLIENT");
  EXPECT_EQ(str_at(gen, {"parent_span_id"}), "");
  for (const cJSON *child : {tool, emb}) {
    EXPECT_EQ(str_at(child, {"trace_id"}), str_at(gen, {"trace_id"}));
    EXPECT_EQ(str_at(child, {"parent_span_id"}), str_at(gen, {"span_id"}));
  }
  EXPECT_EQ(str_at(tool, {"attributes", "gen_ai.tool.name"}), "weather");
  EXPECT_EQ(str_at(tool, {"attributes", "gen_ai.tool.call.id"}), "call-1");
  EXPECT_EQ(str_at(tool, {"attributes", "gen_ai.tool.call.arguments"}), "{\"city\":\"Paris\"}");
  EXPECT_EQ(str_at(tool, {"attributes", "gen_ai.tool.call.result"}), "\"18C and sunny\"");
  EXPECT_EQ(num_at(emb, {"attributes", "gen_ai.embeddings.input_count"}), 2);
  EXPECT_EQ(num_at(emb, {"attributes", "gen_ai.embeddings.dimension.count"}), 256);
  EXPECT_EQ(str_at(emb, {"attributes", "gen_ai.request.encoding_formats", "0"}), "float");
  // Nothing unknown (no agent, no error, no tool description) is sent as "".
  expect_no_empty_strings(h().captures("otlp_traces").get());
  expect_no_empty_strings(h().wait("otlp_metrics", 1).get());
  for (const cJSON *s : {gen, tool, emb}) EXPECT_EQ(str_at(s, {"status", "code"}), "STATUS_CODE_UNSET");
  // Tool executions and embeddings are not generation exports.
  Json gens = sigil_test::all_generations(h().captures("http_exports").get());
  EXPECT_EQ(cJSON_GetArraySize(gens.get()), 1);
  sigil_client_free(client);
}

// The tree of a decorated agent, as the bindings record it: agent > chain >
// retriever, and a generation and a tool under the chain, continuing a trace
// that arrived with a traceparent and a tracestate.
TEST_F(Otlp, AgentSpanTreeArrivesWithParentsKindsAndTracestate) {
  sigil_client_t *client = make_client(opts());
  auto start = [&](uint32_t kind, const char *name, const std::string &parent, bool local) {
    sigil_span_start_t s = SIGIL_SPAN_START_INIT;
    s.kind = kind;
    s.name = name;
    s.conversation_id = "conv-agent";
    s.parent_traceparent = parent.c_str();
    s.parent_is_local = local;
    if (!local) s.parent_tracestate = "vendor=opaque";
    sigil_span_recorder_t *r = nullptr;
    EXPECT_EQ(sigil_span_start(client, &s, &r), SIGIL_OK);
    return r;
  };
  auto tp = [](const sigil_span_recorder_t *r) {
    char buf[56];
    EXPECT_EQ(sigil_span_traceparent(r, buf, sizeof buf), SIGIL_OK);
    return std::string(buf);
  };
  const std::string remote = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  sigil_span_recorder_t *agent = start(SIGIL_STEP_AGENT, "travel-agent", remote, false);
  sigil_span_recorder_t *chain = start(SIGIL_STEP_CHAIN, "plan", tp(agent), true);
  sigil_span_recorder_t *retriever = start(SIGIL_STEP_RETRIEVER, "search-docs", tp(chain), true);
  sigil_span_set_attribute_int(retriever, "retriever.documents", 2, 0);
  sigil_attribute_t doc = {};
  doc.key = "document.id";
  doc.key_len = 11;
  doc.type = SIGIL_ATTRIBUTE_STRING;
  doc.string_value = "d-1";
  doc.string_value_len = 3;
  sigil_span_add_event(retriever, "document", 0, &doc, 1, 0);
  ASSERT_EQ(sigil_span_end(retriever, 0, nullptr), SIGIL_OK);
  sigil_span_free(retriever);
  record_generation(client, "conv-agent", tp(chain).c_str());
  sigil_tool_execution_start_t ts = SIGIL_TOOL_EXECUTION_START_INIT;
  ts.tool_name = "book";
  const std::string chain_tp = tp(chain);
  ts.parent_traceparent = chain_tp.c_str();
  ts.parent_is_local = 1;
  sigil_tool_execution_t *tool = nullptr;
  ASSERT_EQ(sigil_tool_execution_start(client, &ts, &tool), SIGIL_OK);
  ASSERT_EQ(sigil_tool_execution_end(tool, nullptr), SIGIL_OK);
  sigil_tool_execution_free(tool);
  sigil_span_set_error(chain, "RuntimeError", "no seats", 8);
  ASSERT_EQ(sigil_span_end(chain, 0, nullptr), SIGIL_OK);
  sigil_span_free(chain);
  ASSERT_EQ(sigil_span_end(agent, 0, nullptr), SIGIL_OK);
  sigil_span_free(agent);
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);

  Json spans = all_spans(h().wait("otlp_traces", 1).get());
  ASSERT_EQ(cJSON_GetArraySize(spans.get()), 5);
  const cJSON *a = span_named(spans.get(), "invoke_agent travel-agent");
  const cJSON *c = span_named(spans.get(), "plan");
  const cJSON *r = span_named(spans.get(), "search-docs");
  const cJSON *g = span_named(spans.get(), "generateText gpt-4o");
  const cJSON *t = span_named(spans.get(), "execute_tool book");
  ASSERT_TRUE(a && c && r && g && t);
  for (const cJSON *s : {a, c, r, g, t}) EXPECT_EQ(str_at(s, {"trace_id"}), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(str_at(a, {"parent_span_id"}), "00f067aa0ba902b7");
  EXPECT_EQ(num_at(a, {"flags"}), kSampled | kHasIsRemote | kIsRemote);
  EXPECT_EQ(str_at(a, {"trace_state"}), "vendor=opaque");
  EXPECT_EQ(str_at(c, {"parent_span_id"}), str_at(a, {"span_id"}));
  EXPECT_EQ(num_at(c, {"flags"}), kSampled | kHasIsRemote);
  EXPECT_EQ(str_at(r, {"parent_span_id"}), str_at(c, {"span_id"}));
  EXPECT_EQ(str_at(g, {"parent_span_id"}), str_at(c, {"span_id"}));
  EXPECT_EQ(str_at(t, {"parent_span_id"}), str_at(c, {"span_id"}));
  EXPECT_EQ(str_at(a, {"attributes", "gen_ai.operation.name"}), "invoke_agent");
  EXPECT_EQ(str_at(a, {"attributes", "gen_ai.agent.name"}), "travel-agent");
  EXPECT_EQ(str_at(a, {"attributes", "sigil.span.kind"}), "agent");
  EXPECT_EQ(str_at(c, {"attributes", "sigil.span.kind"}), "chain");
  EXPECT_EQ(str_at(r, {"attributes", "sigil.span.kind"}), "retriever");
  EXPECT_EQ(str_at(r, {"attributes", "gen_ai.conversation.id"}), "conv-agent");
  EXPECT_EQ(num_at(r, {"attributes", "retriever.documents"}), 2);
  EXPECT_EQ(str_at(r, {"events", "0", "name"}), "document");
  EXPECT_EQ(str_at(r, {"events", "0", "attributes", "document.id"}), "d-1");
  EXPECT_EQ(str_at(r, {"kind"}), "SPAN_KIND_INTERNAL");
  EXPECT_EQ(str_at(c, {"status", "code"}), "STATUS_CODE_ERROR");
  EXPECT_EQ(str_at(c, {"status", "message"}), "no seats");
  EXPECT_EQ(str_at(c, {"attributes", "error.type"}), "RuntimeError");
  EXPECT_EQ(str_at(c, {"events", "0", "name"}), "exception");
  EXPECT_EQ(str_at(a, {"status", "code"}), "STATUS_CODE_UNSET");
  expect_no_empty_strings(h().captures("otlp_traces").get());
  sigil_client_free(client);
}

TEST_F(Otlp, MetricsArriveAsCumulativeHistograms) {
  sigil_client_t *client = make_client(opts());
  record_generation(client, "conv-m-1");
  record_generation(client, "conv-m-2", nullptr, true);
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  Json caps = h().wait("otlp_metrics", 1);

  const cJSON *dur =
      metric_point(caps.get(), "gen_ai.client.operation.duration", "gen_ai.operation.name", "generateText");
  ASSERT_NE(dur, nullptr);
  EXPECT_EQ(str_at(dur, {"type"}), "histogram");
  EXPECT_EQ(str_at(dur, {"unit"}), "s");
  EXPECT_EQ(str_at(dur, {"temporality"}), "AGGREGATION_TEMPORALITY_CUMULATIVE");
  EXPECT_EQ(num_at(dur, {"count"}), 1);
  EXPECT_EQ(str_at(dur, {"attributes", "gen_ai.provider.name"}), "openai");
  EXPECT_EQ(str_at(dur, {"attributes", "gen_ai.request.model"}), "gpt-4o");
  EXPECT_EQ(str_at(dur, {"attributes", "gen_ai.agent.name"}), "otlp-agent");
  // No error: error.type and error.category are absent, not "".
  EXPECT_EQ(at(dur, {"attributes", "error.type"}), nullptr);
  EXPECT_EQ(at(dur, {"attributes", "error.category"}), nullptr);
  EXPECT_EQ(cJSON_GetArraySize(at(dur, {"attributes"})), 4);
  EXPECT_EQ(cJSON_GetArraySize(at(dur, {"explicit_bounds"})), 14);
  EXPECT_EQ(num_at(dur, {"explicit_bounds", "0"}), 0.01);
  EXPECT_EQ(cJSON_GetArraySize(at(dur, {"bucket_counts"})), 15);
  EXPECT_EQ(str_at(dur, {"resource", "service.name"}), "otlp-test-service");
  EXPECT_EQ(str_at(dur, {"scope", "name"}), "libsigil");
  EXPECT_GT(num_at(dur, {"time_unix_nano"}), num_at(dur, {"start_time_unix_nano"}));

  // One token-usage point per operation and token type.
  int token_points = 0;
  const cJSON *cap = cJSON_GetArrayItem(caps.get(), 0), *p = nullptr;
  cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(cap, "points")) {
    if (str_at(p, {"name"}) != "gen_ai.client.token.usage") continue;
    ++token_points;
    EXPECT_EQ(str_at(p, {"unit"}), "{token}");
    EXPECT_EQ(num_at(p, {"count"}), 1);
    EXPECT_EQ(num_at(p, {"sum"}), str_at(p, {"attributes", "gen_ai.token.type"}) == "input" ? 11 : 7);
  }
  EXPECT_EQ(token_points, 4);  // {generateText, streamText} x {input, output}
  const cJSON *ttft = metric_point(caps.get(), "gen_ai.client.time_to_first_token");
  ASSERT_NE(ttft, nullptr);
  EXPECT_EQ(num_at(ttft, {"count"}), 1);
  EXPECT_EQ(cJSON_GetArraySize(at(ttft, {"attributes"})), 3);
  const cJSON *calls = metric_point(caps.get(), "gen_ai.client.tool_calls_per_operation");
  ASSERT_NE(calls, nullptr);
  EXPECT_EQ(num_at(calls, {"count"}), 2);
  EXPECT_EQ(num_at(calls, {"sum"}), 2);
  EXPECT_EQ(str_at(calls, {"unit"}), "{call}");
  // Every point's scope names the semantic conventions it follows.
  EXPECT_EQ(str_at(calls, {"scope", "schema_url"}), "https://opentelemetry.io/schemas/1.37.0");
  EXPECT_EQ(str_at(ttft, {"unit"}), "s");

  // Cumulative: a second export still counts the first recordings.
  h().reset();
  record_generation(client, "conv-m-3");
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  caps = h().wait("otlp_metrics", 1);
  dur = metric_point(caps.get(), "gen_ai.client.operation.duration", "gen_ai.operation.name", "generateText");
  ASSERT_NE(dur, nullptr);
  EXPECT_EQ(num_at(dur, {"count"}), 2);
  sigil_client_free(client);
}

TEST_F(Otlp, ProviderErrorsShowOnSpanAndMetrics) {
  sigil_client_t *client = make_client(opts());
  record_generation(client, "conv-err", nullptr, false, "upstream returned 503 Service Unavailable");
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  Json spans = all_spans(h().wait("otlp_traces", 1).get());
  const cJSON *s = cJSON_GetArrayItem(spans.get(), 0);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(str_at(s, {"status", "code"}), "STATUS_CODE_ERROR");
  EXPECT_EQ(str_at(s, {"status", "message"}), "upstream returned 503 Service Unavailable");
  EXPECT_EQ(str_at(s, {"attributes", "error.type"}), "provider_call_error");
  EXPECT_EQ(str_at(s, {"attributes", "error.category"}), "server_error");
  EXPECT_EQ(str_at(s, {"events", "0", "name"}), "exception");
  EXPECT_EQ(str_at(s, {"events", "0", "attributes", "exception.message"}), "upstream returned 503 Service Unavailable");
  Json caps = h().wait("otlp_metrics", 1);
  const cJSON *dur = metric_point(caps.get(), "gen_ai.client.operation.duration", "error.type", "provider_call_error");
  ASSERT_NE(dur, nullptr);
  EXPECT_EQ(str_at(dur, {"attributes", "error.category"}), "server_error");
  // The generation is still exported, with its call error.
  Json gens = sigil_test::all_generations(h().wait("http_exports", 1).get());
  EXPECT_EQ(str_at(cJSON_GetArrayItem(gens.get(), 0), {"call_error"}), "upstream returned 503 Service Unavailable");
  sigil_client_free(client);
}

TEST_F(Otlp, EachClientIsItsOwnServiceInstance) {
  ClientOptions c = opts();
  c.service_name = false;
  sigil_client_t *first = make_client(c);
  sigil_client_t *second = make_client(c);
  record_generation(first, "conv-instance-1");
  record_generation(second, "conv-instance-2");
  ASSERT_EQ(sigil_client_flush(first, 10000, nullptr), SIGIL_OK);
  ASSERT_EQ(sigil_client_flush(second, 10000, nullptr), SIGIL_OK);
  Json spans = all_spans(h().wait("otlp_traces", 2).get());
  const cJSON *a = span_with_attr(spans.get(), "gen_ai.conversation.id", "conv-instance-1");
  const cJSON *b = span_with_attr(spans.get(), "gen_ai.conversation.id", "conv-instance-2");
  ASSERT_TRUE(a && b);
  std::string id_a = str_at(a, {"resource", "service.instance.id"});
  std::string id_b = str_at(b, {"resource", "service.instance.id"});
  EXPECT_EQ(id_a.size(), 36u) << id_a;  // a UUID
  EXPECT_EQ(id_b.size(), 36u) << id_b;
  EXPECT_NE(id_a, id_b);
  // Without a service name: OpenTelemetry's unknown_service:<executable>.
  EXPECT_EQ(str_at(a, {"resource", "service.name"}), "unknown_service:sigil_integration_tests");
  // The metrics of the two clients are two series, told apart by the instance.
  Json metrics = h().wait("otlp_metrics", 2);
  std::set<std::string> instances;
  const cJSON *cap = nullptr;
  cJSON_ArrayForEach(cap, metrics.get()) {
    const cJSON *p = nullptr;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(cap, "points")) {
      instances.insert(str_at(p, {"resource", "service.instance.id"}));
    }
  }
  EXPECT_EQ(instances, (std::set<std::string>{id_a, id_b}));
  sigil_client_free(first);
  sigil_client_free(second);
}

TEST_F(Otlp, ExportedWithProtocolNone) {
  ClientOptions c = opts();
  c.protocol = SIGIL_PROTOCOL_NONE;
  sigil_client_t *client = make_client(c);
  record_generation(client, "conv-none");
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  Json spans = all_spans(h().wait("otlp_traces", 1).get());
  EXPECT_EQ(cJSON_GetArraySize(spans.get()), 1);
  EXPECT_NE(metric_point(h().wait("otlp_metrics", 1).get(), "gen_ai.client.operation.duration"), nullptr);
  sigil_client_free(client);
  EXPECT_EQ(cJSON_GetArraySize(h().captures("http_exports").get()), 0);
}

TEST_F(Otlp, SignalEndpointsAreUsedAsIs) {
  ClientOptions c = opts();
  c.otlp_endpoint.clear();
  c.traces_endpoint = h().otlp_endpoint() + "/v1/traces";
  c.metrics_endpoint = "";  // metrics not exported
  sigil_client_t *client = make_client(c);
  record_generation(client, "conv-signal");
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  EXPECT_EQ(cJSON_GetArraySize(all_spans(h().wait("otlp_traces", 1).get()).get()), 1);
  sigil_client_free(client);
  EXPECT_EQ(cJSON_GetArraySize(h().captures("otlp_metrics").get()), 0);
  EXPECT_EQ(cJSON_GetArraySize(h().captures("unmatched").get()), 0);
}

TEST_F(Otlp, RetriesRetryableAnswers) {
  h().script("otlp", R"([{"status": 503}, {"status": 429, "headers": {"Retry-After": "0"}}])");
  sigil_client_t *client = make_client(opts());
  record_generation(client, "conv-retry");
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  // Two refused attempts, then the span (and the metrics) get through.
  Json traces = h().wait("otlp_traces", 3);
  ASSERT_GE(cJSON_GetArraySize(traces.get()), 2);
  int accepted = 0;
  const cJSON *cap = nullptr;
  cJSON_ArrayForEach(cap, traces.get()) accepted += num_at(cap, {"response", "status"}) == 200;
  Json metrics = h().captures("otlp_metrics");
  cJSON_ArrayForEach(cap, metrics.get()) accepted += num_at(cap, {"response", "status"}) == 200;
  EXPECT_EQ(accepted, 2);
  sigil_client_free(client);
}

TEST_F(Otlp, PeriodicMetricExport) {
  ClientOptions c = opts();
  c.metric_interval_ms = 200;
  sigil_client_t *client = make_client(c);
  record_generation(client, "conv-periodic");
  // No flush: the interval alone sends the metrics (twice within the wait).
  Json caps = h().wait("otlp_metrics", 2, 5000);
  EXPECT_GE(cJSON_GetArraySize(caps.get()), 2);
  sigil_client_free(client);
}

TEST_F(Otlp, ShutdownExportsWhatIsQueued) {
  sigil_client_t *client = make_client(opts());
  for (int i = 0; i < 5; ++i) record_generation(client, "conv-shutdown");
  // The batch delay (5 s) has not passed: nothing has been sent yet.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(cJSON_GetArraySize(h().captures("otlp_traces").get()), 0);
  ASSERT_EQ(sigil_client_shutdown(client, 10000, nullptr), SIGIL_OK);
  EXPECT_EQ(cJSON_GetArraySize(all_spans(h().captures("otlp_traces").get()).get()), 5);
  EXPECT_NE(metric_point(h().captures("otlp_metrics").get(), "gen_ai.client.operation.duration"), nullptr);
  sigil_client_free(client);
}

// The OTLP counters of the client's metrics snapshot.
Json otlp_counters(sigil_client_t *client) {
  char *json = nullptr;
  EXPECT_EQ(sigil_client_metrics_snapshot(client, &json, nullptr, nullptr), SIGIL_OK);
  Json snap = sigil_test::parse_json(json);
  sigil_metrics_snapshot_free(json);
  return Json(cJSON_Duplicate(at(snap.get(), {"otlp"}), 1));
}

TEST_F(Otlp, UnreachableCollectorNeverBlocksRecording) {
  LogSink log;
  ClientOptions c = opts();
  c.otlp_endpoint = "http://" + std::string("127.0.0.1:") + std::to_string(sigil_test::closed_loopback_port());
  c.log = &log;
  sigil_client_t *client = make_client(c);
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) record_generation(client, "conv-unreachable");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  // Still retrying inside its window when the shutdown deadline passes: the
  // spans are lost, and shutdown says so.
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_shutdown(client, 1000, &err), SIGIL_E_TIMEOUT);
  std::string message = sigil_error_message(err);
  sigil_error_free(err);
  EXPECT_NE(message.find("50 spans dropped"), std::string::npos) << message;
  Json otlp = otlp_counters(client);
  EXPECT_EQ(num_at(otlp.get(), {"spans_dropped"}), 50);
  EXPECT_EQ(num_at(otlp.get(), {"spans_exported"}), 0);
  sigil_stats_t stats = sigil_test::stats_of(client);  // the same loss, in the client's stats
  EXPECT_EQ(stats.spans_dropped, 50u);
  EXPECT_EQ(stats.spans_exported, 0u);
  EXPECT_EQ(log.matching(SIGIL_LOG_WARN, "telemetry export finished: 0 spans exported, 50 spans dropped").size(), 1u);
  sigil_client_free(client);
}

TEST_F(Otlp, RidesOutACollectorOutageOfSeconds) {
  // A collector restarting: connections dropped, then 503s, for a few
  // seconds (about 3 s here, far more attempts than the client's 3 retries).
  std::string outage = "[";
  for (int i = 0; i < 30; ++i) {
    outage += std::string(i ? "," : "") +
              (i < 10 ? R"({"close": true, "delay_ms": 100})" : R"({"status": 503, "delay_ms": 100})");
  }
  outage += "]";
  h().script("otlp", outage);
  LogSink log;
  ClientOptions c = opts();
  c.log = &log;
  sigil_client_t *client = make_client(c);
  record_generation(client, "conv-outage");
  ASSERT_EQ(sigil_client_flush(client, 60000, nullptr), SIGIL_OK);
  // Every refused attempt, then the accepted one.
  Json traces = h().wait("otlp_traces", 31);
  ASSERT_EQ(cJSON_GetArraySize(traces.get()), 31);
  EXPECT_EQ(num_at(cJSON_GetArrayItem(traces.get(), 30), {"response", "status"}), 200);
  EXPECT_EQ(cJSON_GetArraySize(all_spans(traces.get()).get()), 31);  // the same span, resent
  Json otlp = otlp_counters(client);
  EXPECT_EQ(num_at(otlp.get(), {"spans_exported"}), 1);
  EXPECT_EQ(num_at(otlp.get(), {"spans_dropped"}), 0);
  EXPECT_EQ(sigil_test::stats_of(client).spans_exported, 1u);
  EXPECT_EQ(num_at(otlp.get(), {"retries"}), 30);
  EXPECT_TRUE(log.matching(SIGIL_LOG_ERROR, "OTLP").empty());
  ASSERT_EQ(sigil_client_shutdown(client, 10000, nullptr), SIGIL_OK);
  EXPECT_TRUE(log.matching(SIGIL_LOG_WARN, "telemetry export finished").empty());  // nothing lost
  sigil_client_free(client);
}

TEST_F(Otlp, TheCollectorsErrorBodyIsLogged) {
  std::string long_text(1000, 'x');
  h().script("otlp", R"([{"status": 400, "body": "invalid span: trace_id\u0001 is empty\n"}, )"
                     R"({"status": 400, "body": ")" +
                         long_text + R"("}])");
  LogSink log;
  ClientOptions c = opts();
  c.log = &log;
  sigil_client_t *client = make_client(c);
  record_generation(client, "conv-bad-request");
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  // 400 is not retried: one line per signal, each with the collector's text.
  auto spans = log.matching(SIGIL_LOG_ERROR, "OTLP span export");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_NE(spans[0].find("HTTP 400: invalid span: trace_id  is empty"), std::string::npos) << spans[0];
  auto metrics = log.matching(SIGIL_LOG_ERROR, "OTLP metrics export");
  ASSERT_EQ(metrics.size(), 1u);
  EXPECT_NE(metrics[0].find("HTTP 400: " + std::string(256, 'x') + "..."), std::string::npos) << metrics[0];
  EXPECT_EQ(metrics[0].find(std::string(257, 'x')), std::string::npos);  // cut
  sigil_stats_t stats = sigil_test::stats_of(client);
  EXPECT_EQ(stats.spans_dropped, 1u);
  EXPECT_EQ(stats.metric_exports_failed, 1u);
  sigil_client_free(client);
}

TEST_F(Otlp, AGrpcPortIsReportedOnceAsAProtocolMismatch) {
  LogSink log;
  ClientOptions c = opts();
  c.otlp_endpoint = "http://" + h().grpc_endpoint();  // OTLP/HTTP sent to an HTTP/2-only gRPC server
  c.log = &log;
  sigil_client_t *client = make_client(c);
  for (int i = 0; i < 3; ++i) {
    record_generation(client, "conv-grpc-port");
    ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  }
  Json otlp = otlp_counters(client);
  EXPECT_EQ(num_at(otlp.get(), {"protocol_mismatches"}), 6);  // 3 span batches, 3 metrics exports
  EXPECT_EQ(num_at(otlp.get(), {"retries"}), 0);              // not retried
  EXPECT_EQ(num_at(otlp.get(), {"spans_dropped"}), 3);
  auto errors = log.matching(SIGIL_LOG_ERROR, "protocol mismatch");
  ASSERT_EQ(errors.size(), 1u);  // reported once, not per batch
  EXPECT_NE(errors[0].find("did not answer in HTTP/1.1"), std::string::npos) << errors[0];
  sigil_client_free(client);
}

TEST_F(Otlp, An415IsAProtocolMismatchNotRetried) {
  h().script("otlp", R"([{"status": 415, "body": "unsupported content type"}])");
  LogSink log;
  ClientOptions c = opts();
  c.log = &log;
  sigil_client_t *client = make_client(c);
  record_generation(client, "conv-415");
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  EXPECT_EQ(cJSON_GetArraySize(h().captures("otlp_traces").get()), 1);  // one attempt
  auto errors = log.matching(SIGIL_LOG_ERROR, "protocol mismatch");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("HTTP 415: unsupported content type"), std::string::npos) << errors[0];
  Json otlp = otlp_counters(client);
  EXPECT_EQ(num_at(otlp.get(), {"retries"}), 0);
  EXPECT_EQ(num_at(otlp.get(), {"spans_dropped"}), 1);
  sigil_client_free(client);
}

// Nothing configured: spans and metrics go to the local receiver's OTLP port
// (sigil receive). When none is listening, each request is dropped at its
// first refused connection, reported once, instead of being retried for the
// whole window: an unconfigured program must not hang at shutdown.
bool loopback_port_accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

TEST_F(Otlp, WithNothingConfiguredAMissingLocalReceiverIsNotRetried) {
  if (loopback_port_accepts(4318)) GTEST_SKIP() << "something listens on 127.0.0.1:4318 (a local receiver?)";
  LogSink log;
  ClientOptions c;
  c.protocol = SIGIL_PROTOCOL_GRPC;  // the defaults: no endpoint, no OTLP endpoint
  c.max_retries = 1;
  c.log = &log;
  sigil_client_t *client = make_client(c);
  for (int i = 0; i < 2; ++i) record_generation(client, "conv-local-default");
  ASSERT_EQ(sigil_client_shutdown(client, 10000, nullptr), SIGIL_OK);
  Json otlp = otlp_counters(client);
  EXPECT_EQ(num_at(otlp.get(), {"retries"}), 0);
  EXPECT_GE(num_at(otlp.get(), {"requests"}), 2);  // spans and the final metrics snapshot were tried
  EXPECT_EQ(num_at(otlp.get(), {"spans_dropped"}), 2);
  auto errors = log.matching(SIGIL_LOG_ERROR, "no local receiver is listening");
  ASSERT_EQ(errors.size(), 1u);  // once per client, not per request
  EXPECT_NE(errors[0].find("localhost:4318"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("sigil receive"), std::string::npos) << errors[0];
  sigil_client_free(client);
}

// The span id of a traceparent ("00-<trace>-<span>-<flags>").
std::string span_id_of(const std::string &traceparent) { return traceparent.substr(36, 16); }

size_t spool_segments(const std::string &dir) {
  size_t n = 0;
  DIR *d = opendir(dir.c_str());
  if (d == nullptr) return 0;
  while (dirent *e = readdir(d)) {
    std::string name = e->d_name;
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".sgs") == 0) ++n;
  }
  closedir(d);
  return n;
}

// The collector is down for a client's whole life: with a spool, what it
// could not send (a span batch it gave up on, the spans and the final
// metrics snapshot at shutdown) is kept, and the next client on the same
// directory delivers it once the collector answers: every span exactly once.
TEST_F(Otlp, WhatTheCollectorMissedWaitsInTheSpoolAndArrivesOnce) {
  char tmpl[] = "/tmp/sigil-otlp-spool-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = std::string(tmpl) + "/spool";
  ClientOptions c = opts();
  c.otlp_endpoint = "http://127.0.0.1:" + std::to_string(sigil_test::closed_loopback_port());
  c.spool_dir = dir;
  c.no_retries = true;  // each span batch is given up on at its first failure
  sigil_client_t *first = make_client(c);
  std::set<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.insert(span_id_of(record_generation(first, "conv-spooled")));
  ASSERT_EQ(sigil_client_flush(first, 10000, nullptr), SIGIL_OK);  // one batch given up on
  for (int i = 0; i < 3; ++i) ids.insert(span_id_of(record_generation(first, "conv-spooled")));
  ASSERT_EQ(sigil_client_shutdown(first, 10000, nullptr), SIGIL_OK);  // and one more at shutdown
  sigil_stats_t stats = sigil_test::stats_of(first);
  EXPECT_EQ(stats.generations_exported, 7u);
  EXPECT_EQ(stats.spans_spooled, 7u);
  EXPECT_EQ(stats.spans_dropped, 0u);
  EXPECT_EQ(stats.spans_exported, 0u);
  EXPECT_EQ(stats.metric_exports_spooled, 1u);  // the final snapshot
  EXPECT_EQ(stats.metric_exports_failed, 1u);   // the flush's, superseded by the final one
  Json first_otlp = otlp_counters(first);
  EXPECT_EQ(num_at(first_otlp.get(), {"spans_spooled"}), 7);
  sigil_client_free(first);
  ASSERT_EQ(ids.size(), 7u);
  EXPECT_EQ(cJSON_GetArraySize(h().captures("otlp_traces").get()), 0);

  ClientOptions up = opts();
  up.spool_dir = dir;
  sigil_client_t *second = make_client(up);
  Json traces = h().wait("otlp_traces", 2);  // the two spooled requests
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (
      (sigil_test::stats_of(second).spans_replayed < 7 || sigil_test::stats_of(second).metric_exports_replayed < 1) &&
      std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stats = sigil_test::stats_of(second);
  EXPECT_EQ(stats.spans_replayed, 7u);
  EXPECT_EQ(stats.metric_exports_replayed, 1u);
  ASSERT_EQ(sigil_client_shutdown(second, 10000, nullptr), SIGIL_OK);
  traces = h().captures("otlp_traces");
  Json spans = all_spans(traces.get());
  std::map<std::string, int> seen;
  std::string first_instance;
  const cJSON *span = nullptr;
  cJSON_ArrayForEach(span, spans.get()) {
    ++seen[str_at(span, {"span_id"})];
    first_instance = str_at(span, {"resource", "service.instance.id"});
  }
  EXPECT_EQ(seen.size(), 7u);
  for (const std::string &id : ids) EXPECT_EQ(seen[id], 1) << id;
  // The first client's final snapshot arrived under its own instance id.
  ASSERT_FALSE(first_instance.empty());
  Json metrics = h().captures("otlp_metrics");
  int first_points = 0;
  const cJSON *cap = nullptr;
  cJSON_ArrayForEach(cap, metrics.get()) {
    const cJSON *p = nullptr;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(cap, "points")) {
      if (str_at(p, {"resource", "service.instance.id"}) != first_instance) continue;
      if (str_at(p, {"name"}) == "gen_ai.client.token.usage") ++first_points;
    }
  }
  EXPECT_GT(first_points, 0);
  EXPECT_EQ(spool_segments(dir), 0u);  // nothing left to replay
  sigil_client_free(second);
  (void)std::system(("rm -rf '" + std::string(tmpl) + "'").c_str());
}

// Generations and spans in the same spool segments, their two backends back
// at different times: each record leaves the spool once its own backend took
// it, and nothing arrives twice.
TEST_F(Otlp, GenerationsAndSpansInOneSpoolLeaveItWithTheirOwnBackends) {
  char tmpl[] = "/tmp/sigil-otlp-spool-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = std::string(tmpl) + "/spool";
  const std::string closed = "http://127.0.0.1:" + std::to_string(sigil_test::closed_loopback_port());
  auto wait_for = [](sigil_client_t *client, auto done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!done(sigil_test::stats_of(client)) && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done(sigil_test::stats_of(client));
  };
  // Both backends down: everything is spooled, in one segment (two
  // generations, then a spans request and a metrics snapshot).
  ClientOptions c = opts();
  c.endpoint = closed;
  c.otlp_endpoint = closed;
  c.spool_dir = dir;
  c.no_retries = true;
  sigil_client_t *first = make_client(c);
  std::set<std::string> ids;
  for (int i = 0; i < 2; ++i) ids.insert(span_id_of(record_generation(first, "conv-mixed")));
  ASSERT_EQ(sigil_client_shutdown(first, 10000, nullptr), SIGIL_OK);
  sigil_stats_t stats = sigil_test::stats_of(first);
  EXPECT_EQ(stats.generations_spooled, 2u);
  EXPECT_EQ(stats.spans_spooled, 2u);
  sigil_client_free(first);
  // The generation backend is back, the collector is not.
  ClientOptions gens_up = opts();
  gens_up.otlp_endpoint = closed;
  gens_up.spool_dir = dir;
  gens_up.no_retries = true;  // its own final metrics (self-metrics) are spooled at once too
  sigil_client_t *second = make_client(gens_up);
  EXPECT_TRUE(wait_for(second, [](const sigil_stats_t &s) { return s.generations_replayed == 2; }));
  ASSERT_EQ(sigil_client_shutdown(second, 10000, nullptr), SIGIL_OK);
  EXPECT_EQ(sigil_test::stats_of(second).spans_replayed, 0u);
  sigil_client_free(second);
  EXPECT_GT(spool_segments(dir), 0u);  // the spans still wait
  // Both are back: the spans arrive, the generations do not come again.
  ClientOptions up = opts();
  up.spool_dir = dir;
  sigil_client_t *third = make_client(up);
  EXPECT_TRUE(wait_for(third, [](const sigil_stats_t &s) { return s.spans_replayed == 2; }));
  ASSERT_EQ(sigil_client_shutdown(third, 10000, nullptr), SIGIL_OK);
  EXPECT_EQ(sigil_test::stats_of(third).generations_replayed, 0u);
  sigil_client_free(third);
  int generations = 0;
  Json exports = h().captures("http_exports");
  const cJSON *cap = nullptr;
  cJSON_ArrayForEach(cap, exports.get()) generations +=
      cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cap, "generations"));
  EXPECT_EQ(generations, 2);
  std::map<std::string, int> seen;
  Json spans = all_spans(h().captures("otlp_traces").get());
  const cJSON *span = nullptr;
  cJSON_ArrayForEach(span, spans.get())++ seen[str_at(span, {"span_id"})];
  EXPECT_EQ(seen.size(), 2u);
  for (const std::string &id : ids) EXPECT_EQ(seen[id], 1) << id;
  EXPECT_EQ(spool_segments(dir), 0u);
  (void)std::system(("rm -rf '" + std::string(tmpl) + "'").c_str());
}
