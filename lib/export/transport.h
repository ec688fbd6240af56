// A generation transport encodes a batch once and sends it (possibly several
// times). Transports are used by one worker thread at a time.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/model.h"
#include "core/status.h"
#include "export/export_result.h"

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

  // The spool (export/spool.h) stores each generation in this transport's
  // request encoding, so replay re-sends bytes without a decoder: 'J' for a
  // protojson Generation (HTTP), 'P' for a one-generation
  // ExportGenerationsRequest (gRPC; such requests concatenate into one).
  // 0: this transport cannot spool.
  virtual char spool_format() const { return 0; }
  virtual void encode_for_spool(const Generation &, std::string &) {}
  // A request (as `encode` makes) from spooled payloads of spool_format().
  virtual Status encode_spooled(const std::vector<const std::string *> &, std::string &) {
    return Status(SIGIL_E_INTERNAL, "this transport cannot replay spooled generations");
  }
};

Expected<std::unique_ptr<GenerationTransport>> make_http_transport(const ExportConfig &config);
Expected<std::unique_ptr<GenerationTransport>> make_grpc_transport(const ExportConfig &config);

}  // namespace sigil::detail
