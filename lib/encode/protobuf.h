// sigil.v1 protobuf encoding (nanopb) for the gRPC transport.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/status.h"
#include "export/export_result.h"

namespace sigil::detail {

// Serializes an ExportGenerationsRequest holding `batch` into `out`.
Status encode_export_request_proto(const std::vector<const Generation *> &batch, std::string &out);
// Serialized size of one Generation inside a request (tag and length included).
size_t generation_proto_size(const Generation &g);
// Parses an ExportGenerationsResponse.
Status decode_export_response_proto(std::string_view bytes, std::vector<ItemResult> &results);

}  // namespace sigil::detail
