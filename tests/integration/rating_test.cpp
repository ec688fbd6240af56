// Conversation ratings (the Sigil API client) against the capture harness's
// ratings API on loopback: what arrives, what comes back, and how each
// failure maps to a status code.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sigil/sigil.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "support/harness.h"

using sigil_test::at;
using sigil_test::Harness;
using sigil_test::Json;
using sigil_test::str_at;

namespace {

struct RatingClientOptions {
  std::string api_endpoint;
  bool set_api_endpoint = true;
  uint32_t auth_mode = SIGIL_AUTH_NONE;
  const char *tenant = nullptr;
  const char *token = nullptr;
  const char *header_name = nullptr;
  const char *header_value = nullptr;
  bool use_environment = false;
};

sigil_client_t *make_rating_client(const RatingClientOptions &c) {
  sigil_options_t *o = nullptr;
  sigil_options_new(&o);
  sigil_options_set_use_environment(o, c.use_environment ? 1 : 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);  // ratings do not need generation export
  if (c.set_api_endpoint) EXPECT_EQ(sigil_options_set_api_endpoint(o, c.api_endpoint.c_str()), SIGIL_OK);
  sigil_options_set_auth_mode(o, c.auth_mode);
  if (c.tenant) sigil_options_set_auth_tenant_id(o, c.tenant);
  if (c.token) sigil_options_set_auth_bearer_token(o, c.token);
  if (c.header_name) sigil_options_set_header(o, c.header_name, c.header_value);
  sigil_client_t *client = nullptr;
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_new(o, &client, &err), SIGIL_OK) << sigil_error_message(err);
  sigil_error_free(err);
  sigil_options_free(o);
  return client;
}

// The outcome of one submission, with the error message kept.
struct Submitted {
  sigil_status_t status = SIGIL_OK;
  std::string message;
  sigil_rating_result_t *result = nullptr;
  ~Submitted() { sigil_rating_result_free(result); }
};

void submit(sigil_client_t *client, const sigil_rating_input_t &input, Submitted &out, uint32_t timeout_ms = 5000) {
  sigil_error_t *err = nullptr;
  out.status = sigil_client_submit_rating(client, &input, timeout_ms, &out.result, &err);
  out.message = sigil_error_message(err);
  EXPECT_EQ(sigil_error_code(err), out.status);
  EXPECT_EQ(out.result == nullptr, out.status != SIGIL_OK);
  sigil_error_free(err);
}

sigil_rating_input_t minimal_input(const char *conversation = "conv-1", const char *rating_id = "rating-1") {
  sigil_rating_input_t in = SIGIL_RATING_INPUT_INIT;
  in.conversation_id = conversation;
  in.rating_id = rating_id;
  in.rating = SIGIL_RATING_GOOD;
  return in;
}

class Ratings : public ::testing::Test {
 protected:
  void SetUp() override { Harness::shared().reset(); }
  Harness &h() { return Harness::shared(); }
  RatingClientOptions opts() {
    RatingClientOptions c;
    c.api_endpoint = h().api_endpoint();
    return c;
  }
  int sent() { return cJSON_GetArraySize(h().captures("ratings").get()); }
};

}  // namespace

TEST_F(Ratings, EveryFieldRoundTripsIncludingAnIdThatNeedsEscaping) {
  RatingClientOptions c = opts();
  c.auth_mode = SIGIL_AUTH_TENANT;
  c.tenant = "tenant-9";
  c.header_name = "X-Extra";
  c.header_value = "extra-1";
  sigil_client_t *client = make_rating_client(c);
  const char *conversation = "conv/with space?&#%é:@";
  sigil_rating_input_t in = minimal_input(conversation, "  rating-42  ");
  in.comment = "Great answer, \"quoted\" and ünïcode";
  const char md[] = "{ \"score\" : 9,\n \"tags\": [\"a\", \"b c\"], \"nested\": {\"ok\": true} }";
  in.metadata_json = md;
  in.metadata_json_len = sizeof md - 1;
  in.generation_id = "gen_abc";
  in.rater_id = "user-5";
  in.source = "sdk";
  Submitted out;
  submit(client, in, out);
  ASSERT_EQ(out.status, SIGIL_OK) << out.message;

  // What the server received.
  Json caps = h().captures("ratings");
  ASSERT_EQ(cJSON_GetArraySize(caps.get()), 1);
  const cJSON *cap = cJSON_GetArrayItem(caps.get(), 0);
  EXPECT_EQ(str_at(cap, {"method"}), "POST");
  EXPECT_EQ(str_at(cap, {"conversation_id"}), conversation);
  EXPECT_EQ(str_at(cap, {"raw_path"}), "/api/v1/conversations/conv%2Fwith%20space%3F&%23%25%C3%A9:@/ratings");
  EXPECT_EQ(str_at(cap, {"headers", "content-type"}), "application/json");
  EXPECT_EQ(str_at(cap, {"headers", "x-scope-orgid"}), "tenant-9");
  EXPECT_EQ(str_at(cap, {"headers", "x-extra"}), "extra-1");
  const cJSON *body = at(cap, {"json"});
  ASSERT_TRUE(cJSON_IsObject(body)) << str_at(cap, {"body"});
  EXPECT_EQ(str_at(body, {"rating_id"}), "rating-42");  // trimmed
  EXPECT_EQ(str_at(body, {"rating"}), "CONVERSATION_RATING_VALUE_GOOD");
  EXPECT_EQ(str_at(body, {"comment"}), "Great answer, \"quoted\" and ünïcode");
  EXPECT_EQ(at(body, {"metadata", "score"})->valuedouble, 9);
  EXPECT_EQ(str_at(body, {"metadata", "tags", "1"}), "b c");
  EXPECT_TRUE(cJSON_IsTrue(at(body, {"metadata", "nested", "ok"})));
  EXPECT_EQ(str_at(body, {"generation_id"}), "gen_abc");
  EXPECT_EQ(str_at(body, {"rater_id"}), "user-5");
  EXPECT_EQ(str_at(body, {"source"}), "sdk");
  EXPECT_EQ(cJSON_GetArraySize(body), 7);

  // What came back.
  size_t len = 0;
  std::string json = sigil_rating_result_json(out.result, &len);
  EXPECT_EQ(json.size(), len);
  Json parsed = sigil_test::parse_json(json);
  ASSERT_TRUE(parsed) << json;
  EXPECT_EQ(str_at(parsed.get(), {"rating", "rating_id"}), "rating-42");
  EXPECT_STREQ(sigil_rating_result_rating_id(out.result), "rating-42");
  EXPECT_STREQ(sigil_rating_result_conversation_id(out.result), conversation);
  EXPECT_STREQ(sigil_rating_result_generation_id(out.result), "gen_abc");
  EXPECT_STREQ(sigil_rating_result_comment(out.result), "Great answer, \"quoted\" and ünïcode");
  EXPECT_STREQ(sigil_rating_result_rater_id(out.result), "user-5");
  EXPECT_STREQ(sigil_rating_result_source(out.result), "sdk");
  EXPECT_STREQ(sigil_rating_result_metadata_json(out.result), R"({"score":9,"tags":["a","b c"],"nested":{"ok":true}})");
  EXPECT_EQ(sigil_rating_result_rating(out.result), SIGIL_RATING_GOOD);
  EXPECT_FALSE(std::string(sigil_rating_result_created_at(out.result)).empty());
  EXPECT_GT(sigil_rating_result_created_at_ns(out.result), 1700000000LL * 1000000000LL);
  sigil_rating_summary_t summary = SIGIL_RATING_SUMMARY_INIT;
  ASSERT_EQ(sigil_rating_result_summary(out.result, &summary), SIGIL_OK);
  EXPECT_EQ(summary.total_count, 1u);
  EXPECT_EQ(summary.good_count, 1u);
  EXPECT_EQ(summary.bad_count, 0u);
  EXPECT_EQ(summary.latest_rating, SIGIL_RATING_GOOD);
  EXPECT_EQ(summary.has_bad_rating, 0);
  EXPECT_GT(summary.latest_rated_at_ns, 0);
  EXPECT_EQ(summary.latest_bad_at_ns, 0);  // the server's zero time means none

  // A second, bad rating of the same conversation updates the summary.
  sigil_rating_input_t bad = minimal_input(conversation, "rating-43");
  bad.rating = SIGIL_RATING_BAD;
  Submitted out2;
  submit(client, bad, out2);
  ASSERT_EQ(out2.status, SIGIL_OK) << out2.message;
  EXPECT_EQ(sigil_rating_result_rating(out2.result), SIGIL_RATING_BAD);
  sigil_rating_summary_t s2 = SIGIL_RATING_SUMMARY_INIT;
  ASSERT_EQ(sigil_rating_result_summary(out2.result, &s2), SIGIL_OK);
  EXPECT_EQ(s2.total_count, 2u);
  EXPECT_EQ(s2.bad_count, 1u);
  EXPECT_EQ(s2.latest_rating, SIGIL_RATING_BAD);
  EXPECT_EQ(s2.has_bad_rating, 1);
  EXPECT_GT(s2.latest_bad_at_ns, 0);
  sigil_client_free(client);
}

TEST_F(Ratings, EmptyOptionalFieldsAreLeftOut) {
  sigil_client_t *client = make_rating_client(opts());
  sigil_rating_input_t in = minimal_input();
  in.comment = "   ";
  in.metadata_json = "{}";
  in.metadata_json_len = 2;
  in.source = "";
  Submitted out;
  submit(client, in, out);
  ASSERT_EQ(out.status, SIGIL_OK) << out.message;
  Json caps = h().captures("ratings");
  EXPECT_EQ(str_at(cJSON_GetArrayItem(caps.get(), 0), {"body"}),
            R"({"rating_id":"rating-1","rating":"CONVERSATION_RATING_VALUE_GOOD"})");
  EXPECT_STREQ(sigil_rating_result_metadata_json(out.result), "");
  sigil_client_free(client);
}

TEST_F(Ratings, InvalidInputFailsLocallyAndSendsNothing) {
  sigil_client_t *client = make_rating_client(opts());
  struct Case {
    const char *what;
    sigil_rating_input_t input;
    sigil_status_t expect;
    const char *mentions;
  };
  std::string long_source(65, 's');
  std::string long_rating_id(129, 'r');
  std::string long_conversation(256, 'c');
  sigil_rating_input_t no_conversation = minimal_input("  ");
  sigil_rating_input_t no_rating_id = minimal_input("conv", nullptr);
  sigil_rating_input_t no_rating = minimal_input();
  no_rating.rating = SIGIL_RATING_UNSPECIFIED;
  sigil_rating_input_t odd_rating = minimal_input();
  odd_rating.rating = 7;
  sigil_rating_input_t too_long_source = minimal_input();
  too_long_source.source = long_source.c_str();
  sigil_rating_input_t too_long_id = minimal_input("conv", long_rating_id.c_str());
  sigil_rating_input_t too_long_conversation = minimal_input(long_conversation.c_str());
  sigil_rating_input_t array_metadata = minimal_input();
  array_metadata.metadata_json = "[1,2]";
  array_metadata.metadata_json_len = 5;
  sigil_rating_input_t broken_metadata = minimal_input();
  broken_metadata.metadata_json = "{\"a\":";
  broken_metadata.metadata_json_len = 5;
  // A raw newline inside a string is not JSON (RFC 8259), though lenient
  // parsers accept it; the privacy pass could not read it either.
  sigil_rating_input_t raw_newline_metadata = minimal_input();
  raw_newline_metadata.metadata_json = "{\"note\":\"line 1\nline 2\"}";
  raw_newline_metadata.metadata_json_len = std::strlen(raw_newline_metadata.metadata_json);
  sigil_rating_input_t bad_utf8 = minimal_input();
  bad_utf8.comment = "bad \xff";
  sigil_rating_input_t wrong_version = minimal_input();
  wrong_version.version = 99;
  const Case cases[] = {
      {"blank conversation", no_conversation, SIGIL_E_RATING_VALIDATION, "conversation id is required"},
      {"no rating id", no_rating_id, SIGIL_E_RATING_VALIDATION, "rating id is required"},
      {"no rating", no_rating, SIGIL_E_RATING_VALIDATION, "CONVERSATION_RATING_VALUE_GOOD"},
      {"unknown rating", odd_rating, SIGIL_E_RATING_VALIDATION, "SIGIL_RATING_BAD"},
      {"long source", too_long_source, SIGIL_E_RATING_VALIDATION, "source is too long"},
      {"long rating id", too_long_id, SIGIL_E_RATING_VALIDATION, "rating id is too long"},
      {"long conversation", too_long_conversation, SIGIL_E_RATING_VALIDATION, "conversation id is too long"},
      {"array metadata", array_metadata, SIGIL_E_RATING_VALIDATION, "metadata must be a JSON object"},
      {"broken metadata", broken_metadata, SIGIL_E_RATING_VALIDATION, "metadata must be a JSON object"},
      {"raw newline in metadata", raw_newline_metadata, SIGIL_E_RATING_VALIDATION, "metadata must be a JSON object"},
      {"invalid UTF-8", bad_utf8, SIGIL_E_INVALID_UTF8, "comment"},
      {"wrong version", wrong_version, SIGIL_E_INVALID_ARGUMENT, "version"},
  };
  for (const Case &k : cases) {
    Submitted out;
    submit(client, k.input, out);
    EXPECT_EQ(out.status, k.expect) << k.what << ": " << out.message;
    EXPECT_NE(out.message.find(k.mentions), std::string::npos) << k.what << ": " << out.message;
  }
  sigil_rating_result_t *result = nullptr;
  sigil_rating_input_t ok = minimal_input();
  EXPECT_EQ(sigil_client_submit_rating(nullptr, &ok, 0, &result, nullptr), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_client_submit_rating(client, nullptr, 0, &result, nullptr), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_client_submit_rating(client, &ok, 0, nullptr, nullptr), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(result, nullptr);
  EXPECT_EQ(sent(), 0);
  sigil_client_free(client);
}

TEST_F(Ratings, BadRequestConflictAndServerErrorMapToDistinctCodes) {
  h().script("api", R"([{"status":400,"body":"rating_id: invalid characters"},)"
                    R"({"status":409,"body":"rating id already used with different content"},)"
                    R"({"status":500},{"status":503,"body":""}])");
  sigil_client_t *client = make_rating_client(opts());
  sigil_rating_input_t in = minimal_input();
  Submitted bad_request, conflict, server_error, unavailable;
  submit(client, in, bad_request);
  submit(client, in, conflict);
  submit(client, in, server_error);
  submit(client, in, unavailable);
  EXPECT_EQ(bad_request.status, SIGIL_E_REJECTED);
  EXPECT_NE(bad_request.message.find("HTTP 400"), std::string::npos) << bad_request.message;
  EXPECT_NE(bad_request.message.find("rating_id: invalid characters"), std::string::npos) << bad_request.message;
  EXPECT_EQ(conflict.status, SIGIL_E_RATING_CONFLICT);
  EXPECT_NE(conflict.message.find("already used"), std::string::npos) << conflict.message;
  EXPECT_EQ(server_error.status, SIGIL_E_TRANSPORT);
  EXPECT_NE(server_error.message.find("HTTP 500"), std::string::npos) << server_error.message;
  EXPECT_EQ(unavailable.status, SIGIL_E_TRANSPORT);
  EXPECT_NE(unavailable.message.find("HTTP 503: Service Unavailable"), std::string::npos) << unavailable.message;
  EXPECT_EQ(sent(), 4);  // never retried
  sigil_client_free(client);
}

TEST_F(Ratings, GarbageOrDroppedAnswersAreTransportErrors) {
  h().script("api", R"([{"status":200,"body":"<html>not json"},{"status":200,"body":"[1,2]"},)"
                    R"({"status":200,"body":{"rating":"oops"}},{"close":true}])");
  sigil_client_t *client = make_rating_client(opts());
  sigil_rating_input_t in = minimal_input();
  for (const char *what : {"not json", "not an object", "wrong shape", "closed"}) {
    Submitted out;
    submit(client, in, out);
    EXPECT_EQ(out.status, SIGIL_E_TRANSPORT) << what << ": " << out.message;
    if (std::strcmp(what, "closed") != 0) {
      EXPECT_NE(out.message.find("malformed rating response"), std::string::npos) << what << ": " << out.message;
    }
  }
  sigil_client_free(client);
}

TEST_F(Ratings, SlowServerTimesOut) {
  h().script("api", R"([{"delay_ms":3000}])");
  sigil_client_t *client = make_rating_client(opts());
  Submitted out;
  auto before = std::chrono::steady_clock::now();
  submit(client, minimal_input(), out, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(2000));
  EXPECT_EQ(out.status, SIGIL_E_TIMEOUT) << out.message;
  sigil_client_free(client);
}

TEST_F(Ratings, AbsentServerIsATransportError) {
  RatingClientOptions c = opts();
  c.api_endpoint = "http://127.0.0.1:" + std::to_string(sigil_test::closed_loopback_port()) + "/some/prefix";
  sigil_client_t *client = make_rating_client(c);
  Submitted out;
  submit(client, minimal_input(), out);
  EXPECT_EQ(out.status, SIGIL_E_TRANSPORT) << out.message;
  EXPECT_NE(out.message.find("/api/v1/conversations/conv-1/ratings"), std::string::npos) << out.message;
  sigil_client_free(client);
}

TEST_F(Ratings, EndpointComesFromTheEnvironmentAndBearerAuthIsSent) {
  std::string endpoint = "127.0.0.1:" + std::to_string(h().port("api"));  // no scheme: loopback is plaintext
  setenv("SIGIL_API_ENDPOINT", endpoint.c_str(), 1);
  RatingClientOptions c = opts();
  c.set_api_endpoint = false;
  c.use_environment = true;
  c.auth_mode = SIGIL_AUTH_BEARER;
  c.token = "tok-9";
  sigil_client_t *client = make_rating_client(c);
  unsetenv("SIGIL_API_ENDPOINT");
  Submitted out;
  submit(client, minimal_input(), out);
  EXPECT_EQ(out.status, SIGIL_OK) << out.message;
  Json caps = h().captures("ratings");
  EXPECT_EQ(str_at(cJSON_GetArrayItem(caps.get(), 0), {"headers", "authorization"}), "Bearer tok-9");
  sigil_client_free(client);
}

TEST_F(Ratings, ShutDownClientRefuses) {
  sigil_client_t *client = make_rating_client(opts());
  ASSERT_EQ(sigil_client_shutdown(client, 1000, nullptr), SIGIL_OK);
  Submitted out;
  submit(client, minimal_input(), out);
  EXPECT_EQ(out.status, SIGIL_E_SHUTDOWN);
  EXPECT_EQ(sent(), 0);
  sigil_client_free(client);
}

TEST(RatingInput, InitFunctionMatchesTheMacroAndNullAccessorsAreSafe) {
  sigil_rating_input_t from_macro = SIGIL_RATING_INPUT_INIT;
  sigil_rating_input_t from_fn;
  std::memset(&from_fn, 0xab, sizeof from_fn);
  ASSERT_EQ(sigil_rating_input_init(&from_fn), SIGIL_OK);
  for (const sigil_rating_input_t *in : {&from_macro, &from_fn}) {
    EXPECT_EQ(in->version, SIGIL_RATING_INPUT_VERSION);
    EXPECT_EQ(in->conversation_id, nullptr);
    EXPECT_EQ(in->rating_id, nullptr);
    EXPECT_EQ(in->rating, SIGIL_RATING_UNSPECIFIED);
    EXPECT_EQ(in->comment, nullptr);
    EXPECT_EQ(in->metadata_json, nullptr);
    EXPECT_EQ(in->metadata_json_len, 0u);
    EXPECT_EQ(in->generation_id, nullptr);
    EXPECT_EQ(in->rater_id, nullptr);
    EXPECT_EQ(in->source, nullptr);
  }
  EXPECT_EQ(sigil_rating_input_init(nullptr), SIGIL_E_INVALID_ARGUMENT);

  size_t len = 1;
  EXPECT_STREQ(sigil_rating_result_json(nullptr, &len), "");
  EXPECT_EQ(len, 0u);
  EXPECT_STREQ(sigil_rating_result_rating_id(nullptr), "");
  EXPECT_EQ(sigil_rating_result_rating(nullptr), SIGIL_RATING_UNSPECIFIED);
  EXPECT_EQ(sigil_rating_result_created_at_ns(nullptr), 0);
  sigil_rating_summary_t s = SIGIL_RATING_SUMMARY_INIT;
  EXPECT_EQ(sigil_rating_result_summary(nullptr, &s), SIGIL_E_INVALID_ARGUMENT);
  sigil_rating_result_free(nullptr);
}
