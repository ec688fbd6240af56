// Server answers: the HTTP export response JSON, the gRPC ExportGenerationsResponse
// protobuf, and the rating API's response.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/rating.h"
#include "encode/protobuf.h"
#include "encode/protojson.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char *>(data) + 1, size - 1);
  using namespace sigil::detail;
  std::vector<ItemResult> items;
  switch (data[0] % 3) {
    case 0:
      (void)parse_export_response_json(in, items);
      break;
    case 1:
      (void)decode_export_response_proto(in, items);
      break;
    default:
      (void)parse_rating_response(std::string(in));
      break;
  }
  return 0;
}
