// Bedrock Converse mapper against conformance/fixtures/providers/bedrock.converse.
#include <gtest/gtest.h>

#include "providers/provider_api.h"
#include "unit/providers_fixtures.h"

using namespace sigil::detail;
using sigil_test::fixture_lines;
using sigil_test::read_fixture;
using sigil_test::replay_stream;

namespace {
const char kApi[] = "bedrock.converse";
}

TEST(ProvidersBedrock, RequestMessagesToolConfigAndInferenceConfig) {
  Generation g;
  Status st = map_provider_request(ProviderApi::kBedrockConverse, read_fixture(kApi, "request.json"), g);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(g.model.provider, "bedrock");
  EXPECT_EQ(g.model.name, "anthropic.claude-3-7-sonnet-20250219-v1:0");
  EXPECT_EQ(g.system_prompt, "You are an ops assistant.");
  ASSERT_EQ(g.input.size(), 3u);
  ASSERT_EQ(g.input[0].parts.size(), 3u);
  EXPECT_EQ(g.input[0].parts[1].media.mime_type, "image/png");
  EXPECT_EQ(g.input[0].parts[2].media.kind, "document");
  EXPECT_EQ(g.input[0].parts[2].media.mime_type, "application/pdf");
  EXPECT_EQ(g.input[0].parts[2].media.name, "runbook");
  EXPECT_EQ(g.input[0].parts[2].media.url, "s3://ops/runbook.pdf");
  ASSERT_EQ(g.input[1].parts.size(), 3u);
  EXPECT_EQ(g.input[1].parts[0].kind, PartKind::kThinking);
  EXPECT_EQ(g.input[1].parts[0].text, "I should run df.");
  EXPECT_EQ(g.input[1].parts[2].tool_call.id, "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q");
  EXPECT_EQ(g.input[1].parts[2].tool_call.input_json, R"({"cmd":"df -h","host":"web-1"})");
  EXPECT_EQ(g.input[2].role, Role::kTool);
  EXPECT_EQ(g.input[2].parts[0].tool_result.content, "/dev/sda1 97%");
  EXPECT_EQ(g.input[2].parts[0].tool_result.content_json, R"({"use_pct":97})");
  ASSERT_EQ(g.tools.size(), 1u);
  EXPECT_EQ(g.tools[0].name, "run_command");
  EXPECT_EQ(
      g.tools[0].input_schema_json,
      R"({"properties":{"cmd":{"type":"string"},"host":{"type":"string"}},"required":["host","cmd"],"type":"object"})");
  EXPECT_EQ(g.tool_choice.value_or(""), "auto");
  EXPECT_EQ(g.max_tokens.value_or(0), 2000);
  EXPECT_DOUBLE_EQ(g.temperature.value_or(0), 0.5);
  EXPECT_EQ(g.thinking_enabled.value_or(false), true);
  EXPECT_EQ(g.metadata["sigil.gen_ai.request.thinking.budget_tokens"].number, 1024);
}

TEST(ProvidersBedrock, ResponseOutputStopReasonAndUsage) {
  Generation g;
  Status st = map_provider_response(ProviderApi::kBedrockConverse, read_fixture(kApi, "response.json"), g);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(g.stop_reason, "tool_use");
  EXPECT_EQ(g.response_id, "5d6f7a0e-8c5a-4c3e-9f0b-7d2e1a3b4c5d");
  ASSERT_EQ(g.output.size(), 1u);
  ASSERT_EQ(g.output[0].parts.size(), 3u);
  EXPECT_EQ(g.output[0].parts[0].kind, PartKind::kThinking);
  EXPECT_EQ(g.output[0].parts[2].tool_call.name, "run_command");
  EXPECT_EQ(g.usage.input_tokens, 812);
  EXPECT_EQ(g.usage.output_tokens, 96);
  EXPECT_EQ(g.usage.total_tokens, 908);
  EXPECT_EQ(g.usage.cache_read_input_tokens, 512);
  EXPECT_EQ(g.usage.cache_write_input_tokens, 100);
}

TEST(ProvidersBedrock, ConverseStream) {
  Generation g;
  auto run = replay_stream(ProviderApi::kBedrockConverse, fixture_lines(kApi, "stream.jsonl"), g);
  ASSERT_TRUE(run.status.is_ok()) << run.status.message();
  EXPECT_EQ(run.first_content_at, 1);
  ASSERT_EQ(g.output.size(), 1u);
  ASSERT_EQ(g.output[0].parts.size(), 3u);
  EXPECT_EQ(g.output[0].parts[0].text, "Disk check ");
  EXPECT_EQ(g.output[0].parts[1].text, "Running df.");
  EXPECT_EQ(g.output[0].parts[2].tool_call.id, "tooluse_s");
  EXPECT_EQ(g.output[0].parts[2].tool_call.input_json, R"({"host": "web-1", "cmd": "df -h"})");
  EXPECT_EQ(g.stop_reason, "tool_use");
  EXPECT_EQ(g.usage.total_tokens, 342);
}

TEST(ProvidersBedrock, ConverseStreamEndedEarly) {
  Generation g;
  auto run = replay_stream(ProviderApi::kBedrockConverse, fixture_lines(kApi, "stream_early_end.jsonl"), g);
  EXPECT_FALSE(run.status.is_ok());
  EXPECT_NE(run.status.message().find("messageStop"), std::string::npos);
  ASSERT_EQ(g.output.size(), 1u);
  EXPECT_EQ(g.output[0].parts[0].text, "Running ");
}

TEST(ProvidersBedrock, StreamExceptionEventIsReported) {
  auto acc = make_stream_accumulator(ProviderApi::kBedrockConverse);
  acc->add_event(R"({"messageStart":{"role":"assistant"}})");
  acc->add_event(R"({"contentBlockDelta":{"delta":{"text":"Hi"},"contentBlockIndex":0}})");
  acc->add_event(R"({"throttlingException":{"message":"Too many requests"}})");
  Generation g;
  Status st = acc->finish(g);
  EXPECT_NE(st.message().find("throttlingException: Too many requests"), std::string::npos) << st.message();
  ASSERT_EQ(g.output.size(), 1u);
  EXPECT_EQ(g.output[0].parts[0].text, "Hi");
}
