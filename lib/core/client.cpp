#include "core/client.h"

#include "core/error_category.h"
#include "core/fork_safety.h"
#include "core/size_estimate.h"
#include "core/strings.h"
#include "core/timefmt.h"
#include "core/validation.h"
#include "encode/protobuf.h"
#include "telemetry/genai_spans.h"
#include "telemetry/semconv.h"

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

// sigil.sdk.generations.{exported,rejected,dropped{reason}} (docs/telemetry.md);
// a counter or reason that is still zero is left out.
std::vector<CounterMetric> generation_self_metrics(const ExportCounters &c) {
  std::vector<CounterMetric> out(5);
  out[0].name = "sigil.sdk.generations.exported";
  out[0].description = "Generations the ingest server accepted.";
  out[1].name = "sigil.sdk.generations.rejected";
  out[1].description = "Generations the ingest server refused (per item or per request).";
  out[2].name = "sigil.sdk.generations.dropped";
  out[2].description = "Generations the SDK could not deliver, by reason.";
  out[3].name = "sigil.sdk.generations.spooled";
  out[3].description = "Generations written to the durable spool instead of being dropped.";
  out[4].name = "sigil.sdk.generations.replayed";
  out[4].description = "Spooled generations delivered later and accepted by the server.";
  for (CounterMetric &m : out) m.unit = "{generation}";
  if (uint64_t n = c.spooled.load()) out[3].points.push_back({{}, n});
  if (uint64_t n = c.replayed.load()) out[4].points.push_back({{}, n});
  if (uint64_t n = c.exported.load()) out[0].points.push_back({{}, n});
  if (uint64_t n = c.rejected.load()) out[1].points.push_back({{}, n});
  for (const DropCount &d : drop_counts(c)) {
    if (d.count > 0) out[2].points.push_back({{{"reason", d.reason}}, d.count});
  }
  return out;
}

Status shutdown_error() { return Status(SIGIL_E_SHUTDOWN, "the client is shut down"); }

// The first failure wins.
Status first_error(Status a, Status b) { return a.is_ok() ? b : a; }

// How a recorder's end classifies its failure on the span and in metrics.
struct Outcome {
  const char *error_type = nullptr;  // semconv::kErr*, or null when none
  const char *error_category = nullptr;
  std::string message;  // the span status message
};

// Every span passes the privacy pass (redaction, sanitizer) on its way out.
void finish_span(Telemetry &telemetry, const Privacy &privacy, SpanData &span, const Outcome &outcome) {
  if (outcome.error_type != nullptr) {
    span_set_error(span, outcome.error_type, outcome.error_category, outcome.message);
  } else {
    span_set_ok(span);
  }
  privacy.apply_span(span);
  telemetry.end_span(std::move(span));
}

// Under METADATA_ONLY and FULL_WITH_METADATA_SPANS a span's error texts are
// reduced to the error category: provider messages may echo content.
std::string span_error_text(ContentCaptureMode mode, const char *category, std::string message) {
  if (spans_carry_content(mode)) return message;
  return category != nullptr && *category != '\0' ? category : semconv::kCategorySdk;
}

void erase_attribute(SpanData &span, const char *key) {
  auto &items = span.attributes.items();
  for (auto it = items.begin(); it != items.end(); ++it) {
    if (std::string_view(it->key) == key) {
      items.erase(it);
      return;
    }
  }
}

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
    std::unique_ptr<Spool> spool;
    if (!ex.spool.dir.empty()) {
      auto opened = Spool::open(ex.spool, client->config_.logger);
      if (!opened) return opened.error();
      spool = std::move(opened.value());
    }
    client->exporter_ =
        std::make_unique<Exporter>(ex, std::move(transport.value()), client->config_.logger, std::move(spool));
  }
  client->telemetry_ = std::make_unique<Telemetry>(client->config_.telemetry, client->config_.logger);
  client->privacy_ = std::make_unique<Privacy>(client->config_.privacy, client->config_.logger);
  if (client->exporter_) {
    // The exporter outlives the telemetry pipeline (members die in reverse order).
    const Exporter *exporter = client->exporter_.get();
    client->telemetry_->set_counter_source([exporter] { return generation_self_metrics(exporter->counters()); });
  }
  register_for_fork(client.get());
  return client;
}

Client::~Client() {
  unregister_for_fork(this);
  shutdown(Clock::now() + std::chrono::seconds(5));
}

// Locks are taken exporter first, then telemetry, and released in reverse.
void Client::fork_prepare() {
  if (exporter_) exporter_->fork_prepare();
  if (telemetry_) telemetry_->fork_prepare();
}

void Client::fork_parent() {
  if (telemetry_) telemetry_->fork_parent();
  if (exporter_) exporter_->fork_parent();
}

void Client::fork_child() {
  privacy_stale_.store(true, std::memory_order_release);
  if (telemetry_) telemetry_->fork_child();
  if (exporter_) exporter_->fork_child();
  validation_failures_.store(0, std::memory_order_relaxed);
}

void Client::rebuild_privacy() const {
  std::lock_guard<std::mutex> lock(privacy_mu_);
  if (!privacy_stale_.load(std::memory_order_acquire)) return;
  // The parent's patterns are leaked on purpose: their locks may be held.
  (void)privacy_.release();
  privacy_ = std::make_unique<Privacy>(config_.privacy, config_.logger);
  privacy_stale_.store(false, std::memory_order_release);
}

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

// Generations first, then spans and metrics, all against the one deadline.
Status Client::flush(Clock::time_point deadline) {
  if (is_shutdown()) return shutdown_error();
  Status st = exporter_ ? exporter_->flush(deadline) : Status::ok();
  return first_error(std::move(st), telemetry_ ? telemetry_->flush(deadline) : Status::ok());
}

Status Client::shutdown(Clock::time_point deadline) {
  if (shutdown_.exchange(true, std::memory_order_acq_rel)) return Status::ok();
  Status st = exporter_ ? exporter_->shutdown(deadline) : Status::ok();
  return first_error(std::move(st), telemetry_ ? telemetry_->shutdown(deadline) : Status::ok());
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
  out.dropped_spool_full = c.dropped_spool_full.load();
  out.dropped_total = drops_total(c);
  out.generations_spooled = c.spooled.load();
  out.generations_replayed = c.replayed.load();
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

void GenerationRecorder::resolve_content_capture(ContentCaptureMode per_call, std::string_view metadata_json) {
  if (!is_noop()) capture_ = client_->privacy().resolve(per_call, SIGIL_RECORD_GENERATION, metadata_json);
}

ContentCaptureMode GenerationRecorder::content_capture() const {
  if (is_noop()) return ContentCaptureMode::kDefault;
  return capture_.value_or(client_->privacy().config().content_capture);
}

Status GenerationRecorder::end() {
  if (ended_) return Status(SIGIL_E_ALREADY_ENDED, "the generation was already ended");
  ended_ = true;
  if (is_noop()) return Status::ok();
  if (client_->is_shutdown()) return shutdown_error();
  Generation g = normalize(now_unix_ns());
  Telemetry &telemetry = client_->telemetry();
  const bool want_span = trace_.sampled && telemetry.wants_spans();
  const ContentCaptureMode mode = capture_.value_or(client_->privacy().config().content_capture);
  const char *call_category =
      call_error_ ? classify_error_category(call_error_status_, *call_error_) : nullptr;

  // Local failures: malformed input (mapping), validation, enqueue.
  Status local = input_error_;
  const char *local_type = local.is_ok() ? nullptr : semconv::kErrMapping;
  if (local.is_ok()) {
    local = validate_generation(g);
    if (!local.is_ok()) local_type = semconv::kErrValidation;
  }
  // Validation sees the content as recorded; everything after this point
  // (export queue, spool, span) sees only the privacy pass's output.
  client_->privacy().apply_generation(g, mode, call_category);
  SpanData span;
  if (want_span) {
    span = generation_span(g, trace_, client_->config().sdk_name);
    if (!spans_carry_content(mode)) erase_attribute(span, semconv::kConversationTitle);
  }
  if (!local.is_ok()) {
    client_->count_validation_failure();
    if (local.code() == SIGIL_E_VALIDATION) {
      local = Status(local.code(), "generation validation failed: " + local.message());
    }
    last_ = std::move(g);
  } else {
    last_ = g;
    local = client_->submit(std::move(g));
    if (!local.is_ok()) local_type = semconv::kErrEnqueue;
  }

  // A provider call error wins the classification, as in the reference.
  // Mapping errors may quote the input: category only on content-free spans.
  const std::string local_text =
      local_type == semconv::kErrMapping ? span_error_text(mode, semconv::kCategorySdk, local.message()) : local.message();
  Outcome outcome;
  if (call_error_) {
    outcome = {semconv::kErrProviderCall, call_category, span_error_text(mode, call_category, *call_error_)};
  } else if (local_type != nullptr) {
    outcome = {local_type, semconv::kCategorySdk, local_text};
  }
  telemetry.metrics().record_generation(last_, outcome.error_type, outcome.error_category, first_token_ns_);
  if (want_span) {
    if (call_error_) {
      span_add_exception(span, semconv::kErrProviderCall, span_error_text(mode, call_category, *call_error_),
                         span.end_ns);
    }
    if (!local.is_ok()) span_add_exception(span, sigil_status_name(local.code()), local_text, span.end_ns);
    finish_span(telemetry, client_->privacy(), span, outcome);
  }
  return local;
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

void ToolExecutionRecorder::resolve_content_capture(ContentCaptureMode per_call) {
  if (!is_noop()) capture_ = client_->privacy().resolve(per_call, SIGIL_RECORD_TOOL_EXECUTION, {});
}

Status ToolExecutionRecorder::end() {
  if (ended_) return Status(SIGIL_E_ALREADY_ENDED, "the tool execution was already ended");
  ended_ = true;
  if (is_noop()) return Status::ok();
  if (client_->is_shutdown()) return shutdown_error();
  if (completed_at_ns_ == 0) completed_at_ns_ = now_unix_ns();

  const ContentCaptureMode mode = capture_.value_or(client_->privacy().config().content_capture);
  // Tools have no export of their own: both stripped modes keep content,
  // the title and the description off the span.
  const bool include_content = mode == ContentCaptureMode::kFull ||
                               (mode == ContentCaptureMode::kNoToolContent && data_.include_content);
  // The tool's own failure and malformed input (the reference's content
  // serialization error) are both tool_execution_error.
  Outcome outcome;
  if (error_ || !input_error_.is_ok()) {
    outcome.error_type = semconv::kErrToolExecution;
    if (error_) {
      outcome.message = *error_;
      outcome.error_category = classify_error_category(error_status_, *error_);
      if (!input_error_.is_ok()) outcome.message += "\n" + input_error_.message();
    } else {
      outcome.message = input_error_.message();
      outcome.error_category = semconv::kCategorySdk;
    }
  }
  Telemetry &telemetry = client_->telemetry();
  telemetry.metrics().record_tool_execution(data_.request_provider, data_.request_model, data_.tool_name,
                                            data_.agent_name, data_.started_at_ns, completed_at_ns_,
                                            outcome.error_type, outcome.error_category);
  if (!spans_carry_content(mode) && outcome.error_type != nullptr) {
    outcome.message = span_error_text(mode, outcome.error_category, outcome.message);
  }
  if (trace_.sampled && telemetry.wants_spans()) {
    ToolSpanInput in;
    in.tool_name = data_.tool_name;
    in.tool_call_id = data_.tool_call_id;
    in.tool_type = data_.tool_type;
    if (spans_carry_content(mode)) {
      in.tool_description = data_.tool_description;
      in.conversation_title = data_.conversation_title;
    }
    in.conversation_id = data_.conversation_id;
    in.agent_name = data_.agent_name;
    in.agent_version = data_.agent_version;
    in.request_model = data_.request_model;
    in.request_provider = data_.request_provider;
    in.started_at_ns = data_.started_at_ns;
    in.completed_at_ns = completed_at_ns_;
    SpanData span = tool_execution_span(in, trace_, client_->config().sdk_name);
    if (include_content) {
      std::string arguments = tool_content_attribute(arguments_);
      std::string result = tool_content_attribute(result_);
      if (!arguments.empty()) span.attributes.set_string(semconv::kToolCallArguments, std::move(arguments));
      if (!result.empty()) span.attributes.set_string(semconv::kToolCallResult, std::move(result));
    }
    if (error_) {
      span_add_exception(span, semconv::kErrToolExecution,
                         span_error_text(mode, outcome.error_category, *error_), span.end_ns);
    }
    if (!input_error_.is_ok()) {
      span_add_exception(span, sigil_status_name(input_error_.code()),
                         span_error_text(mode, semconv::kCategorySdk, input_error_.message()), span.end_ns);
    }
    finish_span(telemetry, client_->privacy(), span, outcome);
  }
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

void EmbeddingRecorder::resolve_content_capture(ContentCaptureMode per_call) {
  if (!is_noop()) capture_ = client_->privacy().resolve(per_call, SIGIL_RECORD_EMBEDDING, {});
}

Status EmbeddingRecorder::end() {
  if (ended_) return Status(SIGIL_E_ALREADY_ENDED, "the embedding was already ended");
  ended_ = true;
  if (is_noop()) return Status::ok();
  if (client_->is_shutdown()) return shutdown_error();
  const int64_t completed_at_ns = now_unix_ns();
  Status local = validate();

  const ContentCaptureMode mode = capture_.value_or(client_->privacy().config().content_capture);
  Outcome outcome;
  if (call_error_) {
    const char *category = classify_error_category(call_error_status_, *call_error_);
    outcome = {semconv::kErrProviderCall, category, span_error_text(mode, category, *call_error_)};
  } else if (!local.is_ok()) {
    outcome = {semconv::kErrValidation, semconv::kCategorySdk, local.message()};
  }
  Telemetry &telemetry = client_->telemetry();
  telemetry.metrics().record_embedding(data_.model.provider, data_.model.name, data_.agent_name, data_.started_at_ns,
                                       completed_at_ns, result_ ? result_->input_tokens : 0, outcome.error_type,
                                       outcome.error_category);
  if (trace_.sampled && telemetry.wants_spans()) {
    EmbeddingSpanInput in;
    in.provider = data_.model.provider;
    in.model = data_.model.name;
    in.agent_name = data_.agent_name;
    in.agent_version = data_.agent_version;
    in.encoding_format = data_.encoding_format;
    in.start_dimensions = data_.dimensions;
    in.started_at_ns = data_.started_at_ns;
    in.completed_at_ns = completed_at_ns;
    if (result_) {
      in.has_result = true;
      in.input_count = result_->input_count;
      in.input_tokens = result_->input_tokens;
      in.response_model = result_->response_model;
      in.result_dimensions = result_->dimensions;
      if (spans_carry_content(mode)) in.input_texts = &result_->input_texts;
    }
    SpanData span = embedding_span(in, telemetry.embedding_capture(), trace_, client_->config().sdk_name);
    if (call_error_) span_add_exception(span, semconv::kErrProviderCall, outcome.message, span.end_ns);
    if (!local.is_ok()) span_add_exception(span, sigil_status_name(local.code()), local.message(), span.end_ns);
    finish_span(telemetry, client_->privacy(), span, outcome);
  }
  return local;
}

Status EmbeddingRecorder::validate() const {
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
