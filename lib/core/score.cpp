#include "core/score.h"

#include <cjson/cJSON.h>

#include <cmath>
#include <memory>

#include "base/random_ids.h"
#include "base/strings.h"
#include "base/timefmt.h"
#include "core/json_input.h"

namespace sigil::detail {

namespace {

constexpr size_t kMaxId = 255;
constexpr size_t kMaxMetadata = 16 * 1024;

Status invalid(const std::string &message) { return Status(SIGIL_E_VALIDATION, "score validation failed: " + message); }

Status required(std::string &value, const char *what) {
  value = trim(value);
  if (value.empty()) return invalid(std::string(what) + " is required");
  if (value.size() > kMaxId) {
    return invalid(std::string(what) + " is too long (" + std::to_string(value.size()) + " bytes, at most " +
                   std::to_string(kMaxId) + ")");
  }
  return Status::ok();
}

// The metadata as compact JSON object text with the label set; empty when
// there is neither.
Status merge_metadata(std::string &metadata_json, const std::string &label) {
  std::string_view md = trim_view(metadata_json);
  if (md.empty() && label.empty()) {
    metadata_json.clear();
    return Status::ok();
  }
  // The strict parser checks the shape (cJSON alone lets control characters
  // in strings through); cJSON then rewrites it compactly with the label.
  if (!md.empty()) {
    Metadata parsed;
    Status shape = parse_metadata_json(md, parsed);
    if (!shape.is_ok()) return invalid("metadata must be a JSON object (" + shape.message() + ")");
  }
  std::unique_ptr<cJSON, void (*)(cJSON *)> root(
      md.empty() ? cJSON_CreateObject() : cJSON_ParseWithLength(md.data(), md.size()), cJSON_Delete);
  if (!root) return Status(SIGIL_E_NO_MEMORY, "out of memory reading score metadata");
  if (!label.empty()) {
    cJSON_DeleteItemFromObjectCaseSensitive(root.get(), "label");  // the label field wins
    if (cJSON_AddStringToObject(root.get(), "label", label.c_str()) == nullptr) {
      return Status(SIGIL_E_NO_MEMORY, "out of memory writing the score label");
    }
  }
  if (cJSON_GetArraySize(root.get()) == 0) {
    metadata_json.clear();
    return Status::ok();
  }
  char *text = cJSON_PrintUnformatted(root.get());
  if (text == nullptr) return Status(SIGIL_E_NO_MEMORY, "out of memory writing score metadata");
  metadata_json = text;
  cJSON_free(text);
  if (metadata_json.size() > kMaxMetadata) {
    return invalid("metadata is too large (" + std::to_string(metadata_json.size()) + " bytes, at most " +
                   std::to_string(kMaxMetadata) + ")");
  }
  return Status::ok();
}

}  // namespace

std::string new_score_id() {
  static const char kHex[] = "0123456789abcdef";
  uint64_t bits = random_u64();
  std::string id = "sc_";
  for (int shift = 60; shift >= 0; shift -= 4) id.push_back(kHex[(bits >> shift) & 0xf]);
  return id;
}

Expected<Score> normalize_score(ScoreInput in) {
  Score &s = in.score;
  s.score_id = trim(s.score_id);
  if (s.score_id.empty()) s.score_id = new_score_id();
  Status st = required(s.score_id, "score id");
  if (st.is_ok()) st = required(s.generation_id, "generation id");
  if (st.is_ok()) st = required(s.evaluator_id, "evaluator id");
  if (st.is_ok()) st = required(s.evaluator_version, "evaluator version");
  if (st.is_ok()) st = required(s.key, "score key");
  if (!st.is_ok()) return st;
  s.conversation_id = trim(s.conversation_id);
  s.trace_id = trim(s.trace_id);
  s.span_id = trim(s.span_id);
  switch (s.kind) {
    case ScoreValueKind::kNumber:
      if (!std::isfinite(s.number)) return invalid("a number value must be finite");
      break;
    case ScoreValueKind::kBool:
    case ScoreValueKind::kString:
      break;
    default:
      return invalid("the value kind must be number, bool or string (SIGIL_SCORE_VALUE_NUMBER, _BOOL, _STRING)");
  }
  if (s.passed != ScorePassed::kUnset && s.passed != ScorePassed::kPassed && s.passed != ScorePassed::kFailed) {
    return invalid("passed must be SIGIL_SCORE_PASSED_UNSET, _TRUE or _FALSE");
  }
  s.explanation = trim(s.explanation);
  if (!(st = merge_metadata(s.metadata_json, trim(in.label))).is_ok()) return st;
  if (s.created_at_ns == 0) s.created_at_ns = now_unix_ns();
  return std::move(s);
}

}  // namespace sigil::detail
