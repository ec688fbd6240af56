// The durable spool and fault handling against the real capture harness:
// backend down at start and for a while mid-run, 5xx storms, 429 with
// Retry-After, slow responses, partial rejects, connection drops, a full
// spool, a full disk, an export queue overflowing while the backend stalls,
// an idle client replaying on its own, records spooled over one transport
// and replayed over the other, and kill -9 of a producer followed by a
// restart on the same spool. Every test accounts for each generation as
// delivered or dropped with a reason.
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
using sigil_test::stats_of;
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
  uint32_t max_backoff_ms = 200;
  uint64_t spool_max_bytes = 0;
  uint32_t queue_size = 0;  // 0: the defaults
  uint32_t batch_size = 0;
  uint32_t spool_sync = SIGIL_SPOOL_SYNC_NONE;
  uint64_t spool_max_age_ms = 0;  // 0: the default
};

sigil_client_t *make_client(const Config &c) {
  sigil_options_t *o = nullptr;
  sigil_options_new(&o);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, c.protocol);
  sigil_options_set_endpoint(o, c.endpoint.c_str());
  if (c.max_retries == 0)
    sigil_options_set_no_retries(o);
  else
    sigil_options_set_max_retries(o, c.max_retries);
  sigil_options_set_initial_backoff_ms(o, 20);
  sigil_options_set_max_backoff_ms(o, c.max_backoff_ms);
  sigil_options_set_flush_interval_ms(o, 60000);
  sigil_options_set_attempt_timeout_ms(o, c.attempt_timeout_ms);
  if (c.queue_size) sigil_options_set_queue_size(o, c.queue_size);
  if (c.batch_size) sigil_options_set_batch_size(o, c.batch_size);
  sigil_options_set_content_capture_mode(o, SIGIL_CONTENT_CAPTURE_FULL);
  if (!c.spool_dir.empty()) sigil_options_set_spool_dir(o, c.spool_dir.c_str());
  if (c.spool_max_bytes) sigil_options_set_spool_max_bytes(o, c.spool_max_bytes);
  sigil_options_set_spool_sync(o, c.spool_sync);
  if (c.spool_max_age_ms) sigil_options_set_spool_max_age_ms(o, c.spool_max_age_ms);
  sigil_client_t *client = nullptr;
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_new(o, &client, &err), SIGIL_OK) << sigil_error_message(err);
  sigil_error_free(err);
  sigil_options_free(o);
  return client;
}

std::string record(sigil_client_t *client, const char *conversation) {
  std::string id;
  EXPECT_EQ(sigil_test::record_text(client, conversation, "hi", &id), SIGIL_OK);
  return id;
}

// The client's counters and what waits in the spool: printed when a wait fails.
std::string describe(sigil_client_t *c, const std::string &dir) {
  sigil_stats_t s = stats_of(c);
  return "enqueued " + std::to_string(s.generations_enqueued) + ", exported " + std::to_string(s.generations_exported) +
         ", rejected " + std::to_string(s.generations_rejected) + ", spooled " + std::to_string(s.generations_spooled) +
         ", replayed " + std::to_string(s.generations_replayed) + ", dropped " + std::to_string(s.dropped_total) +
         ", attempts " + std::to_string(s.export_attempts) + ", retries " + std::to_string(s.export_retries) +
         ", queued " + std::to_string(s.queue_items) + ", segment files " + std::to_string(segment_files(dir).size());
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

// The age budget: UINT64_MAX means "never expire" (it once wrapped around
// and expired everything); a budget shorter than the records' age drops them
// as spool_full without sending them.
TEST_F(Spool, AgeBudgetExpiresOldRecordsAndMaxNeverDoes) {
  Config down = cfg();
  down.endpoint = "http://127.0.0.1:" + std::to_string(sigil_test::closed_loopback_port());
  auto spool_two = [&](const char *conversation) {
    sigil_client_t *client = make_client(down);
    std::vector<std::string> ids = {record(client, conversation), record(client, conversation)};
    EXPECT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
    EXPECT_EQ(stats_of(client).generations_spooled, 2u);
    EXPECT_EQ(sigil_client_shutdown(client, 5000, nullptr), SIGIL_OK);
    sigil_client_free(client);
    return ids;
  };
  auto replay_with_max_age = [&](uint64_t max_age_ms) {
    Config up = cfg();
    up.spool_max_age_ms = max_age_ms;
    sigil_client_t *client = make_client(up);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!segment_files(dir_).empty() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(segment_files(dir_).empty()) << describe(client, dir_);
    sigil_stats_t s = stats_of(client);
    EXPECT_EQ(sigil_client_shutdown(client, 5000, nullptr), SIGIL_OK);
    sigil_client_free(client);
    return s;
  };

  std::vector<std::string> kept = spool_two("age-never");
  sigil_stats_t s = replay_with_max_age(UINT64_MAX);
  EXPECT_EQ(s.generations_replayed, 2u);
  EXPECT_EQ(s.dropped_spool_full, 0u);
  EXPECT_TRUE(wait_for_ids(kept, 5000));

  std::vector<std::string> expired = spool_two("age-short");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the records must be older than the budget
  s = replay_with_max_age(1);
  EXPECT_EQ(s.generations_replayed, 0u);
  EXPECT_EQ(s.dropped_spool_full, 2u);
  std::multiset<std::string> got = received_ids();
  for (const std::string &id : expired) EXPECT_EQ(got.count(id), 0u) << id;
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
  ASSERT_TRUE(all) << "spooled " << mid.generations_spooled << " replayed " << mid.generations_replayed << " exported "
                   << mid.generations_exported << " attempts " << mid.export_attempts << " received "
                   << received_ids().size();
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
  EXPECT_STREQ(buf, "spooled 7 exported 0 spool_full 0\n");
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

namespace {

// Records a generation that uses every sigil.v1 field (nested metadata too);
// returns its id.
std::string record_every_field(sigil_client_t *client, const char *id) {
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  s.id = id;
  s.conversation_id = "conv-cross";
  s.conversation_title = "Cross-transport";
  s.user_id = "user-7";
  s.agent_name = "assistant";
  s.agent_version = "2.0.0";
  s.model_provider = "anthropic";
  s.model_name = "claude-sonnet-4-5";
  s.system_prompt = "Be concise. \xe2\x9c\x93";
  s.has_max_tokens = 1;
  s.max_tokens = 0;
  s.has_temperature = 1;
  s.temperature = 0.7;
  s.has_top_p = 1;
  s.top_p = 0.9;
  s.tool_choice = "auto";
  s.has_thinking_enabled = 1;
  s.thinking_enabled = 0;
  const char tools[] =
      R"([{"name":"weather","description":"d","type":"function","input_schema_json":{"type":"object"},"deferred":true}])";
  s.tools_json = tools;
  s.tools_json_len = sizeof tools - 1;
  const char tags[] = R"({"env":"test","empty":""})";
  s.tags_json = tags;
  s.tags_json_len = sizeof tags - 1;
  const char md[] = R"({"n":2.5,"big":1e300,"neg":-0.125,"t":true,"nil":null,"s":"x",)"
                    R"("nested":{"l":[1,"a",false,null,{"x":{}},[]],"o":{"k":"v"}}})";
  s.metadata_json = md;
  s.metadata_json_len = sizeof md - 1;
  s.started_at_ns = 1700000000123456789;
  sigil_generation_t *g = nullptr;
  EXPECT_EQ(sigil_generation_start(client, &s, &g), SIGIL_OK);
  const char result[] =
      R"({"input":[{"role":"MESSAGE_ROLE_USER","name":"u","parts":[{"text":"weather?","metadata":{"provider_type":"text"}}]},)"
      R"({"role":"MESSAGE_ROLE_TOOL","parts":[{"tool_result":{"tool_call_id":"c1","name":"weather","content":"18C","content_json":{"t":18},"is_error":true}}]}],)"
      R"("output":[{"role":"MESSAGE_ROLE_ASSISTANT","parts":[{"thinking":"look"},{"tool_call":{"id":"c1","name":"weather","input_json":{"city":"Paris"}}},)"
      R"({"media":{"kind":"image","url":"https://x/y.png","mime_type":"image/png","name":"y"}},{"text":"18C"}]}],)"
      R"("usage":{"input_tokens":9007199254740993,"output_tokens":42,"cache_read_input_tokens":30,"cache_write_input_tokens":4,"reasoning_tokens":9},)"
      R"("stop_reason":"end_turn","response_id":"msg_1","response_model":"claude-sonnet-4-5-2025",)"
      R"("raw_artifacts":[{"kind":"ARTIFACT_KIND_PROVIDER_EVENT","name":"ev","content_type":"application/json","payload":{"a":1},"record_id":"r1","uri":"s3://b/k"}],)"
      R"("parent_generation_ids":["gen_parent","gen_parent_2"],)"
      R"("effective_version":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})";
  EXPECT_EQ(sigil_generation_set_result_json(g, result, sizeof result - 1), SIGIL_OK);
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_generation_end(g, &err), SIGIL_OK) << sigil_error_message(err);
  sigil_error_free(err);
  std::string out = sigil_generation_id(g);
  sigil_generation_free(g);
  return out;
}

// Both generations as the harness decoded them (protojson of the parsed
// sigil.v1 message, bytes also as text): every top-level field equal.
void expect_same_generation(const cJSON *original, const cJSON *replayed) {
  ASSERT_NE(original, nullptr);
  ASSERT_NE(replayed, nullptr);
  std::set<std::string> keys;
  const cJSON *f = nullptr;
  cJSON_ArrayForEach(f, original) keys.insert(f->string);
  cJSON_ArrayForEach(f, replayed) keys.insert(f->string);
  EXPECT_GE(keys.size(), 28u) << "the generation should use (nearly) every field";
  for (const std::string &k : keys) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(original, k.c_str());
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(replayed, k.c_str());
    char *as = a ? cJSON_PrintUnformatted(a) : nullptr;
    char *bs = b ? cJSON_PrintUnformatted(b) : nullptr;
    EXPECT_TRUE(a && b && cJSON_Compare(a, b, true))
        << "field " << k << ": original " << (as ? as : "(absent)") << ", replayed " << (bs ? bs : "(absent)");
    cJSON_free(as);
    cJSON_free(bs);
  }
}

// The generation that arrived in the only capture of `kind` (after waiting for it).
Json only_generation(const char *kind) {
  Json caps = Harness::shared().wait(kind, 1);
  EXPECT_EQ(cJSON_GetArraySize(caps.get()), 1);
  Json gens = sigil_test::all_generations(caps.get());
  EXPECT_EQ(cJSON_GetArraySize(gens.get()), 1);
  return Json(cJSON_Duplicate(cJSON_GetArrayItem(gens.get(), 0), true));
}

// Runs tests/programs/spool_producer; returns its pid (to kill -9) and the
// line it printed once its records were spooled.
pid_t run_producer(const std::string &endpoint, const std::string &dir, int n, const char *max_file_bytes,
                   std::string &line) {
  int out[2];
  if (pipe(out) != 0) return -1;
  std::string count = std::to_string(n);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    execl(SIGIL_SPOOL_PRODUCER, SIGIL_SPOOL_PRODUCER, endpoint.c_str(), dir.c_str(), count.c_str(), max_file_bytes,
          (char *)nullptr);
    _exit(127);
  }
  close(out[1]);
  char buf[160] = {0};
  ssize_t got = read(out[0], buf, sizeof buf - 1);
  close(out[0]);
  line = got > 0 ? std::string(buf, size_t(got)) : std::string();
  return pid;
}

void kill_nine(pid_t pid) {
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
}

}  // namespace

// Spooled by an HTTP client (the backend answered 503), replayed by the next
// process over gRPC: the generation that arrives is the one first sent,
// field by field.
TEST_F(Spool, SpooledOverHttpReplaysOverGrpcFieldByField) {
  Config http = cfg();
  http.max_retries = 0;
  sigil_client_t *client = make_client(http);
  h().script("http", R"([{"status":503}])");
  record_every_field(client, "gen_cross_http");
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  ASSERT_EQ(stats_of(client).generations_spooled, 1u);
  sigil_client_free(client);
  Json original = only_generation("http_exports");  // what the failed request carried

  Config grpc = cfg();
  grpc.protocol = SIGIL_PROTOCOL_GRPC;
  grpc.endpoint = h().grpc_endpoint();
  sigil_client_t *next = make_client(grpc);
  Json replayed = only_generation("grpc_exports");
  expect_same_generation(original.get(), replayed.get());
  EXPECT_EQ(str_at(replayed.get(), {"id"}), "gen_cross_http");
  EXPECT_EQ(str_at(replayed.get(), {"usage", "input_tokens"}), "9007199254740993");
  EXPECT_EQ(str_at(replayed.get(), {"metadata", "sigil.conversation.title"}), "Cross-transport");
  sigil_client_free(next);
  EXPECT_TRUE(segment_files(dir_).empty());
}

// And the other way: spooled by a gRPC client (UNAVAILABLE), replayed over
// HTTP JSON, which needs the protobuf record turned into protojson.
TEST_F(Spool, SpooledOverGrpcReplaysOverHttpFieldByField) {
  Config grpc = cfg();
  grpc.protocol = SIGIL_PROTOCOL_GRPC;
  grpc.endpoint = h().grpc_endpoint();
  grpc.max_retries = 0;
  sigil_client_t *client = make_client(grpc);
  h().script("grpc", R"([{"code":"UNAVAILABLE","message":"down"}])");
  record_every_field(client, "gen_cross_grpc");
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  ASSERT_EQ(stats_of(client).generations_spooled, 1u);
  sigil_client_free(client);
  Json original = only_generation("grpc_exports");

  sigil_client_t *next = make_client(cfg());
  Json replayed = only_generation("http_exports");
  expect_same_generation(original.get(), replayed.get());
  EXPECT_EQ(str_at(replayed.get(), {"id"}), "gen_cross_grpc");
  EXPECT_EQ(str_at(replayed.get(), {"input", "1", "parts", "0", "tool_result", "content_json_text"}), R"({"t":18})");
  Json caps = h().captures("http_exports");
  EXPECT_EQ(str_at(cJSON_GetArrayItem(caps.get(), 0), {"error"}), "");
  sigil_client_free(next);
  EXPECT_TRUE(segment_files(dir_).empty());
}

// The export queue overflows while the backend stalls: with a spool the
// overflow is kept on disk (sigil_generation_end returns SIGIL_OK) instead
// of being dropped as queue_full, and is replayed once the backend answers.
TEST_F(Spool, QueueOverflowIsSpooledAndReplayedWhenTheBackendAnswers) {
  Config c = cfg();
  c.queue_size = 10;
  c.batch_size = 5;
  c.attempt_timeout_ms = 30000;  // the stalled request is answered, not retried
  c.spool_sync = SIGIL_SPOOL_SYNC_BATCH;
  sigil_client_t *client = make_client(c);
  h().stall("http", 60000);
  constexpr int kRecords = 60;
  std::vector<std::string> ids;
  for (int i = 0; i < kRecords; ++i) ids.push_back(record(client, "overflow"));  // each returns SIGIL_OK
  sigil_stats_t s = stats_of(client);
  EXPECT_GE(s.generations_spooled, uint64_t(kRecords - 3 * 10));
  EXPECT_EQ(s.generations_enqueued + s.generations_spooled, uint64_t(kRecords));
  EXPECT_EQ(s.dropped_total, 0u);
  EXPECT_FALSE(segment_files(dir_).empty());
  h().stall("http", 0);  // the backend answers again
  ASSERT_TRUE(wait_for_ids(ids, 20000)) << describe(client, dir_) << "; received " << received_ids().size();
  ASSERT_EQ(sigil_client_shutdown(client, 10000, nullptr), SIGIL_OK);
  s = stats_of(client);
  EXPECT_EQ(s.generations_replayed, s.generations_spooled);
  EXPECT_EQ(s.generations_exported + s.generations_rejected + s.generations_spooled + s.dropped_total,
            uint64_t(kRecords));
  std::multiset<std::string> got = received_ids();
  for (const std::string &id : ids) EXPECT_EQ(got.count(id), 1u) << id;
  EXPECT_TRUE(segment_files(dir_).empty());
  sigil_client_free(client);
}

// A client with spooled records and no new traffic keeps probing on its own
// (capped backoff) and delivers them soon after the backend is back.
TEST_F(Spool, IdleClientReplaysOnceTheBackendAnswers) {
  Config c = cfg();
  c.max_retries = 0;
  c.max_backoff_ms = 60000;  // the live retry cap does not slow the replay probe
  sigil_client_t *client = make_client(c);
  h().script("http", R"([{"status":503}])");
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(record(client, "idle"));
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  ASSERT_EQ(stats_of(client).generations_spooled, 3u);
  // The backend stays down for a while: every request fails (more scripted
  // failures than the probe can use up; the reset below drops the rest).
  const uint64_t attempts_before = stats_of(client).export_attempts;
  std::string down = "[";
  for (int i = 0; i < 200; ++i) down += std::string(i ? "," : "") + (i % 2 ? R"({"close":true})" : R"({"status":503})");
  h().script("http", down + "]");
  std::this_thread::sleep_for(std::chrono::milliseconds(outage_ms()));
  sigil_stats_t mid = stats_of(client);
  EXPECT_GT(mid.export_attempts, attempts_before) << "no replay probe while idle";
  ASSERT_EQ(mid.generations_replayed, 0u);
  h().reset();  // back up; no new records from here on
  ASSERT_TRUE(wait_for_ids(ids, 15000)) << "replayed " << stats_of(client).generations_replayed;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
       stats_of(client).generations_replayed < 3 && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  sigil_stats_t s = stats_of(client);
  EXPECT_EQ(s.generations_replayed, 3u);
  EXPECT_EQ(s.dropped_total, 0u);
  EXPECT_EQ(s.generations_enqueued, 3u);
  sigil_client_free(client);
  EXPECT_TRUE(segment_files(dir_).empty());
}

// A full disk (files cannot grow: RLIMIT_FSIZE in the producer, SIGXFSZ
// ignored): what fits is spooled, the rest is dropped as spool_full, and
// exactly the spooled records are replayed — none counted as dropped shows
// up later, none counted as spooled is missing.
TEST_F(Spool, FullDiskSpoolsWhatFitsAndAccountsForTheRest) {
  std::string down = "http://127.0.0.1:" + std::to_string(sigil_test::closed_loopback_port());
  constexpr int kRecords = 40;
  std::string line;
  pid_t pid = run_producer(down, dir_, kRecords, "4096", line);
  ASSERT_GT(pid, 0);
  unsigned long long spooled = 0, exported = 0, full = 0;
  ASSERT_EQ(std::sscanf(line.c_str(), "spooled %llu exported %llu spool_full %llu", &spooled, &exported, &full), 3)
      << line;
  kill_nine(pid);
  EXPECT_GT(spooled, 0u);
  EXPECT_GT(full, 0u);
  EXPECT_EQ(spooled + exported + full, unsigned(kRecords));
  for (const std::string &seg : segment_files(dir_)) {
    struct stat st {};
    ASSERT_EQ(stat(seg.c_str(), &st), 0);
    EXPECT_LE(st.st_size, 4096);
  }

  sigil_client_t *client = make_client(cfg());
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       stats_of(client).generations_replayed < spooled && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(sigil_client_flush(client, 5000, nullptr), SIGIL_OK);
  EXPECT_EQ(stats_of(client).generations_replayed, spooled);
  std::multiset<std::string> got = received_ids();
  EXPECT_EQ(got.size(), spooled);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), got.size());
  sigil_client_free(client);
  EXPECT_TRUE(segment_files(dir_).empty());
}

// Records spooled (the backend answered 503 until the retry budget ran out)
// and then answered per item on replay: "generation already exists" (the
// server stored it from an earlier attempt) is delivered, a real refusal is
// rejected; each record ends in exactly one of replayed and rejected, and
// spooled, the state they passed through, is not another terminal bucket.
TEST_F(Spool, ReplayAnsweredPerItemEndsEachRecordOnce) {
  Config c = cfg();
  c.max_retries = 1;
  sigil_client_t *client = make_client(c);
  std::vector<std::string> ids;  // queued, not sent before the flush
  for (int i = 0; i < 4; ++i) ids.push_back(record(client, "replay-per-item"));
  h().script("http", R"([{"status":503},{"status":503},{"reject":{")" + ids[0] + R"(":"generation already exists",")" +
                         ids[1] + R"(":"Generation already exists",")" + ids[2] + R"(":"invalid generation"}}])");
  ASSERT_EQ(sigil_client_flush(client, 10000, nullptr), SIGIL_OK);
  EXPECT_EQ(stats_of(client).generations_spooled, 4u) << describe(client, dir_);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!segment_files(dir_).empty() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(segment_files(dir_).empty()) << describe(client, dir_);
  sigil_stats_t s = stats_of(client);
  EXPECT_EQ(s.generations_spooled, 4u);
  EXPECT_EQ(s.generations_replayed, 3u) << describe(client, dir_);
  EXPECT_EQ(s.generations_rejected, 1u) << describe(client, dir_);
  EXPECT_EQ(s.generations_exported, 0u);
  EXPECT_EQ(s.dropped_total, 0u);
  EXPECT_EQ(s.generations_exported + s.generations_replayed + s.generations_rejected + s.dropped_total, 4u);
  sigil_client_free(client);
}

namespace {

// sigil_client_new's status and message for a spool directory, with or
// without sigil_options_set_spool_allow_shared_dir.
sigil_status_t new_client_status(const std::string &dir, int allow_shared, std::string &message) {
  sigil_options_t *o = nullptr;
  sigil_options_new(&o);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
  sigil_options_set_endpoint(o, Harness::shared().http_endpoint().c_str());
  sigil_options_set_spool_dir(o, dir.c_str());
  if (allow_shared >= 0) EXPECT_EQ(sigil_options_set_spool_allow_shared_dir(o, allow_shared), SIGIL_OK);
  sigil_client_t *client = nullptr;
  sigil_error_t *err = nullptr;
  sigil_status_t st = sigil_client_new(o, &client, &err);
  message = err ? sigil_error_message(err) : "";
  sigil_error_free(err);
  sigil_client_free(client);
  sigil_options_free(o);
  return st;
}

}  // namespace

// A spool directory others can write to could hold their links and files
// under the spool's names: refused at client creation with the reason (the
// status spool-directory problems always had), used only when allowed.
TEST_F(Spool, ASharedDirectoryIsRefusedUnlessAllowed) {
  ASSERT_EQ(mkdir(dir_.c_str(), 0700), 0);
  ASSERT_EQ(chmod(dir_.c_str(), 0777), 0);
  std::string message;
  EXPECT_EQ(new_client_status(dir_, -1, message), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_NE(message.find("is writable by other users"), std::string::npos) << message;
  EXPECT_EQ(new_client_status(dir_, 0, message), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(new_client_status(dir_, 1, message), SIGIL_OK) << message;
  EXPECT_EQ(sigil_options_set_spool_allow_shared_dir(nullptr, 1), SIGIL_E_INVALID_ARGUMENT);
}

// The same for a directory another user owns (a second uid: needs root).
TEST_F(Spool, ADirectoryAnotherUserOwnsIsRefusedUnlessAllowed) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another uid (nobody, 65534)";
  ASSERT_EQ(mkdir(dir_.c_str(), 0700), 0);
  ASSERT_EQ(chown(dir_.c_str(), 65534, 65534), 0);
  std::string message;
  EXPECT_EQ(new_client_status(dir_, -1, message), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_NE(message.find("is owned by uid 65534"), std::string::npos) << message;
  EXPECT_EQ(new_client_status(dir_, 1, message), SIGIL_OK) << message;
}
