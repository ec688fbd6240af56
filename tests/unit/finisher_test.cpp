// The finisher (records finished off the caller's thread) on its own, the
// export queue's reservations, and what the client guarantees around them:
// end still reports the queue's budget, stats and metrics right after end
// see the record, user callbacks run on the ending thread, shutdown drains
// or accounts, a forked child starts empty.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "core/client.h"
#include "core/embedding_recorder.h"
#include "core/generation_recorder.h"
#include "core/tool_execution_recorder.h"
#include "core/finisher.h"
#include "export/exporter.h"
#include "support/fork_skip.h"

using namespace sigil::detail;
using Clock = std::chrono::steady_clock;

namespace {

// A gate tasks can wait on, opened by the test.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  bool entered = false;
  void wait() {
    std::unique_lock<std::mutex> lock(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
  }
  void wait_entered() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return entered; });
  }
  void release() {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
    cv.notify_all();
  }
};

// Declared before the Finisher: tasks write to it when they are destroyed.
struct Counts {
  std::atomic<int> finished{0}, abandoned{0};
  std::mutex mu;
  std::vector<std::thread::id> freed_on;  // the thread each task was destroyed on
};

class CountingTask : public FinisherTask {
 public:
  CountingTask(Counts &c, Gate *gate = nullptr) : counts_(c), gate_(gate) {}
  ~CountingTask() override {
    std::lock_guard<std::mutex> lock(counts_.mu);
    counts_.freed_on.push_back(std::this_thread::get_id());
  }
  void finish() override {
    if (gate_ != nullptr) gate_->wait();
    counts_.finished.fetch_add(1);
  }
  void abandon() override { counts_.abandoned.fetch_add(1); }

 private:
  Counts &counts_;
  Gate *gate_;
};

bool submit(Finisher &f, Counts &c, Gate *gate = nullptr, size_t bytes = 0) {
  std::unique_ptr<FinisherTask> t = std::make_unique<CountingTask>(c, gate);
  t->bytes = bytes;
  return f.submit(t, [] { return true; });
}

Clock::time_point in_ms(int ms) { return Clock::now() + std::chrono::milliseconds(ms); }

}  // namespace

// ---- the finisher -------------------------------------------------------------------------

TEST(Finisher, DrainWaitsForEverythingQueuedBeforeIt) {
  Counts c;
  Finisher f(100, 1 << 20);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(submit(f, c));
  EXPECT_EQ(f.drain(Clock::time_point::max()), 0u);
  EXPECT_EQ(c.finished.load(), 50);
  EXPECT_EQ(f.shutdown(in_ms(1000)), 0u);
  EXPECT_EQ(c.abandoned.load(), 0);
}

// A record's memory is freed by a submitting thread, not the finisher
// (glibc arena contention, see core/finisher.h); an idle finisher frees it
// itself after a while, and the number kept waiting is bounded.
TEST(Finisher, FinishedTasksAreFreedByTheNextSubmitter) {
  Counts c;
  Finisher f(100, 1 << 20);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(submit(f, c));
  ASSERT_EQ(f.drain(Clock::time_point::max()), 0u);
  EXPECT_EQ(c.finished.load(), 10);
  ASSERT_TRUE(submit(f, c));  // takes the ten finished ones
  std::lock_guard<std::mutex> lock(c.mu);
  ASSERT_EQ(c.freed_on.size(), 10u);
  for (auto id : c.freed_on) EXPECT_EQ(id, std::this_thread::get_id());
}

TEST(Finisher, IdleFinisherFreesFinishedTasksItself) {
  Counts c;
  Finisher f(1000, 1 << 20);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(submit(f, c));
  ASSERT_EQ(f.drain(Clock::time_point::max()), 0u);
  const auto until = in_ms(5000);
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(c.mu);
      if (c.freed_on.size() == 10u || Clock::now() > until) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::lock_guard<std::mutex> lock(c.mu);
  ASSERT_EQ(c.freed_on.size(), 10u);
  // Tasks finished before a later submit were freed by this thread; the last
  // one, with no submit after it, only by the finisher.
  EXPECT_NE(c.freed_on.back(), std::this_thread::get_id());
}

TEST(Finisher, FinishedTasksWaitingForASubmitterAreBounded) {
  Counts c;
  Finisher f(1000, 1 << 20);
  Gate gate;
  ASSERT_TRUE(submit(f, c, &gate));
  gate.wait_entered();
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(submit(f, c));  // queued behind the held task
  gate.release();
  ASSERT_EQ(f.drain(Clock::time_point::max()), 0u);
  std::lock_guard<std::mutex> lock(c.mu);
  // No submit came while the 301 finished: all but at most 64 were freed by the finisher.
  EXPECT_GE(c.freed_on.size(), 301u - 64u);
  for (auto id : c.freed_on) EXPECT_NE(id, std::this_thread::get_id());
}

// Memory the exporter is done with joins the same list (Finisher::adopt).
TEST(Finisher, AdoptedMemoryIsFreedByTheNextSubmitter) {
  Counts c;
  Finisher f(100, 1 << 20);
  ASSERT_TRUE(submit(f, c));  // starts the thread
  ASSERT_EQ(f.drain(Clock::time_point::max()), 0u);
  std::thread::id adopter;
  std::thread other([&] {
    adopter = std::this_thread::get_id();
    f.adopt(std::make_unique<CountingTask>(c));
  });
  other.join();
  ASSERT_TRUE(submit(f, c));  // takes the finished task and the adopted one
  std::lock_guard<std::mutex> lock(c.mu);
  ASSERT_GE(c.freed_on.size(), 2u);
  for (auto id : c.freed_on) EXPECT_NE(id, adopter);  // never freed by the thread that was done with it
}

TEST(Finisher, AdoptFreesAtOnceBeyondTheBoundOrAfterShutdown) {
  Counts c;
  Finisher f(100, 1 << 20);
  ASSERT_TRUE(submit(f, c));
  ASSERT_EQ(f.drain(Clock::time_point::max()), 0u);
  auto big = std::make_unique<CountingTask>(c);
  big->bytes = size_t(64) << 20;  // beyond the list's byte bound
  f.adopt(std::move(big));
  {
    std::lock_guard<std::mutex> lock(c.mu);
    EXPECT_EQ(c.freed_on.back(), std::this_thread::get_id());
  }
  EXPECT_EQ(f.shutdown(Clock::time_point::max()), 0u);
  const size_t before = [&] {
    std::lock_guard<std::mutex> lock(c.mu);
    return c.freed_on.size();
  }();
  f.adopt(std::make_unique<CountingTask>(c));
  std::lock_guard<std::mutex> lock(c.mu);
  EXPECT_EQ(c.freed_on.size(), before + 1);
}

TEST(Finisher, ShutdownFreesFinishedTasks) {
  Counts c;
  {
    Finisher f(100, 1 << 20);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(submit(f, c));
    EXPECT_EQ(f.shutdown(Clock::time_point::max()), 0u);
    std::lock_guard<std::mutex> lock(c.mu);
    EXPECT_EQ(c.freed_on.size(), 5u);
  }
}

// Records arriving more often than every kDoze (1 ms) find the thread
// dozing and are picked up without their caller waking it; after a quiet
// spell it sleeps and the next submit wakes it.
TEST(Finisher, ASteadyStreamNeedsNoWakeUps) {
  Counts c;
  Finisher f(1000, 1 << 20);
  ASSERT_TRUE(submit(f, c));
  ASSERT_EQ(f.drain(Clock::time_point::max()), 0u);
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(submit(f, c));
    const auto until = Clock::now() + std::chrono::microseconds(300);
    while (Clock::now() < until) {
    }
  }
  ASSERT_EQ(f.drain(Clock::time_point::max()), 0u);
  EXPECT_EQ(c.finished.load(), 201);
  // Each task takes far less than 300 us, so a thread that slept whenever the
  // queue ran dry would need a wake-up per submit.
  EXPECT_LT(f.wakeups(), 100u);
  // After a quiet spell the thread sleeps: a submit alone (no drain) must wake it.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(submit(f, c));
  const auto until = in_ms(10000);
  while (c.finished.load() < 202 && Clock::now() < until) std::this_thread::yield();
  EXPECT_EQ(c.finished.load(), 202);
}

TEST(Finisher, FullQueueAndAdmitRefusalLeaveTheTaskWithTheCaller) {
  Counts c;
  Finisher f(2, 100);
  Gate gate;
  ASSERT_TRUE(submit(f, c, &gate));
  gate.wait_entered();  // the thread holds the first task; the queue is empty
  ASSERT_TRUE(submit(f, c, nullptr, 60));
  EXPECT_FALSE(submit(f, c, nullptr, 60));  // byte budget (60 + 60 > 100)
  ASSERT_TRUE(submit(f, c, nullptr, 40));
  EXPECT_FALSE(submit(f, c));         // item limit
  EXPECT_EQ(f.drain(in_ms(10)), 3u);  // the held task and the two behind it
  gate.release();
  EXPECT_EQ(f.drain(Clock::time_point::max()), 0u);
  std::unique_ptr<FinisherTask> refused = std::make_unique<CountingTask>(c);
  EXPECT_FALSE(f.submit(refused, [] { return false; }));
  ASSERT_NE(refused, nullptr);  // still the caller's
  EXPECT_EQ(c.finished.load(), 3);
}

TEST(Finisher, ShutdownFinishesUntilTheDeadlineThenAbandonsTheRest) {
  Counts c;
  Finisher f(100, 1 << 20);
  Gate gate;
  ASSERT_TRUE(submit(f, c, &gate));
  gate.wait_entered();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(submit(f, c));
  std::thread opener([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    gate.release();
  });
  // The task in progress completes; the four behind it missed the deadline.
  EXPECT_EQ(f.shutdown(in_ms(50)), 4u);
  opener.join();
  EXPECT_EQ(c.finished.load(), 1);
  EXPECT_EQ(c.abandoned.load(), 4);
  EXPECT_FALSE(submit(f, c));  // stopped
  EXPECT_EQ(f.drain(Clock::time_point::max()), 0u);
  EXPECT_EQ(f.shutdown(in_ms(50)), 0u);  // idempotent
}

TEST(Finisher, ShutdownWithTimeLeftFinishesEverything) {
  Counts c;
  Finisher f(1000, 1 << 20);
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(submit(f, c));
  EXPECT_EQ(f.shutdown(in_ms(5000)), 0u);
  EXPECT_EQ(c.finished.load(), 500);
  EXPECT_EQ(c.abandoned.load(), 0);
}

namespace {
class DrainingTask : public FinisherTask {
 public:
  DrainingTask(Finisher &f, std::atomic<int> &result) : f_(f), result_(result) {}
  void finish() override { result_.store(int(f_.drain(Clock::time_point::max()))); }
  void abandon() override {}

 private:
  Finisher &f_;
  std::atomic<int> &result_;
};
}  // namespace

// A logger callback runs on the finisher thread and may read stats: the
// drain that stats does cannot wait for the thread it runs on.
TEST(Finisher, DrainOnTheFinisherThreadReturnsAtOnce) {
  Finisher f(10, 1 << 20);
  std::atomic<int> result{-1};
  std::unique_ptr<FinisherTask> t = std::make_unique<DrainingTask>(f, result);
  ASSERT_TRUE(f.submit(t, [] { return true; }));
  EXPECT_EQ(f.drain(in_ms(5000)), 0u);
  EXPECT_EQ(result.load(), 0);
}

// The parent keeps its queue and its thread; the child starts empty and
// starts a thread of its own on first use.
TEST(Finisher, ForkedChildStartsEmpty) {
  SKIP_FORK_UNDER_TSAN();
  Counts c;
  Finisher f(100, 1 << 20);
  Gate gate;
  ASSERT_TRUE(submit(f, c, &gate));
  gate.wait_entered();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(submit(f, c));
  f.fork_prepare();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    f.fork_child();
    int rc = 0;
    rc |= (f.drain(Clock::now()) != 0) << 0;  // nothing of the parent's came along
    Counts mine;
    rc |= (!submit(f, mine)) << 1;
    rc |= (f.drain(in_ms(5000)) != 0) << 2;
    rc |= (mine.finished.load() != 1 || c.finished.load() != 0) << 3;
    rc |= (f.shutdown(in_ms(5000)) != 0) << 4;
    _exit(rc);
  }
  f.fork_parent();
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  gate.release();
  EXPECT_EQ(f.drain(in_ms(5000)), 0u);
  EXPECT_EQ(c.finished.load(), 4);
}

// ---- export queue reservations -------------------------------------------------------------

namespace {

class AcceptingTransport : public GenerationTransport {
 public:
  std::atomic<int> sent{0};
  Status encode(const std::vector<const Generation *> &batch, std::string &payload) override {
    sent.fetch_add(int(batch.size()));
    payload = "x";
    return Status::ok();
  }
  AttemptResult send(const std::string &, uint32_t, const std::atomic<bool> &) override {
    AttemptResult r;
    r.outcome = AttemptResult::Outcome::kAccepted;
    return r;
  }
  const char *name() const override { return "accepting"; }
};

ExportConfig held_config() {  // records stay queued until a flush
  ExportConfig c;
  c.protocol = Protocol::kHttp;
  c.queue_size = 3;
  c.queue_max_bytes = 1000;
  c.batch_size = 100;
  c.flush_interval_ms = 60000;
  return c;
}

Generation gen(const std::string &id) {
  Generation g;
  g.id = id;
  return g;
}

}  // namespace

TEST(ExporterReservation, SlotsAndBytesCountUntilEnqueuedOrReleased) {
  Exporter ex(held_config(), std::make_unique<AcceptingTransport>(), Logger());
  bool reserved = false;
  ASSERT_TRUE(ex.reserve(400, reserved).is_ok());
  ASSERT_TRUE(reserved);
  ASSERT_TRUE(ex.reserve(400, reserved).is_ok());
  ASSERT_TRUE(reserved);
  // 800 of 1000 bytes are promised: a plain enqueue and a reservation both see it.
  EXPECT_EQ(ex.enqueue(gen("plain"), 300).code(), SIGIL_E_BYTE_BUDGET);
  EXPECT_EQ(ex.reserve(300, reserved).code(), SIGIL_E_BYTE_BUDGET);
  EXPECT_FALSE(reserved);
  ASSERT_TRUE(ex.reserve(100, reserved).is_ok());
  EXPECT_EQ(ex.reserve(10, reserved).code(), SIGIL_E_QUEUE_FULL);  // 3 slots promised
  ex.release_reservation(100);
  ex.enqueue_reserved(gen("a"), 400, 350);  // re-sized after the privacy pass
  ex.enqueue_reserved(gen("b"), 400, 450);
  uint64_t items = 0, bytes = 0;
  ex.queue_usage(items, bytes);
  EXPECT_EQ(items, 2u);
  EXPECT_EQ(bytes, 800u);
  EXPECT_EQ(ex.counters().enqueued.load(), 2u);
  EXPECT_EQ(ex.counters().dropped_byte_budget.load(), 2u);
  EXPECT_EQ(ex.counters().dropped_queue_full.load(), 1u);
  ASSERT_TRUE(ex.flush(in_ms(5000)).is_ok());
  EXPECT_EQ(ex.counters().exported.load(), 2u);
  ASSERT_TRUE(ex.reserve(1000, reserved).is_ok());  // everything given back
  ex.release_reservation(1000);
  ASSERT_TRUE(ex.shutdown(in_ms(5000)).is_ok());
  EXPECT_EQ(ex.reserve(10, reserved).code(), SIGIL_E_SHUTDOWN);
}

// ---- the client -----------------------------------------------------------------------------

namespace {

// A loopback endpoint nothing listens on: connections are refused at once.
std::string closed_endpoint() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len), 0);
  close(fd);
  return "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
}

EnvLookup no_env() {
  return [](const char *) -> std::optional<std::string> { return std::nullopt; };
}

std::shared_ptr<Client> client_with(Options o) {
  o.use_environment = false;
  if (!o.protocol) o.protocol = Protocol::kNone;
  auto c = Client::create(o, no_env());
  EXPECT_TRUE(c.has_value()) << (c.has_value() ? "" : c.error().message());
  return c.has_value() ? c.value() : nullptr;
}

void fill(GenerationRecorder &rec, const std::string &text) {
  Message in;
  in.role = Role::kUser;
  Part p;
  p.kind = PartKind::kText;
  p.text = text;
  in.parts.push_back(p);
  rec.result().input.push_back(in);
  rec.result().usage.input_tokens = 3;
}

Generation seed() {
  Generation g;
  g.model = {"openai", "gpt-4o"};
  return g;
}

uint64_t duration_count(const Client &c, const char *operation) {
  uint64_t n = 0;
  for (const MetricSnapshot &m : c.telemetry().metrics().snapshot()) {
    if (std::string(m.instrument->name()) != "gen_ai.client.operation.duration") continue;
    for (const HistogramPoint &p : m.points) {
      for (const MetricAttr &a : p.attributes) {
        if (std::string_view(a.key) == "gen_ai.operation.name" && a.value == operation) n += p.count;
      }
    }
  }
  return n;
}

}  // namespace

// Nothing configured whose thread matters: the record is finished by the
// finisher, and a snapshot right after end,
// which drains the finisher, sees it.
TEST(ClientFinishing, MetricsSnapshotRightAfterEndSeesEveryRecord) {
  auto client = client_with(Options());
  ASSERT_FALSE(client->finishes_inline());
  for (int i = 0; i < 200; ++i) {
    GenerationRecorder rec(client, GenerationMode::kSync, seed(), ContextValues(), {}, Status::ok());
    fill(rec, "hello");
    ASSERT_TRUE(rec.end().is_ok());
  }
  ToolExecutionData td;
  td.tool_name = "weather";
  ToolExecutionRecorder tool(client, td, ContextValues(), {}, Status::ok());
  ASSERT_TRUE(tool.end().is_ok());
  EmbeddingData ed;
  ed.model = {"openai", "text-embedding-3-small"};
  EmbeddingRecorder emb(client, ed, ContextValues(), {}, Status::ok());
  ASSERT_TRUE(emb.end().is_ok());

  std::string json = client->metrics_json();
  EXPECT_NE(json.find("\"count\":200"), std::string::npos) << json;
  EXPECT_EQ(duration_count(*client, "generateText"), 200u);
  EXPECT_EQ(duration_count(*client, "execute_tool"), 1u);
  EXPECT_EQ(duration_count(*client, "embeddings"), 1u);
  ASSERT_TRUE(client->shutdown(in_ms(5000)).is_ok());
}

TEST(ClientFinishing, ValidationErrorsAreStillReturnedByEnd) {
  auto client = client_with(Options());
  GenerationRecorder bad(client, GenerationMode::kSync, Generation(), ContextValues(), {}, Status::ok());
  Status st = bad.end();
  EXPECT_EQ(st.code(), SIGIL_E_VALIDATION);
  sigil_stats_t s = SIGIL_STATS_INIT;
  client->stats(s);
  EXPECT_EQ(s.validation_failures, 1u);
  client->metrics_json();
  // The failed record is still measured, with its error type.
  bool found = false;
  for (const MetricSnapshot &m : client->telemetry().metrics().snapshot()) {
    for (const HistogramPoint &p : m.points) {
      for (const MetricAttr &a : p.attributes)
        found = found || (std::string_view(a.key) == "error.type" && a.value == "validation_error");
    }
  }
  EXPECT_TRUE(found);
}

namespace {
struct ThreadLog {
  std::mutex mu;
  std::vector<std::thread::id> threads;
  void add() {
    std::lock_guard<std::mutex> lock(mu);
    threads.push_back(std::this_thread::get_id());
  }
};
int keep_sanitizer(void *user, const char *, size_t, const char *, size_t, sigil_sanitized_t *) {
  static_cast<ThreadLog *>(user)->add();
  return 0;
}
void span_callback(void *user, const sigil_span_t *) { static_cast<ThreadLog *>(user)->add(); }
}  // namespace

// The sanitizer and the span callback are documented to run on the thread
// that ends the recorder (bindings call into their runtime from them).
TEST(ClientFinishing, SanitizerAndSpanCallbackRunOnTheEndingThread) {
  ThreadLog sanitized, spans;
  Options o;
  o.privacy.sanitizer = keep_sanitizer;
  o.privacy.sanitizer_user_data = &sanitized;
  o.telemetry.span_fn = span_callback;
  o.telemetry.span_user_data = &spans;
  auto client = client_with(o);
  ASSERT_TRUE(client->finishes_inline());
  std::thread worker([&] {
    GenerationRecorder rec(client, GenerationMode::kSync, seed(), ContextValues(), {}, Status::ok());
    fill(rec, "hello");
    ASSERT_TRUE(rec.end().is_ok());
    EXPECT_EQ(spans.threads.size(), 1u);  // before end returned
    ToolExecutionData td;
    td.tool_name = "weather";
    ToolExecutionRecorder tool(client, td, ContextValues(), {}, Status::ok());
    ASSERT_TRUE(tool.end().is_ok());
    EXPECT_EQ(spans.threads.size(), 2u);
    const std::thread::id me = std::this_thread::get_id();
    for (std::thread::id t : sanitized.threads) EXPECT_EQ(t, me);
    for (std::thread::id t : spans.threads) EXPECT_EQ(t, me);
  });
  worker.join();
  EXPECT_FALSE(sanitized.threads.empty());
}

// end reports the export queue's limits at once, though the record is
// finished later; a refused record still gets its metrics.
TEST(ClientFinishing, QueueFullAndByteBudgetAreReturnedByEnd) {
  Options o;
  o.protocol = Protocol::kHttp;
  o.endpoint = closed_endpoint();  // nothing is sent before the flush interval
  o.queue_size = 2;
  o.flush_interval_ms = 60000;
  auto client = client_with(o);
  std::vector<sigil_status_t> codes;
  for (int i = 0; i < 4; ++i) {
    GenerationRecorder rec(client, GenerationMode::kSync, seed(), ContextValues(), {}, Status::ok());
    fill(rec, "hello");
    codes.push_back(rec.end().code());
  }
  EXPECT_EQ(codes, (std::vector<sigil_status_t>{SIGIL_OK, SIGIL_OK, SIGIL_E_QUEUE_FULL, SIGIL_E_QUEUE_FULL}));
  sigil_stats_t s = SIGIL_STATS_INIT;
  client->stats(s);
  EXPECT_EQ(s.generations_enqueued, 2u);
  EXPECT_EQ(s.dropped_queue_full, 2u);
  EXPECT_EQ(s.queue_items, 2u);
  EXPECT_EQ(duration_count(*client, "generateText"), 4u);
  client->shutdown(Clock::now());

  Options b;
  b.protocol = Protocol::kHttp;
  b.endpoint = closed_endpoint();
  b.queue_max_bytes = 60000;
  b.flush_interval_ms = 60000;
  auto budget = client_with(b);
  codes.clear();
  for (int i = 0; i < 3; ++i) {
    GenerationRecorder rec(budget, GenerationMode::kSync, seed(), ContextValues(), {}, Status::ok());
    fill(rec, std::string(25000, 'x'));
    codes.push_back(rec.end().code());
  }
  EXPECT_EQ(codes, (std::vector<sigil_status_t>{SIGIL_OK, SIGIL_OK, SIGIL_E_BYTE_BUDGET}));
  budget->stats(s);
  EXPECT_EQ(s.dropped_byte_budget, 1u);
  budget->shutdown(Clock::now());
}

// Records still waiting for the finisher at the shutdown deadline are
// accounted exactly once: with 0 ms left, whatever was not finished is a
// shutdown_timeout drop, never lost and never counted twice.
TEST(ClientFinishing, ShutdownAccountsForEveryRecord) {
  for (int deadline_ms : {0, 5000}) {
    Options o;
    o.protocol = Protocol::kHttp;
    o.endpoint = closed_endpoint();  // refused at once: no retries, dropped
    o.max_retries = 0;
    o.flush_interval_ms = 60000;
    auto client = client_with(o);
    const int n = 300;
    int ok = 0;
    for (int i = 0; i < n; ++i) {
      GenerationRecorder rec(client, GenerationMode::kSync, seed(), ContextValues(), {}, Status::ok());
      fill(rec, "hello");
      ok += rec.end().is_ok();
    }
    ASSERT_EQ(ok, n);
    Status st = client->shutdown(in_ms(deadline_ms));
    sigil_stats_t s = SIGIL_STATS_INIT;
    client->stats(s);
    EXPECT_EQ(s.generations_exported + s.generations_rejected + s.dropped_total, uint64_t(n)) << deadline_ms;
    EXPECT_EQ(s.dropped_queue_full + s.dropped_byte_budget, 0u);
    if (deadline_ms > 0) {
      EXPECT_EQ(s.generations_enqueued, uint64_t(n));  // every record reached the queue
      EXPECT_EQ(s.dropped_retry_exhausted, uint64_t(n));
    } else if (s.generations_enqueued < uint64_t(n)) {
      EXPECT_EQ(st.code(), SIGIL_E_TIMEOUT);
    }
  }
}
