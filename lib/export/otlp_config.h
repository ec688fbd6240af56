// Configuration of the OTLP/HTTP exporter (export/otlp_exporter.h): where
// spans and metrics go, and who is sending them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "export/tls_config.h"
#include "sigil/version.h"

namespace sigil::detail {

using StringPairs = std::vector<std::pair<std::string, std::string>>;

struct OtlpConfig {
  std::string traces_url;   // empty: spans are not exported
  std::string metrics_url;  // empty: metrics are not exported
  StringPairs traces_headers;
  StringPairs metrics_headers;
  TlsConfig traces_tls;
  TlsConfig metrics_tls;
  uint32_t timeout_ms = 10000;
  uint32_t metric_export_interval_ms = 60000;
  uint32_t span_schedule_delay_ms = 5000;
  uint32_t span_queue_size = 2048;
  uint32_t span_batch_size = 512;
  uint64_t span_queue_max_bytes = 32ull << 20;
  // Backoff follows the generation export knobs; the number of retries does
  // not: a batch is retried for as long as `retry_window_ms` allows (long
  // enough to ride out a collector restart), unless retries are off (0).
  uint32_t max_retries = 5;
  uint32_t initial_backoff_ms = 100;
  uint32_t max_backoff_ms = 5000;
  uint32_t retry_window_ms = 30000;
  // The URLs are the implicit local-development default (nothing configured,
  // see core/config.h kLocalOtlpEndpoint): a refused connection means no local
  // receiver is running, so the request is dropped at once instead of retried
  // for the whole window (which would hold up every unconfigured shutdown).
  bool local_default = false;

  bool enabled() const { return !traces_url.empty() || !metrics_url.empty(); }
};

// The resource and instrumentation scope every OTLP request carries.
struct OtlpIdentity {
  StringPairs resource;  // service.name first, then telemetry.sdk.*, then the rest
  std::string scope_name = "libsigil";
  std::string scope_version = SIGIL_VERSION_STRING;
  // The semantic conventions the spans and metrics follow (the GenAI
  // conventions of semconv 1.37.0; docs/telemetry.md lists where we differ).
  std::string schema_url = "https://opentelemetry.io/schemas/1.37.0";
};

}  // namespace sigil::detail
