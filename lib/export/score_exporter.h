// The score pipeline of one client: scores wait in a bounded queue and one
// worker (started on the first score) batches them into
// POST <api endpoint>/api/v1/scores:export requests, retried with the
// generation export's policy and retry loop (export/retry_loop.h). Every
// score ends counted once: exported, rejected, or dropped with a reason.
// Scores are not spooled: they are small and cheap to resubmit, and the
// score id makes a resubmission safe (the server keeps the first).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/logger.h"
#include "base/score.h"
#include "base/status.h"
#include "export/export_config.h"
#include "export/http_client.h"
#include "export/retry_policy.h"

namespace sigil::detail {

struct ScoreCounters {
  std::atomic<uint64_t> enqueued{0}, exported{0}, rejected{0};
  std::atomic<uint64_t> dropped_queue_full{0}, dropped_retry_exhausted{0}, dropped_shutdown_timeout{0};
  std::atomic<uint64_t> attempts{0}, retries{0};
};

class ScoreExporter {
 public:
  using Clock = std::chrono::steady_clock;

  // Batching, queue size, retries, timeouts, headers and TLS come from the
  // generation export's configuration; `api_endpoint` is the Sigil API base.
  static Expected<std::unique_ptr<ScoreExporter>> create(const ExportConfig &config, std::string_view api_endpoint,
                                                         const Logger &logger);
  ~ScoreExporter();
  ScoreExporter(const ScoreExporter &) = delete;
  ScoreExporter &operator=(const ScoreExporter &) = delete;

  // Queues a validated score (QUEUE_FULL when the queue holds queue_size
  // scores, SHUTDOWN after shutdown; both counted).
  Status enqueue(Score score);
  // Delivers what was queued before the call; SIGIL_E_TIMEOUT at the deadline.
  Status flush(Clock::time_point deadline);
  // Flushes, then takes nothing more; drops what is left at the deadline.
  Status shutdown(Clock::time_point deadline);
  const ScoreCounters &counters() const { return counters_; }
  uint64_t queued() const;
  const std::string &url() const { return url_; }

  // fork(): the lock is held across it; the child starts empty, with zeroed
  // counters and no worker (started on its first score).
  void fork_prepare();
  void fork_parent();
  void fork_child();

 private:
  ScoreExporter(const ExportConfig &config, std::string url, const Logger &logger);
  void ensure_worker_locked();
  bool batch_ready(Clock::time_point now) const;
  void run();
  void deliver(std::vector<Score> &batch);

  ExportConfig config_;
  std::string url_;
  HeaderList headers_;
  Logger logger_;
  RetryPolicy retry_;
  HttpSession session_;  // the worker's

  mutable std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<std::pair<Score, Clock::time_point>> queue_;
  uint64_t accepted_seq_ = 0, completed_seq_ = 0, flush_target_ = 0;
  bool stopping_ = false, exited_ = false;
  std::atomic<bool> abort_{false};
  std::thread worker_;
  ScoreCounters counters_;
};

}  // namespace sigil::detail
