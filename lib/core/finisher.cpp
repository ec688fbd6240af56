#include "core/finisher.h"

#include <algorithm>
#include <new>
#include <system_error>

namespace sigil::detail {

namespace {
// Finished tasks kept for a submitting thread to free: enough for the
// records finished between two submits of a busy caller, little memory.
constexpr size_t kMaxDone = 64;
constexpr size_t kMaxDoneBytes = 4u << 20;
// How long an idle finisher keeps them before freeing them itself.
constexpr std::chrono::milliseconds kDoneLinger{100};
// How long the thread waits for more work, without asking to be woken, before it sleeps.
constexpr std::chrono::milliseconds kDoze{1};
}  // namespace

Finisher::Finisher(size_t max_items, size_t max_bytes)
    : max_items_(max_items), max_bytes_(max_bytes), wake_backlog_(std::clamp<size_t>(max_items / 4, 1, 64)) {}

Finisher::~Finisher() { shutdown(Clock::now()); }

bool Finisher::accepts_locked(size_t bytes) const {
  return !stopping_ && queue_.size() < max_items_ && queue_bytes_ + bytes <= max_bytes_;
}

bool Finisher::ensure_thread_locked() {
  if (thread_.joinable()) return true;
  try {
    exited_ = false;
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error &) {
    exited_ = true;
    return false;  // the caller finishes its record itself
  }
  return true;
}

FinisherTask *Finisher::push_locked(std::unique_ptr<FinisherTask> &task, std::unique_lock<std::mutex> &lock) {
  queue_bytes_ += task->bytes;
  queue_.push_back(std::move(task));
  ++queued_seq_;
  FinisherTask *done = take_done_locked();
  // Waking a waiting thread is a system call (8.4 us measured on a VM): only
  // when it sleeps, or dozes with a backlog worth waking for.
  const bool wake = state_ == State::kAsleep || (state_ == State::kDozing && queue_.size() >= wake_backlog_);
  if (wake) ++wakeups_;
  lock.unlock();
  if (wake) work_cv_.notify_one();
  return done;
}

FinisherTask *Finisher::take_done_locked() {
  FinisherTask *list = done_;
  done_ = nullptr;
  done_count_ = 0;
  done_bytes_ = 0;
  return list;
}

void Finisher::push_done_locked(FinisherTask *task) {
  task->next_done_ = done_;
  done_ = task;
  ++done_count_;
  done_bytes_ += task->bytes;
}

void Finisher::adopt(std::unique_ptr<FinisherTask> garbage) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_ || !thread_.joinable() || done_count_ >= kMaxDone || done_bytes_ + garbage->bytes > kMaxDoneBytes) {
    lock.unlock();
    garbage.reset();  // freed on this thread
    return;
  }
  push_done_locked(garbage.release());
  // A sleeping finisher frees the list after kDoneLinger once woken; a busy
  // or dozing one gets there by itself.
  const bool wake = state_ == State::kAsleep;
  lock.unlock();
  if (wake) work_cv_.notify_one();
}

uint64_t Finisher::wakeups() {
  std::lock_guard<std::mutex> lock(mu_);
  return wakeups_;
}

void Finisher::free_tasks(FinisherTask *list) {
  while (list != nullptr) {
    FinisherTask *next = list->next_done_;
    delete list;
    list = next;
  }
}

void Finisher::run() {
  thread_id_.store(std::this_thread::get_id());
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (abort_) break;
    if (queue_.empty()) {
      if (stopping_) break;
      if (state_ == State::kBusy) {
        // Doze first: records arriving within kDoze are picked up without
        // their callers paying for a wake-up.
        state_ = State::kDozing;
        work_cv_.wait_for(lock, kDoze);
        if (!queue_.empty() || stopping_ || abort_) {
          state_ = State::kBusy;
          continue;
        }
      }
      state_ = State::kAsleep;  // from now on a submit wakes the thread
      if (done_ == nullptr) {
        work_cv_.wait(lock);
      } else if (work_cv_.wait_for(lock, kDoneLinger) == std::cv_status::timeout && queue_.empty()) {
        // No submit came to take the finished tasks: free them here.
        FinisherTask *done = take_done_locked();
        lock.unlock();
        free_tasks(done);
        lock.lock();
        continue;  // still asleep: wait without a timeout
      }
      state_ = State::kBusy;
      continue;
    }
    std::unique_ptr<FinisherTask> task = std::move(queue_.front());
    queue_.pop_front();
    queue_bytes_ -= task->bytes;
    lock.unlock();
    try {
      task->finish();
    } catch (...) {  // out of memory while finishing: the record is lost, the thread is not
    }
    lock.lock();
    if (done_count_ >= kMaxDone || done_bytes_ >= kMaxDoneBytes) {  // nobody is submitting: free them here
      FinisherTask *overflow = take_done_locked();
      lock.unlock();
      free_tasks(overflow);
      lock.lock();
    }
    push_done_locked(task.release());
    ++finished_seq_;
    if (waiters_ > 0) done_cv_.notify_all();
  }
  exited_ = true;
  done_cv_.notify_all();
}

uint64_t Finisher::drain(Clock::time_point deadline) {
  if (on_finisher_thread()) return 0;
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = queued_seq_;
  if (finished_seq_ >= target) return 0;
  if (state_ != State::kBusy) work_cv_.notify_one();  // a dozing thread may hold queued tasks
  ++waiters_;
  auto done = [&] { return finished_seq_ >= target; };
  if (deadline == Clock::time_point::max()) {
    done_cv_.wait(lock, done);
  } else {
    done_cv_.wait_until(lock, deadline, done);
  }
  --waiters_;
  return finished_seq_ >= target ? 0 : target - finished_seq_;
}

uint64_t Finisher::shutdown(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return 0;
  stopping_ = true;
  if (!thread_.joinable()) return 0;  // never started: nothing was queued
  work_cv_.notify_one();
  ++waiters_;
  if (!done_cv_.wait_until(lock, deadline, [&] { return exited_; })) {
    abort_ = true;
    work_cv_.notify_one();
  }
  --waiters_;
  lock.unlock();
  thread_.join();
  lock.lock();
  std::deque<std::unique_ptr<FinisherTask>> rest = std::move(queue_);
  queue_.clear();
  queue_bytes_ = 0;
  FinisherTask *done = take_done_locked();
  lock.unlock();
  free_tasks(done);
  for (auto &task : rest) task->abandon();
  const uint64_t abandoned = rest.size();
  rest.clear();
  lock.lock();
  finished_seq_ += abandoned;
  done_cv_.notify_all();
  return abandoned;
}

void Finisher::fork_prepare() { mu_.lock(); }

void Finisher::fork_parent() { mu_.unlock(); }

void Finisher::fork_child() {
  // Only the forking thread exists now. The parent's thread, and the task it
  // had in progress, stayed in the parent, which finishes every queued task:
  // the child's copies are discarded without accounting, the std::thread is
  // overwritten (never joined or detached) and the condition variables,
  // whose waiters did not come along, start fresh.
  new (&thread_) std::thread();
  new (&work_cv_) std::condition_variable();
  new (&done_cv_) std::condition_variable();
  thread_id_.store(std::thread::id());
  queue_.clear();
  queue_bytes_ = 0;
  free_tasks(take_done_locked());
  queued_seq_ = finished_seq_ = 0;
  waiters_ = 0;
  state_ = State::kBusy;
  exited_ = true;
  mu_.unlock();
}

}  // namespace sigil::detail
