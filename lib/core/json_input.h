// Parsing of the JSON values that cross the ABI (sigil.v1 protojson shape).
// One pass per record with simdjson's on-demand parser; errors name the path
// of the offending field.
#pragma once

#include <string_view>
#include <vector>

#include "base/model.h"
#include "base/status.h"

namespace sigil::detail {

// Which Generation fields a result JSON set, so merging can tell "absent"
// from "empty".
struct GenerationFieldsSet {
  bool tools = false;
  bool input = false;
  bool output = false;
};

// Parses a sigil.v1 Generation (plus the conversation_title and user_id
// extensions) into `out`, which should start empty.
Status parse_generation_json(std::string_view json, Generation &out, GenerationFieldsSet *set = nullptr);
Status parse_tools_json(std::string_view json, std::vector<ToolDefinition> &out);
Status parse_tags_json(std::string_view json, Tags &out);
Status parse_metadata_json(std::string_view json, Metadata &out);

// Whether `text` is one complete JSON document (validated in full).
bool valid_json(std::string_view text);
// When `json` is exactly one JSON string (surrounding whitespace allowed),
// stores its decoded text in `out` and returns true.
bool decode_json_string(std::string_view json, std::string &out);

}  // namespace sigil::detail
