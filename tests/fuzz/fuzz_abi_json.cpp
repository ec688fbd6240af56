// The ABI's JSON inputs (core/json_input.h): generation results, tools, tags, metadata.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/json_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char *>(data) + 1, size - 1);
  using namespace sigil::detail;
  switch (data[0] % 4) {
    case 0: {
      Generation g;
      GenerationFieldsSet set;
      (void)parse_generation_json(in, g, &set);
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
