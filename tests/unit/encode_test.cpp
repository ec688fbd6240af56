// protojson and protobuf encoding of sigil.v1 generations.
#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/json_input.h"
#include "base/timefmt.h"
#include "encode/protobuf.h"
#include "encode/protojson.h"

using namespace sigil::detail;

namespace {

Generation sample() {
  Generation g;
  const char *json =
      R"({"id":"gen_1","conversation_id":"conv","operation_name":"generateText","mode":"GENERATION_MODE_SYNC",)"
      R"("model":{"provider":"openai","name":"gpt-4o"},"system_prompt":"be \"brief\"\n",)"
      R"("input":[{"role":"MESSAGE_ROLE_USER","parts":[{"text":"héllo \u0001"}]}],)"
      R"("output":[{"role":"MESSAGE_ROLE_ASSISTANT","parts":[{"tool_call":{"id":"c","name":"w","input_json":{"a":1}}}]}],)"
      R"("usage":{"input_tokens":9007199254740993},"tags":{"b":"2","a":"1"},"metadata":{"n":1.5,"s":"x"},)"
      R"("max_tokens":0,"temperature":0.7,"tool_choice":"","thinking_enabled":false,)"
      R"("started_at":"2026-01-02T03:04:05.123Z","parent_generation_ids":["gen_0"]})";
  EXPECT_TRUE(parse_generation_json(json, g).is_ok());
  return g;
}

}  // namespace

TEST(Protojson, FieldsEnumsInt64BytesAndPresence) {
  std::string out;
  append_generation_json(out, sample());
  cJSON *root = cJSON_Parse(out.c_str());
  ASSERT_NE(root, nullptr) << out;
  EXPECT_STREQ(cJSON_GetObjectItem(root, "mode")->valuestring, "GENERATION_MODE_SYNC");
  // int64 as a decimal string, exact beyond 2^53.
  EXPECT_STREQ(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "usage"), "input_tokens")->valuestring,
               "9007199254740993");
  // bytes as base64 ({"a":1} -> eyJhIjoxfQ==).
  cJSON *call = cJSON_GetObjectItem(
      cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "output"), 0), "parts"), 0),
      "tool_call");
  EXPECT_STREQ(cJSON_GetObjectItem(call, "input_json")->valuestring, "eyJhIjoxfQ==");
  // proto3 optional fields are present even at their zero value.
  EXPECT_STREQ(cJSON_GetObjectItem(root, "max_tokens")->valuestring, "0");
  EXPECT_TRUE(cJSON_IsFalse(cJSON_GetObjectItem(root, "thinking_enabled")));
  EXPECT_STREQ(cJSON_GetObjectItem(root, "tool_choice")->valuestring, "");
  EXPECT_STREQ(cJSON_GetObjectItem(root, "started_at")->valuestring, "2026-01-02T03:04:05.123Z");
  // Defaults are omitted.
  EXPECT_EQ(cJSON_GetObjectItem(root, "response_id"), nullptr);
  EXPECT_EQ(cJSON_GetObjectItem(root, "top_p"), nullptr);
  // Control characters are escaped; UTF-8 passes through.
  EXPECT_STREQ(cJSON_GetObjectItem(
                   cJSON_GetArrayItem(
                       cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "input"), 0), "parts"), 0),
                   "text")
                   ->valuestring,
               "héllo \x01");
  cJSON_Delete(root);
  EXPECT_NE(out.find(R"("tags":{"a":"1","b":"2"})"), std::string::npos) << "map keys are sorted";
}

TEST(Protojson, RoundTripsThroughTheInputParser) {
  Generation g = sample();
  std::string out;
  append_generation_json(out, g);
  Generation back;
  ASSERT_TRUE(parse_generation_json(out, back).is_ok()) << out;
  std::string again;
  append_generation_json(again, back);
  EXPECT_EQ(out, again);
}

// The ABI form carries the model fields the wire has no place for, so a
// document handed back to a caller reads into the same model.
TEST(Protojson, TheAbiFormAddsTheFieldsTheWireLacks) {
  Generation g = sample();
  g.conversation_title = "Trip";
  g.user_id = "u-1";
  g.usage.cache_creation_input_tokens = 1200;
  std::string wire, abi;
  append_generation_json(wire, g);
  append_generation_json(abi, g, GenerationJsonForm::kAbi);
  for (const char *field :
       {R"("conversation_title":"Trip")", R"("user_id":"u-1")", R"("cache_creation_input_tokens":"1200")"}) {
    EXPECT_EQ(wire.find(field), std::string::npos) << field;
    EXPECT_NE(abi.find(field), std::string::npos) << field;
  }
  Generation back;
  ASSERT_TRUE(parse_generation_json(abi, back).is_ok()) << abi;
  std::string again;
  append_generation_json(again, back, GenerationJsonForm::kAbi);
  EXPECT_EQ(again, abi);
}

TEST(Protojson, DoublesAndTimestamps) {
  std::string s;
  JsonValue v = JsonValue::Number(NAN);
  append_json_value(s, v);
  EXPECT_EQ(s, "\"NaN\"");
  s.clear();
  append_rfc3339(s, 1700000000123456789);
  EXPECT_EQ(s, "2023-11-14T22:13:20.123456789Z");
  int64_t ns = 0;
  ASSERT_TRUE(parse_rfc3339("2023-11-14T23:13:20.123456789+01:00", ns));
  EXPECT_EQ(ns, 1700000000123456789);
  EXPECT_FALSE(parse_rfc3339("2023-11-14 garbage", ns));
}

TEST(Rfc3339, OnlyInstantsThatFitInt64NanosecondsParse) {
  int64_t ns = 0;
  ASSERT_TRUE(parse_rfc3339("2262-04-11T23:47:15.999999999Z", ns));
  EXPECT_EQ(ns, kMaxRfc3339Seconds * 1000000000 + 999999999);
  ASSERT_TRUE(parse_rfc3339("1677-09-21T00:12:44Z", ns));
  EXPECT_EQ(ns, kMinRfc3339Seconds * 1000000000);
  std::string back;
  append_rfc3339(back, ns);
  EXPECT_EQ(back, "1677-09-21T00:12:44Z");
  ns = 42;
  for (const char *out_of_range :
       {"2262-04-11T23:47:16Z", "9999-12-31T23:59:59.999999999Z", "0001-01-01T00:00:00Z",
        "1677-09-21T00:12:43.999999999Z", "2262-04-11T23:47:15-00:01", "1677-09-21T00:12:44+00:01"}) {
    EXPECT_FALSE(parse_rfc3339(out_of_range, ns)) << out_of_range;
  }
  EXPECT_EQ(ns, 42);  // untouched when refused
}

TEST(Protobuf, EncodesAndResponseDecodes) {
  Generation g = sample();
  std::vector<const Generation *> batch{&g, &g};
  std::string bytes;
  ASSERT_TRUE(encode_export_request_proto(batch, bytes).is_ok());
  EXPECT_EQ(bytes.size(), 2 * generation_proto_size(g));
  EXPECT_NE(bytes.find("gen_1"), std::string::npos);

  // ExportGenerationsResponse{results:[{generation_id:"a",accepted:true},{generation_id:"b",error:"bad"}]}
  const unsigned char resp[] = {0x0a, 0x05, 0x0a, 0x01, 'a',  0x10, 0x01, 0x0a, 0x08,
                                0x0a, 0x01, 'b',  0x1a, 0x03, 'b',  'a',  'd'};
  std::vector<ItemResult> results;
  ASSERT_TRUE(decode_export_response_proto(std::string_view(reinterpret_cast<const char *>(resp), sizeof resp), results)
                  .is_ok());
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].accepted);
  EXPECT_EQ(results[1].error, "bad");
  EXPECT_FALSE(decode_export_response_proto("\x0a\x7f", results).is_ok());
}

TEST(Protojson, ResponseParsing) {
  std::vector<ItemResult> r;
  ASSERT_TRUE(
      parse_export_response_json(R"({"results":[{"generation_id":"g","accepted":false,"error":"no"}]})", r).is_ok());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].accepted);
  EXPECT_FALSE(parse_export_response_json("<html>", r).is_ok());
}

namespace {

// Every field of the model that is on the sigil.v1 wire, every part kind,
// and metadata with every JSON kind nested.
Generation every_field() {
  Generation g;
  g.id = "gen_every";
  g.conversation_id = "conv";
  g.operation_name = "streamText";
  g.mode = GenerationMode::kStream;
  g.trace_id = "0123456789abcdef0123456789abcdef";
  g.span_id = "0123456789abcdef";
  g.model = {"anthropic", "claude"};
  g.response_id = "resp";
  g.response_model = "claude-x";
  g.system_prompt = "sys \xe2\x9c\x93";
  Message in;
  in.role = Role::kUser;
  in.name = "alice";
  Part text;
  text.text = "";  // present though empty (oneof)
  Part media;
  media.kind = PartKind::kMedia;
  media.media = {"image", "https://x/y.png", "image/png", "y.png"};
  in.parts = {text, media};
  Message out;
  out.role = Role::kAssistant;
  Part thinking;
  thinking.kind = PartKind::kThinking;
  thinking.text = "hmm";
  thinking.provider_type = "reasoning";
  Part call;
  call.kind = PartKind::kToolCall;
  call.tool_call = {"call_1", "weather", R"({"city":"Paris"})"};
  out.parts = {thinking, call};
  Message tool;
  tool.role = Role::kTool;
  Part result;
  result.kind = PartKind::kToolResult;
  result.tool_result = {"call_1", "weather", "sunny", std::string("\x00\xff", 2), true};
  tool.parts = {result};
  g.input = {in};
  g.output = {out, tool};
  g.tools = {{"weather", "the weather", "function", R"({"type":"object"})", true}};
  g.usage.input_tokens = 9007199254740993;
  g.usage.output_tokens = 2;
  g.usage.total_tokens = -3;
  g.usage.cache_read_input_tokens = 4;
  g.usage.cache_write_input_tokens = 5;
  g.usage.reasoning_tokens = 6;
  g.stop_reason = "end_turn";
  g.started_at_ns = 1700000000123456789;
  g.completed_at_ns = -1500000000;  // before 1970: negative seconds, positive nanos
  g.tags = {{"a", "1"}, {"b", ""}};
  JsonObject inner{{"deep", JsonValue::List({JsonValue::Null(), JsonValue::Bool(true), JsonValue::Number(-0.25),
                                             JsonValue::String("s"), JsonValue::Object({}), JsonValue::List({})})}};
  g.metadata = {{"n", JsonValue::Number(1e300)}, {"o", JsonValue::Object(inner)}, {"z", JsonValue::Bool(false)}};
  g.artifacts = {{ArtifactKind::kProviderEvent, "ev", "application/json", std::string("{\0}", 3), "rec", "s3://b/k"}};
  g.call_error = "boom";
  g.agent_name = "agent";
  g.agent_version = "1.0";
  g.max_tokens = 0;
  g.temperature = 0.7;
  g.top_p = 1;
  g.tool_choice = "";
  g.thinking_enabled = false;
  g.parent_generation_ids = {"gen_0", "gen_00"};
  g.effective_version = "sha256:" + std::string(64, 'a');
  return g;
}

}  // namespace

// The spool's canonical form: a Generation decodes to the same model (so
// either transport can send it), checked through both encoders.
TEST(Protobuf, GenerationDecodesToTheSameModel) {
  for (const Generation &g : {every_field(), sample(), Generation()}) {
    std::string bytes;
    ASSERT_TRUE(encode_generation_proto(g, bytes).is_ok());
    Generation back;
    Status st = decode_generation_proto(bytes, back);
    ASSERT_TRUE(st.is_ok()) << st.message();
    std::string json, json_back;
    append_generation_json(json, g);
    append_generation_json(json_back, back);
    EXPECT_EQ(json_back, json);
    std::vector<const Generation *> one{&g}, one_back{&back};
    std::string req, req_back;
    ASSERT_TRUE(encode_export_request_proto(one, req).is_ok());
    ASSERT_TRUE(encode_export_request_proto(one_back, req_back).is_ok());
    EXPECT_EQ(req_back, req);
  }
  Generation g = every_field(), back;
  std::string bytes;
  ASSERT_TRUE(encode_generation_proto(g, bytes).is_ok());
  ASSERT_TRUE(decode_generation_proto(bytes, back).is_ok());
  EXPECT_EQ(back.completed_at_ns, -1500000000);
  EXPECT_EQ(back.output[1].parts[0].tool_result.content_json, std::string("\x00\xff", 2));
  EXPECT_TRUE(back.output[1].parts[0].tool_result.is_error);
  EXPECT_EQ(back.input[0].parts[0].kind, PartKind::kText);
  ASSERT_TRUE(back.tool_choice.has_value());
  EXPECT_EQ(*back.tool_choice, "");
  EXPECT_EQ(back.metadata.at("o").object->at("deep").list.size(), 6u);
}

// What this version cannot represent exactly is refused, not exported with
// parts missing: an unknown field, an unknown enum value, an empty oneof,
// and damaged bytes.
TEST(Protobuf, GenerationDecodeRefusesWhatItCannotRepresent) {
  std::string bytes;
  ASSERT_TRUE(encode_generation_proto(every_field(), bytes).is_ok());
  Generation g;
  EXPECT_FALSE(decode_generation_proto(bytes + std::string("\xf8\x06\x01", 3), g).is_ok());  // field 111 = 1
  EXPECT_FALSE(decode_generation_proto(bytes.substr(0, bytes.size() - 3), g).is_ok());
  EXPECT_FALSE(decode_generation_proto(std::string("\x20\x07", 2), g).is_ok());  // mode = 7
  // input: [Message{parts: [Part{}]}]: a part with no payload.
  EXPECT_FALSE(decode_generation_proto(std::string("\x5a\x02\x1a\x00", 4), g).is_ok());
  // input: [Message{role: 9}]
  EXPECT_FALSE(decode_generation_proto(std::string("\x5a\x02\x08\x09", 4), g).is_ok());
  // metadata: Struct{fields: {"k": Value{}}}: a value of no kind.
  EXPECT_FALSE(decode_generation_proto(std::string("\x9a\x01\x07\x0a\x05\x0a\x01k\x12\x00", 10), g).is_ok());
  EXPECT_TRUE(decode_generation_proto(std::string("\x0a\x01x", 3), g).is_ok());
  EXPECT_EQ(g.id, "x");
}
