#include "export/generation_sink.h"

namespace sigil::detail {

std::vector<DropCount> drop_counts(const ExportCounters &c) {
  return {{"queue_full", c.dropped_queue_full.load()},
          {"byte_budget", c.dropped_byte_budget.load()},
          {"payload_too_large", c.dropped_payload_too_large.load()},
          {"retry_exhausted", c.dropped_retry_exhausted.load()},
          {"shutdown_timeout", c.dropped_shutdown_timeout.load()},
          {"spool_full", c.dropped_spool_full.load()}};
}

uint64_t drops_total(const ExportCounters &c) {
  uint64_t n = 0;
  for (const DropCount &d : drop_counts(c)) n += d.count;
  return n;
}

std::string format_drops(const ExportCounters &c) {
  std::string out;
  for (const DropCount &d : drop_counts(c)) {
    if (d.count == 0) continue;
    if (!out.empty()) out += ", ";
    out += d.reason;
    out += '=';
    out += std::to_string(d.count);
  }
  return out;
}

}  // namespace sigil::detail
