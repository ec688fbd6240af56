// W3C ids, traceparent parsing, and id uniqueness across fork().
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "base/random_ids.h"
#include "telemetry/trace_context.h"

using namespace sigil::detail;

TEST(Ids, ShapesAndUniqueness) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string t = new_trace_id(), s = new_span_id(), g = new_generation_id();
    EXPECT_EQ(t.size(), 32u);
    EXPECT_EQ(s.size(), 16u);
    EXPECT_EQ(g.size(), 20u);
    EXPECT_EQ(g.rfind("gen_", 0), 0u);
    EXPECT_TRUE(seen.insert(g).second);
  }
}

TEST(Ids, Traceparent) {
  std::string t, s;
  bool sampled = false;
  ASSERT_TRUE(parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", t, s, sampled));
  EXPECT_TRUE(sampled);
  ASSERT_TRUE(parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00", t, s, sampled));
  EXPECT_FALSE(sampled);
  char tp[kTraceparentSize];
  ASSERT_TRUE(format_traceparent(t, s, true, tp, sizeof tp));
  EXPECT_STREQ(tp, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  EXPECT_FALSE(format_traceparent(t, s, true, tp, sizeof tp - 1));
  EXPECT_FALSE(format_traceparent(t.substr(1), s, true, tp, sizeof tp));
  for (const char *bad : {"", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
                          "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                          "00-00000000000000000000000000000000-b7ad6b7169203331-01",
                          "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
                          "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
                          "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra"}) {
    EXPECT_FALSE(parse_traceparent(bad, t, s, sampled)) << bad;
  }
  EXPECT_TRUE(parse_traceparent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-future", t, s, sampled));
}

TEST(Ids, ForkedChildDrawsDifferentIds) {
  (void)new_span_id();  // seed this thread's generator in the parent first
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string id = new_span_id();
    ssize_t n = write(fds[1], id.data(), id.size());
    _exit(n == 16 ? 0 : 1);
  }
  std::string parent_id = new_span_id();
  char buf[16];
  ASSERT_EQ(read(fds[0], buf, sizeof buf), 16);
  int status = 0;
  waitpid(pid, &status, 0);
  close(fds[0]);
  close(fds[1]);
  EXPECT_NE(std::string(buf, 16), parent_id);
}
