// The hand-written sigil.v1 encoder (lib/encode/protobuf.cpp) against the
// nanopb encoder it replaced: the same bytes for the same model, exact sizes,
// and a nanopb decode that gives the model back.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/json_input.h"
#include "encode/protobuf.h"
#include "encode/protojson.h"
#include "nanopb_reference_encoder.h"

using namespace sigil::detail;

namespace {

Part text_part(std::string text, std::string provider_type = "") {
  Part p;
  p.kind = PartKind::kText;
  p.text = std::move(text);
  p.provider_type = std::move(provider_type);
  return p;
}

Part thinking_part(std::string text) {
  Part p;
  p.kind = PartKind::kThinking;
  p.text = std::move(text);
  return p;
}

Part tool_call_part(std::string id, std::string name, std::string input_json) {
  Part p;
  p.kind = PartKind::kToolCall;
  p.tool_call = {std::move(id), std::move(name), std::move(input_json)};
  return p;
}

Part tool_result_part(std::string call_id, std::string name, std::string content, std::string content_json,
                      bool is_error) {
  Part p;
  p.kind = PartKind::kToolResult;
  p.tool_result = {std::move(call_id), std::move(name), std::move(content), std::move(content_json), is_error};
  return p;
}

Part media_part(std::string kind, std::string url, std::string mime, std::string name) {
  Part p;
  p.kind = PartKind::kMedia;
  p.media = {std::move(kind), std::move(url), std::move(mime), std::move(name)};
  return p;
}

Message message(Role role, std::vector<Part> parts, std::string name = "") {
  Message m;
  m.role = role;
  m.name = std::move(name);
  m.parts = std::move(parts);
  return m;
}

// A chat generation as the JSON input produces it (the shape of bench/workload.json).
Generation typical() {
  Generation g;
  const char *json =
      R"({"id":"gen_1","conversation_id":"conv-bench-0001","operation_name":"generateText","mode":"GENERATION_MODE_SYNC",)"
      R"("model":{"provider":"openai","name":"gpt-4o"},"system_prompt":"You are the support assistant.",)"
      R"("input":[{"role":"MESSAGE_ROLE_USER","parts":[{"text":"Where is my parcel? \u00e9\u4e2d\ud83d\ude00"}]},)"
      R"({"role":"MESSAGE_ROLE_ASSISTANT","parts":[{"text":"Let me check."}]}],)"
      R"("output":[{"role":"MESSAGE_ROLE_ASSISTANT","parts":[{"text":"Checking the carrier."},)"
      R"({"tool_call":{"id":"call_8f2a","name":"lookup_order","input_json":{"order_id":"81-2231-77"}}}]}],)"
      R"("usage":{"input_tokens":412,"output_tokens":187,"cache_read_input_tokens":128},)"
      R"("response_id":"chatcmpl-9x2k7Lq","response_model":"gpt-4o-2024-08-06","stop_reason":"tool_calls",)"
      R"("tags":{"env":"prod","team":"support","region":"eu-west-1","tier":"gold"},)"
      R"("metadata":{"request_id":"req-5d1c","attempt":"1","route":"chat.support","experiment":"baseline"},)"
      R"("agent_name":"support-agent","agent_version":"2.4.1","max_tokens":1024,"temperature":0.2,)"
      R"("started_at":"2026-01-02T03:04:05.123Z","completed_at":"2026-01-02T03:04:07.5Z"})";
  Status st = parse_generation_json(json, g);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return g;
}

// Every field of every message set, with values that exercise each encoding.
Generation everything() {
  Generation g;
  g.id = "gen-everything";
  g.conversation_id = "conv";
  g.conversation_title = "not on the wire as a field";
  g.user_id = "not on the wire as a field";
  g.operation_name = "streamText";
  g.mode = GenerationMode::kStream;
  g.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  g.span_id = "00f067aa0ba902b7";
  g.model = {"anthropic", "claude"};
  g.response_id = "resp";
  g.response_model = "claude-2026";
  g.system_prompt = "be brief";
  g.input = {
      message(Role::kUser, {text_part("hi", "input_text"), media_part("image", "https://x/y.png", "image/png", "y")},
              "alice"),
      message(Role::kTool, {tool_result_part("c1", "lookup", "found", R"({"ok":true})", true),
                            tool_result_part("c2", "lookup", "", "", false)})};
  g.output = {message(Role::kAssistant,
                      {thinking_part("hmm"), text_part("answer"), tool_call_part("c3", "search", R"({"q":"x"})")})};
  ToolDefinition t1{"lookup", "looks things up", "function", R"({"type":"object"})", true};
  ToolDefinition t2{"search", "", "", "", false};
  g.tools = {t1, t2};
  g.usage = {1, 2, 3, 4, 5, 6, 7};
  g.stop_reason = "end_turn";
  g.started_at_ns = 1700000000123456789;
  g.completed_at_ns = 1700000001000000000;  // whole seconds: no nanos field
  g.tags = {{"a", "1"}, {"b", ""}, {"", "empty key"}};
  JsonObject nested;
  nested["inner"] = JsonValue::List({JsonValue::Null(), JsonValue::Bool(false), JsonValue::Number(-1.25)});
  nested["empty_list"] = JsonValue::List({});
  nested["empty_object"] = JsonValue::Object({});
  g.metadata["null"] = JsonValue::Null();
  g.metadata["true"] = JsonValue::Bool(true);
  g.metadata["false"] = JsonValue::Bool(false);
  g.metadata["zero"] = JsonValue::Number(0);
  g.metadata["negative_zero"] = JsonValue::Number(-0.0);
  g.metadata["big"] = JsonValue::Number(1e300);
  g.metadata["inf"] = JsonValue::Number(std::numeric_limits<double>::infinity());
  g.metadata["nan"] = JsonValue::Number(std::nan(""));
  g.metadata["string"] = JsonValue::String("s");
  g.metadata["empty_string"] = JsonValue::String("");
  g.metadata[""] = JsonValue::String("empty key");
  g.metadata["object"] = JsonValue::Object(nested);
  g.metadata["list"] = JsonValue::List({JsonValue::Object(nested), JsonValue::List({JsonValue::String("x")})});
  JsonValue no_pointer;  // an object without its map: written as an empty Struct
  no_pointer.kind = JsonValue::Kind::kObject;
  g.metadata["object_without_map"] = no_pointer;
  Artifact a1{ArtifactKind::kRequest, "req", "application/json", R"({"model":"claude"})", "rec-1", "s3://b/k"};
  Artifact a2{ArtifactKind::kProviderEvent, "", "", std::string("\0\1\2", 3), "", ""};
  Artifact a3;  // all defaults: an empty message
  g.artifacts = {a1, a2, a3};
  g.call_error = "rate limited";
  g.agent_name = "agent";
  g.agent_version = "1.0";
  g.max_tokens = 4096;
  g.temperature = 0.7;
  g.top_p = 0.9;
  g.tool_choice = "auto";
  g.thinking_enabled = true;
  g.parent_generation_ids = {"p1", "", "p3"};
  g.effective_version = "sha256:" + std::string(64, 'a');
  return g;
}

// proto3 `optional` fields and oneof members present at their zero value,
// next to messages whose fields are all defaults.
Generation zeros_present() {
  Generation g;
  g.max_tokens = 0;
  g.temperature = 0.0;
  g.top_p = -0.0;
  g.tool_choice = "";
  g.thinking_enabled = false;
  g.effective_version = "";
  g.model.name = "only-name";
  g.usage.reasoning_tokens = 1;
  g.input = {message(Role::kUnspecified, {text_part(""), thinking_part(""), tool_call_part("", "", ""),
                                          tool_result_part("", "", "", "", false), media_part("", "", "", "")}),
             message(Role::kUnspecified, {})};
  g.tools = {ToolDefinition{}};
  g.tags = {{"", ""}};
  g.metadata[""] = JsonValue::Null();
  g.parent_generation_ids = {""};
  return g;
}

// Values whose varints take the most bytes: negative int64s (ten bytes),
// times before the epoch, and tiny durations.
Generation extremes() {
  Generation g;
  g.id = "extremes";
  g.usage.input_tokens = -1;
  g.usage.output_tokens = std::numeric_limits<int64_t>::min();
  g.usage.total_tokens = std::numeric_limits<int64_t>::max();
  g.usage.cache_creation_input_tokens = 99;  // retired on the wire: must not change the bytes
  g.max_tokens = -5;
  g.started_at_ns = -1500000000;  // 1.5 s before the epoch: seconds -2, nanos 500000000
  g.completed_at_ns = 5;          // seconds 0 (omitted), nanos 5
  g.temperature = std::numeric_limits<double>::quiet_NaN();
  g.top_p = -std::numeric_limits<double>::infinity();
  return g;
}

// Length prefixes around every varint size boundary, and a large payload.
Generation large_strings() {
  Generation g;
  g.id = "large";
  for (size_t n : {127u, 128u, 16383u, 16384u, 2097151u, 2097152u}) {
    g.input.push_back(message(Role::kUser, {text_part(std::string(n, 'x'))}));
  }
  g.system_prompt = std::string(300000, 's');
  g.metadata["blob"] = JsonValue::String(std::string(20000, 'm'));
  return g;
}

// Unicode in every kind of string, including a NUL byte.
Generation unicode() {
  Generation g;
  g.id = "unicode-\xc3\xa9";
  static const char kPrompt[] = "\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 nul:\0:end";
  g.system_prompt = std::string(kPrompt, sizeof kPrompt - 1);
  g.tags = {{"\xc3\xa9t\xc3\xa9", "\xf0\x9f\x8c\x8d"}, {"z", "\xce\xa9"}};
  g.metadata["\xe2\x82\xac"] = JsonValue::List({JsonValue::String("\xe2\x82\xac 5"), JsonValue::String("")});
  g.input = {message(Role::kUser, {text_part("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82")}, "\xe5\x90\x8d")};
  return g;
}

Generation many_parts() {
  Generation g;
  g.id = "many";
  Message m = message(Role::kAssistant, {});
  for (int i = 0; i < 1000; ++i) {
    switch (i % 5) {
      case 0:
        m.parts.push_back(text_part("t" + std::to_string(i)));
        break;
      case 1:
        m.parts.push_back(thinking_part("th" + std::to_string(i)));
        break;
      case 2:
        m.parts.push_back(tool_call_part("c" + std::to_string(i), "f", "{}"));
        break;
      case 3:
        m.parts.push_back(tool_result_part("c" + std::to_string(i), "f", "r", "", i % 2 == 0));
        break;
      default:
        m.parts.push_back(media_part("image", "u" + std::to_string(i), "", ""));
        break;
    }
  }
  for (int i = 0; i < 50; ++i) g.output.push_back(m);
  for (int i = 0; i < 200; ++i) g.tags["k" + std::to_string(i)] = std::to_string(i);
  for (int i = 0; i < 200; ++i) g.parent_generation_ids.push_back("gen_" + std::to_string(i));
  return g;
}

// Metadata nested as deep as the JSON input accepts.
Generation deep_metadata() {
  Generation g;
  g.id = "deep";
  JsonValue v = JsonValue::String("bottom");
  for (int i = 0; i < 60; ++i) {
    if (i % 2) {
      JsonObject o;
      o["level" + std::to_string(i)] = std::move(v);
      o["n"] = JsonValue::Number(i);
      v = JsonValue::Object(std::move(o));
    } else {
      v = JsonValue::List({std::move(v), JsonValue::Null()});
    }
  }
  g.metadata["deep"] = std::move(v);
  return g;
}

std::vector<std::pair<std::string, Generation>> cases() {
  return {{"empty", Generation()},
          {"typical", typical()},
          {"everything", everything()},
          {"zeros_present", zeros_present()},
          {"extremes", extremes()},
          {"large_strings", large_strings()},
          {"unicode", unicode()},
          {"many_parts", many_parts()},
          {"deep_metadata", deep_metadata()}};
}

std::string reference_request(const std::vector<const Generation *> &batch) {
  std::string out;
  EXPECT_TRUE(sigil::nanopb_reference::encode_export_request(batch, out));
  return out;
}

std::string request(const std::vector<const Generation *> &batch) {
  std::string out;
  Status st = encode_export_request_proto(batch, out);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return out;
}

// The key and length in front of a Generation inside a request.
size_t request_prefix_size(const std::string &request) {
  size_t i = 1;  // the key of field 1 is one byte
  while (static_cast<unsigned char>(request[i]) & 0x80) ++i;
  return i + 1;
}

std::string protojson(const Generation &g) {
  std::string out;
  append_generation_json(out, g);
  return out;
}

}  // namespace

TEST(ProtobufEncoder, SameBytesAsNanopbForEveryCase) {
  for (const auto &[name, g] : cases()) {
    SCOPED_TRACE(name);
    const std::string expected = reference_request({&g});
    const std::string got = request({&g});
    ASSERT_EQ(got.size(), expected.size());
    EXPECT_TRUE(got == expected) << "first difference at byte "
                                 << std::mismatch(got.begin(), got.end(), expected.begin()).first - got.begin();
    EXPECT_EQ(generation_proto_size(g), expected.size());
  }
}

TEST(ProtobufEncoder, SameBytesAsNanopbForABatch) {
  auto all = cases();
  std::vector<const Generation *> batch;
  for (int round = 0; round < 3; ++round) {
    for (const auto &c : all) batch.push_back(&c.second);
  }
  const std::string expected = reference_request(batch);
  EXPECT_TRUE(request(batch) == expected);
  size_t sum = 0;
  for (const Generation *g : batch) sum += generation_proto_size(*g);
  EXPECT_EQ(sum, expected.size());
  EXPECT_EQ(request({}), "");  // an empty request is zero bytes
}

TEST(ProtobufEncoder, AppendsAfterWhatIsAlreadyInTheBuffer) {
  Generation g = typical();
  std::string out(5, '\0');  // where the gRPC transport puts its frame header
  ASSERT_TRUE(encode_export_request_proto({&g}, out).is_ok());
  EXPECT_EQ(out.substr(0, 5), std::string(5, '\0'));
  EXPECT_TRUE(out.substr(5) == reference_request({&g}));
}

// A Generation alone is the request's field 1 without its key and length,
// which is how the spool's records become a request again.
TEST(ProtobufEncoder, GenerationAloneIsTheRequestFieldBody) {
  for (const auto &[name, g] : cases()) {
    SCOPED_TRACE(name);
    const std::string req = reference_request({&g});
    std::string alone = "prefix";
    ASSERT_TRUE(encode_generation_proto(g, alone).is_ok());
    EXPECT_EQ(alone.substr(0, 6), "prefix");
    EXPECT_TRUE(alone.substr(6) == req.substr(request_prefix_size(req)));
  }
}

TEST(ProtobufEncoder, NanopbDecodesTheModelBack) {
  for (const auto &[name, g] : cases()) {
    SCOPED_TRACE(name);
    std::string bytes;
    ASSERT_TRUE(encode_generation_proto(g, bytes).is_ok());
    Generation back;
    Status st = decode_generation_proto(bytes, back);
    ASSERT_TRUE(st.is_ok()) << st.message();
    EXPECT_EQ(protojson(back), protojson(g));
    EXPECT_EQ(back.id, g.id);
    EXPECT_EQ(back.input.size(), g.input.size());
    EXPECT_EQ(back.tags, g.tags);
    EXPECT_EQ(back.started_at_ns, g.started_at_ns);
    EXPECT_EQ(back.completed_at_ns, g.completed_at_ns);
    EXPECT_EQ(back.max_tokens, g.max_tokens);
    EXPECT_EQ(back.tool_choice, g.tool_choice);
    EXPECT_EQ(back.thinking_enabled, g.thinking_enabled);
    EXPECT_EQ(back.effective_version, g.effective_version);
    EXPECT_EQ(back.parent_generation_ids, g.parent_generation_ids);
    EXPECT_EQ(back.usage.output_tokens, g.usage.output_tokens);
  }
}

TEST(ProtobufEncoder, DecodeRefusesWhatTheModelCannotCarry) {
  Generation g = everything();
  std::string good;
  ASSERT_TRUE(encode_generation_proto(g, good).is_ok());
  Generation back;

  // An unknown field (a newer writer's field 31: varint 1).
  std::string unknown = good + std::string("\xf8\x01\x01", 3);
  EXPECT_EQ(decode_generation_proto(unknown, back).code(), SIGIL_E_INVALID_ARGUMENT);

  // An unknown enum value: mode 9.
  Generation m;
  m.mode = GenerationMode::kSync;
  std::string mode;
  ASSERT_TRUE(encode_generation_proto(m, mode).is_ok());
  ASSERT_EQ(mode, std::string("\x20\x01", 2));
  EXPECT_EQ(decode_generation_proto(std::string("\x20\x09", 2), back).code(), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_TRUE(decode_generation_proto(mode, back).is_ok());
  EXPECT_EQ(back.mode, GenerationMode::kSync);

  // A message with role 7, and a part without any payload: input { parts {} }.
  EXPECT_EQ(decode_generation_proto(std::string("\x5a\x02\x08\x07", 4), back).code(), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(decode_generation_proto(std::string("\x5a\x02\x1a\x00", 4), back).code(), SIGIL_E_INVALID_ARGUMENT);

  // Truncated inside a field (the last one, the id, the first key).
  for (size_t n : {good.size() - 1, size_t{3}, size_t{1}}) {
    EXPECT_FALSE(decode_generation_proto(std::string_view(good).substr(0, n), back).is_ok()) << n;
  }

  // A string that is not UTF-8 (id "\xff"), in a tag and in metadata; a bytes
  // field (tool-call input_json) may hold any bytes.
  EXPECT_EQ(decode_generation_proto(std::string("\x0a\x01\xff", 3), back).code(), SIGIL_E_INVALID_ARGUMENT);
  Generation tagged;
  tagged.tags["k"] = "\xc3\xa9";
  tagged.metadata["m"] = JsonValue::String("\xc3\xa9");
  std::string bytes;
  ASSERT_TRUE(encode_generation_proto(tagged, bytes).is_ok());
  EXPECT_TRUE(decode_generation_proto(bytes, back).is_ok());
  int broken_strings = 0;
  for (size_t at = bytes.find('\xc3'); at != std::string::npos; at = bytes.find('\xc3', at + 1)) {
    std::string broken = bytes;
    broken[at + 1] = '\x28';  // C3 28: a lead byte without its continuation
    EXPECT_EQ(decode_generation_proto(broken, back).code(), SIGIL_E_INVALID_ARGUMENT) << at;
    ++broken_strings;
  }
  EXPECT_EQ(broken_strings, 2);
  Generation tool;
  tool.output = {message(Role::kAssistant, {tool_call_part("c1", "f", "\xff\xfe")})};
  std::string raw;
  ASSERT_TRUE(encode_generation_proto(tool, raw).is_ok());
  ASSERT_TRUE(decode_generation_proto(raw, back).is_ok());
  EXPECT_EQ(back.output[0].parts[0].tool_call.input_json, "\xff\xfe");

  // Nothing at all is a Generation with every field at its default.
  ASSERT_TRUE(decode_generation_proto("", back).is_ok());
  EXPECT_EQ(protojson(back), protojson(Generation()));
}
