// What one export attempt produced, independent of the transport.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "encode/item_result.h"

namespace sigil::detail {

struct AttemptResult {
  enum class Outcome {
    kAccepted,   // the request went through; see per-item results
    kRetryable,  // try again after backoff (or retry_after_ms)
    kRejected,   // the server refused the request as a whole; do not retry
  };
  Outcome outcome = Outcome::kRetryable;
  int status = 0;               // HTTP status or gRPC status code, 0 when none
  int64_t retry_after_ms = -1;  // server-requested delay, -1 when none
  std::string message;          // human-readable reason for logs
  std::vector<ItemResult> items;
};

}  // namespace sigil::detail
