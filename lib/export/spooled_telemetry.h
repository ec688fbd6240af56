// Spans and metrics in the spool: the OTLP exporter writes the requests it
// gave up on (formats 'T' and 'M', see export/spool.h), and the generation
// exporter's replay pass, which owns the spool's replay, hands them back to
// whoever sends that signal in this process.
#pragma once

#include <atomic>
#include <cstdint>

#include "export/export_result.h"
#include "export/spool.h"

namespace sigil::detail {

class SpooledTelemetrySender {
 public:
  virtual ~SpooledTelemetrySender() = default;
  // Whether this process sends the record's signal; records it does not are
  // kept for a process that does.
  virtual bool sends(char format) const = 0;
  // One attempt: kAccepted (delivered), kRejected (refused for good: removed
  // from the spool) or kRetryable (kept; the pass backs off). Called on the
  // replaying worker's thread; returns early once `cancel` becomes true.
  virtual AttemptResult send_spooled(const SpoolRecord &record, const std::atomic<bool> &cancel) = 0;
};

// The span count a 'T' record's id carries (0 when it carries none).
uint64_t spooled_span_count(const SpoolRecord &record);

}  // namespace sigil::detail
