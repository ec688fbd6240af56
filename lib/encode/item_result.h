// What the ingest server said about one generation of an export request, as
// decoded from a sigil.v1 ExportGenerationsResponse (protobuf or JSON).
#pragma once

#include <string>

namespace sigil::detail {

struct ItemResult {
  std::string generation_id;
  bool accepted = false;
  std::string error;
};

}  // namespace sigil::detail
