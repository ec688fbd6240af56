// gRPC generation export against the real grpcio capture server on loopback:
// what the server decoded, how each status class is handled, deadlines,
// large batches, an absent server, and auth metadata.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sigil/sigil.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <string>
#include <vector>

#include "support/harness.h"

using sigil_test::at;
using sigil_test::Harness;
using sigil_test::Json;
using sigil_test::str_at;

namespace {

// Collects the client's background diagnostics.
class LogSink {
 public:
  static void fn(void *user, uint32_t, const char *message, size_t len) {
    auto *self = static_cast<LogSink *>(user);
    std::lock_guard<std::mutex> lock(self->mu_);
    self->lines_.emplace_back(message, len);
  }
  std::string all() {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    for (const auto &l : lines_) out += l + "\n";
    return out;
  }
  bool contains(const std::string &needle) { return all().find(needle) != std::string::npos; }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

struct GrpcClientOptions {
  std::string endpoint;
  uint32_t protocol = SIGIL_PROTOCOL_GRPC;
  uint32_t max_retries = 3;
  uint32_t attempt_timeout_ms = 5000;
  uint64_t payload_max_bytes = 0;
  uint32_t auth_mode = SIGIL_AUTH_NONE;
  const char *tenant = nullptr;
  const char *token = nullptr;
  const char *basic_user = nullptr;
  const char *header_name = nullptr;
  const char *header_value = nullptr;
  LogSink *log = nullptr;
};

sigil_client_t *make_grpc_client(const GrpcClientOptions &c) {
  sigil_options_t *o = nullptr;
  sigil_options_new(&o);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, c.protocol);
  sigil_options_set_endpoint(o, c.endpoint.c_str());
  if (c.max_retries == 0)
    sigil_options_set_no_retries(o);
  else
    sigil_options_set_max_retries(o, c.max_retries);
  sigil_options_set_initial_backoff_ms(o, 10);
  sigil_options_set_max_backoff_ms(o, 50);
  sigil_options_set_flush_interval_ms(o, 60000);  // only flush sends
  sigil_options_set_attempt_timeout_ms(o, c.attempt_timeout_ms);
  if (c.payload_max_bytes) sigil_options_set_payload_max_bytes(o, c.payload_max_bytes);
  sigil_options_set_auth_mode(o, c.auth_mode);
  if (c.tenant) sigil_options_set_auth_tenant_id(o, c.tenant);
  if (c.basic_user) sigil_options_set_auth_basic_user(o, c.basic_user);
  if (c.token) {
    if (c.auth_mode == SIGIL_AUTH_BASIC)
      sigil_options_set_auth_basic_password(o, c.token);
    else
      sigil_options_set_auth_bearer_token(o, c.token);
  }
  if (c.header_name) sigil_options_set_header(o, c.header_name, c.header_value);
  if (c.log) sigil_options_set_logger(o, LogSink::fn, c.log);
  sigil_client_t *client = nullptr;
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_new(o, &client, &err), SIGIL_OK) << sigil_error_message(err);
  sigil_error_free(err);
  sigil_options_free(o);
  return client;
}

// Records one small valid generation; returns its id.
std::string record_small(sigil_client_t *client, const std::string &text = "hi") {
  std::string id, error;
  EXPECT_EQ(sigil_test::record_text(client, "conv-grpc", text, &id, &error), SIGIL_OK) << error;
  return id;
}

// Records a generation that uses every field of sigil.v1.Generation.
void record_full(sigil_client_t *client, const char *id) {
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  s.id = id;
  s.conversation_id = "conv-full";
  s.conversation_title = "Trip planning";
  s.user_id = "user-7";
  s.agent_name = "planner";
  s.agent_version = "2.1.0";
  s.model_provider = "anthropic";
  s.model_name = "claude-sonnet-4-5";
  s.system_prompt = "Answer in one line.";
  s.has_max_tokens = 1;
  s.max_tokens = 4096;
  s.has_temperature = 1;
  s.temperature = 0.25;
  s.has_top_p = 1;
  s.top_p = 0.75;
  s.tool_choice = "required";
  s.has_thinking_enabled = 1;
  s.thinking_enabled = 0;
  const char tools[] =
      R"([{"name":"weather","description":"Current weather","type":"function",)"
      R"("input_schema_json":{"type":"object","properties":{"city":{"type":"string"}}},"deferred":true},)"
      R"({"name":"search","type":"function"}])";
  s.tools_json = tools;
  s.tools_json_len = sizeof tools - 1;
  const char tags[] = R"({"env":"ci","team":"obs"})";
  s.tags_json = tags;
  s.tags_json_len = sizeof tags - 1;
  const char md[] = R"({"n":3,"nested":{"list":[1,"two",true,null]},"s":"ünï"})";
  s.metadata_json = md;
  s.metadata_json_len = sizeof md - 1;
  s.started_at_ns = 1767323045123456789;
  sigil_generation_t *g = nullptr;
  ASSERT_EQ(sigil_generation_start(client, &s, &g), SIGIL_OK);
  const char result[] =
      R"({"input":[{"role":"MESSAGE_ROLE_USER","name":"alice","parts":[{"text":"Weather in Zürich? 🌦","metadata":{"provider_type":"input_text"}}]},)"
      R"({"role":"MESSAGE_ROLE_TOOL","parts":[{"tool_result":{"tool_call_id":"call_1","name":"weather","content":"7C","content_json":{"c":7},"is_error":true}}]}],)"
      R"("output":[{"role":"MESSAGE_ROLE_ASSISTANT","parts":[{"thinking":"need the tool"},)"
      R"({"tool_call":{"id":"call_1","name":"weather","input_json":{"city":"Zürich"}}},)"
      R"({"media":{"kind":"image","url":"https://example.com/map.png","mime_type":"image/png","name":"map"}},{"text":"7C, rain"}]}],)"
      R"("usage":{"input_tokens":1200,"output_tokens":34,"cache_read_input_tokens":800,"cache_write_input_tokens":16,"reasoning_tokens":12},)"
      R"("stop_reason":"tool_use","response_id":"msg_01","response_model":"claude-sonnet-4-5-20250929",)"
      R"("raw_artifacts":[{"kind":"ARTIFACT_KIND_RESPONSE","name":"resp","content_type":"application/json","payload":{"id":"msg_01"},"record_id":"rec-1","uri":"s3://b/k"}],)"
      R"("parent_generation_ids":["gen_parent_1","gen_parent_2"],)"
      R"("completed_at":"2026-01-02T03:04:06.5Z",)"
      R"("effective_version":"sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"})";
  ASSERT_EQ(sigil_generation_set_result_json(g, result, sizeof result - 1), SIGIL_OK);
  const char call_error[] = "upstream 529: overloaded";
  ASSERT_EQ(sigil_generation_set_call_error(g, call_error, sizeof call_error - 1, 529), SIGIL_OK);
  sigil_error_t *err = nullptr;
  ASSERT_EQ(sigil_generation_end(g, &err), SIGIL_OK) << sigil_error_message(err);
  sigil_generation_free(g);
}

sigil_stats_t stats(sigil_client_t *c) {
  sigil_stats_t s = SIGIL_STATS_INIT;
  sigil_client_stats(c, &s);
  return s;
}

int count(const Json &array) { return cJSON_GetArraySize(array.get()); }

class GrpcExport : public ::testing::Test {
 protected:
  void SetUp() override { Harness::shared().reset(); }
  Harness &h() { return Harness::shared(); }
  GrpcClientOptions opts() {
    GrpcClientOptions c;
    c.endpoint = h().grpc_endpoint();
    c.log = &log_;
    return c;
  }
  LogSink log_;
};

}  // namespace

TEST_F(GrpcExport, EveryFieldArrivesAsRecordedAndMatchesHttp) {
  sigil_client_t *grpc = make_grpc_client(opts());
  record_full(grpc, "gen_full_1");
  ASSERT_EQ(sigil_client_flush(grpc, 10000, nullptr), SIGIL_OK);
  EXPECT_EQ(stats(grpc).generations_exported, 1u) << log_.all();

  Json caps = h().captures("grpc_exports");
  ASSERT_EQ(count(caps), 1);
  const cJSON *cap = cJSON_GetArrayItem(caps.get(), 0);
  EXPECT_EQ(str_at(cap, {"method"}), "/sigil.v1.GenerationIngestService/ExportGenerations");
  EXPECT_FALSE(cJSON_IsString(at(cap, {"error"}))) << str_at(cap, {"error"});
  EXPECT_EQ(str_at(cap, {"response", "code"}), "OK");
  const cJSON *gen = at(cap, {"generations", "0"});
  ASSERT_NE(gen, nullptr);
  EXPECT_EQ(str_at(gen, {"id"}), "gen_full_1");
  EXPECT_EQ(str_at(gen, {"conversation_id"}), "conv-full");
  EXPECT_EQ(str_at(gen, {"operation_name"}), "generateText");
  EXPECT_EQ(str_at(gen, {"mode"}), "GENERATION_MODE_SYNC");
  EXPECT_EQ(str_at(gen, {"trace_id"}).size(), 32u);
  EXPECT_EQ(str_at(gen, {"span_id"}).size(), 16u);
  EXPECT_EQ(str_at(gen, {"model", "provider"}), "anthropic");
  EXPECT_EQ(str_at(gen, {"model", "name"}), "claude-sonnet-4-5");
  EXPECT_EQ(str_at(gen, {"response_id"}), "msg_01");
  EXPECT_EQ(str_at(gen, {"response_model"}), "claude-sonnet-4-5-20250929");
  EXPECT_EQ(str_at(gen, {"system_prompt"}), "Answer in one line.");
  EXPECT_EQ(str_at(gen, {"input", "0", "role"}), "MESSAGE_ROLE_USER");
  EXPECT_EQ(str_at(gen, {"input", "0", "name"}), "alice");
  EXPECT_EQ(str_at(gen, {"input", "0", "parts", "0", "text"}), "Weather in Zürich? 🌦");
  EXPECT_EQ(str_at(gen, {"input", "0", "parts", "0", "metadata", "provider_type"}), "input_text");
  EXPECT_EQ(str_at(gen, {"input", "1", "parts", "0", "tool_result", "tool_call_id"}), "call_1");
  EXPECT_EQ(str_at(gen, {"input", "1", "parts", "0", "tool_result", "content"}), "7C");
  EXPECT_EQ(str_at(gen, {"input", "1", "parts", "0", "tool_result", "content_json_text"}), R"({"c":7})");
  EXPECT_TRUE(cJSON_IsTrue(at(gen, {"input", "1", "parts", "0", "tool_result", "is_error"})));
  EXPECT_EQ(str_at(gen, {"output", "0", "role"}), "MESSAGE_ROLE_ASSISTANT");
  EXPECT_EQ(str_at(gen, {"output", "0", "parts", "0", "thinking"}), "need the tool");
  EXPECT_EQ(str_at(gen, {"output", "0", "parts", "1", "tool_call", "id"}), "call_1");
  EXPECT_EQ(str_at(gen, {"output", "0", "parts", "1", "tool_call", "input_json_text"}), R"({"city":"Zürich"})");
  EXPECT_EQ(str_at(gen, {"output", "0", "parts", "2", "media", "mime_type"}), "image/png");
  EXPECT_EQ(str_at(gen, {"output", "0", "parts", "3", "text"}), "7C, rain");
  EXPECT_EQ(str_at(gen, {"tools", "0", "name"}), "weather");
  EXPECT_EQ(str_at(gen, {"tools", "0", "description"}), "Current weather");
  EXPECT_EQ(str_at(gen, {"tools", "0", "input_schema_json_text"}),
            R"({"type":"object","properties":{"city":{"type":"string"}}})");
  EXPECT_TRUE(cJSON_IsTrue(at(gen, {"tools", "0", "deferred"})));
  EXPECT_EQ(str_at(gen, {"tools", "1", "name"}), "search");
  EXPECT_EQ(str_at(gen, {"usage", "input_tokens"}), "1200");
  EXPECT_EQ(str_at(gen, {"usage", "output_tokens"}), "34");
  EXPECT_EQ(str_at(gen, {"usage", "total_tokens"}), "1234");
  EXPECT_EQ(str_at(gen, {"usage", "cache_read_input_tokens"}), "800");
  EXPECT_EQ(str_at(gen, {"usage", "cache_write_input_tokens"}), "16");
  EXPECT_EQ(str_at(gen, {"usage", "reasoning_tokens"}), "12");
  EXPECT_EQ(str_at(gen, {"stop_reason"}), "tool_use");
  EXPECT_EQ(str_at(gen, {"started_at"}), "2026-01-02T03:04:05.123456789Z");
  EXPECT_EQ(str_at(gen, {"completed_at"}), "2026-01-02T03:04:06.500Z");
  EXPECT_EQ(str_at(gen, {"tags", "env"}), "ci");
  EXPECT_EQ(str_at(gen, {"tags", "team"}), "obs");
  EXPECT_EQ(at(gen, {"metadata", "n"})->valuedouble, 3);
  EXPECT_EQ(str_at(gen, {"metadata", "nested", "list", "1"}), "two");
  EXPECT_TRUE(cJSON_IsNull(at(gen, {"metadata", "nested", "list", "3"})));
  EXPECT_EQ(str_at(gen, {"metadata", "s"}), "ünï");
  EXPECT_EQ(str_at(gen, {"metadata", "sigil.sdk.name"}), "sdk-c");
  EXPECT_EQ(str_at(gen, {"metadata", "sigil.conversation.title"}), "Trip planning");
  EXPECT_EQ(str_at(gen, {"metadata", "sigil.user.id"}), "user-7");
  EXPECT_EQ(str_at(gen, {"metadata", "call_error"}), "upstream 529: overloaded");
  EXPECT_EQ(str_at(gen, {"raw_artifacts", "0", "kind"}), "ARTIFACT_KIND_RESPONSE");
  EXPECT_EQ(str_at(gen, {"raw_artifacts", "0", "payload_text"}), R"({"id":"msg_01"})");
  EXPECT_EQ(str_at(gen, {"raw_artifacts", "0", "record_id"}), "rec-1");
  EXPECT_EQ(str_at(gen, {"raw_artifacts", "0", "uri"}), "s3://b/k");
  EXPECT_EQ(str_at(gen, {"call_error"}), "upstream 529: overloaded");
  EXPECT_EQ(str_at(gen, {"agent_name"}), "planner");
  EXPECT_EQ(str_at(gen, {"agent_version"}), "2.1.0");
  EXPECT_EQ(str_at(gen, {"max_tokens"}), "4096");
  EXPECT_DOUBLE_EQ(at(gen, {"temperature"})->valuedouble, 0.25);
  EXPECT_DOUBLE_EQ(at(gen, {"top_p"})->valuedouble, 0.75);
  EXPECT_EQ(str_at(gen, {"tool_choice"}), "required");
  EXPECT_TRUE(cJSON_IsFalse(at(gen, {"thinking_enabled"})));  // optional: present though false
  EXPECT_EQ(str_at(gen, {"parent_generation_ids", "1"}), "gen_parent_2");
  EXPECT_EQ(str_at(gen, {"effective_version"}).substr(0, 7), "sha256:");

  // The same recording over HTTP JSON decodes to the same message, field for
  // field (the trace context is per recording).
  GrpcClientOptions hc = opts();
  hc.protocol = SIGIL_PROTOCOL_HTTP;
  hc.endpoint = h().http_endpoint();
  sigil_client_t *http = make_grpc_client(hc);
  record_full(http, "gen_full_1");
  ASSERT_EQ(sigil_client_flush(http, 10000, nullptr), SIGIL_OK);
  Json http_caps = h().captures("http_exports");
  ASSERT_EQ(count(http_caps), 1);
  Json via_grpc(cJSON_Duplicate(gen, 1));
  Json via_http(cJSON_Duplicate(at(cJSON_GetArrayItem(http_caps.get(), 0), {"generations", "0"}), 1));
  ASSERT_TRUE(via_http);
  for (cJSON *g : {via_grpc.get(), via_http.get()}) {
    cJSON_DeleteItemFromObjectCaseSensitive(g, "trace_id");
    cJSON_DeleteItemFromObjectCaseSensitive(g, "span_id");
  }
  char *a = cJSON_PrintUnformatted(via_grpc.get());
  char *b = cJSON_PrintUnformatted(via_http.get());
  EXPECT_STREQ(a, b);
  cJSON_free(a);
  cJSON_free(b);
  sigil_client_free(http);
  sigil_client_free(grpc);
}

TEST_F(GrpcExport, SeveralCallsInARowEachSucceed) {
  sigil_client_t *client = make_grpc_client(opts());
  for (int i = 0; i < 3; ++i) {
    record_small(client, "call " + std::to_string(i));
    ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  }
  EXPECT_EQ(stats(client).generations_exported, 3u) << log_.all();
  EXPECT_EQ(stats(client).export_attempts, 3u);
  EXPECT_EQ(count(h().captures("grpc_exports")), 3);
  sigil_client_free(client);
}

TEST_F(GrpcExport, EndpointFormsAllReachTheService) {
  const int port = h().port("grpc");
  const std::string forms[] = {"127.0.0.1:" + std::to_string(port), "grpc://127.0.0.1:" + std::to_string(port),
                               "http://127.0.0.1:" + std::to_string(port) + "/ignored/path",
                               "localhost:" + std::to_string(port)};
  for (const std::string &endpoint : forms) {
    GrpcClientOptions c = opts();
    c.endpoint = endpoint;
    sigil_client_t *client = make_grpc_client(c);
    record_small(client);
    ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
    EXPECT_EQ(stats(client).generations_exported, 1u) << endpoint << "\n" << log_.all();
    sigil_client_free(client);
  }
  EXPECT_EQ(count(h().captures("grpc_exports")), 4);
}

TEST_F(GrpcExport, UnavailableIsRetriedThenSucceeds) {
  h().script("grpc", R"([{"code":"UNAVAILABLE","message":"draining"},{"code":"RESOURCE_EXHAUSTED"}])");
  sigil_client_t *client = make_grpc_client(opts());
  record_small(client);
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  sigil_stats_t st = stats(client);
  EXPECT_EQ(st.generations_exported, 1u) << log_.all();
  EXPECT_EQ(st.export_attempts, 3u);
  EXPECT_EQ(st.export_retries, 2u);
  EXPECT_EQ(count(h().captures("grpc_exports")), 3);
  EXPECT_TRUE(log_.contains("gRPC UNAVAILABLE: draining")) << log_.all();
  EXPECT_TRUE(log_.contains("gRPC RESOURCE_EXHAUSTED")) << log_.all();
  sigil_client_free(client);
}

TEST_F(GrpcExport, InvalidArgumentIsRejectedAndNotRetriedWithTheDecodedMessage) {
  // grpcio percent-encodes the non-ASCII bytes, the newline and the '%'.
  h().script("grpc", R"([{"code":"INVALID_ARGUMENT","message":"bad généra\ntion: 100% wrong"}])");
  sigil_client_t *client = make_grpc_client(opts());
  record_small(client);
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  sigil_stats_t st = stats(client);
  EXPECT_EQ(st.export_attempts, 1u);
  EXPECT_EQ(st.generations_rejected, 1u);
  EXPECT_EQ(st.generations_exported, 0u);
  EXPECT_EQ(count(h().captures("grpc_exports")), 1);
  EXPECT_TRUE(log_.contains("gRPC INVALID_ARGUMENT: bad généra\ntion: 100% wrong")) << log_.all();
  sigil_client_free(client);
}

TEST_F(GrpcExport, UnauthenticatedAndPermissionDeniedAreRejected) {
  for (const char *code : {"UNAUTHENTICATED", "PERMISSION_DENIED"}) {
    h().reset();
    h().script("grpc", std::string(R"([{"code":")") + code + R"(","message":"missing tenant"}])");
    sigil_client_t *client = make_grpc_client(opts());
    record_small(client);
    ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
    sigil_stats_t st = stats(client);
    EXPECT_EQ(st.export_attempts, 1u) << code;
    EXPECT_EQ(st.generations_rejected, 1u) << code;
    EXPECT_TRUE(log_.contains(std::string("gRPC ") + code + ": missing tenant")) << log_.all();
    sigil_client_free(client);
  }
}

TEST_F(GrpcExport, PerItemRejectionsAreCounted) {
  sigil_client_t *client = make_grpc_client(opts());
  std::string a = record_small(client, "a");
  std::string b = record_small(client, "b");
  h().script("grpc", R"([{"reject":{")" + b + R"(":"duplicate generation"}}])");
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  sigil_stats_t st = stats(client);
  EXPECT_EQ(st.generations_exported, 1u) << log_.all();
  EXPECT_EQ(st.generations_rejected, 1u);
  EXPECT_EQ(st.export_attempts, 1u);
  EXPECT_TRUE(log_.contains(b + " rejected by the server: duplicate generation")) << log_.all();
  EXPECT_FALSE(log_.contains(a + " rejected")) << log_.all();
  sigil_client_free(client);
}

// The Sigil server answers a generation id it already stores (a batch sent
// again after a lost answer, or replayed from a spool) with a per-item
// "generation already exists": delivered, so exported, and no error logged.
TEST_F(GrpcExport, AlreadyStoredIsDeliveredNotRejected) {
  sigil_client_t *client = make_grpc_client(opts());
  std::string a = record_small(client, "a");
  std::string b = record_small(client, "b");
  std::string c = record_small(client, "c");
  h().script("grpc",
             R"([{"reject":{")" + b + R"(":"generation already exists",")" + c + R"(":"invalid generation"}}])");
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  sigil_stats_t st = stats(client);
  EXPECT_EQ(st.generations_exported, 2u) << log_.all();
  EXPECT_EQ(st.generations_rejected, 1u) << log_.all();
  EXPECT_EQ(st.export_attempts, 1u);
  EXPECT_FALSE(log_.contains(b + " rejected")) << log_.all();
  EXPECT_TRUE(log_.contains(c + " rejected by the server: invalid generation")) << log_.all();
  sigil_client_free(client);
}

TEST_F(GrpcExport, SlowServerHitsTheAttemptDeadlineThenRetries) {
  h().script("grpc", R"([{"delay_ms":3000}])");
  GrpcClientOptions c = opts();
  c.attempt_timeout_ms = 300;
  sigil_client_t *client = make_grpc_client(c);
  record_small(client);
  auto before = std::chrono::steady_clock::now();
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(2500));
  sigil_stats_t st = stats(client);
  EXPECT_EQ(st.generations_exported, 1u) << log_.all();
  EXPECT_EQ(st.export_retries, 1u);
  // Whether the server's deadline or ours fired first, it is a deadline.
  EXPECT_TRUE(log_.contains("gRPC DEADLINE_EXCEEDED")) << log_.all();
  sigil_client_free(client);
}

TEST_F(GrpcExport, ScriptedDeadlineExceededAndAbortedAreRetried) {
  h().script("grpc", R"([{"code":"DEADLINE_EXCEEDED"},{"code":"ABORTED","message":"conflict"}])");
  sigil_client_t *client = make_grpc_client(opts());
  record_small(client);
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  sigil_stats_t st = stats(client);
  EXPECT_EQ(st.generations_exported, 1u) << log_.all();
  EXPECT_EQ(st.export_retries, 2u);
  sigil_client_free(client);
}

TEST_F(GrpcExport, BatchNearThePayloadLimitArrivesWhole) {
  const uint64_t limit = 6u << 20;
  GrpcClientOptions c = opts();
  c.payload_max_bytes = limit;
  sigil_client_t *client = make_grpc_client(c);
  const std::string text(1900u << 10, 'x');  // 3 x 1.9 MiB: one batch just under 6 MiB
  for (int i = 0; i < 3; ++i) record_small(client, std::to_string(i) + text);
  ASSERT_EQ(sigil_client_flush(client, 15000, nullptr), SIGIL_OK);
  sigil_stats_t st = stats(client);
  EXPECT_EQ(st.generations_exported, 3u) << log_.all();
  EXPECT_EQ(st.export_attempts, 1u);
  Json caps = h().captures("grpc_exports");
  ASSERT_EQ(count(caps), 1);
  const cJSON *cap = cJSON_GetArrayItem(caps.get(), 0);
  double body = at(cap, {"body_size"})->valuedouble;
  EXPECT_GT(body, 5.5 * (1 << 20));
  EXPECT_LE(body, double(limit));
  for (int i = 0; i < 3; ++i) {
    std::string got = str_at(cap, {"generations", std::to_string(i).c_str(), "input", "0", "parts", "0", "text"});
    EXPECT_EQ(got.size(), text.size() + 1);
    EXPECT_EQ(got.substr(0, 1), std::to_string(i));
  }
  sigil_client_free(client);
}

TEST_F(GrpcExport, AbsentServerExhaustsRetriesAndCountsTheDrop) {
  GrpcClientOptions c = opts();
  c.endpoint = "127.0.0.1:" + std::to_string(sigil_test::closed_loopback_port());
  c.max_retries = 2;
  sigil_client_t *client = make_grpc_client(c);
  record_small(client);
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  sigil_stats_t st = stats(client);
  EXPECT_EQ(st.dropped_retry_exhausted, 1u);
  EXPECT_EQ(st.export_attempts, 3u);
  EXPECT_EQ(st.generations_exported, 0u);
  EXPECT_TRUE(log_.contains("failed after 3 attempts")) << log_.all();
  EXPECT_TRUE(log_.contains("gRPC UNAVAILABLE")) << log_.all();
  sigil_client_free(client);
}

TEST_F(GrpcExport, AuthAndCustomHeadersArriveAsMetadata) {
  struct Case {
    uint32_t mode;
    const char *tenant, *user, *token, *key, *expected;
  } cases[] = {{SIGIL_AUTH_TENANT, "tenant-42", nullptr, nullptr, "x-scope-orgid", "tenant-42"},
               {SIGIL_AUTH_BEARER, nullptr, nullptr, "tok-123", "authorization", "Bearer tok-123"},
               {SIGIL_AUTH_BASIC, nullptr, "inst", "key", "authorization", "Basic aW5zdDprZXk="}};
  for (const Case &k : cases) {
    h().reset();
    GrpcClientOptions c = opts();
    c.auth_mode = k.mode;
    c.tenant = k.tenant;
    c.basic_user = k.user;
    c.token = k.token;
    c.header_name = "X-Custom-Header";
    c.header_value = "custom-value";
    sigil_client_t *client = make_grpc_client(c);
    record_small(client);
    ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
    Json caps = h().captures("grpc_exports");
    ASSERT_EQ(count(caps), 1);
    const cJSON *md = at(cJSON_GetArrayItem(caps.get(), 0), {"metadata"});
    EXPECT_EQ(str_at(md, {k.key}), k.expected);
    EXPECT_EQ(str_at(md, {"x-custom-header"}), "custom-value");
    sigil_client_free(client);
  }
}
