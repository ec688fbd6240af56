// Spool framing and crash recovery (export/spool.h).
#include "export/spool.h"
#include "support/fork_skip.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <condition_variable>
#include <mutex>
#include <vector>

using namespace sigil::detail;

namespace {

SpoolRecord rec(const std::string &id, const std::string &payload) {
  SpoolRecord r;
  r.format = kSpoolGenerationProto;
  r.written_unix_ms = 1700000000000ull;
  r.id = id;
  r.payload = payload;
  return r;
}

std::string temp_dir() {
  char tmpl[] = "/tmp/sigil-spool-unit-XXXXXX";
  return std::string(mkdtemp(tmpl)) + "/s";
}

// Opens the spool of `c` (a failure fails the test and returns null).
std::unique_ptr<Spool> open_spool(const SpoolConfig &c, const Logger &logger = Logger()) {
  auto opened = Spool::open(c, logger);
  EXPECT_TRUE(opened) << (opened ? "" : opened.error().message());
  return opened ? std::move(opened.value()) : nullptr;
}

// Removes a temp_dir() spool directory and its parent.
void remove_temp_dir(const std::string &dir) {
  std::system(("rm -rf '" + dir.substr(0, dir.rfind('/')) + "'").c_str());
}

}  // namespace

TEST(SpoolFraming, Crc32MatchesTheStandardCheckValue) { EXPECT_EQ(crc32("123456789"), 0xCBF43926u); }

TEST(SpoolFraming, RoundTripsAndCutsATornTail) {
  std::string file(kSpoolFileMagic);
  append_spool_frame(file, rec("gen_a", "{\"id\":\"gen_a\"}"));
  append_spool_frame(file, rec("gen_b", std::string("\0bin\xff", 5)));
  size_t good = file.size();
  std::vector<SpoolRecord> out;
  EXPECT_EQ(parse_spool_frames(file, out), good);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].id, "gen_a");
  EXPECT_EQ(out[1].payload, std::string("\0bin\xff", 5));
  EXPECT_EQ(out[1].written_unix_ms, 1700000000000ull);
  // Every truncation point keeps exactly the whole frames before it.
  std::string third;
  append_spool_frame(third, rec("gen_c", "xyz"));
  for (size_t cut = 1; cut < third.size(); ++cut) {
    out.clear();
    EXPECT_EQ(parse_spool_frames(file + third.substr(0, cut), out), good);
    EXPECT_EQ(out.size(), 2u);
  }
  // A flipped bit in a body fails its CRC and ends the segment there.
  std::string corrupt = file + third;
  corrupt[good + 12] ^= 0x01;
  out.clear();
  EXPECT_EQ(parse_spool_frames(corrupt, out), good);
  out.clear();
  EXPECT_EQ(parse_spool_frames("not a spool", out), 0u);
}

TEST(SpoolStore, AppendClaimReleaseAndBudget) {
  SpoolConfig c;
  c.dir = temp_dir();
  c.sync = SpoolSync::kNone;
  c.max_bytes = 8 + 3 * (8 + 11 + 5 + 10);  // magic + three frames
  std::unique_ptr<Spool> s = open_spool(c);
  ASSERT_NE(s, nullptr);
  struct stat st {};
  ASSERT_EQ(stat(c.dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  std::vector<SpoolRecord> recs = {rec("gen_1", "0123456789"), rec("gen_2", "0123456789"), rec("gen_3", "0123456789"),
                                   rec("gen_4", "0123456789")};
  EXPECT_EQ(s->append(recs), 3u);  // the byte budget refuses the fourth
  EXPECT_EQ(s->append_count(), 3u);
  EXPECT_FALSE(s->append_overflow(recs[3]));  // nor one record from a caller's thread
  std::vector<std::string> segs = s->segments();
  ASSERT_EQ(segs.size(), 1u);
  SpoolSegment seg;
  EXPECT_FALSE(s->claim(segs[0], seg));  // still open for writing (flock held)
  s->seal();
  ASSERT_TRUE(s->try_lock_replay());
  ASSERT_TRUE(s->claim(segs[0], seg));
  ASSERT_EQ(seg.records.size(), 3u);
  s->release(seg, {seg.records[2]});  // two delivered: the third stays
  ASSERT_TRUE(s->claim(segs[0], seg));
  ASSERT_EQ(seg.records.size(), 1u);
  EXPECT_EQ(seg.records[0].id, "gen_3");
  s->release(seg, {});
  EXPECT_TRUE(s->segments().empty());
  s->unlock_replay();
  remove_temp_dir(c.dir);
}

// Files under a segment's name that this spool never wrote — a symlink (to
// /dev/zero, which never ends), a FIFO, a sparse file of gigabytes — are not
// read, not counted against the budget, and warned about once each; the real
// segment beside them replays.
TEST(SpoolStore, ForeignFilesUnderSegmentNamesAreLeftAlone) {
  SpoolConfig c;
  c.dir = temp_dir();
  c.sync = SpoolSync::kNone;
  c.max_bytes = 1 << 20;
  struct Warnings {
    std::vector<std::string> lines;
    static void log(void *self, uint32_t level, const char *msg, size_t len) {
      if (level == SIGIL_LOG_WARN) static_cast<Warnings *>(self)->lines.emplace_back(msg, len);
    }
  } warnings;
  ASSERT_EQ(mkdir(c.dir.c_str(), 0700), 0);
  const std::string link = c.dir + "/seg-0000000000001-1-00000001.sgs";
  const std::string fifo = c.dir + "/seg-0000000000002-1-00000002.sgs";
  const std::string sparse = c.dir + "/seg-0000000000003-1-00000003.sgs";
  ASSERT_EQ(symlink("/dev/zero", link.c_str()), 0);
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::ofstream(sparse).close();
  ASSERT_EQ(truncate(sparse.c_str(), int64_t(1) << 32), 0);  // 4 GiB, no blocks
  std::unique_ptr<Spool> s = open_spool(c, Logger(&Warnings::log, &warnings, false));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->bytes(), 0u);  // the foreign files do not fill the budget
  ASSERT_EQ(s->append({rec("gen_real", "payload")}), 1u);
  s->seal();
  ASSERT_TRUE(s->try_lock_replay());
  std::vector<std::string> replayed;
  for (int pass = 0; pass < 2; ++pass) {
    for (const std::string &path : s->segments()) {
      SpoolSegment seg;
      if (!s->claim(path, seg)) continue;
      for (const SpoolRecord &r : seg.records) replayed.push_back(r.id);
      s->release(seg, {});
    }
  }
  s->unlock_replay();
  EXPECT_EQ(replayed, std::vector<std::string>{"gen_real"});
  ASSERT_EQ(warnings.lines.size(), 3u);  // once per file over both passes
  EXPECT_NE(warnings.lines[0].find("is a symbolic link"), std::string::npos) << warnings.lines[0];
  EXPECT_NE(warnings.lines[1].find("is not a regular file"), std::string::npos) << warnings.lines[1];
  EXPECT_NE(warnings.lines[2].find("4294967296 bytes, more than this spool's budget"), std::string::npos)
      << warnings.lines[2];
  struct stat st {};
  EXPECT_EQ(lstat(link.c_str(), &st), 0);  // all left in place
  EXPECT_EQ(lstat(fifo.c_str(), &st), 0);
  EXPECT_EQ(lstat(sparse.c_str(), &st), 0);
  remove_temp_dir(c.dir);
}

// Overflow appends from several threads at once (the recording threads of
// an overloaded client), interleaved with batch appends and a replayer that
// seals: every record lands whole, exactly once.
TEST(SpoolStore, ConcurrentOverflowAppendsLandWhole) {
  SpoolConfig c;
  c.dir = temp_dir();
  c.sync = SpoolSync::kBatch;
  c.segment_bytes = 4096;  // several rollovers
  std::unique_ptr<Spool> s = open_spool(c);
  ASSERT_NE(s, nullptr);
  constexpr int kThreads = 4, kEach = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string id = "gen_" + std::to_string(t) + "_" + std::to_string(i);
        EXPECT_TRUE(s->append_overflow(rec(id, std::string(size_t(50 + i % 70), char('a' + t)))));
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    s->append({rec("batch_" + std::to_string(i), "payload")});
    s->seal();
  }
  for (std::thread &th : threads) th.join();
  // The syncer commits the overflow writes within its interval.
  for (int i = 0; i < 500 && s->sync_owed(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(s->sync_owed());
  EXPECT_EQ(s->append_count(), uint64_t(kThreads * kEach + 20));
  s->seal();
  std::set<std::string> ids;
  size_t records = 0;
  ASSERT_TRUE(s->try_lock_replay());
  for (const std::string &path : s->segments()) {
    SpoolSegment seg;
    ASSERT_TRUE(s->claim(path, seg));
    EXPECT_FALSE(seg.torn) << path;
    for (const SpoolRecord &r : seg.records) {
      ids.insert(r.id);
      ++records;
      if (r.id.rfind("gen_", 0) == 0) {
        char t = r.id[4];
        EXPECT_EQ(r.payload, std::string(r.payload.size(), char('a' + (t - '0'))));
      }
    }
    s->release(seg, {});
  }
  s->unlock_replay();
  EXPECT_EQ(records, size_t(kThreads * kEach + 20));
  EXPECT_EQ(ids.size(), records);
  EXPECT_EQ(s->bytes(), 0u);
  remove_temp_dir(c.dir);
}

// The replay seals the segment being written and claims it while the
// syncer may be inside a sync of it: the syncer must not hold the segment's
// lock then, or the replay takes it for another live writer's and skips it.
TEST(SpoolStore, ASegmentSealedDuringASyncCanBeClaimed) {
  SpoolConfig c;
  c.dir = temp_dir();
  c.sync = SpoolSync::kBatch;
  std::unique_ptr<Spool> s = open_spool(c);
  ASSERT_NE(s, nullptr);
  std::mutex mu;
  std::condition_variable cv;
  bool syncing = false, go_on = false;
  s->set_sync_hook_for_testing([&] {
    std::unique_lock<std::mutex> lock(mu);
    syncing = true;
    cv.notify_all();
    cv.wait(lock, [&] { return go_on; });
  });
  ASSERT_TRUE(s->append_overflow(rec("gen_1", "0123456789")));
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return syncing; }));
  }
  s->seal();  // the syncer is mid-sync
  ASSERT_TRUE(s->try_lock_replay());
  std::vector<std::string> segs = s->segments();
  ASSERT_EQ(segs.size(), 1u);
  SpoolSegment seg;
  EXPECT_TRUE(s->claim(segs[0], seg));
  {
    std::lock_guard<std::mutex> lock(mu);
    go_on = true;
    cv.notify_all();
  }
  ASSERT_EQ(seg.records.size(), 1u);
  EXPECT_EQ(seg.records[0].id, "gen_1");
  s->release(seg, {});
  s->unlock_replay();
  s.reset();
  remove_temp_dir(c.dir);
}

// fork() while the syncer runs (as the exporter's atfork handlers do it): the
// child gets a spool it can append to, with a syncer of its own.
TEST(SpoolStore, ForkedChildAppendsAndSyncsOnItsOwn) {
  SKIP_FORK_UNDER_TSAN();
  SpoolConfig c;
  c.dir = temp_dir();
  c.sync = SpoolSync::kBatch;
  std::unique_ptr<Spool> s = open_spool(c);
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->append_overflow(rec("gen_parent", "p")));  // starts the syncer
  // Fork once the syncer is up and has synced (now waiting for work): a fork
  // during its start could copy the ASan allocator locked by it (GCC 12's
  // libasan is not fork-safe) and deadlock the child, in 16 of 40 runs.
  for (int i = 0; i < 500 && s->sync_owed(); ++i) usleep(10000);
  s->lock_for_fork();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    s->after_fork_in_child();
    s->unlock_after_fork();
    alarm(10);  // a deadlock fails the test instead of hanging it
    bool ok = s->append_overflow(rec("gen_child", "c"));
    for (int i = 0; i < 500 && s->sync_owed(); ++i) usleep(10000);
    _exit(ok && !s->sync_owed() ? 0 : 1);
  }
  s->unlock_after_fork();
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  s->seal();
  std::set<std::string> ids;
  ASSERT_TRUE(s->try_lock_replay());
  for (const std::string &path : s->segments()) {
    SpoolSegment seg;
    ASSERT_TRUE(s->claim(path, seg));
    for (const SpoolRecord &r : seg.records) ids.insert(r.id);
    s->release(seg, {});
  }
  s->unlock_replay();
  EXPECT_EQ(ids, (std::set<std::string>{"gen_child", "gen_parent"}));
  remove_temp_dir(c.dir);
}

namespace {

// Collects a spool's warnings.
struct Warnings {
  std::vector<std::string> lines;
  static void log(void *self, uint32_t level, const char *msg, size_t len) {
    if (level == SIGIL_LOG_WARN) static_cast<Warnings *>(self)->lines.emplace_back(msg, len);
  }
  bool contains(const std::string &text) const {
    for (const std::string &l : lines) {
      if (l.find(text) != std::string::npos) return true;
    }
    return false;
  }
};

std::string read_all(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

// Another user who could place `<segment>.tmp` as a link to a file of ours
// must not get that file truncated and overwritten by the rewrite of a partly
// replayed segment: the rewrite goes through a fresh name of its own.
TEST(SpoolStore, RewriteDoesNotFollowAPlantedTmpLink) {
  SpoolConfig c;
  c.dir = temp_dir();
  c.sync = SpoolSync::kNone;
  std::unique_ptr<Spool> s = open_spool(c);
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->append({rec("gen_1", "first"), rec("gen_2", "second")}), 2u);
  s->seal();
  std::vector<std::string> segs = s->segments();
  ASSERT_EQ(segs.size(), 1u);
  const std::string victim = c.dir.substr(0, c.dir.rfind('/')) + "/victim";
  std::ofstream(victim) << "precious";
  ASSERT_EQ(symlink(victim.c_str(), (segs[0] + ".tmp").c_str()), 0);
  ASSERT_TRUE(s->try_lock_replay());
  SpoolSegment seg;
  ASSERT_TRUE(s->claim(segs[0], seg));
  ASSERT_EQ(seg.records.size(), 2u);
  s->release(seg, {seg.records[1]});  // one delivered: the segment is rewritten
  EXPECT_EQ(read_all(victim), "precious");
  struct stat st {};
  ASSERT_EQ(lstat((segs[0] + ".tmp").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));  // the link is left alone
  ASSERT_EQ(lstat(segs[0].c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));  // the segment is a file of ours, not the link
  ASSERT_TRUE(s->claim(segs[0], seg));
  ASSERT_EQ(seg.records.size(), 1u);
  EXPECT_EQ(seg.records[0].id, "gen_2");
  s->release(seg, {});
  s->unlock_replay();
  remove_temp_dir(c.dir);
}

// A dangling replay.lock link must not make the spool create the file it
// points to (anywhere the link's owner chose); replay waits instead.
TEST(SpoolStore, DanglingReplayLockLinkCreatesNothing) {
  SpoolConfig c;
  c.dir = temp_dir();
  ASSERT_EQ(mkdir(c.dir.c_str(), 0700), 0);
  const std::string target = c.dir.substr(0, c.dir.rfind('/')) + "/created-by-the-link";
  ASSERT_EQ(symlink(target.c_str(), (c.dir + "/replay.lock").c_str()), 0);
  Warnings warnings;
  std::unique_ptr<Spool> s = open_spool(c, Logger(&Warnings::log, &warnings, false));
  ASSERT_NE(s, nullptr);
  EXPECT_FALSE(s->try_lock_replay());
  struct stat st {};
  EXPECT_NE(lstat(target.c_str(), &st), 0) << "the link's target was created";
  EXPECT_TRUE(warnings.contains("replay.lock: it is a symbolic link"))
      << (warnings.lines.empty() ? "" : warnings.lines[0]);
  remove_temp_dir(c.dir);
}

// A small file under a segment's name that this spool did not write (no
// spool magic) is neither parsed as a damaged segment nor deleted.
TEST(SpoolStore, ForeignSmallFileUnderASegmentNameIsKept) {
  SpoolConfig c;
  c.dir = temp_dir();
  c.sync = SpoolSync::kNone;
  ASSERT_EQ(mkdir(c.dir.c_str(), 0700), 0);
  const std::string foreign = c.dir + "/seg-0000000000001-1-00000001.sgs";
  std::ofstream(foreign) << "not a spool segment\n";
  Warnings warnings;
  std::unique_ptr<Spool> s = open_spool(c, Logger(&Warnings::log, &warnings, false));
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->try_lock_replay());
  for (int pass = 0; pass < 2; ++pass) {
    for (const std::string &path : s->segments()) {
      SpoolSegment seg;
      if (!s->claim(path, seg)) continue;
      s->release(seg, {});
    }
  }
  s->unlock_replay();
  EXPECT_EQ(read_all(foreign), "not a spool segment\n");
  ASSERT_EQ(warnings.lines.size(), 1u);
  EXPECT_NE(warnings.lines[0].find("is not a spool segment"), std::string::npos) << warnings.lines[0];
  remove_temp_dir(c.dir);
}

// A directory other users can write to is refused at open, with the reason;
// allowed on request (with a warning, mode untouched); sticky and ours is fine.
TEST(SpoolStore, ADirectoryOthersCanWriteIsRefused) {
  SpoolConfig c;
  c.dir = temp_dir();
  ASSERT_EQ(mkdir(c.dir.c_str(), 0700), 0);
  ASSERT_EQ(chmod(c.dir.c_str(), 0777), 0);
  auto refused = Spool::open(c, Logger());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_NE(refused.error().message().find("is writable by other users (mode 0777)"), std::string::npos)
      << refused.error().message();
  EXPECT_NE(refused.error().message().find("SIGIL_SPOOL_ALLOW_SHARED_DIR"), std::string::npos);
  ASSERT_EQ(chmod(c.dir.c_str(), 0770), 0);  // group-writable too
  EXPECT_FALSE(Spool::open(c, Logger()).has_value());

  c.allow_shared_dir = true;
  Warnings warnings;
  EXPECT_NE(open_spool(c, Logger(&Warnings::log, &warnings, false)), nullptr);
  EXPECT_TRUE(warnings.contains("is writable by other users")) << (warnings.lines.empty() ? "" : warnings.lines[0]);
  struct stat st {};
  ASSERT_EQ(stat(c.dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0770u);  // shared as asked

  c.allow_shared_dir = false;
  ASSERT_EQ(chmod(c.dir.c_str(), 01777), 0);  // sticky and ours: others cannot touch our files
  EXPECT_NE(open_spool(c), nullptr);
  remove_temp_dir(c.dir);
}

// A directory another user owns is refused (that user could do anything in
// it). Needs a second uid: run as root, the directory is given to nobody.
TEST(SpoolStore, ADirectoryAnotherUserOwnsIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another uid (nobody, 65534)";
  SpoolConfig c;
  c.dir = temp_dir();
  ASSERT_EQ(mkdir(c.dir.c_str(), 0700), 0);
  ASSERT_EQ(chown(c.dir.c_str(), 65534, 65534), 0);
  auto refused = Spool::open(c, Logger());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_NE(refused.error().message().find("is owned by uid 65534"), std::string::npos) << refused.error().message();
  c.allow_shared_dir = true;
  EXPECT_NE(open_spool(c), nullptr);
  remove_temp_dir(c.dir);
}

// A replayer that dies between writing a rewrite and renaming it leaves the
// temporary file behind; the next holder of replay.lock removes it (ours and
// regular only: a link under such a name stays).
TEST(SpoolStore, ARewriteLeftByACrashIsRemovedByTheNextReplayer) {
  SpoolConfig c;
  c.dir = temp_dir();
  ASSERT_EQ(mkdir(c.dir.c_str(), 0700), 0);
  const std::string left = c.dir + "/seg-0000000000001-1-00000001.sgs.tmp-0123456789abcdef";
  const std::string old_form = c.dir + "/seg-0000000000002-1-00000002.sgs.tmp";
  const std::string link = c.dir + "/seg-0000000000003-1-00000003.sgs.tmp-fedcba9876543210";
  const std::string victim = c.dir.substr(0, c.dir.rfind('/')) + "/victim";
  std::ofstream(left) << "SIGILSP1";
  std::ofstream(old_form) << "SIGILSP1";
  std::ofstream(victim) << "precious";
  ASSERT_EQ(symlink(victim.c_str(), link.c_str()), 0);
  std::unique_ptr<Spool> s = open_spool(c);
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->try_lock_replay());
  struct stat st {};
  EXPECT_NE(lstat(left.c_str(), &st), 0);
  EXPECT_NE(lstat(old_form.c_str(), &st), 0);
  EXPECT_EQ(lstat(link.c_str(), &st), 0);
  EXPECT_EQ(read_all(victim), "precious");
  s->unlock_replay();
  remove_temp_dir(c.dir);
}
