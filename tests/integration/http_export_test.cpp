// HTTP generation export against the real capture harness on loopback.
#include <gtest/gtest.h>
#include <sigil/sigil.h>

#include <cstring>
#include <string>

#include "support/harness.h"

using sigil_test::Harness;
using sigil_test::Json;
using sigil_test::str_at;

namespace {

struct ClientOptions {
  std::string endpoint;
  uint32_t max_retries = 3;
  uint32_t batch_size = 100;
  uint32_t flush_interval_ms = 60000;
  uint32_t attempt_timeout_ms = 5000;
  uint64_t payload_max_bytes = 0;
  uint32_t queue_size = 0;
  uint32_t auth_mode = SIGIL_AUTH_NONE;
  const char *tenant = nullptr;
  const char *token = nullptr;
};

sigil_client_t *make_client(const ClientOptions &c) {
  sigil_options_t *o = nullptr;
  sigil_options_new(&o);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
  sigil_options_set_endpoint(o, c.endpoint.c_str());
  if (c.max_retries == 0)
    sigil_options_set_no_retries(o);
  else
    sigil_options_set_max_retries(o, c.max_retries);
  sigil_options_set_initial_backoff_ms(o, 10);
  sigil_options_set_max_backoff_ms(o, 50);
  sigil_options_set_batch_size(o, c.batch_size);
  sigil_options_set_flush_interval_ms(o, c.flush_interval_ms);
  sigil_options_set_attempt_timeout_ms(o, c.attempt_timeout_ms);
  if (c.payload_max_bytes) sigil_options_set_payload_max_bytes(o, c.payload_max_bytes);
  if (c.queue_size) sigil_options_set_queue_size(o, c.queue_size);
  sigil_options_set_auth_mode(o, c.auth_mode);
  if (c.tenant) sigil_options_set_auth_tenant_id(o, c.tenant);
  if (c.token) {
    if (c.auth_mode == SIGIL_AUTH_BASIC)
      sigil_options_set_auth_basic_password(o, c.token);
    else
      sigil_options_set_auth_bearer_token(o, c.token);
  }
  sigil_client_t *client = nullptr;
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_new(o, &client, &err), SIGIL_OK) << sigil_error_message(err);
  sigil_error_free(err);
  sigil_options_free(o);
  return client;
}

// Records one small valid generation; returns its id.
std::string record(sigil_client_t *client, const char *conversation = "conv-1", sigil_status_t expect = SIGIL_OK) {
  std::string id, error;
  EXPECT_EQ(sigil_test::record_text(client, conversation, "hi", &id, &error), expect) << error;
  return id;
}

sigil_stats_t stats_of(sigil_client_t *c) {
  sigil_stats_t s = SIGIL_STATS_INIT;
  sigil_client_stats(c, &s);
  return s;
}

class HttpExport : public ::testing::Test {
 protected:
  void SetUp() override { Harness::shared().reset(); }
  Harness &h() { return Harness::shared(); }
  ClientOptions opts() {
    ClientOptions c;
    c.endpoint = h().http_endpoint();
    return c;
  }
};

}  // namespace

TEST_F(HttpExport, EveryFieldArrivesAsRecorded) {
  sigil_client_t *client = make_client(opts());
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  s.id = "gen_fixed_1";
  s.conversation_id = "conv-7";
  s.conversation_title = "Weather follow-up";
  s.user_id = "user-42";
  s.agent_name = "assistant";
  s.agent_version = "1.0.0";
  s.model_provider = "anthropic";
  s.model_name = "claude-sonnet-4-5";
  s.system_prompt = "Be concise.";
  s.has_max_tokens = 1;
  s.max_tokens = 1024;
  s.has_temperature = 1;
  s.temperature = 0.7;
  s.has_top_p = 1;
  s.top_p = 0.9;
  s.tool_choice = "auto";
  s.has_thinking_enabled = 1;
  s.thinking_enabled = 1;
  const char tools[] =
      R"([{"name":"weather","description":"d","type":"function","input_schema_json":{"type":"object"},"deferred":true}])";
  s.tools_json = tools;
  s.tools_json_len = sizeof tools - 1;
  const char tags[] = R"({"env":"test"})";
  s.tags_json = tags;
  s.tags_json_len = sizeof tags - 1;
  const char md[] = R"({"sigil.sdk.name":"spoofed","n":2})";
  s.metadata_json = md;
  s.metadata_json_len = sizeof md - 1;
  s.started_at_ns = 1700000000000000000;
  sigil_generation_t *g = nullptr;
  ASSERT_EQ(sigil_generation_start(client, &s, &g), SIGIL_OK);
  const char result[] =
      R"({"input":[{"role":"MESSAGE_ROLE_USER","name":"u","parts":[{"text":"weather?","metadata":{"provider_type":"text"}}]},)"
      R"({"role":"MESSAGE_ROLE_TOOL","parts":[{"tool_result":{"tool_call_id":"c1","name":"weather","content":"18C","content_json":{"t":18},"is_error":true}}]}],)"
      R"("output":[{"role":"MESSAGE_ROLE_ASSISTANT","parts":[{"thinking":"look"},{"tool_call":{"id":"c1","name":"weather","input_json":{"city":"Paris"}}},)"
      R"({"media":{"kind":"image","url":"https://x/y.png","mime_type":"image/png","name":"y"}},{"text":"18C"}]}],)"
      R"("usage":{"input_tokens":120,"output_tokens":42,"cache_read_input_tokens":30,"cache_write_input_tokens":4,"reasoning_tokens":9},)"
      R"("stop_reason":"end_turn","response_id":"msg_1","response_model":"claude-sonnet-4-5-2025",)"
      R"("raw_artifacts":[{"kind":"ARTIFACT_KIND_REQUEST","name":"req","content_type":"application/json","payload":{"a":1}}],)"
      R"("parent_generation_ids":["gen_parent"],)"
      R"("effective_version":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})";
  ASSERT_EQ(sigil_generation_set_result_json(g, result, sizeof result - 1), SIGIL_OK);
  ASSERT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  char tp[64];
  ASSERT_EQ(sigil_generation_traceparent(g, tp, sizeof tp), SIGIL_OK);
  sigil_generation_free(g);
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);

  Json caps = h().wait("http_exports", 1);
  ASSERT_EQ(cJSON_GetArraySize(caps.get()), 1);
  const cJSON *cap = cJSON_GetArrayItem(caps.get(), 0);
  EXPECT_EQ(str_at(cap, {"error"}), "");
  EXPECT_EQ(str_at(cap, {"path"}), "/api/v1/generations:export");
  const cJSON *gen = sigil_test::at(cap, {"generations", "0"});
  ASSERT_NE(gen, nullptr);
  EXPECT_EQ(str_at(gen, {"id"}), "gen_fixed_1");
  EXPECT_EQ(str_at(gen, {"conversation_id"}), "conv-7");
  EXPECT_EQ(str_at(gen, {"operation_name"}), "generateText");
  EXPECT_EQ(str_at(gen, {"mode"}), "GENERATION_MODE_SYNC");
  EXPECT_EQ(std::string(tp).substr(3, 32), str_at(gen, {"trace_id"}));
  EXPECT_EQ(std::string(tp).substr(36, 16), str_at(gen, {"span_id"}));
  EXPECT_EQ(str_at(gen, {"model", "provider"}), "anthropic");
  EXPECT_EQ(str_at(gen, {"model", "name"}), "claude-sonnet-4-5");
  EXPECT_EQ(str_at(gen, {"response_id"}), "msg_1");
  EXPECT_EQ(str_at(gen, {"response_model"}), "claude-sonnet-4-5-2025");
  EXPECT_EQ(str_at(gen, {"system_prompt"}), "Be concise.");
  EXPECT_EQ(str_at(gen, {"input", "0", "name"}), "u");
  EXPECT_EQ(str_at(gen, {"input", "0", "parts", "0", "metadata", "provider_type"}), "text");
  EXPECT_EQ(str_at(gen, {"input", "1", "parts", "0", "tool_result", "content_json_text"}), R"({"t":18})");
  EXPECT_TRUE(cJSON_IsTrue(sigil_test::at(gen, {"input", "1", "parts", "0", "tool_result", "is_error"})));
  EXPECT_EQ(str_at(gen, {"output", "0", "parts", "0", "thinking"}), "look");
  EXPECT_EQ(str_at(gen, {"output", "0", "parts", "1", "tool_call", "input_json_text"}), R"({"city":"Paris"})");
  EXPECT_EQ(str_at(gen, {"output", "0", "parts", "2", "media", "url"}), "https://x/y.png");
  EXPECT_EQ(str_at(gen, {"tools", "0", "input_schema_json_text"}), R"({"type":"object"})");
  EXPECT_TRUE(cJSON_IsTrue(sigil_test::at(gen, {"tools", "0", "deferred"})));
  EXPECT_EQ(str_at(gen, {"usage", "input_tokens"}), "120");
  EXPECT_EQ(str_at(gen, {"usage", "total_tokens"}), "162");
  EXPECT_EQ(str_at(gen, {"usage", "reasoning_tokens"}), "9");
  EXPECT_EQ(str_at(gen, {"stop_reason"}), "end_turn");
  EXPECT_EQ(str_at(gen, {"started_at"}), "2023-11-14T22:13:20Z");
  EXPECT_FALSE(str_at(gen, {"completed_at"}).empty());
  EXPECT_EQ(str_at(gen, {"tags", "env"}), "test");
  EXPECT_EQ(str_at(gen, {"metadata", "sigil.sdk.name"}), "sdk-c");
  EXPECT_EQ(str_at(gen, {"metadata", "sigil.conversation.title"}), "Weather follow-up");
  EXPECT_EQ(str_at(gen, {"metadata", "sigil.user.id"}), "user-42");
  EXPECT_EQ(sigil_test::at(gen, {"metadata", "n"})->valuedouble, 2);
  EXPECT_EQ(str_at(gen, {"raw_artifacts", "0", "payload_text"}), R"({"a":1})");
  EXPECT_EQ(str_at(gen, {"agent_name"}), "assistant");
  EXPECT_EQ(str_at(gen, {"agent_version"}), "1.0.0");
  EXPECT_EQ(str_at(gen, {"max_tokens"}), "1024");
  EXPECT_DOUBLE_EQ(sigil_test::at(gen, {"temperature"})->valuedouble, 0.7);
  EXPECT_DOUBLE_EQ(sigil_test::at(gen, {"top_p"})->valuedouble, 0.9);
  EXPECT_EQ(str_at(gen, {"tool_choice"}), "auto");
  EXPECT_TRUE(cJSON_IsTrue(sigil_test::at(gen, {"thinking_enabled"})));
  EXPECT_EQ(str_at(gen, {"parent_generation_ids", "0"}), "gen_parent");
  EXPECT_EQ(str_at(gen, {"effective_version"}).substr(0, 7), "sha256:");
  EXPECT_EQ(str_at(cap, {"headers", "content-type"}), "application/json");
  sigil_client_free(client);
}

TEST_F(HttpExport, ServerErrorThenSuccessIsRetried) {
  h().script("http", R"([{"status":503},{"status":500}])");
  sigil_client_t *client = make_client(opts());
  record(client);
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  sigil_stats_t st = stats_of(client);
  EXPECT_EQ(st.generations_exported, 1u);
  EXPECT_EQ(st.export_attempts, 3u);
  EXPECT_EQ(cJSON_GetArraySize(h().captures("http_exports").get()), 3);
  sigil_client_free(client);
}

TEST_F(HttpExport, TooManyRequestsHonoursRetryAfter) {
  h().script("http", R"([{"status":429,"headers":{"Retry-After":"1"}}])");
  sigil_client_t *client = make_client(opts());
  record(client);
  auto before = std::chrono::steady_clock::now();
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  EXPECT_GE(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(900));
  EXPECT_EQ(stats_of(client).generations_exported, 1u);
  sigil_client_free(client);
}

TEST_F(HttpExport, BadRequestIsNotRetried) {
  h().script("http", R"([{"status":400,"body":"invalid generation"}])");
  sigil_client_t *client = make_client(opts());
  record(client);
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  sigil_stats_t st = stats_of(client);
  EXPECT_EQ(st.export_attempts, 1u);
  EXPECT_EQ(st.generations_rejected, 1u);
  EXPECT_EQ(st.generations_exported, 0u);
  sigil_client_free(client);
}

TEST_F(HttpExport, PerItemRejectionsAreCounted) {
  sigil_client_t *client = make_client(opts());
  std::string a = record(client, "a");
  std::string b = record(client, "b");
  h().script("http", "[{\"reject\":[\"" + b + "\"]}]");
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  sigil_stats_t st = stats_of(client);
  EXPECT_EQ(st.generations_exported, 1u);
  EXPECT_EQ(st.generations_rejected, 1u);
  sigil_client_free(client);
}

TEST_F(HttpExport, DroppedConnectionThenSuccess) {
  h().script("http", R"([{"close":true}])");
  sigil_client_t *client = make_client(opts());
  record(client);
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  EXPECT_EQ(stats_of(client).generations_exported, 1u);
  sigil_client_free(client);
}

TEST_F(HttpExport, ServerDownIsRetriedThenCountedAsDropped) {
  ClientOptions c = opts();
  c.endpoint = "http://127.0.0.1:" + std::to_string(sigil_test::closed_loopback_port());
  c.max_retries = 2;
  sigil_client_t *client = make_client(c);
  record(client);
  record(client);
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  sigil_stats_t st = stats_of(client);
  EXPECT_EQ(st.dropped_retry_exhausted, 2u);
  EXPECT_EQ(st.export_attempts, 3u);
  sigil_client_free(client);
}

TEST_F(HttpExport, ShutdownFlushesWhatIsQueued) {
  sigil_client_t *client = make_client(opts());  // 60 s interval: nothing is sent on its own
  record(client, "conv-shutdown");
  EXPECT_EQ(cJSON_GetArraySize(h().captures("http_exports").get()), 0);
  ASSERT_EQ(sigil_client_shutdown(client, 10000, nullptr), SIGIL_OK);
  Json caps = h().captures("http_exports");
  ASSERT_EQ(cJSON_GetArraySize(caps.get()), 1);
  EXPECT_EQ(str_at(cJSON_GetArrayItem(caps.get(), 0), {"generations", "0", "conversation_id"}), "conv-shutdown");
  // After shutdown: local errors, nothing recorded, nothing crashes.
  record(client, "late", SIGIL_E_SHUTDOWN);
  EXPECT_EQ(sigil_client_flush(client, 100, nullptr), SIGIL_E_SHUTDOWN);
  EXPECT_EQ(sigil_client_shutdown(client, 100, nullptr), SIGIL_OK);
  sigil_client_free(client);
}

TEST_F(HttpExport, ShutdownDeadlineAgainstAStalledServerReportsDrops) {
  h().stall("http", 5000);
  ClientOptions c = opts();
  c.attempt_timeout_ms = 10000;
  sigil_client_t *client = make_client(c);
  record(client);
  auto before = std::chrono::steady_clock::now();
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_shutdown(client, 300, &err), SIGIL_E_TIMEOUT);
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(3));
  EXPECT_NE(std::string(sigil_error_message(err)).find("dropped"), std::string::npos);
  sigil_error_free(err);
  EXPECT_EQ(stats_of(client).dropped_shutdown_timeout, 1u);
  h().stall("http", 0);
  sigil_client_free(client);
}

TEST_F(HttpExport, AuthHeadersArrive) {
  struct Case {
    uint32_t mode;
    const char *tenant, *token, *header, *expected;
  } cases[] = {{SIGIL_AUTH_TENANT, "t-1", nullptr, "x-scope-orgid", "t-1"},
               {SIGIL_AUTH_BEARER, nullptr, "secret", "authorization", "Bearer secret"},
               {SIGIL_AUTH_BASIC, "inst", "key", "authorization", "Basic aW5zdDprZXk="}};
  for (const Case &k : cases) {
    h().reset();
    ClientOptions c = opts();
    c.auth_mode = k.mode;
    c.tenant = k.tenant;
    c.token = k.token;
    sigil_client_t *client = make_client(c);
    record(client);
    ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
    Json caps = h().captures("http_exports");
    EXPECT_EQ(str_at(cJSON_GetArrayItem(caps.get(), 0), {"headers", k.header}), k.expected);
    sigil_client_free(client);
  }
}

TEST_F(HttpExport, LocalErrorsExportNothing) {
  ClientOptions c = opts();
  c.payload_max_bytes = 2000;
  c.queue_size = 1;
  sigil_client_t *client = make_client(c);

  // Invalid UTF-8 in a typed field: a clear error naming the field.
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  s.model_provider = "openai";
  s.model_name = "gpt-4o";
  s.conversation_id = "bad \xff\xfe utf8";
  sigil_generation_t *g = nullptr;
  sigil_generation_start(client, &s, &g);
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_generation_end(g, &err), SIGIL_E_INVALID_UTF8);
  EXPECT_NE(std::string(sigil_error_message(err)).find("conversation_id"), std::string::npos)
      << sigil_error_message(err);
  sigil_error_free(err);
  sigil_generation_free(g);

  // Too large for the payload limit.
  s.conversation_id = "big";
  sigil_generation_start(client, &s, &g);
  std::string big(5000, 'x');
  sigil_generation_add_message(g, SIGIL_INPUT, SIGIL_ROLE_USER, nullptr);
  sigil_generation_add_text(g, SIGIL_INPUT, big.data(), big.size());
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_E_PAYLOAD_TOO_LARGE);
  sigil_generation_free(g);

  // Validation failure.
  s.model_provider = "";
  sigil_generation_start(client, &s, &g);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_E_VALIDATION);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_E_ALREADY_ENDED);
  sigil_generation_free(g);

  // Queue full (one slot, 60 s interval keeps it occupied).
  record(client, "first");
  record(client, "second", SIGIL_E_QUEUE_FULL);

  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  sigil_stats_t st = stats_of(client);
  EXPECT_EQ(st.generations_exported, 1u);
  EXPECT_EQ(st.dropped_queue_full, 1u);
  EXPECT_EQ(st.dropped_payload_too_large, 1u);
  EXPECT_EQ(st.validation_failures, 2u);
  Json gens = sigil_test::all_generations(h().captures("http_exports").get());
  ASSERT_EQ(cJSON_GetArraySize(gens.get()), 1);
  EXPECT_EQ(str_at(gens.get(), {"0", "conversation_id"}), "first");
  sigil_client_free(client);
}

TEST_F(HttpExport, NullHandlesAreNoOps) {
  EXPECT_EQ(sigil_generation_end(nullptr, nullptr), SIGIL_OK);
  EXPECT_EQ(sigil_generation_add_text(nullptr, SIGIL_INPUT, "x", 1), SIGIL_OK);
  sigil_generation_free(nullptr);
  sigil_client_free(nullptr);
  sigil_generation_t *g = nullptr;
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  EXPECT_EQ(sigil_generation_start(nullptr, &s, &g), SIGIL_E_INVALID_ARGUMENT);
  ASSERT_NE(g, nullptr);  // a usable no-op recorder
  EXPECT_EQ(sigil_generation_set_result_json(g, "{}", 2), SIGIL_OK);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);
  EXPECT_EQ(sigil_client_flush(nullptr, 0, nullptr), SIGIL_E_INVALID_ARGUMENT);
}
