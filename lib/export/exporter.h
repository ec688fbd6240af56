// The export pipeline of one client: a queue bounded by items and bytes, and
// one worker thread that batches, encodes, sends, retries, replays the spool,
// and accounts for every generation as exported, rejected, spooled or
// dropped with a reason.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "export/export_config.h"
#include "base/model.h"
#include "base/status.h"
#include "export/retry_policy.h"
#include "export/spool.h"
#include "export/transport.h"

namespace sigil::detail {

struct ExportCounters {
  std::atomic<uint64_t> enqueued{0}, exported{0}, rejected{0};
  std::atomic<uint64_t> dropped_queue_full{0}, dropped_byte_budget{0}, dropped_payload_too_large{0},
      dropped_retry_exhausted{0}, dropped_shutdown_timeout{0}, dropped_spool_full{0};
  std::atomic<uint64_t> spooled{0};   // written to the spool instead of being dropped
  std::atomic<uint64_t> replayed{0};  // delivered from the spool (any process's) and accepted
  std::atomic<uint64_t> attempts{0}, retries{0};
};

// The drop reasons, in the order stats, logs and self-metrics list them.
struct DropCount {
  const char *reason;  // queue_full, byte_budget, payload_too_large, ...
  uint64_t count;
};
std::vector<DropCount> drop_counts(const ExportCounters &c);
uint64_t drops_total(const ExportCounters &c);
// "queue_full=2, retry_exhausted=5" (reasons with a zero count left out).
std::string format_drops(const ExportCounters &c);

// The spool replay schedule: the delay after a failed replay attempt, given
// the previous one (0: none yet). Doubles from `initial_ms` and is capped at
// min(max_ms, kReplayProbeMaxMs), so that a client with spooled records and
// no new traffic notices a recovered backend within a few seconds even with
// a long retry backoff configured.
constexpr int64_t kReplayProbeMaxMs = 5000;
int64_t next_replay_backoff_ms(int64_t previous_ms, uint32_t initial_ms, uint32_t max_ms);

class Exporter {
 public:
  using Clock = std::chrono::steady_clock;

  // `spool` (optional) keeps what cannot be delivered; see export/spool.h.
  Exporter(const ExportConfig &config, std::unique_ptr<GenerationTransport> transport, const Logger &logger,
           std::unique_ptr<Spool> spool = nullptr);
  ~Exporter();
  Exporter(const Exporter &) = delete;
  Exporter &operator=(const Exporter &) = delete;

  // Hot path: never blocks on I/O while the queue has room. When it is full
  // (items or bytes) and a spool is configured, the record is written to the
  // spool on this thread instead of being dropped (see spool_overflow).
  // `bytes` is the record's estimated size.
  Status enqueue(Generation generation, size_t bytes);
  // For a record finished later on another thread (the client's finisher):
  // takes one item slot and `bytes` of the byte budget now, so that the end
  // call reports QUEUE_FULL / BYTE_BUDGET / SHUTDOWN (counted as enqueue
  // counts them) and enqueue_reserved cannot be refused. `reserved` is false
  // with an OK status when the queue is full and a spool is configured: the
  // record then goes through enqueue (which spools it) once it is redacted.
  Status reserve(size_t bytes, bool &reserved);
  // Queues a reserved record; `bytes` is its estimated size now.
  void enqueue_reserved(Generation generation, size_t reserved_bytes, size_t bytes);
  // Gives a reservation back (the caller counts the record's drop).
  void release_reservation(size_t reserved_bytes);
  Status flush(Clock::time_point deadline);
  Status shutdown(Clock::time_point deadline);

  // Where delivered (or dropped) generations go instead of being freed on the
  // worker thread: the client hands them to its finisher, whose next caller
  // frees them (core/finisher.h). Set before the first enqueue.
  using Recycler = std::function<void(std::vector<Generation> &&generations, size_t bytes)>;
  void set_recycler(Recycler recycler) { recycler_ = std::move(recycler); }

  const ExportCounters &counters() const { return counters_; }
  void count_payload_too_large() { counters_.dropped_payload_too_large.fetch_add(1, std::memory_order_relaxed); }
  void count_shutdown_timeout() { counters_.dropped_shutdown_timeout.fetch_add(1, std::memory_order_relaxed); }
  void queue_usage(uint64_t &items, uint64_t &bytes) const;

  // fork() (see fork_safety.h): the parent keeps its queue and worker; the
  // child starts with an empty queue, zeroed counters and no worker, which it
  // starts on first use.
  void fork_prepare();
  void fork_parent();
  void fork_child();

 private:
  struct Item {
    Generation generation;
    size_t bytes;
    Clock::time_point enqueued_at;
  };

  bool over_budget_locked(size_t bytes, bool &queue_full) const;
  Status count_budget_drop(bool queue_full);
  void run();
  void recycle(std::vector<Item> &batch, size_t bytes);
  // Queues an admitted record, unlocks, and wakes the worker when it should send.
  void push_locked(Generation generation, size_t bytes, std::unique_lock<std::mutex> &lock);
  void ensure_worker_locked();  // starts the worker in a forked child
  bool batch_ready(Clock::time_point now) const;
  void deliver(std::vector<Item> &batch);
  void account(const std::vector<Item> &batch, const AttemptResult &result);
  // Spools batch items (all of them); false when there is no spool.
  bool spool_items(std::vector<Item> &items, const char *why);
  // The overload path of enqueue, on the caller's thread, without mu_.
  Status spool_overflow(const Generation &generation, bool queue_full, bool worker_idle);
  void replay_spool();
  bool live_batch_waiting();            // replay yields to live traffic
  void replay_after_live_success();
  bool wait_backoff(int64_t delay_ms);  // false when aborted

  ExportConfig config_;
  std::unique_ptr<GenerationTransport> transport_;
  Recycler recycler_;
  std::unique_ptr<Spool> spool_;  // writes from any thread (see Spool), replay by the worker
  // Replay state, worker only.
  Clock::time_point next_replay_{};
  int64_t replay_backoff_ms_ = 0;
  bool replay_pending_ = true;         // the last pass failed or did not finish
  uint64_t replay_seen_appends_ = 0;   // spool_->append_count() at the start of the last complete pass
  bool warned_unreadable_ = false;
  std::atomic<bool> overflow_warned_{false};
  Logger logger_;
  RetryPolicy retry_;
  ExportCounters counters_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // wakes the worker
  std::condition_variable done_cv_;  // wakes flush / shutdown waiters
  std::deque<Item> queue_;
  size_t queue_bytes_ = 0;
  size_t reserved_items_ = 0;  // slots taken by reserve, not yet enqueued or released
  size_t reserved_bytes_ = 0;
  uint64_t accepted_seq_ = 0;   // items ever accepted into the queue
  uint64_t completed_seq_ = 0;  // items finished (exported, rejected or dropped)
  uint64_t flush_target_ = 0;   // send at once while completed_seq_ < flush_target_
  bool stopping_ = false;       // no new records; drain what is queued
  bool exited_ = false;
  bool restart_worker_ = false;     // forked child: no worker until first use
  bool replay_nudge_ = false;       // a caller spooled while the worker was idle
  std::atomic<bool> abort_{false};  // deadline passed: drop the rest, cancel I/O
  std::thread worker_;
};

}  // namespace sigil::detail
