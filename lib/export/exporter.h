// The export pipeline of one client: a queue bounded by items and bytes, and
// one worker thread that batches, encodes, sends, retries, and accounts for
// every generation as exported, rejected or dropped with a reason.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/config.h"
#include "core/model.h"
#include "core/status.h"
#include "export/retry_policy.h"
#include "export/transport.h"

namespace sigil::detail {

struct ExportCounters {
  std::atomic<uint64_t> enqueued{0}, exported{0}, rejected{0};
  std::atomic<uint64_t> dropped_queue_full{0}, dropped_byte_budget{0}, dropped_payload_too_large{0},
      dropped_retry_exhausted{0}, dropped_shutdown_timeout{0};
  std::atomic<uint64_t> attempts{0}, retries{0};
};

class Exporter {
 public:
  using Clock = std::chrono::steady_clock;

  Exporter(const ExportConfig &config, std::unique_ptr<GenerationTransport> transport, const Logger &logger);
  ~Exporter();
  Exporter(const Exporter &) = delete;
  Exporter &operator=(const Exporter &) = delete;

  // Hot path: never blocks on I/O. `bytes` is the record's estimated size.
  Status enqueue(Generation generation, size_t bytes);
  Status flush(Clock::time_point deadline);
  Status shutdown(Clock::time_point deadline);

  const ExportCounters &counters() const { return counters_; }
  void count_payload_too_large() { counters_.dropped_payload_too_large.fetch_add(1, std::memory_order_relaxed); }
  void queue_usage(uint64_t &items, uint64_t &bytes) const;

 private:
  struct Item {
    Generation generation;
    size_t bytes;
    Clock::time_point enqueued_at;
  };

  void run();
  bool batch_ready(Clock::time_point now) const;
  void deliver(std::vector<Item> &batch);
  void account(const std::vector<Item> &batch, const AttemptResult &result);
  bool wait_backoff(int64_t delay_ms);  // false when aborted

  ExportConfig config_;
  std::unique_ptr<GenerationTransport> transport_;
  Logger logger_;
  RetryPolicy retry_;
  ExportCounters counters_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // wakes the worker
  std::condition_variable done_cv_;  // wakes flush / shutdown waiters
  std::deque<Item> queue_;
  size_t queue_bytes_ = 0;
  uint64_t accepted_seq_ = 0;   // items ever accepted into the queue
  uint64_t completed_seq_ = 0;  // items finished (exported, rejected or dropped)
  uint64_t flush_target_ = 0;   // send at once while completed_seq_ < flush_target_
  bool stopping_ = false;       // no new records; drain what is queued
  bool exited_ = false;
  std::atomic<bool> abort_{false};  // deadline passed: drop the rest, cancel I/O
  std::thread worker_;
};

}  // namespace sigil::detail
