// Evaluation scores: validation against the score ingest contract
// (grafana/sigil docs/references/score-ingest-contract.md) before a score is
// queued. The queue, batching and retries are export/score_exporter.h.
#pragma once

#include <string>

#include "base/score.h"
#include "base/status.h"

namespace sigil::detail {

// What a caller gives; `label` goes into the metadata (the contract has no
// field for it), the rationale into `explanation`.
struct ScoreInput {
  Score score;
  std::string label;
};

// Trims the ids and the key, generates a score id when none is given
// ("sc_" + 16 hex digits), checks the required fields and the value, merges
// the label into the metadata, and stamps created_at (now when unset).
// SIGIL_E_VALIDATION names the first problem.
Expected<Score> normalize_score(ScoreInput input);

// "sc_" followed by 16 lowercase hex digits.
std::string new_score_id();

}  // namespace sigil::detail
