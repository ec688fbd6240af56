// The default diagnostics: without a logger, warnings reach stderr, limited
// per client, and the shutdown accounts are never held back.
#include <gtest/gtest.h>

#include <string>

#include "base/logger.h"

using sigil::detail::Logger;

namespace {

size_t count(const std::string &text, const std::string &part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) n++;
  return n;
}

}  // namespace

TEST(Logger, WarningsReachStderrWithoutALogger) {
  Logger logger(nullptr, nullptr, false);
  testing::internal::CaptureStderr();
  logger.warn("the backend refused 3 generations");
  logger.error("spool: disk full");
  logger.info("an info line");
  logger.debug("a debug line");
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find("sigil warn: the backend refused 3 generations\n"), std::string::npos);
  EXPECT_NE(out.find("sigil error: spool: disk full\n"), std::string::npos);
  EXPECT_EQ(out.find("info line"), std::string::npos);
  EXPECT_EQ(out.find("debug line"), std::string::npos);
}

TEST(Logger, StderrIsLimitedAndTheSummaryIsNeverHeldBack) {
  Logger logger(nullptr, nullptr, false);
  Logger copy = logger;  // copies of a client's logger share the limit
  testing::internal::CaptureStderr();
  for (int i = 0; i < 25; i++) (i % 2 ? copy : logger).warn("retrying attempt " + std::to_string(i));
  logger.summary("generation export finished: 0 exported, 40 dropped");
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(count(out, "retrying attempt"), Logger::kStderrBurst);
  EXPECT_NE(out.find("15 more warnings were held back"), std::string::npos);
  EXPECT_NE(out.find("sigil warn: generation export finished: 0 exported, 40 dropped"), std::string::npos);
}

TEST(Logger, DebugShowsEverythingAndACallbackGetsEverything) {
  Logger debug(nullptr, nullptr, true);
  testing::internal::CaptureStderr();
  for (int i = 0; i < 25; i++) debug.warn("line");
  debug.debug("a debug line");
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(count(out, "sigil warn: line\n"), 25u);
  EXPECT_NE(out.find("sigil debug: a debug line"), std::string::npos);

  int seen = 0;
  Logger cb([](void *u, uint32_t, const char *, size_t) { ++*static_cast<int *>(u); }, &seen, false);
  testing::internal::CaptureStderr();
  for (int i = 0; i < 25; i++) cb.warn("line");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(seen, 25);
}

TEST(Logger, ADefaultConstructedLoggerIsSilent) {
  Logger silent;
  testing::internal::CaptureStderr();
  silent.warn("nobody hears this");
  silent.summary("nor this");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}
