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

#include "base/status.h"
#include "export/spool.h"
#include "export/tls_config.h"
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

// The rules every request header obeys, on every transport (HTTP, gRPC,
// OTLP, ratings), checked once when a client is created:
//  - the name is an HTTP token (RFC 9110: letters, digits, !#$%&'*+-.^_`|~);
//    ":"-prefixed pseudo-headers belong to HTTP/2 itself;
//  - the name is not one the transport owns (Content-Length,
//    Transfer-Encoding, Host, TE, Content-Type, Connection, Keep-Alive,
//    Proxy-Connection, Upgrade, Expect): a custom Content-Length would frame
//    the body as a second request on a kept-alive HTTP/1.1 connection;
//  - the value has no control character but tab (no CR, LF or NUL) and is at
//    most kMaxHeaderValueBytes long; all headers together at most
//    kMaxHeaderBytes.
// The status (SIGIL_E_CONFIG) says which rule `name` broke; callers prefix
// where the header came from.
constexpr size_t kMaxHeaderValueBytes = size_t(64) << 10;
// libcurl refuses a request whose header block exceeds 1 MiB (and reports
// it as "Out of memory"); servers refuse far less. This bound leaves room for
// the headers the transport adds itself.
constexpr size_t kMaxHeaderBytes = size_t(256) << 10;
Status check_header(std::string_view name, std::string_view value);
// check_header for each, then the total; `what` starts each message
// ("header", "OTLP header").
Status check_headers(const HeaderList &headers, std::string_view what);

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
  TlsConfig tls;                 // also used by ratings
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
