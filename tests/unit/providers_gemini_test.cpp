// Gemini generateContent and embedContent mappers against
// conformance/fixtures/providers/gemini.*.
#include <gtest/gtest.h>

#include "providers/provider_api.h"
#include "unit/providers_fixtures.h"

using namespace sigil::detail;
using sigil_test::fixture_lines;
using sigil_test::read_fixture;
using sigil_test::replay_stream;

namespace {
const char kApi[] = "gemini.generate_content";
}

TEST(ProvidersGemini, RequestContentsSystemInstructionToolsAndThinking) {
  Generation g;
  Status st = map_provider_request(ProviderApi::kGeminiGenerateContent, read_fixture(kApi, "request.json"), g);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(g.model.provider, "gemini");
  EXPECT_EQ(g.model.name, "gemini-2.5-flash");
  EXPECT_EQ(g.system_prompt, "You are a helpful botanist.");
  ASSERT_EQ(g.input.size(), 3u);
  ASSERT_EQ(g.input[0].parts.size(), 3u);
  EXPECT_EQ(g.input[0].parts[1].media.kind, "image");
  EXPECT_EQ(g.input[0].parts[1].media.mime_type, "image/jpeg");
  EXPECT_EQ(g.input[0].parts[1].media.url, "");
  EXPECT_EQ(g.input[0].parts[2].media.kind, "file");
  EXPECT_EQ(g.input[0].parts[2].media.url, "https://generativelanguage.googleapis.com/v1beta/files/abc123");
  EXPECT_EQ(g.input[1].role, Role::kAssistant);
  ASSERT_EQ(g.input[1].parts.size(), 2u);
  EXPECT_EQ(g.input[1].parts[1].tool_call.id, "fc-1");
  EXPECT_EQ(g.input[1].parts[1].tool_call.input_json, R"({"detail":2,"name":"monstera"})");
  EXPECT_EQ(g.input[2].role, Role::kTool);
  EXPECT_EQ(g.input[2].parts[0].tool_result.name, "lookup_plant");
  EXPECT_EQ(g.input[2].parts[0].tool_result.content_json, R"({"family":"Araceae"})");
  ASSERT_EQ(g.tools.size(), 1u);
  EXPECT_EQ(g.tools[0].name, "lookup_plant");
  EXPECT_EQ(g.tools[0].input_schema_json,
            R"({"properties":{"name":{"type":"STRING"}},"required":["name"],"type":"OBJECT"})");
  EXPECT_EQ(g.tool_choice.value_or(""), "auto");
  EXPECT_EQ(g.max_tokens.value_or(0), 1024);
  EXPECT_DOUBLE_EQ(g.temperature.value_or(0), 0.4);
  EXPECT_DOUBLE_EQ(g.top_p.value_or(0), 0.95);
  EXPECT_EQ(g.thinking_enabled.value_or(false), true);
  EXPECT_EQ(g.metadata["sigil.gen_ai.request.thinking.budget_tokens"].number, 512);
}

TEST(ProvidersGemini, ResponseThoughtsFunctionCallsAndUsageMetadata) {
  Generation g;
  Status st = map_provider_response(ProviderApi::kGeminiGenerateContent, read_fixture(kApi, "response.json"), g);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(g.response_id, "mAitaLmkHPPlz7IPvtfUqQ4");
  EXPECT_EQ(g.response_model, "gemini-2.5-flash");
  EXPECT_EQ(g.stop_reason, "STOP");
  ASSERT_EQ(g.output.size(), 1u);
  ASSERT_EQ(g.output[0].parts.size(), 3u);
  EXPECT_EQ(g.output[0].parts[0].kind, PartKind::kThinking);
  EXPECT_EQ(g.output[0].parts[0].provider_type, "thought");
  EXPECT_EQ(g.output[0].parts[1].text, "This is a Monstera deliciosa (family Araceae).");
  EXPECT_EQ(g.output[0].parts[2].tool_call.input_json, R"({"confidence":0.93,"species":"Monstera deliciosa"})");
  EXPECT_EQ(g.usage.input_tokens, 1290);
  EXPECT_EQ(g.usage.output_tokens, 58);
  EXPECT_EQ(g.usage.total_tokens, 1480);
  EXPECT_EQ(g.usage.cache_read_input_tokens, 1024);
  EXPECT_EQ(g.usage.reasoning_tokens, 120);
  EXPECT_EQ(g.metadata["sigil.gen_ai.usage.tool_use_prompt_tokens"].number, 12);
}

TEST(ProvidersGemini, StreamJoinsSlicesAndTakesTheLastUsage) {
  Generation g;
  auto run = replay_stream(ProviderApi::kGeminiGenerateContent, fixture_lines(kApi, "stream.jsonl"), g);
  ASSERT_TRUE(run.status.is_ok()) << run.status.message();
  EXPECT_EQ(run.first_content_at, 0);
  ASSERT_EQ(g.output.size(), 1u);
  ASSERT_EQ(g.output[0].parts.size(), 3u);
  EXPECT_EQ(g.output[0].parts[0].text, "Thinking about leaves.");
  EXPECT_EQ(g.output[0].parts[1].text, "It is a Monstera.");
  EXPECT_EQ(g.output[0].parts[2].tool_call.input_json, R"({"species":"Monstera"})");
  EXPECT_EQ(g.stop_reason, "STOP");
  EXPECT_EQ(g.usage.output_tokens, 15);
  EXPECT_EQ(g.usage.total_tokens, 75);
  EXPECT_EQ(g.usage.reasoning_tokens, 20);
  EXPECT_EQ(g.response_id, "stream-resp-1");
}

TEST(ProvidersGemini, StreamEndedEarly) {
  Generation g;
  auto run = replay_stream(ProviderApi::kGeminiGenerateContent, fixture_lines(kApi, "stream_early_end.jsonl"), g);
  EXPECT_FALSE(run.status.is_ok());
  ASSERT_EQ(g.output.size(), 1u);
  EXPECT_EQ(g.output[0].parts[0].text, "It is a Mons");
  EXPECT_EQ(g.usage.total_tokens, 43);
}

TEST(ProvidersGemini, EmbedContentSingleAndBatch) {
  ProviderEmbedding one;
  Status st =
      map_provider_embedding(ProviderApi::kGeminiEmbedContent, read_fixture("gemini.embed_content", "request.json"),
                             read_fixture("gemini.embed_content", "response.json"), one);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(one.provider, "gemini");
  EXPECT_EQ(one.model, "gemini-embedding-001");
  EXPECT_EQ(one.input_count, 1);
  ASSERT_EQ(one.input_texts.size(), 1u);
  EXPECT_EQ(one.input_texts[0], "What is the meaning of life?");
  EXPECT_EQ(one.requested_dimensions.value_or(0), 768);
  EXPECT_EQ(one.dimensions.value_or(0), 4);

  ProviderEmbedding batch;
  st = map_provider_embedding(ProviderApi::kGeminiEmbedContent,
                              read_fixture("gemini.embed_content", "request_batch.json"),
                              read_fixture("gemini.embed_content", "response_batch.json"), batch);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(batch.model, "text-embedding-004");
  EXPECT_EQ(batch.input_count, 2);
  EXPECT_EQ(batch.input_tokens, 5);
  EXPECT_EQ(batch.dimensions.value_or(0), 3);
}

// The google-genai SDK's embed_content(model=, contents=, config=) arguments as one request.
TEST(ProvidersGemini, EmbedContentSdkForm) {
  ProviderEmbedding list;
  Status st = map_provider_embedding(ProviderApi::kGeminiEmbedContent, R"({
    "model": "gemini-embedding-001",
    "contents": [" alpha ", {"role": "user", "parts": [{"text": "beta"}, {"text": "gamma"}]}, {"parts": []}],
    "config": {"output_dimensionality": 256}})",
                                     R"({"embeddings": [{"values": [0.1, 0.2]}]})", list);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(list.model, "gemini-embedding-001");
  EXPECT_EQ(list.input_count, 3);
  EXPECT_EQ(list.input_texts, (std::vector<std::string>{"alpha", "beta\ngamma"}));
  EXPECT_EQ(list.requested_dimensions.value_or(0), 256);
  EXPECT_EQ(list.dimensions.value_or(0), 2);

  ProviderEmbedding text;
  st = map_provider_embedding(ProviderApi::kGeminiEmbedContent,
                              R"({"model": "models/gemini-embedding-001", "contents": "hello",
                                  "config": {"outputDimensionality": 8}})",
                              {}, text);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(text.input_count, 1);
  EXPECT_EQ(text.input_texts, (std::vector<std::string>{"hello"}));
  EXPECT_EQ(text.requested_dimensions.value_or(0), 8);

  ProviderEmbedding wrong;
  st = map_provider_embedding(ProviderApi::kGeminiEmbedContent, R"({"model": "m", "contents": 7})", {}, wrong);
  EXPECT_EQ(st.code(), SIGIL_E_INVALID_JSON);
  EXPECT_EQ(wrong.model, "m");  // the rest still mapped
}

TEST(ProvidersGemini, SdkStyleRequestWithConfigAndSnakeCase) {
  Generation g;
  Status st = map_provider_request(ProviderApi::kGeminiGenerateContent, R"({
    "model": "gemini-2.0-flash",
    "contents": "Name three ferns.",
    "config": {
      "system_instruction": "Answer as a list.",
      "max_output_tokens": 200,
      "top_p": 0.8,
      "thinking_config": {"include_thoughts": false, "thinking_budget": 0, "thinking_level": "LOW"},
      "tool_config": {"function_calling_config": {"mode": "NONE"}},
      "tools": [{"function_declarations": [{"name": "list_ferns", "parameters_json_schema": {"type": "object"}}]}]
    }})",
                                   g);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(g.model.name, "gemini-2.0-flash");
  EXPECT_EQ(g.system_prompt, "Answer as a list.");
  ASSERT_EQ(g.input.size(), 1u);
  EXPECT_EQ(g.input[0].parts[0].text, "Name three ferns.");
  EXPECT_EQ(g.max_tokens.value_or(0), 200);
  EXPECT_DOUBLE_EQ(g.top_p.value_or(0), 0.8);
  EXPECT_EQ(g.thinking_enabled.value_or(true), false);
  EXPECT_EQ(g.metadata["sigil.gen_ai.request.thinking.budget_tokens"].number, 0);
  EXPECT_EQ(g.metadata["sigil.gen_ai.request.thinking.level"].string, "low");
  EXPECT_EQ(g.tool_choice.value_or(""), "none");
  ASSERT_EQ(g.tools.size(), 1u);
  EXPECT_EQ(g.tools[0].input_schema_json, R"({"type":"object"})");
}

TEST(ProvidersGemini, RequestThenResponseFillOneGeneration) {
  Generation g;
  ASSERT_TRUE(
      map_provider_request(ProviderApi::kGeminiGenerateContent, R"({"model":"models/gemini-2.5-pro","contents":[]})", g)
          .is_ok());
  ASSERT_TRUE(
      map_provider_response(
          ProviderApi::kGeminiGenerateContent,
          R"({"candidates":[{"content":{"role":"model","parts":[{"text":"ok"}]},"finishReason":"max_tokens"}]})", g)
          .is_ok());
  EXPECT_EQ(g.model.name, "gemini-2.5-pro");
  EXPECT_EQ(g.response_model, "gemini-2.5-pro");  // the response named none
  EXPECT_EQ(g.stop_reason, "MAX_TOKENS");
  EXPECT_EQ(g.output[0].parts[0].text, "ok");
}
