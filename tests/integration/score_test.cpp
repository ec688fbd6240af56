// Evaluation scores against the capture harness's score ingest on loopback:
// the request body, batching, retry after a 503, idempotency on the score
// id, per-item refusals, and the input errors that queue nothing.
#include <gtest/gtest.h>
#include <sigil/sigil.h>

#include <cmath>
#include <cstring>
#include <string>

#include "support/harness.h"

using sigil_test::at;
using sigil_test::Harness;
using sigil_test::Json;
using sigil_test::stats_of;
using sigil_test::str_at;

namespace {

sigil_client_t *make_score_client(uint32_t max_retries = 5) {
  sigil_options_t *o = nullptr;
  sigil_options_new(&o);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);  // scores do not need generation export
  EXPECT_EQ(sigil_options_set_api_endpoint(o, Harness::shared().api_endpoint().c_str()), SIGIL_OK);
  sigil_options_set_auth_mode(o, SIGIL_AUTH_TENANT);
  sigil_options_set_auth_tenant_id(o, "tenant-a");
  sigil_options_set_max_retries(o, max_retries);
  sigil_options_set_initial_backoff_ms(o, 10);
  sigil_options_set_max_backoff_ms(o, 50);
  sigil_client_t *client = nullptr;
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_new(o, &client, &err), SIGIL_OK) << sigil_error_message(err);
  sigil_error_free(err);
  sigil_options_free(o);
  return client;
}

sigil_score_t number_score(const char *id = "sc-1", double value = 0.82) {
  sigil_score_t s = SIGIL_SCORE_INIT;
  s.score_id = id;
  s.generation_id = "gen-1";
  s.evaluator_id = "my-evaluator";
  s.evaluator_version = "1.0.0";
  s.key = "helpfulness";
  s.value_kind = SIGIL_SCORE_VALUE_NUMBER;
  s.number_value = value;
  return s;
}

struct Submitted {
  sigil_status_t status = SIGIL_OK;
  std::string message, id;
};

Submitted submit(sigil_client_t *client, const sigil_score_t *score) {
  Submitted out;
  sigil_error_t *err = nullptr;
  char *id = nullptr;
  out.status = sigil_client_submit_score(client, score, &id, &err);
  out.message = sigil_error_message(err);
  EXPECT_EQ(sigil_error_code(err), out.status);
  EXPECT_EQ(id == nullptr, out.status != SIGIL_OK);
  if (id != nullptr) out.id = id;
  sigil_string_free(id);
  sigil_error_free(err);
  return out;
}

void flush(sigil_client_t *client) {
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_flush(client, 10000, &err), SIGIL_OK) << sigil_error_message(err);
  sigil_error_free(err);
}

class Scores : public ::testing::Test {
 protected:
  void SetUp() override { Harness::shared().reset(); }
};

TEST_F(Scores, InitMatchesTheMacro) {
  sigil_score_t a = SIGIL_SCORE_INIT, b;
  std::memset(&b, 0xff, sizeof b);
  ASSERT_EQ(sigil_score_init(&b), SIGIL_OK);
  EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0);
  EXPECT_EQ(sigil_score_init(nullptr), SIGIL_E_INVALID_ARGUMENT);
}

TEST_F(Scores, EveryFieldArrivesInTheContractShape) {
  sigil_client_t *client = make_score_client();
  sigil_score_t s = number_score();
  s.conversation_id = " conv-9 ";
  s.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  s.span_id = "00f067aa0ba902b7";
  s.passed = SIGIL_SCORE_PASSED_TRUE;
  s.label = "good";
  s.rationale = "answers the question";
  const char md[] = "{\"runtime_ms\": 12}";
  s.metadata_json = md;
  s.metadata_json_len = sizeof md - 1;
  s.created_at_ns = 1771322400000000000;  // 2026-02-17T10:00:00Z
  Submitted r = submit(client, &s);
  ASSERT_EQ(r.status, SIGIL_OK) << r.message;
  EXPECT_EQ(r.id, "sc-1");
  flush(client);

  Json caps = Harness::shared().wait("scores", 1);
  const cJSON *cap = at(caps.get(), {"0"});
  ASSERT_NE(cap, nullptr);
  EXPECT_EQ(str_at(cap, {"path"}), "/api/v1/scores:export");
  EXPECT_EQ(str_at(cap, {"headers", "x-scope-orgid"}), "tenant-a");
  const cJSON *item = at(cap, {"json", "scores", "0"});
  ASSERT_NE(item, nullptr) << str_at(cap, {"body"});
  EXPECT_EQ(str_at(item, {"score_id"}), "sc-1");
  EXPECT_EQ(str_at(item, {"generation_id"}), "gen-1");
  EXPECT_EQ(str_at(item, {"conversation_id"}), "conv-9");
  EXPECT_EQ(str_at(item, {"trace_id"}), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(str_at(item, {"span_id"}), "00f067aa0ba902b7");
  EXPECT_EQ(str_at(item, {"evaluator_id"}), "my-evaluator");
  EXPECT_EQ(str_at(item, {"evaluator_version"}), "1.0.0");
  EXPECT_EQ(str_at(item, {"score_key"}), "helpfulness");
  EXPECT_DOUBLE_EQ(at(item, {"value", "number"})->valuedouble, 0.82);
  EXPECT_TRUE(cJSON_IsTrue(at(item, {"passed"})));
  EXPECT_EQ(str_at(item, {"explanation"}), "answers the question");
  EXPECT_EQ(str_at(item, {"metadata", "label"}), "good");
  EXPECT_EQ(at(item, {"metadata", "runtime_ms"})->valueint, 12);
  EXPECT_EQ(str_at(item, {"created_at"}), "2026-02-17T10:00:00Z");
  EXPECT_TRUE(cJSON_IsTrue(at(cap, {"results", "0", "accepted"})));

  sigil_stats_t st = stats_of(client);
  EXPECT_EQ(st.scores_enqueued, 1u);
  EXPECT_EQ(st.scores_exported, 1u);
  EXPECT_EQ(st.scores_rejected, 0u);
  EXPECT_EQ(st.scores_dropped, 0u);
  sigil_client_free(client);
}

TEST_F(Scores, BoolAndStringValuesAndAGeneratedIdBatchTogether) {
  sigil_client_t *client = make_score_client();
  sigil_score_t b = number_score("");
  b.value_kind = SIGIL_SCORE_VALUE_BOOL;
  b.bool_value = 1;
  sigil_score_t s = number_score("sc-str");
  s.value_kind = SIGIL_SCORE_VALUE_STRING;
  s.string_value = "excellent";
  Submitted rb = submit(client, &b), rs = submit(client, &s);
  ASSERT_EQ(rb.status, SIGIL_OK) << rb.message;
  ASSERT_EQ(rs.status, SIGIL_OK) << rs.message;
  EXPECT_EQ(rb.id.rfind("sc_", 0), 0u) << rb.id;
  EXPECT_EQ(rb.id.size(), 19u);
  flush(client);

  Json caps = Harness::shared().captures("scores");
  ASSERT_EQ(cJSON_GetArraySize(caps.get()), 1);  // one request for both
  EXPECT_EQ(str_at(caps.get(), {"0", "json", "scores", "0", "score_id"}), rb.id);
  EXPECT_TRUE(cJSON_IsTrue(at(caps.get(), {"0", "json", "scores", "0", "value", "bool"})));
  EXPECT_EQ(str_at(caps.get(), {"0", "json", "scores", "1", "value", "string"}), "excellent");
  EXPECT_EQ(at(caps.get(), {"0", "json", "scores", "0", "passed"}), nullptr);  // unset: not sent
  EXPECT_EQ(stats_of(client).scores_exported, 2u);
  sigil_client_free(client);
}

TEST_F(Scores, A503IsRetriedWithTheSameBodyThenDelivered) {
  Harness::shared().script("api", R"([{"status": 503}, {"status": 503}])");
  sigil_client_t *client = make_score_client();
  sigil_score_t s = number_score("sc-retry");
  ASSERT_EQ(submit(client, &s).status, SIGIL_OK);
  flush(client);

  Json caps = Harness::shared().captures("scores");
  ASSERT_EQ(cJSON_GetArraySize(caps.get()), 3);
  EXPECT_EQ(str_at(caps.get(), {"0", "body"}), str_at(caps.get(), {"2", "body"}));
  EXPECT_EQ(at(caps.get(), {"2", "response", "status"})->valueint, 202);
  sigil_stats_t st = stats_of(client);
  EXPECT_EQ(st.scores_exported, 1u);
  EXPECT_EQ(st.score_export_attempts, 3u);
  EXPECT_EQ(st.score_export_retries, 2u);
  EXPECT_EQ(st.scores_dropped, 0u);
  sigil_client_free(client);
}

TEST_F(Scores, RetriesRunOutThenTheScoreIsCountedAsDropped) {
  Harness::shared().script("api", R"([{"status": 503}, {"status": 503}])");
  sigil_client_t *client = make_score_client(1);
  sigil_score_t s = number_score("sc-lost");
  ASSERT_EQ(submit(client, &s).status, SIGIL_OK);
  flush(client);
  sigil_stats_t st = stats_of(client);
  EXPECT_EQ(st.scores_exported, 0u);
  EXPECT_EQ(st.scores_dropped, 1u);
  EXPECT_EQ(st.score_export_attempts, 2u);
  sigil_client_free(client);
}

TEST_F(Scores, ResendingAScoreIdIsAcceptedAndKeepsTheFirstScore) {
  sigil_client_t *client = make_score_client();
  sigil_score_t first = number_score("sc-same", 0.25);
  ASSERT_EQ(submit(client, &first).status, SIGIL_OK);
  flush(client);
  sigil_score_t again = number_score("sc-same", 0.99);
  ASSERT_EQ(submit(client, &again).status, SIGIL_OK);
  flush(client);

  Json caps = Harness::shared().captures("scores");
  ASSERT_EQ(cJSON_GetArraySize(caps.get()), 2);
  EXPECT_TRUE(cJSON_IsTrue(at(caps.get(), {"1", "results", "0", "accepted"})));
  sigil_stats_t st = stats_of(client);
  EXPECT_EQ(st.scores_exported, 2u);
  EXPECT_EQ(st.scores_rejected, 0u);
  sigil_client_free(client);
}

TEST_F(Scores, AnItemTheServerRefusesIsCountedAsRejected) {
  Harness::shared().script("api",
                           R"([{"status": 202, "body": {"results": [{"score_id": "sc-unknown-gen", "accepted": false,
          "error": "generation_id was not found"}]}}])");
  sigil_client_t *client = make_score_client();
  sigil_score_t s = number_score("sc-unknown-gen");
  ASSERT_EQ(submit(client, &s).status, SIGIL_OK);
  flush(client);
  sigil_stats_t st = stats_of(client);
  EXPECT_EQ(st.scores_rejected, 1u);
  EXPECT_EQ(st.scores_exported, 0u);
  sigil_client_free(client);
}

TEST_F(Scores, ARequestTheServerRefusesIsNotRetried) {
  // A 400 for the whole request: not retried, every score in it rejected.
  Harness::shared().script("api", R"([{"status": 400, "body": "invalid request body"}])");
  sigil_client_t *client = make_score_client();
  sigil_score_t s = number_score("sc-refused");
  ASSERT_EQ(submit(client, &s).status, SIGIL_OK);
  flush(client);
  sigil_stats_t st = stats_of(client);
  EXPECT_EQ(st.scores_rejected, 1u);
  EXPECT_EQ(st.score_export_attempts, 1u);
  sigil_client_free(client);
}

TEST_F(Scores, InvalidInputIsAnErrorAndNothingIsQueued) {
  sigil_client_t *client = make_score_client();
  EXPECT_EQ(submit(client, nullptr).status, SIGIL_E_INVALID_ARGUMENT);
  sigil_score_t s = number_score();
  EXPECT_EQ(sigil_client_submit_score(nullptr, &s, nullptr, nullptr), SIGIL_E_INVALID_ARGUMENT);

  sigil_score_t bad_version = number_score();
  bad_version.version = 99;
  EXPECT_EQ(submit(client, &bad_version).status, SIGIL_E_INVALID_ARGUMENT);

  sigil_score_t no_generation = number_score();
  no_generation.generation_id = "  ";
  Submitted r = submit(client, &no_generation);
  EXPECT_EQ(r.status, SIGIL_E_VALIDATION);
  EXPECT_NE(r.message.find("generation id is required"), std::string::npos) << r.message;

  sigil_score_t no_kind = number_score();
  no_kind.value_kind = 0;
  r = submit(client, &no_kind);
  EXPECT_EQ(r.status, SIGIL_E_VALIDATION);
  EXPECT_NE(r.message.find("value kind"), std::string::npos) << r.message;
  sigil_score_t bad_kind = number_score();
  bad_kind.value_kind = 7;
  EXPECT_EQ(submit(client, &bad_kind).status, SIGIL_E_VALIDATION);

  sigil_score_t nan = number_score();
  nan.number_value = std::nan("");
  EXPECT_EQ(submit(client, &nan).status, SIGIL_E_VALIDATION);

  sigil_score_t no_evaluator = number_score();
  no_evaluator.evaluator_version = nullptr;
  EXPECT_EQ(submit(client, &no_evaluator).status, SIGIL_E_VALIDATION);

  sigil_score_t bad_md = number_score();
  bad_md.metadata_json = "[1]";
  bad_md.metadata_json_len = 3;
  EXPECT_EQ(submit(client, &bad_md).status, SIGIL_E_VALIDATION);

  sigil_score_t bad_utf8 = number_score();
  bad_utf8.key = "\xff";
  EXPECT_EQ(submit(client, &bad_utf8).status, SIGIL_E_INVALID_UTF8);

  flush(client);
  EXPECT_EQ(stats_of(client).scores_enqueued, 0u);
  EXPECT_EQ(cJSON_GetArraySize(Harness::shared().captures("scores").get()), 0);
  sigil_client_free(client);
}

TEST_F(Scores, AfterShutdownASubmissionIsRefused) {
  sigil_client_t *client = make_score_client();
  ASSERT_EQ(sigil_client_shutdown(client, 1000, nullptr), SIGIL_OK);
  sigil_score_t s = number_score();
  EXPECT_EQ(submit(client, &s).status, SIGIL_E_SHUTDOWN);
  sigil_client_free(client);
}

}  // namespace
