// Background diagnostics: to the host's callback when it registered one,
// else warnings and errors to stderr (at most kStderrBurst lines a minute per
// client, then one line saying how many were held back), and debug lines too
// when debugging is on. Never throws.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "sigil/sigil.h"

namespace sigil::detail {

class Logger {
 public:
  // Stderr lines a client writes per window before it holds them back.
  static constexpr uint32_t kStderrBurst = 10;
  static constexpr int64_t kStderrWindowMs = 60'000;

  // Silent: for components built without a client (tests, tools).
  Logger() = default;
  // A client's logger: the host's callback if given, else stderr.
  Logger(sigil_log_fn fn, void *user_data, bool debug);

  void log(uint32_t level, std::string_view message, bool never_hold = false) const;
  void debug(std::string_view m) const { log(SIGIL_LOG_DEBUG, m); }
  void info(std::string_view m) const { log(SIGIL_LOG_INFO, m); }
  void warn(std::string_view m) const { log(SIGIL_LOG_WARN, m); }
  void error(std::string_view m) const { log(SIGIL_LOG_ERROR, m); }
  // A warning never held back by the stderr limit: the one-line accounts a
  // client writes when it shuts down, which must reach the user.
  void summary(std::string_view m) const { log(SIGIL_LOG_WARN, m, true); }

 private:
  struct StderrLimit;
  sigil_log_fn fn_ = nullptr;
  void *user_data_ = nullptr;
  bool debug_ = false;
  // Shared by the copies of one client's logger; null when silent.
  std::shared_ptr<StderrLimit> stderr_;
};

}  // namespace sigil::detail
