#include "export/retry_policy.h"

#include <curl/curl.h>

#include <algorithm>
#include <string>

#include "base/saturating.h"
#include "base/strings.h"
#include "base/random_ids.h"

namespace sigil::detail {

int64_t RetryPolicy::backoff_ms(uint32_t retry) const {
  if (retry == 0) retry = 1;
  uint64_t step = initial_ms_;
  for (uint32_t i = 1; i < retry && step < max_ms_; ++i) step *= 2;
  step = std::min<uint64_t>(step, max_ms_);
  uint64_t half = step / 2;
  uint64_t jitter = half == 0 ? 0 : random_u64() % (step - half + 1);
  return static_cast<int64_t>(half + jitter);
}

int64_t RetryPolicy::retry_after_ms(int64_t requested_ms) const {
  int64_t cap = std::max<int64_t>(int64_t(max_ms_) * 4, 30000);
  return std::clamp<int64_t>(requested_ms, 0, cap);
}

bool http_status_retryable(long status) {
  if (status == 408 || status == 429) return true;
  return status >= 500 && status <= 599 && status != 501 && status != 505;
}

int64_t parse_retry_after_ms(std::string_view value, int64_t now_unix_s) {
  std::string v = trim(value);
  if (v.empty()) return -1;
  // Any delay this long is capped by RetryPolicy::retry_after_ms anyway; the
  // bound only keeps the arithmetic below in range.
  constexpr int64_t kLongestSeconds = int64_t(1) << 40;
  bool digits = std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  int64_t seconds;
  if (digits) {
    size_t first = v.find_first_not_of('0');
    seconds = first == std::string::npos ? 0
              : v.size() - first > 12    ? kLongestSeconds
                                         : std::min<int64_t>(std::stoll(v.substr(first)), kLongestSeconds);
  } else {
    time_t when = curl_getdate(v.c_str(), nullptr);
    if (when < 0) return -1;
    seconds = std::clamp<int64_t>(saturating_sub(int64_t(when), now_unix_s), 0, kLongestSeconds);
  }
  return seconds * 1000;
}

}  // namespace sigil::detail
