#include "core/error_category.h"

#include "base/strings.h"

namespace sigil::detail {

namespace {

bool word_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

int32_t status_in_message(std::string_view m) {
  for (size_t i = 0; i + 3 <= m.size(); ++i) {
    if (m[i] < '1' || m[i] > '5' || m[i + 1] < '0' || m[i + 1] > '9' || m[i + 2] < '0' || m[i + 2] > '9') continue;
    if (i > 0 && word_char(m[i - 1])) continue;
    if (i + 3 < m.size() && word_char(m[i + 3])) continue;
    return (m[i] - '0') * 100 + (m[i + 1] - '0') * 10 + (m[i + 2] - '0');
  }
  return 0;
}

bool mentions_timeout(std::string_view m) {
  std::string lower = to_lower(m);
  return lower.find("deadline exceeded") != std::string::npos || lower.find("timed out") != std::string::npos ||
         lower.find("timeout") != std::string::npos || lower.find("context canceled") != std::string::npos;
}

}  // namespace

const char *classify_error_category(int32_t http_status, std::string_view message) {
  int32_t status = (http_status >= 100 && http_status <= 599) ? http_status : status_in_message(message);
  if (status == 0 && mentions_timeout(message)) return "timeout";
  if (status == 429) return "rate_limit";
  if (status == 401 || status == 403) return "auth_error";
  if (status == 408) return "timeout";
  if (status >= 500 && status <= 599) return "server_error";
  if (status >= 400 && status <= 499) return "client_error";
  return "sdk_error";
}

}  // namespace sigil::detail
