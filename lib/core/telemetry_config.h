// Telemetry configuration: the OTLP exporters, the resource, the span
// callback and embedding capture. Explicit options > OTEL_* environment >
// defaults, resolved once with the rest of the client configuration.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sigil/sigil.h"
#include "telemetry/genai_spans.h"

namespace sigil::detail {

using StringPairs = std::vector<std::pair<std::string, std::string>>;

// What the host set explicitly (part of Options).
struct TelemetryOptions {
  std::optional<std::string> otlp_endpoint, otlp_traces_endpoint, otlp_metrics_endpoint;
  StringPairs otlp_headers;
  std::optional<std::string> service_name;
  StringPairs resource_attributes;
  std::optional<std::string> sdk_language;
  std::optional<uint32_t> metric_export_interval_ms;
  std::optional<bool> embedding_capture_input;
  uint32_t embedding_max_input_items = 0;  // 0: default
  uint32_t embedding_max_text_length = 0;  // 0: default
  sigil_span_fn span_fn = nullptr;
  void *span_user_data = nullptr;
};

struct OtlpConfig {
  std::string traces_url;   // empty: spans are not exported
  std::string metrics_url;  // empty: metrics are not exported
  StringPairs traces_headers;
  StringPairs metrics_headers;
  uint32_t timeout_ms = 10000;
  uint32_t metric_export_interval_ms = 60000;
  uint32_t span_schedule_delay_ms = 5000;
  uint32_t span_queue_size = 2048;
  uint32_t span_batch_size = 512;
  uint64_t span_queue_max_bytes = 32ull << 20;
  // Retries follow the generation export knobs.
  uint32_t max_retries = 5;
  uint32_t initial_backoff_ms = 100;
  uint32_t max_backoff_ms = 5000;

  bool enabled() const { return !traces_url.empty() || !metrics_url.empty(); }
};

struct TelemetryConfig {
  OtlpConfig otlp;
  StringPairs resource;  // service.name first, then telemetry.sdk.*, then the rest
  std::string scope_name = "libsigil";
  std::string scope_version = SIGIL_VERSION_STRING;
  EmbeddingCaptureConfig embedding_capture;
  sigil_span_fn span_fn = nullptr;
  void *span_user_data = nullptr;
};

// "%41" -> "A"; malformed escapes are kept as written.
std::string percent_decode(std::string_view s);
// The OTLP URL for one signal from a base endpoint: its path + "/v1/<signal>".
std::string otlp_signal_url(std::string_view base_endpoint, const char *signal);

}  // namespace sigil::detail
