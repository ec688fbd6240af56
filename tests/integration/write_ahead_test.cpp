// The write-ahead spool mode against the real capture harness: the record is
// in the spool when end returns, leaves it once the server answered, and a
// recording process killed with SIGKILL mid-stream loses nothing whose end
// returned — with the backend down, with it healthy, and with two processes
// sharing one spool — once a process on the same directory runs again.
// (tests/programs/wal_recorder.c is the process killed; the large runs with
// the figures are bench/wal_crash_bench.py.)
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sigil/sigil.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "support/harness.h"

using sigil_test::Harness;
using sigil_test::Json;
using sigil_test::stats_of;
using sigil_test::str_at;

namespace {

Harness &h() { return Harness::shared(); }

std::string make_temp_dir() {
  char tmpl[] = "/tmp/sigil-wal-XXXXXX";
  const char *d = mkdtemp(tmpl);
  EXPECT_NE(d, nullptr);
  return std::string(d) + "/spool";
}

void remove_tree(const std::string &dir) {
  std::string cmd = "rm -rf '" + dir.substr(0, dir.rfind('/')) + "'";
  (void)std::system(cmd.c_str());
}

// The contents of every segment file in `dir`, concatenated.
std::string spool_bytes(const std::string &dir) {
  std::string all;
  DIR *d = opendir(dir.c_str());
  if (!d) return all;
  while (dirent *e = readdir(d)) {
    std::string n = e->d_name;
    if (n.rfind("seg-", 0) != 0 || n.size() < 4 || n.compare(n.size() - 4, 4, ".sgs") != 0) continue;
    std::ifstream f(dir + "/" + n, std::ios::binary);
    all.append(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  closedir(d);
  return all;
}

// (format, id) of every frame in the segments of `dir` (the layout of
// export/spool.h: "SIGILSP1", then u32 len | u32 crc | u8 format | u64 ms |
// u16 id_len | id | payload).
std::multiset<std::pair<char, std::string>> frames(const std::string &dir) {
  std::multiset<std::pair<char, std::string>> out;
  DIR *d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent *e = readdir(d)) {
    std::string n = e->d_name;
    if (n.rfind("seg-", 0) != 0) continue;
    std::ifstream f(dir + "/" + n, std::ios::binary);
    std::string b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto le = [&](size_t off, int len) {
      uint64_t v = 0;
      for (int i = len - 1; i >= 0; --i) v = (v << 8) | uint8_t(b[off + size_t(i)]);
      return v;
    };
    size_t off = 8;
    while (off + 8 + 11 <= b.size()) {
      const size_t len = size_t(le(off, 4));
      if (off + 8 + len > b.size()) break;
      const size_t id_len = size_t(le(off + 8 + 9, 2));
      out.insert({b[off + 8], b.substr(off + 8 + 11, id_len)});
      off += 8 + len;
    }
  }
  closedir(d);
  return out;
}

sigil_client_t *make_client(const std::string &endpoint, const std::string &dir, uint32_t mode,
                            uint32_t max_retries = 1) {
  sigil_options_t *o = nullptr;
  sigil_options_new(&o);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
  sigil_options_set_endpoint(o, endpoint.c_str());
  sigil_options_set_max_retries(o, max_retries);
  sigil_options_set_initial_backoff_ms(o, 20);
  sigil_options_set_max_backoff_ms(o, 200);
  sigil_options_set_attempt_timeout_ms(o, 3000);
  sigil_options_set_spool_dir(o, dir.c_str());
  EXPECT_EQ(sigil_options_set_spool_mode(o, mode), SIGIL_OK);
  sigil_client_t *client = nullptr;
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_new(o, &client, &err), SIGIL_OK) << sigil_error_message(err);
  sigil_error_free(err);
  sigil_options_free(o);
  return client;
}

std::multiset<std::string> received_ids() {
  Json caps = h().captures("http_exports");
  Json gens = sigil_test::all_generations(caps.get());
  std::multiset<std::string> out;
  const cJSON *g = nullptr;
  cJSON_ArrayForEach(g, gens.get()) out.insert(str_at(g, {"id"}));
  return out;
}

// A running tests/programs/wal_recorder.
struct Recorder {
  pid_t pid = -1;
  FILE *out = nullptr;
  std::vector<std::string> ended;  // ids whose end returned SIGIL_OK, as printed
  bool done = false;

  Recorder(const std::string &endpoint, const std::string &dir, const char *mode, int n, int threads,
           const std::string &prefix) {
    int fds[2];
    if (pipe(fds) != 0) return;
    const std::string count = std::to_string(n), nthreads = std::to_string(threads);
    pid = fork();
    if (pid == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      execl(SIGIL_WAL_RECORDER, SIGIL_WAL_RECORDER, endpoint.c_str(), dir.c_str(), mode, count.c_str(),
            nthreads.c_str(), prefix.c_str(), (char *)nullptr);
      _exit(127);
    }
    close(fds[1]);
    out = fdopen(fds[0], "r");
  }
  // Reads printed ids until `count` have ended (or the process finished).
  void read_until(size_t count) {
    char line[256];
    while (!done && ended.size() < count && out && fgets(line, sizeof line, out)) {
      std::string s(line);
      if (!s.empty() && s.back() == '\n') s.pop_back();
      if (s.rfind("done ", 0) == 0) {
        done = true;
      } else {
        ended.push_back(s);
      }
    }
  }
  void kill_nine() {
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status));
    // Lines already in the pipe: their end had returned before the kill.
    read_until(SIZE_MAX);
    if (out) fclose(out);
    out = nullptr;
  }
};

// Runs the recorder in replay mode (N = 0) against the healthy harness:
// it exits once the spool holds no segment file.
void replay(const std::string &dir) {
  Recorder r(h().http_endpoint(), dir, "write_ahead", 0, 1, "replay");
  char line[128] = {0};
  if (r.out) (void)!fgets(line, sizeof line, r.out);
  int status = 0;
  waitpid(r.pid, &status, 0);
  if (r.out) fclose(r.out);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "replayer: " << line;
}

// Every id in `ended` arrived at the harness; reports duplicates.
void expect_all_arrived(const std::vector<std::string> &ended) {
  std::multiset<std::string> got = received_ids();
  size_t missing = 0;
  for (const std::string &id : ended) missing += got.count(id) == 0;
  std::set<std::string> unique(got.begin(), got.end());
  EXPECT_EQ(missing, 0u) << missing << " of " << ended.size() << " ended generations never arrived";
  std::printf("[ wal ] ended %zu, received %zu (%zu unique, %zu duplicates), lost %zu\n", ended.size(), got.size(),
              unique.size(), got.size() - unique.size(), missing);
}

class WriteAhead : public ::testing::Test {
 protected:
  void SetUp() override {
    h().reset();
    dir_ = make_temp_dir();
  }
  void TearDown() override { remove_tree(dir_); }
  std::string dir_;
};

}  // namespace

// The option reaches the engine: with the backend down and retries pending,
// the record is in a segment file when end returns (write-ahead), and not in
// fallback mode, where it waits in memory.
TEST_F(WriteAhead, TheRecordIsInTheSpoolWhenEndReturns) {
  const std::string down = "http://127.0.0.1:" + std::to_string(sigil_test::closed_loopback_port());
  sigil_client_t *wal = make_client(down, dir_, SIGIL_SPOOL_MODE_WRITE_AHEAD, 50);
  std::string id;
  ASSERT_EQ(sigil_test::record_text(wal, "wal-conv", "hi", &id), SIGIL_OK);
  EXPECT_NE(spool_bytes(dir_).find(id), std::string::npos) << "not in the spool when end returned";
  sigil_client_shutdown(wal, 0, nullptr);  // left in the spool for the next process
  sigil_client_free(wal);

  const std::string fb_dir = dir_ + "-fallback";
  sigil_client_t *fb = make_client(down, fb_dir, SIGIL_SPOOL_MODE_FALLBACK, 50);
  std::string fb_id;
  ASSERT_EQ(sigil_test::record_text(fb, "fb-conv", "hi", &fb_id), SIGIL_OK);
  EXPECT_EQ(spool_bytes(fb_dir).find(fb_id), std::string::npos);
  sigil_client_shutdown(fb, 0, nullptr);  // abandoned at the deadline: spooled now
  sigil_client_free(fb);
}

// A record is acknowledged only once the server answered: while the
// harness holds the request, it is in the spool without an acknowledgement;
// after the answer it has one, and a closed client leaves no segment behind.
TEST_F(WriteAhead, RecordsLeaveTheSpoolOnlyAfterTheAnswer) {
  sigil_client_t *client = make_client(h().http_endpoint(), dir_, SIGIL_SPOOL_MODE_WRITE_AHEAD);
  h().stall("http", 1500);
  std::string id;
  ASSERT_EQ(sigil_test::record_text(client, "wal-ack", "hi", &id), SIGIL_OK);
  auto before = frames(dir_);
  EXPECT_EQ(before.count({'G', id}), 1u);
  EXPECT_EQ(before.count({'A', id}), 0u) << "acknowledged before the server answered";
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  auto after = frames(dir_);
  EXPECT_EQ(after.count({'A', id}), 1u);
  sigil_stats_t s = stats_of(client);
  EXPECT_EQ(s.generations_exported, 1u);
  EXPECT_EQ(s.generations_spooled, 0u);  // nothing was left to replay
  h().stall("http", 0);
  sigil_client_free(client);
  EXPECT_TRUE(frames(dir_).empty()) << "an answered segment was left behind";
  EXPECT_EQ(received_ids().count(id), 1u);
}

// Write-ahead without a spool directory is a configuration error.
TEST_F(WriteAhead, NeedsASpoolDirectory) {
  sigil_options_t *o = nullptr;
  sigil_options_new(&o);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
  sigil_options_set_endpoint(o, h().http_endpoint().c_str());
  EXPECT_EQ(sigil_options_set_spool_mode(o, 7), SIGIL_E_INVALID_ARGUMENT);
  ASSERT_EQ(sigil_options_set_spool_mode(o, SIGIL_SPOOL_MODE_WRITE_AHEAD), SIGIL_OK);
  sigil_client_t *client = nullptr;
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_new(o, &client, &err), SIGIL_E_CONFIG);
  EXPECT_NE(std::string(sigil_error_message(err)).find("spool directory"), std::string::npos);
  sigil_error_free(err);
  sigil_options_free(o);
}

// kill -9 mid-stream with the backend down: everything ended is in the
// spool, and the restarted process delivers it.
TEST_F(WriteAhead, KillNineWithTheBackendDownLosesNothing) {
  const std::string down = "http://127.0.0.1:" + std::to_string(sigil_test::closed_loopback_port());
  Recorder r(down, dir_, "write_ahead", 400, 4, "down");
  r.read_until(150);
  ASSERT_GE(r.ended.size(), 150u);
  r.kill_nine();
  replay(dir_);
  expect_all_arrived(r.ended);
}

// kill -9 mid-stream with a healthy backend: what was queued or in flight
// is replayed by the restarted process (delivered ones at most once more).
TEST_F(WriteAhead, KillNineWithAHealthyBackendLosesNothing) {
  h().stall("http", 50);  // some requests in flight at the kill
  Recorder r(h().http_endpoint(), dir_, "write_ahead", 400, 4, "healthy");
  r.read_until(200);
  ASSERT_GE(r.ended.size(), 200u);
  r.kill_nine();
  h().stall("http", 0);
  replay(dir_);
  expect_all_arrived(r.ended);
}

// Two processes share one spool; one is killed mid-stream, the other
// finishes; the restarted process delivers the dead one's records.
TEST_F(WriteAhead, KillNineOfOneOfTwoProcessesSharingASpoolLosesNothing) {
  h().stall("http", 50);
  Recorder a(h().http_endpoint(), dir_, "write_ahead", 300, 2, "a");
  Recorder b(h().http_endpoint(), dir_, "write_ahead", 300, 2, "b");
  a.read_until(120);
  ASSERT_GE(a.ended.size(), 120u);
  a.kill_nine();
  b.read_until(SIZE_MAX);  // b records all of its own
  EXPECT_TRUE(b.done);
  b.kill_nine();
  h().stall("http", 0);
  replay(dir_);
  std::vector<std::string> ended = a.ended;
  ended.insert(ended.end(), b.ended.begin(), b.ended.end());
  expect_all_arrived(ended);
}
