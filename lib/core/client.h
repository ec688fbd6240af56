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
#include "core/json_input.h"
#include "core/model.h"
#include "core/status.h"
#include "export/exporter.h"
#include "telemetry/ids.h"
#include "telemetry/telemetry.h"

namespace sigil::detail {

class Client : public std::enable_shared_from_this<Client> {
 public:
  using Clock = std::chrono::steady_clock;

  static Expected<std::shared_ptr<Client>> create(const Options &options, const EnvLookup &env);
  ~Client();

  const ClientConfig &config() const { return config_; }
  bool is_shutdown() const { return shutdown_.load(std::memory_order_acquire); }

  // Validates, sizes and enqueues a normalized generation (the end of a
  // generation recorder). Never blocks on I/O.
  Status submit(Generation generation);
  Status flush(Clock::time_point deadline);
  Status shutdown(Clock::time_point deadline);
  void stats(sigil_stats_t &out) const;
  void count_validation_failure() { validation_failures_.fetch_add(1, std::memory_order_relaxed); }
  // Spans and GenAI metrics (never null).
  Telemetry &telemetry() { return *telemetry_; }
  const Telemetry &telemetry() const { return *telemetry_; }
  // Content capture, redaction, sanitizer and field limits (never null).
  // Everything submit() receives has already been through
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
  explicit Client(ClientConfig config) : config_(std::move(config)) {}

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

  // The generation as normalized at end (for tests and telemetry).
  const Generation &last_generation() const { return last_; }

 private:
  Generation normalize(int64_t completed_at_ns);

  std::shared_ptr<Client> client_;
  Generation seed_;
  Generation result_;
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
