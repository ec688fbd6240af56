// The engine's client and recorders. Everything a binding needs goes
// through here; lib/abi only translates handles, arguments and errors.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/finisher.h"
#include "core/json_input.h"
#include "base/model.h"
#include "base/status.h"
#include "export/exporter.h"
#include "telemetry/trace_context.h"
#include "telemetry/telemetry.h"

namespace sigil::detail {

// A recorder's end, handed from the recorder to the client (client.cpp).
struct GenerationEnd;
struct ToolExecutionEnd;
struct EmbeddingEnd;

class Client : public std::enable_shared_from_this<Client> {
 public:
  using Clock = std::chrono::steady_clock;

  static Expected<std::shared_ptr<Client>> create(const Options &options, const EnvLookup &env);
  ~Client();

  const ClientConfig &config() const { return config_; }
  bool is_shutdown() const { return shutdown_.load(std::memory_order_acquire); }

  // The second half of a recorder's end. A generation arrives normalized and
  // validated; its export budget is taken here (QUEUE_FULL and BYTE_BUDGET are
  // returned at once) and the rest — privacy pass, span, metrics, enqueue —
  // runs on the finisher thread, or on this thread when a callback whose
  // thread matters is configured (finishes_inline), when the hand-off queue is
  // full, or when the record is too large to size before the privacy pass.
  // `retain` (may be null) receives the generation as the privacy pass left it
  // when that costs no copy (finished here and not exported), or always with
  // retain_generations_for_testing (which finishes every record here).
  Status end_generation(std::unique_ptr<GenerationEnd> end, Generation *retain);
  void end_tool_execution(std::unique_ptr<ToolExecutionEnd> end);
  void end_embedding(std::unique_ptr<EmbeddingEnd> end);
  // What the finisher runs for each (see client.cpp).
  void finish_generation(GenerationEnd &end, Generation *retain);
  void abandon_generation(GenerationEnd &end);
  void finish_tool_execution(ToolExecutionEnd &end);
  void finish_embedding(EmbeddingEnd &end);

  // Records finish on the thread that ends them: a span callback or a
  // sanitizer is configured (both are documented to run on that thread).
  bool finishes_inline() const { return finishes_inline_; }
  // Unit tests: every record finishes on its thread and its recorder keeps
  // the generation as exported (GenerationRecorder::last_generation).
  void retain_generations_for_testing() { retain_for_testing_ = true; }
  bool retains_generations_for_testing() const { return retain_for_testing_; }

  // Everything ended before the call is finished first (the finisher is
  // drained): flush and shutdown within their deadline, stats and
  // metrics_json without one.
  Status flush(Clock::time_point deadline);
  Status shutdown(Clock::time_point deadline);
  void stats(sigil_stats_t &out) const;
  // The metrics snapshot of sigil_client_metrics_snapshot (see sigil.h).
  std::string metrics_json() const;
  void count_validation_failure() { validation_failures_.fetch_add(1, std::memory_order_relaxed); }
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
  // Sizes and enqueues a generation after the privacy pass (inline finishing).
  Status submit(Generation generation);
  // The same for a generation whose queue slot end_generation reserved.
  Status submit_reserved(Generation generation, size_t reserved_bytes);
  Status check_payload_size(const Generation &g, size_t estimated_bytes);
  // Runs `task` on the finisher thread, or here (see end_generation).
  void hand_off(std::unique_ptr<FinisherTask> task);

  ClientConfig config_;
  std::unique_ptr<Exporter> exporter_;  // null for protocol "none"
  std::unique_ptr<Telemetry> telemetry_;
  // RE2 has internal locks a parent thread may hold at fork(): the child
  // recompiles its patterns on first use (see fork_child).
  mutable std::unique_ptr<Privacy> privacy_;
  mutable std::atomic<bool> privacy_stale_{false};
  mutable std::mutex privacy_mu_;
  void rebuild_privacy() const;
  std::atomic<bool> shutdown_{false};
  std::atomic<uint64_t> validation_failures_{0};
  bool finishes_inline_ = false;
  bool retain_for_testing_ = false;
  // Declared last: stopped (its thread joined) before the members its tasks use.
  mutable Finisher finisher_;
};

// Identity a binding supplies from its context mechanism.
struct ContextValues {
  std::string conversation_id, conversation_title, user_id, agent_name, agent_version;
};

class GenerationRecorder {
 public:
  GenerationRecorder() = default;  // a no-op recorder
  GenerationRecorder(std::shared_ptr<Client> client, GenerationMode mode, Generation seed,
                     const ContextValues &context, std::string_view parent_traceparent, Status start_error);

  bool is_noop() const { return client_ == nullptr; }
  const std::string &id() const { return seed_.id; }
  const TraceContext &trace() const { return trace_; }
  bool ended() const { return ended_; }

  Status set_result_json(std::string_view json);
  Generation &result();  // typed helpers write here
  void record_input_error(const Status &st);
  void set_call_error(std::string message, int32_t http_status);
  void set_first_token_at(int64_t unix_ns);
  // Resolves the record's content capture mode (per call > resolver >
  // client); called once at start. Without it, end uses the client's mode.
  void resolve_content_capture(ContentCaptureMode per_call, std::string_view metadata_json);
  ContentCaptureMode content_capture() const;  // the resolved mode (kDefault for a no-op recorder)
  Status end();

  // The generation as the privacy pass left it, for tests: kept when that
  // costs no copy (the record finished on this thread and was not exported)
  // or with Client::retain_generations_for_testing; empty otherwise.
  const Generation &last_generation() const { return last_; }

 private:
  void normalize(Generation &out, int64_t completed_at_ns);

  std::shared_ptr<Client> client_;
  Generation seed_;
  Generation result_;
  bool result_written_ = false;  // by set_result_json or a typed helper
  GenerationFieldsSet result_set_;
  Status input_error_;
  std::optional<std::string> call_error_;
  int32_t call_error_status_ = 0;
  int64_t first_token_ns_ = 0;
  TraceContext trace_;
  bool ended_ = false;
  Generation last_;
  std::optional<ContentCaptureMode> capture_;
};

struct ToolExecutionData {
  std::string tool_name, tool_call_id, tool_type, tool_description, conversation_id, conversation_title,
      agent_name, agent_version, request_model, request_provider;
  bool include_content = false;
  int64_t started_at_ns = 0;
};

class ToolExecutionRecorder {
 public:
  ToolExecutionRecorder() = default;
  ToolExecutionRecorder(std::shared_ptr<Client> client, ToolExecutionData data, const ContextValues &context,
                        std::string_view parent_traceparent, Status start_error);

  bool is_noop() const { return client_ == nullptr; }
  const TraceContext &trace() const { return trace_; }
  void set_result(std::string arguments, std::string result, int64_t completed_at_ns);
  void set_error(std::string message, int32_t http_status);
  void record_input_error(const Status &st);
  void resolve_content_capture(ContentCaptureMode per_call);
  Status end();

 private:
  std::shared_ptr<Client> client_;
  std::optional<ContentCaptureMode> capture_;
  ToolExecutionData data_;
  std::string arguments_, result_;
  int64_t completed_at_ns_ = 0;
  std::optional<std::string> error_;
  int32_t error_status_ = 0;
  Status input_error_;
  TraceContext trace_;
  bool ended_ = false;
};

struct EmbeddingData {
  ModelRef model;
  std::string agent_name, agent_version, encoding_format;
  bool encoding_format_set = false;
  std::optional<int64_t> dimensions;
  int64_t started_at_ns = 0;
};

struct EmbeddingResultData {
  int64_t input_count = 0;
  int64_t input_tokens = 0;
  std::string response_model;
  std::optional<int64_t> dimensions;
  std::vector<std::string> input_texts;
};

class EmbeddingRecorder {
 public:
  EmbeddingRecorder() = default;
  EmbeddingRecorder(std::shared_ptr<Client> client, EmbeddingData data, const ContextValues &context,
                    std::string_view parent_traceparent, Status start_error);

  bool is_noop() const { return client_ == nullptr; }
  const TraceContext &trace() const { return trace_; }
  void set_result(EmbeddingResultData result);
  void set_call_error(std::string message, int32_t http_status);
  void record_input_error(const Status &st);
  void resolve_content_capture(ContentCaptureMode per_call);
  Status end();

 private:
  Status validate() const;  // the local error end reports (input, then reference rules)
  std::optional<ContentCaptureMode> capture_;

  std::shared_ptr<Client> client_;
  EmbeddingData data_;
  std::optional<EmbeddingResultData> result_;
  std::optional<std::string> call_error_;
  int32_t call_error_status_ = 0;
  Status input_error_;
  TraceContext trace_;
  bool ended_ = false;
};

}  // namespace sigil::detail
