#include "encode/score_json.h"

#include "base/json_writer.h"
#include "base/timefmt.h"
#include "encode/protojson.h"

namespace sigil::detail {

namespace {

void append_score(std::string &out, const Score &s) {
  JsonObjectWriter w(out);
  w.string("score_id", s.score_id);
  w.string("generation_id", s.generation_id);
  w.string_if("conversation_id", s.conversation_id);
  w.string_if("trace_id", s.trace_id);
  w.string_if("span_id", s.span_id);
  w.string("evaluator_id", s.evaluator_id);
  w.string("evaluator_version", s.evaluator_version);
  w.string("score_key", s.key);
  w.key("value");
  {
    JsonObjectWriter v(out);
    switch (s.kind) {
      case ScoreValueKind::kNumber:
        v.key("number");
        json_append_double(out, s.number);
        break;
      case ScoreValueKind::kBool:
        v.boolean("bool", s.boolean);
        break;
      case ScoreValueKind::kString:
        v.string("string", s.string_value);
        break;
      case ScoreValueKind::kUnset:
        break;  // validation refuses it before a score is queued
    }
    v.end();
  }
  if (s.passed != ScorePassed::kUnset) w.boolean("passed", s.passed == ScorePassed::kPassed);
  w.string_if("explanation", s.explanation);
  if (!s.metadata_json.empty()) w.raw("metadata", s.metadata_json);
  if (s.created_at_ns != 0) {
    w.key("created_at");
    std::string when;
    append_rfc3339(when, s.created_at_ns);
    json_append_string(out, when);
  }
  w.end();
}

}  // namespace

void append_score_request_json(std::string &out, const std::vector<const Score *> &batch) {
  out.append("{\"scores\":[");
  for (size_t i = 0; i < batch.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_score(out, *batch[i]);
  }
  out.append("]}");
}

Status parse_score_response_json(std::string_view body, std::vector<ItemResult> &results) {
  return parse_item_results_json(body, "score_id", results);
}

}  // namespace sigil::detail
