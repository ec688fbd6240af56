// The finishing half of a record's end, off the caller's thread.
//
// A recorder's end call keeps on the caller's thread only what decides its
// return value (normalization, validation, the export queue's budget). The
// rest — the privacy pass, building and redacting the span, the GenAI
// metrics, handing the redacted generation to the exporter — is a task that
// one background thread per client runs in order. The hand-off queue is
// bounded by items and estimated bytes; a task that does not fit is finished
// by its caller, as is every task while a user callback whose thread matters
// (span callback, sanitizer) is configured. See docs/conventions.md.
//
// A finished task is freed by the next thread that submits one, not by the
// finisher thread. A record's memory is allocated by the recording thread;
// freed from another thread, glibc's allocator takes the owning arena's lock
// for each block while the recording thread takes it to allocate, and the
// two threads wait on each other (measured: caller median 8.9 -> 6.0 us on
// the record benchmark). Freed by its own kind of thread, the memory goes
// back to that thread's cache and serves the next record. The finisher frees
// them itself when more than kMaxDone (or kMaxDoneBytes) wait or when no
// submit comes for kDoneLinger. The exporter's worker hands its delivered
// batches over the same way (adopt).
//
// Waking a waiting thread costs its waker a system call (measured 8.4 us on
// the 2-core VM the benchmarks run on, more than a whole record). So when the queue runs dry
// the thread first dozes for kDoze, a timed wait that submits do not
// interrupt unless a backlog builds up; a steady stream of records is then
// picked up without any wake-up. Only after a quiet kDoze does it sleep and
// need waking. drain() and shutdown() always wake it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace sigil::detail {

// One record's deferred work. Exactly one of finish() and abandon() runs.
class FinisherTask {
 public:
  virtual ~FinisherTask() = default;
  virtual void finish() = 0;
  // The shutdown deadline passed first: give back what the task holds
  // (an export reservation) and count it as dropped.
  virtual void abandon() = 0;

  size_t bytes = 0;  // estimated memory held, for the hand-off queue's budget

 private:
  friend class Finisher;
  FinisherTask *next_done_ = nullptr;  // the finisher's list of finished tasks
};

class Finisher {
 public:
  using Clock = std::chrono::steady_clock;

  Finisher(size_t max_items, size_t max_bytes);
  ~Finisher();  // shutdown(now) if still running
  Finisher(const Finisher &) = delete;
  Finisher &operator=(const Finisher &) = delete;

  // Queues `task` for the finisher thread (started on first use) when the
  // finisher is running and the task fits. `admit` then runs under the
  // finisher's lock, just before the task is queued, and may still refuse it
  // (returns false); whatever it reserves is therefore handed over together
  // with the task (shutdown drains or abandons it). Returns whether the task
  // was queued; when not, `task` is untouched and the caller finishes it.
  template <typename Admit>
  bool submit(std::unique_ptr<FinisherTask> &task, Admit &&admit) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!accepts_locked(task->bytes) || !ensure_thread_locked() || !admit()) return false;
    free_tasks(push_locked(task, lock));  // outside the lock, on the submitting thread
    return true;
  }

  // Memory another background thread is done with (the exporter's delivered
  // generations) joins the finished tasks, to be freed by the next submitting
  // thread; it is freed here instead when the list is full or the finisher
  // has stopped. `garbage->bytes` counts against the list's byte bound.
  void adopt(std::unique_ptr<FinisherTask> garbage);

  // How many submits had to wake the thread (see the top of this file).
  uint64_t wakeups();

  // Whether the calling thread is the finisher thread.
  bool on_finisher_thread() const { return std::this_thread::get_id() == thread_id_.load(); }

  // Waits until every task queued before the call has finished, or until
  // `deadline`; returns how many of them are still pending (0: drained).
  // Returns 0 at once on the finisher thread itself (it cannot wait for
  // itself). Clock::time_point::max() waits without a deadline.
  uint64_t drain(Clock::time_point deadline);

  // Stops taking tasks, finishes the queued ones until `deadline`, abandons
  // the rest (after the task in progress) and joins the thread. Returns how
  // many were abandoned. Later calls return 0.
  uint64_t shutdown(Clock::time_point deadline);

  // fork() (core/fork_safety.h): the parent keeps its queue and thread; the
  // child starts with an empty queue and starts a thread on first use.
  void fork_prepare();
  void fork_parent();
  void fork_child();

 private:
  bool accepts_locked(size_t bytes) const;
  bool ensure_thread_locked();  // false if no thread can be started
  // Queues `task`, takes the finished tasks, unlocks and wakes the thread if
  // it waits. Returns the finished tasks for the caller to free.
  FinisherTask *push_locked(std::unique_ptr<FinisherTask> &task, std::unique_lock<std::mutex> &lock);
  FinisherTask *take_done_locked();
  void push_done_locked(FinisherTask *task);
  static void free_tasks(FinisherTask *list);
  void run();

  const size_t max_items_, max_bytes_;
  const size_t wake_backlog_;  // queued tasks that wake a dozing thread
  std::mutex mu_;
  std::condition_variable work_cv_;  // wakes the thread
  std::condition_variable done_cv_;  // wakes drain / shutdown
  std::deque<std::unique_ptr<FinisherTask>> queue_;
  size_t queue_bytes_ = 0;
  FinisherTask *done_ = nullptr;  // finished, not yet freed (see the top of this file)
  size_t done_count_ = 0;
  size_t done_bytes_ = 0;      // their `bytes`
  uint64_t queued_seq_ = 0;    // tasks ever queued
  uint64_t finished_seq_ = 0;  // tasks finished or abandoned
  uint64_t wakeups_ = 0;
  uint32_t waiters_ = 0;  // threads in drain / shutdown
  // kBusy: working (or about to look at the queue); kDozing: waits up to
  // kDoze for more work, woken only by a backlog of wake_backlog_, a drain or
  // a shutdown; kAsleep: waits until a submit wakes it.
  enum class State : uint8_t { kBusy, kDozing, kAsleep };
  State state_ = State::kBusy;
  bool stopping_ = false;  // shutdown: no new tasks
  bool abort_ = false;     // shutdown deadline passed: stop after the task in progress
  bool exited_ = false;
  std::atomic<std::thread::id> thread_id_{};
  std::thread thread_;
};

}  // namespace sigil::detail
