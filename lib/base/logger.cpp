#include "base/logger.h"

#include <cstdio>

namespace sigil::detail {

void Logger::log(uint32_t level, std::string_view message) const {
  if (level == SIGIL_LOG_DEBUG && !debug_) return;
  if (fn_ != nullptr) {
    fn_(user_data_, level, message.data(), message.size());
    return;
  }
  if (!debug_) return;
  static const char *const names[] = {"debug", "info", "warn", "error"};
  std::fprintf(stderr, "sigil %s: %.*s\n", names[level > 3 ? 3 : level], static_cast<int>(message.size()),
               message.data());
}

}  // namespace sigil::detail
