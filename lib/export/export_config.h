// Configuration of generation export: protocol, endpoint, headers, batching,
// queue budgets, retries and the spool. Finalized by core/config.cpp from
// options > environment > defaults; the export layer only reads it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "export/spool.h"
#include "sigil/sigil.h"

namespace sigil::detail {

enum class Protocol : uint32_t {
  kGrpc = SIGIL_PROTOCOL_GRPC,
  kHttp = SIGIL_PROTOCOL_HTTP,
  kNone = SIGIL_PROTOCOL_NONE
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Sets or replaces a header, matching names case-insensitively.
void set_header(HeaderList &headers, std::string name, std::string value);
bool has_header(const HeaderList &headers, std::string_view name);

// A host callback that takes each batch instead of a server
// (sigil_options_set_generation_exporter); unset when fn is null.
struct GenerationExporterCallback {
  sigil_generation_exporter_fn fn = nullptr;
  void *user_data = nullptr;
};

struct ExportConfig {
  Protocol protocol = Protocol::kGrpc;
  GenerationExporterCallback callback;  // set: wins over protocol and endpoint
  std::string endpoint = "localhost:4317";
  std::optional<bool> insecure;  // unset: plaintext only for loopback hosts
  HeaderList headers;            // explicit headers plus those derived from auth
  uint32_t batch_size = 100;
  uint32_t flush_interval_ms = 1000;
  uint32_t queue_size = 2000;
  uint64_t queue_max_bytes = 64ull << 20;
  uint32_t max_retries = 5;
  uint32_t initial_backoff_ms = 100;
  uint32_t max_backoff_ms = 5000;
  uint32_t attempt_timeout_ms = 10000;
  uint64_t payload_max_bytes = 16ull << 20;
  SpoolConfig spool;  // spool.dir empty: no spool
};

}  // namespace sigil::detail
