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
#include "export/generation_sink.h"
#include "base/model.h"
#include "base/status.h"
#include "export/retry_policy.h"
#include "export/spool.h"
#include "export/spooled_telemetry.h"
#include "export/transport.h"

namespace sigil::detail {

// The spool replay schedule: the delay after a failed replay attempt, given
// the previous one (0: none yet). Doubles from `initial_ms` and is capped at
// min(max_ms, kReplayProbeMaxMs), so that a client with spooled records and
// no new traffic notices a recovered backend within a few seconds even with
// a long retry backoff configured.
constexpr int64_t kReplayProbeMaxMs = 5000;
int64_t next_replay_backoff_ms(int64_t previous_ms, uint32_t initial_ms, uint32_t max_ms);

// Whether a per-item refusal says the server already stored the generation
// ("generation already exists": a retried or replayed batch). Such an item is
// delivered: counted as exported (replayed, from the spool), never rejected.
bool is_already_stored(const ItemResult &item);

// The production GenerationSink.
class Exporter final : public GenerationSink {
 public:
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
  Status enqueue(Generation generation, size_t bytes) override;
  // With a spool, `reserved` is false (OK status) when the queue is full: the
  // record then goes through enqueue, which spools it, once it is redacted.
  Status reserve(size_t bytes, bool &reserved) override;
  void enqueue_reserved(Generation generation, size_t reserved_bytes, size_t bytes) override;
  void release_reservation(size_t reserved_bytes) override;
  Status flush(Clock::time_point deadline) override;
  Status shutdown(Clock::time_point deadline) override;
  void queue_usage(uint64_t &items, uint64_t &bytes) const override;
  void set_recycler(Recycler recycler) override { recycler_ = std::move(recycler); }

  // The parent keeps its queue and worker; the child starts with an empty
  // queue, zeroed counters and no worker, which it starts on first use.
  void fork_prepare() override;
  void fork_parent() override;
  void fork_child() override;

  Spool *spool() override { return spool_.get(); }
  // Replay hands the spool's spans and metrics to `sender` (null: kept).
  void set_telemetry_sender(SpooledTelemetrySender *sender) override;
  void nudge_replay() override;

 private:
  struct Item {
    Generation generation;
    size_t bytes;
    Clock::time_point enqueued_at;
    uint64_t wal = 0;  // write-ahead mode: its spool segment (0: in memory only)
  };

  bool over_budget_locked(size_t bytes, bool &queue_full) const;
  Status count_budget_drop(bool queue_full);
  void run();
  void recycle(std::vector<Item> &batch, size_t bytes);
  // Queues an admitted record, unlocks, and wakes the worker when it should send.
  void push_locked(Generation generation, size_t bytes, std::unique_lock<std::mutex> &lock, uint64_t wal = 0);
  // Write-ahead mode: enqueue appends the record to the spool first.
  Status enqueue_write_ahead(Generation generation, size_t bytes);
  // Write-ahead mode: the server answered these items (or they were dropped
  // for good): their spool records are acknowledged.
  void acknowledge(const std::vector<Item> &items);
  bool write_ahead() const { return spool_ && spool_->config().write_ahead; }
  void ensure_worker_locked();  // starts the worker in a forked child
  bool batch_ready(Clock::time_point now) const;
  void deliver(std::vector<Item> &batch);
  void account(const std::vector<Item> &batch, const AttemptResult &result);
  // Spools batch items (all of them); false when there is no spool.
  bool spool_items(std::vector<Item> &items, const char *why);
  // The overload path of enqueue, on the caller's thread, without mu_.
  Status spool_overflow(const Generation &generation, bool queue_full, bool worker_idle);
  void replay_spool();
  // Sends a segment's spans and metrics records; those not delivered (no
  // sender for their signal, or the receiver is down) go to `remaining`, and
  // the other records (generations) to `generations`. Moves out of `records`
  // without changing its length.
  void replay_telemetry(std::vector<SpoolRecord> &records, std::vector<SpoolRecord> &generations,
                        std::vector<SpoolRecord> &remaining, bool &failed);
  bool live_batch_waiting();  // replay yields to live traffic
  void replay_after_live_success();
  bool wait_backoff(int64_t delay_ms);  // false when aborted

  ExportConfig config_;
  std::unique_ptr<GenerationTransport> transport_;
  Recycler recycler_;
  std::unique_ptr<Spool> spool_;  // writes from any thread (see Spool), replay by the worker
  std::atomic<SpooledTelemetrySender *> telemetry_sender_{nullptr};
  // Replay state, worker only.
  Clock::time_point next_replay_{};
  int64_t replay_backoff_ms_ = 0;
  bool replay_pending_ = true;        // the last pass failed or did not finish
  uint64_t replay_seen_appends_ = 0;  // spool_->append_count() at the start of the last complete pass
  bool warned_unreadable_ = false;
  std::atomic<bool> overflow_warned_{false};
  std::atomic<bool> wal_refused_warned_{false};
  Logger logger_;
  RetryPolicy retry_;

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
