// Background diagnostics: to the host's callback when it registered one,
// else to stderr when debugging is on. Never throws.
#pragma once

#include <string_view>

#include "sigil/sigil.h"

namespace sigil::detail {

class Logger {
 public:
  Logger() = default;
  Logger(sigil_log_fn fn, void *user_data, bool debug) : fn_(fn), user_data_(user_data), debug_(debug) {}

  void log(uint32_t level, std::string_view message) const;
  void debug(std::string_view m) const { log(SIGIL_LOG_DEBUG, m); }
  void info(std::string_view m) const { log(SIGIL_LOG_INFO, m); }
  void warn(std::string_view m) const { log(SIGIL_LOG_WARN, m); }
  void error(std::string_view m) const { log(SIGIL_LOG_ERROR, m); }

 private:
  sigil_log_fn fn_ = nullptr;
  void *user_data_ = nullptr;
  bool debug_ = false;
};

}  // namespace sigil::detail
