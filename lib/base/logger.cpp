#include "base/logger.h"

#include <chrono>
#include <cstdio>
#include <mutex>

namespace sigil::detail {

// Fixed windows: the first kStderrBurst lines of a window are written, the
// rest counted; the first line of a later window says how many were held.
struct Logger::StderrLimit {
  std::mutex mu;
  int64_t window_start_ms = 0;
  uint32_t written = 0;
  uint64_t held = 0;
};

Logger::Logger(sigil_log_fn fn, void *user_data, bool debug)
    : fn_(fn),
      user_data_(user_data),
      debug_(debug),
      stderr_(fn == nullptr ? std::make_shared<StderrLimit>() : nullptr) {}

void Logger::log(uint32_t level, std::string_view message, bool never_hold) const {
  if (level == SIGIL_LOG_DEBUG && !debug_) return;
  if (fn_ != nullptr) {
    fn_(user_data_, level, message.data(), message.size());
    return;
  }
  if (!stderr_) return;
  // Info and debug lines only when debugging; warnings and errors always.
  if (level < SIGIL_LOG_WARN && !debug_) return;
  static const char *const names[] = {"debug", "info", "warn", "error"};
  const char *name = names[level > 3 ? 3 : level];
  uint64_t held_before = 0;
  {
    std::lock_guard<std::mutex> lock(stderr_->mu);
    const int64_t now =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
    if (stderr_->written == 0 || now - stderr_->window_start_ms >= kStderrWindowMs) {
      stderr_->window_start_ms = now;
      stderr_->written = 0;
      held_before = stderr_->held;
      stderr_->held = 0;
    } else if (never_hold) {
      held_before = stderr_->held;
      stderr_->held = 0;
    }
    // Debug output is asked for: never held back.
    if (!never_hold && !debug_ && stderr_->written >= kStderrBurst) {
      stderr_->held++;
      return;
    }
    stderr_->written++;
  }
  if (held_before > 0) {
    std::fprintf(stderr,
                 "sigil warn: %llu more warnings were held back (at most %u a minute go to stderr; set a logger, or "
                 "SIGIL_DEBUG=1, to see all)\n",
                 static_cast<unsigned long long>(held_before), static_cast<unsigned>(kStderrBurst));
  }
  std::fprintf(stderr, "sigil %s: %.*s\n", name, static_cast<int>(message.size()), message.data());
}

}  // namespace sigil::detail
