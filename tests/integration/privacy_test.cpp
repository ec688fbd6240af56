// Privacy end to end, through the public ABI against the capture harness:
// with METADATA_ONLY no message content, prompt, tool argument or result,
// or title leaves the process on any path (HTTP export, gRPC export, OTLP
// spans); built-in patterns are redacted on every path.
#include <gtest/gtest.h>
#include <sigil/sigil.h>

#include <cstring>
#include <string>

#include "support/harness.h"

using sigil_test::at;
using sigil_test::Harness;
using sigil_test::Json;
using sigil_test::str_at;

namespace {

std::string b64(const std::string &in) {
  static const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += {t[n >> 18], t[(n >> 12) & 63], t[(n >> 6) & 63], t[n & 63]};
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += {t[n >> 18], t[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {t[n >> 18], t[(n >> 12) & 63], t[(n >> 6) & 63], '='};
  }
  return out;
}

// Content markers: none of them may appear anywhere under METADATA_ONLY.
const char *const kMarkers[] = {"MARK-PROMPT",    "MARK-TITLE", "MARK-USER-TEXT", "MARK-THINKING",
                                "MARK-ASSISTANT", "MARK-ARGS",  "MARK-RESULT",    "MARK-TOOL-DESC",
                                "MARK-URL",       "MARK-ERROR", "MARK-EMBED"};

const char kGithubPat[] = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";

sigil_client_t *make_client(Harness &h, uint32_t protocol, uint32_t mode) {
  sigil_options_t *o = nullptr;
  sigil_options_new(&o);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, protocol);
  sigil_options_set_endpoint(o,
                             protocol == SIGIL_PROTOCOL_HTTP ? h.http_endpoint().c_str() : h.grpc_endpoint().c_str());
  sigil_options_set_otlp_endpoint(o, h.otlp_endpoint().c_str());
  sigil_options_set_content_capture_mode(o, mode);
  sigil_options_set_embedding_capture(o, 1, 0, 0);
  sigil_client_t *client = nullptr;
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_new(o, &client, &err), SIGIL_OK) << sigil_error_message(err);
  sigil_error_free(err);
  sigil_options_free(o);
  return client;
}

// One generation, one tool execution and one embedding, each carrying
// `secret` inside every content field.
void record_everything(sigil_client_t *client, const std::string &secret) {
  const std::string prompt = "MARK-PROMPT " + secret, title = "MARK-TITLE " + secret;
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  s.id = "gen-privacy";
  s.conversation_id = "conv-privacy";
  s.conversation_title = title.c_str();
  s.model_provider = "openai";
  s.model_name = "gpt-4o";
  s.system_prompt = prompt.c_str();
  const std::string tools = R"([{"name":"weather","description":"MARK-TOOL-DESC )" + secret + R"("}])";
  s.tools_json = tools.c_str();
  s.tools_json_len = tools.size();
  sigil_generation_t *g = nullptr;
  ASSERT_EQ(sigil_generation_start(client, &s, &g), SIGIL_OK);
  auto add = [&](uint32_t side, const std::string &text) {
    sigil_generation_add_text(g, side, text.data(), text.size());
  };
  sigil_generation_add_message(g, SIGIL_INPUT, SIGIL_ROLE_USER, nullptr);
  add(SIGIL_INPUT, "MARK-USER-TEXT " + secret);
  std::string url = "https://example.com/MARK-URL?k=" + secret;
  sigil_generation_add_media(g, SIGIL_INPUT, "image", url.c_str(), "image/png", nullptr);
  sigil_generation_add_message(g, SIGIL_OUTPUT, SIGIL_ROLE_ASSISTANT, nullptr);
  std::string thinking = "MARK-THINKING " + secret;
  sigil_generation_add_thinking(g, SIGIL_OUTPUT, thinking.data(), thinking.size());
  add(SIGIL_OUTPUT, "MARK-ASSISTANT " + secret);
  std::string args = R"({"q":"MARK-ARGS )" + secret + R"("})";
  sigil_generation_add_tool_call(g, SIGIL_OUTPUT, "call-1", "weather", args.data(), args.size());
  sigil_generation_add_message(g, SIGIL_OUTPUT, SIGIL_ROLE_TOOL, nullptr);
  std::string result = "MARK-RESULT " + secret;
  sigil_generation_add_tool_result(g, SIGIL_OUTPUT, "call-1", "weather", result.data(), result.size(), 0);
  std::string err_text = "MARK-ERROR 503 " + secret;
  sigil_generation_set_call_error(g, err_text.data(), err_text.size(), 503);
  char tp[56];
  sigil_generation_traceparent(g, tp, sizeof tp);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);

  sigil_tool_execution_start_t ts = SIGIL_TOOL_EXECUTION_START_INIT;
  ts.tool_name = "weather";
  std::string desc = "MARK-TOOL-DESC " + secret;
  ts.tool_description = desc.c_str();
  ts.conversation_title = title.c_str();
  ts.include_content = 1;
  ts.parent_traceparent = tp;
  sigil_tool_execution_t *t = nullptr;
  ASSERT_EQ(sigil_tool_execution_start(client, &ts, &t), SIGIL_OK);
  sigil_tool_execution_set_result(t, args.data(), args.size(), result.data(), result.size(), 0);
  EXPECT_EQ(sigil_tool_execution_end(t, nullptr), SIGIL_OK);
  sigil_tool_execution_free(t);

  sigil_embedding_start_t es = SIGIL_EMBEDDING_START_INIT;
  es.model_provider = "openai";
  es.model_name = "text-embedding-3-small";
  sigil_embedding_t *e = nullptr;
  ASSERT_EQ(sigil_embedding_start(client, &es, &e), SIGIL_OK);
  std::string text = "MARK-EMBED " + secret;
  const char *texts[] = {text.c_str()};
  sigil_embedding_result_t r = SIGIL_EMBEDDING_RESULT_INIT;
  r.input_count = 1;
  r.input_texts = texts;
  r.input_texts_count = 1;
  sigil_embedding_set_result(e, &r);
  EXPECT_EQ(sigil_embedding_end(e, nullptr), SIGIL_OK);
  sigil_embedding_free(e);
}

std::string dump(const cJSON *j) {
  char *text = cJSON_PrintUnformatted(j);
  std::string out = text == nullptr ? "" : text;
  cJSON_free(text);
  return out;
}

class Privacy : public ::testing::TestWithParam<uint32_t> {
 protected:
  void SetUp() override { Harness::shared().reset(); }
  Harness &h() { return Harness::shared(); }
  const char *exports_kind() const { return GetParam() == SIGIL_PROTOCOL_HTTP ? "http_exports" : "grpc_exports"; }
};

TEST_P(Privacy, MetadataOnlyLeaksNoContentOnAnyPath) {
  sigil_client_t *client = make_client(h(), GetParam(), SIGIL_CONTENT_CAPTURE_METADATA_ONLY);
  record_everything(client, "nothing-secret");
  ASSERT_EQ(sigil_client_shutdown(client, 10000, nullptr), SIGIL_OK);
  sigil_client_free(client);

  Json exports = h().wait(exports_kind(), 1);
  Json traces = h().wait("otlp_traces", 1);
  const std::string wire = dump(exports.get()) + dump(traces.get());
  for (const char *m : kMarkers) {
    EXPECT_EQ(wire.find(m), std::string::npos) << m << " leaked";
    EXPECT_EQ(wire.find(b64(m).substr(0, 8)), std::string::npos) << m << " leaked (base64)";
  }
  Json gens = sigil_test::all_generations(exports.get());
  ASSERT_EQ(cJSON_GetArraySize(gens.get()), 1);
  const cJSON *g = cJSON_GetArrayItem(gens.get(), 0);
  EXPECT_EQ(str_at(g, {"metadata", "sigil.sdk.content_capture_mode"}), "metadata_only");
  EXPECT_EQ(str_at(g, {"call_error"}), "server_error");
  // Structure survives.
  EXPECT_EQ(str_at(g, {"input", "0", "role"}), "MESSAGE_ROLE_USER");
  EXPECT_EQ(str_at(g, {"output", "0", "parts", "2", "tool_call", "name"}), "weather");
  EXPECT_EQ(at(g, {"output", "0", "parts", "2", "tool_call", "input_json"}), nullptr);
  EXPECT_EQ(str_at(g, {"input", "0", "parts", "1", "media", "mime_type"}), "image/png");
  EXPECT_EQ(str_at(g, {"tools", "0", "name"}), "weather");
}

TEST_P(Privacy, BuiltInPatternsAreRedactedOnEveryPath) {
  sigil_client_t *client = make_client(h(), GetParam(), SIGIL_CONTENT_CAPTURE_FULL);
  record_everything(client, kGithubPat);
  ASSERT_EQ(sigil_client_shutdown(client, 10000, nullptr), SIGIL_OK);
  sigil_client_free(client);

  Json exports = h().wait(exports_kind(), 1);
  Json traces = h().wait("otlp_traces", 1);
  const std::string wire = dump(exports.get()) + dump(traces.get());
  EXPECT_EQ(wire.find(kGithubPat), std::string::npos);
  EXPECT_EQ(wire.find("abcdefghijklmnopqrstuvwxyz0123456789"), std::string::npos);
  for (const char *m : kMarkers) EXPECT_NE(wire.find(m), std::string::npos) << m << " should be exported in full mode";

  Json gens = sigil_test::all_generations(exports.get());
  ASSERT_EQ(cJSON_GetArraySize(gens.get()), 1);
  const cJSON *g = cJSON_GetArrayItem(gens.get(), 0);
  EXPECT_EQ(str_at(g, {"system_prompt"}), "MARK-PROMPT [REDACTED:github-pat]");
  EXPECT_EQ(str_at(g, {"input", "0", "parts", "0", "text"}), "MARK-USER-TEXT [REDACTED:github-pat]");
  EXPECT_EQ(str_at(g, {"output", "0", "parts", "2", "tool_call", "input_json"}),
            b64(R"({"q":"MARK-ARGS [REDACTED:github-pat]"})"));
  EXPECT_EQ(str_at(g, {"output", "1", "parts", "0", "tool_result", "content"}), "MARK-RESULT [REDACTED:github-pat]");
  EXPECT_EQ(str_at(g, {"call_error"}), "MARK-ERROR 503 [REDACTED:github-pat]");
  EXPECT_EQ(str_at(g, {"metadata", "sigil.conversation.title"}), "MARK-TITLE [REDACTED:github-pat]");
  EXPECT_EQ(str_at(g, {"metadata", "sigil.sdk.content_capture_mode"}), "full");
  EXPECT_NE(wire.find("MARK-EMBED [REDACTED:github-pat]"), std::string::npos);
  EXPECT_NE(wire.find("MARK-ARGS [REDACTED:github-pat]"), std::string::npos);  // tool span attribute
}

INSTANTIATE_TEST_SUITE_P(Transports, Privacy, ::testing::Values(SIGIL_PROTOCOL_HTTP, SIGIL_PROTOCOL_GRPC),
                         [](const ::testing::TestParamInfo<uint32_t> &i) {
                           return std::string(i.param == SIGIL_PROTOCOL_HTTP ? "http" : "grpc");
                         });

// The ABI surface: setters, struct versions, and the sanitizer round trip.
TEST(PrivacyAbi, SettersCheckTheirArguments) {
  sigil_options_t *o = nullptr;
  ASSERT_EQ(sigil_options_new(&o), SIGIL_OK);
  EXPECT_EQ(sigil_options_set_content_capture_mode(o, 5), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_content_capture_mode(nullptr, 1), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_content_capture_mode(o, SIGIL_CONTENT_CAPTURE_FULL), SIGIL_OK);
  EXPECT_EQ(sigil_options_set_redaction(o, 0x100), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_redaction(o, SIGIL_REDACT_SECRETS | SIGIL_REDACT_EMAIL), SIGIL_OK);
  EXPECT_EQ(sigil_options_set_max_field_bytes(o, 1024), SIGIL_OK);
  EXPECT_EQ(sigil_options_set_sanitizer(o, nullptr, nullptr), SIGIL_OK);
  EXPECT_EQ(sigil_options_set_content_capture_resolver(o, nullptr, nullptr), SIGIL_OK);
  EXPECT_EQ(sigil_sanitized_set(nullptr, "x", 1), SIGIL_E_INVALID_ARGUMENT);
  sigil_options_free(o);
  sigil_generation_start_t s;
  ASSERT_EQ(sigil_generation_start_init(&s), SIGIL_OK);
  EXPECT_EQ(s.version, SIGIL_GENERATION_START_VERSION);
  EXPECT_EQ(s.content_capture, SIGIL_CONTENT_CAPTURE_DEFAULT);
}

TEST(PrivacyAbi, VersionOneStartStructsAreStillAccepted) {
  Harness &h = Harness::shared();
  h.reset();
  sigil_client_t *client = make_client(h, SIGIL_PROTOCOL_HTTP, SIGIL_CONTENT_CAPTURE_METADATA_ONLY);
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  s.version = 1;  // a caller built against the version 1 header
  s.model_provider = "openai";
  s.model_name = "gpt-4o";
  s.system_prompt = "MARK-PROMPT";
  s.content_capture = SIGIL_CONTENT_CAPTURE_FULL;  // not read for version 1
  sigil_generation_t *g = nullptr;
  ASSERT_EQ(sigil_generation_start(client, &s, &g), SIGIL_OK);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);
  ASSERT_EQ(sigil_client_shutdown(client, 10000, nullptr), SIGIL_OK);
  sigil_client_free(client);
  Json gens = sigil_test::all_generations(h.wait("http_exports", 1).get());
  ASSERT_EQ(cJSON_GetArraySize(gens.get()), 1);
  EXPECT_EQ(str_at(cJSON_GetArrayItem(gens.get(), 0), {"metadata", "sigil.sdk.content_capture_mode"}), "metadata_only");
}

}  // namespace
