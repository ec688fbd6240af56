// One spooled generation record (encode/protobuf.h): the sigil.v1 Generation
// bytes a replay reads back from a segment, which may be damaged or a newer
// writer's. The decoder promises to accept only what re-encodes to the same
// bytes; what it accepts must also export as valid protojson.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "encode/protobuf.h"
#include "encode/protojson.h"
#include "json_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace sigil::detail;
  std::string_view in(reinterpret_cast<const char *>(data), size);
  Generation g;
  if (!decode_generation_proto(in, g).is_ok()) return 0;
  std::string again;
  if (!encode_generation_proto(g, again).is_ok() || again != in) __builtin_trap();
  std::string json;
  append_generation_json(json, g);
  if (!sigil_fuzz::strict_json(json)) __builtin_trap();
  return 0;
}
