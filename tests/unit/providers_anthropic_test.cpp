// Anthropic Messages mapper against conformance/fixtures/providers/anthropic.messages.
#include <gtest/gtest.h>

#include "providers/provider_api.h"
#include "unit/providers_fixtures.h"

using namespace sigil::detail;
using sigil_test::fixture_lines;
using sigil_test::read_fixture;
using sigil_test::replay_stream;

namespace {
const char kApi[] = "anthropic.messages";
}

TEST(ProvidersAnthropic, RequestWithSystemBlocksThinkingToolsAndToolResults) {
  Generation g;
  Status st = map_provider_request(ProviderApi::kAnthropicMessages, read_fixture(kApi, "request.json"), g);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(g.model.provider, "anthropic");
  EXPECT_EQ(g.model.name, "claude-sonnet-4-5-20250929");
  EXPECT_EQ(g.system_prompt, "You are a coding assistant.\n\nPrefer small diffs.");
  ASSERT_EQ(g.input.size(), 4u);

  EXPECT_EQ(g.input[0].role, Role::kUser);
  ASSERT_EQ(g.input[0].parts.size(), 2u);
  EXPECT_EQ(g.input[0].parts[1].media.kind, "image");
  EXPECT_EQ(g.input[0].parts[1].media.mime_type, "image/png");

  const Message &a = g.input[1];
  EXPECT_EQ(a.role, Role::kAssistant);
  ASSERT_EQ(a.parts.size(), 4u);
  EXPECT_EQ(a.parts[0].kind, PartKind::kThinking);
  EXPECT_EQ(a.parts[0].text, "Need the stack trace first.");
  EXPECT_EQ(a.parts[0].provider_type, "thinking");
  EXPECT_EQ(a.parts[1].kind, PartKind::kThinking);
  EXPECT_EQ(a.parts[1].provider_type, "redacted_thinking");
  EXPECT_EQ(a.parts[2].text, "Let me read the log.");
  EXPECT_EQ(a.parts[3].kind, PartKind::kToolCall);
  EXPECT_EQ(a.parts[3].tool_call.id, "toolu_01A09q90qw90lq917835lq9");
  EXPECT_EQ(a.parts[3].tool_call.input_json, R"({"lines":50,"path":"/var/log/app.log"})");
  EXPECT_EQ(a.parts[3].provider_type, "tool_use");

  // A user turn's tool results become a tool message after its other parts.
  EXPECT_EQ(g.input[2].role, Role::kUser);
  EXPECT_EQ(g.input[2].parts[0].text, "There you go.");
  const Message &tool = g.input[3];
  EXPECT_EQ(tool.role, Role::kTool);
  ASSERT_EQ(tool.parts.size(), 2u);
  EXPECT_EQ(tool.parts[0].tool_result.tool_call_id, "toolu_01A09q90qw90lq917835lq9");
  EXPECT_EQ(tool.parts[0].tool_result.content, "Segmentation fault at 0x0");
  EXPECT_FALSE(tool.parts[0].tool_result.is_error);
  EXPECT_EQ(tool.parts[1].tool_result.content, "permission denied");
  EXPECT_TRUE(tool.parts[1].tool_result.is_error);

  ASSERT_EQ(g.tools.size(), 2u);
  EXPECT_EQ(g.tools[0].name, "read_file");
  EXPECT_EQ(g.tools[0].type, "function");
  EXPECT_EQ(
      g.tools[0].input_schema_json,
      R"({"properties":{"lines":{"type":"integer"},"path":{"type":"string"}},"required":["path"],"type":"object"})");
  EXPECT_EQ(g.tools[1].name, "web_search");
  EXPECT_EQ(g.tools[1].type, "web_search_20250305");
  EXPECT_EQ(g.tool_choice.value_or(""), R"({"disable_parallel_tool_use":false,"type":"auto"})");
  EXPECT_EQ(g.max_tokens.value_or(0), 4096);
  EXPECT_EQ(g.thinking_enabled.value_or(false), true);
  ASSERT_EQ(g.metadata.count("sigil.gen_ai.request.thinking.budget_tokens"), 1u);
  EXPECT_EQ(g.metadata["sigil.gen_ai.request.thinking.budget_tokens"].number, 2048);
}

TEST(ProvidersAnthropic, RequestWithSystemString) {
  Generation g;
  ASSERT_TRUE(map_provider_request(ProviderApi::kAnthropicMessages, read_fixture(kApi, "request_system_string.json"), g)
                  .is_ok());
  EXPECT_EQ(g.system_prompt, "Be concise.");
  ASSERT_EQ(g.input.size(), 1u);
  EXPECT_EQ(g.input[0].parts[0].text, "Hi");
  EXPECT_DOUBLE_EQ(g.top_p.value_or(0), 0.7);
  EXPECT_EQ(g.tool_choice.value_or(""), R"({"type":"any"})");
  EXPECT_FALSE(g.thinking_enabled.has_value());
}

TEST(ProvidersAnthropic, ResponseBlocksStopReasonAndCacheUsage) {
  Generation g;
  Status st = map_provider_response(ProviderApi::kAnthropicMessages, read_fixture(kApi, "response.json"), g);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(g.response_id, "msg_01XFDUDYJgAACzvnptvVoYEL");
  EXPECT_EQ(g.response_model, "claude-sonnet-4-5-20250929");
  EXPECT_EQ(g.stop_reason, "tool_use");
  ASSERT_EQ(g.output.size(), 1u);
  ASSERT_EQ(g.output[0].parts.size(), 3u);
  EXPECT_EQ(g.output[0].parts[0].kind, PartKind::kThinking);
  EXPECT_EQ(g.output[0].parts[1].text, "The crash is a null dereference in load_config.");
  EXPECT_EQ(g.output[0].parts[2].tool_call.name, "apply_patch");
  EXPECT_EQ(g.output[0].parts[2].tool_call.input_json, R"({"dry_run":false,"patch":"--- a/cfg.c\n+++ b/cfg.c"})");
  EXPECT_EQ(g.usage.input_tokens, 2095);
  EXPECT_EQ(g.usage.output_tokens, 503);
  EXPECT_EQ(g.usage.total_tokens, 2598);
  EXPECT_EQ(g.usage.cache_read_input_tokens, 800);
  EXPECT_EQ(g.usage.cache_write_input_tokens, 1200);
  EXPECT_EQ(g.usage.cache_creation_input_tokens, 1200);
  EXPECT_EQ(g.metadata["sigil.gen_ai.usage.server_tool_use.web_search_requests"].number, 2);
  EXPECT_EQ(g.metadata["sigil.gen_ai.usage.server_tool_use.total_requests"].number, 2);
}

TEST(ProvidersAnthropic, StreamAccumulatesThinkingTextAndToolInput) {
  Generation g;
  auto run = replay_stream(ProviderApi::kAnthropicMessages, fixture_lines(kApi, "stream.jsonl"), g);
  ASSERT_TRUE(run.status.is_ok()) << run.status.message();
  EXPECT_EQ(run.first_content_at, 2);
  EXPECT_EQ(g.response_id, "msg_stream01");
  EXPECT_EQ(g.stop_reason, "tool_use");
  ASSERT_EQ(g.output.size(), 1u);
  ASSERT_EQ(g.output[0].parts.size(), 3u);
  EXPECT_EQ(g.output[0].parts[0].text, "Weather needs a tool.");
  EXPECT_EQ(g.output[0].parts[1].text, "Checking now.");
  EXPECT_EQ(g.output[0].parts[2].tool_call.id, "toolu_s1");
  EXPECT_EQ(g.output[0].parts[2].tool_call.input_json, R"({"city": "Lisbon"})");
  // message_start's input and cache counts, message_delta's output count.
  EXPECT_EQ(g.usage.input_tokens, 472);
  EXPECT_EQ(g.usage.cache_read_input_tokens, 256);
  EXPECT_EQ(g.usage.output_tokens, 89);
  EXPECT_EQ(g.usage.total_tokens, 561);
}

TEST(ProvidersAnthropic, StreamEndedEarlyKeepsPartialTextAndUsage) {
  Generation g;
  auto run = replay_stream(ProviderApi::kAnthropicMessages, fixture_lines(kApi, "stream_early_end.jsonl"), g);
  EXPECT_EQ(run.status.code(), SIGIL_E_INVALID_JSON);
  EXPECT_NE(run.status.message().find("ended before message_stop"), std::string::npos) << run.status.message();
  ASSERT_EQ(g.output.size(), 1u);
  EXPECT_EQ(g.output[0].parts[0].text, "Partial ans");
  EXPECT_EQ(g.usage.input_tokens, 30);
}

TEST(ProvidersAnthropic, StreamCutBeforeTheFirstThinkingDeltaHasNoEmptyPart) {
  // The caller stopped reading after the thinking block started: nothing to show yet, and an
  // empty thinking part would fail validation and lose the whole generation.
  auto lines = fixture_lines(kApi, "stream.jsonl");
  lines.resize(2);  // message_start, content_block_start (thinking)
  Generation g;
  auto run = replay_stream(ProviderApi::kAnthropicMessages, lines, g);
  EXPECT_NE(run.status.message().find("ended before message_stop"), std::string::npos) << run.status.message();
  EXPECT_TRUE(g.output.empty());
  EXPECT_EQ(g.usage.input_tokens, 472);
}

TEST(ProvidersAnthropic, StreamOutOfOrderAndMalformedEventsStillMap) {
  Generation g;
  auto run = replay_stream(ProviderApi::kAnthropicMessages, fixture_lines(kApi, "stream_out_of_order.jsonl"), g);
  EXPECT_FALSE(run.status.is_ok());
  EXPECT_NE(run.status.message().find("out of order"), std::string::npos) << run.status.message();
  EXPECT_NE(run.status.message().find("more"), std::string::npos) << run.status.message();
  EXPECT_EQ(run.first_content_at, 0);
  ASSERT_EQ(g.output.size(), 1u);
  EXPECT_EQ(g.output[0].parts[0].text, "Early bird.");
  EXPECT_EQ(g.stop_reason, "end_turn");
  EXPECT_EQ(g.usage.output_tokens, 4);
}
