// The export queue and worker, driven through a scripted in-memory transport
// (the network paths are covered by the integration tests).
#include <gtest/gtest.h>

#include <deque>
#include <mutex>

#include "export/exporter.h"

using namespace sigil::detail;

namespace {

class ScriptedTransport : public GenerationTransport {
 public:
  std::mutex mu;
  std::deque<AttemptResult> script;
  std::vector<size_t> batch_sizes;
  int sends = 0;

  Status encode(const std::vector<const Generation *> &batch, std::string &payload) override {
    std::lock_guard<std::mutex> lock(mu);
    batch_sizes.push_back(batch.size());
    for (const Generation *g : batch) payload += g->id + ";";
    return Status::ok();
  }
  AttemptResult send(const std::string &, uint32_t, const std::atomic<bool> &) override {
    std::lock_guard<std::mutex> lock(mu);
    ++sends;
    if (script.empty()) {
      AttemptResult ok;
      ok.outcome = AttemptResult::Outcome::kAccepted;
      return ok;
    }
    AttemptResult r = script.front();
    script.pop_front();
    return r;
  }
  const char *name() const override { return "scripted"; }
};

AttemptResult retryable(int64_t retry_after = -1) {
  AttemptResult r;
  r.outcome = AttemptResult::Outcome::kRetryable;
  r.retry_after_ms = retry_after;
  r.message = "503";
  return r;
}

Generation gen(const std::string &id) {
  Generation g;
  g.id = id;
  return g;
}

ExportConfig fast_config() {
  ExportConfig c;
  c.batch_size = 10;
  c.flush_interval_ms = 60000;  // only flush/size trigger sends in these tests
  c.initial_backoff_ms = 1;
  c.max_backoff_ms = 2;
  return c;
}

auto soon() { return Exporter::Clock::now() + std::chrono::seconds(10); }

}  // namespace

TEST(Exporter, FlushDeliversEverythingQueuedBefore) {
  auto *t = new ScriptedTransport;
  Exporter ex(fast_config(), std::unique_ptr<GenerationTransport>(t), Logger());
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(ex.enqueue(gen("g" + std::to_string(i)), 100).is_ok());
  ASSERT_TRUE(ex.flush(soon()).is_ok());
  EXPECT_EQ(ex.counters().exported.load(), 25u);
  size_t total = 0;
  for (size_t s : t->batch_sizes) {
    EXPECT_LE(s, 10u);
    total += s;
  }
  EXPECT_EQ(total, 25u);
}

TEST(Exporter, QueueIsBoundedByItemsAndBytes) {
  ExportConfig c = fast_config();
  c.queue_size = 3;
  c.queue_max_bytes = 1000;
  c.batch_size = 100;
  Exporter ex(c, std::make_unique<ScriptedTransport>(), Logger());
  ASSERT_TRUE(ex.enqueue(gen("a"), 400).is_ok());
  ASSERT_TRUE(ex.enqueue(gen("b"), 400).is_ok());
  EXPECT_EQ(ex.enqueue(gen("c"), 400).code(), SIGIL_E_BYTE_BUDGET);
  ASSERT_TRUE(ex.enqueue(gen("d"), 100).is_ok());
  EXPECT_EQ(ex.enqueue(gen("e"), 1).code(), SIGIL_E_QUEUE_FULL);
  EXPECT_EQ(ex.counters().dropped_byte_budget.load(), 1u);
  EXPECT_EQ(ex.counters().dropped_queue_full.load(), 1u);
  ASSERT_TRUE(ex.flush(soon()).is_ok());
  EXPECT_EQ(ex.counters().exported.load(), 3u);
}

TEST(Exporter, RetriesThenSucceedsAndHonoursRetryAfter) {
  auto *t = new ScriptedTransport;
  t->script = {retryable(), retryable(5)};
  Exporter ex(fast_config(), std::unique_ptr<GenerationTransport>(t), Logger());
  ASSERT_TRUE(ex.enqueue(gen("g"), 10).is_ok());
  auto before = std::chrono::steady_clock::now();
  ASSERT_TRUE(ex.flush(soon()).is_ok());
  EXPECT_GE(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(5));
  EXPECT_EQ(t->sends, 3);
  EXPECT_EQ(ex.counters().exported.load(), 1u);
  EXPECT_EQ(ex.counters().retries.load(), 2u);
}

TEST(Exporter, RejectionsAreNotRetriedAndPerItemResultsCount) {
  auto *t = new ScriptedTransport;
  AttemptResult rejected;
  rejected.outcome = AttemptResult::Outcome::kRejected;
  AttemptResult partial;
  partial.outcome = AttemptResult::Outcome::kAccepted;
  partial.items = {{"a", true, ""}, {"b", false, "bad"}};
  t->script = {rejected, partial};
  Exporter ex(fast_config(), std::unique_ptr<GenerationTransport>(t), Logger());
  ASSERT_TRUE(ex.enqueue(gen("x"), 10).is_ok());
  ASSERT_TRUE(ex.flush(soon()).is_ok());
  ASSERT_TRUE(ex.enqueue(gen("a"), 10).is_ok());
  ASSERT_TRUE(ex.enqueue(gen("b"), 10).is_ok());
  ASSERT_TRUE(ex.flush(soon()).is_ok());
  EXPECT_EQ(t->sends, 2);
  EXPECT_EQ(ex.counters().rejected.load(), 2u);
  EXPECT_EQ(ex.counters().exported.load(), 1u);
}

TEST(Exporter, RetryBudgetExhaustionIsCounted) {
  auto *t = new ScriptedTransport;
  ExportConfig c = fast_config();
  c.max_retries = 2;
  t->script = {retryable(), retryable(), retryable(), retryable()};
  Exporter ex(c, std::unique_ptr<GenerationTransport>(t), Logger());
  ASSERT_TRUE(ex.enqueue(gen("g"), 10).is_ok());
  ASSERT_TRUE(ex.flush(soon()).is_ok());
  EXPECT_EQ(t->sends, 3);
  EXPECT_EQ(ex.counters().dropped_retry_exhausted.load(), 1u);
}

TEST(Exporter, ShutdownDeadlineDropsAndCountsTheRest) {
  auto *t = new ScriptedTransport;
  ExportConfig c = fast_config();
  c.initial_backoff_ms = 60000;
  c.max_backoff_ms = 60000;
  t->script = {retryable()};
  Exporter ex(c, std::unique_ptr<GenerationTransport>(t), Logger());
  for (int i = 0; i < 15; ++i) ASSERT_TRUE(ex.enqueue(gen("g" + std::to_string(i)), 10).is_ok());
  Status st = ex.shutdown(Exporter::Clock::now() + std::chrono::milliseconds(200));
  EXPECT_EQ(st.code(), SIGIL_E_TIMEOUT);
  EXPECT_EQ(ex.counters().dropped_shutdown_timeout.load() + ex.counters().exported.load(), 15u);
  EXPECT_GE(ex.counters().dropped_shutdown_timeout.load(), 10u);
  EXPECT_EQ(ex.enqueue(gen("late"), 10).code(), SIGIL_E_SHUTDOWN);
}

TEST(Exporter, IntervalTriggersASendWithoutFlush) {
  auto *t = new ScriptedTransport;
  ExportConfig c = fast_config();
  c.flush_interval_ms = 20;
  Exporter ex(c, std::unique_ptr<GenerationTransport>(t), Logger());
  ASSERT_TRUE(ex.enqueue(gen("g"), 10).is_ok());
  for (int i = 0; i < 500 && ex.counters().exported.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(ex.counters().exported.load(), 1u);
}
