// W3C traceparent and tracestate headers from the host (telemetry/trace_context.h).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "telemetry/trace_context.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view in(reinterpret_cast<const char *>(data), size);
  std::string trace_id, span_id;
  bool sampled = false;
  if (sigil::detail::parse_traceparent(in, trace_id, span_id, sampled)) {
    if (trace_id.size() != 32 || span_id.size() != 16) __builtin_trap();
  }
  (void)sigil::detail::start_trace(sigil::detail::ParentSpan{in});
  (void)sigil::detail::valid_tracestate(in);
  return 0;
}
