// Exponential backoff with jitter, and which outcomes are worth retrying.
#pragma once

#include <cstdint>
#include <string_view>

namespace sigil::detail {

class RetryPolicy {
 public:
  RetryPolicy(uint32_t max_retries, uint32_t initial_ms, uint32_t max_ms)
      : max_retries_(max_retries), initial_ms_(initial_ms), max_ms_(max_ms) {}

  uint32_t max_retries() const { return max_retries_; }
  // Delay before retry number `retry` (1 = first retry): the capped
  // exponential step, jittered uniformly into [step/2, step].
  int64_t backoff_ms(uint32_t retry) const;
  // A server-requested delay wins, bounded so one answer cannot stall the
  // worker for long (at most max(4 x max backoff, 30 s)).
  int64_t retry_after_ms(int64_t requested_ms) const;

 private:
  uint32_t max_retries_, initial_ms_, max_ms_;
};

// HTTP statuses worth retrying: 408, 429, and 5xx except 501 and 505.
bool http_status_retryable(long status);
// Retry-After: delta-seconds or an HTTP-date; -1 when absent or malformed.
int64_t parse_retry_after_ms(std::string_view value, int64_t now_unix_s);

}  // namespace sigil::detail
