// The export queue and worker, driven through scripted in-memory transports
// (the network paths are covered by the integration tests); the spool is real.
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>

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

// Delivered generations are handed to the recycler (the client's finisher,
// so that a recording thread frees them), each exactly once, with the bytes
// they were queued with; a flush returns after they were handed over.
TEST(Exporter, DeliveredGenerationsGoToTheRecycler) {
  std::mutex mu;
  std::vector<std::string> recycled;
  size_t recycled_bytes = 0;
  Exporter ex(fast_config(), std::make_unique<ScriptedTransport>(), Logger());
  ex.set_recycler([&](std::vector<Generation> &&generations, size_t bytes) {
    std::lock_guard<std::mutex> lock(mu);
    for (const Generation &g : generations) recycled.push_back(g.id);
    recycled_bytes += bytes;
  });
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(ex.enqueue(gen("g" + std::to_string(i)), 100).is_ok());
  ASSERT_TRUE(ex.flush(soon()).is_ok());
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(recycled.size(), 25u);
  std::sort(recycled.begin(), recycled.end());
  EXPECT_EQ(std::unique(recycled.begin(), recycled.end()), recycled.end());
  EXPECT_EQ(recycled_bytes, 2500u);
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

TEST(Exporter, ReplayBackoffDoublesAndIsCappedAtAFewSeconds) {
  EXPECT_EQ(next_replay_backoff_ms(0, 100, 5000), 100);
  EXPECT_EQ(next_replay_backoff_ms(100, 100, 5000), 200);
  EXPECT_EQ(next_replay_backoff_ms(3200, 100, 5000), 5000);
  EXPECT_EQ(next_replay_backoff_ms(5000, 100, 5000), 5000);
  // A long live-retry backoff does not slow the replay probe beyond the cap.
  int64_t d = 0;
  for (int i = 0; i < 20; ++i) d = next_replay_backoff_ms(d, 100, 60000);
  EXPECT_EQ(d, kReplayProbeMaxMs);
  EXPECT_EQ(next_replay_backoff_ms(0, 20, 200), 20);
  EXPECT_EQ(next_replay_backoff_ms(160, 20, 200), 200);
  EXPECT_EQ(next_replay_backoff_ms(0, 0, 0), 1);
}

namespace {

// Holds every send until opened, like a backend that stalls; then accepts.
class GatedTransport : public GenerationTransport {
 public:
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  std::vector<std::string> sent_ids;

  Status encode(const std::vector<const Generation *> &batch, std::string &payload) override {
    for (const Generation *g : batch) payload += g->id + ";";
    return Status::ok();
  }
  AttemptResult send(const std::string &payload, uint32_t, const std::atomic<bool> &cancel) override {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return open || cancel.load(); });
    AttemptResult r;
    if (!open) {
      r.outcome = AttemptResult::Outcome::kRetryable;
      return r;
    }
    size_t start = 0;
    for (size_t semi; (semi = payload.find(';', start)) != std::string::npos; start = semi + 1) {
      sent_ids.push_back(payload.substr(start, semi - start));
    }
    r.outcome = AttemptResult::Outcome::kAccepted;
    return r;
  }
  void let_through() {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
    cv.notify_all();
  }
  size_t sent() {
    std::lock_guard<std::mutex> lock(mu);
    return sent_ids.size();
  }
  const char *name() const override { return "gated"; }
};

std::unique_ptr<Spool> temp_spool(std::string &dir, uint64_t max_bytes = 1ull << 30) {
  char tmpl[] = "/tmp/sigil-exporter-unit-XXXXXX";
  dir = std::string(mkdtemp(tmpl));
  SpoolConfig c;
  c.dir = dir + "/spool";
  c.max_bytes = max_bytes;
  c.sync = SpoolSync::kBatch;
  return std::move(Spool::open(c, Logger()).value());
}

}  // namespace

// The queue is full while the backend stalls: with a spool, records go to
// disk on the caller's thread instead of being dropped, and are replayed
// once the backend answers; nothing is lost or sent twice.
TEST(Exporter, QueueOverflowIsSpooledAndReplayed) {
  auto *t = new GatedTransport;
  ExportConfig c = fast_config();
  c.queue_size = 5;
  c.batch_size = 5;
  std::string dir;
  Exporter ex(c, std::unique_ptr<GenerationTransport>(t), Logger(), temp_spool(dir));
  constexpr int kRecords = 40;
  for (int i = 0; i < kRecords; ++i) {
    ASSERT_TRUE(ex.enqueue(gen("g" + std::to_string(i)), 100).is_ok()) << i;
  }
  const uint64_t spooled = ex.counters().spooled.load();
  // One batch is with the stalled transport, at most one queue's worth waits.
  EXPECT_GE(spooled, uint64_t(kRecords - 2 * 5));
  EXPECT_EQ(ex.counters().enqueued.load() + spooled, uint64_t(kRecords));
  EXPECT_EQ(drops_total(ex.counters()), 0u);
  t->let_through();
  ASSERT_TRUE(ex.flush(soon()).is_ok());
  for (int i = 0; i < 1000 && ex.counters().replayed.load() < spooled; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(ex.counters().replayed.load(), spooled);
  EXPECT_EQ(ex.counters().exported.load() + ex.counters().replayed.load(), uint64_t(kRecords));
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock(t->mu);
    ids = t->sent_ids;
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end()) << "a record was sent twice";
  EXPECT_EQ(ids.size(), size_t(kRecords));
  std::system(("rm -rf '" + dir + "'").c_str());
}

// The byte budget, too, overflows into the spool; a record the spool's own
// budget refuses is dropped as spool_full with the queue's status.
TEST(Exporter, OverflowBeyondTheSpoolBudgetIsDroppedAsSpoolFull) {
  auto *t = new GatedTransport;
  ExportConfig c = fast_config();
  c.queue_max_bytes = 250;
  c.batch_size = 100;
  std::string dir;
  Exporter ex(c, std::unique_ptr<GenerationTransport>(t), Logger(), temp_spool(dir, 8 + 3 * 30));
  ASSERT_TRUE(ex.enqueue(gen("a"), 200).is_ok());  // queued
  int spooled = 0, refused = 0;
  for (int i = 0; i < 10; ++i) {
    Status st = ex.enqueue(gen("b" + std::to_string(i)), 200);
    if (st.is_ok()) {
      ++spooled;
    } else {
      EXPECT_EQ(st.code(), SIGIL_E_BYTE_BUDGET);
      EXPECT_NE(st.message().find("spool_full"), std::string::npos) << st.message();
      ++refused;
    }
  }
  EXPECT_GT(spooled, 0);
  EXPECT_GT(refused, 0);
  EXPECT_EQ(ex.counters().spooled.load(), uint64_t(spooled));
  EXPECT_EQ(ex.counters().dropped_spool_full.load(), uint64_t(refused));
  EXPECT_EQ(ex.counters().dropped_byte_budget.load(), 0u);
  t->let_through();
  ASSERT_TRUE(ex.shutdown(soon()).is_ok());
  std::system(("rm -rf '" + dir + "'").c_str());
}
