// The attempts of one batch: send, and after a retryable failure wait the
// backoff (or the server's Retry-After) and send again, within the retry
// budget. The generation exporter and the score exporter both deliver
// through it, so retries behave and are counted the same way for both.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "base/logger.h"
#include "export/export_result.h"
#include "export/retry_policy.h"

namespace sigil::detail {

struct RetryLoopEnd {
  enum class Kind {
    kAccepted,   // the last attempt went through (see last.items)
    kRejected,   // the server refused the request as a whole
    kExhausted,  // retryable failures until the budget ran out
    kAborted,    // `abort` was set (shutdown deadline) before an answer
  };
  Kind kind = Kind::kAborted;
  AttemptResult last;     // the last attempt's result (empty when aborted first)
  uint32_t attempts = 0;  // attempts made
};

struct RetryLoopCounters {
  std::atomic<uint64_t> &attempts;
  std::atomic<uint64_t> &retries;
};

// Calls `attempt` until it is accepted or rejected, the policy's retries are
// spent, or `abort` is set; between attempts calls `wait(delay_ms)`, which
// returns early when aborted. `what` names the records in the log lines
// ("generation", "score").
RetryLoopEnd send_with_retries(const RetryPolicy &policy, const std::atomic<bool> &abort,
                               const std::function<AttemptResult()> &attempt, const std::function<void(int64_t)> &wait,
                               RetryLoopCounters counters, const Logger &logger, const char *what);

}  // namespace sigil::detail
