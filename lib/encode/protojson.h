// sigil.v1 protojson (the HTTP export body): snake_case names, enum names,
// int64 as strings, bytes as base64, defaults omitted, map keys sorted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/model.h"
#include "base/status.h"
#include "encode/item_result.h"

namespace sigil::detail {

// Which fields a generation document carries. kWire is the sigil.v1 export
// body. kAbi adds the model fields the wire has no place for but the ABI's
// result JSON accepts (docs/abi-json.md): conversation_title, user_id and
// usage.cache_creation_input_tokens, so that a document handed back to a
// caller (a mapped or an exported generation) reads back into the same model.
enum class GenerationJsonForm : uint8_t { kWire, kAbi };

void append_generation_json(std::string &out, const Generation &g, GenerationJsonForm form = GenerationJsonForm::kWire);
void append_export_request_json(std::string &out, const std::vector<const Generation *> &batch,
                                GenerationJsonForm form = GenerationJsonForm::kWire);
void append_json_value(std::string &out, const JsonValue &v);

// Parses an ExportGenerationsResponse body (cold path, cJSON).
Status parse_export_response_json(std::string_view body, std::vector<ItemResult> &results);
// The same for any {"results": [{<id_key>, "accepted", "error"}]} body (the
// score ingest's too); ItemResult::generation_id then holds that id.
Status parse_item_results_json(std::string_view body, const char *id_key, std::vector<ItemResult> &results);

}  // namespace sigil::detail
