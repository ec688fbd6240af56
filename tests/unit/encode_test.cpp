// protojson and protobuf encoding of sigil.v1 generations.
#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/json_input.h"
#include "core/timefmt.h"
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
  EXPECT_STREQ(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "usage"), "input_tokens")->valuestring, "9007199254740993");
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
                   cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "input"), 0), "parts"), 0),
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

TEST(Protobuf, EncodesAndResponseDecodes) {
  Generation g = sample();
  std::vector<const Generation *> batch{&g, &g};
  std::string bytes;
  ASSERT_TRUE(encode_export_request_proto(batch, bytes).is_ok());
  EXPECT_EQ(bytes.size(), 2 * generation_proto_size(g));
  EXPECT_NE(bytes.find("gen_1"), std::string::npos);

  // ExportGenerationsResponse{results:[{generation_id:"a",accepted:true},{generation_id:"b",error:"bad"}]}
  const unsigned char resp[] = {0x0a, 0x05, 0x0a, 0x01, 'a', 0x10, 0x01, 0x0a, 0x08, 0x0a, 0x01,
                                'b',  0x1a, 0x03, 'b',  'a', 'd'};
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
  ASSERT_TRUE(parse_export_response_json(R"({"results":[{"generation_id":"g","accepted":false,"error":"no"}]})", r).is_ok());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].accepted);
  EXPECT_FALSE(parse_export_response_json("<html>", r).is_ok());
}
