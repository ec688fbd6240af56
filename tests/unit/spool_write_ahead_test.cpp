// The write-ahead spool (export/spool.h, SpoolConfig::write_ahead): group
// commit, acknowledgement after the answer, hand-over to replay, and what a
// crashed writer leaves for the next replayer.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "export/spool.h"
#include "support/fork_skip.h"

using namespace sigil::detail;

namespace {

SpoolRecord rec(const std::string &id) {
  SpoolRecord r;
  r.format = kSpoolGenerationProto;
  r.written_unix_ms = 1700000000000ull;
  r.id = id;
  r.payload = "payload of " + id;
  return r;
}

std::string temp_dir() {
  char tmpl[] = "/tmp/sigil-wal-unit-XXXXXX";
  return std::string(mkdtemp(tmpl)) + "/s";
}

void remove_temp_dir(const std::string &dir) {
  std::system(("rm -rf '" + dir.substr(0, dir.rfind('/')) + "'").c_str());
}

SpoolConfig wal_config(const std::string &dir, SpoolSync sync = SpoolSync::kBatch) {
  SpoolConfig c;
  c.dir = dir;
  c.sync = sync;
  c.write_ahead = true;
  return c;
}

std::unique_ptr<Spool> open_spool(const SpoolConfig &c) {
  auto opened = Spool::open(c, Logger());
  EXPECT_TRUE(opened) << (opened ? "" : opened.error().message());
  return opened ? std::move(opened.value()) : nullptr;
}

// The ids a replayer would send from `dir` now (claimable segments only,
// acknowledged records left out); the segments are released unchanged.
std::multiset<std::string> replayable(const std::string &dir) {
  auto reader = open_spool(SpoolConfig{dir});
  std::multiset<std::string> ids;
  if (!reader || !reader->try_lock_replay()) return ids;
  for (const std::string &path : reader->segments()) {
    SpoolSegment seg;
    if (!reader->claim(path, seg)) continue;
    std::vector<SpoolRecord> records = seg.records;
    drop_acknowledged(records);
    for (const SpoolRecord &r : records) ids.insert(r.id);
    reader->release(seg, seg.records);
  }
  reader->unlock_replay();
  return ids;
}

}  // namespace

TEST(SpoolWriteAhead, DropAcknowledgedRemovesAnsweredRecordsAndTheAcks) {
  std::vector<SpoolRecord> records = {rec("a"), rec("b"), rec("c")};
  SpoolRecord ack = rec("b");
  ack.format = kSpoolAck;
  ack.payload.clear();
  records.push_back(ack);
  EXPECT_EQ(drop_acknowledged(records), 2u);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].id, "a");
  EXPECT_EQ(records[1].id, "c");
  std::vector<SpoolRecord> none = {rec("x")};
  EXPECT_EQ(drop_acknowledged(none), 0u);
  EXPECT_EQ(none.size(), 1u);
}

// Many threads appending at once share fsyncs: fewer group syncs than
// appends, and every append returned only after a sync that covered it.
TEST(SpoolWriteAhead, ConcurrentAppendsShareGroupSyncs) {
  const std::string dir = temp_dir();
  auto spool = open_spool(wal_config(dir));
  ASSERT_TRUE(spool);
  // Slow syncs make the group visible on any disk: the next group gathers
  // while one sync is in progress.
  spool->set_sync_hook_for_testing([] { std::this_thread::sleep_for(std::chrono::milliseconds(5)); });
  constexpr int kThreads = 8, kEach = 40;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        uint64_t seg = 0;
        if (spool->append_durable(rec("g" + std::to_string(t) + "-" + std::to_string(i)), false, seg)) ok++;
      }
    });
  }
  for (auto &th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
  const uint64_t syncs = spool->group_syncs();
  EXPECT_GE(syncs, 1u);
  EXPECT_LT(syncs, uint64_t(kThreads * kEach) / 2) << "appends did not share syncs";
  remove_temp_dir(dir);
}

// A segment stays locked (not replayable) while records wait for answers;
// acknowledged records never reach replay; a fully answered segment is gone.
TEST(SpoolWriteAhead, AcknowledgedRecordsLeaveAndTheRestWaitForTheirWriter) {
  const std::string dir = temp_dir();
  {
    SpoolConfig c = wal_config(dir, SpoolSync::kNone);
    c.segment_bytes = 200;  // a few records per segment
    auto spool = open_spool(c);
    ASSERT_TRUE(spool);
    std::vector<uint64_t> segs;
    for (int i = 0; i < 6; ++i) {
      uint64_t seg = 0;
      ASSERT_TRUE(spool->append_durable(rec("r" + std::to_string(i)), false, seg));
      segs.push_back(seg);
    }
    EXPECT_GT(spool->held_segments(), 1u);
    EXPECT_TRUE(replayable(dir).empty()) << "records still waiting for an answer were claimable";
    // Answer all but r5.
    for (int i = 0; i < 5; ++i) spool->acknowledge(segs[size_t(i)], {"r" + std::to_string(i)});
    EXPECT_TRUE(replayable(dir).empty());
    spool->seal();  // nothing handed over: the open segment stays
    EXPECT_GE(spool->held_segments(), 1u);
  }  // the process stops without an answer for r5
  EXPECT_EQ(replayable(dir), std::multiset<std::string>{"r5"});
  remove_temp_dir(dir);
}

// Records the live path gives up on (retry budget, shutdown) are handed to
// replay: once nothing of their segment waits in memory, replay may claim it.
TEST(SpoolWriteAhead, HandedOverRecordsBecomeReplayableOnceTheSegmentIsDone) {
  const std::string dir = temp_dir();
  auto spool = open_spool(wal_config(dir, SpoolSync::kNone));
  ASSERT_TRUE(spool);
  uint64_t s1 = 0, s2 = 0;
  ASSERT_TRUE(spool->append_durable(rec("x1"), false, s1));
  ASSERT_TRUE(spool->append_durable(rec("x2"), false, s2));
  const uint64_t before = spool->append_count();
  spool->hand_over(s1, 1);
  EXPECT_GT(spool->append_count(), before);  // the replay schedule notices
  EXPECT_TRUE(replayable(dir).empty());      // still the open segment
  spool->seal();                             // replay seals it: it holds records for replay
  EXPECT_TRUE(replayable(dir).empty());      // x2 still waits for its answer
  spool->acknowledge(s2, {"x2"});
  EXPECT_EQ(spool->held_segments(), 0u);
  EXPECT_EQ(replayable(dir), std::multiset<std::string>{"x1"});
  remove_temp_dir(dir);
}

// kill -9 of a writer: the kernel releases its locks and the next replayer
// gets every record that was not acknowledged, none that was.
TEST(SpoolWriteAhead, AKilledWritersUnansweredRecordsAreReplayed) {
  SKIP_FORK_UNDER_TSAN();
  const std::string dir = temp_dir();
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(ready[0]);
    auto opened = Spool::open(wal_config(dir), Logger());
    if (!opened) _exit(3);
    auto &spool = opened.value();
    for (int i = 0; i < 20; ++i) {
      uint64_t seg = 0;
      if (!spool->append_durable(rec("k" + std::to_string(i)), false, seg)) _exit(4);
      if (i % 2 == 0) spool->acknowledge(seg, {"k" + std::to_string(i)});
    }
    (void)!write(ready[1], "x", 1);
    for (;;) pause();
  }
  close(ready[1]);
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  close(ready[0]);
  EXPECT_TRUE(replayable(dir).empty()) << "a live writer's segment was claimable";
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  std::multiset<std::string> want;
  for (int i = 1; i < 20; i += 2) want.insert("k" + std::to_string(i));
  EXPECT_EQ(replayable(dir), want);
  remove_temp_dir(dir);
}
