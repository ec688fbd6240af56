#include "core/client.h"

#include "core/size_estimate.h"
#include "core/strings.h"
#include "core/timefmt.h"
#include "core/validation.h"
#include "encode/protobuf.h"

namespace sigil::detail {

namespace {

constexpr const char *kMetaSdkName = "sigil.sdk.name";
constexpr const char *kMetaTitle = "sigil.conversation.title";
constexpr const char *kMetaUserId = "sigil.user.id";
constexpr const char *kMetaLegacyUserId = "user.id";
constexpr const char *kMetaCallError = "call_error";

std::string metadata_string(const Metadata &md, const char *key) {
  auto it = md.find(key);
  if (it == md.end() || !it->second.is_string()) return std::string();
  return trim(it->second.string);
}

// First non-blank of the candidates, trimmed.
std::string first_of(std::initializer_list<const std::string *> candidates) {
  for (const std::string *c : candidates) {
    std::string_view t = trim_view(*c);
    if (!t.empty()) return std::string(t);
  }
  return std::string();
}

void fill_if_empty(std::string &target, const std::string &fallback) {
  if (target.empty()) target = fallback;
}

template <typename T>
void fill_if_unset(std::optional<T> &target, const std::optional<T> &fallback) {
  if (!target) target = fallback;
}

Status shutdown_error() { return Status(SIGIL_E_SHUTDOWN, "the client is shut down"); }

}  // namespace

// Client ------------------------------------------------------------------------

Expected<std::shared_ptr<Client>> Client::create(const Options &options, const EnvLookup &env) {
  auto cfg = resolve_config(options, env);
  if (!cfg) return cfg.error();
  std::shared_ptr<Client> client(new Client(std::move(cfg.value())));
  const ExportConfig &ex = client->config_.exporter;
  if (ex.protocol != Protocol::kNone) {
    auto transport = ex.protocol == Protocol::kHttp ? make_http_transport(ex) : make_grpc_transport(ex);
    if (!transport) return transport.error();
    client->exporter_ = std::make_unique<Exporter>(ex, std::move(transport.value()), client->config_.logger);
  }
  return client;
}

Client::~Client() { shutdown(Clock::now() + std::chrono::seconds(5)); }

Status Client::submit(Generation g) {
  if (is_shutdown()) return shutdown_error();
  if (!exporter_) return Status::ok();  // protocol none: recorded for telemetry only
  const uint64_t max_payload = config_.exporter.payload_max_bytes;
  size_t bytes = estimate_generation_bytes(g);
  if (bytes > max_payload) {
    // The estimate over-counts; only an exact size may refuse a record.
    size_t exact = generation_proto_size(g);
    if (exact > max_payload) {
      exporter_->count_payload_too_large();
      return Status(SIGIL_E_PAYLOAD_TOO_LARGE, "generation payload exceeds max bytes (" + std::to_string(exact) +
                                                   " > " + std::to_string(max_payload) + ")");
    }
  }
  return exporter_->enqueue(std::move(g), bytes);
}

Status Client::flush(Clock::time_point deadline) {
  if (is_shutdown()) return shutdown_error();
  return exporter_ ? exporter_->flush(deadline) : Status::ok();
}

Status Client::shutdown(Clock::time_point deadline) {
  if (shutdown_.exchange(true, std::memory_order_acq_rel)) return Status::ok();
  return exporter_ ? exporter_->shutdown(deadline) : Status::ok();
}

void Client::stats(sigil_stats_t &out) const {
  out.validation_failures = validation_failures_.load(std::memory_order_relaxed);
  if (!exporter_) return;
  const ExportCounters &c = exporter_->counters();
  out.generations_enqueued = c.enqueued.load();
  out.generations_exported = c.exported.load();
  out.generations_rejected = c.rejected.load();
  out.dropped_queue_full = c.dropped_queue_full.load();
  out.dropped_byte_budget = c.dropped_byte_budget.load();
  out.dropped_payload_too_large = c.dropped_payload_too_large.load();
  out.dropped_retry_exhausted = c.dropped_retry_exhausted.load();
  out.dropped_shutdown_timeout = c.dropped_shutdown_timeout.load();
  out.export_attempts = c.attempts.load();
  out.export_retries = c.retries.load();
  exporter_->queue_usage(out.queue_items, out.queue_bytes);
}

// Generations -------------------------------------------------------------------

GenerationRecorder::GenerationRecorder(std::shared_ptr<Client> client, GenerationMode mode, Generation seed,
                                       const ContextValues &ctx, std::string_view parent, Status start_error)
    : client_(std::move(client)), seed_(std::move(seed)), input_error_(std::move(start_error)) {
  const ClientConfig &cfg = client_->config();
  if (seed_.mode == GenerationMode::kUnspecified) seed_.mode = mode;
  if (seed_.operation_name.empty()) {
    seed_.operation_name = seed_.mode == GenerationMode::kStream ? "streamText" : "generateText";
  }
  // Explicit > context > client default. Blank explicit values still block
  // the context fallback, as in the reference (they are trimmed away later).
  fill_if_empty(seed_.conversation_id, ctx.conversation_id);
  fill_if_empty(seed_.conversation_title, ctx.conversation_title);
  fill_if_empty(seed_.user_id, ctx.user_id);
  fill_if_empty(seed_.agent_name, ctx.agent_name);
  fill_if_empty(seed_.agent_version, ctx.agent_version);
  fill_if_empty(seed_.user_id, cfg.user_id);
  fill_if_empty(seed_.agent_name, cfg.agent_name);
  fill_if_empty(seed_.agent_version, cfg.agent_version);
  if (!cfg.tags.empty()) {
    Tags merged = cfg.tags;
    for (auto &kv : seed_.tags) merged[kv.first] = std::move(kv.second);
    seed_.tags = std::move(merged);
  }
  if (seed_.started_at_ns == 0) seed_.started_at_ns = now_unix_ns();
  if (seed_.id.empty()) seed_.id = new_generation_id();
  trace_ = start_trace(parent);
}

Status GenerationRecorder::set_result_json(std::string_view json) {
  if (is_noop()) return Status::ok();
  Generation parsed;
  GenerationFieldsSet set;
  Status st = parse_generation_json(json, parsed, &set);
  if (!st.is_ok()) {
    record_input_error(st);
    return st;
  }
  result_ = std::move(parsed);
  result_set_ = set;
  return Status::ok();
}

Generation &GenerationRecorder::result() { return result_; }

void GenerationRecorder::record_input_error(const Status &st) {
  if (input_error_.is_ok() && !st.is_ok()) input_error_ = st;
}

void GenerationRecorder::set_call_error(std::string message, int32_t http_status) {
  call_error_ = std::move(message);
  call_error_status_ = http_status;
}

void GenerationRecorder::set_first_token_at(int64_t unix_ns) { first_token_ns_ = unix_ns == 0 ? now_unix_ns() : unix_ns; }

Generation GenerationRecorder::normalize(int64_t completed_at_ns) {
  Generation g = std::move(result_);
  const Generation &s = seed_;
  fill_if_empty(g.id, s.id);
  fill_if_empty(g.conversation_id, s.conversation_id);
  fill_if_empty(g.conversation_title, s.conversation_title);
  fill_if_empty(g.user_id, s.user_id);
  fill_if_empty(g.agent_name, s.agent_name);
  fill_if_empty(g.agent_version, s.agent_version);
  if (g.mode == GenerationMode::kUnspecified) g.mode = s.mode;
  fill_if_empty(g.operation_name, s.operation_name);
  fill_if_empty(g.model.provider, s.model.provider);
  fill_if_empty(g.model.name, s.model.name);
  fill_if_empty(g.system_prompt, s.system_prompt);
  if (g.tools.empty()) g.tools = s.tools;
  fill_if_unset(g.max_tokens, s.max_tokens);
  fill_if_unset(g.temperature, s.temperature);
  fill_if_unset(g.top_p, s.top_p);
  fill_if_unset(g.tool_choice, s.tool_choice);
  fill_if_unset(g.thinking_enabled, s.thinking_enabled);
  if (g.parent_generation_ids.empty()) g.parent_generation_ids = s.parent_generation_ids;
  fill_if_unset(g.effective_version, s.effective_version);

  // Tags and metadata: start values under result values.
  if (!s.tags.empty()) {
    Tags merged = s.tags;
    for (auto &kv : g.tags) merged[kv.first] = std::move(kv.second);
    g.tags = std::move(merged);
  }
  if (!s.metadata.empty()) {
    Metadata merged = s.metadata;
    for (auto &kv : g.metadata) merged[kv.first] = std::move(kv.second);
    g.metadata = std::move(merged);
  }

  g.conversation_id = trim(g.conversation_id);
  g.agent_name = trim(g.agent_name);
  g.agent_version = trim(g.agent_version);

  // Conversation title: explicit > context > metadata; blank means absent.
  std::string title = trim(g.conversation_title);
  if (title.empty()) title = metadata_string(g.metadata, kMetaTitle);
  g.conversation_title = title;
  if (!title.empty()) g.metadata[kMetaTitle] = JsonValue::String(title);

  // User id: explicit > context > sigil.user.id > user.id metadata.
  std::string meta_user = metadata_string(g.metadata, kMetaUserId);
  std::string legacy_user = metadata_string(g.metadata, kMetaLegacyUserId);
  g.user_id = first_of({&g.user_id, &meta_user, &legacy_user});
  if (!g.user_id.empty()) g.metadata[kMetaUserId] = JsonValue::String(g.user_id);

  // SDK identity is engine-owned and always wins.
  g.metadata[kMetaSdkName] = JsonValue::String(client_->config().sdk_name);

  if (g.started_at_ns == 0) g.started_at_ns = s.started_at_ns;
  if (g.completed_at_ns == 0) g.completed_at_ns = completed_at_ns;
  if (call_error_) {
    if (g.call_error.empty()) g.call_error = *call_error_;
    g.metadata[kMetaCallError] = JsonValue::String(*call_error_);
  }
  if (g.usage.total_tokens == 0) g.usage.total_tokens = g.usage.input_tokens + g.usage.output_tokens;
  g.trace_id = trace_.trace_id;
  g.span_id = trace_.span_id;
  return g;
}

Status GenerationRecorder::end() {
  if (ended_) return Status(SIGIL_E_ALREADY_ENDED, "the generation was already ended");
  ended_ = true;
  if (is_noop()) return Status::ok();
  if (client_->is_shutdown()) return shutdown_error();
  Generation g = normalize(now_unix_ns());
  Status st = input_error_;
  if (st.is_ok()) st = validate_generation(g);
  if (!st.is_ok()) {
    client_->count_validation_failure();
    last_ = std::move(g);
    return Status(st.code(), "generation validation failed: " + st.message());
  }
  last_ = g;
  return client_->submit(std::move(g));
}

// Tool executions ------------------------------------------------------------------

ToolExecutionRecorder::ToolExecutionRecorder(std::shared_ptr<Client> client, ToolExecutionData data,
                                             const ContextValues &ctx, std::string_view parent, Status start_error)
    : client_(std::move(client)), data_(std::move(data)), input_error_(std::move(start_error)) {
  const ClientConfig &cfg = client_->config();
  fill_if_empty(data_.conversation_id, ctx.conversation_id);
  fill_if_empty(data_.conversation_title, ctx.conversation_title);
  fill_if_empty(data_.agent_name, ctx.agent_name);
  fill_if_empty(data_.agent_version, ctx.agent_version);
  fill_if_empty(data_.agent_name, cfg.agent_name);
  fill_if_empty(data_.agent_version, cfg.agent_version);
  if (data_.started_at_ns == 0) data_.started_at_ns = now_unix_ns();
  trace_ = start_trace(parent);
}

void ToolExecutionRecorder::set_result(std::string arguments, std::string result, int64_t completed_at_ns) {
  arguments_ = std::move(arguments);
  result_ = std::move(result);
  completed_at_ns_ = completed_at_ns;
}

void ToolExecutionRecorder::set_error(std::string message, int32_t http_status) {
  error_ = std::move(message);
  error_status_ = http_status;
}

void ToolExecutionRecorder::record_input_error(const Status &st) {
  if (input_error_.is_ok() && !st.is_ok()) input_error_ = st;
}

Status ToolExecutionRecorder::end() {
  if (ended_) return Status(SIGIL_E_ALREADY_ENDED, "the tool execution was already ended");
  ended_ = true;
  if (is_noop()) return Status::ok();
  if (client_->is_shutdown()) return shutdown_error();
  if (completed_at_ns_ == 0) completed_at_ns_ = now_unix_ns();
  return input_error_;
}

// Embeddings -----------------------------------------------------------------------

EmbeddingRecorder::EmbeddingRecorder(std::shared_ptr<Client> client, EmbeddingData data, const ContextValues &ctx,
                                     std::string_view parent, Status start_error)
    : client_(std::move(client)), data_(std::move(data)), input_error_(std::move(start_error)) {
  const ClientConfig &cfg = client_->config();
  fill_if_empty(data_.agent_name, ctx.agent_name);
  fill_if_empty(data_.agent_version, ctx.agent_version);
  fill_if_empty(data_.agent_name, cfg.agent_name);
  fill_if_empty(data_.agent_version, cfg.agent_version);
  if (data_.started_at_ns == 0) data_.started_at_ns = now_unix_ns();
  trace_ = start_trace(parent);
}

void EmbeddingRecorder::set_result(EmbeddingResultData result) { result_ = std::move(result); }

void EmbeddingRecorder::set_call_error(std::string message, int32_t http_status) {
  call_error_ = std::move(message);
  call_error_status_ = http_status;
}

void EmbeddingRecorder::record_input_error(const Status &st) {
  if (input_error_.is_ok() && !st.is_ok()) input_error_ = st;
}

Status EmbeddingRecorder::end() {
  if (ended_) return Status(SIGIL_E_ALREADY_ENDED, "the embedding was already ended");
  ended_ = true;
  if (is_noop()) return Status::ok();
  if (client_->is_shutdown()) return shutdown_error();
  if (!input_error_.is_ok()) return input_error_;
  EmbeddingCheck check;
  check.provider = data_.model.provider;
  check.model = data_.model.name;
  check.start_dimensions = data_.dimensions;
  check.encoding_format = data_.encoding_format;
  check.encoding_format_set = data_.encoding_format_set;
  if (result_) {
    check.input_count = result_->input_count;
    check.input_tokens = result_->input_tokens;
    check.result_dimensions = result_->dimensions;
  }
  Status st = validate_embedding(check);
  if (!st.is_ok()) return Status(st.code(), "embedding validation failed: " + st.message());
  return Status::ok();
}

}  // namespace sigil::detail
