// Records are finished (privacy pass, span, metrics, enqueue) off the
// caller's thread; through the public ABI against the capture harness:
// flush delivers everything ended before it, stats and snapshots right after
// end see the record, nothing unredacted reaches the spool, a fork with
// records still being finished exports each once, shutdown drains.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sigil/sigil.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "support/fork_skip.h"
#include "support/harness.h"

using sigil_test::Harness;
using sigil_test::Json;
using sigil_test::stats_of;
using sigil_test::str_at;

namespace {

const char kSecret[] = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";

struct Config {
  std::string endpoint;
  std::string otlp_endpoint;
  std::string spool_dir;
  uint32_t queue_size = 0;
  bool retries = true;
};

sigil_client_t *make_client(const Config &c) {
  sigil_options_t *o = nullptr;
  sigil_options_new(&o);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
  sigil_options_set_endpoint(o, c.endpoint.c_str());
  sigil_options_set_flush_interval_ms(o, 60000);
  sigil_options_set_initial_backoff_ms(o, 10);
  sigil_options_set_max_backoff_ms(o, 20);
  if (!c.retries) sigil_options_set_no_retries(o);
  if (c.queue_size) sigil_options_set_queue_size(o, c.queue_size);
  if (!c.otlp_endpoint.empty()) sigil_options_set_otlp_endpoint(o, c.otlp_endpoint.c_str());
  if (!c.spool_dir.empty()) sigil_options_set_spool_dir(o, c.spool_dir.c_str());
  sigil_options_set_content_capture_mode(o, SIGIL_CONTENT_CAPTURE_FULL);
  sigil_client_t *client = nullptr;
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_new(o, &client, &err), SIGIL_OK) << sigil_error_message(err);
  sigil_error_free(err);
  sigil_options_free(o);
  return client;
}

sigil_status_t record(sigil_client_t *client, const char *conversation, const std::string &text = "hello") {
  return sigil_test::record_text(client, conversation, text);
}

std::set<std::string> exported_ids(const cJSON *captures, size_t *total) {
  std::set<std::string> out;
  Json gens = sigil_test::all_generations(captures);
  const cJSON *g = nullptr;
  *total = 0;
  cJSON_ArrayForEach(g, gens.get()) {
    out.insert(str_at(g, {"id"}));
    ++*total;
  }
  return out;
}

size_t span_count(const cJSON *captures) {
  size_t n = 0;
  const cJSON *cap = nullptr;
  cJSON_ArrayForEach(cap, captures) n += size_t(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cap, "spans")));
  return n;
}

std::string temp_dir() {
  char tmpl[] = "/tmp/sigil-finishing-XXXXXX";
  const char *dir = mkdtemp(tmpl);
  EXPECT_NE(dir, nullptr);
  return dir ? std::string(dir) + "/spool" : std::string();
}

// Every byte of every file under `dir` (the spool's segments, any format).
std::string read_tree(const std::string &dir) {
  std::string out;
  DIR *d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent *e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string path = dir + "/" + name;
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      out += read_tree(path);
    } else {
      std::ifstream f(path, std::ios::binary);
      std::ostringstream ss;
      ss << f.rdbuf();
      out += ss.str();
    }
  }
  closedir(d);
  return out;
}

class Finishing : public ::testing::Test {
 protected:
  void SetUp() override { Harness::shared().reset(); }
  Harness &h() { return Harness::shared(); }
  Config cfg() {
    Config c;
    c.endpoint = h().http_endpoint();
    c.otlp_endpoint = h().otlp_endpoint();
    return c;
  }
};

}  // namespace

// Everything ended before a flush is delivered by it: generations and spans.
TEST_F(Finishing, FlushAfterEndDeliversEverything) {
  sigil_client_t *client = make_client(cfg());
  const int n = 250;
  for (int i = 0; i < n; ++i) ASSERT_EQ(record(client, "flush"), SIGIL_OK);
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  sigil_stats_t s = stats_of(client);
  EXPECT_EQ(s.generations_enqueued, uint64_t(n));
  EXPECT_EQ(s.generations_exported, uint64_t(n));
  size_t total = 0;
  std::set<std::string> ids = exported_ids(h().captures("http_exports").get(), &total);
  EXPECT_EQ(total, size_t(n));
  EXPECT_EQ(ids.size(), size_t(n));
  EXPECT_EQ(span_count(h().captures("otlp_traces").get()), size_t(n));
  sigil_client_free(client);
}

// Stats and the metrics snapshot taken right after end include the record.
TEST_F(Finishing, StatsAndSnapshotRightAfterEndSeeTheRecord) {
  sigil_client_t *client = make_client(cfg());
  for (int i = 1; i <= 20; ++i) {
    ASSERT_EQ(record(client, "stats"), SIGIL_OK);
    sigil_stats_t s = stats_of(client);
    ASSERT_EQ(s.generations_enqueued, uint64_t(i));
    char *json = nullptr;
    ASSERT_EQ(sigil_client_metrics_snapshot(client, &json, nullptr, nullptr), SIGIL_OK);
    std::string snapshot(json);
    sigil_metrics_snapshot_free(json);
    ASSERT_NE(snapshot.find("\"count\":" + std::to_string(i) + ","), std::string::npos) << snapshot;
  }
  sigil_client_free(client);
}

// Records the exporter cannot deliver are spooled; the spool holds only the
// privacy pass's output, whether the record was finished by the finisher
// (retry budget exhausted) or by the caller (queue full: overflow).
TEST_F(Finishing, NothingUnredactedReachesTheSpool) {
  Config c = cfg();
  c.endpoint = "http://127.0.0.1:" + std::to_string(sigil_test::closed_loopback_port());
  c.spool_dir = temp_dir();
  c.retries = false;
  c.queue_size = 5;
  sigil_client_t *client = make_client(c);
  const int n = 12;  // more than the queue holds
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(record(client, "spooled", std::string("token ") + kSecret + " mail bob@example.com"), SIGIL_OK);
  }
  sigil_client_flush(client, 10000, nullptr);
  ASSERT_EQ(sigil_client_shutdown(client, 10000, nullptr), SIGIL_OK);
  sigil_stats_t s = stats_of(client);
  sigil_client_free(client);
  EXPECT_EQ(s.generations_spooled, uint64_t(n));
  const std::string bytes = read_tree(c.spool_dir);
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(bytes.find(kSecret), std::string::npos);
  EXPECT_EQ(bytes.find("abcdefghijklmnopqrstuvwxyz0123456789"), std::string::npos);
  EXPECT_EQ(bytes.find("bob@example.com"), std::string::npos);
  EXPECT_NE(bytes.find("[REDACTED:github-pat]"), std::string::npos);
  std::string rm = "rm -rf '" + c.spool_dir.substr(0, c.spool_dir.rfind('/')) + "'";
  EXPECT_EQ(std::system(rm.c_str()), 0);
}

// A fork right after many ends (some still with the finisher): the parent
// exports each of its records once, the child only its own.
TEST_F(Finishing, ForkWithRecordsBeingFinishedExportsEachOnce) {
  SKIP_FORK_UNDER_SANITIZERS();
  sigil_client_t *client = make_client(cfg());
  const int n = 300;
  for (int i = 0; i < n; ++i) ASSERT_EQ(record(client, "parent"), SIGIL_OK);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int rc = 0;
    for (int i = 0; i < 2; ++i) rc |= record(client, "child") != SIGIL_OK;
    sigil_stats_t s = SIGIL_STATS_INIT;
    sigil_client_stats(client, &s);
    rc |= (s.generations_enqueued != 2) << 1;
    rc |= (sigil_client_flush(client, 10000, nullptr) != SIGIL_OK) << 2;
    sigil_client_stats(client, &s);
    rc |= (s.generations_exported != 2) << 3;
    rc |= (sigil_client_shutdown(client, 10000, nullptr) != SIGIL_OK) << 4;
    sigil_client_free(client);
    _exit(rc);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  EXPECT_EQ(stats_of(client).generations_exported, uint64_t(n));
  sigil_client_free(client);

  size_t total = 0;
  Json caps = h().captures("http_exports");
  std::set<std::string> ids = exported_ids(caps.get(), &total);
  EXPECT_EQ(total, size_t(n + 2));
  EXPECT_EQ(ids.size(), size_t(n + 2));
}

// Shutdown right after the ends finishes and delivers them within its deadline.
TEST_F(Finishing, ShutdownDrainsWithinTheDeadline) {
  sigil_client_t *client = make_client(cfg());
  const int n = 300;
  for (int i = 0; i < n; ++i) ASSERT_EQ(record(client, "shutdown"), SIGIL_OK);
  ASSERT_EQ(sigil_client_shutdown(client, 10000, nullptr), SIGIL_OK);
  sigil_stats_t s = stats_of(client);
  EXPECT_EQ(s.generations_exported, uint64_t(n));
  EXPECT_EQ(s.dropped_total, 0u);
  sigil_client_free(client);
  size_t total = 0;
  exported_ids(h().captures("http_exports").get(), &total);
  EXPECT_EQ(total, size_t(n));
  EXPECT_EQ(span_count(h().wait("otlp_traces", 1).get()), size_t(n));
}
