#include "core/client.h"

#include "core/error_category.h"
#include "core/fork_safety.h"
#include "core/size_estimate.h"
#include "base/random_ids.h"
#include "base/saturating.h"
#include "base/strings.h"
#include "base/timefmt.h"
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

// Keys looked up on every record, built once (a lookup by `const char *`
// would build a temporary std::string each time).
const std::string &title_key() {
  static const std::string key(kMetaTitle);
  return key;
}
const std::string &user_id_key() {
  static const std::string key(kMetaUserId);
  return key;
}
const std::string &legacy_user_id_key() {
  static const std::string key(kMetaLegacyUserId);
  return key;
}

std::string metadata_string(const Metadata &md, const std::string &key) {
  auto it = md.find(key);
  if (it == md.end() || !it->second.is_string()) return std::string();
  return trim(it->second.string);
}

void fill_if_empty(std::string &target, const std::string &fallback) {
  if (target.empty()) target = fallback;
}

void take_if_empty(std::string &target, std::string &fallback) {
  if (target.empty()) target = std::move(fallback);
}

void trim_in_place(std::string &s) {
  std::string_view t = trim_view(s);
  if (t.size() == s.size()) return;
  s.erase(0, size_t(t.data() - s.data()));
  s.resize(t.size());
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

// Recorder ends ---------------------------------------------------------------------
// What a recorder's end leaves for the finishing step, decided on the caller's
// thread (the returned status, the outcome's classification inputs).

struct GenerationEnd final : FinisherTask {
  Client *client = nullptr;
  Generation g;  // normalized and validated, not yet through the privacy pass
  ContentCaptureMode mode = ContentCaptureMode::kNoToolContent;
  std::optional<std::string> call_error;
  const char *call_category = nullptr;
  Status local;                       // mapping, validation or enqueue error
  const char *local_type = nullptr;   // its semconv::kErr*
  bool export_it = false;             // valid, and there is an exporter
  bool reserved = false;              // holds a queue slot of `reserved_bytes`
  size_t reserved_bytes = 0;
  bool want_span = false;
  TraceContext trace;  // when want_span
  int64_t first_token_ns = 0;

  void finish() override { client->finish_generation(*this, nullptr); }
  void abandon() override { client->abandon_generation(*this); }
};

struct ToolExecutionEnd final : FinisherTask {
  Client *client = nullptr;
  ToolExecutionData data;
  ContentCaptureMode mode = ContentCaptureMode::kNoToolContent;
  std::string arguments, result;
  int64_t completed_at_ns = 0;
  std::optional<std::string> error;
  int32_t error_status = 0;
  Status input_error;
  bool want_span = false;
  TraceContext trace;  // when want_span

  void finish() override { client->finish_tool_execution(*this); }
  void abandon() override {}  // spans and metrics only: nothing to account
};

struct EmbeddingEnd final : FinisherTask {
  Client *client = nullptr;
  EmbeddingData data;
  ContentCaptureMode mode = ContentCaptureMode::kNoToolContent;
  std::optional<EmbeddingResultData> result;
  std::optional<std::string> call_error;
  int32_t call_error_status = 0;
  Status local;  // input or validation error
  int64_t completed_at_ns = 0;
  bool want_span = false;
  TraceContext trace;  // when want_span

  void finish() override { client->finish_embedding(*this); }
  void abandon() override {}
};

// Generations the exporter has delivered, waiting to be freed (Finisher::adopt).
struct DeliveredBatch final : FinisherTask {
  std::vector<Generation> generations;
  void finish() override {}
  void abandon() override {}
};

// Client ------------------------------------------------------------------------

Client::Client(ClientConfig config)
    : config_(std::move(config)),
      finishes_inline_(config_.telemetry.span_fn != nullptr || config_.privacy.sanitizer != nullptr),
      finisher_(config_.exporter.queue_size, config_.exporter.queue_max_bytes) {}

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
    // Delivered generations go back to be freed by a recording thread, whose
    // allocator arena they came from (core/finisher.h). The exporter's worker
    // has stopped before the finisher is destroyed (~Client shuts both down).
    Finisher *finisher = &client->finisher_;
    client->exporter_->set_recycler([finisher](std::vector<Generation> &&generations, size_t bytes) {
      auto garbage = std::make_unique<DeliveredBatch>();
      garbage->generations = std::move(generations);
      garbage->bytes = bytes;
      finisher->adopt(std::move(garbage));
    });
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

// Locks are taken finisher first (end_generation reserves export budget
// under it), then exporter, then telemetry, and released in reverse.
void Client::fork_prepare() {
  finisher_.fork_prepare();
  if (exporter_) exporter_->fork_prepare();
  if (telemetry_) telemetry_->fork_prepare();
}

void Client::fork_parent() {
  if (telemetry_) telemetry_->fork_parent();
  if (exporter_) exporter_->fork_parent();
  finisher_.fork_parent();
}

void Client::fork_child() {
  privacy_stale_.store(true, std::memory_order_release);
  if (telemetry_) telemetry_->fork_child();
  if (exporter_) exporter_->fork_child();  // forgets the reservations of the tasks dropped next
  finisher_.fork_child();
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

Status Client::check_payload_size(const Generation &g, size_t estimated_bytes) {
  const uint64_t max_payload = config_.exporter.payload_max_bytes;
  if (estimated_bytes <= max_payload) return Status::ok();
  // The estimate over-counts; only an exact size may refuse a record.
  size_t exact = generation_proto_size(g);
  if (exact <= max_payload) return Status::ok();
  exporter_->count_payload_too_large();
  return Status(SIGIL_E_PAYLOAD_TOO_LARGE, "generation payload exceeds max bytes (" + std::to_string(exact) + " > " +
                                               std::to_string(max_payload) + ")");
}

Status Client::submit(Generation g) {
  if (is_shutdown()) return shutdown_error();
  if (!exporter_) return Status::ok();  // protocol none: recorded for telemetry only
  size_t bytes = estimate_generation_bytes(g);
  Status st = check_payload_size(g, bytes);
  if (!st.is_ok()) return st;
  return exporter_->enqueue(std::move(g), bytes);
}

Status Client::submit_reserved(Generation g, size_t reserved_bytes) {
  // The privacy pass can make a record larger (redaction markers): it is
  // sized again. end returned SIGIL_OK for it, so a refusal is logged.
  size_t bytes = estimate_generation_bytes(g);
  Status st = check_payload_size(g, bytes);
  if (!st.is_ok()) {
    exporter_->release_reservation(reserved_bytes);
    config_.logger.error("dropping generation " + g.id + " after the privacy pass: " + st.message());
    return st;
  }
  exporter_->enqueue_reserved(std::move(g), reserved_bytes, bytes);
  return Status::ok();
}

// Records ended before the call are finished first, then generations, spans
// and metrics are flushed, all against the one deadline.
Status Client::flush(Clock::time_point deadline) {
  if (is_shutdown()) return shutdown_error();
  if (uint64_t pending = finisher_.drain(deadline)) {
    return Status(SIGIL_E_TIMEOUT,
                  "flush deadline passed with " + std::to_string(pending) + " records still being finished");
  }
  Status st = exporter_ ? exporter_->flush(deadline) : Status::ok();
  return first_error(std::move(st), telemetry_ ? telemetry_->flush(deadline) : Status::ok());
}

Status Client::shutdown(Clock::time_point deadline) {
  if (shutdown_.exchange(true, std::memory_order_acq_rel)) return Status::ok();
  // Records still waiting for the finisher at the deadline are dropped;
  // their export reservations count as shutdown_timeout.
  Status finishing;
  if (uint64_t abandoned = finisher_.shutdown(deadline)) {
    std::string message = "shutdown deadline passed with " + std::to_string(abandoned) +
                          " records still being finished (dropped, without spans or metrics)";
    config_.logger.warn(message);
    finishing = Status(SIGIL_E_TIMEOUT, std::move(message));
  }
  Status st = exporter_ ? exporter_->shutdown(deadline) : Status::ok();
  st = first_error(std::move(st), std::move(finishing));
  return first_error(std::move(st), telemetry_ ? telemetry_->shutdown(deadline) : Status::ok());
}

std::string Client::metrics_json() const {
  finisher_.drain(Clock::time_point::max());
  return telemetry_->metrics_json();
}

void Client::stats(sigil_stats_t &out) const {
  finisher_.drain(Clock::time_point::max());
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
  GenerationFieldsSet set;
  if (!result_written_) {  // the usual case: parse in place, nothing to keep on failure
    Status st = parse_generation_json(json, result_, &set);
    if (!st.is_ok()) {
      result_ = Generation();
      record_input_error(st);
      return st;
    }
  } else {
    Generation parsed;
    Status st = parse_generation_json(json, parsed, &set);
    if (!st.is_ok()) {
      record_input_error(st);
      return st;
    }
    result_ = std::move(parsed);
  }
  result_written_ = true;
  result_set_ = set;
  return Status::ok();
}

Generation &GenerationRecorder::result() {
  result_written_ = true;
  return result_;
}

void GenerationRecorder::record_input_error(const Status &st) {
  if (input_error_.is_ok() && !st.is_ok()) input_error_ = st;
}

void GenerationRecorder::set_call_error(std::string message, int32_t http_status) {
  call_error_ = std::move(message);
  call_error_status_ = http_status;
}

void GenerationRecorder::set_first_token_at(int64_t unix_ns) { first_token_ns_ = unix_ns == 0 ? now_unix_ns() : unix_ns; }

// Normalization moves what it takes from the seed (only the id is read after
// end) and from the result, into `g`.
void GenerationRecorder::normalize(Generation &g, int64_t completed_at_ns) {
  g = std::move(result_);
  Generation &s = seed_;
  fill_if_empty(g.id, s.id);
  take_if_empty(g.conversation_id, s.conversation_id);
  take_if_empty(g.conversation_title, s.conversation_title);
  take_if_empty(g.user_id, s.user_id);
  take_if_empty(g.agent_name, s.agent_name);
  take_if_empty(g.agent_version, s.agent_version);
  if (g.mode == GenerationMode::kUnspecified) g.mode = s.mode;
  take_if_empty(g.operation_name, s.operation_name);
  take_if_empty(g.model.provider, s.model.provider);
  take_if_empty(g.model.name, s.model.name);
  take_if_empty(g.system_prompt, s.system_prompt);
  if (g.tools.empty()) g.tools = std::move(s.tools);
  fill_if_unset(g.max_tokens, s.max_tokens);
  fill_if_unset(g.temperature, s.temperature);
  fill_if_unset(g.top_p, s.top_p);
  fill_if_unset(g.tool_choice, s.tool_choice);
  fill_if_unset(g.thinking_enabled, s.thinking_enabled);
  if (g.parent_generation_ids.empty()) g.parent_generation_ids = std::move(s.parent_generation_ids);
  fill_if_unset(g.effective_version, s.effective_version);

  // Tags and metadata: start values under result values (merge moves only
  // the nodes whose keys the result does not have).
  g.tags.merge(s.tags);
  g.metadata.merge(s.metadata);

  trim_in_place(g.conversation_id);
  trim_in_place(g.agent_name);
  trim_in_place(g.agent_version);

  // Conversation title: explicit > context > metadata; blank means absent.
  trim_in_place(g.conversation_title);
  if (g.conversation_title.empty()) g.conversation_title = metadata_string(g.metadata, title_key());
  if (!g.conversation_title.empty()) g.metadata[title_key()] = JsonValue::String(g.conversation_title);

  // User id: explicit > context > sigil.user.id > user.id metadata.
  trim_in_place(g.user_id);
  if (g.user_id.empty()) g.user_id = metadata_string(g.metadata, user_id_key());
  if (g.user_id.empty()) g.user_id = metadata_string(g.metadata, legacy_user_id_key());
  if (!g.user_id.empty()) g.metadata[user_id_key()] = JsonValue::String(g.user_id);

  // SDK identity is engine-owned and always wins.
  g.metadata[kMetaSdkName] = JsonValue::String(client_->config().sdk_name);

  if (g.started_at_ns == 0) g.started_at_ns = s.started_at_ns;
  if (g.completed_at_ns == 0) g.completed_at_ns = completed_at_ns;
  if (call_error_) {
    if (g.call_error.empty()) g.call_error = *call_error_;
    g.metadata[kMetaCallError] = JsonValue::String(*call_error_);
  }
  if (g.usage.total_tokens == 0) g.usage.total_tokens = saturating_add(g.usage.input_tokens, g.usage.output_tokens);
  g.trace_id = trace_.trace_id;
  g.span_id = trace_.span_id;
}

void GenerationRecorder::resolve_content_capture(ContentCaptureMode per_call, std::string_view metadata_json) {
  if (!is_noop()) capture_ = client_->privacy().resolve(per_call, SIGIL_RECORD_GENERATION, metadata_json);
}

ContentCaptureMode GenerationRecorder::content_capture() const {
  if (is_noop()) return ContentCaptureMode::kDefault;
  return capture_.value_or(client_->config().privacy.content_capture);
}

Status GenerationRecorder::end() {
  if (ended_) return Status(SIGIL_E_ALREADY_ENDED, "the generation was already ended");
  ended_ = true;
  if (is_noop()) return Status::ok();
  if (client_->is_shutdown()) return shutdown_error();
  auto end = std::make_unique<GenerationEnd>();
  GenerationEnd &e = *end;
  e.client = client_.get();
  normalize(e.g, now_unix_ns());
  e.mode = capture_.value_or(client_->config().privacy.content_capture);
  e.call_error = std::move(call_error_);
  e.call_category = e.call_error ? classify_error_category(call_error_status_, *e.call_error) : nullptr;
  e.first_token_ns = first_token_ns_;
  e.want_span = trace_.sampled && client_->telemetry().wants_spans();
  if (e.want_span) e.trace = trace_;

  // Local failures: malformed input (mapping), validation; the export budget
  // (enqueue) is checked by the client. Validation sees the content as
  // recorded; the export queue, the spool and the span see only the privacy
  // pass's output.
  e.local = input_error_;
  if (!e.local.is_ok()) {
    e.local_type = semconv::kErrMapping;
  } else {
    e.local = validate_generation(e.g);
    if (!e.local.is_ok()) e.local_type = semconv::kErrValidation;
  }
  if (!e.local.is_ok()) {
    client_->count_validation_failure();
    if (e.local.code() == SIGIL_E_VALIDATION) {
      e.local = Status(e.local.code(), "generation validation failed: " + e.local.message());
    }
  }
  e.export_it = e.local.is_ok();
  const bool retain = client_->finishes_inline() || client_->retains_generations_for_testing();
  return client_->end_generation(std::move(end), retain ? &last_ : nullptr);
}

Status Client::end_generation(std::unique_ptr<GenerationEnd> end, Generation *retain) {
  GenerationEnd &e = *end;
  if (!exporter_) e.export_it = false;
  if (finishes_inline_ || retain_for_testing_) {
    finish_generation(e, retain);
    return std::move(e.local);
  }
  e.bytes = estimate_generation_bytes(e.g);
  // A record near the payload limit is sized exactly after the privacy pass
  // (which may shrink or grow it) before end returns: it finishes here.
  if (e.export_it && e.bytes > config_.exporter.payload_max_bytes / 2) {
    finish_generation(e, retain);
    return std::move(e.local);
  }
  Status result = e.local;
  std::unique_ptr<FinisherTask> task = std::move(end);
  // The export budget is taken together with the hand-off, so that a
  // shutdown either drains the reservation or accounts for it.
  const bool queued = finisher_.submit(task, [&] {
    if (!e.export_it) return true;
    bool reserved = false;
    Status st = exporter_->reserve(e.bytes, reserved);
    if (!st.is_ok()) {  // queue full, byte budget, shut down: spans and metrics still follow
      e.export_it = false;
      e.local = st;
      e.local_type = semconv::kErrEnqueue;
      result = std::move(st);
      return true;
    }
    if (!reserved) return false;  // full with a spool: enqueue spools it, here
    e.reserved = true;
    e.reserved_bytes = e.bytes;
    return true;
  });
  if (queued) return result;
  finish_generation(e, retain);  // `task` still owns `e`
  return std::move(e.local);
}

void Client::finish_generation(GenerationEnd &e, Generation *retain) {
  const Privacy &privacy = this->privacy();
  privacy.apply_generation(e.g, e.mode, e.call_category);
  SpanData span;
  if (e.want_span) {
    span = generation_span(e.g, e.trace, config_.sdk_name);
    if (!spans_carry_content(e.mode)) erase_attribute(span, semconv::kConversationTitle);
  }
  const GenerationMetricsInput metrics(e.g);
  if (retain != nullptr && e.export_it && retain_for_testing_) *retain = e.g;
  if (e.export_it) {
    Status st = e.reserved ? submit_reserved(std::move(e.g), e.reserved_bytes) : submit(std::move(e.g));
    e.reserved = false;
    e.bytes = 0;  // what the task still holds, once it is finished (Finisher's done list)
    if (!st.is_ok()) {
      e.local = std::move(st);
      e.local_type = semconv::kErrEnqueue;
    }
  } else if (retain != nullptr) {
    *retain = std::move(e.g);
  }

  // A provider call error wins the classification, as in the reference.
  // Mapping errors may quote the input: category only on content-free spans.
  const std::string local_text = e.local_type == semconv::kErrMapping
                                     ? span_error_text(e.mode, semconv::kCategorySdk, e.local.message())
                                     : e.local.message();
  Outcome outcome;
  if (e.call_error) {
    outcome = {semconv::kErrProviderCall, e.call_category, span_error_text(e.mode, e.call_category, *e.call_error)};
  } else if (e.local_type != nullptr) {
    outcome = {e.local_type, semconv::kCategorySdk, local_text};
  }
  telemetry_->metrics().record_generation(metrics, outcome.error_type, outcome.error_category, e.first_token_ns);
  if (e.want_span) {
    if (e.call_error) {
      span_add_exception(span, semconv::kErrProviderCall, span_error_text(e.mode, e.call_category, *e.call_error),
                         span.end_ns);
    }
    if (!e.local.is_ok()) span_add_exception(span, sigil_status_name(e.local.code()), local_text, span.end_ns);
    finish_span(*telemetry_, privacy, span, outcome);
  }
}

void Client::abandon_generation(GenerationEnd &e) {
  if (!e.reserved) return;
  exporter_->release_reservation(e.reserved_bytes);
  exporter_->count_shutdown_timeout();
  e.reserved = false;
}

void Client::hand_off(std::unique_ptr<FinisherTask> task) {
  if (!finishes_inline_ && !retain_for_testing_ && finisher_.submit(task, [] { return true; })) return;
  task->finish();
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
  auto end = std::make_unique<ToolExecutionEnd>();
  ToolExecutionEnd &e = *end;
  e.client = client_.get();
  e.mode = capture_.value_or(client_->config().privacy.content_capture);
  e.completed_at_ns = completed_at_ns_ != 0 ? completed_at_ns_ : now_unix_ns();
  e.data = std::move(data_);
  e.arguments = std::move(arguments_);
  e.result = std::move(result_);
  e.error = std::move(error_);
  e.error_status = error_status_;
  e.input_error = input_error_;
  e.want_span = trace_.sampled && client_->telemetry().wants_spans();
  if (e.want_span) e.trace = trace_;
  e.bytes = sizeof(ToolExecutionEnd) + e.arguments.size() + e.result.size();
  client_->end_tool_execution(std::move(end));
  return input_error_;
}

void Client::end_tool_execution(std::unique_ptr<ToolExecutionEnd> end) { hand_off(std::move(end)); }

void Client::finish_tool_execution(ToolExecutionEnd &e) {
  const ToolExecutionData &data = e.data;
  const ContentCaptureMode mode = e.mode;
  // Tools have no export of their own: both stripped modes keep content,
  // the title and the description off the span.
  const bool include_content = mode == ContentCaptureMode::kFull ||
                               (mode == ContentCaptureMode::kNoToolContent && data.include_content);
  // The tool's own failure and malformed input (the reference's content
  // serialization error) are both tool_execution_error.
  Outcome outcome;
  if (e.error || !e.input_error.is_ok()) {
    outcome.error_type = semconv::kErrToolExecution;
    if (e.error) {
      outcome.message = *e.error;
      outcome.error_category = classify_error_category(e.error_status, *e.error);
      if (!e.input_error.is_ok()) outcome.message += "\n" + e.input_error.message();
    } else {
      outcome.message = e.input_error.message();
      outcome.error_category = semconv::kCategorySdk;
    }
  }
  telemetry_->metrics().record_tool_execution(data.request_provider, data.request_model, data.tool_name,
                                              data.agent_name, data.started_at_ns, e.completed_at_ns,
                                              outcome.error_type, outcome.error_category);
  if (!spans_carry_content(mode) && outcome.error_type != nullptr) {
    outcome.message = span_error_text(mode, outcome.error_category, outcome.message);
  }
  if (e.want_span) {
    ToolSpanInput in;
    in.tool_name = data.tool_name;
    in.tool_call_id = data.tool_call_id;
    in.tool_type = data.tool_type;
    if (spans_carry_content(mode)) {
      in.tool_description = data.tool_description;
      in.conversation_title = data.conversation_title;
    }
    in.conversation_id = data.conversation_id;
    in.agent_name = data.agent_name;
    in.agent_version = data.agent_version;
    in.request_model = data.request_model;
    in.request_provider = data.request_provider;
    in.started_at_ns = data.started_at_ns;
    in.completed_at_ns = e.completed_at_ns;
    SpanData span = tool_execution_span(in, e.trace, config_.sdk_name);
    if (include_content) {
      std::string arguments = tool_content_attribute(e.arguments);
      std::string result = tool_content_attribute(e.result);
      if (!arguments.empty()) span.attributes.set_string(semconv::kToolCallArguments, std::move(arguments));
      if (!result.empty()) span.attributes.set_string(semconv::kToolCallResult, std::move(result));
    }
    if (e.error) {
      span_add_exception(span, semconv::kErrToolExecution, span_error_text(mode, outcome.error_category, *e.error),
                         span.end_ns);
    }
    if (!e.input_error.is_ok()) {
      span_add_exception(span, sigil_status_name(e.input_error.code()),
                         span_error_text(mode, semconv::kCategorySdk, e.input_error.message()), span.end_ns);
    }
    finish_span(*telemetry_, privacy(), span, outcome);
  }
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
  auto end = std::make_unique<EmbeddingEnd>();
  EmbeddingEnd &e = *end;
  e.client = client_.get();
  e.completed_at_ns = now_unix_ns();
  e.local = validate();
  e.mode = capture_.value_or(client_->config().privacy.content_capture);
  e.data = std::move(data_);
  e.result = std::move(result_);
  e.call_error = std::move(call_error_);
  e.call_error_status = call_error_status_;
  e.want_span = trace_.sampled && client_->telemetry().wants_spans();
  if (e.want_span) e.trace = trace_;
  e.bytes = sizeof(EmbeddingEnd);
  if (e.result) {
    for (const std::string &t : e.result->input_texts) e.bytes += t.size();
  }
  Status local = e.local;
  client_->end_embedding(std::move(end));
  return local;
}

void Client::end_embedding(std::unique_ptr<EmbeddingEnd> end) { hand_off(std::move(end)); }

void Client::finish_embedding(EmbeddingEnd &e) {
  const EmbeddingData &data = e.data;
  const ContentCaptureMode mode = e.mode;
  Outcome outcome;
  if (e.call_error) {
    const char *category = classify_error_category(e.call_error_status, *e.call_error);
    outcome = {semconv::kErrProviderCall, category, span_error_text(mode, category, *e.call_error)};
  } else if (!e.local.is_ok()) {
    outcome = {semconv::kErrValidation, semconv::kCategorySdk, e.local.message()};
  }
  telemetry_->metrics().record_embedding(data.model.provider, data.model.name, data.agent_name, data.started_at_ns,
                                         e.completed_at_ns, e.result ? e.result->input_tokens : 0,
                                         outcome.error_type, outcome.error_category);
  if (e.want_span) {
    EmbeddingSpanInput in;
    in.provider = data.model.provider;
    in.model = data.model.name;
    in.agent_name = data.agent_name;
    in.agent_version = data.agent_version;
    in.encoding_format = data.encoding_format;
    in.start_dimensions = data.dimensions;
    in.started_at_ns = data.started_at_ns;
    in.completed_at_ns = e.completed_at_ns;
    if (e.result) {
      in.has_result = true;
      in.input_count = e.result->input_count;
      in.input_tokens = e.result->input_tokens;
      in.response_model = e.result->response_model;
      in.result_dimensions = e.result->dimensions;
      if (spans_carry_content(mode)) in.input_texts = &e.result->input_texts;
    }
    SpanData span = embedding_span(in, telemetry_->embedding_capture(), e.trace, config_.sdk_name);
    if (e.call_error) span_add_exception(span, semconv::kErrProviderCall, outcome.message, span.end_ns);
    if (!e.local.is_ok()) span_add_exception(span, sigil_status_name(e.local.code()), e.local.message(), span.end_ns);
    finish_span(*telemetry_, privacy(), span, outcome);
  }
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
