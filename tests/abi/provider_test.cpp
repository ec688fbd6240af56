// Section: Provider mapping. Real provider bodies (conformance/fixtures/providers)
// through the public API; what was mapped is read back from the span callback and
// the metrics snapshot, as a host sees it.
#include <gtest/gtest.h>
#include <sigil/sigil.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string fixture(const std::string &path) {
  std::ifstream in(std::string(SIGIL_PROVIDER_FIXTURES) + "/" + path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines(const std::string &path) {
  std::vector<std::string> out;
  std::istringstream in(fixture(path));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

struct SeenSpan {
  std::string name;
  uint32_t status = 99;
  std::map<std::string, std::string> strings;
  std::map<std::string, int64_t> ints;
  std::map<std::string, std::vector<std::string>> arrays;
  std::vector<std::string> exception_types;
};

void on_span(void *user, const sigil_span_t *span) {
  auto *out = static_cast<std::vector<SeenSpan> *>(user);
  SeenSpan s;
  s.name.assign(span->name, span->name_len);
  s.status = span->status_code;
  for (size_t i = 0; i < span->attributes_count; ++i) {
    const sigil_attribute_t &a = span->attributes[i];
    if (a.type == SIGIL_ATTRIBUTE_STRING) s.strings[a.key].assign(a.string_value, a.string_value_len);
    if (a.type == SIGIL_ATTRIBUTE_INT) s.ints[a.key] = a.int_value;
    if (a.type == SIGIL_ATTRIBUTE_STRING_ARRAY) {
      for (size_t k = 0; k < a.string_values_count; ++k) {
        s.arrays[a.key].emplace_back(a.string_values[k], a.string_value_lens[k]);
      }
    }
  }
  for (size_t i = 0; i < span->events_count; ++i) {
    for (size_t k = 0; k < span->events[i].attributes_count; ++k) {
      const sigil_attribute_t &a = span->events[i].attributes[k];
      if (std::strcmp(a.key, "exception.type") == 0) s.exception_types.emplace_back(a.string_value, a.string_value_len);
    }
  }
  out->push_back(std::move(s));
}

class ProviderMapping : public ::testing::Test {
 protected:
  void SetUp() override {
    sigil_options_t *o = nullptr;
    ASSERT_EQ(sigil_options_new(&o), SIGIL_OK);
    sigil_options_set_use_environment(o, 0);
    sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
    ASSERT_EQ(sigil_options_set_span_callback(o, on_span, &spans_), SIGIL_OK);
    ASSERT_EQ(sigil_client_new(o, &client_, nullptr), SIGIL_OK);
    sigil_options_free(o);
  }
  void TearDown() override { sigil_client_free(client_); }

  // Without a model: the mapped bodies name it.
  sigil_generation_t *start(bool streaming = false, const char *model = nullptr) {
    sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
    if (model != nullptr) {
      s.model_provider = "openai";
      s.model_name = model;
    }
    sigil_generation_t *g = nullptr;
    EXPECT_EQ(streaming ? sigil_generation_start_streaming(client_, &s, &g) : sigil_generation_start(client_, &s, &g),
              SIGIL_OK);
    return g;
  }
  const SeenSpan &last_span() {
    EXPECT_FALSE(spans_.empty());
    return spans_.back();
  }

  sigil_client_t *client_ = nullptr;
  std::vector<SeenSpan> spans_;
};

}  // namespace

TEST_F(ProviderMapping, AResponseAloneNamesProviderAndModel) {
  sigil_generation_t *g = start();
  std::string response = fixture("openai.chat/response_text.json");
  EXPECT_EQ(sigil_generation_set_provider_response(g, "openai.chat", response.data(), response.size(), 0), SIGIL_OK);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);
  EXPECT_EQ(last_span().strings.at("gen_ai.request.model"), "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(last_span().strings.at("gen_ai.provider.name"), "openai");
}

TEST_F(ProviderMapping, ChatCompletionRequestAndResponse) {
  sigil_generation_t *g = start();
  std::string request = fixture("openai.chat/request.json");
  std::string response = fixture("openai.chat/response_text.json");
  EXPECT_EQ(sigil_generation_set_provider_request(g, "openai.chat", request.data(), request.size(), 0), SIGIL_OK);
  EXPECT_EQ(sigil_generation_set_provider_response(g, "openai.chat", response.data(), response.size(), 0), SIGIL_OK);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);

  const SeenSpan &s = last_span();
  EXPECT_EQ(s.status, SIGIL_SPAN_STATUS_UNSET);
  EXPECT_EQ(s.strings.at("gen_ai.provider.name"), "openai");
  EXPECT_EQ(s.strings.at("gen_ai.request.model"), "gpt-4o-2024-08-06");  // the request's, not the response's
  EXPECT_EQ(s.strings.at("gen_ai.response.id"), "chatcmpl-text1");
  EXPECT_EQ(s.strings.at("gen_ai.response.model"), "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(s.arrays.at("gen_ai.response.finish_reasons"), std::vector<std::string>{"stop"});
  EXPECT_EQ(s.ints.at("gen_ai.usage.input_tokens"), 210);
  EXPECT_EQ(s.ints.at("gen_ai.usage.output_tokens"), 17);
  EXPECT_EQ(s.strings.count("error.type"), 0u);
}

TEST_F(ProviderMapping, StreamEventsAccumulateUsageFromTheLastChunk) {
  sigil_generation_t *g = start(/*streaming=*/true);
  for (const std::string &e : lines("openai.chat/stream_tool_calls.jsonl")) {
    EXPECT_EQ(sigil_generation_add_provider_event(g, "openai.chat", e.data(), e.size(), 0), SIGIL_OK) << e;
  }
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);

  const SeenSpan &s = last_span();
  EXPECT_EQ(s.status, SIGIL_SPAN_STATUS_UNSET);
  EXPECT_EQ(s.strings.at("gen_ai.operation.name"), "streamText");
  EXPECT_EQ(s.strings.at("gen_ai.response.id"), "chatcmpl-stream1");
  EXPECT_EQ(s.arrays.at("gen_ai.response.finish_reasons"), std::vector<std::string>{"tool_calls"});
  EXPECT_EQ(s.ints.at("gen_ai.usage.input_tokens"), 96);  // only in the usage-only final chunk

  // The first content event set the time to first token.
  char *json = nullptr;
  size_t len = 0;
  ASSERT_EQ(sigil_client_metrics_snapshot(client_, &json, &len, nullptr), SIGIL_OK);
  EXPECT_NE(std::string(json, len).find("gen_ai.client.time_to_first_token"), std::string::npos);
  sigil_metrics_snapshot_free(json);
}

TEST_F(ProviderMapping, AStreamEndedEarlyKeepsWhatArrivedAndIsAMappingError) {
  sigil_generation_t *g = start(true);
  for (const std::string &e : lines("anthropic.messages/stream_early_end.jsonl")) {
    sigil_generation_add_provider_event(g, "anthropic.messages", e.data(), e.size(), 0);
  }
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);  // the host's call is not affected
  sigil_generation_free(g);

  const SeenSpan &s = last_span();
  EXPECT_EQ(s.status, SIGIL_SPAN_STATUS_ERROR);
  EXPECT_EQ(s.strings.at("error.type"), "mapping_error");
  EXPECT_EQ(s.strings.at("gen_ai.provider.name"), "anthropic");
  EXPECT_GT(s.ints.at("gen_ai.usage.input_tokens"), 0);  // from message_start
}

TEST_F(ProviderMapping, MalformedBodiesAreReportedButNeverFailTheRecord) {
  sigil_generation_t *g = start();
  std::string truncated = fixture("openai.chat/response_truncated.json");
  EXPECT_EQ(sigil_generation_set_provider_response(g, "openai.chat", truncated.data(), truncated.size(), 0),
            SIGIL_E_INVALID_JSON);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);
  const SeenSpan &s = last_span();
  EXPECT_EQ(s.strings.at("error.type"), "mapping_error");
  EXPECT_EQ(s.exception_types, std::vector<std::string>{"mapping_error"});
}

TEST_F(ProviderMapping, UnknownFieldsAreIgnored) {
  sigil_generation_t *g = start();
  const char body[] =
      R"({"id":"chatcmpl-x","model":"gpt-5","brand_new_field":{"nested":[1,2,3]},"choices":[{"index":0,)"
      R"("message":{"role":"assistant","content":"hi","future":true},"finish_reason":"stop"}],)"
      R"("usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"unheard_of_tokens":9}})";
  EXPECT_EQ(sigil_generation_set_provider_response(g, "openai.chat", body, sizeof body - 1, 0), SIGIL_OK);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);
  EXPECT_EQ(last_span().strings.count("error.type"), 0u);
  EXPECT_EQ(last_span().strings.at("gen_ai.response.id"), "chatcmpl-x");
}

TEST_F(ProviderMapping, CallerErrorsRecordNothing) {
  sigil_generation_t *g = start(false, "gpt-5");
  const char body[] = "{}";
  EXPECT_EQ(sigil_generation_set_provider_response(g, "openai.chat.v9", body, 2, 0), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_generation_set_provider_response(g, nullptr, body, 2, 0), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_generation_set_provider_response(g, "openai.chat", nullptr, 0, 0), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_generation_set_provider_response(g, "openai.chat", body, 2, 0x80), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_generation_set_provider_response(g, "openai.embeddings", body, 2, 0), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);
  EXPECT_EQ(last_span().strings.count("error.type"), 0u);

  // NULL and no-op recorders accept everything and do nothing.
  EXPECT_EQ(sigil_generation_set_provider_request(nullptr, "openai.chat", body, 2, 0), SIGIL_OK);
  EXPECT_EQ(sigil_generation_add_provider_event(nullptr, "nope", nullptr, 0, 0), SIGIL_OK);
  EXPECT_EQ(sigil_generation_set_mapping_error(nullptr, "x", 1), SIGIL_OK);
  EXPECT_EQ(sigil_embedding_set_provider_result(nullptr, "openai.embeddings", nullptr, 0, nullptr, 0), SIGIL_OK);
}

TEST_F(ProviderMapping, OneStreamSpeaksOneApi) {
  sigil_generation_t *g = start(true);
  std::vector<std::string> events = lines("openai.chat/stream_text.jsonl");
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(sigil_generation_add_provider_event(g, "openai.chat", events[0].data(), events[0].size(), 0), SIGIL_OK);
  EXPECT_EQ(sigil_generation_add_provider_event(g, "anthropic.messages", events[1].data(), events[1].size(), 0),
            SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);
  EXPECT_EQ(last_span().strings.at("error.type"), "mapping_error");
}

// The events of a stream as arrays for sigil_generation_add_provider_events.
struct EventBatch {
  explicit EventBatch(const std::vector<std::string> &events) {
    for (const std::string &e : events) {
      ptrs.push_back(e.data());
      lens.push_back(e.size());
    }
  }
  std::vector<const char *> ptrs;
  std::vector<size_t> lens;
};

TEST_F(ProviderMapping, ABatchOfEventsMapsAsTheEventsOneByOne) {
  std::vector<std::string> events = lines("openai.chat/stream_tool_calls.jsonl");
  EventBatch batch(events);
  const size_t half = events.size() / 2;
  sigil_generation_t *g = start(true);
  EXPECT_EQ(
      sigil_generation_add_provider_events(g, "openai.chat", batch.ptrs.data(), batch.lens.data(), nullptr, half, 0),
      SIGIL_OK);
  EXPECT_EQ(sigil_generation_add_provider_events(g, "openai.chat", batch.ptrs.data() + half, batch.lens.data() + half,
                                                 nullptr, events.size() - half, 0),
            SIGIL_OK);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);
  const SeenSpan batched = last_span();

  g = start(true);
  for (const std::string &e : events) sigil_generation_add_provider_event(g, "openai.chat", e.data(), e.size(), 0);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);
  const SeenSpan &single = last_span();

  EXPECT_EQ(batched.status, SIGIL_SPAN_STATUS_UNSET);
  EXPECT_EQ(batched.strings.at("gen_ai.response.id"), "chatcmpl-stream1");
  EXPECT_EQ(batched.arrays.at("gen_ai.response.finish_reasons"), std::vector<std::string>{"tool_calls"});
  EXPECT_EQ(batched.ints, single.ints);
  EXPECT_EQ(batched.arrays, single.arrays);
  EXPECT_EQ(batched.strings.at("gen_ai.response.model"), single.strings.at("gen_ai.response.model"));
}

// The time to first token in the metrics snapshot (its only point's sum), in seconds.
double time_to_first_token_s(sigil_client_t *client) {
  char *json = nullptr;
  size_t len = 0;
  EXPECT_EQ(sigil_client_metrics_snapshot(client, &json, &len, nullptr), SIGIL_OK);
  std::string text(json, len);
  sigil_metrics_snapshot_free(json);
  size_t at = text.find("\"gen_ai.client.time_to_first_token\"");
  if (at == std::string::npos) return -1;
  at = text.find("\"sum\":", at);
  return at == std::string::npos ? -1 : std::strtod(text.c_str() + at + 6, nullptr);
}

TEST_F(ProviderMapping, TheFirstContentEventsArrivalTimeIsTheFirstTokenTime) {
  const int64_t ms = 1000000;
  const int64_t t0 =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count() -
      10000 * ms;  // the stream began 10 s ago and is handed over only now
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  s.started_at_ns = t0;
  sigil_generation_t *g = nullptr;
  ASSERT_EQ(sigil_generation_start_streaming(client_, &s, &g), SIGIL_OK);
  const std::vector<std::string> events = {
      R"({"id":"c1","object":"chat.completion.chunk","model":"gpt-5","choices":[{"index":0,"delta":{"role":"assistant"}}]})",
      R"({"id":"c1","object":"chat.completion.chunk","model":"gpt-5","choices":[{"index":0,"delta":{"content":"Hi"}}]})",
      R"({"id":"c1","object":"chat.completion.chunk","model":"gpt-5","choices":[{"index":0,"delta":{"content":" there"}}]})",
      R"({"id":"c1","object":"chat.completion.chunk","model":"gpt-5","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})",
  };
  EventBatch batch(events);
  // Two batches: the first holds no content, so the second sets the time, from its first event.
  const int64_t arrived[] = {t0 + 100 * ms, t0 + 350 * ms, t0 + 600 * ms, t0 + 700 * ms};
  EXPECT_EQ(sigil_generation_add_provider_events(g, "openai.chat", batch.ptrs.data(), batch.lens.data(), arrived, 1, 0),
            SIGIL_OK);
  EXPECT_EQ(sigil_generation_add_provider_events(g, "openai.chat", batch.ptrs.data() + 1, batch.lens.data() + 1,
                                                 arrived + 1, 3, 0),
            SIGIL_OK);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);
  EXPECT_EQ(last_span().status, SIGIL_SPAN_STATUS_UNSET);
  EXPECT_DOUBLE_EQ(time_to_first_token_s(client_), 0.35);
}

TEST_F(ProviderMapping, ABatchWithoutArrivalTimesIsTimedWhenHandedOver) {
  const int64_t before =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  s.started_at_ns = before - 5000000000;  // 5 s ago
  sigil_generation_t *g = nullptr;
  ASSERT_EQ(sigil_generation_start_streaming(client_, &s, &g), SIGIL_OK);
  std::vector<std::string> events = lines("openai.chat/stream_text.jsonl");
  EventBatch batch(events);
  const std::vector<int64_t> zeros(events.size(), 0);
  EXPECT_EQ(sigil_generation_add_provider_events(g, "openai.chat", batch.ptrs.data(), batch.lens.data(), zeros.data(),
                                                 events.size(), 0),
            SIGIL_OK);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);
  EXPECT_GE(time_to_first_token_s(client_), 5.0);
}

TEST_F(ProviderMapping, ABatchWithAWrongArgumentRecordsNothing) {
  std::vector<std::string> events = lines("openai.chat/stream_text.jsonl");
  EventBatch batch(events);
  sigil_generation_t *g = start(true, "gpt-5");
  EXPECT_EQ(sigil_generation_add_provider_events(g, "openai.chat", nullptr, batch.lens.data(), nullptr, 2, 0),
            SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_generation_add_provider_events(g, "openai.chat", batch.ptrs.data(), nullptr, nullptr, 2, 0),
            SIGIL_E_INVALID_ARGUMENT);
  std::vector<const char *> holed = batch.ptrs;
  holed[1] = nullptr;  // the first event is fine, but nothing is fed
  EXPECT_EQ(
      sigil_generation_add_provider_events(g, "openai.chat", holed.data(), batch.lens.data(), nullptr, holed.size(), 0),
      SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_generation_add_provider_events(g, "openai.chat.v9", batch.ptrs.data(), batch.lens.data(), nullptr,
                                                 events.size(), 0),
            SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_generation_add_provider_events(g, "openai.chat", batch.ptrs.data(), batch.lens.data(), nullptr,
                                                 events.size(), 0x80),
            SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(
      sigil_generation_add_provider_events(g, nullptr, batch.ptrs.data(), batch.lens.data(), nullptr, events.size(), 0),
      SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_generation_add_provider_events(g, "openai.chat", nullptr, nullptr, nullptr, 0, 0), SIGIL_OK);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);
  EXPECT_EQ(last_span().strings.count("gen_ai.response.id"), 0u);  // no event was mapped
  EXPECT_EQ(last_span().strings.count("error.type"), 0u);
  EXPECT_EQ(sigil_generation_add_provider_events(nullptr, "nope", nullptr, nullptr, nullptr, 3, 0), SIGIL_OK);
}

TEST_F(ProviderMapping, ABatchSpeaksTheStreamsApi) {
  std::vector<std::string> events = lines("openai.chat/stream_text.jsonl");
  EventBatch batch(events);
  sigil_generation_t *g = start(true);
  EXPECT_EQ(sigil_generation_add_provider_events(g, "openai.chat", batch.ptrs.data(), batch.lens.data(), nullptr, 1, 0),
            SIGIL_OK);
  EXPECT_EQ(sigil_generation_add_provider_events(g, "anthropic.messages", batch.ptrs.data() + 1, batch.lens.data() + 1,
                                                 nullptr, events.size() - 1, 0),
            SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);
  EXPECT_EQ(last_span().strings.at("error.type"), "mapping_error");
}

TEST_F(ProviderMapping, ACallersOwnMappingErrorMarksTheSpan) {
  sigil_generation_t *g = start(false, "gpt-5");
  ASSERT_EQ(sigil_generation_add_message(g, SIGIL_OUTPUT, SIGIL_ROLE_ASSISTANT, nullptr), SIGIL_OK);
  ASSERT_EQ(sigil_generation_add_text(g, SIGIL_OUTPUT, "hi", 2), SIGIL_OK);
  EXPECT_EQ(sigil_generation_set_mapping_error(g, "\xff", 1), SIGIL_E_INVALID_UTF8);
  EXPECT_EQ(sigil_generation_set_mapping_error(g, "unexpected content block", 24), SIGIL_OK);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);
  EXPECT_EQ(last_span().status, SIGIL_SPAN_STATUS_ERROR);
  EXPECT_EQ(last_span().strings.at("error.type"), "mapping_error");
}

TEST_F(ProviderMapping, EmbeddingsFromRequestAndResponse) {
  sigil_embedding_start_t s = SIGIL_EMBEDDING_START_INIT;
  sigil_embedding_t *e = nullptr;
  ASSERT_EQ(sigil_embedding_start(client_, &s, &e), SIGIL_OK);
  std::string request = fixture("openai.embeddings/request.json");
  std::string response = fixture("openai.embeddings/response.json");
  EXPECT_EQ(sigil_embedding_set_provider_result(e, "openai.embeddings", request.data(), request.size(), response.data(),
                                                response.size()),
            SIGIL_OK);
  EXPECT_EQ(sigil_embedding_set_provider_result(e, "openai.chat", nullptr, 0, nullptr, 0), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_embedding_end(e, nullptr), SIGIL_OK);
  sigil_embedding_free(e);

  const SeenSpan &span = last_span();
  EXPECT_EQ(span.status, SIGIL_SPAN_STATUS_UNSET);
  EXPECT_EQ(span.strings.at("gen_ai.provider.name"), "openai");
  EXPECT_EQ(span.strings.at("gen_ai.operation.name"), "embeddings");
  EXPECT_GT(span.ints.at("gen_ai.usage.input_tokens"), 0);
  EXPECT_GT(span.ints.at("gen_ai.embeddings.dimension.count"), 0);
}

// Mapping without a recorder ---------------------------------------------------

namespace {

struct Mapped {
  sigil_status_t status = SIGIL_OK;
  std::string json;
  bool has_json = false;
  std::string error;
};

Mapped map_generation(const char *api, const std::string *request, const std::string *response,
                      const std::vector<std::string> &events = {}, uint32_t flags = 0) {
  std::vector<const char *> ptrs;
  std::vector<size_t> lens;
  for (const std::string &e : events) {
    ptrs.push_back(e.data());
    lens.push_back(e.size());
  }
  Mapped m;
  char *json = nullptr;
  size_t len = 0;
  sigil_error_t *err = nullptr;
  m.status = sigil_provider_map_generation(api, request ? request->data() : nullptr, request ? request->size() : 0,
                                           response ? response->data() : nullptr, response ? response->size() : 0,
                                           ptrs.data(), lens.data(), ptrs.size(), flags, &json, &len, &err);
  m.has_json = json != nullptr;
  if (json != nullptr) {
    EXPECT_EQ(std::strlen(json), len);
    m.json.assign(json, len);
  }
  sigil_json_free(json);
  m.error = sigil_error_message(err);
  EXPECT_EQ(err != nullptr, m.status != SIGIL_OK);
  sigil_error_free(err);
  return m;
}

bool contains(const std::string &haystack, const std::string &needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

// The mapped document, handed to a recorder as its result, records what the
// recorder's own provider calls record: for a call and for a stream.
TEST_F(ProviderMapping, AMappedGenerationRecordsWhatTheRecorderWould) {
  std::string request = fixture("anthropic.messages/request.json");
  std::string response = fixture("anthropic.messages/response.json");
  std::vector<std::string> events = lines("anthropic.messages/stream.jsonl");
  for (bool streamed : {false, true}) {
    SCOPED_TRACE(streamed ? "stream" : "call");
    spans_.clear();
    Mapped m = streamed ? map_generation("anthropic.messages", &request, nullptr, events)
                        : map_generation("anthropic.messages", &request, &response);
    ASSERT_EQ(m.status, SIGIL_OK) << m.error;
    EXPECT_TRUE(contains(m.json, streamed ? R"("mode":"GENERATION_MODE_STREAM")" : R"("mode":"GENERATION_MODE_SYNC")"))
        << m.json;
    EXPECT_TRUE(contains(m.json, R"("model":{"provider":"anthropic")")) << m.json;
    EXPECT_NE(m.json.rfind(R"({"id":)", 0), 0u) << "ids belong to the recorder";
    EXPECT_FALSE(contains(m.json, "started_at")) << "times belong to the recorder";

    sigil_generation_t *direct = start(streamed);
    ASSERT_EQ(sigil_generation_set_provider_request(direct, "anthropic.messages", request.data(), request.size(), 0),
              SIGIL_OK);
    if (streamed) {
      for (const std::string &e : events) {
        sigil_generation_add_provider_event(direct, "anthropic.messages", e.data(), e.size(), 0);
      }
    } else {
      sigil_generation_set_provider_response(direct, "anthropic.messages", response.data(), response.size(), 0);
    }
    ASSERT_EQ(sigil_generation_end(direct, nullptr), SIGIL_OK);
    sigil_generation_free(direct);
    sigil_generation_t *from_json = start(streamed);
    ASSERT_EQ(sigil_generation_set_result_json(from_json, m.json.data(), m.json.size()), SIGIL_OK);
    ASSERT_EQ(sigil_generation_end(from_json, nullptr), SIGIL_OK);
    sigil_generation_free(from_json);

    ASSERT_EQ(spans_.size(), 2u);
    const SeenSpan &a = spans_[0], &b = spans_[1];
    EXPECT_EQ(b.name, a.name);
    EXPECT_EQ(b.arrays, a.arrays);
    for (const char *key :
         {"gen_ai.provider.name", "gen_ai.request.model", "gen_ai.response.id", "gen_ai.response.model"}) {
      EXPECT_EQ(b.strings.at(key), a.strings.at(key)) << key;
    }
    std::vector<const char *> ints = {"gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens",
                                      "gen_ai.request.max_tokens"};
    if (!streamed) ints.push_back("gen_ai.usage.cache_creation_input_tokens");  // 0 in the stream: no attribute
    for (const char *key : ints) {
      ASSERT_EQ(a.ints.count(key), 1u) << key;
      EXPECT_EQ(b.ints.at(key), a.ints.at(key)) << key;
    }
  }
}

TEST_F(ProviderMapping, AMappedResponseNamesProviderModelAndMode) {
  std::string response = fixture("openai.chat/response_text.json");
  Mapped m = map_generation("openai.chat", nullptr, &response);
  ASSERT_EQ(m.status, SIGIL_OK) << m.error;
  EXPECT_TRUE(contains(m.json, R"("mode":"GENERATION_MODE_SYNC")")) << m.json;
  EXPECT_TRUE(contains(m.json, R"("model":{"provider":"openai","name":"gpt-4o-mini-2024-07-18"})")) << m.json;
  EXPECT_TRUE(contains(m.json, R"("response_id":"chatcmpl-text1")")) << m.json;
  EXPECT_FALSE(contains(m.json, "raw_artifacts"));

  Mapped raw = map_generation("openai.chat", nullptr, &response, {}, SIGIL_PROVIDER_RAW_ARTIFACTS);
  ASSERT_EQ(raw.status, SIGIL_OK);
  EXPECT_TRUE(contains(raw.json, R"("kind":"ARTIFACT_KIND_RESPONSE","name":"openai.chat.response")")) << raw.json;
}

TEST_F(ProviderMapping, APartlyMappedCallIsHandedBackWithItsProblem) {
  std::string request = fixture("openai.chat/request.json");
  std::string truncated = fixture("openai.chat/response_truncated.json");
  Mapped m = map_generation("openai.chat", &request, &truncated);
  EXPECT_EQ(m.status, SIGIL_E_INVALID_JSON);
  EXPECT_EQ(m.error.rfind("provider response: ", 0), 0u) << m.error;
  ASSERT_TRUE(m.has_json);
  EXPECT_TRUE(contains(m.json, R"("name":"gpt-4o-2024-08-06")")) << "the request still mapped: " << m.json;

  std::vector<std::string> early = lines("anthropic.messages/stream_early_end.jsonl");
  Mapped s = map_generation("anthropic.messages", nullptr, nullptr, early);
  EXPECT_EQ(s.status, SIGIL_E_INVALID_JSON);
  EXPECT_EQ(s.error.rfind("provider stream: ", 0), 0u) << s.error;
  EXPECT_TRUE(contains(s.json, R"("input_tokens":")")) << "usage from message_start: " << s.json;

  std::string empty;
  Mapped e = map_generation("openai.chat", &empty, nullptr);
  EXPECT_EQ(e.status, SIGIL_E_INVALID_JSON) << "an empty body is a body, not an absent one";
  EXPECT_TRUE(e.has_json);
}

TEST_F(ProviderMapping, MappingCallerErrorsHandBackNothing) {
  std::string body = "{}";
  EXPECT_EQ(map_generation("openai.chat.v9", &body, nullptr).status, SIGIL_E_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(map_generation("openai.chat.v9", &body, nullptr).error, "openai.responses"))
      << "the message lists the known APIs";
  EXPECT_EQ(map_generation(nullptr, &body, nullptr).status, SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(map_generation("openai.embeddings", &body, nullptr).status, SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(map_generation("openai.chat", &body, nullptr, {}, 0x80).status, SIGIL_E_INVALID_ARGUMENT);
  EXPECT_FALSE(map_generation("openai.embeddings", &body, nullptr).has_json);

  char *json = reinterpret_cast<char *>(1);
  EXPECT_EQ(sigil_provider_map_generation("openai.chat", nullptr, 3, nullptr, 0, nullptr, nullptr, 0, 0, &json, nullptr,
                                          nullptr),
            SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(json, nullptr);
  EXPECT_EQ(sigil_provider_map_generation("openai.chat", nullptr, 0, nullptr, 0, nullptr, nullptr, 2, 0, &json, nullptr,
                                          nullptr),
            SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_provider_map_generation("openai.chat", body.data(), body.size(), nullptr, 0, nullptr, nullptr, 0, 0,
                                          nullptr, nullptr, nullptr),
            SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_provider_map_embedding("openai.chat", body.data(), body.size(), nullptr, 0, &json, nullptr, nullptr),
            SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(json, nullptr);
  sigil_json_free(nullptr);
}

TEST_F(ProviderMapping, AnEmbeddingCallMapsWithoutARecorder) {
  std::string request = fixture("openai.embeddings/request.json");
  std::string response = fixture("openai.embeddings/response.json");
  char *json = nullptr;
  size_t len = 0;
  ASSERT_EQ(sigil_provider_map_embedding("openai.embeddings", request.data(), request.size(), response.data(),
                                         response.size(), &json, &len, nullptr),
            SIGIL_OK);
  std::string doc(json, len);
  sigil_json_free(json);
  EXPECT_TRUE(contains(doc, R"("provider":"openai","model":"text-embedding-3-small")")) << doc;
  EXPECT_TRUE(contains(doc, R"("input_count":2)")) << doc;
  EXPECT_TRUE(contains(doc, R"("input_tokens":11)")) << doc;
  EXPECT_TRUE(contains(doc, R"("input_texts":[)")) << doc;

  sigil_error_t *err = nullptr;
  const char truncated[] = R"({"object":"list","data":[{"embedding":[0.1,0.2)";
  ASSERT_EQ(sigil_provider_map_embedding("openai.embeddings", request.data(), request.size(), truncated,
                                         sizeof truncated - 1, &json, &len, &err),
            SIGIL_E_INVALID_JSON);
  ASSERT_NE(json, nullptr) << "the request still mapped";
  EXPECT_TRUE(contains(std::string(json, len), R"("model":"text-embedding-3-small")"));
  EXPECT_NE(std::string(sigil_error_message(err)), "");
  sigil_json_free(json);
  sigil_error_free(err);
}
