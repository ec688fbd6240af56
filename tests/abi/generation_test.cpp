// Section: Generations (start struct, token usage).
#include <gtest/gtest.h>
#include <sigil/sigil.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "init_macros.h"

TEST(GenerationSection, StartInitMatchesMacro) {
  static const sigil_generation_start_t from_cxx_macro = SIGIL_GENERATION_START_INIT;
  EXPECT_TRUE(init_gives(sigil_generation_start_init, from_cxx_macro));
  EXPECT_TRUE(init_gives(sigil_generation_start_init, *c_generation_start_init_macro()));
  EXPECT_EQ(sigil_generation_start_init(nullptr), SIGIL_E_INVALID_ARGUMENT);
}

TEST(GenerationSection, TokenUsageInitMatchesMacro) {
  static const sigil_token_usage_t from_cxx_macro = SIGIL_TOKEN_USAGE_INIT;
  EXPECT_TRUE(init_gives(sigil_token_usage_init, from_cxx_macro));
  EXPECT_TRUE(init_gives(sigil_token_usage_init, *c_token_usage_init_macro()));
  EXPECT_EQ(sigil_token_usage_init(nullptr), SIGIL_E_INVALID_ARGUMENT);
}

TEST(GenerationSection, VersionsOutsideTheAcceptedRangeAreInvalidArguments) {
  sigil_options_t *o = nullptr;
  ASSERT_EQ(sigil_options_new(&o), SIGIL_OK);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
  sigil_client_t *c = nullptr;
  ASSERT_EQ(sigil_client_new(o, &c, nullptr), SIGIL_OK);
  sigil_options_free(o);

  sigil_generation_start_t s;
  ASSERT_EQ(sigil_generation_start_init(&s), SIGIL_OK);
  s.model_provider = "openai";
  s.model_name = "gpt-4o";
  for (uint32_t version : {0u, SIGIL_GENERATION_START_VERSION + 1}) {
    s.version = version;
    sigil_generation_t *g = nullptr;
    EXPECT_EQ(sigil_generation_start(c, &s, &g), SIGIL_E_INVALID_ARGUMENT) << version;
    ASSERT_NE(g, nullptr);  // a no-op recorder
    EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
    sigil_generation_free(g);
  }
  for (uint32_t version : {1u, SIGIL_GENERATION_START_VERSION}) {
    s.version = version;
    sigil_generation_t *g = nullptr;
    EXPECT_EQ(sigil_generation_start(c, &s, &g), SIGIL_OK) << version;
    sigil_token_usage_t usage;
    ASSERT_EQ(sigil_token_usage_init(&usage), SIGIL_OK);
    usage.input_tokens = 3;
    EXPECT_EQ(sigil_generation_set_usage(g, &usage), SIGIL_OK);
    usage.version = SIGIL_TOKEN_USAGE_VERSION + 1;
    EXPECT_EQ(sigil_generation_set_usage(g, &usage), SIGIL_E_INVALID_ARGUMENT);
    EXPECT_EQ(sigil_generation_set_usage(g, nullptr), SIGIL_E_INVALID_ARGUMENT);
    sigil_generation_free(g);
  }
  sigil_client_free(c);
}

// Negative counts and non-finite sampling parameters are refused by the
// engine's validation, whichever way they arrive (typed start and usage, or
// the JSON document), so every binding gets the same error.
TEST(GenerationSection, NegativeCountsAndNonFiniteParametersFailValidation) {
  sigil_options_t *o = nullptr;
  ASSERT_EQ(sigil_options_new(&o), SIGIL_OK);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
  sigil_client_t *c = nullptr;
  ASSERT_EQ(sigil_client_new(o, &c, nullptr), SIGIL_OK);
  sigil_options_free(o);

  enum Bad { kInputTokens, kReasoningTokens, kMaxTokens, kNanTemperature, kInfiniteTopP, kNone };
  for (int bad = kInputTokens; bad <= kNone; ++bad) {
    sigil_generation_start_t s;
    ASSERT_EQ(sigil_generation_start_init(&s), SIGIL_OK);
    s.model_provider = "openai";
    s.model_name = "gpt-4o";
    s.has_max_tokens = 1;
    s.max_tokens = bad == kMaxTokens ? -1 : 0;
    s.has_temperature = 1;
    s.temperature = bad == kNanTemperature ? NAN : 0.5;
    s.has_top_p = 1;
    s.top_p = bad == kInfiniteTopP ? -INFINITY : 1.0;
    sigil_generation_t *g = nullptr;
    ASSERT_EQ(sigil_generation_start(c, &s, &g), SIGIL_OK);
    sigil_token_usage_t usage;
    ASSERT_EQ(sigil_token_usage_init(&usage), SIGIL_OK);
    usage.input_tokens = bad == kInputTokens ? -5 : 5;
    usage.reasoning_tokens = bad == kReasoningTokens ? -1 : 0;
    ASSERT_EQ(sigil_generation_set_usage(g, &usage), SIGIL_OK);
    sigil_error_t *err = nullptr;
    sigil_status_t st = sigil_generation_end(g, &err);
    std::string message = sigil_error_message(err);
    sigil_error_free(err);
    sigil_generation_free(g);
    if (bad == kNone) {
      EXPECT_EQ(st, SIGIL_OK) << message;
      continue;
    }
    EXPECT_EQ(st, SIGIL_E_VALIDATION) << bad;
    const char *field[] = {"usage.input_tokens", "usage.reasoning_tokens", "max_tokens", "temperature", "top_p"};
    EXPECT_NE(message.find(field[bad]), std::string::npos) << message;
  }
  const char *docs[] = {R"({"model":{"provider":"p","name":"m"},"usage":{"output_tokens":"-2"}})",
                        R"({"model":{"provider":"p","name":"m"},"max_tokens":-1})",
                        R"({"model":{"provider":"p","name":"m"},"temperature":"NaN"})",
                        R"({"model":{"provider":"p","name":"m"},"top_p":"Infinity"})"};
  for (const char *doc : docs) {
    EXPECT_EQ(sigil_validate_generation_json(doc, strlen(doc), nullptr), SIGIL_E_VALIDATION) << doc;
  }
  sigil_client_free(c);
}

// The generation as end normalized it, read back after end (also with
// protocol none, where nothing is exported, and for a record validation refused).
TEST(GenerationSection, TheNormalizedGenerationIsReadBackAfterEnd) {
  sigil_options_t *o = nullptr;
  ASSERT_EQ(sigil_options_new(&o), SIGIL_OK);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
  sigil_options_set_agent_name(o, "planner");
  ASSERT_EQ(sigil_options_set_keep_last_generation(o, 1), SIGIL_OK);
  sigil_client_t *c = nullptr;
  ASSERT_EQ(sigil_client_new(o, &c, nullptr), SIGIL_OK);
  sigil_options_free(o);

  auto last = [](const sigil_generation_t *g) {
    char *json = nullptr;
    size_t len = 0;
    EXPECT_EQ(sigil_generation_last_json(g, &json, &len, nullptr), SIGIL_OK);
    std::string out = json != nullptr ? std::string(json, len) : std::string("<none>");
    sigil_json_free(json);
    return out;
  };
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  s.id = "gen-kept";
  s.model_provider = "openai";
  s.model_name = "gpt-5";
  s.conversation_title = "Trip";
  sigil_generation_t *g = nullptr;
  ASSERT_EQ(sigil_generation_start(c, &s, &g), SIGIL_OK);
  EXPECT_EQ(last(g), "<none>") << "nothing before end";
  ASSERT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  std::string json = last(g);
  for (const char *field : {R"({"id":"gen-kept")", R"("mode":"GENERATION_MODE_SYNC")", R"("agent_name":"planner")",
                            R"("conversation_title":"Trip")", R"("sigil.sdk.name":"sdk-c")", R"("trace_id":")",
                            R"("started_at":")", R"("completed_at":")"}) {
    EXPECT_NE(json.find(field), std::string::npos) << field << " in " << json;
  }
  sigil_generation_free(g);

  s.id = "gen-invalid";
  s.model_name = nullptr;
  ASSERT_EQ(sigil_generation_start(c, &s, &g), SIGIL_OK);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_E_VALIDATION);
  EXPECT_NE(last(g).find(R"({"id":"gen-invalid")"), std::string::npos);
  sigil_generation_free(g);

  char *out = nullptr;
  EXPECT_EQ(sigil_generation_last_json(nullptr, &out, nullptr, nullptr), SIGIL_E_INVALID_ARGUMENT);
  sigil_client_free(c);
}

TEST(GenerationSection, WithoutKeepingThereIsNoLastGeneration) {
  sigil_options_t *o = nullptr;
  ASSERT_EQ(sigil_options_new(&o), SIGIL_OK);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
  sigil_client_t *c = nullptr;
  ASSERT_EQ(sigil_client_new(o, &c, nullptr), SIGIL_OK);
  sigil_options_free(o);
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  s.model_provider = "openai";
  s.model_name = "gpt-5";
  sigil_generation_t *g = nullptr;
  ASSERT_EQ(sigil_generation_start(c, &s, &g), SIGIL_OK);
  ASSERT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  char *json = reinterpret_cast<char *>(1);
  EXPECT_EQ(sigil_generation_last_json(g, &json, nullptr, nullptr), SIGIL_OK);
  EXPECT_EQ(json, nullptr);
  sigil_generation_free(g);
  sigil_client_free(c);
}

namespace {
struct Warnings {
  std::vector<std::string> lines;
  static void fn(void *user, uint32_t level, const char *msg, size_t len) {
    if (level == SIGIL_LOG_WARN) static_cast<Warnings *>(user)->lines.emplace_back(msg, len);
  }
  size_t about_unended() const {
    size_t n = 0;
    for (const auto &l : lines) n += l.find("without end") != std::string::npos;
    return n;
  }
};

sigil_client_t *client_logging_to(Warnings *w) {
  sigil_options_t *o = nullptr;
  EXPECT_EQ(sigil_options_new(&o), SIGIL_OK);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
  sigil_options_set_logger(o, Warnings::fn, w);
  sigil_client_t *c = nullptr;
  EXPECT_EQ(sigil_client_new(o, &c, nullptr), SIGIL_OK);
  sigil_options_free(o);
  return c;
}
}  // namespace

// A recorder freed without end (a binding's garbage collector, a C caller's
// early return) is ended there, and the client says so once; ended ones and
// no-op recorders say nothing.
TEST(GenerationSection, FreedWithoutEndIsReportedOncePerClient) {
  Warnings w;
  sigil_client_t *c = client_logging_to(&w);
  sigil_generation_start_t s;
  ASSERT_EQ(sigil_generation_start_init(&s), SIGIL_OK);
  s.model_provider = "openai";
  s.model_name = "gpt-4o";

  sigil_generation_t *ended = nullptr;
  ASSERT_EQ(sigil_generation_start(c, &s, &ended), SIGIL_OK);
  ASSERT_EQ(sigil_generation_end(ended, nullptr), SIGIL_OK);
  sigil_generation_free(ended);
  EXPECT_EQ(w.about_unended(), 0u);

  for (int i = 0; i < 3; i++) {
    sigil_generation_t *g = nullptr;
    ASSERT_EQ(sigil_generation_start(c, &s, &g), SIGIL_OK);
    sigil_generation_free(g);
  }
  sigil_tool_execution_start_t ts;
  ASSERT_EQ(sigil_tool_execution_start_init(&ts), SIGIL_OK);
  ts.tool_name = "lookup";
  sigil_tool_execution_t *t = nullptr;
  ASSERT_EQ(sigil_tool_execution_start(c, &ts, &t), SIGIL_OK);
  sigil_tool_execution_free(t);
  EXPECT_EQ(w.about_unended(), 1u);
  EXPECT_NE(w.lines.back().find("a generation recorder was freed"), std::string::npos);
  sigil_client_free(c);

  Warnings w2;
  c = client_logging_to(&w2);
  t = nullptr;
  ASSERT_EQ(sigil_tool_execution_start(c, &ts, &t), SIGIL_OK);
  sigil_tool_execution_free(t);
  EXPECT_EQ(w2.about_unended(), 1u);
  EXPECT_NE(w2.lines.back().find("a tool execution recorder was freed"), std::string::npos);
  sigil_client_free(c);
}
