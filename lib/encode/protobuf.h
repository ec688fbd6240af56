// sigil.v1 protobuf for the gRPC transport and the spool: a hand-written
// two-pass encoder (sizes first, then one write into an exact buffer) and
// nanopb decoding.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/model.h"
#include "base/status.h"
#include "encode/item_result.h"

namespace sigil::detail {

// Serializes an ExportGenerationsRequest holding `batch` into `out`.
Status encode_export_request_proto(const std::vector<const Generation *> &batch, std::string &out);
// Serialized size of one Generation inside a request (tag and length included).
size_t generation_proto_size(const Generation &g);
// One sigil.v1 Generation message (no request around it): the spool's
// canonical record form, appended to `out`.
Status encode_generation_proto(const Generation &g, std::string &out);
// Parses what encode_generation_proto wrote. Strict on purpose: it fails
// (SIGIL_E_INVALID_ARGUMENT) unless re-encoding the result gives the same
// bytes, so a record holding anything this version's model cannot carry
// (a newer writer's field or enum value, an empty oneof) is never exported
// with parts missing.
Status decode_generation_proto(std::string_view bytes, Generation &g);
// Parses an ExportGenerationsResponse.
Status decode_export_response_proto(std::string_view bytes, std::vector<ItemResult> &results);

}  // namespace sigil::detail
