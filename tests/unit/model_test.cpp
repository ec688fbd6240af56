// Model parsing (ABI JSON), validation rules and identity resolution.
#include <gtest/gtest.h>

#include <limits>

#include "core/client.h"
#include "core/embedding_recorder.h"
#include "core/generation_recorder.h"
#include "core/tool_execution_recorder.h"
#include "support/capturing_sink.h"
#include "core/json_input.h"
#include "base/utf8.h"
#include "core/validation.h"

using namespace sigil::detail;
using sigil_test::CapturingSink;
using sigil_test::last_exported;

namespace {

// A client whose generations go to a CapturingSink: last_exported(client)
// is the generation as the privacy pass left it.
std::shared_ptr<Client> offline_client(Options o = Options()) {
  o.use_environment = false;
  // Offline: no OTLP either (with nothing configured it would go to localhost:4318).
  if (!o.telemetry.otlp_endpoint) o.telemetry.otlp_endpoint = "";
  auto c = Client::create(o, EnvLookup(), std::make_unique<CapturingSink>());
  EXPECT_TRUE(c.has_value()) << c.error().message();
  return c.value();
}

Generation seed(const char *provider = "openai", const char *model = "gpt-4o") {
  Generation g;
  g.model.provider = provider;
  g.model.name = model;
  return g;
}

const char *kValidResult =
    R"({"input":[{"role":"MESSAGE_ROLE_USER","parts":[{"text":"hi"}]}],)"
    R"("output":[{"role":"MESSAGE_ROLE_ASSISTANT","parts":[{"thinking":"hmm"},)"
    R"({"tool_call":{"id":"c1","name":"w","input_json":{"city":"Paris"}}}]},)"
    R"({"role":"MESSAGE_ROLE_TOOL","parts":[{"tool_result":{"tool_call_id":"c1","content":"18C","content_json":"eyJ0IjoxOH0="}}]}],)"
    R"("usage":{"input_tokens":"10","output_tokens":5},"stop_reason":"end_turn","tags":{"a":"1"},)"
    R"("metadata":{"k":{"nested":[1,true,null,"x"]}},"max_tokens":"256","temperature":0.5,)"
    R"("raw_artifacts":[{"kind":"ARTIFACT_KIND_REQUEST","payload":"e30="}]})";

}  // namespace

TEST(JsonInput, ParsesEveryPartKindAndScalarForm) {
  Generation g;
  ASSERT_TRUE(parse_generation_json(kValidResult, g).is_ok());
  ASSERT_EQ(g.input.size(), 1u);
  EXPECT_EQ(g.input[0].role, Role::kUser);
  EXPECT_EQ(g.input[0].parts[0].text, "hi");
  ASSERT_EQ(g.output.size(), 2u);
  EXPECT_EQ(g.output[0].parts[0].kind, PartKind::kThinking);
  EXPECT_EQ(g.output[0].parts[1].tool_call.input_json, R"({"city":"Paris"})");  // raw JSON extension
  EXPECT_EQ(g.output[1].parts[0].tool_result.content_json, R"({"t":18})");      // base64 per protojson
  EXPECT_EQ(g.usage.input_tokens, 10);
  EXPECT_EQ(g.usage.output_tokens, 5);
  EXPECT_EQ(*g.max_tokens, 256);
  EXPECT_DOUBLE_EQ(*g.temperature, 0.5);
  ASSERT_EQ(g.artifacts.size(), 1u);
  EXPECT_EQ(g.artifacts[0].payload, "{}");
  const JsonValue &nested = (*g.metadata["k"].object)["nested"];
  ASSERT_EQ(nested.list.size(), 4u);
  EXPECT_EQ(nested.list[1].kind, JsonValue::Kind::kBool);
}

TEST(JsonInput, RejectsUnknownFieldsWithPath) {
  Generation g;
  Status st = parse_generation_json(R"({"input":[{"role":"user","parts":[{"txt":"x"}]}]})", g);
  EXPECT_EQ(st.code(), SIGIL_E_INVALID_JSON);
  EXPECT_NE(st.message().find("generation.input[0].parts[0].txt"), std::string::npos) << st.message();
}

TEST(JsonInput, RejectsInvalidUtf8) {
  Generation g;
  std::string bad = "{\"system_prompt\":\"ok \xC3\x28\"}";
  Status st = parse_generation_json(bad, g);
  EXPECT_EQ(st.code(), SIGIL_E_INVALID_UTF8) << st.message();
}

TEST(JsonInput, InvalidUtf8IsReportedWithTheFieldPath) {
  Generation g;
  std::string bad =
      "{\"output\":[{\"role\":\"assistant\",\"parts\":[{\"text\":\"ok\"},{\"text\":\"x\xED\xA0\x80y\"}]}]}";
  Status st = parse_generation_json(bad, g);
  EXPECT_EQ(st.code(), SIGIL_E_INVALID_UTF8);
  EXPECT_EQ(st.message(), "generation.output[0].parts[1].text: invalid UTF-8");
  Metadata md;
  st = parse_metadata_json("{\"k\":{\"n\":[\"\xff\"]}}", md);
  EXPECT_EQ(st.message(), "metadata.k.n[0]: invalid UTF-8");
  st = parse_generation_json(
      "{\"output\":[{\"role\":\"assistant\",\"parts\":[{\"tool_call\":{\"name\":\"t\",\"input_json\":{\"a\":\"\xc3\"}}}"
      "]}]}",
      g);
  EXPECT_EQ(st.message(), "generation.output[0].parts[0].tool_call.input_json: invalid UTF-8");
}

// Locating the field costs one pass however many bytes are invalid (it was
// a rescan per byte: a megabyte of them took minutes).
TEST(JsonInput, ManyInvalidBytesAreLocatedInOnePass) {
  Generation g;
  std::string bad = "{\"system_prompt\":\"fine\",\"output\":[{\"role\":\"assistant\",\"parts\":[{\"text\":\"";
  bad.append(1 << 20, '\xff');
  bad += "\xC3\x28 \xE2\x82\"}]}]}";
  Status st = parse_generation_json(bad, g);
  EXPECT_EQ(st.code(), SIGIL_E_INVALID_UTF8);
  EXPECT_EQ(st.message(), "generation.output[0].parts[0].text: invalid UTF-8");
}

TEST(JsonInput, UnpairedSurrogateEscapeIsInvalidUtf8) {
  Generation g;
  Status st = parse_generation_json(R"({"system_prompt":"a\ud800b"})", g);
  EXPECT_EQ(st.code(), SIGIL_E_INVALID_UTF8) << st.message();
  EXPECT_EQ(st.message(), "generation.system_prompt: invalid UTF-8");
  EXPECT_TRUE(parse_generation_json(R"({"system_prompt":"pair \ud83d\ude00 ok"})", g).is_ok());
  EXPECT_EQ(parse_generation_json(R"({"system_prompt":"bad \q escape"})", g).code(), SIGIL_E_INVALID_JSON);
}

TEST(JsonInput, RejectsTwoPayloadsInOnePart) {
  Generation g;
  Status st = parse_generation_json(R"({"output":[{"role":"assistant","parts":[{"text":"a","thinking":"b"}]}]})", g);
  EXPECT_EQ(st.code(), SIGIL_E_VALIDATION);
  EXPECT_NE(st.message().find("must set exactly one payload field"), std::string::npos);
}

TEST(JsonInput, RejectsTrailingContentAndWrongTypes) {
  Generation g;
  EXPECT_EQ(parse_generation_json(R"({"stop_reason":"x"} {)", g).code(), SIGIL_E_INVALID_JSON);
  EXPECT_EQ(parse_generation_json(R"({"usage":{"input_tokens":"ten"}})", g).code(), SIGIL_E_INVALID_JSON);
  EXPECT_EQ(parse_generation_json(R"([])", g).code(), SIGIL_E_INVALID_JSON);
  Tags tags;
  EXPECT_EQ(parse_tags_json(R"({"a":1})", tags).code(), SIGIL_E_INVALID_JSON);
}

// A token that starts like null is not null: it is an error, not a skipped
// field or a null value.
TEST(JsonInput, RejectsBadLiterals) {
  Generation g;
  EXPECT_EQ(parse_generation_json(R"({"id":nope})", g).code(), SIGIL_E_INVALID_JSON);
  EXPECT_EQ(parse_generation_json(R"({"input":[{"role":"user","parts":[{"text":nul}]}]})", g).code(),
            SIGIL_E_INVALID_JSON);
  Metadata md;
  Status st = parse_metadata_json(R"({"a":[1, n ]})", md);
  EXPECT_EQ(st.code(), SIGIL_E_INVALID_JSON);
  EXPECT_NE(st.message().find("metadata.a[1]"), std::string::npos) << st.message();
  EXPECT_EQ(parse_metadata_json(R"({"a":nulls})", md).code(), SIGIL_E_INVALID_JSON);
  EXPECT_EQ(parse_metadata_json(R"({"a":tru})", md).code(), SIGIL_E_INVALID_JSON);
  md.clear();
  ASSERT_TRUE(parse_metadata_json(R"({"a":null,"b":[null],"c":{"d":null}})", md).is_ok());
  EXPECT_EQ(md.at("a").kind, JsonValue::Kind::kNull);
  g = Generation();
  ASSERT_TRUE(parse_generation_json(R"({"id":null,"conversation_id":"c"})", g).is_ok());
  EXPECT_EQ(g.conversation_id, "c");
}

TEST(Validation, ReferenceRules) {
  struct Case {
    const char *json;
    const char *message;
  } cases[] = {
      {R"({"model":{"provider":"","name":"m"}})", "generation.model.provider is required"},
      {R"({"model":{"provider":"p","name":" "}})", "generation.model.name is required"},
      {R"({"model":{"provider":"p","name":"m"},"input":[{"role":"user","parts":[]}]})",
       "generation.input[0].parts must not be empty"},
      {R"({"model":{"provider":"p","name":"m"},"input":[{"parts":[{"text":"x"}]}]})",
       "generation.input[0].role must be one of user|assistant|tool"},
      {R"({"model":{"provider":"p","name":"m"},"input":[{"role":"user","parts":[{"thinking":"x"}]}]})",
       "generation.input[0].parts[0].thinking only allowed for assistant role"},
      {R"({"model":{"provider":"p","name":"m"},"output":[{"role":"user","parts":[{"tool_call":{"name":"t"}}]}]})",
       "generation.output[0].parts[0].tool_call only allowed for assistant role"},
      {R"({"model":{"provider":"p","name":"m"},"output":[{"role":"assistant","parts":[{"tool_call":{"id":"1"}}]}]})",
       "generation.output[0].parts[0].tool_call.name is required"},
      {R"({"model":{"provider":"p","name":"m"},"input":[{"role":"tool","parts":[{"tool_result":{"content":"x"}}]}]})",
       "generation.input[0].parts[0].tool_result.tool_call_id or name is required"},
      {R"({"model":{"provider":"p","name":"m"},"input":[{"role":"user","parts":[{"text":""}]}]})",
       "generation.input[0].parts[0].text is required"},
      {R"({"model":{"provider":"p","name":"m"},"tools":[{"description":"d"}]})",
       "generation.tools[0].name is required"},
      {R"({"model":{"provider":"p","name":"m"},"raw_artifacts":[{"kind":"ARTIFACT_KIND_REQUEST"}]})",
       "generation.artifacts[0] must provide payload or record_id"},
      {R"({"model":{"provider":"p","name":"m"},"effective_version":"v1"})", "generation.effective_version must match"},
  };
  for (const Case &c : cases) {
    Generation g;
    ASSERT_TRUE(parse_generation_json(c.json, g).is_ok()) << c.json;
    Status st = validate_generation(g);
    EXPECT_EQ(st.code(), SIGIL_E_VALIDATION) << c.json;
    EXPECT_NE(st.message().find(c.message), std::string::npos) << st.message();
  }
  Generation ok;
  ASSERT_TRUE(parse_generation_json(kValidResult, ok).is_ok());
  ok.model = {"p", "m"};
  EXPECT_TRUE(validate_generation(ok).is_ok()) << validate_generation(ok).message();
}

TEST(Validation, Embeddings) {
  EmbeddingCheck e;
  e.provider = "openai";
  e.model = "m";
  EXPECT_TRUE(validate_embedding(e).is_ok());
  e.start_dimensions = 0;
  EXPECT_EQ(validate_embedding(e).message(), "embedding.dimensions must be > 0");
  e.start_dimensions.reset();
  e.encoding_format_set = true;
  e.encoding_format = "  ";
  EXPECT_EQ(validate_embedding(e).message(), "embedding.encoding_format must not be blank");
}

// Identity resolution: the reference conformance matrices.
struct TitleCase {
  const char *explicit_title, *context_title, *meta_title, *expected;
};

TEST(Resolution, ConversationTitle) {
  TitleCase cases[] = {{"Explicit", "Context", "Meta", "Explicit"},
                       {"", "Context", nullptr, "Context"},
                       {"", nullptr, "Meta", "Meta"},
                       {"   ", nullptr, nullptr, nullptr}};
  auto client = offline_client();
  for (const TitleCase &c : cases) {
    Generation s = seed();
    s.conversation_title = c.explicit_title;
    if (c.meta_title) s.metadata["sigil.conversation.title"] = JsonValue::String(c.meta_title);
    ContextValues ctx;
    if (c.context_title) ctx.conversation_title = c.context_title;
    GenerationRecorder rec(client, GenerationMode::kSync, s, ctx, {}, Status::ok());
    ASSERT_TRUE(rec.end().is_ok());
    const Generation &g = last_exported(client);
    if (c.expected) {
      EXPECT_EQ(g.conversation_title, c.expected);
      EXPECT_EQ(g.metadata.at("sigil.conversation.title").string, c.expected);
    } else {
      EXPECT_EQ(g.metadata.count("sigil.conversation.title"), 0u);
    }
  }
}

TEST(Resolution, UserId) {
  struct Case {
    const char *explicit_id, *ctx, *canonical, *legacy, *expected;
  } cases[] = {
      {"explicit", "ctx", "canonical", "legacy", "explicit"}, {"", "ctx", nullptr, nullptr, "ctx"},
      {"", nullptr, "canonical", nullptr, "canonical"},       {"", nullptr, nullptr, "legacy", "legacy"},
      {"", nullptr, "canonical", "legacy", "canonical"},      {"  padded  ", nullptr, nullptr, nullptr, "padded"}};
  auto client = offline_client();
  for (const auto &c : cases) {
    Generation s = seed();
    s.user_id = c.explicit_id;
    if (c.canonical) s.metadata["sigil.user.id"] = JsonValue::String(c.canonical);
    if (c.legacy) s.metadata["user.id"] = JsonValue::String(c.legacy);
    ContextValues ctx;
    if (c.ctx) ctx.user_id = c.ctx;
    GenerationRecorder rec(client, GenerationMode::kSync, s, ctx, {}, Status::ok());
    ASSERT_TRUE(rec.end().is_ok());
    EXPECT_EQ(last_exported(client).user_id, c.expected);
    EXPECT_EQ(last_exported(client).metadata.at("sigil.user.id").string, c.expected);
  }
}

TEST(Resolution, AgentIdentityIncludingResultTimeOverride) {
  auto client = offline_client();
  {
    ContextValues ctx{"", "", "", "agent-context", "v-context"};
    GenerationRecorder rec(client, GenerationMode::kSync, seed(), ctx, {}, Status::ok());
    ASSERT_TRUE(rec.end().is_ok());
    EXPECT_EQ(last_exported(client).agent_name, "agent-context");
    EXPECT_EQ(last_exported(client).agent_version, "v-context");
  }
  {
    Generation s = seed();
    s.agent_name = "agent-seed";
    s.agent_version = "v-seed";
    GenerationRecorder rec(client, GenerationMode::kSync, s, ContextValues(), {}, Status::ok());
    ASSERT_TRUE(rec.set_result_json(R"({"agent_name":"agent-result","agent_version":"v-result"})").is_ok());
    ASSERT_TRUE(rec.end().is_ok());
    EXPECT_EQ(last_exported(client).agent_name, "agent-result");
    EXPECT_EQ(last_exported(client).agent_version, "v-result");
  }
  {
    GenerationRecorder rec(client, GenerationMode::kSync, seed(), ContextValues(), {}, Status::ok());
    ASSERT_TRUE(rec.end().is_ok());
    EXPECT_EQ(last_exported(client).agent_name, "");
  }
  {
    Options o;
    o.agent_name = "client-default";
    auto c2 = offline_client(o);
    GenerationRecorder rec(c2, GenerationMode::kSync, seed(), ContextValues(), {}, Status::ok());
    ASSERT_TRUE(rec.end().is_ok());
    EXPECT_EQ(last_exported(c2).agent_name, "client-default");
  }
}

// Token counts and timestamps are the caller's numbers: the extremes of int64
// must neither overflow (undefined behaviour; the sanitizer builds run this)
// nor be refused.
TEST(Resolution, ExtremeTokenCountsAndTimestampsSaturate) {
  auto client = offline_client(Options());
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max(), kMin = std::numeric_limits<int64_t>::min();
  Generation s = seed();
  s.started_at_ns = kMin;
  GenerationRecorder rec(client, GenerationMode::kStream, s, ContextValues(), {}, Status::ok());
  rec.set_first_token_at(kMax);
  rec.result().usage.input_tokens = kMax;
  rec.result().usage.output_tokens = 5;
  rec.result().completed_at_ns = kMax;
  ASSERT_TRUE(rec.end().is_ok());
  EXPECT_EQ(last_exported(client).usage.total_tokens, kMax);

  Generation late = seed();
  late.started_at_ns = kMax;
  GenerationRecorder back(client, GenerationMode::kStream, late, ContextValues(), {}, Status::ok());
  back.set_first_token_at(kMin);  // long before the start: no time to first token
  back.result().completed_at_ns = kMin;
  ASSERT_TRUE(back.end().is_ok());

  // A negative count is refused rather than summed.
  GenerationRecorder negative(client, GenerationMode::kStream, seed(), ContextValues(), {}, Status::ok());
  negative.result().usage.input_tokens = kMin;
  negative.result().usage.output_tokens = -5;
  Status st = negative.end();
  EXPECT_EQ(st.code(), SIGIL_E_VALIDATION);
  EXPECT_NE(st.message().find("usage.input_tokens"), std::string::npos) << st.message();
}

TEST(Resolution, ModeOperationSdkNameTagsMetadataAndCallError) {
  Options o;
  o.sdk_name = "sdk-test";
  o.tags["client"] = "c";
  o.tags["shared"] = "client";
  auto client = offline_client(o);
  Generation s = seed();
  s.tags["shared"] = "start";
  s.tags["start"] = "s";
  s.metadata["sigil.sdk.name"] = JsonValue::String("spoofed");
  s.metadata["from_start"] = JsonValue::Number(1);
  GenerationRecorder rec(client, GenerationMode::kStream, s, ContextValues(), {}, Status::ok());
  ASSERT_TRUE(rec.set_result_json(R"({"tags":{"shared":"result"},"metadata":{"from_result":true},)"
                                  R"("usage":{"input_tokens":3,"output_tokens":4}})")
                  .is_ok());
  rec.set_call_error("provider unavailable", 503);
  ASSERT_TRUE(rec.end().is_ok());
  const Generation &g = last_exported(client);
  EXPECT_EQ(g.mode, GenerationMode::kStream);
  EXPECT_EQ(g.operation_name, "streamText");
  EXPECT_EQ(g.metadata.at("sigil.sdk.name").string, "sdk-test");
  EXPECT_EQ(g.tags.at("shared"), "result");
  EXPECT_EQ(g.tags.at("client"), "c");
  EXPECT_EQ(g.tags.at("start"), "s");
  EXPECT_EQ(g.metadata.count("from_start"), 1u);
  EXPECT_EQ(g.metadata.count("from_result"), 1u);
  EXPECT_EQ(g.call_error, "provider unavailable");
  EXPECT_EQ(g.metadata.at("call_error").string, "provider unavailable");
  EXPECT_EQ(g.usage.total_tokens, 7);
  EXPECT_EQ(g.trace_id, rec.trace().trace_id);
  EXPECT_EQ(g.span_id, rec.trace().span_id);
  EXPECT_EQ(g.id.rfind("gen_", 0), 0u);
}

TEST(Resolution, ParentTraceparentMakesAChildSpan) {
  auto client = offline_client();
  GenerationRecorder rec(client, GenerationMode::kSync, seed(), ContextValues(),
                         {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}, Status::ok());
  EXPECT_EQ(rec.trace().trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(rec.trace().parent_span_id, "b7ad6b7169203331");
  EXPECT_NE(rec.trace().span_id, "b7ad6b7169203331");
  EXPECT_TRUE(rec.trace().parent_remote);  // a traceparent is remote unless said otherwise
  GenerationRecorder local(client, GenerationMode::kSync, seed(), ContextValues(),
                           {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", false}, Status::ok());
  EXPECT_EQ(local.trace().parent_span_id, "b7ad6b7169203331");
  EXPECT_FALSE(local.trace().parent_remote);
  GenerationRecorder root(client, GenerationMode::kSync, seed(), ContextValues(), {"garbage"}, Status::ok());
  EXPECT_EQ(root.trace().parent_span_id, "");
  EXPECT_FALSE(root.trace().parent_remote);
  EXPECT_EQ(root.trace().trace_id.size(), 32u);
}

TEST(Resolution, EndReportsValidationShutdownAndDoubleEnd) {
  auto client = offline_client();
  GenerationRecorder bad(client, GenerationMode::kSync, seed("", "m"), ContextValues(), {}, Status::ok());
  Status st = bad.end();
  EXPECT_EQ(st.code(), SIGIL_E_VALIDATION);
  EXPECT_NE(st.message().find("generation.model.provider is required"), std::string::npos);
  EXPECT_EQ(bad.end().code(), SIGIL_E_ALREADY_ENDED);

  GenerationRecorder pending(client, GenerationMode::kSync, seed(), ContextValues(), {}, Status::ok());
  // The refused record above may still be with the finisher: give it time.
  ASSERT_TRUE(client->shutdown(Client::Clock::now() + std::chrono::seconds(10)).is_ok());
  EXPECT_EQ(pending.end().code(), SIGIL_E_SHUTDOWN);
}

// valid_utf8 takes a word-at-a-time path for short ASCII strings and the SIMD
// validator otherwise: every length around the 8-byte words and the 64-byte
// cut, with one bad byte (a lone continuation, a truncated lead, an overlong
// form, a surrogate) at every position, must agree with the scalar decoder.
TEST(Utf8, ShortAndLongStringsAgreeWithTheScalarDecoder) {
  const std::string bad[] = {"\x80", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xff"};
  for (size_t len = 0; len <= 72; ++len) {
    std::string ascii(len, 'a');
    EXPECT_TRUE(valid_utf8(ascii)) << len;
    EXPECT_EQ(first_invalid_utf8(ascii), std::string::npos) << len;
    for (size_t at = 0; at < len; ++at) {
      std::string two = ascii;
      two.replace(at, 1, "\xc3\xa9");  // é: valid, not ASCII
      EXPECT_TRUE(valid_utf8(two)) << len << "@" << at;
      for (const std::string &b : bad) {
        std::string s = ascii;
        s.replace(at, 1, b);
        EXPECT_FALSE(valid_utf8(s)) << len << "@" << at;
        EXPECT_EQ(first_invalid_utf8(s), at) << len << "@" << at;
      }
    }
  }
}
