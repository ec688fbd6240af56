// OTLP/HTTP protobuf export of one client's spans and GenAI metrics: a span
// queue bounded by count and bytes, batched by size and delay, and periodic
// cumulative metric exports, all on one background thread that never blocks
// a recorder. Flush and shutdown export both signals within a deadline.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/logger.h"
#include "base/metric_data.h"
#include "base/span.h"
#include "base/status.h"
#include "encode/otlp.h"
#include "export/export_config.h"
#include "export/otlp_config.h"
#include "export/retry_policy.h"

namespace sigil::detail {

class HttpSession;

struct OtlpCounters {
  std::atomic<uint64_t> spans_enqueued{0}, spans_exported{0}, spans_dropped{0};
  std::atomic<uint64_t> metric_exports{0}, metric_export_failures{0};
  std::atomic<uint64_t> requests{0}, retries{0};
  std::atomic<uint64_t> protocol_mismatches{0};  // requests the endpoint answered as no OTLP/HTTP receiver
};

class OtlpExporter {
 public:
  using Clock = std::chrono::steady_clock;

  // What a metrics export sends: every instrument with data, cumulative
  // since `start_ns`. Called on the worker thread.
  struct MetricsReading {
    std::vector<MetricSnapshot> histograms;
    int64_t start_ns = 0;
  };
  using MetricsSource = std::function<MetricsReading()>;

  // `metrics` is called on the worker thread for as long as the exporter lives.
  OtlpExporter(const OtlpConfig &config, const OtlpIdentity &identity, MetricsSource metrics, const Logger &logger);
  ~OtlpExporter();
  OtlpExporter(const OtlpExporter &) = delete;
  OtlpExporter &operator=(const OtlpExporter &) = delete;

  bool exports_spans() const { return !config_.traces_url.empty(); }
  bool exports_metrics() const { return !config_.metrics_url.empty(); }

  // Hot path: queues a span (dropping and counting it when the queue is full).
  void enqueue(SpanData span);
  // Sends every queued span and a metrics snapshot; SIGIL_E_TIMEOUT if the
  // deadline passes first.
  Status flush(Clock::time_point deadline);
  // Flushes, then stops the worker; abandons what is left at the deadline.
  Status shutdown(Clock::time_point deadline);

  const OtlpCounters &counters() const { return counters_; }

  // Self-metrics (sigil.sdk.*) sent with every metrics export; called on the
  // worker thread. Set once, right after construction.
  using CounterSource = std::function<std::vector<CounterMetric>()>;
  void set_counter_source(CounterSource source);

  // fork(): as Exporter's — the child starts empty, with a fresh HTTP handle
  // and no worker until its first span, flush or shutdown.
  void fork_prepare();
  void fork_parent();
  void fork_child();

 private:
  struct Item {
    SpanData span;
    size_t bytes;
    Clock::time_point enqueued_at;
  };

  void run();
  void ensure_worker_locked();
  void export_spans(std::deque<Item> &batch);
  void export_metrics();
  // POSTs with retries; true when the server accepted the request.
  bool post(const std::string &url, const HeaderList &headers, const TlsConfig &tls, const std::string &body,
            const char *what, int64_t *rejected);
  bool wait_backoff(int64_t delay_ms);
  // Logs a failed export: the first protocol mismatch as an error, later
  // ones at debug level (they would repeat every batch).
  // Logs `line` as an error; with `once`, only the first time (later ones at
  // debug level): a configuration problem repeats on every export.
  void report_failure(const std::string &line, std::atomic<bool> *once);
  std::string summary() const;  // the counters, as shutdown logs them

  OtlpConfig config_;
  OtlpIdentity identity_;
  MetricsSource metrics_;
  Logger logger_;
  RetryPolicy retry_;
  OtlpOrigin origin_;
  HeaderList traces_headers_, metrics_headers_;
  OtlpCounters counters_;
  std::unique_ptr<HttpSession> session_;  // the worker's only

  std::mutex source_mu_;
  CounterSource counter_source_;

  std::mutex mu_;
  std::condition_variable work_cv_;  // wakes the worker
  std::condition_variable done_cv_;  // wakes flush / shutdown waiters
  std::deque<Item> queue_;
  size_t queue_bytes_ = 0;
  uint64_t flush_requested_ = 0;  // flush generations asked for
  uint64_t flush_done_ = 0;       // flush generations completed
  bool stopping_ = false;
  bool exited_ = false;
  bool restart_worker_ = false;
  std::atomic<bool> abort_{false};
  std::atomic<bool> mismatch_reported_{false};
  std::atomic<bool> tls_refusal_reported_{false};
  Clock::time_point next_metrics_;
  std::thread worker_;
};

}  // namespace sigil::detail
