// An evaluation score for one generation, as Sigil's score ingest takes it
// (POST /api/v1/scores:export). Validated by core/score.cpp, encoded by
// encode/score_json.cpp, delivered by export/score_exporter.cpp.
#pragma once

#include <cstdint>
#include <string>

namespace sigil::detail {

enum class ScoreValueKind : uint32_t { kUnset = 0, kNumber = 1, kBool = 2, kString = 3 };
enum class ScorePassed : uint32_t { kUnset = 0, kPassed = 1, kFailed = 2 };

struct Score {
  std::string score_id;  // the idempotency key
  std::string generation_id;
  std::string conversation_id, trace_id, span_id;
  std::string evaluator_id, evaluator_version;
  std::string key;  // score_key on the wire
  ScoreValueKind kind = ScoreValueKind::kUnset;
  double number = 0;
  bool boolean = false;
  std::string string_value;
  ScorePassed passed = ScorePassed::kUnset;
  std::string explanation;    // the rationale
  std::string metadata_json;  // compact JSON object text (the label included), or empty
  int64_t created_at_ns = 0;  // stamped at submission, kept across retries
};

}  // namespace sigil::detail
