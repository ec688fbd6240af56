// The ABI's JSON inputs (core/json_input.h): generation results, tools, tags, metadata.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/json_input.h"
#include "encode/protobuf.h"
#include "encode/protojson.h"
#include "json_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char *>(data) + 1, size - 1);
  using namespace sigil::detail;
  switch (data[0] % 4) {
    case 0: {
      Generation g;
      GenerationFieldsSet set;
      if (!parse_generation_json(in, g, &set).is_ok()) break;
      // Whatever parses encodes: protojson that is valid JSON, and protobuf.
      std::string json;
      append_generation_json(json, g);
      if (!sigil_fuzz::strict_json(json)) __builtin_trap();
      std::string proto;
      const Generation *batch[] = {&g};
      (void)encode_export_request_proto({batch, batch + 1}, proto);
      break;
    }
    case 1: {
      std::vector<ToolDefinition> tools;
      (void)parse_tools_json(in, tools);
      break;
    }
    case 2: {
      Tags tags;
      (void)parse_tags_json(in, tags);
      break;
    }
    default: {
      Metadata md;
      (void)parse_metadata_json(in, md);
      break;
    }
  }
  return 0;
}
