// A generation transport encodes a batch once and sends it (possibly several
// times). Transports are used by one worker thread at a time. Spooled
// records replay through the same two calls (the spool keeps them
// transport-neutral, see export/spool.h).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "export/export_config.h"
#include "base/model.h"
#include "base/status.h"
#include "export/export_result.h"
#include "export/http_client.h"

namespace sigil::detail {

class GenerationTransport {
 public:
  virtual ~GenerationTransport() = default;
  virtual Status encode(const std::vector<const Generation *> &batch, std::string &payload) = 0;
  // Sends one attempt; returns early (kRetryable) once `cancel` becomes true.
  virtual AttemptResult send(const std::string &payload, uint32_t timeout_ms, const std::atomic<bool> &cancel) = 0;
  virtual const char *name() const = 0;
  // In a forked child (only the forking thread exists): drop connection state
  // shared with the parent without touching it.
  virtual void after_fork_in_child() {}
};

Expected<std::unique_ptr<GenerationTransport>> make_http_transport(const ExportConfig &config);
Expected<std::unique_ptr<GenerationTransport>> make_grpc_transport(const ExportConfig &config);
// Hands each batch to the host's exporter callback (export/callback_transport.cpp).
std::unique_ptr<GenerationTransport> make_callback_transport(const GenerationExporterCallback &callback);

// An HTTP JSON export exchange as an attempt: a transfer failure or a
// retryable status (with its Retry-After) is kRetryable, another non-2xx
// kRejected, a 2xx kAccepted with the per-item results `parse` reads from
// the body. `hint` is appended to failure messages. Shared by the generation
// and score exports.
using ItemResultParser = Status (*)(std::string_view body, std::vector<ItemResult> &results);
AttemptResult http_attempt_result(const HttpResponse &resp, const std::string &url, ItemResultParser parse,
                                  std::string_view hint = {});

}  // namespace sigil::detail
