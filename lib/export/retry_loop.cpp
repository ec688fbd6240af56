#include "export/retry_loop.h"

#include <string>

namespace sigil::detail {

RetryLoopEnd send_with_retries(const RetryPolicy &policy, const std::atomic<bool> &abort,
                               const std::function<AttemptResult()> &attempt, const std::function<void(int64_t)> &wait,
                               RetryLoopCounters counters, const Logger &logger, const char *what) {
  RetryLoopEnd end;
  for (uint32_t n = 0;; ++n) {
    if (abort.load()) {
      end.kind = RetryLoopEnd::Kind::kAborted;
      return end;
    }
    counters.attempts.fetch_add(1, std::memory_order_relaxed);
    if (n > 0) counters.retries.fetch_add(1, std::memory_order_relaxed);
    end.attempts = n + 1;
    end.last = attempt();
    switch (end.last.outcome) {
      case AttemptResult::Outcome::kAccepted:
        end.kind = RetryLoopEnd::Kind::kAccepted;
        return end;
      case AttemptResult::Outcome::kRejected:
        end.kind = RetryLoopEnd::Kind::kRejected;
        return end;
      case AttemptResult::Outcome::kRetryable:
        break;
    }
    if (abort.load()) continue;  // reported as aborted at the top
    if (n >= policy.max_retries()) {
      end.kind = RetryLoopEnd::Kind::kExhausted;
      return end;
    }
    const AttemptResult &r = end.last;
    int64_t delay = r.retry_after_ms >= 0 ? policy.retry_after_ms(r.retry_after_ms) : policy.backoff_ms(n + 1);
    logger.warn(std::string(what) + " export attempt " + std::to_string(n + 1) + " failed, retrying in " +
                std::to_string(delay) + " ms: " + r.message);
    wait(delay);
  }
}

}  // namespace sigil::detail
