// An OTLP collector's answer (encode/otlp.h): partial_success in an
// Export{Trace,Metrics}ServiceResponse body, read with nanopb's stream API.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "encode/otlp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view body(reinterpret_cast<const char *>(data), size);
  int64_t rejected = -1;
  std::string message = "left over";
  bool ok = sigil::detail::decode_otlp_partial_success(body, rejected, message);
  if (ok && message.size() > body.size()) __builtin_trap();
  if (size == 0 && (!ok || rejected != 0 || !message.empty())) __builtin_trap();
  return 0;
}
