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
#include "export/otlp_config.h"
#include "telemetry/genai_spans.h"

namespace sigil::detail {

// What the host set explicitly (part of Options).
struct TelemetryOptions {
  std::optional<std::string> otlp_endpoint, otlp_traces_endpoint, otlp_metrics_endpoint;
  StringPairs otlp_headers;
  // TLS for OTLP (core/config_tls.cpp); unset: the OTEL_* variables, then the
  // Sigil connection's CA file and client certificate.
  std::optional<std::string> otlp_certificate, otlp_client_certificate, otlp_client_key;
  std::optional<std::string> service_name;
  StringPairs resource_attributes;
  std::optional<std::string> sdk_language;
  std::optional<uint32_t> metric_export_interval_ms;
  std::optional<bool> embedding_capture_input;
  uint32_t embedding_max_input_items = 0;  // 0: default
  uint32_t embedding_max_text_length = 0;  // 0: default
  sigil_span_fn span_fn = nullptr;
  void *span_user_data = nullptr;
  sigil_metric_fn metric_fn = nullptr;
  void *metric_user_data = nullptr;
  uint32_t pipeline = 0;  // SIGIL_TELEMETRY_PIPELINE_*; 0: ENGINE
};

struct TelemetryConfig {
  OtlpConfig otlp;
  OtlpIdentity identity;  // the resource and instrumentation scope
  EmbeddingCaptureConfig embedding_capture;
  sigil_span_fn span_fn = nullptr;
  void *span_user_data = nullptr;
  sigil_metric_fn metric_fn = nullptr;
  void *metric_user_data = nullptr;
  uint32_t pipeline = SIGIL_TELEMETRY_PIPELINE_ENGINE;  // resolved
};

}  // namespace sigil::detail
