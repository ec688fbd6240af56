#include "core/client.h"

#include "base/timefmt.h"
#include "core/fork_safety.h"
#include "core/record_end.h"
#include "core/recorder_context.h"
#include "core/size_estimate.h"
#include "encode/protobuf.h"
#include "export/exporter.h"
#include "export/otlp_exporter.h"
#include "telemetry/semconv.h"

namespace sigil::detail {

namespace {

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

// The first failure wins.
Status first_error(Status a, Status b) { return a.is_ok() ? b : a; }

}  // namespace

// Generations the exporter has delivered, waiting to be freed (Finisher::adopt).
struct DeliveredBatch final : FinisherTask {
  std::vector<Generation> generations;
  void finish() override {}
  void abandon() override {}
};

// Client ------------------------------------------------------------------------

Client::Client(ClientConfig config)
    : config_(std::move(config)),
      finishes_inline_(config_.telemetry.span_fn != nullptr || config_.telemetry.metric_fn != nullptr ||
                       config_.privacy.sanitizer != nullptr),
      finisher_(config_.exporter.queue_size, config_.exporter.queue_max_bytes) {}

namespace {

// The transport a configuration describes: the host's exporter callback when
// one is set, else HTTP or gRPC.
Expected<std::unique_ptr<GenerationTransport>> configured_transport(const ExportConfig &ex) {
  if (ex.callback.fn != nullptr) return make_callback_transport(ex.callback);
  return ex.protocol == Protocol::kHttp ? make_http_transport(ex) : make_grpc_transport(ex);
}

// The sink a configuration describes: the batching Exporter over its
// transport (and spool), or none for protocol "none" without an exporter callback.
Expected<std::unique_ptr<GenerationSink>> configured_sink(const ClientConfig &config) {
  const ExportConfig &ex = config.exporter;
  if (ex.protocol == Protocol::kNone && ex.callback.fn == nullptr) return std::unique_ptr<GenerationSink>();
  auto transport = configured_transport(ex);
  if (!transport) return transport.error();
  std::unique_ptr<Spool> spool;
  if (!ex.spool.dir.empty()) {
    auto opened = Spool::open(ex.spool, config.logger);
    if (!opened) return opened.error();
    spool = std::move(opened.value());
  }
  return std::unique_ptr<GenerationSink>(
      std::make_unique<Exporter>(ex, std::move(transport.value()), config.logger, std::move(spool)));
}

}  // namespace

Expected<std::shared_ptr<Client>> Client::create(const Options &options, const EnvLookup &env,
                                                 std::unique_ptr<GenerationSink> sink) {
  auto cfg = resolve_config(options, env);
  if (!cfg) return cfg.error();
  std::shared_ptr<Client> client(new Client(std::move(cfg.value())));
  if (!sink) {
    auto configured = configured_sink(client->config_);
    if (!configured) return configured.error();
    sink = std::move(configured.value());
  }
  client->sink_ = std::move(sink);
  if (client->sink_) {
    // Delivered generations go back to be freed by a recording thread, whose
    // allocator arena they came from (core/finisher.h). The sink's worker
    // has stopped before the finisher is destroyed (~Client shuts both down).
    Finisher *finisher = &client->finisher_;
    client->sink_->set_recycler([finisher](std::vector<Generation> &&generations, size_t bytes) {
      auto garbage = std::make_unique<DeliveredBatch>();
      garbage->generations = std::move(generations);
      garbage->bytes = bytes;
      finisher->adopt(std::move(garbage));
    });
  }
  auto scores = ScoreExporter::create(client->config_.exporter, client->config_.api_endpoint, client->config_.logger);
  if (scores) client->scores_ = std::move(scores.value());
  client->telemetry_ = std::make_unique<Telemetry>(client->config_.telemetry, client->config_.logger);
  client->privacy_ = std::make_unique<Privacy>(client->config_.privacy, client->config_.logger);
  if (client->sink_) {
    // The sink outlives the telemetry pipeline (members die in reverse order).
    const GenerationSink *sink_ptr = client->sink_.get();
    client->telemetry_->set_counter_source([sink_ptr] { return generation_self_metrics(sink_ptr->counters()); });
    // Spans and metrics the OTLP exporter gives up on wait in the spool with
    // the generations, and the sink's replay sends them back. The sink
    // outlives the telemetry pipeline, and its worker stops before it (see
    // shutdown), so each may hold the other's pointer.
    Spool *spool = client->sink_->spool();
    OtlpExporter *otlp = client->telemetry_->otlp_exporter();
    if (spool != nullptr && otlp != nullptr) {
      GenerationSink *sink = client->sink_.get();
      otlp->set_spool(spool, [sink] { sink->nudge_replay(); });
      sink->set_telemetry_sender(otlp);
    }
  }
  register_for_fork(client.get());
  return client;
}

Client::~Client() {
  unregister_for_fork(this);
  shutdown(Clock::now() + std::chrono::seconds(5));
}

// Locks are taken finisher first (end_generation reserves the sink's budget
// under it), then the sink, then telemetry, and released in reverse.
void Client::fork_prepare() {
  finisher_.fork_prepare();
  if (sink_) sink_->fork_prepare();
  if (scores_) scores_->fork_prepare();
  if (telemetry_) telemetry_->fork_prepare();
}

void Client::fork_parent() {
  if (telemetry_) telemetry_->fork_parent();
  if (scores_) scores_->fork_parent();
  if (sink_) sink_->fork_parent();
  finisher_.fork_parent();
}

void Client::fork_child() {
  privacy_stale_.store(true, std::memory_order_release);
  if (telemetry_) telemetry_->fork_child();
  if (scores_) scores_->fork_child();
  if (sink_) sink_->fork_child();  // forgets the reservations of the tasks dropped next
  finisher_.fork_child();
  validation_failures_.store(0, std::memory_order_relaxed);
  for (auto *c : {&unpriced_, &export_sampled_out_, &content_sampled_out_}) c->store(0, std::memory_order_relaxed);
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
  sink_->count_payload_too_large();
  return Status(SIGIL_E_PAYLOAD_TOO_LARGE, "generation payload exceeds max bytes (" + std::to_string(exact) + " > " +
                                               std::to_string(max_payload) + ")");
}

Status Client::submit(Generation g) {
  if (is_shutdown()) return shutdown_error();
  if (!sink_) return Status::ok();  // protocol none: recorded for telemetry only
  size_t bytes = estimate_generation_bytes(g);
  Status st = check_payload_size(g, bytes);
  if (!st.is_ok()) return st;
  return sink_->enqueue(std::move(g), bytes);
}

Status Client::submit_reserved(Generation g, size_t reserved_bytes) {
  // The privacy pass can make a record larger (redaction markers): it is
  // sized again. end returned SIGIL_OK for it, so a refusal is logged.
  size_t bytes = estimate_generation_bytes(g);
  Status st = check_payload_size(g, bytes);
  if (!st.is_ok()) {
    sink_->release_reservation(reserved_bytes);
    config_.logger.error("dropping generation " + g.id + " after the privacy pass: " + st.message());
    return st;
  }
  sink_->enqueue_reserved(std::move(g), reserved_bytes, bytes);
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
  Status st = sink_ ? sink_->flush(deadline) : Status::ok();
  st = first_error(std::move(st), scores_ ? scores_->flush(deadline) : Status::ok());
  return first_error(std::move(st), telemetry_ ? telemetry_->flush(deadline) : Status::ok());
}

void Client::report_unended(const char *what) {
  if (is_shutdown() || unended_reported_.exchange(true, std::memory_order_relaxed)) return;
  config_.logger.warn(std::string("a ") + what +
                      " recorder was freed (or garbage-collected) without end: it was ended then, so its end "
                      "time is late and nothing set after it is kept; end every recorder (or use the "
                      "binding's scoped form). Reported once per client.");
}

Status Client::shutdown(Clock::time_point deadline) {
  if (shutdown_.exchange(true, std::memory_order_acq_rel)) return Status::ok();
  // Records still waiting for the finisher at the deadline are dropped;
  // their export reservations count as shutdown_timeout.
  Status finishing;
  if (uint64_t abandoned = finisher_.shutdown(deadline)) {
    std::string message = "shutdown deadline passed with " + std::to_string(abandoned) +
                          " records still being finished (dropped, without spans or metrics)";
    config_.logger.summary(message);
    finishing = Status(SIGIL_E_TIMEOUT, std::move(message));
  }
  Status st = sink_ ? sink_->shutdown(deadline) : Status::ok();
  st = first_error(std::move(st), std::move(finishing));
  st = first_error(std::move(st), scores_ ? scores_->shutdown(deadline) : Status::ok());
  return first_error(std::move(st), telemetry_ ? telemetry_->shutdown(deadline) : Status::ok());
}

std::string Client::metrics_json() const {
  finisher_.drain(Clock::time_point::max());
  return telemetry_->metrics_json();
}

void Client::stats(sigil_stats_t &out) const {
  finisher_.drain(Clock::time_point::max());
  out.validation_failures = validation_failures_.load(std::memory_order_relaxed);
  out.generations_unpriced = unpriced_.load(std::memory_order_relaxed);
  out.generations_export_sampled_out = export_sampled_out_.load(std::memory_order_relaxed);
  out.generations_content_sampled_out = content_sampled_out_.load(std::memory_order_relaxed);
  if (const OtlpCounters *t = telemetry_ ? telemetry_->otlp_counters() : nullptr) {
    out.spans_exported = t->spans_exported.load();
    out.spans_dropped = t->spans_dropped.load();
    out.metric_exports_failed = t->metric_export_failures.load();
    out.spans_spooled = t->spans_spooled.load();
    out.spans_replayed = t->spans_replayed.load();
    out.metric_exports_spooled = t->metric_exports_spooled.load();
    out.metric_exports_replayed = t->metric_exports_replayed.load();
  }
  if (scores_) {
    const ScoreCounters &sc = scores_->counters();
    out.scores_enqueued = sc.enqueued.load();
    out.scores_exported = sc.exported.load();
    out.scores_rejected = sc.rejected.load();
    out.scores_dropped =
        sc.dropped_queue_full.load() + sc.dropped_retry_exhausted.load() + sc.dropped_shutdown_timeout.load();
    out.score_export_attempts = sc.attempts.load();
    out.score_export_retries = sc.retries.load();
  }
  if (!sink_) return;
  const ExportCounters &c = sink_->counters();
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
  sink_->queue_usage(out.queue_items, out.queue_bytes);
}

Expected<std::string> Client::submit_score(ScoreInput input) {
  if (is_shutdown()) return Status(SIGIL_E_SHUTDOWN, "the client is shut down");
  if (!scores_) return Status(SIGIL_E_CONFIG, "the Sigil API endpoint is unusable (SIGIL_API_ENDPOINT)");
  auto score = normalize_score(std::move(input));
  if (!score) return score.error();
  std::string id = score->score_id;
  Status st = scores_->enqueue(std::move(score.value()));
  if (!st.is_ok()) return st;
  return id;
}

// Record ends, on the caller's thread ------------------------------------------

void Client::price_and_sample(GenerationEnd &e) {
  e.cost = apply_cost(e.g, config_.prices.get(), config_.token_estimates);
  if (e.cost.unpriced) unpriced_.fetch_add(1, std::memory_order_relaxed);
  const SamplingConfig &s = config_.sampling;
  if (s.content_rate < 1) {
    e.content_kept = trace_in_sample(e.g.trace_id, s.content_rate);
    e.g.metadata[semconv::kSamplingContent] = JsonValue::Bool(*e.content_kept);
    e.g.metadata[semconv::kSamplingContentRate] = JsonValue::Number(s.content_rate);
    if (!*e.content_kept) {
      e.mode = ContentCaptureMode::kMetadataOnly;
      content_sampled_out_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (s.export_rate < 1) {
    e.exported = trace_in_sample(e.g.trace_id, s.export_rate);
    e.g.metadata[semconv::kSamplingExportRate] = JsonValue::Number(s.export_rate);
    if (!*e.exported && e.export_it && sink_) {
      e.export_it = false;
      export_sampled_out_.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

Status Client::end_generation(std::unique_ptr<GenerationEnd> end) {
  GenerationEnd &e = *end;
  if (!sink_) e.export_it = false;
  // Write-ahead spool: end returns once the record is in the spool, so the
  // whole finishing step (privacy pass, span, metrics, spool append) runs here.
  if (finishes_inline_ || (e.export_it && config_.exporter.spool.write_ahead)) {
    finish_generation(e);
    return std::move(e.local);
  }
  e.bytes = estimate_generation_bytes(e.g);
  // A record near the payload limit is sized exactly after the privacy pass
  // (which may shrink or grow it) before end returns: it finishes here.
  if (e.export_it && e.bytes > config_.exporter.payload_max_bytes / 2) {
    finish_generation(e);
    return std::move(e.local);
  }
  Status result = e.local;
  std::unique_ptr<FinisherTask> task = std::move(end);
  // The export budget is taken together with the hand-off, so that a
  // shutdown either drains the reservation or accounts for it.
  const bool queued = finisher_.submit(task, [&] {
    if (!e.export_it) return true;
    bool reserved = false;
    Status st = sink_->reserve(e.bytes, reserved);
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
  finish_generation(e);  // `task` still owns `e`
  return std::move(e.local);
}

void Client::end_tool_execution(std::unique_ptr<ToolExecutionEnd> end) { hand_off(std::move(end)); }

void Client::end_embedding(std::unique_ptr<EmbeddingEnd> end) { hand_off(std::move(end)); }

void Client::end_step_span(std::unique_ptr<SpanEnd> end) { hand_off(std::move(end)); }

void Client::hand_off(std::unique_ptr<FinisherTask> task) {
  if (!finishes_inline_ && finisher_.submit(task, [] { return true; })) return;
  task->finish();
}

}  // namespace sigil::detail
