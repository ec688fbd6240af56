#include "export/exporter.h"

#include <algorithm>

namespace sigil::detail {

Exporter::Exporter(const ExportConfig &config, std::unique_ptr<GenerationTransport> transport, const Logger &logger)
    : config_(config),
      transport_(std::move(transport)),
      logger_(logger),
      retry_(config.max_retries, config.initial_backoff_ms, config.max_backoff_ms) {
  worker_ = std::thread([this] { run(); });
}

Exporter::~Exporter() {
  shutdown(Clock::now());
}

Status Exporter::enqueue(Generation generation, size_t bytes) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return Status(SIGIL_E_SHUTDOWN, "the client is shut down");
  if (queue_.size() >= config_.queue_size) {
    counters_.dropped_queue_full.fetch_add(1, std::memory_order_relaxed);
    return Status(SIGIL_E_QUEUE_FULL, "the generation queue is full (" + std::to_string(config_.queue_size) + " items)");
  }
  if (queue_bytes_ + bytes > config_.queue_max_bytes) {
    counters_.dropped_byte_budget.fetch_add(1, std::memory_order_relaxed);
    return Status(SIGIL_E_BYTE_BUDGET,
                  "the generation queue's byte budget is exhausted (" + std::to_string(config_.queue_max_bytes) + " bytes)");
  }
  bool was_empty = queue_.empty();
  queue_.push_back(Item{std::move(generation), bytes, Clock::now()});
  queue_bytes_ += bytes;
  ++accepted_seq_;
  counters_.enqueued.fetch_add(1, std::memory_order_relaxed);
  bool wake = was_empty || queue_.size() >= config_.batch_size;
  lock.unlock();
  if (wake) work_cv_.notify_one();
  return Status::ok();
}

Status Exporter::flush(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return Status(SIGIL_E_SHUTDOWN, "the client is shut down");
  uint64_t target = accepted_seq_;
  if (completed_seq_ >= target) return Status::ok();
  flush_target_ = std::max(flush_target_, target);
  work_cv_.notify_one();
  if (!done_cv_.wait_until(lock, deadline, [&] { return completed_seq_ >= target; })) {
    return Status(SIGIL_E_TIMEOUT, "flush deadline passed with " + std::to_string(target - completed_seq_) +
                                       " generations still pending");
  }
  return Status::ok();
}

Status Exporter::shutdown(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!worker_.joinable()) return Status::ok();
  stopping_ = true;
  work_cv_.notify_one();
  bool drained = done_cv_.wait_until(lock, deadline, [&] { return exited_; });
  uint64_t pending = accepted_seq_ - completed_seq_;
  if (!drained) {
    abort_.store(true);
    work_cv_.notify_one();
  }
  lock.unlock();
  worker_.join();
  if (!drained) {
    return Status(SIGIL_E_TIMEOUT, "shutdown deadline passed; " + std::to_string(pending) +
                                       " generations were dropped (shutdown_timeout)");
  }
  return Status::ok();
}

void Exporter::queue_usage(uint64_t &items, uint64_t &bytes) const {
  std::lock_guard<std::mutex> lock(mu_);
  items = queue_.size();
  bytes = queue_bytes_;
}

bool Exporter::batch_ready(Clock::time_point now) const {
  if (queue_.empty()) return false;
  return queue_.size() >= config_.batch_size || completed_seq_ < flush_target_ || stopping_ ||
         now - queue_.front().enqueued_at >= std::chrono::milliseconds(config_.flush_interval_ms);
}

void Exporter::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (abort_.load()) break;
    if (stopping_ && queue_.empty()) break;
    if (!batch_ready(Clock::now())) {
      if (queue_.empty()) {
        work_cv_.wait(lock);
      } else {
        work_cv_.wait_until(lock, queue_.front().enqueued_at + std::chrono::milliseconds(config_.flush_interval_ms));
      }
      continue;
    }
    // Take one batch, bounded by count and (estimated) payload bytes.
    std::vector<Item> batch;
    size_t bytes = 0;
    while (!queue_.empty() && batch.size() < config_.batch_size &&
           (batch.empty() || bytes + queue_.front().bytes <= config_.payload_max_bytes)) {
      bytes += queue_.front().bytes;
      queue_bytes_ -= queue_.front().bytes;
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    deliver(batch);
    lock.lock();
    completed_seq_ += batch.size();
    done_cv_.notify_all();
  }
  // Whatever is left was abandoned at the shutdown deadline.
  if (!queue_.empty()) {
    counters_.dropped_shutdown_timeout.fetch_add(queue_.size(), std::memory_order_relaxed);
    logger_.warn("dropping " + std::to_string(queue_.size()) + " queued generations: shutdown deadline passed");
    completed_seq_ += queue_.size();
    queue_.clear();
    queue_bytes_ = 0;
  }
  exited_ = true;
  done_cv_.notify_all();
}

bool Exporter::wait_backoff(int64_t delay_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return !work_cv_.wait_for(lock, std::chrono::milliseconds(delay_ms), [&] { return abort_.load(); });
}

void Exporter::deliver(std::vector<Item> &batch) {
  std::vector<const Generation *> refs;
  refs.reserve(batch.size());
  for (const Item &it : batch) refs.push_back(&it.generation);
  std::string payload;
  Status st = transport_->encode(refs, payload);
  if (!st.is_ok()) {  // cannot happen for validated input; account for it anyway
    counters_.dropped_payload_too_large.fetch_add(batch.size(), std::memory_order_relaxed);
    logger_.error("dropping " + std::to_string(batch.size()) + " generations: " + st.message());
    return;
  }
  if (payload.size() > config_.payload_max_bytes && batch.size() > 1) {
    // Estimates were off: split and try the halves.
    std::vector<Item> second(std::make_move_iterator(batch.begin() + long(batch.size() / 2)),
                             std::make_move_iterator(batch.end()));
    batch.resize(batch.size() / 2);
    deliver(batch);
    deliver(second);
    return;
  }
  if (payload.size() > config_.payload_max_bytes) {
    counters_.dropped_payload_too_large.fetch_add(1, std::memory_order_relaxed);
    logger_.error("dropping generation " + batch[0].generation.id + ": encoded size " +
                  std::to_string(payload.size()) + " exceeds the payload limit");
    return;
  }

  for (uint32_t attempt = 0;; ++attempt) {
    if (abort_.load()) {
      counters_.dropped_shutdown_timeout.fetch_add(batch.size(), std::memory_order_relaxed);
      logger_.warn("dropping " + std::to_string(batch.size()) + " generations: shutdown deadline passed");
      return;
    }
    counters_.attempts.fetch_add(1, std::memory_order_relaxed);
    if (attempt > 0) counters_.retries.fetch_add(1, std::memory_order_relaxed);
    AttemptResult r = transport_->send(payload, config_.attempt_timeout_ms, abort_);
    switch (r.outcome) {
      case AttemptResult::Outcome::kAccepted:
        if (!r.message.empty()) logger_.warn("generation export: " + r.message);
        account(batch, r);
        return;
      case AttemptResult::Outcome::kRejected:
        counters_.rejected.fetch_add(batch.size(), std::memory_order_relaxed);
        logger_.error("generation export rejected, not retrying (" + std::to_string(batch.size()) +
                      " generations dropped): " + r.message);
        return;
      case AttemptResult::Outcome::kRetryable:
        break;
    }
    if (abort_.load()) continue;  // accounted as shutdown_timeout above
    if (attempt >= retry_.max_retries()) {
      counters_.dropped_retry_exhausted.fetch_add(batch.size(), std::memory_order_relaxed);
      logger_.error("generation export failed after " + std::to_string(attempt + 1) + " attempts (" +
                    std::to_string(batch.size()) + " generations dropped): " + r.message);
      return;
    }
    int64_t delay = r.retry_after_ms >= 0 ? retry_.retry_after_ms(r.retry_after_ms) : retry_.backoff_ms(attempt + 1);
    logger_.warn("generation export attempt " + std::to_string(attempt + 1) + " failed, retrying in " +
                 std::to_string(delay) + " ms: " + r.message);
    wait_backoff(delay);
  }
}

void Exporter::account(const std::vector<Item> &batch, const AttemptResult &r) {
  uint64_t rejected = 0;
  for (const ItemResult &item : r.items) {
    if (item.accepted) continue;
    ++rejected;
    logger_.error("generation " + item.generation_id + " rejected by the server: " + item.error);
  }
  rejected = std::min<uint64_t>(rejected, batch.size());
  counters_.rejected.fetch_add(rejected, std::memory_order_relaxed);
  counters_.exported.fetch_add(batch.size() - rejected, std::memory_order_relaxed);
}

}  // namespace sigil::detail
