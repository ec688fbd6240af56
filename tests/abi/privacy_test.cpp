// C-ABI tests for the Privacy section: only the public header and the
// shared library. Spans come back through the span callback.
#include <gtest/gtest.h>
#include <sigil/sigil.h>

#include <map>
#include <string>
#include <vector>

namespace {

struct Seen {
  std::vector<std::map<std::string, std::string>> spans;  // string attributes
  std::vector<std::string> paths;
  int resolver_calls = 0;
};

void on_span(void *user, const sigil_span_t *s) {
  std::map<std::string, std::string> attrs;
  for (size_t i = 0; i < s->attributes_count; ++i) {
    const sigil_attribute_t &a = s->attributes[i];
    if (a.type == SIGIL_ATTRIBUTE_STRING)
      attrs[std::string(a.key, a.key_len)] = std::string(a.string_value, a.string_value_len);
  }
  static_cast<Seen *>(user)->spans.push_back(attrs);
}

int failing_resolver(void *user, uint32_t, const char *, size_t, uint32_t *mode) {
  ++static_cast<Seen *>(user)->resolver_calls;
  *mode = SIGIL_CONTENT_CAPTURE_FULL;
  return 1;
}

int upper_sanitizer(void *user, const char *path, size_t path_len, const char *value, size_t value_len,
                    sigil_sanitized_t *out) {
  std::string p(path, path_len), v(value, value_len);
  static_cast<Seen *>(user)->paths.push_back(p);
  if (p == "span.gen_ai.tool.call.arguments") return 3;  // fails closed
  if (p == "span.gen_ai.tool.name") return sigil_sanitized_set(out, "renamed", 7) == SIGIL_OK ? 0 : 1;
  return 0;
}

sigil_client_t *client_with(Seen *seen, void (*configure)(sigil_options_t *, Seen *)) {
  sigil_options_t *o = nullptr;
  EXPECT_EQ(sigil_options_new(&o), SIGIL_OK);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
  sigil_options_set_span_callback(o, on_span, seen);
  configure(o, seen);
  sigil_client_t *c = nullptr;
  EXPECT_EQ(sigil_client_new(o, &c, nullptr), SIGIL_OK);
  sigil_options_free(o);
  return c;
}

void run_tool(sigil_client_t *c, uint32_t per_call) {
  sigil_tool_execution_start_t s = SIGIL_TOOL_EXECUTION_START_INIT;
  s.tool_name = "lookup";
  s.conversation_title = "Private title";
  s.content_capture = per_call;
  sigil_tool_execution_t *t = nullptr;
  ASSERT_EQ(sigil_tool_execution_start(c, &s, &t), SIGIL_OK);
  sigil_tool_execution_set_result(t, "{\"q\":1}", 7, "{\"r\":2}", 7, 0);
  EXPECT_EQ(sigil_tool_execution_end(t, nullptr), SIGIL_OK);
  sigil_tool_execution_free(t);
}

TEST(PrivacySection, InitMacrosAndFunctionsAgree) {
  sigil_generation_start_t a = SIGIL_GENERATION_START_INIT, b;
  sigil_generation_start_init(&b);
  EXPECT_EQ(a.version, SIGIL_GENERATION_START_VERSION);
  EXPECT_EQ(b.version, SIGIL_GENERATION_START_VERSION);
  EXPECT_EQ(a.content_capture, b.content_capture);
  sigil_tool_execution_start_t t;
  sigil_tool_execution_start_init(&t);
  EXPECT_EQ(t.version, SIGIL_TOOL_EXECUTION_START_VERSION);
  sigil_embedding_start_t e;
  sigil_embedding_start_init(&e);
  EXPECT_EQ(e.version, SIGIL_EMBEDDING_START_VERSION);
  EXPECT_EQ(a.parent_is_local, 0);  // a parent is remote unless said otherwise
  EXPECT_EQ(b.parent_is_local, 0);
  EXPECT_EQ(t.parent_is_local, 0);
  EXPECT_EQ(e.parent_is_local, 0);
  EXPECT_STREQ(sigil_content_capture_mode_name(SIGIL_CONTENT_CAPTURE_NO_TOOL_CONTENT), "no_tool_content");
  EXPECT_STREQ(sigil_content_capture_mode_name(SIGIL_CONTENT_CAPTURE_DEFAULT), "default");
}

TEST(PrivacySection, FailingResolverFailsClosed) {
  Seen seen;
  sigil_client_t *c = client_with(&seen, [](sigil_options_t *o, Seen *s) {
    sigil_options_set_content_capture_mode(o, SIGIL_CONTENT_CAPTURE_FULL);
    sigil_options_set_content_capture_resolver(o, failing_resolver, s);
  });
  run_tool(c, SIGIL_CONTENT_CAPTURE_DEFAULT);
  ASSERT_EQ(seen.spans.size(), 1u);
  EXPECT_EQ(seen.resolver_calls, 1);
  EXPECT_EQ(seen.spans[0].count("gen_ai.tool.call.arguments"), 0u);
  EXPECT_EQ(seen.spans[0].count("sigil.conversation.title"), 0u);
  // Per call wins and skips the resolver.
  run_tool(c, SIGIL_CONTENT_CAPTURE_FULL);
  EXPECT_EQ(seen.resolver_calls, 1);
  EXPECT_EQ(seen.spans[1].at("gen_ai.tool.call.arguments"), "{\"q\":1}");
  sigil_client_free(c);
}

TEST(PrivacySection, SanitizerReplacesAndFailsClosed) {
  Seen seen;
  sigil_client_t *c = client_with(&seen, [](sigil_options_t *o, Seen *s) {
    sigil_options_set_content_capture_mode(o, SIGIL_CONTENT_CAPTURE_FULL);
    sigil_options_set_sanitizer(o, upper_sanitizer, s);
  });
  run_tool(c, SIGIL_CONTENT_CAPTURE_DEFAULT);
  ASSERT_EQ(seen.spans.size(), 1u);
  EXPECT_EQ(seen.spans[0].at("gen_ai.tool.name"), "renamed");
  // Tool arguments hold JSON, so the fail-closed replacement is a JSON string.
  EXPECT_EQ(seen.spans[0].at("gen_ai.tool.call.arguments"), "\"[REDACTED:sanitizer_error]\"");
  EXPECT_EQ(seen.spans[0].at("gen_ai.tool.call.result"), "{\"r\":2}");
  sigil_client_free(c);
}

TEST(PrivacySection, UnknownPerCallModeFailsClosed) {
  Seen seen;
  sigil_client_t *c = client_with(
      &seen, [](sigil_options_t *o, Seen *) { sigil_options_set_content_capture_mode(o, SIGIL_CONTENT_CAPTURE_FULL); });
  run_tool(c, 77);
  ASSERT_EQ(seen.spans.size(), 1u);
  EXPECT_EQ(seen.spans[0].count("gen_ai.tool.call.arguments"), 0u);
  sigil_client_free(c);
}

TEST(PrivacySection, GenerationReportsItsResolvedMode) {
  Seen seen;
  sigil_client_t *c = client_with(&seen, [](sigil_options_t *o, Seen *) {
    sigil_options_set_content_capture_mode(o, SIGIL_CONTENT_CAPTURE_FULL_WITH_METADATA_SPANS);
  });
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  sigil_generation_t *g = nullptr;
  ASSERT_EQ(sigil_generation_start(c, &s, &g), SIGIL_OK);
  EXPECT_EQ(sigil_generation_content_capture_mode(g), SIGIL_CONTENT_CAPTURE_FULL_WITH_METADATA_SPANS);
  sigil_generation_free(g);
  s.content_capture = SIGIL_CONTENT_CAPTURE_METADATA_ONLY;
  ASSERT_EQ(sigil_generation_start(c, &s, &g), SIGIL_OK);
  EXPECT_EQ(sigil_generation_content_capture_mode(g), SIGIL_CONTENT_CAPTURE_METADATA_ONLY);
  sigil_generation_free(g);
  EXPECT_EQ(sigil_generation_content_capture_mode(nullptr), SIGIL_CONTENT_CAPTURE_DEFAULT);
  sigil_client_free(c);
}

TEST(PrivacySection, SettersValidate) {
  EXPECT_EQ(sigil_options_set_content_capture_mode(nullptr, 0), SIGIL_E_INVALID_ARGUMENT);
  sigil_options_t *o = nullptr;
  ASSERT_EQ(sigil_options_new(&o), SIGIL_OK);
  EXPECT_EQ(sigil_options_set_content_capture_mode(o, 9), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_redaction(o, SIGIL_REDACT_ALL + 1), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_options_set_redaction(o, SIGIL_REDACT_NONE), SIGIL_OK);
  EXPECT_EQ(sigil_options_set_max_field_bytes(o, 0), SIGIL_OK);
  sigil_options_free(o);
}

}  // namespace
