// The durable spool and fault handling against the real capture harness:
// backend down at start and for a while mid-run, 5xx storms, 429 with
// Retry-After, slow responses, partial rejects, connection drops, a full
// spool, and kill -9 of a producer followed by a restart on the same spool.
// Every test accounts for each generation as delivered or dropped with a reason.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sigil/sigil.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/harness.h"

using sigil_test::Harness;
using sigil_test::Json;
using sigil_test::str_at;

namespace {

// How long the backend is down mid-run (SIGIL_TEST_OUTAGE_MS, default 3 s).
int outage_ms() {
  const char *v = std::getenv("SIGIL_TEST_OUTAGE_MS");
  return v ? std::atoi(v) : 3000;
}

std::string make_temp_dir() {
  char tmpl[] = "/tmp/sigil-spool-XXXXXX";
  const char *d = mkdtemp(tmpl);
  EXPECT_NE(d, nullptr);
  return std::string(d) + "/spool";  // the client creates it
}

void remove_tree(const std::string &dir) {
  std::string cmd = "rm -rf '" + dir.substr(0, dir.rfind('/')) + "'";
  (void)std::system(cmd.c_str());
}

std::vector<std::string> segment_files(const std::string &dir) {
  std::vector<std::string> out;
  DIR *d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent *e = readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 4 && n.compare(n.size() - 4, 4, ".sgs") == 0) out.push_back(dir + "/" + n);
  }
  closedir(d);
  return out;
}

struct Config {
  uint32_t protocol = SIGIL_PROTOCOL_HTTP;
  std::string endpoint;
  std::string spool_dir;
  uint32_t max_retries = 1;
  uint32_t attempt_timeout_ms = 3000;
  uint64_t spool_max_bytes = 0;
};

sigil_client_t *make_client(const Config &c) {
  sigil_options_t *o = nullptr;
  sigil_options_new(&o);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, c.protocol);
  sigil_options_set_endpoint(o, c.endpoint.c_str());
  if (c.max_retries == 0) sigil_options_set_no_retries(o);
  else sigil_options_set_max_retries(o, c.max_retries);
  sigil_options_set_initial_backoff_ms(o, 20);
  sigil_options_set_max_backoff_ms(o, 200);
  sigil_options_set_flush_interval_ms(o, 60000);
  sigil_options_set_attempt_timeout_ms(o, c.attempt_timeout_ms);
  if (!c.spool_dir.empty()) sigil_options_set_spool_dir(o, c.spool_dir.c_str());
  if (c.spool_max_bytes) sigil_options_set_spool_max_bytes(o, c.spool_max_bytes);
  sigil_options_set_spool_sync(o, SIGIL_SPOOL_SYNC_NONE);
  sigil_client_t *client = nullptr;
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_new(o, &client, &err), SIGIL_OK) << sigil_error_message(err);
  sigil_error_free(err);
  sigil_options_free(o);
  return client;
}

std::string record(sigil_client_t *client, const char *conversation) {
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  s.conversation_id = conversation;
  s.model_provider = "openai";
  s.model_name = "gpt-4o";
  sigil_generation_t *g = nullptr;
  sigil_generation_start(client, &s, &g);
  sigil_generation_add_message(g, SIGIL_INPUT, SIGIL_ROLE_USER, nullptr);
  sigil_generation_add_text(g, SIGIL_INPUT, "hi", 2);
  EXPECT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  std::string id = sigil_generation_id(g);
  sigil_generation_free(g);
  return id;
}

sigil_stats_t stats_of(sigil_client_t *c) {
  sigil_stats_t s = SIGIL_STATS_INIT;
  EXPECT_EQ(sigil_client_stats(c, &s), SIGIL_OK);
  return s;
}

// Generation ids the harness received (any number of times), and how many arrived.
std::multiset<std::string> received_ids() {
  Json caps = Harness::shared().captures("http_exports");
  Json gens = sigil_test::all_generations(caps.get());
  std::multiset<std::string> out;
  const cJSON *g = nullptr;
  cJSON_ArrayForEach(g, gens.get()) out.insert(str_at(g, {"id"}));
  return out;
}

// Polls until every id in `ids` arrived (or the timeout).
bool wait_for_ids(const std::vector<std::string> &ids, int timeout_ms) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    std::multiset<std::string> got = received_ids();
    bool all = true;
    for (const std::string &id : ids) all = all && got.count(id) > 0;
    if (all) return true;
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

class Spool : public ::testing::Test {
 protected:
  void SetUp() override {
    Harness::shared().reset();
    dir_ = make_temp_dir();
  }
  void TearDown() override { remove_tree(dir_); }
  Harness &h() { return Harness::shared(); }
  Config cfg() {
    Config c;
    c.endpoint = h().http_endpoint();
    c.spool_dir = dir_;
    return c;
  }
  std::string dir_;
};

}  // namespace

TEST_F(Spool, DirectoryAndFilesArePrivate) {
  Config c = cfg();
  c.endpoint = "http://127.0.0.1:" + std::to_string(sigil_test::closed_loopback_port());
  c.max_retries = 0;
  sigil_client_t *client = make_client(c);
  record(client, "private");
  ASSERT_EQ(sigil_client_flush(client, 5000, nullptr), SIGIL_OK);
  struct stat st {};
  ASSERT_EQ(stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  std::vector<std::string> segs = segment_files(dir_);
  ASSERT_EQ(segs.size(), 1u);
  ASSERT_EQ(stat(segs[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  sigil_client_free(client);
}

// Backend down at start: everything is spooled; the next process (client) on
// the same spool delivers it once the backend is up.
TEST_F(Spool, BackendDownAtStartThenTheNextClientReplays) {
  Config down = cfg();
  down.endpoint = "http://127.0.0.1:" + std::to_string(sigil_test::closed_loopback_port());
  sigil_client_t *client = make_client(down);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(record(client, "down-at-start"));
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  sigil_stats_t s = stats_of(client);
  EXPECT_EQ(s.generations_spooled, 5u);
  EXPECT_EQ(s.dropped_total, 0u);
  EXPECT_EQ(s.generations_exported + s.generations_rejected + s.generations_spooled + s.dropped_total, 5u);
  ASSERT_EQ(sigil_client_shutdown(client, 5000, nullptr), SIGIL_OK);
  sigil_client_free(client);
  EXPECT_FALSE(segment_files(dir_).empty());

  sigil_client_t *next = make_client(cfg());
  ASSERT_TRUE(wait_for_ids(ids, 10000));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(stats_of(next).generations_replayed, 5u);
  EXPECT_TRUE(segment_files(dir_).empty());  // removed once accepted
  std::multiset<std::string> got = received_ids();
  for (const std::string &id : ids) EXPECT_EQ(got.count(id), 1u) << id;
  sigil_client_free(next);
}

// Backend down for a while mid-run (a 503 storm for outage_ms): the running
// client spools, keeps recording, and replays as soon as the backend answers.
TEST_F(Spool, OutageMidRunIsReplayedByTheRunningClient) {
  sigil_client_t *client = make_client(cfg());
  std::string before = record(client, "before");
  ASSERT_EQ(sigil_client_flush(client, 5000, nullptr), SIGIL_OK);
  ASSERT_TRUE(wait_for_ids({before}, 5000));
  std::vector<std::string> ids;
  h().script("http", R"([{"status":503},{"status":503},{"status":503},{"status":503},{"status":503},
                         {"status":503},{"status":503},{"status":503},{"status":503},{"status":503}])");
  auto outage_end = std::chrono::steady_clock::now() + std::chrono::milliseconds(outage_ms());
  // The storm outlasts the retry budget: records are spooled.
  for (int i = 0; i < 3; ++i) ids.push_back(record(client, "during"));
  ASSERT_EQ(sigil_client_flush(client, 5000, nullptr), SIGIL_OK);
  EXPECT_GE(stats_of(client).generations_spooled, 3u);
  // Keep the backend "down" for the rest of the window (every request fails).
  while (std::chrono::steady_clock::now() < outage_end) {
    h().script("http", R"([{"close":true}])");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  h().reset();  // the backend is back (and the captures start over)
  ids.push_back(record(client, "after"));
  ASSERT_EQ(sigil_client_flush(client, 5000, nullptr), SIGIL_OK);
  bool all = wait_for_ids(ids, 10000);
  sigil_stats_t mid = stats_of(client);
  ASSERT_TRUE(all) << "spooled " << mid.generations_spooled << " replayed " << mid.generations_replayed
                   << " exported " << mid.generations_exported << " attempts " << mid.export_attempts
                   << " received " << received_ids().size();
  ASSERT_EQ(sigil_client_shutdown(client, 5000, nullptr), SIGIL_OK);
  sigil_stats_t s = stats_of(client);
  EXPECT_EQ(s.generations_exported + s.generations_rejected + s.generations_spooled + s.dropped_total, 5u);
  EXPECT_EQ(s.generations_replayed, s.generations_spooled);
  EXPECT_EQ(s.dropped_total, 0u);
  sigil_client_free(client);
}

// 429 with Retry-After, a slow response beyond the attempt timeout, a dropped
// connection and a partial reject: retried, then delivered or rejected.
TEST_F(Spool, TransientFaultsAreRetriedAndAccounted) {
  Config c = cfg();
  c.max_retries = 3;
  c.attempt_timeout_ms = 300;
  sigil_client_t *client = make_client(c);
  h().script("http", R"([{"status":429,"headers":{"Retry-After":"0"}},{"delay_ms":1000},{"close":true}])");
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(record(client, "faults"));
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  sigil_stats_t s = stats_of(client);
  EXPECT_EQ(s.generations_exported, 3u);
  EXPECT_EQ(s.export_retries, 3u);
  h().script("http", "[{\"reject\":[\"" + record(client, "partial") + "\"]}]");
  record(client, "partial");
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  s = stats_of(client);
  EXPECT_EQ(s.generations_rejected, 1u);
  EXPECT_EQ(s.generations_exported + s.generations_rejected + s.generations_spooled + s.dropped_total, 5u);
  sigil_client_free(client);
}

// Full disk, simulated with a tiny spool byte budget: what does not fit is
// dropped as spool_full, and nothing is unaccounted for.
TEST_F(Spool, FullSpoolDropsWithReasonSpoolFull) {
  Config c = cfg();
  c.endpoint = "http://127.0.0.1:" + std::to_string(sigil_test::closed_loopback_port());
  c.max_retries = 0;
  c.spool_max_bytes = 1200;  // room for a few records only
  sigil_client_t *client = make_client(c);
  for (int i = 0; i < 20; ++i) record(client, "full");
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  sigil_stats_t s = stats_of(client);
  EXPECT_GT(s.generations_spooled, 0u);
  EXPECT_GT(s.dropped_spool_full, 0u);
  EXPECT_EQ(s.generations_spooled + s.dropped_spool_full, 20u);
  EXPECT_EQ(s.generations_exported + s.generations_rejected + s.generations_spooled + s.dropped_total, 20u);
  sigil_client_free(client);
}

// kill -9 of a producer after it spooled (and a torn write at the tail of
// its segment): a restart on the same spool delivers every spooled record.
TEST_F(Spool, KillNineThenRestartLosesNothingSpooled) {
  std::string down = "http://127.0.0.1:" + std::to_string(sigil_test::closed_loopback_port());
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    execl(SIGIL_SPOOL_PRODUCER, SIGIL_SPOOL_PRODUCER, down.c_str(), dir_.c_str(), "7", (char *)nullptr);
    _exit(127);
  }
  close(out[1]);
  char buf[128] = {0};
  ssize_t n = read(out[0], buf, sizeof buf - 1);
  close(out[0]);
  ASSERT_GT(n, 0);
  EXPECT_STREQ(buf, "spooled 7 exported 0\n");
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  // A torn record after the last good one, as a crash mid-append leaves it.
  std::vector<std::string> segs = segment_files(dir_);
  ASSERT_EQ(segs.size(), 1u);
  int fd = open(segs[0].c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "\x40\x00\x00\x00\x12\x34", 6), 6);
  close(fd);

  sigil_client_t *client = make_client(cfg());
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (stats_of(client).generations_replayed < 7 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(stats_of(client).generations_replayed, 7u);
  std::multiset<std::string> got = received_ids();
  EXPECT_EQ(got.size(), 7u);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), 7u);
  sigil_client_free(client);
  EXPECT_TRUE(segment_files(dir_).empty());
}

// Over gRPC the spool keeps one-generation ExportGenerationsRequests, which
// replay concatenates into one request.
TEST_F(Spool, GrpcSpoolIsReplayedOverGrpc) {
  Config down = cfg();
  down.protocol = SIGIL_PROTOCOL_GRPC;
  down.endpoint = "127.0.0.1:" + std::to_string(sigil_test::closed_loopback_port());
  down.max_retries = 0;
  sigil_client_t *client = make_client(down);
  std::set<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.insert(record(client, "grpc-spool"));
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  EXPECT_EQ(stats_of(client).generations_spooled, 4u);
  sigil_client_free(client);

  Config up = cfg();
  up.protocol = SIGIL_PROTOCOL_GRPC;
  up.endpoint = h().grpc_endpoint();
  sigil_client_t *next = make_client(up);
  Json caps = h().wait("grpc_exports", 1);
  Json gens = sigil_test::all_generations(caps.get());
  std::set<std::string> got;
  const cJSON *g = nullptr;
  cJSON_ArrayForEach(g, gens.get()) got.insert(str_at(g, {"id"}));
  EXPECT_EQ(got, ids);
  EXPECT_EQ(cJSON_GetArraySize(gens.get()), 4);
  sigil_client_free(next);
  EXPECT_TRUE(segment_files(dir_).empty());
}

// The shutdown deadline passes with a batch in flight and more queued: both
// are spooled, not dropped, and the next client delivers them.
TEST_F(Spool, ShutdownDeadlineSpoolsWhatIsLeft) {
  Config c = cfg();
  c.attempt_timeout_ms = 10000;
  sigil_client_t *client = make_client(c);
  h().stall("http", 3000);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(record(client, "deadline"));
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_shutdown(client, 200, &err), SIGIL_E_TIMEOUT);
  std::string msg = sigil_error_message(err);
  sigil_error_free(err);
  EXPECT_NE(msg.find("3 spooled, 0 dropped"), std::string::npos) << msg;
  sigil_stats_t s = stats_of(client);
  EXPECT_EQ(s.generations_spooled, 3u);
  EXPECT_EQ(s.dropped_total, 0u);
  sigil_client_free(client);
  h().reset();
  sigil_client_t *next = make_client(cfg());
  EXPECT_TRUE(wait_for_ids(ids, 10000));
  sigil_client_free(next);
}
