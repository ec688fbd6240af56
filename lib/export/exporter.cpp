#include "export/exporter.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "core/timefmt.h"

namespace sigil::detail {

std::vector<DropCount> drop_counts(const ExportCounters &c) {
  return {{"queue_full", c.dropped_queue_full.load()},
          {"byte_budget", c.dropped_byte_budget.load()},
          {"payload_too_large", c.dropped_payload_too_large.load()},
          {"retry_exhausted", c.dropped_retry_exhausted.load()},
          {"shutdown_timeout", c.dropped_shutdown_timeout.load()},
          {"spool_full", c.dropped_spool_full.load()}};
}

uint64_t drops_total(const ExportCounters &c) {
  uint64_t n = 0;
  for (const DropCount &d : drop_counts(c)) n += d.count;
  return n;
}

std::string format_drops(const ExportCounters &c) {
  std::string out;
  for (const DropCount &d : drop_counts(c)) {
    if (d.count == 0) continue;
    if (!out.empty()) out += ", ";
    out += d.reason;
    out += '=';
    out += std::to_string(d.count);
  }
  return out;
}

Exporter::Exporter(const ExportConfig &config, std::unique_ptr<GenerationTransport> transport, const Logger &logger,
                   std::unique_ptr<Spool> spool)
    : config_(config),
      transport_(std::move(transport)),
      spool_(transport_->spool_format() != 0 ? std::move(spool) : nullptr),
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
  ensure_worker_locked();
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
  ensure_worker_locked();
  uint64_t target = accepted_seq_;
  if (completed_seq_ >= target) return Status::ok();
  flush_target_ = std::max(flush_target_, target);
  work_cv_.notify_one();
  if (!done_cv_.wait_until(lock, deadline, [&] { return completed_seq_ >= target; })) {
    std::string drops = format_drops(counters_);
    return Status(SIGIL_E_TIMEOUT, "flush deadline passed with " + std::to_string(target - completed_seq_) +
                                       " generations still pending" +
                                       (drops.empty() ? std::string() : "; dropped so far: " + drops));
  }
  return Status::ok();
}

Status Exporter::shutdown(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  if (restart_worker_) {  // a forked child that never recorded: nothing to drain
    restart_worker_ = false;
    stopping_ = true;
    exited_ = true;
  }
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
  // One line that accounts for everything this client was given.
  std::string drops = format_drops(counters_);
  const uint64_t spooled = counters_.spooled.load();
  std::string summary = "generation export finished: " + std::to_string(counters_.exported.load()) + " exported, " +
                        std::to_string(counters_.rejected.load()) + " rejected, " +
                        (spooled ? std::to_string(spooled) + " spooled, " : std::string()) +
                        std::to_string(drops_total(counters_)) + " dropped" +
                        (drops.empty() ? std::string() : " (" + drops + ")");
  if (drops.empty() && counters_.rejected.load() == 0 && spooled == 0) {
    logger_.debug(summary);
  } else {
    logger_.warn(summary);
  }
  if (!drained) {
    return Status(SIGIL_E_TIMEOUT, "shutdown deadline passed with " + std::to_string(pending) +
                                       " generations undelivered (" +
                                       (spool_ ? "spooled, or dropped when the spool was full" : "dropped") +
                                       "); " + summary.substr(std::strlen("generation export finished: ")));
  }
  return Status::ok();
}

void Exporter::ensure_worker_locked() {
  if (!restart_worker_) return;
  restart_worker_ = false;
  exited_ = false;
  worker_ = std::thread([this] { run(); });
}

void Exporter::fork_prepare() { mu_.lock(); }

void Exporter::fork_parent() { mu_.unlock(); }

void Exporter::fork_child() {
  // Only the forking thread exists now. The parent's worker (and whatever
  // batch it had in flight) stayed in the parent: the std::thread is
  // overwritten, never joined or detached, and the condition variables,
  // whose waiters did not come along, start fresh.
  new (&worker_) std::thread();
  new (&work_cv_) std::condition_variable();
  new (&done_cv_) std::condition_variable();
  queue_.clear();
  queue_bytes_ = 0;
  accepted_seq_ = completed_seq_ = flush_target_ = 0;
  for (auto *c : {&counters_.enqueued, &counters_.exported, &counters_.rejected, &counters_.dropped_queue_full,
                  &counters_.dropped_byte_budget, &counters_.dropped_payload_too_large,
                  &counters_.dropped_retry_exhausted, &counters_.dropped_shutdown_timeout,
                  &counters_.dropped_spool_full, &counters_.attempts, &counters_.retries, &counters_.spooled,
                  &counters_.replayed}) {
    c->store(0, std::memory_order_relaxed);
  }
  transport_->after_fork_in_child();
  if (spool_) spool_->after_fork_in_child();
  restart_worker_ = !stopping_ && !abort_.load();
  exited_ = !restart_worker_;
  mu_.unlock();
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
    if (queue_.empty() && spool_ && !stopping_ && Clock::now() >= next_replay_) {
      lock.unlock();
      replay_spool();
      lock.lock();
      continue;
    }
    if (!batch_ready(Clock::now())) {
      if (queue_.empty() && spool_) {
        work_cv_.wait_until(lock, next_replay_);
      } else if (queue_.empty()) {
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
  if (!queue_.empty() && spool_) {
    std::vector<Item> rest(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    spool_items(rest, "shutdown deadline passed");
    completed_seq_ += rest.size();
    queue_.clear();
    queue_bytes_ = 0;
  }
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
      if (spool_items(batch, "shutdown deadline passed")) return;
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
        if (spool_ && spool_->has_pending()) next_replay_ = Clock::now();  // the backend is back
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
      if (spool_items(batch, ("retry budget exhausted: " + r.message).c_str())) return;
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

bool Exporter::spool_items(std::vector<Item> &items, const char *why) {
  if (!spool_ || items.empty()) return false;
  const char format = transport_->spool_format();
  const uint64_t now_ms = uint64_t(now_unix_ns() / 1000000);
  std::vector<SpoolRecord> records(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    records[i].format = format;
    records[i].written_unix_ms = now_ms;
    records[i].id = items[i].generation.id;
    transport_->encode_for_spool(items[i].generation, records[i].payload);
  }
  size_t written = spool_->append(records);
  counters_.spooled.fetch_add(written, std::memory_order_relaxed);
  counters_.dropped_spool_full.fetch_add(items.size() - written, std::memory_order_relaxed);
  logger_.warn(std::string(why) + "; spooled " + std::to_string(written) + " generations" +
               (written < items.size() ? ", dropped " + std::to_string(items.size() - written) + " (spool_full)"
                                       : std::string()));
  // Try again soon: replay backs off on its own while the backend stays down.
  next_replay_ = std::min(next_replay_, Clock::now() + std::chrono::milliseconds(config_.initial_backoff_ms));
  return true;
}

void Exporter::replay_spool() {
  const auto now = Clock::now();
  constexpr auto kRescan = std::chrono::seconds(30);  // look for other processes' leftovers
  if (!spool_->try_lock_replay()) {  // another process is replaying
    next_replay_ = now + std::chrono::seconds(1);
    return;
  }
  spool_->seal();
  const char format = transport_->spool_format();
  const uint64_t now_ms = uint64_t(now_unix_ns() / 1000000);
  const uint64_t max_age = spool_->config().max_age_ms;
  auto expired = [&](const SpoolRecord &r) { return r.written_unix_ms + max_age < now_ms; };
  bool failed = false, left = false;
  int64_t retry_after = -1;
  for (const std::string &path : spool_->segments()) {
    if (failed || abort_.load()) break;
    SpoolSegment seg;
    if (!spool_->claim(path, seg)) {  // a live writer's
      left = true;
      continue;
    }
    std::vector<SpoolRecord> &recs = seg.records;
    std::vector<SpoolRecord> remaining;
    size_t i = 0;
    while (i < recs.size()) {
      if (expired(recs[i])) {
        counters_.dropped_spool_full.fetch_add(1, std::memory_order_relaxed);
        logger_.warn("spool: dropping generation " + recs[i].id + ": older than the spool's age budget");
        ++i;
        continue;
      }
      if (recs[i].format != format || failed || abort_.load()) {  // another transport's, or later
        left = left || recs[i].format != format;
        remaining.push_back(std::move(recs[i++]));
        continue;
      }
      std::vector<size_t> idx;
      std::vector<const std::string *> payloads;
      size_t bytes = 0;
      while (i < recs.size() && idx.size() < config_.batch_size && recs[i].format == format && !expired(recs[i]) &&
             (idx.empty() || bytes + recs[i].payload.size() <= config_.payload_max_bytes)) {
        bytes += recs[i].payload.size();
        payloads.push_back(&recs[i].payload);
        idx.push_back(i++);
      }
      std::string payload;
      Status st = transport_->encode_spooled(payloads, payload);
      AttemptResult r;
      if (st.is_ok()) {
        counters_.attempts.fetch_add(1, std::memory_order_relaxed);
        r = transport_->send(payload, config_.attempt_timeout_ms, abort_);
      } else {
        r.outcome = AttemptResult::Outcome::kRejected;
        r.message = st.message();
      }
      if (r.outcome == AttemptResult::Outcome::kAccepted) {
        uint64_t rejected = 0;
        for (const ItemResult &item : r.items) {
          if (item.accepted) continue;
          ++rejected;
          logger_.error("spooled generation " + item.generation_id + " rejected by the server: " + item.error);
        }
        rejected = std::min<uint64_t>(rejected, idx.size());
        counters_.rejected.fetch_add(rejected, std::memory_order_relaxed);
        counters_.replayed.fetch_add(idx.size() - rejected, std::memory_order_relaxed);
      } else if (r.outcome == AttemptResult::Outcome::kRejected) {
        counters_.rejected.fetch_add(idx.size(), std::memory_order_relaxed);
        logger_.error("spooled generations rejected, not retrying (" + std::to_string(idx.size()) +
                      " removed from the spool): " + r.message);
      } else {
        failed = true;
        retry_after = r.retry_after_ms;
        logger_.debug("spool replay deferred: " + r.message);
        for (size_t k : idx) remaining.push_back(std::move(recs[k]));
      }
    }
    spool_->release(seg, remaining);
  }
  spool_->unlock_replay();
  if (failed || abort_.load()) {
    replay_backoff_ms_ = replay_backoff_ms_ == 0 ? int64_t(config_.initial_backoff_ms)
                                                 : std::min<int64_t>(replay_backoff_ms_ * 2, config_.max_backoff_ms);
    int64_t delay = retry_after >= 0 ? retry_.retry_after_ms(retry_after) : replay_backoff_ms_;
    next_replay_ = Clock::now() + std::chrono::milliseconds(delay);
    spool_->set_pending(true);
  } else {
    replay_backoff_ms_ = 0;
    spool_->set_pending(left);
    next_replay_ = Clock::now() + kRescan;
  }
}

}  // namespace sigil::detail
