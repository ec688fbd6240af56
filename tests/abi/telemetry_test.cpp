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

// --- Host telemetry pipeline: the host's span ids, the metric callback, the pipeline option ---

namespace {

struct HostSeen {
  std::vector<std::string> trace_ids, span_ids, parent_ids;
  struct Point {
    std::string name, unit;
    double value = 0;
    size_t bounds = 0;
    std::vector<std::pair<std::string, std::string>> attrs;
  };
  std::vector<Point> points;
};

void on_host_span(void *user, const sigil_span_t *span) {
  auto *seen = static_cast<HostSeen *>(user);
  seen->trace_ids.emplace_back(span->trace_id);
  seen->span_ids.emplace_back(span->span_id);
  seen->parent_ids.emplace_back(span->parent_span_id);
}

void on_host_metric(void *user, const sigil_metric_point_t *p) {
  auto *seen = static_cast<HostSeen *>(user);
  HostSeen::Point point;
  point.name.assign(p->name, p->name_len);
  point.unit.assign(p->unit, p->unit_len);
  point.value = p->value;
  point.bounds = p->explicit_bounds_count;
  for (size_t i = 0; i < p->attributes_count; ++i) {
    const sigil_attribute_t &a = p->attributes[i];
    EXPECT_EQ(a.type, SIGIL_ATTRIBUTE_STRING);
    EXPECT_EQ(std::strlen(a.string_value), a.string_value_len);  // NUL-terminated
    point.attrs.emplace_back(std::string(a.key, a.key_len), std::string(a.string_value, a.string_value_len));
  }
  seen->points.push_back(std::move(point));
}

sigil_client_t *host_client(HostSeen *seen, uint32_t pipeline, const char *otlp_endpoint = nullptr) {
  sigil_options_t *o = nullptr;
  EXPECT_EQ(sigil_options_new(&o), SIGIL_OK);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
  EXPECT_EQ(sigil_options_set_span_callback(o, on_host_span, seen), SIGIL_OK);
  EXPECT_EQ(sigil_options_set_metric_callback(o, on_host_metric, seen), SIGIL_OK);
  EXPECT_EQ(sigil_options_set_telemetry_pipeline(o, pipeline), SIGIL_OK);
  if (otlp_endpoint != nullptr) EXPECT_EQ(sigil_options_set_otlp_endpoint(o, otlp_endpoint), SIGIL_OK);
  sigil_client_t *c = nullptr;
  EXPECT_EQ(sigil_client_new(o, &c, nullptr), SIGIL_OK);
  sigil_options_free(o);
  return c;
}

const char *kTrace = "0af7651916cd43dd8448eb211c80319c";
const char *kHostParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const char *kHostSpan = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01";

}  // namespace

TEST(HostPipeline, TheHostSpansIdsBecomeTheRecordersIds) {
  HostSeen seen;
  sigil_client_t *c = host_client(&seen, SIGIL_TELEMETRY_PIPELINE_HOST);
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  EXPECT_EQ(s.version, 4u);
  s.model_provider = "openai";
  s.model_name = "gpt-4o";
  s.parent_traceparent = kHostParent;
  s.parent_is_local = 1;
  s.span_traceparent = kHostSpan;
  sigil_generation_t *g = nullptr;
  ASSERT_EQ(sigil_generation_start(c, &s, &g), SIGIL_OK);
  char tp[64];
  ASSERT_EQ(sigil_generation_traceparent(g, tp, sizeof tp), SIGIL_OK);
  EXPECT_STREQ(tp, kHostSpan);
  ASSERT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);
  ASSERT_EQ(seen.span_ids.size(), 1u);
  EXPECT_EQ(seen.trace_ids[0], kTrace);
  EXPECT_EQ(seen.span_ids[0], "00f067aa0ba902b7");
  EXPECT_EQ(seen.parent_ids[0], "b7ad6b7169203331");

  // A root host span (no parent) works the same for tools and embeddings.
  sigil_tool_execution_start_t ts = SIGIL_TOOL_EXECUTION_START_INIT;
  ts.tool_name = "search";
  ts.span_traceparent = kHostSpan;
  sigil_tool_execution_t *t = nullptr;
  ASSERT_EQ(sigil_tool_execution_start(c, &ts, &t), SIGIL_OK);
  sigil_tool_execution_end(t, nullptr);
  sigil_tool_execution_free(t);
  sigil_embedding_start_t es = SIGIL_EMBEDDING_START_INIT;
  es.model_name = "m";
  es.span_traceparent = kHostSpan;
  sigil_embedding_t *e = nullptr;
  ASSERT_EQ(sigil_embedding_start(c, &es, &e), SIGIL_OK);
  sigil_embedding_end(e, nullptr);
  sigil_embedding_free(e);
  ASSERT_EQ(seen.span_ids.size(), 3u);
  for (size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(seen.span_ids[i], "00f067aa0ba902b7");
    EXPECT_EQ(seen.parent_ids[i], "");
  }
  sigil_client_free(c);
}

TEST(HostPipeline, AnUnsampledHostSpanSuppressesTheSpanButNotTheMetrics) {
  HostSeen seen;
  sigil_client_t *c = host_client(&seen, SIGIL_TELEMETRY_PIPELINE_HOST);
  sigil_tool_execution_start_t ts = SIGIL_TOOL_EXECUTION_START_INIT;
  ts.tool_name = "search";
  ts.span_traceparent = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-00";
  sigil_tool_execution_t *t = nullptr;
  ASSERT_EQ(sigil_tool_execution_start(c, &ts, &t), SIGIL_OK);
  sigil_tool_execution_end(t, nullptr);
  sigil_tool_execution_free(t);
  EXPECT_TRUE(seen.span_ids.empty());
  ASSERT_EQ(seen.points.size(), 1u);
  EXPECT_EQ(seen.points[0].name, "gen_ai.client.operation.duration");
  sigil_client_free(c);
}

TEST(HostPipeline, ABadSpanTraceparentIsIgnoredAndTheRecordKept) {
  HostSeen seen;
  sigil_client_t *c = host_client(&seen, SIGIL_TELEMETRY_PIPELINE_HOST);
  for (const char *bad : {"not-a-traceparent", "00-11111111111111111111111111111111-00f067aa0ba902b7-01"}) {
    sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
    s.model_provider = "openai";
    s.model_name = "gpt-4o";
    s.parent_traceparent = kHostParent;
    s.span_traceparent = bad;  // malformed, or in another trace than the parent
    sigil_generation_t *g = nullptr;
    ASSERT_EQ(sigil_generation_start(c, &s, &g), SIGIL_OK);
    EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
    sigil_generation_free(g);
  }
  ASSERT_EQ(seen.span_ids.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(seen.trace_ids[i], kTrace);  // the parent's trace, new span ids
    EXPECT_NE(seen.span_ids[i], "00f067aa0ba902b7");
    EXPECT_EQ(seen.parent_ids[i], "b7ad6b7169203331");
  }
  sigil_client_free(c);
}

TEST(HostPipeline, TheMetricCallbackSeesEveryRecordingWithItsAttributes) {
  HostSeen seen;
  sigil_client_t *c = host_client(&seen, SIGIL_TELEMETRY_PIPELINE_BOTH);
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  s.model_provider = "openai";
  s.model_name = "gpt-4o";
  s.started_at_ns = 1000000000;
  sigil_generation_t *g = nullptr;
  ASSERT_EQ(sigil_generation_start(c, &s, &g), SIGIL_OK);
  sigil_generation_add_message(g, SIGIL_INPUT, SIGIL_ROLE_USER, nullptr);
  sigil_generation_add_text(g, SIGIL_INPUT, "hi", 2);
  sigil_token_usage_t u = SIGIL_TOKEN_USAGE_INIT;
  u.input_tokens = 12;
  u.output_tokens = 3;
  sigil_generation_set_usage(g, &u);
  ASSERT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);
  // duration, two token points, tool calls: before end returned.
  ASSERT_EQ(seen.points.size(), 4u);
  EXPECT_EQ(seen.points[0].name, "gen_ai.client.operation.duration");
  EXPECT_EQ(seen.points[0].unit, "s");
  EXPECT_EQ(seen.points[0].bounds, 14u);
  std::vector<std::pair<std::string, std::string>> want = {{"gen_ai.operation.name", "generateText"},
                                                           {"gen_ai.provider.name", "openai"},
                                                           {"gen_ai.request.model", "gpt-4o"}};
  EXPECT_EQ(seen.points[0].attrs, want);  // no agent, no error: left out
  EXPECT_EQ(seen.points[1].name, "gen_ai.client.token.usage");
  EXPECT_EQ(seen.points[1].unit, "{token}");
  EXPECT_EQ(seen.points[1].value, 12);
  EXPECT_EQ(seen.points[1].attrs.back(), std::make_pair(std::string("gen_ai.token.type"), std::string("input")));
  EXPECT_EQ(seen.points[2].value, 3);
  EXPECT_EQ(seen.points[3].name, "gen_ai.client.tool_calls_per_operation");
  EXPECT_EQ(seen.points[3].value, 0);
  EXPECT_EQ(seen.span_ids.size(), 1u);
  sigil_client_free(c);
}

TEST(HostPipeline, TheOptionIsCheckedAndHostModeIgnoresOtlpEndpoints) {
  sigil_options_t *o = nullptr;
  ASSERT_EQ(sigil_options_new(&o), SIGIL_OK);
  EXPECT_EQ(sigil_options_set_telemetry_pipeline(o, 4), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_telemetry_pipeline(nullptr, 1), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_metric_callback(nullptr, on_host_metric, nullptr), SIGIL_E_INVALID_ARGUMENT);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
  ASSERT_EQ(sigil_options_set_telemetry_pipeline(o, SIGIL_TELEMETRY_PIPELINE_HOST), SIGIL_OK);
  sigil_client_t *c = nullptr;
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_new(o, &c, &err), SIGIL_E_CONFIG);  // host without a callback has nowhere to go
  EXPECT_NE(std::string(sigil_error_message(err)).find("callback"), std::string::npos);
  sigil_error_free(err);
  sigil_options_free(o);

  for (uint32_t pipeline : {SIGIL_TELEMETRY_PIPELINE_HOST, SIGIL_TELEMETRY_PIPELINE_BOTH}) {
    HostSeen seen;
    sigil_client_t *hc = host_client(&seen, pipeline, "http://127.0.0.1:9");
    char *json = nullptr;
    ASSERT_EQ(sigil_client_metrics_snapshot(hc, &json, nullptr, nullptr), SIGIL_OK);
    const bool exports =
        std::string(json).find("\"traces_endpoint\":\"http://127.0.0.1:9/v1/traces\"") != std::string::npos;
    EXPECT_EQ(exports, pipeline == SIGIL_TELEMETRY_PIPELINE_BOTH) << json;
    sigil_metrics_snapshot_free(json);
    sigil_client_shutdown(hc, 100, nullptr);
    sigil_client_free(hc);
  }
}
