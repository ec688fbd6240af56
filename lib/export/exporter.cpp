#include "export/exporter.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "base/strings.h"
#include "base/timefmt.h"
#include "encode/protobuf.h"
#include "export/retry_loop.h"

namespace sigil::detail {

bool is_already_stored(const ItemResult &item) {
  // The Sigil server answers an id it has stored with this per-item error
  // (a batch retried after a lost answer, or replayed from a spool): the
  // generation is delivered.
  return !item.accepted && to_lower(item.error).find("already exists") != std::string::npos;
}

int64_t next_replay_backoff_ms(int64_t previous_ms, uint32_t initial_ms, uint32_t max_ms) {
  const int64_t cap = std::max<int64_t>(1, std::min<int64_t>(max_ms, kReplayProbeMaxMs));
  const int64_t next = previous_ms <= 0 ? int64_t(initial_ms) : previous_ms * 2;
  return std::clamp<int64_t>(next, 1, cap);
}

Exporter::Exporter(const ExportConfig &config, std::unique_ptr<GenerationTransport> transport, const Logger &logger,
                   std::unique_ptr<Spool> spool)
    : config_(config),
      transport_(std::move(transport)),
      spool_(std::move(spool)),
      logger_(logger),
      retry_(config.max_retries, config.initial_backoff_ms, config.max_backoff_ms) {
  worker_ = std::thread([this] { run(); });
}

Exporter::~Exporter() { shutdown(Clock::now()); }

// Whether one more record of `bytes` (queued or reserved) exceeds the item or
// byte bound; `queue_full` says which. Caller holds mu_.
bool Exporter::over_budget_locked(size_t bytes, bool &queue_full) const {
  queue_full = queue_.size() + reserved_items_ >= config_.queue_size;
  return queue_full || queue_bytes_ + reserved_bytes_ + bytes > config_.queue_max_bytes;
}

// Counts a record refused by the bounds (no spool) and says why.
Status Exporter::count_budget_drop(bool queue_full) {
  if (queue_full) {
    counters_.dropped_queue_full.fetch_add(1, std::memory_order_relaxed);
    return Status(SIGIL_E_QUEUE_FULL,
                  "the generation queue is full (" + std::to_string(config_.queue_size) + " items)");
  }
  counters_.dropped_byte_budget.fetch_add(1, std::memory_order_relaxed);
  return Status(SIGIL_E_BYTE_BUDGET, "the generation queue's byte budget is exhausted (" +
                                         std::to_string(config_.queue_max_bytes) + " bytes)");
}

Status Exporter::enqueue(Generation generation, size_t bytes) {
  if (write_ahead()) return enqueue_write_ahead(std::move(generation), bytes);
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return Status(SIGIL_E_SHUTDOWN, "the client is shut down");
  ensure_worker_locked();
  bool queue_full = false;
  if (over_budget_locked(bytes, queue_full)) {
    if (spool_) {
      const bool idle = queue_.empty();
      lock.unlock();
      return spool_overflow(generation, queue_full, idle);
    }
    return count_budget_drop(queue_full);
  }
  push_locked(std::move(generation), bytes, lock);
  return Status::ok();
}

// Write-ahead mode, on the recording thread: the record takes its queue slot,
// is appended to the spool (Spool::append_durable: returns once written and,
// per the sync policy, synced by the group commit), and only then queued, so
// that end returns after the record is on disk. What the spool refuses is
// still queued (in memory only, as in fallback mode) after one warning; the
// overload path is the fallback one, with the record left to replay.
Status Exporter::enqueue_write_ahead(Generation generation, size_t bytes) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return Status(SIGIL_E_SHUTDOWN, "the client is shut down");
  ensure_worker_locked();
  bool queue_full = false;
  if (over_budget_locked(bytes, queue_full)) {
    const bool idle = queue_.empty();
    lock.unlock();
    return spool_overflow(generation, queue_full, idle);
  }
  ++reserved_items_;  // the slot is this record's while it is written
  reserved_bytes_ += bytes;
  lock.unlock();
  SpoolRecord record;
  record.written_unix_ms = uint64_t(now_unix_ns() / 1000000);
  record.id = generation.id;
  Status st = encode_generation_proto(generation, record.payload);
  uint64_t segment = 0;
  const bool durable = st.is_ok() && spool_->append_durable(record, false, segment);
  lock.lock();
  --reserved_items_;
  reserved_bytes_ -= bytes;
  if (!st.is_ok()) {  // cannot happen for validated input; account for it anyway
    counters_.dropped_payload_too_large.fetch_add(1, std::memory_order_relaxed);
    return st;
  }
  if (!durable && !wal_refused_warned_.exchange(true, std::memory_order_relaxed)) {
    logger_.warn("spool: write-ahead append of generation " + generation.id +
                 " refused (byte budget or write failure); queued in memory only until the spool takes records again");
  }
  if (stopping_) {  // shut down meanwhile: the worker may be gone
    lock.unlock();
    if (durable) {
      spool_->hand_over(segment, 1);
      counters_.spooled.fetch_add(1, std::memory_order_relaxed);
      return Status::ok();
    }
    counters_.dropped_shutdown_timeout.fetch_add(1, std::memory_order_relaxed);
    return Status(SIGIL_E_SHUTDOWN, "the client is shut down");
  }
  push_locked(std::move(generation), bytes, lock, segment);
  return Status::ok();
}

void Exporter::acknowledge(const std::vector<Item> &items) {
  if (!write_ahead()) return;
  // Items of one batch come from few segments, in order: one write per run.
  std::vector<std::string> ids;
  uint64_t segment = 0;
  for (const Item &it : items) {
    if (it.wal != segment) {
      if (segment != 0) spool_->acknowledge(segment, ids);
      ids.clear();
      segment = it.wal;
    }
    if (it.wal != 0) ids.push_back(it.generation.id);
  }
  if (segment != 0) spool_->acknowledge(segment, ids);
}

void Exporter::push_locked(Generation generation, size_t bytes, std::unique_lock<std::mutex> &lock, uint64_t wal) {
  const bool was_empty = queue_.empty();
  queue_.push_back(Item{std::move(generation), bytes, Clock::now(), wal});
  queue_bytes_ += bytes;
  ++accepted_seq_;
  counters_.enqueued.fetch_add(1, std::memory_order_relaxed);
  // The worker waits for a batch or the interval: wake it for the first item and a full batch.
  const bool wake = was_empty || queue_.size() >= config_.batch_size;
  lock.unlock();
  if (wake) work_cv_.notify_one();
}

Status Exporter::reserve(size_t bytes, bool &reserved) {
  reserved = false;
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return Status(SIGIL_E_SHUTDOWN, "the client is shut down");
  bool queue_full = false;
  if (over_budget_locked(bytes, queue_full)) return spool_ ? Status::ok() : count_budget_drop(queue_full);
  ++reserved_items_;
  reserved_bytes_ += bytes;
  reserved = true;
  return Status::ok();
}

void Exporter::enqueue_reserved(Generation generation, size_t reserved_bytes, size_t bytes) {
  std::unique_lock<std::mutex> lock(mu_);
  --reserved_items_;
  reserved_bytes_ -= reserved_bytes;
  if (stopping_) {  // the client drains its finisher before stopping the exporter
    counters_.dropped_shutdown_timeout.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  ensure_worker_locked();
  push_locked(std::move(generation), bytes, lock);
}

void Exporter::release_reservation(size_t reserved_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  --reserved_items_;
  reserved_bytes_ -= reserved_bytes;
}

// Overload with a spool: this thread encodes the record (sigil.v1 protobuf,
// the spool's canonical form) and appends it under the spool's writer lock,
// with the configured durability (kBatch: group commit by the spool's syncer
// thread, see Spool::append_overflow). No memory is held beyond the one frame, so the
// process stays within the queue's byte budget however long the overload
// lasts; what the spool's own budget refuses is dropped as spool_full.
// Replay delivers these records like any other spooled ones. Measured and
// compared with a hand-off to a writer thread in docs/reliability.md.
Status Exporter::spool_overflow(const Generation &generation, bool queue_full, bool worker_idle) {
  SpoolRecord record;
  record.written_unix_ms = uint64_t(now_unix_ns() / 1000000);
  record.id = generation.id;
  Status st = encode_generation_proto(generation, record.payload);
  if (!st.is_ok()) {  // cannot happen for validated input; account for it anyway
    counters_.dropped_payload_too_large.fetch_add(1, std::memory_order_relaxed);
    return st;
  }
  const std::string what =
      queue_full
          ? "the generation queue is full (" + std::to_string(config_.queue_size) + " items)"
          : "the generation queue's byte budget is exhausted (" + std::to_string(config_.queue_max_bytes) + " bytes)";
  uint64_t segment = 0;
  if (write_ahead() ? !spool_->append_durable(record, true, segment) : !spool_->append_overflow(record)) {
    counters_.dropped_spool_full.fetch_add(1, std::memory_order_relaxed);
    return Status(queue_full ? SIGIL_E_QUEUE_FULL : SIGIL_E_BYTE_BUDGET,
                  what + " and the spool refused the record (spool_full)");
  }
  counters_.spooled.fetch_add(1, std::memory_order_relaxed);
  if (!overflow_warned_.exchange(true, std::memory_order_relaxed)) {
    logger_.warn(what + "; spooling generations to " + spool_->config().dir + " until it drains");
  }
  if (worker_idle) nudge_replay();  // nothing queued would trigger a replay: ask for one
  return Status::ok();
}

void Exporter::nudge_replay() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    replay_nudge_ = true;
  }
  work_cv_.notify_one();
}

void Exporter::set_telemetry_sender(SpooledTelemetrySender *sender) {
  telemetry_sender_.store(sender, std::memory_order_release);
  // A pass that ran before this kept the spool's telemetry records.
  if (sender != nullptr && spool_) nudge_replay();
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
    logger_.summary(summary);
  }
  if (!drained) {
    return Status(SIGIL_E_TIMEOUT, "shutdown deadline passed with " + std::to_string(pending) +
                                       " generations undelivered (" +
                                       (spool_ ? "spooled, or dropped when the spool was full" : "dropped") + "); " +
                                       summary.substr(std::strlen("generation export finished: ")));
  }
  return Status::ok();
}

void Exporter::ensure_worker_locked() {
  if (!restart_worker_) return;
  restart_worker_ = false;
  exited_ = false;
  worker_ = std::thread([this] { run(); });
}

void Exporter::fork_prepare() {
  mu_.lock();
  if (spool_) spool_->lock_for_fork();  // lock order: mu_, then the spool's writer lock
}

void Exporter::fork_parent() {
  if (spool_) spool_->unlock_after_fork();
  mu_.unlock();
}

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
  reserved_items_ = reserved_bytes_ = 0;  // the child's finisher drops the tasks that held them
  accepted_seq_ = completed_seq_ = flush_target_ = 0;
  for (auto *c :
       {&counters_.enqueued, &counters_.exported, &counters_.rejected, &counters_.dropped_queue_full,
        &counters_.dropped_byte_budget, &counters_.dropped_payload_too_large, &counters_.dropped_retry_exhausted,
        &counters_.dropped_shutdown_timeout, &counters_.dropped_spool_full, &counters_.attempts, &counters_.retries,
        &counters_.spooled, &counters_.replayed}) {
    c->store(0, std::memory_order_relaxed);
  }
  transport_->after_fork_in_child();
  if (spool_) {
    spool_->after_fork_in_child();
    spool_->unlock_after_fork();
  }
  replay_nudge_ = false;
  replay_pending_ = true;  // the parent's worker state is not ours
  replay_seen_appends_ = 0;
  replay_backoff_ms_ = 0;
  next_replay_ = Clock::time_point{};
  overflow_warned_.store(false, std::memory_order_relaxed);
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
    Clock::time_point now = Clock::now();
    if (replay_nudge_) {
      replay_nudge_ = false;
      if (replay_backoff_ms_ == 0) next_replay_ = std::min(next_replay_, now);  // not while the backend is down
    }
    if (!batch_ready(now)) {
      if (queue_.empty()) overflow_warned_.store(false, std::memory_order_relaxed);  // the overload is over
      // Replay when it is due and no live batch is waiting: with the
      // backend down it probes on its own backoff (next_replay_backoff_ms),
      // and right after any live success it runs at once.
      if (spool_ && !stopping_ && now >= next_replay_) {
        lock.unlock();
        replay_spool();
        lock.lock();
        continue;
      }
      Clock::time_point until = Clock::time_point::max();
      if (!queue_.empty()) until = queue_.front().enqueued_at + std::chrono::milliseconds(config_.flush_interval_ms);
      if (spool_ && !stopping_) until = std::min(until, next_replay_);
      if (until == Clock::time_point::max()) {
        work_cv_.wait(lock);
      } else {
        work_cv_.wait_until(lock, until);
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
    const size_t delivered = batch.size();
    recycle(batch, bytes);
    lock.lock();
    completed_seq_ += delivered;
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

void Exporter::recycle(std::vector<Item> &batch, size_t bytes) {
  if (!recycler_ || batch.empty()) return;  // freed here, with the batch
  std::vector<Generation> generations;
  generations.reserve(batch.size());
  for (Item &it : batch) generations.push_back(std::move(it.generation));
  batch.clear();
  recycler_(std::move(generations), bytes);
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
    acknowledge(batch);  // replay would fail the same way
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
    logger_.error("dropping generation " + batch[0].generation.id + ": encoded size " + std::to_string(payload.size()) +
                  " exceeds the payload limit");
    acknowledge(batch);
    return;
  }

  RetryLoopEnd end = send_with_retries(
      retry_, abort_, [&] { return transport_->send(payload, config_.attempt_timeout_ms, abort_); },
      [this](int64_t delay_ms) { wait_backoff(delay_ms); }, {counters_.attempts, counters_.retries}, logger_,
      "generation");
  const AttemptResult &r = end.last;
  switch (end.kind) {
    case RetryLoopEnd::Kind::kAccepted:
      if (!r.message.empty()) logger_.warn("generation export: " + r.message);
      account(batch, r);
      acknowledge(batch);  // answered, item by item: none is replayed
      replay_after_live_success();
      return;
    case RetryLoopEnd::Kind::kRejected:
      counters_.rejected.fetch_add(batch.size(), std::memory_order_relaxed);
      logger_.error("generation export rejected, not retrying (" + std::to_string(batch.size()) +
                    " generations dropped): " + r.message);
      acknowledge(batch);
      return;
    case RetryLoopEnd::Kind::kAborted:
      if (spool_items(batch, "shutdown deadline passed")) return;
      counters_.dropped_shutdown_timeout.fetch_add(batch.size(), std::memory_order_relaxed);
      logger_.warn("dropping " + std::to_string(batch.size()) + " generations: shutdown deadline passed");
      return;
    case RetryLoopEnd::Kind::kExhausted:
      if (spool_items(batch, ("retry budget exhausted: " + r.message).c_str())) return;
      counters_.dropped_retry_exhausted.fetch_add(batch.size(), std::memory_order_relaxed);
      logger_.error("generation export failed after " + std::to_string(end.attempts) + " attempts (" +
                    std::to_string(batch.size()) + " generations dropped): " + r.message);
      return;
  }
}

void Exporter::account(const std::vector<Item> &batch, const AttemptResult &r) {
  uint64_t rejected = 0;
  for (const ItemResult &item : r.items) {
    if (item.accepted) continue;
    if (is_already_stored(item)) {
      logger_.debug("generation " + item.generation_id + " was already stored by the server (" + item.error + ")");
      continue;
    }
    ++rejected;
    logger_.error("generation " + item.generation_id + " rejected by the server: " + item.error);
  }
  rejected = std::min<uint64_t>(rejected, batch.size());
  counters_.rejected.fetch_add(rejected, std::memory_order_relaxed);
  counters_.exported.fetch_add(batch.size() - rejected, std::memory_order_relaxed);
}

void Exporter::replay_after_live_success() {
  // The backend answers: replay at once what waits in the spool.
  if (!spool_) return;
  if (replay_pending_ || spool_->append_count() != replay_seen_appends_) {
    next_replay_ = Clock::now();
    replay_backoff_ms_ = 0;
  }
}

bool Exporter::spool_items(std::vector<Item> &items, const char *why) {
  if (!spool_ || items.empty()) return false;
  const uint64_t now_ms = uint64_t(now_unix_ns() / 1000000);
  if (write_ahead()) {
    // Already in the spool: left to replay, not written again. Records the
    // spool refused at end are appended now, if it takes them.
    size_t spooled = 0, refused = 0;
    for (Item &it : items) {
      if (it.wal != 0) {
        spool_->hand_over(it.wal, 1);
        ++spooled;
        continue;
      }
      SpoolRecord r;
      r.written_unix_ms = now_ms;
      r.id = it.generation.id;
      uint64_t segment = 0;
      if (encode_generation_proto(it.generation, r.payload).is_ok() && spool_->append_durable(r, true, segment)) {
        ++spooled;
      } else {
        ++refused;
      }
    }
    counters_.spooled.fetch_add(spooled, std::memory_order_relaxed);
    counters_.dropped_spool_full.fetch_add(refused, std::memory_order_relaxed);
    logger_.warn(std::string(why) + "; left " + std::to_string(spooled) + " generations in the spool for replay" +
                 (refused ? ", dropped " + std::to_string(refused) + " (spool_full)" : std::string()));
    next_replay_ = std::min(next_replay_, Clock::now() + std::chrono::milliseconds(config_.initial_backoff_ms));
    return true;
  }
  std::vector<SpoolRecord> records(items.size());
  size_t encoded = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    SpoolRecord &r = records[encoded];
    r.written_unix_ms = now_ms;
    r.id = items[i].generation.id;
    if (encode_generation_proto(items[i].generation, r.payload).is_ok()) {
      ++encoded;
    } else {  // cannot happen for validated input; account for it anyway
      r.payload.clear();
      counters_.dropped_payload_too_large.fetch_add(1, std::memory_order_relaxed);
    }
  }
  records.resize(encoded);
  size_t written = spool_->append(records);
  counters_.spooled.fetch_add(written, std::memory_order_relaxed);
  counters_.dropped_spool_full.fetch_add(encoded - written, std::memory_order_relaxed);
  logger_.warn(
      std::string(why) + "; spooled " + std::to_string(written) + " generations" +
      (written < encoded ? ", dropped " + std::to_string(encoded - written) + " (spool_full)" : std::string()));
  // Try again soon: replay backs off on its own while the backend stays down.
  next_replay_ = std::min(next_replay_, Clock::now() + std::chrono::milliseconds(config_.initial_backoff_ms));
  return true;
}

bool Exporter::live_batch_waiting() {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_ || batch_ready(Clock::now());
}

void Exporter::replay_spool() {
  constexpr auto kRescan = std::chrono::seconds(30);  // look for other processes' leftovers
  if (!spool_->try_lock_replay()) {                   // another process is replaying
    next_replay_ = Clock::now() + std::chrono::seconds(1);
    return;
  }
  const uint64_t appends_before = spool_->append_count();
  spool_->seal();  // our own records become claimable
  const uint64_t now_ms = uint64_t(now_unix_ns() / 1000000);
  const uint64_t max_age = spool_->config().max_age_ms;
  // No wrap-around: max_age may be UINT64_MAX ("never"), written_unix_ms anything.
  auto expired = [&](const SpoolRecord &r) {
    return now_ms > r.written_unix_ms && now_ms - r.written_unix_ms > max_age;
  };
  bool failed = false, yielded = false;
  int64_t retry_after = -1;
  size_t unreadable = 0;
  std::string unreadable_why;
  bool claimed = false;
  bool telemetry_failed = false;  // the OTLP receiver did not answer: its records wait for the next pass
  for (const std::string &path : spool_->segments()) {
    // With the generation backend down, segments are still read for their
    // spans and metrics, while their receiver answers.
    const bool telemetry_open = !telemetry_failed && telemetry_sender_.load(std::memory_order_acquire) != nullptr;
    if ((failed && !telemetry_open) || abort_.load()) break;
    // A waiting live batch goes next, after at least one segment of this
    // pass (so that neither starves the other); the pass resumes right after.
    if (claimed && live_batch_waiting()) {
      yielded = true;
      break;
    }
    SpoolSegment seg;
    if (!spool_->claim(path, seg)) continue;  // a live writer's (that process replays it)
    claimed = true;
    drop_acknowledged(seg.records);  // write-ahead segments: answered before the writer stopped
    // The segment's generations; seg.records keeps its length (release
    // compares it with what remains to know whether anything left).
    std::vector<SpoolRecord> recs;
    std::vector<SpoolRecord> remaining;
    replay_telemetry(seg.records, recs, remaining, telemetry_failed);
    size_t i = 0;
    while (i < recs.size()) {
      if (failed || abort_.load()) {
        remaining.push_back(std::move(recs[i++]));
        continue;
      }
      // One request's worth: up to batch_size records and payload_max_bytes
      // (by stored size; the transport's encoding is checked below).
      std::vector<size_t> idx;
      std::vector<Generation> gens;
      size_t bytes = 0;
      while (i < recs.size() && idx.size() < config_.batch_size &&
             (idx.empty() || bytes + recs[i].payload.size() <= config_.payload_max_bytes)) {
        SpoolRecord &r = recs[i];
        if (expired(r)) {
          counters_.dropped_spool_full.fetch_add(1, std::memory_order_relaxed);
          logger_.warn("spool: dropping generation " + r.id + ": older than the spool's age budget");
          ++i;
          continue;
        }
        Generation g;
        Status st = r.format == kSpoolGenerationProto
                        ? decode_generation_proto(r.payload, g)
                        : Status(SIGIL_E_INVALID_ARGUMENT, std::string("unknown record format '") + r.format + "'");
        if (!st.is_ok()) {  // a newer writer's record: keep it for a version that understands it
          if (unreadable++ == 0) unreadable_why = r.id + ": " + st.message();
          remaining.push_back(std::move(r));
          ++i;
          continue;
        }
        bytes += r.payload.size();
        gens.push_back(std::move(g));
        idx.push_back(i++);
      }
      size_t done = 0;
      while (done < gens.size()) {
        if (failed || abort_.load()) {
          for (size_t k = done; k < gens.size(); ++k) remaining.push_back(std::move(recs[idx[k]]));
          break;
        }
        // Encode for this transport; halve the request while it is too large.
        size_t count = gens.size() - done;
        std::string payload;
        Status st;
        for (;;) {
          std::vector<const Generation *> refs;
          for (size_t k = done; k < done + count; ++k) refs.push_back(&gens[k]);
          payload.clear();
          st = transport_->encode(refs, payload);
          if (!st.is_ok() || payload.size() <= config_.payload_max_bytes || count == 1) break;
          count /= 2;
        }
        if (!st.is_ok() || payload.size() > config_.payload_max_bytes) {
          counters_.dropped_payload_too_large.fetch_add(count, std::memory_order_relaxed);
          logger_.error("spool: dropping generation " + gens[done].id + ": " +
                        (st.is_ok() ? "encoded size " + std::to_string(payload.size()) + " exceeds the payload limit"
                                    : st.message()));
          done += count;
          continue;
        }
        counters_.attempts.fetch_add(1, std::memory_order_relaxed);
        AttemptResult r = transport_->send(payload, config_.attempt_timeout_ms, abort_);
        if (r.outcome == AttemptResult::Outcome::kRetryable) {
          failed = true;
          retry_after = r.retry_after_ms;
          logger_.debug("spool replay deferred: " + r.message);
          continue;  // the records from `done` on stay
        }
        // spooled was an intermediate state: each record ends here in one
        // terminal bucket, replayed (accepted, or already stored) or rejected.
        if (r.outcome == AttemptResult::Outcome::kAccepted) {
          uint64_t rejected = 0;
          for (const ItemResult &item : r.items) {
            if (item.accepted) continue;
            if (is_already_stored(item)) {
              logger_.debug("spooled generation " + item.generation_id + " was already stored by the server (" +
                            item.error + ")");
              continue;
            }
            ++rejected;
            logger_.error("spooled generation " + item.generation_id + " rejected by the server: " + item.error);
          }
          rejected = std::min<uint64_t>(rejected, count);
          counters_.rejected.fetch_add(rejected, std::memory_order_relaxed);
          counters_.replayed.fetch_add(count - rejected, std::memory_order_relaxed);
        } else {
          counters_.rejected.fetch_add(count, std::memory_order_relaxed);
          logger_.error("spooled generations rejected, not retrying (" + std::to_string(count) +
                        " removed from the spool): " + r.message);
        }
        done += count;
      }
    }
    spool_->release(seg, remaining);
  }
  spool_->unlock_replay();
  if (unreadable > 0) {
    std::string line = "spool: keeping " + std::to_string(unreadable) +
                       " records this version cannot replay (first: " + unreadable_why + ")";
    if (!warned_unreadable_)
      logger_.warn(line);
    else
      logger_.debug(line);
    warned_unreadable_ = true;
  }
  const auto now = Clock::now();
  if (failed || telemetry_failed || abort_.load()) {
    replay_backoff_ms_ = next_replay_backoff_ms(replay_backoff_ms_, config_.initial_backoff_ms, config_.max_backoff_ms);
    int64_t delay = retry_after >= 0 ? retry_.retry_after_ms(retry_after) : replay_backoff_ms_;
    next_replay_ = now + std::chrono::milliseconds(delay);
    replay_pending_ = true;
  } else if (yielded) {
    next_replay_ = now;
    replay_pending_ = true;
  } else {
    replay_backoff_ms_ = 0;
    replay_pending_ = false;
    replay_seen_appends_ = appends_before;
    // Records spooled during the pass (overflow) go in the next one.
    next_replay_ = spool_->append_count() != appends_before ? now : now + kRescan;
  }
}

void Exporter::replay_telemetry(std::vector<SpoolRecord> &records, std::vector<SpoolRecord> &generations,
                                std::vector<SpoolRecord> &remaining, bool &failed) {
  SpooledTelemetrySender *sender = telemetry_sender_.load(std::memory_order_acquire);
  const uint64_t now_ms = uint64_t(now_unix_ns() / 1000000);
  const uint64_t max_age = spool_->config().max_age_ms;
  for (SpoolRecord &r : records) {
    if (r.format != kSpoolOtlpTraces && r.format != kSpoolOtlpMetrics) {
      generations.push_back(std::move(r));
      continue;
    }
    if (now_ms > r.written_unix_ms && now_ms - r.written_unix_ms > max_age) {
      logger_.warn("spool: dropping " + r.id + ": older than the spool's age budget");
      continue;
    }
    if (failed || abort_.load() || sender == nullptr || !sender->sends(r.format)) {
      remaining.push_back(std::move(r));
      continue;
    }
    AttemptResult result = sender->send_spooled(r, abort_);
    if (result.outcome == AttemptResult::Outcome::kRetryable) {
      failed = true;
      logger_.debug("spool replay of " + r.id + " deferred: " + result.message);
      remaining.push_back(std::move(r));
    } else if (result.outcome == AttemptResult::Outcome::kRejected) {
      logger_.error("spooled " + r.id + " refused by the OTLP receiver, removed from the spool: " + result.message);
    }
  }
}

}  // namespace sigil::detail
