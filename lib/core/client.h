// The engine's client: configuration, the pipeline a finished record goes
// through (finisher, privacy pass, spans and metrics, the generation sink),
// flush, shutdown, stats and fork safety. Recorders live in their own files
// (generation_recorder.h, tool_execution_recorder.h, embedding_recorder.h);
// lib/abi only translates handles, arguments and errors.
//
// Threads: a recorder's end runs on the caller's thread (client.cpp) and
// hands a record end (record_end.h) to the finisher thread, which runs the
// privacy pass, spans, metrics and the sink's enqueue (finishing.cpp). The
// sink's worker (export/exporter.h) and the OTLP exporter's worker deliver.
//
// Lock order (fork_prepare takes them all, in this order, and fork_parent /
// fork_child release them in reverse): the finisher's lock (end_generation
// reserves the sink's budget under it), then the sink's, then telemetry's.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "base/model.h"
#include "base/status.h"
#include "core/config.h"
#include "core/finisher.h"
#include "core/privacy.h"
#include "core/score.h"
#include "export/score_exporter.h"
#include "export/generation_sink.h"
#include "telemetry/telemetry.h"

namespace sigil::detail {

// A recorder's end, handed from the recorder to the client (record_end.h).
struct GenerationEnd;
struct ToolExecutionEnd;
struct EmbeddingEnd;
struct SpanEnd;

class Client : public std::enable_shared_from_this<Client> {
 public:
  using Clock = std::chrono::steady_clock;

  // Resolves the configuration and builds the pipeline. Generations go to
  // `sink` when one is given (whatever the protocol), else to the batching
  // Exporter the configuration describes (none for protocol "none").
  static Expected<std::shared_ptr<Client>> create(const Options &options, const EnvLookup &env,
                                                  std::unique_ptr<GenerationSink> sink = nullptr);
  ~Client();

  const ClientConfig &config() const { return config_; }
  bool is_shutdown() const { return shutdown_.load(std::memory_order_acquire); }

  // The second half of a recorder's end, on the caller's thread (client.cpp).
  // A generation arrives normalized and validated; its export budget is taken
  // here (QUEUE_FULL and BYTE_BUDGET are returned at once) and the rest —
  // privacy pass, span, metrics, enqueue — runs on the finisher thread, or on
  // this thread when a callback whose thread matters is configured
  // (finishes_inline), when the hand-off queue is full, or when the record is
  // too large to size before the privacy pass.
  Status end_generation(std::unique_ptr<GenerationEnd> end);
  void end_tool_execution(std::unique_ptr<ToolExecutionEnd> end);
  void end_embedding(std::unique_ptr<EmbeddingEnd> end);
  void end_step_span(std::unique_ptr<SpanEnd> end);
  // What the finisher runs for each (finishing.cpp).
  void finish_generation(GenerationEnd &end);
  void abandon_generation(GenerationEnd &end);
  void finish_tool_execution(ToolExecutionEnd &end);
  void finish_embedding(EmbeddingEnd &end);
  void finish_step_span(SpanEnd &end);

  // Records finish on the thread that ends them: a span callback or a
  // sanitizer is configured (both are documented to run on that thread).
  bool finishes_inline() const { return finishes_inline_; }
  // Where generations go after the privacy pass; null for protocol "none"
  // without a given sink (recorded for spans and metrics only).
  GenerationSink *sink() const { return sink_.get(); }

  // Everything ended before the call is finished first (the finisher is
  // drained): flush and shutdown within their deadline, stats and
  // metrics_json without one.
  Status flush(Clock::time_point deadline);
  Status shutdown(Clock::time_point deadline);
  void stats(sigil_stats_t &out) const;
  // The metrics snapshot of sigil_client_metrics_snapshot (see sigil.h).
  std::string metrics_json() const;
  // Validates a score and queues it for the score exporter; the score id
  // used is returned (sigil_client_submit_score).
  Expected<std::string> submit_score(ScoreInput input);
  void count_validation_failure() { validation_failures_.fetch_add(1, std::memory_order_relaxed); }
  // A generation's end, on the ending thread before anything keeps a copy:
  // token estimates and cost (core/cost.h), then the content and export
  // samples (core/sampling.h), stamped on its metadata.
  void price_and_sample(GenerationEnd &e);
  // A recorder freed (or garbage-collected by a binding) without end: ended
  // there, with a late end time. One warning per client says so.
  void report_unended(const char *what);
  // Spans and GenAI metrics (never null).
  Telemetry &telemetry() { return *telemetry_; }
  const Telemetry &telemetry() const { return *telemetry_; }
  // Content capture, redaction, sanitizer and field limits (never null).
  // Everything the exporter receives has already been through
  // Privacy::apply_generation.
  const Privacy &privacy() const {
    if (privacy_stale_.load(std::memory_order_acquire)) rebuild_privacy();
    return *privacy_;
  }

  // fork() handlers (core/fork_safety.h), called with every client's locks
  // held across the fork: the parent keeps its queues, the child starts empty.
  void fork_prepare();
  void fork_parent();
  void fork_child();

 private:
  explicit Client(ClientConfig config);
  std::atomic<bool> unended_reported_{false};
  // Sizes and enqueues a generation after the privacy pass (inline finishing).
  Status submit(Generation generation);
  // The same for a generation whose queue slot end_generation reserved.
  Status submit_reserved(Generation generation, size_t reserved_bytes);
  Status check_payload_size(const Generation &g, size_t estimated_bytes);
  // Runs `task` on the finisher thread, or here (see end_generation).
  void hand_off(std::unique_ptr<FinisherTask> task);

  ClientConfig config_;
  std::unique_ptr<GenerationSink> sink_;  // null for protocol "none" without a given sink
  // Scores go to the Sigil API; null when the API endpoint is unusable (a
  // client refuses one at creation, so only with a test's given sink).
  std::unique_ptr<ScoreExporter> scores_;
  std::unique_ptr<Telemetry> telemetry_;
  // RE2 has internal locks a parent thread may hold at fork(): the child
  // recompiles its patterns on first use (see fork_child).
  mutable std::unique_ptr<Privacy> privacy_;
  mutable std::atomic<bool> privacy_stale_{false};
  mutable std::mutex privacy_mu_;
  void rebuild_privacy() const;
  std::atomic<bool> shutdown_{false};
  std::atomic<uint64_t> validation_failures_{0};
  std::atomic<uint64_t> unpriced_{0}, export_sampled_out_{0}, content_sampled_out_{0};
  bool finishes_inline_ = false;
  // Declared last: stopped (its thread joined) before the members its tasks use.
  mutable Finisher finisher_;
};

}  // namespace sigil::detail
