// sigil.v1 protojson (the HTTP export body): snake_case names, enum names,
// int64 as strings, bytes as base64, defaults omitted, map keys sorted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/model.h"
#include "base/status.h"
#include "encode/item_result.h"

namespace sigil::detail {

void append_generation_json(std::string &out, const Generation &g);
void append_export_request_json(std::string &out, const std::vector<const Generation *> &batch);
void append_json_value(std::string &out, const JsonValue &v);

// Parses an ExportGenerationsResponse body (cold path, cJSON).
Status parse_export_response_json(std::string_view body, std::vector<ItemResult> &results);

}  // namespace sigil::detail
