#include "export/score_exporter.h"

#include <new>

#include "encode/score_json.h"
#include "export/endpoint.h"
#include "export/retry_loop.h"
#include "export/transport.h"

namespace sigil::detail {

namespace {
constexpr const char *kScoresPath = "/api/v1/scores:export";
}

Expected<std::unique_ptr<ScoreExporter>> ScoreExporter::create(const ExportConfig &config,
                                                               std::string_view api_endpoint, const Logger &logger) {
  // The API endpoint's path is ignored, as for ratings.
  auto ep = parse_endpoint(api_endpoint, config.insecure, "/");
  if (!ep) return Status(SIGIL_E_CONFIG, "invalid Sigil API endpoint: " + ep.error().message());
  std::string url = std::string(ep->tls ? "https://" : "http://") + ep->authority + kScoresPath;
  return std::unique_ptr<ScoreExporter>(new ScoreExporter(config, std::move(url), logger));
}

ScoreExporter::ScoreExporter(const ExportConfig &config, std::string url, const Logger &logger)
    : config_(config),
      url_(std::move(url)),
      logger_(logger),
      retry_(config.max_retries, config.initial_backoff_ms, config.max_backoff_ms) {
  headers_.emplace_back("Content-Type", "application/json");
  for (const auto &h : config_.headers) set_header(headers_, h.first, h.second);
}

ScoreExporter::~ScoreExporter() { shutdown(Clock::now()); }

void ScoreExporter::ensure_worker_locked() {
  if (!worker_.joinable() && !stopping_) worker_ = std::thread([this] { run(); });
}

Status ScoreExporter::enqueue(Score score) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) {
    counters_.dropped_shutdown_timeout.fetch_add(1, std::memory_order_relaxed);
    return Status(SIGIL_E_SHUTDOWN, "the client is shut down");
  }
  if (queue_.size() >= config_.queue_size) {
    counters_.dropped_queue_full.fetch_add(1, std::memory_order_relaxed);
    return Status(SIGIL_E_QUEUE_FULL, "the score queue is full (" + std::to_string(config_.queue_size) + " items)");
  }
  ensure_worker_locked();
  queue_.emplace_back(std::move(score), Clock::now());
  ++accepted_seq_;
  counters_.enqueued.fetch_add(1, std::memory_order_relaxed);
  if (queue_.size() >= config_.batch_size) work_cv_.notify_one();
  return Status::ok();
}

uint64_t ScoreExporter::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

Status ScoreExporter::flush(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = accepted_seq_;
  if (completed_seq_ >= target) return Status::ok();
  flush_target_ = std::max(flush_target_, target);
  work_cv_.notify_one();
  if (!done_cv_.wait_until(lock, deadline, [&] { return completed_seq_ >= target; })) {
    return Status(SIGIL_E_TIMEOUT,
                  "flush deadline passed with " + std::to_string(target - completed_seq_) + " scores still pending");
  }
  return Status::ok();
}

Status ScoreExporter::shutdown(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  stopping_ = true;
  if (!worker_.joinable()) return Status::ok();
  work_cv_.notify_one();
  const bool drained = done_cv_.wait_until(lock, deadline, [&] { return exited_; });
  const uint64_t pending = accepted_seq_ - completed_seq_;
  if (!drained) {
    abort_.store(true);  // cancels the transfer in flight and the backoff
    work_cv_.notify_one();
    done_cv_.wait(lock, [&] { return exited_; });
  }
  lock.unlock();
  worker_.join();
  if (!drained) {
    return Status(SIGIL_E_TIMEOUT,
                  "shutdown deadline passed with " + std::to_string(pending) + " scores still pending (dropped)");
  }
  return Status::ok();
}

bool ScoreExporter::batch_ready(Clock::time_point now) const {
  if (queue_.empty()) return false;
  return queue_.size() >= config_.batch_size || completed_seq_ < flush_target_ || stopping_ ||
         now - queue_.front().second >= std::chrono::milliseconds(config_.flush_interval_ms);
}

void ScoreExporter::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!abort_.load()) {
    const Clock::time_point now = Clock::now();
    if (!batch_ready(now)) {
      if (stopping_ && queue_.empty()) break;
      if (queue_.empty()) {
        work_cv_.wait(lock);
      } else {
        work_cv_.wait_until(lock, queue_.front().second + std::chrono::milliseconds(config_.flush_interval_ms));
      }
      continue;
    }
    std::vector<Score> batch;
    while (!queue_.empty() && batch.size() < config_.batch_size) {
      batch.push_back(std::move(queue_.front().first));
      queue_.pop_front();
    }
    lock.unlock();
    deliver(batch);
    lock.lock();
    completed_seq_ += batch.size();
    done_cv_.notify_all();
  }
  if (!queue_.empty()) {
    counters_.dropped_shutdown_timeout.fetch_add(queue_.size(), std::memory_order_relaxed);
    logger_.warn("dropping " + std::to_string(queue_.size()) + " queued scores: shutdown deadline passed");
    completed_seq_ += queue_.size();
    queue_.clear();
  }
  exited_ = true;
  done_cv_.notify_all();
}

void ScoreExporter::deliver(std::vector<Score> &batch) {
  std::vector<const Score *> refs;
  refs.reserve(batch.size());
  for (const Score &s : batch) refs.push_back(&s);
  std::string payload;
  append_score_request_json(payload, refs);

  auto attempt = [&] {
    HttpRequest req;
    req.url = url_;
    req.headers = &headers_;
    req.body = payload;
    req.timeout_ms = config_.attempt_timeout_ms;
    req.cancel = &abort_;
    req.tls = &config_.tls;
    return http_attempt_result(session_.perform(req), url_, parse_score_response_json);
  };
  auto wait = [this](int64_t delay_ms) {
    std::unique_lock<std::mutex> lock(mu_);
    work_cv_.wait_for(lock, std::chrono::milliseconds(delay_ms), [&] { return abort_.load(); });
  };
  RetryLoopEnd end =
      send_with_retries(retry_, abort_, attempt, wait, {counters_.attempts, counters_.retries}, logger_, "score");
  const AttemptResult &r = end.last;
  const std::string n = std::to_string(batch.size());
  switch (end.kind) {
    case RetryLoopEnd::Kind::kAccepted: {
      uint64_t rejected = 0;
      for (const ItemResult &item : r.items) {
        if (item.accepted) continue;  // a score id the server already stores is accepted too
        ++rejected;
        logger_.error("score " + item.generation_id + " rejected by the server: " + item.error);
      }
      rejected = std::min<uint64_t>(rejected, batch.size());
      counters_.rejected.fetch_add(rejected, std::memory_order_relaxed);
      counters_.exported.fetch_add(batch.size() - rejected, std::memory_order_relaxed);
      if (!r.message.empty()) logger_.warn("score export: " + r.message);
      return;
    }
    case RetryLoopEnd::Kind::kRejected:
      counters_.rejected.fetch_add(batch.size(), std::memory_order_relaxed);
      logger_.error("score export rejected, not retrying (" + n + " scores dropped): " + r.message);
      return;
    case RetryLoopEnd::Kind::kAborted:
      counters_.dropped_shutdown_timeout.fetch_add(batch.size(), std::memory_order_relaxed);
      logger_.warn("dropping " + n + " scores: shutdown deadline passed");
      return;
    case RetryLoopEnd::Kind::kExhausted:
      counters_.dropped_retry_exhausted.fetch_add(batch.size(), std::memory_order_relaxed);
      logger_.error("score export failed after " + std::to_string(end.attempts) + " attempts (" + n +
                    " scores dropped): " + r.message);
      return;
  }
}

void ScoreExporter::fork_prepare() { mu_.lock(); }

void ScoreExporter::fork_parent() { mu_.unlock(); }

void ScoreExporter::fork_child() {
  // Only the forking thread exists now: the parent's worker handle is
  // overwritten (never joined or detached), the condition variables start
  // fresh, and the parent's connection is left alone.
  new (&worker_) std::thread();
  new (&work_cv_) std::condition_variable();
  new (&done_cv_) std::condition_variable();
  session_.abandon_after_fork();
  queue_.clear();
  accepted_seq_ = completed_seq_ = flush_target_ = 0;
  exited_ = false;
  for (std::atomic<uint64_t> *c : {&counters_.enqueued, &counters_.exported, &counters_.rejected,
                                   &counters_.dropped_queue_full, &counters_.dropped_retry_exhausted,
                                   &counters_.dropped_shutdown_timeout, &counters_.attempts, &counters_.retries}) {
    c->store(0, std::memory_order_relaxed);
  }
  mu_.unlock();
}

}  // namespace sigil::detail
