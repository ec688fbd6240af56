// Score ingest bodies: the ExportScoresRequest JSON and its per-item results.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/score.h"
#include "base/status.h"
#include "encode/item_result.h"

namespace sigil::detail {

// {"scores":[{...}, ...]} with the contract's field names; empty optional
// fields are left out (the server refuses unknown fields, never absent ones).
void append_score_request_json(std::string &out, const std::vector<const Score *> &batch);

// {"results":[{"score_id","accepted","error"}]}: ItemResult::generation_id
// holds the score id.
Status parse_score_response_json(std::string_view body, std::vector<ItemResult> &results);

}  // namespace sigil::detail
