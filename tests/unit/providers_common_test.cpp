// The provider layer's registry, robustness rules (malformed, truncated,
// wrong types, invalid UTF-8) and the OpenAI embeddings mapper.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/utf8.h"
#include "providers/provider_api.h"
#include "providers/provider_json.h"
#include "unit/providers_fixtures.h"

using namespace sigil::detail;
using sigil_test::read_fixture;

TEST(ProvidersRegistry, NamesRoundTrip) {
  for (const char *name : {"openai.chat", "openai.responses", "openai.embeddings", "anthropic.messages",
                           "gemini.generate_content", "gemini.embed_content", "bedrock.converse"}) {
    auto api = parse_provider_api(name);
    ASSERT_TRUE(api.has_value()) << name;
    EXPECT_EQ(provider_api_name(*api), name);
  }
  EXPECT_EQ(provider_name(ProviderApi::kBedrockConverse), "bedrock");
  EXPECT_TRUE(is_embedding_api(ProviderApi::kGeminiEmbedContent));
  EXPECT_FALSE(is_embedding_api(ProviderApi::kOpenAIChat));
}

TEST(ProvidersRegistry, UnknownNameIsAClearError) {
  auto api = parse_provider_api("openai.completions");
  ASSERT_FALSE(api.has_value());
  EXPECT_EQ(api.error().code(), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_NE(api.error().message().find("openai.completions"), std::string::npos);
  EXPECT_NE(api.error().message().find("bedrock.converse"), std::string::npos);  // lists the known names
}

TEST(ProvidersRegistry, EmbeddingApisAreNotGenerations) {
  Generation g;
  EXPECT_EQ(map_provider_request(ProviderApi::kOpenAIEmbeddings, "{}", g).code(), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(make_stream_accumulator(ProviderApi::kGeminiEmbedContent), nullptr);
  ProviderEmbedding e;
  EXPECT_EQ(map_provider_embedding(ProviderApi::kOpenAIChat, "{}", "{}", e).code(), SIGIL_E_INVALID_ARGUMENT);
}

TEST(ProvidersJson, CloseTruncatedJsonCutsAtTheLastCompleteValue) {
  EXPECT_EQ(close_truncated_json(R"({"a":1,"b":[1,2)"), R"({"a":1,"b":[1]})");
  EXPECT_EQ(close_truncated_json(R"({"a":"x","b":"unterminated)"), R"({"a":"x"})");
  EXPECT_EQ(close_truncated_json(R"({"a":{"b":)"), R"({"a":{}})");
  EXPECT_EQ(close_truncated_json(R"({"key)"), "{}");
  EXPECT_EQ(close_truncated_json(R"({"a":1} trailing)"), R"({"a":1})");
  EXPECT_EQ(close_truncated_json(R"({"s":"a\"}b",)"), R"({"s":"a\"}b"})");
  EXPECT_EQ(close_truncated_json("nope"), "");
  EXPECT_EQ(close_truncated_json(""), "");
}

TEST(ProvidersRobustness, MalformedJsonIsAMappingErrorNotACrash) {
  Generation g;
  Status st = map_provider_response(ProviderApi::kOpenAIChat, "this is not json", g);
  EXPECT_EQ(st.code(), SIGIL_E_INVALID_JSON);
  EXPECT_NE(st.message().find("openai.chat response"), std::string::npos) << st.message();
  st = map_provider_response(ProviderApi::kAnthropicMessages, "", g);
  EXPECT_EQ(st.code(), SIGIL_E_INVALID_JSON);
  st = map_provider_response(ProviderApi::kGeminiGenerateContent, "[1,2]", g);
  EXPECT_EQ(st.code(), SIGIL_E_INVALID_JSON);
  EXPECT_NE(st.message().find("expected a JSON object"), std::string::npos) << st.message();
}

TEST(ProvidersRobustness, WrongTypesAreNamedByPathAndTheRestStillMaps) {
  Generation g;
  Status st = map_provider_response(
      ProviderApi::kOpenAIChat,
      R"({"id":"chatcmpl-1","model":7,"choices":"nope","usage":{"prompt_tokens":"12","completion_tokens":3.0,"total_tokens":true}})",
      g);
  EXPECT_EQ(st.code(), SIGIL_E_INVALID_JSON);
  EXPECT_NE(st.message().find("openai.chat response.model: expected a string"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("(and 2 more)"), std::string::npos) << st.message();
  EXPECT_EQ(g.response_id, "chatcmpl-1");
  EXPECT_EQ(g.usage.input_tokens, 12);  // counts as strings are accepted
  EXPECT_EQ(g.usage.output_tokens, 3);
  EXPECT_EQ(g.usage.total_tokens, 15);  // filled from input + output when absent
}

TEST(ProvidersRobustness, InvalidUtf8IsReplacedAndReported) {
  Generation g;
  const std::string json =
      "{\"id\":\"r1\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
      "\"content\":\"caf\xE9 ok\"},\"finish_reason\":\"stop\"}]}";
  Status st = map_provider_response(ProviderApi::kOpenAIChat, json, g);
  EXPECT_EQ(st.code(), SIGIL_E_INVALID_UTF8);
  EXPECT_NE(st.message().find("byte"), std::string::npos) << st.message();
  ASSERT_EQ(g.output.size(), 1u);
  EXPECT_EQ(g.output[0].parts[0].text, "caf\xEF\xBF\xBD ok");
  EXPECT_TRUE(valid_utf8(g.output[0].parts[0].text));
  EXPECT_EQ(g.stop_reason, "stop");
}

TEST(ProvidersRobustness, UnknownPartAndItemTypesAreIgnored) {
  Generation g;
  Status st = map_provider_response(
      ProviderApi::kAnthropicMessages,
      R"({"id":"m","content":[{"type":"hologram","data":1},{"type":"text","text":"hi","citations":[]}],"stop_reason":"end_turn","future":{}})",
      g);
  ASSERT_TRUE(st.is_ok()) << st.message();
  ASSERT_EQ(g.output.size(), 1u);
  ASSERT_EQ(g.output[0].parts.size(), 1u);
  EXPECT_EQ(g.output[0].parts[0].text, "hi");
}

TEST(ProvidersRobustness, HostileStreamIndexesAreBounded) {
  auto acc = make_stream_accumulator(ProviderApi::kOpenAIChat);
  acc->add_event(R"({"choices":[{"index":4000000000,"delta":{"content":"x"}}]})");
  acc->add_event(R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":-1,"function":{"arguments":"{}"}}]}}]})");
  Generation g;
  Status st = acc->finish(g);
  EXPECT_FALSE(st.is_ok());
  EXPECT_TRUE(g.output.empty());
}

TEST(ProvidersRobustness, AStreamWithNoEventsSaysSo) {
  auto acc = make_stream_accumulator(ProviderApi::kBedrockConverse);
  Generation g;
  Status st = acc->finish(g);
  EXPECT_EQ(st.code(), SIGIL_E_INVALID_JSON);
  EXPECT_NE(st.message().find("no events"), std::string::npos) << st.message();
  EXPECT_EQ(g.model.provider, "bedrock");
}

TEST(ProvidersEmbeddings, OpenAIRequestAndResponse) {
  ProviderEmbedding e;
  Status st = map_provider_embedding(ProviderApi::kOpenAIEmbeddings, read_fixture("openai.embeddings", "request.json"),
                                     read_fixture("openai.embeddings", "response.json"), e);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(e.provider, "openai");
  EXPECT_EQ(e.model, "text-embedding-3-small");
  EXPECT_EQ(e.response_model, "text-embedding-3-small");
  EXPECT_EQ(e.encoding_format, "float");
  EXPECT_EQ(e.requested_dimensions.value_or(0), 4);
  EXPECT_EQ(e.input_count, 2);
  ASSERT_EQ(e.input_texts.size(), 2u);
  EXPECT_EQ(e.input_texts[1], "The waiter was friendly.");
  EXPECT_EQ(e.input_tokens, 11);
  EXPECT_EQ(e.dimensions.value_or(0), 4);
}

TEST(ProvidersEmbeddings, TokenArrayInputsCount) {
  ProviderEmbedding one, many;
  ASSERT_TRUE(
      map_provider_embedding(ProviderApi::kOpenAIEmbeddings, R"({"model":"m","input":[1,2,3]})", "", one).is_ok());
  EXPECT_EQ(one.input_count, 1);
  ASSERT_TRUE(
      map_provider_embedding(ProviderApi::kOpenAIEmbeddings, R"({"model":"m","input":[[1,2],[3]]})", "", many).is_ok());
  EXPECT_EQ(many.input_count, 2);
  EXPECT_TRUE(many.input_texts.empty());
}

// Every generation fixture maps; the failure fixtures (truncated, early_end,
// out_of_order, malformed) say so, the others map cleanly.
TEST(ProvidersFixtures, EveryFixtureMapsAndOnlyFailureCasesReportAnError) {
  namespace fs = std::filesystem;
  size_t files = 0;
  for (const auto &dir : fs::directory_iterator(SIGIL_PROVIDER_FIXTURES)) {
    const std::string name_of_api = dir.path().filename().string();
    auto api = parse_provider_api(name_of_api);
    ASSERT_TRUE(api.has_value()) << "fixture folder named after no API: " << name_of_api;
    if (is_embedding_api(*api)) continue;
    for (const auto &file : fs::directory_iterator(dir.path())) {
      const std::string name = file.path().filename().string();
      const bool failure = name.find("truncated") != std::string::npos || name.find("early_end") != std::string::npos ||
                           name.find("out_of_order") != std::string::npos ||
                           name.find("malformed") != std::string::npos;
      Generation g;
      Status st;
      if (name.rfind("request", 0) == 0) {
        st = map_provider_request(*api, read_fixture(name_of_api, name), g);
        EXPECT_FALSE(g.input.empty()) << name_of_api << "/" << name;
      } else if (name.rfind("response", 0) == 0) {
        st = map_provider_response(*api, read_fixture(name_of_api, name), g);
        EXPECT_FALSE(g.output.empty()) << name_of_api << "/" << name;
      } else if (name.rfind("stream", 0) == 0) {
        st = sigil_test::replay_stream(*api, sigil_test::fixture_lines(name_of_api, name), g).status;
        EXPECT_FALSE(g.output.empty()) << name_of_api << "/" << name;
      } else {
        ADD_FAILURE() << "fixture name starts with neither request, response nor stream: " << name;
        continue;
      }
      ++files;
      EXPECT_EQ(st.is_ok(), !failure) << name_of_api << "/" << name << ": " << st.message();
      for (const auto &m : g.output) {
        for (const auto &p : m.parts) EXPECT_TRUE(valid_utf8(p.text)) << name;
      }
    }
  }
  EXPECT_GE(files, 35u);
}

TEST(ProvidersFixtures, FailureFixturesKeepWhatArrived) {
  Generation ooo;
  auto run = sigil_test::replay_stream(ProviderApi::kOpenAIResponses,
                                       sigil_test::fixture_lines("openai.responses", "stream_out_of_order.jsonl"), ooo);
  EXPECT_FALSE(run.status.is_ok());
  ASSERT_EQ(ooo.output.size(), 1u);
  EXPECT_EQ(ooo.output[0].parts[0].text, "Hello world");
  EXPECT_EQ(ooo.usage.total_tokens, 7);

  Generation bedrock;
  run = sigil_test::replay_stream(ProviderApi::kBedrockConverse,
                                  sigil_test::fixture_lines("bedrock.converse", "stream_out_of_order.jsonl"), bedrock);
  EXPECT_FALSE(run.status.is_ok());
  ASSERT_EQ(bedrock.output.size(), 1u);
  EXPECT_EQ(bedrock.output[0].parts[0].text, "Early text");
  EXPECT_EQ(bedrock.stop_reason, "end_turn");

  Generation gemini;
  run = sigil_test::replay_stream(ProviderApi::kGeminiGenerateContent,
                                  sigil_test::fixture_lines("gemini.generate_content", "stream_malformed_chunk.jsonl"),
                                  gemini);
  EXPECT_NE(run.status.message().find("stream event 1"), std::string::npos) << run.status.message();
  ASSERT_EQ(gemini.output.size(), 1u);
  EXPECT_EQ(gemini.output[0].parts[0].text, "One three.");
  EXPECT_EQ(gemini.usage.total_tokens, 7);

  Generation chat;
  run = sigil_test::replay_stream(ProviderApi::kOpenAIChat,
                                  sigil_test::fixture_lines("openai.chat", "stream_out_of_order.jsonl"), chat);
  EXPECT_NE(run.status.message().find("after [DONE]"), std::string::npos) << run.status.message();
  EXPECT_EQ(chat.output[0].parts[0].text, "Hi late");

  Generation anthropic;
  Status st = map_provider_response(ProviderApi::kAnthropicMessages,
                                    read_fixture("anthropic.messages", "response_truncated.json"), anthropic);
  EXPECT_EQ(st.code(), SIGIL_E_INVALID_JSON);
  EXPECT_EQ(anthropic.response_id, "msg_01XFDUDYJgAACzvnptvVoYEL");
  ASSERT_EQ(anthropic.output.size(), 1u);
  EXPECT_EQ(anthropic.output[0].parts.size(), 3u);
}

TEST(ProvidersRobustness, CountsAsLongDigitStringsAreWrongTypesNotOverflows) {
  Generation g;
  Status st = map_provider_response(ProviderApi::kAnthropicMessages,
                                    R"({"usage":{"input_tokens":"9999999999999999999999","output_tokens":"42"}})", g);
  EXPECT_EQ(st.code(), SIGIL_E_INVALID_JSON);
  EXPECT_NE(st.message().find("usage.input_tokens: expected an integer"), std::string::npos) << st.message();
  EXPECT_EQ(g.usage.input_tokens, 0);
  EXPECT_EQ(g.usage.output_tokens, 42);
}
