// Section: Telemetry (span callback, metrics snapshot, OTLP options).
#include <gtest/gtest.h>
#include <sigil/sigil.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

struct Seen {
  std::vector<std::string> names;
  std::vector<uint32_t> kinds;
  std::string finish_reason;
  int64_t max_tokens = -1;
  std::string exception_type;
  uint32_t status = 99;
};

void on_span(void *user, const sigil_span_t *span) {
  auto *seen = static_cast<Seen *>(user);
  seen->names.emplace_back(span->name, span->name_len);
  seen->kinds.push_back(span->kind);
  seen->status = span->status_code;
  for (size_t i = 0; i < span->attributes_count; ++i) {
    const sigil_attribute_t &a = span->attributes[i];
    if (std::strcmp(a.key, "gen_ai.response.finish_reasons") == 0 && a.type == SIGIL_ATTRIBUTE_STRING_ARRAY &&
        a.string_values_count == 1) {
      seen->finish_reason.assign(a.string_values[0], a.string_value_lens[0]);
    }
    if (std::strcmp(a.key, "gen_ai.request.max_tokens") == 0 && a.type == SIGIL_ATTRIBUTE_INT) {
      seen->max_tokens = a.int_value;
    }
  }
  for (size_t i = 0; i < span->events_count; ++i) {
    for (size_t k = 0; k < span->events[i].attributes_count; ++k) {
      const sigil_attribute_t &a = span->events[i].attributes[k];
      if (std::strcmp(a.key, "exception.type") == 0) seen->exception_type.assign(a.string_value, a.string_value_len);
    }
  }
}

sigil_client_t *client_with_callback(Seen *seen) {
  sigil_options_t *o = nullptr;
  EXPECT_EQ(sigil_options_new(&o), SIGIL_OK);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
  EXPECT_EQ(sigil_options_set_span_callback(o, on_span, seen), SIGIL_OK);
  sigil_client_t *c = nullptr;
  EXPECT_EQ(sigil_client_new(o, &c, nullptr), SIGIL_OK);
  sigil_options_free(o);
  return c;
}

}  // namespace

TEST(TelemetryOptions, NullOptionsAreRejected) {
  EXPECT_EQ(sigil_options_set_otlp_endpoint(nullptr, "http://x"), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_otlp_traces_endpoint(nullptr, "http://x"), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_otlp_metrics_endpoint(nullptr, "http://x"), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_otlp_header(nullptr, "a", "b"), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_service_name(nullptr, "s"), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_resource_attribute(nullptr, "k", "v"), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_sdk_language(nullptr, "go"), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_metric_export_interval_ms(nullptr, 1), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_embedding_capture(nullptr, 1, 0, 0), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_span_callback(nullptr, on_span, nullptr), SIGIL_E_INVALID_ARGUMENT);
}

TEST(TelemetryOptions, ValuesAreChecked) {
  sigil_options_t *o = nullptr;
  ASSERT_EQ(sigil_options_new(&o), SIGIL_OK);
  EXPECT_EQ(sigil_options_set_otlp_header(o, nullptr, "v"), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_otlp_header(o, "", "v"), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_resource_attribute(o, "k", "\xff"), SIGIL_E_INVALID_UTF8);
  EXPECT_EQ(sigil_options_set_service_name(o, "\xc3"), SIGIL_E_INVALID_UTF8);
  EXPECT_EQ(sigil_options_set_otlp_endpoint(o, nullptr), SIGIL_OK);  // unsets
  // A malformed endpoint is a configuration error at client creation.
  EXPECT_EQ(sigil_options_set_otlp_endpoint(o, "ftp://collector"), SIGIL_OK);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
  sigil_client_t *c = nullptr;
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_new(o, &c, &err), SIGIL_E_CONFIG);
  EXPECT_NE(std::string(sigil_error_message(err)).find("ftp"), std::string::npos);
  sigil_error_free(err);
  sigil_options_free(o);
}

TEST(SpanCallback, ReceivesEveryFinishedSpan) {
  Seen seen;
  sigil_client_t *c = client_with_callback(&seen);
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  s.model_provider = "openai";
  s.model_name = "gpt-4o";
  s.has_max_tokens = 1;
  s.max_tokens = 256;
  sigil_generation_t *g = nullptr;
  ASSERT_EQ(sigil_generation_start(c, &s, &g), SIGIL_OK);
  sigil_generation_add_message(g, SIGIL_INPUT, SIGIL_ROLE_USER, nullptr);
  sigil_generation_add_text(g, SIGIL_INPUT, "hi", 2);
  sigil_generation_set_response(g, nullptr, nullptr, "stop");
  ASSERT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);
  ASSERT_EQ(seen.names.size(), 1u);  // delivered before end returned
  EXPECT_EQ(seen.names[0], "generateText gpt-4o");
  EXPECT_EQ(seen.kinds[0], SIGIL_SPAN_KIND_CLIENT);
  EXPECT_EQ(seen.status, SIGIL_SPAN_STATUS_UNSET);  // success leaves it Unset
  EXPECT_EQ(seen.finish_reason, "stop");
  EXPECT_EQ(seen.max_tokens, 256);

  sigil_tool_execution_start_t ts = SIGIL_TOOL_EXECUTION_START_INIT;
  ts.tool_name = "search";
  sigil_tool_execution_t *t = nullptr;
  ASSERT_EQ(sigil_tool_execution_start(c, &ts, &t), SIGIL_OK);
  sigil_tool_execution_set_error(t, "boom", 4, 0);
  sigil_tool_execution_end(t, nullptr);
  sigil_tool_execution_free(t);
  ASSERT_EQ(seen.names.size(), 2u);
  EXPECT_EQ(seen.names[1], "execute_tool search");
  EXPECT_EQ(seen.kinds[1], SIGIL_SPAN_KIND_INTERNAL);
  EXPECT_EQ(seen.status, SIGIL_SPAN_STATUS_ERROR);
  EXPECT_EQ(seen.exception_type, "tool_execution_error");
  sigil_client_free(c);
}

TEST(MetricsSnapshot, ReturnsOwnedJson) {
  Seen seen;
  sigil_client_t *c = client_with_callback(&seen);
  char *json = nullptr;
  size_t len = 0;
  ASSERT_EQ(sigil_client_metrics_snapshot(c, &json, &len, nullptr), SIGIL_OK);
  ASSERT_NE(json, nullptr);
  EXPECT_EQ(std::strlen(json), len);
  EXPECT_NE(std::string(json).find("\"metrics\":[]"), std::string::npos);  // nothing recorded yet
  sigil_metrics_snapshot_free(json);

  sigil_embedding_start_t es = SIGIL_EMBEDDING_START_INIT;
  es.model_provider = "openai";
  es.model_name = "text-embedding-3-small";
  sigil_embedding_t *e = nullptr;
  ASSERT_EQ(sigil_embedding_start(c, &es, &e), SIGIL_OK);
  sigil_embedding_result_t r = SIGIL_EMBEDDING_RESULT_INIT;
  r.input_count = 1;
  r.input_tokens = 5;
  sigil_embedding_set_result(e, &r);
  sigil_embedding_end(e, nullptr);
  sigil_embedding_free(e);
  ASSERT_EQ(sigil_client_shutdown(c, 1000, nullptr), SIGIL_OK);
  ASSERT_EQ(sigil_client_metrics_snapshot(c, &json, nullptr, nullptr), SIGIL_OK);  // after shutdown too
  std::string text(json);
  sigil_metrics_snapshot_free(json);
  EXPECT_NE(text.find("\"gen_ai.client.operation.duration\""), std::string::npos);
  EXPECT_NE(text.find("\"gen_ai.client.token.usage\""), std::string::npos);
  EXPECT_EQ(text.find("\"gen_ai.client.time_to_first_token\""), std::string::npos);
  EXPECT_NE(text.find("\"gen_ai.operation.name\":\"embeddings\""), std::string::npos);
  sigil_client_free(c);

  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_metrics_snapshot(nullptr, &json, nullptr, &err), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(json, nullptr);
  sigil_error_free(err);
  sigil_metrics_snapshot_free(nullptr);
}
