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
  const bool lost = c.spans_dropped.load() > 0 || c.metric_export_failures.load() > 0;
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
      export_metrics();
      lock.lock();
      next_metrics_ = Clock::now() + interval;
      flush_done_ = std::max(flush_done_, target);
      done_cv_.notify_all();
      if (stop) break;
      continue;
    }
    if (exports_metrics() && now >= next_metrics_) {
      lock.unlock();
      export_metrics();
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
  // Whatever is left was abandoned at the shutdown deadline.
  if (!queue_.empty()) {
    counters_.spans_dropped.fetch_add(queue_.size(), std::memory_order_relaxed);
    logger_.warn("dropping " + std::to_string(queue_.size()) + " queued spans: shutdown deadline passed");
    queue_.clear();
    queue_bytes_ = 0;
  }
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
  if (post(config_.traces_url, traces_headers_, config_.traces_tls, body, "span", &rejected)) {
    uint64_t n = batch.size();
    uint64_t r = std::min<uint64_t>(n, rejected > 0 ? uint64_t(rejected) : 0);
    counters_.spans_exported.fetch_add(n - r, std::memory_order_relaxed);
    counters_.spans_dropped.fetch_add(r, std::memory_order_relaxed);
  } else {
    counters_.spans_dropped.fetch_add(batch.size(), std::memory_order_relaxed);
  }
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
  for (auto *c :
       {&counters_.spans_enqueued, &counters_.spans_exported, &counters_.spans_dropped, &counters_.metric_exports,
        &counters_.metric_export_failures, &counters_.requests, &counters_.retries, &counters_.protocol_mismatches}) {
    c->store(0, std::memory_order_relaxed);
  }
  if (session_) {
    session_->abandon_after_fork();  // the parent's handle: never cleaned up here
    session_.reset();
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

void OtlpExporter::export_metrics() {
  if (!exports_metrics()) return;
  MetricsReading reading = metrics_();
  const std::vector<MetricSnapshot> &snap = reading.histograms;
  std::vector<CounterMetric> counters;
  {
    std::lock_guard<std::mutex> lock(source_mu_);
    if (counter_source_) counters = counter_source_();
  }
  bool any_counter = false;
  for (const CounterMetric &c : counters) any_counter = any_counter || !c.points.empty();
  if (snap.empty() && !any_counter) return;  // nothing recorded yet
  std::string body;
  Status st = encode_otlp_metrics(snap, reading.start_ns, now_unix_ns(), origin_, body, counters);
  if (!st.is_ok()) {
    counters_.metric_export_failures.fetch_add(1, std::memory_order_relaxed);
    logger_.error("metrics export: " + st.message());
    return;
  }
  if (post(config_.metrics_url, metrics_headers_, config_.metrics_tls, body, "metrics", nullptr)) {
    counters_.metric_exports.fetch_add(1, std::memory_order_relaxed);
  } else {
    counters_.metric_export_failures.fetch_add(1, std::memory_order_relaxed);
  }
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

bool OtlpExporter::post(const std::string &url, const HeaderList &headers, const TlsConfig &tls,
                        const std::string &body, const char *what, int64_t *rejected) {
  if (!session_) session_ = std::make_unique<HttpSession>();
  const Clock::time_point first_attempt = Clock::now();
  const auto window = std::chrono::milliseconds(config_.retry_window_ms);
  for (uint32_t attempt = 0;; ++attempt) {
    if (abort_.load()) {
      logger_.warn(std::string("OTLP ") + what + " export abandoned: shutdown deadline passed");
      return false;
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
      return true;
    }
    std::string mismatch = protocol_mismatch(resp);
    if (!mismatch.empty()) {
      counters_.protocol_mismatches.fetch_add(1, std::memory_order_relaxed);
      report_failure(std::string("OTLP ") + what + " export to " + url +
                         ": protocol mismatch, not retried: " + mismatch + " (" + describe(resp) + ")",
                     &mismatch_reported_);
      return false;
    }
    if (tls_refusal(resp)) {
      report_failure(std::string("OTLP ") + what + " export to " + url +
                         ": TLS verification failed, not retried (check the CA bundle and client certificate "
                         "settings): " +
                         describe(resp),
                     &tls_refusal_reported_);
      return false;
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
      return false;
    }
    logger_.debug(std::string("OTLP ") + what + " export attempt " + std::to_string(attempt + 1) + " failed (" +
                  describe(resp) + "), retrying in " + std::to_string(delay) + " ms");
    wait_backoff(delay);
  }
}

}  // namespace sigil::detail
