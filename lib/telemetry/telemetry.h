// One client's telemetry pipeline: the GenAI metrics, the span sink (the
// host's span callback and the OTLP exporter) and their lifecycle.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "base/logger.h"
#include "base/status.h"
#include "telemetry/telemetry_config.h"
#include "encode/otlp.h"
#include "telemetry/genai_metrics.h"
#include "base/span.h"

namespace sigil::detail {

class OtlpExporter;
struct OtlpCounters;

class Telemetry {
 public:
  using Clock = std::chrono::steady_clock;

  Telemetry(const TelemetryConfig &config, const Logger &logger);
  ~Telemetry();
  Telemetry(const Telemetry &) = delete;
  Telemetry &operator=(const Telemetry &) = delete;

  GenAIMetrics &metrics() { return metrics_; }
  const GenAIMetrics &metrics() const { return metrics_; }
  const EmbeddingCaptureConfig &embedding_capture() const { return config_.embedding_capture; }

  // Whether a finished span has anyone to go to (callback or OTLP traces);
  // recorders skip building spans when not.
  bool wants_spans() const { return wants_spans_; }
  // Hands a finished span to the callback (on this thread) and the exporter.
  void end_span(SpanData span);

  Status flush(Clock::time_point deadline);
  Status shutdown(Clock::time_point deadline);

  // Self-metrics (sigil.sdk.*) added to every OTLP metrics export.
  void set_counter_source(std::function<std::vector<CounterMetric>()> source);

  // fork(): see core/fork_safety.h.
  void fork_prepare();
  void fork_parent();
  void fork_child();

  // The metrics snapshot of sigil_client_metrics_snapshot (see sigil.h).
  std::string metrics_json() const;
  // The OTLP exporter's counters; null without an OTLP endpoint.
  const OtlpCounters *otlp_counters() const;
  // The OTLP exporter itself (null without an OTLP endpoint), for the
  // client to connect it to the generation exporter's spool.
  OtlpExporter *otlp_exporter() { return exporter_.get(); }

 private:
  void invoke_callback(const SpanData &span) const;

  TelemetryConfig config_;
  Logger logger_;
  GenAIMetrics metrics_;
  std::unique_ptr<OtlpExporter> exporter_;  // null without an OTLP endpoint
  bool wants_spans_ = false;
};

}  // namespace sigil::detail
