// OTLP/HTTP protobuf export of one client's spans and GenAI metrics: a span
// queue bounded by count and bytes, batched by size and delay, and periodic
// cumulative metric exports, all on one background thread that never blocks
// a recorder. Flush and shutdown export both signals within a deadline.
// With a spool (set_spool), a span batch whose retry window closed or that
// the shutdown deadline cut off, and the final metrics snapshot that could
// not be sent, are written to it as encoded requests and replayed later
// (by the generation exporter's replay pass, through send_spooled).
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
#include "export/spooled_telemetry.h"

namespace sigil::detail {

class HttpSession;

struct OtlpCounters {
  std::atomic<uint64_t> spans_enqueued{0}, spans_exported{0}, spans_dropped{0};
  std::atomic<uint64_t> metric_exports{0}, metric_export_failures{0};
  std::atomic<uint64_t> requests{0}, retries{0};
  std::atomic<uint64_t> protocol_mismatches{0};  // requests the endpoint answered as no OTLP/HTTP receiver
  // With a spool: kept instead of lost (spans_dropped and
  // metric_export_failures do not count these), and delivered from it later
  // (by this process; another one counts what it replays itself).
  std::atomic<uint64_t> spans_spooled{0}, metric_exports_spooled{0};
  std::atomic<uint64_t> spans_replayed{0}, metric_exports_replayed{0};
};

class OtlpExporter final : public SpooledTelemetrySender {
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
  ~OtlpExporter() override;
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

  // Keeps what would be lost in `spool` (owned by the generation exporter,
  // which outlives this one) and calls `spooled` after each write. Set once,
  // right after construction.
  void set_spool(Spool *spool, std::function<void()> spooled);

  // SpooledTelemetrySender: replays a 'T' or 'M' record to this exporter's
  // endpoint for its signal, one attempt.
  bool sends(char format) const override;
  AttemptResult send_spooled(const SpoolRecord &record, const std::atomic<bool> &cancel) override;

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
  // `final_export`: the one at shutdown, spooled when it cannot be sent.
  void export_metrics(bool final_export);
  enum class PostResult {
    kAccepted,
    kRefused,  // by the receiver, or a configuration that cannot work (protocol mismatch, TLS): not kept
    kGaveUp,   // retry window closed or shutdown deadline: kept in the spool, if any
  };
  // POSTs with retries.
  PostResult post(const std::string &url, const HeaderList &headers, const TlsConfig &tls, const std::string &body,
                  const char *what, int64_t *rejected);
  // Writes one encoded request to the spool; false without a spool or when it refuses.
  bool spool_request(char format, std::string id, std::string body);
  // Spools the spans of `batch` as one request, or counts them dropped.
  void keep_or_drop_spans(const std::vector<const SpanData *> &spans, const std::string &body, const char *why);
  // Spools the current metrics snapshot (shutdown cut its export off).
  void spool_final_metrics();
  std::string encode_metrics_now(bool &any);
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
  std::mutex replay_mu_;
  std::unique_ptr<HttpSession> replay_session_;  // send_spooled's (another thread's)
  Spool *spool_ = nullptr;
  std::function<void()> on_spooled_;
  bool final_metrics_sent_ = false;  // worker only

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
  std::atomic<bool> no_local_receiver_reported_{false};
  Clock::time_point next_metrics_;
  std::thread worker_;
};

}  // namespace sigil::detail
