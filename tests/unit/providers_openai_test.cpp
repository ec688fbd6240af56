// OpenAI Chat Completions and Responses mappers against the fixtures in
// conformance/fixtures/providers/openai.*.
#include <gtest/gtest.h>

#include "base/utf8.h"
#include "core/json_input.h"
#include "providers/provider_api.h"
#include "unit/providers_fixtures.h"

using namespace sigil::detail;
using sigil_test::fixture_lines;
using sigil_test::read_fixture;
using sigil_test::replay_stream;

namespace {

const char kChat[] = "openai.chat";
const char kResponses[] = "openai.responses";

Generation chat_response(const std::string &name, Status *st = nullptr) {
  Generation g;
  Status s = map_provider_response(ProviderApi::kOpenAIChat, read_fixture(kChat, name), g);
  if (st != nullptr)
    *st = s;
  else
    EXPECT_TRUE(s.is_ok()) << s.message();
  return g;
}

}  // namespace

TEST(ProvidersOpenAIChat, RequestMapsEveryMessageKindToolsAndControls) {
  Generation g;
  Status st = map_provider_request(ProviderApi::kOpenAIChat, read_fixture(kChat, "request.json"), g);
  ASSERT_TRUE(st.is_ok()) << st.message();  // unknown fields are ignored
  EXPECT_EQ(g.model.provider, "openai");
  EXPECT_EQ(g.model.name, "gpt-4o-2024-08-06");
  EXPECT_EQ(g.system_prompt, "You are a terse travel assistant.\n\nAnswer in metric units.");
  ASSERT_EQ(g.input.size(), 5u);

  const Message &user = g.input[0];
  EXPECT_EQ(user.role, Role::kUser);
  EXPECT_EQ(user.name, "ana");
  ASSERT_EQ(user.parts.size(), 4u);
  EXPECT_EQ(user.parts[0].kind, PartKind::kText);
  EXPECT_EQ(user.parts[1].kind, PartKind::kMedia);
  EXPECT_EQ(user.parts[1].media.kind, "image");
  EXPECT_EQ(user.parts[1].media.url, "https://example.com/photo.jpg");
  EXPECT_EQ(user.parts[1].provider_type, "image_url");
  EXPECT_EQ(user.parts[2].media.url, "");  // inline bytes are never copied
  EXPECT_EQ(user.parts[2].media.mime_type, "image/png");
  EXPECT_EQ(user.parts[3].media.kind, "audio");
  EXPECT_EQ(user.parts[3].media.mime_type, "audio/wav");

  const Message &calls = g.input[1];
  EXPECT_EQ(calls.role, Role::kAssistant);
  ASSERT_EQ(calls.parts.size(), 2u);  // parallel tool calls
  EXPECT_EQ(calls.parts[0].kind, PartKind::kToolCall);
  EXPECT_EQ(calls.parts[0].tool_call.id, "call_paris");
  EXPECT_EQ(calls.parts[0].tool_call.name, "get_weather");
  EXPECT_EQ(calls.parts[0].tool_call.input_json, R"({"city":"Paris"})");
  EXPECT_EQ(calls.parts[0].provider_type, "tool_call");
  EXPECT_EQ(calls.parts[1].tool_call.id, "call_oslo");

  EXPECT_EQ(g.input[2].role, Role::kTool);
  EXPECT_EQ(g.input[2].parts[0].kind, PartKind::kToolResult);
  EXPECT_EQ(g.input[2].parts[0].tool_result.tool_call_id, "call_paris");
  EXPECT_EQ(g.input[2].parts[0].tool_result.content, R"({"temp_c":18,"sky":"clear"})");
  EXPECT_EQ(g.input[3].parts[0].tool_result.content, R"({"temp_c":7,"sky":"rain"})");
  EXPECT_EQ(g.input[4].parts[0].provider_type, "function_result");
  EXPECT_EQ(g.input[4].parts[0].tool_result.name, "legacy_lookup");

  ASSERT_EQ(g.tools.size(), 1u);
  EXPECT_EQ(g.tools[0].name, "get_weather");
  EXPECT_EQ(g.tools[0].type, "function");
  EXPECT_EQ(g.tools[0].description, "Current weather for a city");
  EXPECT_EQ(g.tools[0].input_schema_json,
            R"({"additionalProperties":false,"properties":{"city":{"description":"City name","type":"string"},)"
            R"("unit":{"enum":["c","f"],"type":"string"}},"required":["city"],"type":"object"})");
  EXPECT_EQ(g.tool_choice.value_or(""), R"({"function":{"name":"get_weather"},"type":"function"})");
  EXPECT_EQ(g.max_tokens.value_or(0), 512);
  EXPECT_DOUBLE_EQ(g.temperature.value_or(0), 0.2);
  EXPECT_DOUBLE_EQ(g.top_p.value_or(0), 0.9);
  EXPECT_EQ(g.thinking_enabled.value_or(false), true);
}

TEST(ProvidersOpenAIChat, RawArtifactsOnlyWhenAsked) {
  const std::string request = read_fixture(kChat, "request.json");
  Generation plain;
  ASSERT_TRUE(map_provider_request(ProviderApi::kOpenAIChat, request, plain).is_ok());
  EXPECT_TRUE(plain.artifacts.empty());

  Generation g;
  ProviderMapOptions options;
  options.raw_artifacts = true;
  ASSERT_TRUE(map_provider_request(ProviderApi::kOpenAIChat, request, g, options).is_ok());
  ASSERT_EQ(g.artifacts.size(), 2u);
  EXPECT_EQ(g.artifacts[0].kind, ArtifactKind::kRequest);
  EXPECT_EQ(g.artifacts[0].name, "openai.chat.request");
  EXPECT_EQ(g.artifacts[0].content_type, "application/json");
  EXPECT_EQ(g.artifacts[0].payload, request);
  EXPECT_EQ(g.artifacts[1].kind, ArtifactKind::kTools);
  EXPECT_EQ(g.artifacts[1].name, "openai.chat.tools");
  EXPECT_EQ(g.artifacts[1].payload.front(), '[');
}

TEST(ProvidersOpenAIChat, ResponseWithParallelToolCallsAndUsageDetails) {
  Generation g = chat_response("response_tool_calls.json");
  EXPECT_EQ(g.response_id, "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG");
  EXPECT_EQ(g.response_model, "gpt-4o-2024-08-06");
  EXPECT_EQ(g.stop_reason, "tool_calls");
  ASSERT_EQ(g.output.size(), 1u);
  ASSERT_EQ(g.output[0].parts.size(), 2u);
  EXPECT_EQ(g.output[0].role, Role::kAssistant);
  EXPECT_EQ(g.output[0].parts[1].tool_call.id, "call_b2");
  EXPECT_EQ(g.output[0].parts[1].tool_call.input_json, R"({"city":"Oslo","unit":"c"})");
  EXPECT_EQ(g.usage.input_tokens, 1117);
  EXPECT_EQ(g.usage.output_tokens, 46);
  EXPECT_EQ(g.usage.total_tokens, 1163);
  EXPECT_EQ(g.usage.cache_read_input_tokens, 1024);
  EXPECT_EQ(g.usage.reasoning_tokens, 12);
  EXPECT_EQ(g.usage.cache_write_input_tokens, 0);
}

TEST(ProvidersOpenAIChat, ResponseTextRefusalAudioAndLegacyFunctionCall) {
  Generation text = chat_response("response_text.json");
  ASSERT_EQ(text.output.size(), 1u);
  EXPECT_EQ(text.output[0].parts[0].text,
            "Paris: 18 \xC2\xB0"
            "C, clear. Oslo: 7 \xC2\xB0"
            "C, rain.");
  EXPECT_EQ(text.stop_reason, "stop");

  Generation refusal = chat_response("response_refusal.json");
  ASSERT_EQ(refusal.output.size(), 1u);
  EXPECT_EQ(refusal.output[0].parts[0].kind, PartKind::kText);
  EXPECT_EQ(refusal.output[0].parts[0].provider_type, "refusal");
  EXPECT_EQ(refusal.output[0].parts[0].text, "I can't help with that request.");

  Generation audio = chat_response("response_audio.json");
  ASSERT_EQ(audio.output.size(), 1u);
  EXPECT_EQ(audio.output[0].parts[0].text, "It is sunny in Paris.");
  EXPECT_EQ(audio.output[0].parts[0].provider_type, "audio_transcript");

  Generation legacy = chat_response("response_function_call.json");
  ASSERT_EQ(legacy.output.size(), 1u);
  const Part &p = legacy.output[0].parts[0];
  EXPECT_EQ(p.kind, PartKind::kToolCall);
  EXPECT_EQ(p.provider_type, "function_call");
  EXPECT_EQ(p.tool_call.name, "get_weather");
  EXPECT_EQ(p.tool_call.input_json, "{\n  \"city\": \"Boston\"\n}");  // valid JSON is kept as sent
  EXPECT_EQ(legacy.stop_reason, "function_call");
}

TEST(ProvidersOpenAIChat, EveryChoiceBecomesAnOutputMessage) {
  Generation g = chat_response("response_n2.json");
  ASSERT_EQ(g.output.size(), 2u);
  EXPECT_EQ(g.output[0].parts[0].text, "Bonjour !");
  EXPECT_EQ(g.output[1].parts[0].text,
            "Salut, \xC3\xA7"
            "a va");
  EXPECT_EQ(g.stop_reason, "stop");  // the first choice's
}

TEST(ProvidersOpenAIChat, TruncatedResponseKeepsWhatWasComplete) {
  Status st;
  Generation g = chat_response("response_truncated.json", &st);
  EXPECT_EQ(st.code(), SIGIL_E_INVALID_JSON);
  EXPECT_NE(st.message().find("openai.chat response: malformed or truncated JSON"), std::string::npos) << st.message();
  EXPECT_EQ(g.response_id, "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG");
  ASSERT_EQ(g.output.size(), 1u);
  EXPECT_EQ(g.output[0].parts.size(), 2u);
  EXPECT_EQ(g.stop_reason, "");  // cut off before finish_reason
}

TEST(ProvidersOpenAIChat, StreamJoinsToolArgumentsSplitAcrossChunksAndTakesTheUsageChunk) {
  Generation g;
  auto run = replay_stream(ProviderApi::kOpenAIChat, fixture_lines(kChat, "stream_tool_calls.jsonl"), g);
  ASSERT_TRUE(run.status.is_ok()) << run.status.message();
  EXPECT_EQ(run.first_content_at, 0);
  EXPECT_EQ(run.first_content_count, 1);
  EXPECT_EQ(g.response_id, "chatcmpl-stream1");
  EXPECT_EQ(g.response_model, "gpt-4o-2024-08-06");
  EXPECT_EQ(g.stop_reason, "tool_calls");
  ASSERT_EQ(g.output.size(), 1u);
  ASSERT_EQ(g.output[0].parts.size(), 2u);
  EXPECT_EQ(g.output[0].parts[0].tool_call.id, "call_p");
  EXPECT_EQ(g.output[0].parts[0].tool_call.input_json, R"({"city":"Paris"})");
  EXPECT_EQ(g.output[0].parts[1].tool_call.id, "call_o");
  EXPECT_EQ(g.output[0].parts[1].tool_call.input_json, R"({"city":"Oslo"})");
  EXPECT_EQ(g.usage.input_tokens, 96);
  EXPECT_EQ(g.usage.output_tokens, 40);
  EXPECT_EQ(g.usage.total_tokens, 136);
  EXPECT_EQ(g.usage.cache_read_input_tokens, 64);
}

TEST(ProvidersOpenAIChat, StreamTextFirstContentSkipsTheEmptyRoleChunk) {
  Generation g;
  auto run = replay_stream(ProviderApi::kOpenAIChat, fixture_lines(kChat, "stream_text.jsonl"), g);
  ASSERT_TRUE(run.status.is_ok()) << run.status.message();
  EXPECT_EQ(run.first_content_at, 1);
  ASSERT_EQ(g.output.size(), 1u);
  EXPECT_EQ(g.output[0].parts[0].text, "Paris is sunny today.");
  EXPECT_EQ(g.usage.total_tokens, 25);
}

TEST(ProvidersOpenAIChat, StreamEndedEarlyReportsPartialOutput) {
  Generation g;
  auto run = replay_stream(ProviderApi::kOpenAIChat, fixture_lines(kChat, "stream_early_end.jsonl"), g);
  EXPECT_FALSE(run.status.is_ok());
  EXPECT_NE(run.status.message().find("ended before"), std::string::npos) << run.status.message();
  ASSERT_EQ(g.output.size(), 1u);
  ASSERT_EQ(g.output[0].parts.size(), 2u);
  EXPECT_EQ(g.output[0].parts[0].text, "The answer is");
  // Arguments cut mid-JSON are kept as a JSON string, never as broken JSON.
  EXPECT_EQ(g.output[0].parts[1].tool_call.input_json, R"("{\"q\":\"par")");
}

TEST(ProvidersOpenAIChat, StreamToleratesDataPrefixAndMalformedChunks) {
  auto acc = make_stream_accumulator(ProviderApi::kOpenAIChat);
  EXPECT_TRUE(acc->add_event(R"(data: {"id":"c1","choices":[{"index":0,"delta":{"content":"Hi"}}]})"));
  EXPECT_FALSE(acc->add_event(R"({"id":"c1","choices":[{"index":0,"delta":{"content":" the)"));
  EXPECT_FALSE(
      acc->add_event(R"({"id":"c1","choices":[{"index":0,"delta":{"content":"re"},"finish_reason":"stop"}]})"));
  EXPECT_FALSE(acc->add_event("data: [DONE]"));
  Generation g;
  Status st = acc->finish(g);
  EXPECT_EQ(st.code(), SIGIL_E_INVALID_JSON);
  EXPECT_NE(st.message().find("stream event 1"), std::string::npos) << st.message();
  ASSERT_EQ(g.output.size(), 1u);
  EXPECT_EQ(g.output[0].parts[0].text, "Hire");  // the malformed chunk's complete values are kept: none here
  EXPECT_EQ(acc->finish(g).code(), SIGIL_E_ALREADY_ENDED);
}

TEST(ProvidersOpenAIChat, StreamEventsArtifactWhenAsked) {
  ProviderMapOptions options;
  options.raw_artifacts = true;
  Generation g;
  auto run = replay_stream(ProviderApi::kOpenAIChat, fixture_lines(kChat, "stream_text.jsonl"), g, options);
  ASSERT_TRUE(run.status.is_ok());
  ASSERT_EQ(g.artifacts.size(), 1u);
  EXPECT_EQ(g.artifacts[0].kind, ArtifactKind::kProviderEvent);
  EXPECT_EQ(g.artifacts[0].name, "openai.chat.stream_events");
  EXPECT_EQ(g.artifacts[0].payload.front(), '[');
  EXPECT_EQ(g.artifacts[0].payload.back(), ']');
  EXPECT_TRUE(valid_json(g.artifacts[0].payload));

  // A malformed or invalid-UTF-8 event enters the artifact as what was
  // mapped from it: the payload stays one valid JSON array.
  auto acc = make_stream_accumulator(ProviderApi::kOpenAIChat, options);
  acc->add_event(R"({"choices":[{"index":0,"delta":{"content":"a"}}]})");
  acc->add_event(R"({"choices":[{"index":0,"delta":{"content":"b"}},{"index":1,"del)");
  acc->add_event("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\xff\"},\"finish_reason\":\"stop\"}]}");
  Generation h;
  EXPECT_FALSE(acc->finish(h).is_ok());
  ASSERT_EQ(h.artifacts.size(), 1u);
  EXPECT_TRUE(valid_json(h.artifacts[0].payload)) << h.artifacts[0].payload;
  EXPECT_TRUE(valid_utf8(h.artifacts[0].payload));
  EXPECT_EQ(h.output[0].parts[0].text, "ab\xEF\xBF\xBD");
}

// Responses --------------------------------------------------------------------------

TEST(ProvidersOpenAIResponses, RequestWithInstructionsItemsAndTools) {
  Generation g;
  Status st = map_provider_request(ProviderApi::kOpenAIResponses, read_fixture(kResponses, "request.json"), g);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(g.model.name, "o4-mini");
  EXPECT_EQ(g.system_prompt, "You are a careful analyst.\n\nCite sources.");
  ASSERT_EQ(g.input.size(), 3u);
  EXPECT_EQ(g.input[0].role, Role::kUser);
  ASSERT_EQ(g.input[0].parts.size(), 2u);
  EXPECT_EQ(g.input[0].parts[0].text, "Summarize this chart.");
  EXPECT_EQ(g.input[0].parts[1].media.url, "https://example.com/chart.png");
  EXPECT_EQ(g.input[1].role, Role::kAssistant);
  ASSERT_EQ(g.input[1].parts.size(), 2u);  // reasoning and the call, one turn
  EXPECT_EQ(g.input[1].parts[0].kind, PartKind::kThinking);
  EXPECT_EQ(g.input[1].parts[0].text, "The user wants a summary.");
  EXPECT_EQ(g.input[1].parts[1].tool_call.id, "call_chart");
  EXPECT_EQ(g.input[1].parts[1].tool_call.name, "read_chart");
  EXPECT_EQ(g.input[2].role, Role::kTool);
  EXPECT_EQ(g.input[2].parts[0].tool_result.tool_call_id, "call_chart");
  EXPECT_EQ(g.input[2].parts[0].tool_result.content, R"({"series":[1,2,3]})");
  ASSERT_EQ(g.tools.size(), 2u);
  EXPECT_EQ(g.tools[0].name, "read_chart");
  EXPECT_EQ(g.tools[0].input_schema_json,
            R"({"properties":{"url":{"type":"string"}},"required":["url"],"type":"object"})");
  EXPECT_EQ(g.tools[1].name, "web_search_preview");
  EXPECT_EQ(g.tools[1].type, "web_search_preview");
  EXPECT_EQ(g.tool_choice.value_or(""), "auto");
  EXPECT_EQ(g.max_tokens.value_or(0), 2048);
  EXPECT_EQ(g.thinking_enabled.value_or(false), true);
}

TEST(ProvidersOpenAIResponses, RequestWithStringInput) {
  Generation g;
  ASSERT_TRUE(
      map_provider_request(ProviderApi::kOpenAIResponses, read_fixture(kResponses, "request_string_input.json"), g)
          .is_ok());
  EXPECT_EQ(g.system_prompt, "Be brief.");
  ASSERT_EQ(g.input.size(), 1u);
  EXPECT_EQ(g.input[0].parts[0].text, "Tell me a joke about compilers.");
  EXPECT_DOUBLE_EQ(g.top_p.value_or(0), 0.5);
  EXPECT_FALSE(g.thinking_enabled.has_value());
}

TEST(ProvidersOpenAIResponses, ResponseOutputItemsJoinOneAssistantTurn) {
  Generation g;
  Status st = map_provider_response(ProviderApi::kOpenAIResponses, read_fixture(kResponses, "response.json"), g);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(g.response_id, "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b");
  EXPECT_EQ(g.response_model, "o4-mini-2025-04-16");
  EXPECT_EQ(g.stop_reason, "stop");
  ASSERT_EQ(g.output.size(), 1u);
  ASSERT_EQ(g.output[0].parts.size(), 3u);
  EXPECT_EQ(g.output[0].parts[0].kind, PartKind::kThinking);
  EXPECT_EQ(g.output[0].parts[0].text, "Reading the series.\n\nIt grows linearly.");
  EXPECT_EQ(g.output[0].parts[1].text, "The series grows linearly from 1 to 3.");
  EXPECT_EQ(g.output[0].parts[2].tool_call.id, "call_save");
  EXPECT_EQ(g.output[0].parts[2].tool_call.input_json, R"({"text":"linear"})");
  EXPECT_EQ(g.usage.input_tokens, 328);
  EXPECT_EQ(g.usage.output_tokens, 52);
  EXPECT_EQ(g.usage.total_tokens, 380);
  EXPECT_EQ(g.usage.cache_read_input_tokens, 128);
  EXPECT_EQ(g.usage.reasoning_tokens, 30);
}

TEST(ProvidersOpenAIResponses, IncompleteResponseStopsWithItsReason) {
  Generation g;
  ASSERT_TRUE(
      map_provider_response(ProviderApi::kOpenAIResponses, read_fixture(kResponses, "response_incomplete.json"), g)
          .is_ok());
  EXPECT_EQ(g.stop_reason, "max_output_tokens");
  ASSERT_EQ(g.output.size(), 1u);
  EXPECT_EQ(g.output[0].parts[0].text, "Once upon a");
}

TEST(ProvidersOpenAIResponses, StreamTakesTheCompletedResponse) {
  Generation g;
  auto run = replay_stream(ProviderApi::kOpenAIResponses, fixture_lines(kResponses, "stream.jsonl"), g);
  ASSERT_TRUE(run.status.is_ok()) << run.status.message();
  EXPECT_EQ(run.first_content_at, 4);  // the first reasoning summary delta
  EXPECT_EQ(g.response_id, "resp_stream1");
  EXPECT_EQ(g.stop_reason, "stop");
  ASSERT_EQ(g.output.size(), 1u);
  ASSERT_EQ(g.output[0].parts.size(), 3u);
  EXPECT_EQ(g.output[0].parts[0].text, "Check the weather.");
  EXPECT_EQ(g.output[0].parts[1].text, "Calling the tool.");
  EXPECT_EQ(g.output[0].parts[2].tool_call.input_json, R"({"city":"Rome"})");
  EXPECT_EQ(g.usage.total_tokens, 119);
  EXPECT_EQ(g.usage.reasoning_tokens, 20);
}

TEST(ProvidersOpenAIResponses, StreamEndedEarlyBuildsOutputFromDeltas) {
  Generation g;
  auto run = replay_stream(ProviderApi::kOpenAIResponses, fixture_lines(kResponses, "stream_early_end.jsonl"), g);
  EXPECT_FALSE(run.status.is_ok());
  EXPECT_NE(run.status.message().find("response.completed"), std::string::npos) << run.status.message();
  EXPECT_EQ(g.response_id, "resp_stream1");
  ASSERT_EQ(g.output.size(), 1u);
  ASSERT_EQ(g.output[0].parts.size(), 3u);
  EXPECT_EQ(g.output[0].parts[0].text, "Check the weather.");
  EXPECT_EQ(g.output[0].parts[1].text, "Calling the tool.");
  EXPECT_EQ(g.output[0].parts[2].tool_call.name, "get_weather");
  EXPECT_EQ(g.output[0].parts[2].tool_call.input_json, R"("{\"city\":")");
  EXPECT_TRUE(g.usage.empty());
}

TEST(ProvidersOpenAIResponses, StreamDeltasBeforeTheirItemAreOutOfOrderButKept) {
  auto acc = make_stream_accumulator(ProviderApi::kOpenAIResponses);
  EXPECT_TRUE(acc->add_event(R"({"type":"response.output_text.delta","output_index":0,"delta":"Hel"})"));
  EXPECT_FALSE(acc->add_event(R"({"type":"response.output_text.delta","output_index":0,"delta":"lo"})"));
  EXPECT_FALSE(
      acc->add_event(R"({"type":"response.completed","response":{"id":"r9","status":"completed","output":[]}})"));
  Generation g;
  Status st = acc->finish(g);
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("out of order"), std::string::npos) << st.message();
  EXPECT_EQ(g.response_id, "r9");
  EXPECT_EQ(g.stop_reason, "stop");
  ASSERT_EQ(g.output.size(), 1u);
  EXPECT_EQ(g.output[0].parts[0].text, "Hello");  // an empty final output does not erase the deltas
}
