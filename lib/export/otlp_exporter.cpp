#include "export/otlp_exporter.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "base/timefmt.h"
#include "base/utf8.h"
#include "export/http_client.h"

namespace sigil::detail {

namespace {

HeaderList request_headers(const StringPairs &configured) {
  HeaderList h;
  h.emplace_back("Content-Type", "application/x-protobuf");
  for (const auto &kv : configured) set_header(h, kv.first, kv.second);
  return h;
}

constexpr size_t kMaxLoggedBody = 256;  // bytes of a collector's error text kept in a log line

// A collector's error body as one log-safe line: the google.rpc.Status
// message of a protobuf body, else the text; control characters become
// spaces, invalid UTF-8 is not shown, and the result is cut to
// kMaxLoggedBody bytes (on a character boundary).
std::string error_body_text(const HttpResponse &r) {
  if (r.body.empty()) return std::string();
  std::string text;
  const std::string *type = r.header("content-type");
  const bool protobuf = type != nullptr && type->find("protobuf") != std::string::npos;
  if (!(protobuf && decode_rpc_status_message(r.body, text))) text = r.body;
  if (!valid_utf8(text)) return "(" + std::to_string(r.body.size()) + " bytes, not text)";
  for (char &c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  size_t end = text.find_last_not_of(' ');
  text.resize(end == std::string::npos ? 0 : end + 1);
  if (text.size() > kMaxLoggedBody) {
    size_t cut = kMaxLoggedBody;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    text += "...";
  }
  return text;
}

std::string describe(const HttpResponse &r) {
  if (r.curl_code != 0) return r.error.empty() ? "transport error" : r.error;
  std::string m = "HTTP " + std::to_string(r.status);
  std::string body = error_body_text(r);
  if (!body.empty()) m += ": " + body;
  return m;
}

// Why the endpoint is not an OTLP/HTTP receiver, or "" when nothing says so.
// Retrying cannot help then: the configuration names the wrong port or
// protocol (OTLP/gRPC listens on 4317, OTLP/HTTP on 4318).
std::string protocol_mismatch(const HttpResponse &r) {
  if (r.curl_code == CURLE_UNSUPPORTED_PROTOCOL || r.curl_code == CURLE_WEIRD_SERVER_REPLY) {
    return "the endpoint did not answer in HTTP/1.1 (is it a gRPC or HTTP/2-only port? OTLP/HTTP is usually 4318)";
  }
  if (r.curl_code != 0) return std::string();
  const std::string *type = r.header("content-type");
  if (type != nullptr && type->rfind("application/grpc", 0) == 0) {
    return "the endpoint answered as a gRPC server (OTLP/gRPC); libsigil sends OTLP/HTTP with protobuf bodies";
  }
  if (r.status == 415) return "the endpoint does not accept OTLP/HTTP protobuf bodies (HTTP 415)";
  return std::string();
}

// A certificate the server or this client refused: the configuration (CA
// bundle, client certificate) is wrong, and a retry meets the same refusal.
bool tls_refusal(const HttpResponse &r) {
  switch (r.curl_code) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
      return true;
    default:
      return false;
  }
}

}  // namespace

OtlpExporter::OtlpExporter(const OtlpConfig &config, const OtlpIdentity &identity, MetricsSource metrics,
                           const Logger &logger)
    : config_(config),
      identity_(identity),
      metrics_(std::move(metrics)),
      logger_(logger),
      retry_(config.max_retries, config.initial_backoff_ms, config.max_backoff_ms),
      traces_headers_(request_headers(config.traces_headers)),
      metrics_headers_(request_headers(config.metrics_headers)) {
  origin_.resource = &identity_.resource;
  origin_.scope_name = identity_.scope_name;
  origin_.scope_version = identity_.scope_version;
  origin_.schema_url = identity_.schema_url;
  next_metrics_ = Clock::now() + std::chrono::milliseconds(config_.metric_export_interval_ms);
  worker_ = std::thread([this] { run(); });
}

OtlpExporter::~OtlpExporter() { shutdown(Clock::now()); }

void OtlpExporter::enqueue(SpanData span) {
  if (!exports_spans()) return;
  size_t bytes = span.estimated_bytes();
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return;
  ensure_worker_locked();
  const OtlpConfig &c = config_;
  if (queue_.size() >= c.span_queue_size || queue_bytes_ + bytes > c.span_queue_max_bytes) {
    uint64_t dropped = counters_.spans_dropped.fetch_add(1, std::memory_order_relaxed) + 1;
    lock.unlock();
    // Log the first drop and then every 1000th, not every span.
    if (dropped == 1 || dropped % 1000 == 0) {
      logger_.warn("OTLP span queue is full; " + std::to_string(dropped) + " spans dropped so far");
    }
    return;
  }
  queue_.push_back(Item{std::move(span), bytes, Clock::now()});
  queue_bytes_ += bytes;
  counters_.spans_enqueued.fetch_add(1, std::memory_order_relaxed);
  bool wake = queue_.size() == 1 || queue_.size() >= c.span_batch_size;
  lock.unlock();
  if (wake) work_cv_.notify_one();
}

Status OtlpExporter::flush(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  ensure_worker_locked();
  if (stopping_ || exited_) return Status::ok();
  uint64_t target = ++flush_requested_;
  work_cv_.notify_one();
  if (!done_cv_.wait_until(lock, deadline, [&] { return flush_done_ >= target || exited_; })) {
    return Status(SIGIL_E_TIMEOUT, "flush deadline passed with " + std::to_string(queue_.size()) +
                                       " spans and the metrics export still pending");
  }
  return Status::ok();
}

Status OtlpExporter::shutdown(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  ensure_worker_locked();  // a forked child still sends its final metrics
  if (!worker_.joinable()) return Status::ok();
  stopping_ = true;
  work_cv_.notify_one();
  bool drained = done_cv_.wait_until(lock, deadline, [&] { return exited_; });
  if (!drained) {
    abort_.store(true);
    work_cv_.notify_all();
  }
  lock.unlock();
  worker_.join();
  // One line that says whether any telemetry was lost.
  const OtlpCounters &c = counters_;
  const bool lost = c.spans_dropped.load() > 0 || c.metric_export_failures.load() > 0 || c.spans_spooled.load() > 0 ||
                    c.metric_exports_spooled.load() > 0;
  if (lost) {
    logger_.summary(summary());
  } else {
    logger_.debug(summary());
  }
  if (!drained) {
    return Status(SIGIL_E_TIMEOUT, "shutdown deadline passed before the OTLP export finished; " +
                                       summary().substr(std::strlen("telemetry export finished: ")));
  }
  return Status::ok();
}

std::string OtlpExporter::summary() const {
  const OtlpCounters &c = counters_;
  std::string s = "telemetry export finished: " + std::to_string(c.spans_exported.load()) + " spans exported, " +
                  std::to_string(c.spans_dropped.load()) + " spans dropped, " +
                  std::to_string(c.metric_exports.load()) + " metrics exports sent, " +
                  std::to_string(c.metric_export_failures.load()) + " failed";
  if (uint64_t n = c.spans_spooled.load()) s += ", " + std::to_string(n) + " spans spooled";
  if (uint64_t n = c.metric_exports_spooled.load()) s += ", " + std::to_string(n) + " metrics exports spooled";
  if (uint64_t m = c.protocol_mismatches.load()) {
    s += " (" + std::to_string(m) + " answered as no OTLP/HTTP receiver)";
  }
  return s;
}

void OtlpExporter::run() {
  const OtlpConfig &c = config_;
  const auto delay = std::chrono::milliseconds(c.span_schedule_delay_ms);
  const auto interval = std::chrono::milliseconds(c.metric_export_interval_ms);
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (abort_.load()) break;
    Clock::time_point now = Clock::now();
    const bool flushing = flush_done_ < flush_requested_ || stopping_;
    const bool spans_due = !queue_.empty() && (flushing || queue_.size() >= c.span_batch_size ||
                                               now - queue_.front().enqueued_at >= delay);
    if (spans_due) {
      std::deque<Item> batch;
      while (!queue_.empty() && batch.size() < c.span_batch_size) {
        queue_bytes_ -= queue_.front().bytes;
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      lock.unlock();
      export_spans(batch);
      lock.lock();
      continue;
    }
    if (flushing) {  // every span queued before the flush request is out
      uint64_t target = flush_requested_;
      bool stop = stopping_;
      lock.unlock();
      export_metrics(stop);
      lock.lock();
      next_metrics_ = Clock::now() + interval;
      flush_done_ = std::max(flush_done_, target);
      done_cv_.notify_all();
      if (stop) break;
      continue;
    }
    if (exports_metrics() && now >= next_metrics_) {
      lock.unlock();
      export_metrics(false);
      lock.lock();
      next_metrics_ = Clock::now() + interval;
      continue;
    }
    bool timed = false;
    Clock::time_point wake_at = Clock::time_point::max();
    if (exports_metrics()) {
      wake_at = next_metrics_;
      timed = true;
    }
    if (!queue_.empty()) {
      wake_at = std::min(wake_at, queue_.front().enqueued_at + delay);
      timed = true;
    }
    if (timed) {
      work_cv_.wait_until(lock, wake_at);
    } else {
      work_cv_.wait(lock);
    }
  }
  // Whatever is left was abandoned at the shutdown deadline: spooled in
  // requests of the batch size when there is a spool, else dropped.
  std::deque<Item> left;
  left.swap(queue_);
  queue_bytes_ = 0;
  const bool stopped = stopping_;
  lock.unlock();
  if (!left.empty()) {
    bool spooling;
    {
      std::lock_guard<std::mutex> source_lock(source_mu_);
      spooling = spool_ != nullptr;
    }
    if (!spooling) {
      counters_.spans_dropped.fetch_add(left.size(), std::memory_order_relaxed);
      logger_.warn("dropping " + std::to_string(left.size()) + " queued spans: shutdown deadline passed");
    }
    for (size_t i = 0; spooling && i < left.size(); i += c.span_batch_size) {
      std::vector<const SpanData *> spans;
      for (size_t k = i; k < left.size() && k < i + c.span_batch_size; ++k) spans.push_back(&left[k].span);
      std::string body;
      if (encode_otlp_traces(spans, origin_, body).is_ok()) {
        keep_or_drop_spans(spans, body, "shutdown deadline passed before these spans were sent");
      } else {
        counters_.spans_dropped.fetch_add(spans.size(), std::memory_order_relaxed);
      }
    }
  }
  if (stopped) spool_final_metrics();  // the deadline cut the final export off (a no-op when it ran)
  lock.lock();
  exited_ = true;
  done_cv_.notify_all();
}

void OtlpExporter::export_spans(std::deque<Item> &batch) {
  std::vector<const SpanData *> spans;
  spans.reserve(batch.size());
  for (const Item &it : batch) spans.push_back(&it.span);
  std::string body;
  Status st = encode_otlp_traces(spans, origin_, body);
  if (!st.is_ok()) {
    counters_.spans_dropped.fetch_add(batch.size(), std::memory_order_relaxed);
    logger_.error("dropping " + std::to_string(batch.size()) + " spans: " + st.message());
    return;
  }
  int64_t rejected = 0;
  PostResult result = post(config_.traces_url, traces_headers_, config_.traces_tls, body, "span", &rejected);
  if (result == PostResult::kAccepted) {
    uint64_t n = batch.size();
    uint64_t r = std::min<uint64_t>(n, rejected > 0 ? uint64_t(rejected) : 0);
    counters_.spans_exported.fetch_add(n - r, std::memory_order_relaxed);
    counters_.spans_dropped.fetch_add(r, std::memory_order_relaxed);
  } else if (result == PostResult::kGaveUp) {
    keep_or_drop_spans(spans, body, "the OTLP receiver did not take them");
  } else {
    counters_.spans_dropped.fetch_add(batch.size(), std::memory_order_relaxed);
  }
}

bool OtlpExporter::spool_request(char format, std::string id, std::string body) {
  Spool *spool = nullptr;
  std::function<void()> spooled;
  {
    std::lock_guard<std::mutex> lock(source_mu_);
    spool = spool_;
    spooled = on_spooled_;
  }
  if (spool == nullptr) return false;
  std::vector<SpoolRecord> records(1);
  records[0].format = format;
  records[0].written_unix_ms = uint64_t(now_unix_ns() / 1000000);
  records[0].id = std::move(id);
  records[0].payload = std::move(body);
  if (spool->append_for_replay(records) != 1) return false;
  if (spooled) spooled();
  return true;
}

void OtlpExporter::keep_or_drop_spans(const std::vector<const SpanData *> &spans, const std::string &body,
                                      const char *why) {
  if (spans.empty()) return;
  const uint64_t n = spans.size();
  if (spool_request(kSpoolOtlpTraces, "spans:" + std::to_string(n) + ":" + spans.front()->span_id, body)) {
    counters_.spans_spooled.fetch_add(n, std::memory_order_relaxed);
    logger_.warn(std::string(why) + "; spooled " + std::to_string(n) + " spans for replay");
  } else {
    counters_.spans_dropped.fetch_add(n, std::memory_order_relaxed);
  }
}

std::string OtlpExporter::encode_metrics_now(bool &any) {
  MetricsReading reading = metrics_();
  std::vector<CounterMetric> counters;
  {
    std::lock_guard<std::mutex> lock(source_mu_);
    if (counter_source_) counters = counter_source_();
  }
  bool any_counter = false;
  for (const CounterMetric &c : counters) any_counter = any_counter || !c.points.empty();
  any = !reading.histograms.empty() || any_counter;
  std::string body;
  if (!any) return body;
  Status st = encode_otlp_metrics(reading.histograms, reading.start_ns, now_unix_ns(), origin_, body, counters);
  if (!st.is_ok()) {
    logger_.error("metrics export: " + st.message());
    any = false;
    body.clear();
  }
  return body;
}

// The id of a spooled metrics snapshot: the series it continues.
static std::string metrics_record_id(const StringPairs &resource) {
  for (const auto &kv : resource) {
    if (kv.first == "service.instance.id") return "metrics:" + kv.second;
  }
  return "metrics:";
}

void OtlpExporter::spool_final_metrics() {
  if (!exports_metrics() || final_metrics_sent_) return;
  final_metrics_sent_ = true;
  bool any = false;
  std::string body = encode_metrics_now(any);
  if (!any) return;
  if (spool_request(kSpoolOtlpMetrics, metrics_record_id(identity_.resource), std::move(body))) {
    counters_.metric_exports_spooled.fetch_add(1, std::memory_order_relaxed);
    logger_.warn("shutdown deadline passed before the final metrics export; spooled it for replay");
  } else {
    counters_.metric_export_failures.fetch_add(1, std::memory_order_relaxed);
    logger_.warn("shutdown deadline passed before the final metrics export; its snapshot is lost");
  }
}

void OtlpExporter::set_spool(Spool *spool, std::function<void()> spooled) {
  std::lock_guard<std::mutex> lock(source_mu_);
  spool_ = spool;
  on_spooled_ = std::move(spooled);
}

bool OtlpExporter::sends(char format) const {
  if (format == kSpoolOtlpTraces) return exports_spans();
  if (format == kSpoolOtlpMetrics) return exports_metrics();
  return false;
}

AttemptResult OtlpExporter::send_spooled(const SpoolRecord &record, const std::atomic<bool> &cancel) {
  const bool traces = record.format == kSpoolOtlpTraces;
  HttpRequest req;
  req.url = traces ? config_.traces_url : config_.metrics_url;
  req.headers = traces ? &traces_headers_ : &metrics_headers_;
  req.body = record.payload;
  req.timeout_ms = config_.timeout_ms;
  req.cancel = &cancel;
  req.tls = traces ? &config_.traces_tls : &config_.metrics_tls;
  HttpResponse resp;
  {
    std::lock_guard<std::mutex> lock(replay_mu_);
    if (!replay_session_) replay_session_ = std::make_unique<HttpSession>();
    resp = replay_session_->perform(req);
  }
  AttemptResult out;
  out.status = resp.status;
  out.message = describe(resp);
  if (resp.curl_code == 0 && resp.status >= 200 && resp.status < 300) {
    out.outcome = AttemptResult::Outcome::kAccepted;
    if (traces) {
      counters_.spans_replayed.fetch_add(spooled_span_count(record), std::memory_order_relaxed);
    } else {
      counters_.metric_exports_replayed.fetch_add(1, std::memory_order_relaxed);
    }
    return out;
  }
  // A receiver that is down, or a configuration that cannot reach it, keeps
  // the record (a later process may be configured right); what the receiver
  // refuses for good goes.
  const bool keep = !protocol_mismatch(resp).empty() || tls_refusal(resp) ||
                    (resp.curl_code != 0 ? true : http_status_retryable(resp.status));
  out.outcome = keep ? AttemptResult::Outcome::kRetryable : AttemptResult::Outcome::kRejected;
  if (const std::string *ra = resp.header("retry-after"))
    out.retry_after_ms = parse_retry_after_ms(*ra, now_unix_ns() / 1000000000);
  return out;
}

uint64_t spooled_span_count(const SpoolRecord &record) {
  // "spans:<count>:<first span id>"
  const std::string &id = record.id;
  if (id.rfind("spans:", 0) != 0) return 0;
  uint64_t n = 0;
  for (size_t i = 6; i < id.size() && id[i] != ':'; ++i) {
    if (id[i] < '0' || id[i] > '9' || n > (UINT64_MAX - 9) / 10) return 0;
    n = n * 10 + uint64_t(id[i] - '0');
  }
  return n;
}

void OtlpExporter::ensure_worker_locked() {
  if (!restart_worker_) return;
  restart_worker_ = false;
  exited_ = false;
  worker_ = std::thread([this] { run(); });
}

void OtlpExporter::fork_prepare() {
  source_mu_.lock();
  mu_.lock();
}

void OtlpExporter::fork_parent() {
  mu_.unlock();
  source_mu_.unlock();
}

void OtlpExporter::fork_child() {
  // Only the forking thread exists now (see Exporter::fork_child).
  new (&worker_) std::thread();
  new (&work_cv_) std::condition_variable();
  new (&done_cv_) std::condition_variable();
  queue_.clear();
  queue_bytes_ = 0;
  flush_requested_ = flush_done_ = 0;
  for (auto *c : {&counters_.spans_enqueued, &counters_.spans_exported, &counters_.spans_dropped,
                  &counters_.metric_exports, &counters_.metric_export_failures, &counters_.requests, &counters_.retries,
                  &counters_.protocol_mismatches, &counters_.spans_spooled, &counters_.metric_exports_spooled,
                  &counters_.spans_replayed, &counters_.metric_exports_replayed}) {
    c->store(0, std::memory_order_relaxed);
  }
  if (session_) {
    session_->abandon_after_fork();  // the parent's handle: never cleaned up here
    session_.reset();
  }
  // The replaying thread of the parent may have held it: not ours any more.
  new (&replay_mu_) std::mutex();
  if (replay_session_) {
    replay_session_->abandon_after_fork();
    replay_session_.reset();
  }
  next_metrics_ = Clock::now() + std::chrono::milliseconds(config_.metric_export_interval_ms);
  restart_worker_ = !stopping_ && !abort_.load();
  exited_ = !restart_worker_;
  mu_.unlock();
  source_mu_.unlock();
}

void OtlpExporter::set_counter_source(CounterSource source) {
  std::lock_guard<std::mutex> lock(source_mu_);
  counter_source_ = std::move(source);
}

void OtlpExporter::export_metrics(bool final_export) {
  if (!exports_metrics()) return;
  bool any = false;
  std::string body = encode_metrics_now(any);
  if (!any) {  // nothing recorded yet (or not encodable: logged)
    if (final_export) final_metrics_sent_ = true;
    return;
  }
  PostResult result = post(config_.metrics_url, metrics_headers_, config_.metrics_tls, body, "metrics", nullptr);
  if (result == PostResult::kAccepted) {
    counters_.metric_exports.fetch_add(1, std::memory_order_relaxed);
    if (final_export) final_metrics_sent_ = true;
    return;
  }
  // Points are cumulative: a failed periodic export is superseded by the
  // next one, so only the last snapshot, at shutdown, is worth keeping.
  if (final_export) {
    final_metrics_sent_ = true;
    if (result == PostResult::kGaveUp &&
        spool_request(kSpoolOtlpMetrics, metrics_record_id(identity_.resource), std::move(body))) {
      counters_.metric_exports_spooled.fetch_add(1, std::memory_order_relaxed);
      logger_.warn("the final metrics export did not reach the OTLP receiver; spooled it for replay");
      return;
    }
  }
  counters_.metric_export_failures.fetch_add(1, std::memory_order_relaxed);
}

bool OtlpExporter::wait_backoff(int64_t delay_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return !work_cv_.wait_for(lock, std::chrono::milliseconds(delay_ms), [&] { return abort_.load(); });
}

void OtlpExporter::report_failure(const std::string &line, std::atomic<bool> *once) {
  if (once != nullptr && once->exchange(true)) {
    logger_.debug(line);
  } else {
    logger_.error(line);
  }
}

OtlpExporter::PostResult OtlpExporter::post(const std::string &url, const HeaderList &headers, const TlsConfig &tls,
                                            const std::string &body, const char *what, int64_t *rejected) {
  if (!session_) session_ = std::make_unique<HttpSession>();
  const Clock::time_point first_attempt = Clock::now();
  const auto window = std::chrono::milliseconds(config_.retry_window_ms);
  for (uint32_t attempt = 0;; ++attempt) {
    if (abort_.load()) {
      logger_.warn(std::string("OTLP ") + what + " export abandoned: shutdown deadline passed");
      return PostResult::kGaveUp;
    }
    counters_.requests.fetch_add(1, std::memory_order_relaxed);
    if (attempt > 0) counters_.retries.fetch_add(1, std::memory_order_relaxed);
    HttpRequest req;
    req.url = url;
    req.headers = &headers;
    req.body = body;
    req.timeout_ms = config_.timeout_ms;
    req.cancel = &abort_;
    req.tls = &tls;
    HttpResponse resp = session_->perform(req);
    if (resp.curl_code == 0 && resp.status >= 200 && resp.status < 300) {
      int64_t n = 0;
      std::string message;
      if (decode_otlp_partial_success(resp.body, n, message) && (n > 0 || !message.empty())) {
        logger_.warn(std::string("OTLP ") + what + " export partially rejected (" + std::to_string(n) +
                     " rejected): " + message);
      }
      if (rejected != nullptr) *rejected = n;
      return PostResult::kAccepted;
    }
    std::string mismatch = protocol_mismatch(resp);
    if (!mismatch.empty()) {
      counters_.protocol_mismatches.fetch_add(1, std::memory_order_relaxed);
      report_failure(std::string("OTLP ") + what + " export to " + url +
                         ": protocol mismatch, not retried: " + mismatch + " (" + describe(resp) + ")",
                     &mismatch_reported_);
      return PostResult::kRefused;
    }
    if (tls_refusal(resp)) {
      report_failure(std::string("OTLP ") + what + " export to " + url +
                         ": TLS verification failed, not retried (check the CA bundle and client certificate "
                         "settings): " +
                         describe(resp),
                     &tls_refusal_reported_);
      return PostResult::kRefused;
    }
    if (config_.local_default && resp.curl_code == CURLE_COULDNT_CONNECT) {
      report_failure(std::string("OTLP ") + what + " export to " + url +
                         ": no local receiver is listening (nothing is configured, so spans and metrics go to "
                         "`sigil receive`'s port); start `sigil receive` or set OTEL_EXPORTER_OTLP_ENDPOINT (" +
                         describe(resp) + ")",
                     &no_local_receiver_reported_);
      return PostResult::kRefused;
    }
    bool retryable = resp.curl_code != 0 ? !resp.cancelled : http_status_retryable(resp.status);
    int64_t delay = -1;
    if (const std::string *ra = resp.header("retry-after"))
      delay = parse_retry_after_ms(*ra, now_unix_ns() / 1000000000);
    delay = delay >= 0 ? retry_.retry_after_ms(delay) : retry_.backoff_ms(attempt + 1);
    // Retried until the window would close before the next attempt.
    const bool in_window = Clock::now() + std::chrono::milliseconds(delay) - first_attempt <= window;
    if (!retryable || retry_.max_retries() == 0 || !in_window) {
      report_failure(std::string("OTLP ") + what + " export to " + url + " failed after " +
                         std::to_string(attempt + 1) + " attempt(s)" + (retryable ? " (retry window closed)" : "") +
                         ": " + describe(resp),
                     nullptr);
      // A cancelled transfer (shutdown deadline) or one the receiver could
      // not take now is kept; a request the receiver refused is not.
      return retryable || resp.cancelled ? PostResult::kGaveUp : PostResult::kRefused;
    }
    logger_.debug(std::string("OTLP ") + what + " export attempt " + std::to_string(attempt + 1) + " failed (" +
                  describe(resp) + "), retrying in " + std::to_string(delay) + " ms");
    wait_backoff(delay);
  }
}

}  // namespace sigil::detail
