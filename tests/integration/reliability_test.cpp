// Reliability against the real capture harness: drop accounting per reason
// (C ABI stats, shutdown/flush messages, the log line, sigil.sdk.* self-metrics)
// and fork safety (parent and child both export, nothing twice).
#include <gtest/gtest.h>
#include <sigil/sigil.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>

#include <chrono>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/fork_skip.h"
#include "support/harness.h"

using sigil_test::Harness;
using sigil_test::Json;
using sigil_test::stats_of;
using sigil_test::str_at;

namespace {

struct Config {
  std::string endpoint;
  std::string metrics_endpoint;
  uint32_t max_retries = 2;
  uint32_t queue_size = 0;
  uint32_t attempt_timeout_ms = 5000;
  uint32_t flush_interval_ms = 60000;
};

struct LogSink {
  std::mutex mu;
  std::vector<std::string> lines;
  static void fn(void *user, uint32_t, const char *msg, size_t len) {
    auto *self = static_cast<LogSink *>(user);
    std::lock_guard<std::mutex> lock(self->mu);
    self->lines.emplace_back(msg, len);
  }
  bool contains(const std::string &needle) {
    std::lock_guard<std::mutex> lock(mu);
    for (const std::string &l : lines) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }
};

sigil_client_t *make_client(const Config &c, LogSink *sink = nullptr) {
  sigil_options_t *o = nullptr;
  sigil_options_new(&o);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_HTTP);
  sigil_options_set_endpoint(o, c.endpoint.c_str());
  if (c.max_retries == 0)
    sigil_options_set_no_retries(o);
  else
    sigil_options_set_max_retries(o, c.max_retries);
  sigil_options_set_initial_backoff_ms(o, 10);
  sigil_options_set_max_backoff_ms(o, 20);
  sigil_options_set_flush_interval_ms(o, c.flush_interval_ms);
  sigil_options_set_attempt_timeout_ms(o, c.attempt_timeout_ms);
  if (c.queue_size) sigil_options_set_queue_size(o, c.queue_size);
  if (!c.metrics_endpoint.empty()) sigil_options_set_otlp_metrics_endpoint(o, c.metrics_endpoint.c_str());
  if (sink) sigil_options_set_logger(o, &LogSink::fn, sink);
  sigil_client_t *client = nullptr;
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_new(o, &client, &err), SIGIL_OK) << sigil_error_message(err);
  sigil_error_free(err);
  sigil_options_free(o);
  return client;
}

sigil_status_t record(sigil_client_t *client, const char *conversation, std::string *id_out = nullptr) {
  return sigil_test::record_text(client, conversation, "hi", id_out);
}

// exported + rejected + every drop reason: what the client accounted for.
uint64_t accounted(const sigil_stats_t &s) { return s.generations_exported + s.generations_rejected + s.dropped_total; }

std::vector<std::string> exported_conversations(const cJSON *captures) {
  std::vector<std::string> out;
  Json gens = sigil_test::all_generations(captures);
  const cJSON *g = nullptr;
  cJSON_ArrayForEach(g, gens.get()) out.push_back(str_at(g, {"conversation_id"}));
  return out;
}

std::set<std::string> exported_ids(const cJSON *captures, size_t *total = nullptr) {
  std::set<std::string> out;
  Json gens = sigil_test::all_generations(captures);
  const cJSON *g = nullptr;
  size_t n = 0;
  cJSON_ArrayForEach(g, gens.get()) {
    out.insert(str_at(g, {"id"}));
    ++n;
  }
  if (total) *total = n;
  return out;
}

class Reliability : public ::testing::Test {
 protected:
  void SetUp() override { Harness::shared().reset(); }
  Harness &h() { return Harness::shared(); }
  Config cfg() {
    Config c;
    c.endpoint = h().http_endpoint();
    return c;
  }
};

}  // namespace

TEST_F(Reliability, StatsVersion1CallersStillWork) {
  sigil_client_t *client = make_client(cfg());
  // A version 1 caller's struct ends at queue_bytes; nothing past it is written.
  sigil_stats_t v1;
  std::memset(&v1, 0xAB, sizeof v1);
  v1.version = 1;
  ASSERT_EQ(sigil_client_stats(client, &v1), SIGIL_OK);
  EXPECT_EQ(v1.version, 1u);
  EXPECT_EQ(v1.queue_bytes, 0u);
  EXPECT_EQ(v1.dropped_spool_full, 0xABABABABABABABABull);  // untouched
  sigil_stats_t bad = SIGIL_STATS_INIT;
  bad.version = SIGIL_STATS_VERSION + 1;
  EXPECT_EQ(sigil_client_stats(client, &bad), SIGIL_E_INVALID_ARGUMENT);
  sigil_client_free(client);
}

TEST_F(Reliability, EveryGenerationIsExportedRejectedOrDroppedWithAReason) {
  Config c = cfg();
  c.max_retries = 1;
  c.queue_size = 4;
  LogSink sink;
  sigil_client_t *client = make_client(c, &sink);
  // Batch 1 (3 generations): two 503s exhaust the retry budget.
  h().script("http", R"([{"status":503},{"status":503}])");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(record(client, "exhausted"), SIGIL_OK);
  ASSERT_EQ(sigil_client_flush(client, 5000, nullptr), SIGIL_OK);
  // Batch 2: one of two rejected per item.
  std::string reject_id;
  ASSERT_EQ(record(client, "partial", &reject_id), SIGIL_OK);
  ASSERT_EQ(record(client, "partial"), SIGIL_OK);
  h().script("http", "[{\"reject\":[\"" + reject_id + "\"],\"reject_error\":\"nope\"}]");
  ASSERT_EQ(sigil_client_flush(client, 5000, nullptr), SIGIL_OK);
  // Batch 3: a 400 rejects the request as a whole.
  h().script("http", R"([{"status":400}])");
  ASSERT_EQ(record(client, "refused"), SIGIL_OK);
  ASSERT_EQ(sigil_client_flush(client, 5000, nullptr), SIGIL_OK);
  // Queue full: 4 fit, the 5th is refused at end.
  for (int i = 0; i < 4; ++i) ASSERT_EQ(record(client, "queued"), SIGIL_OK);
  EXPECT_EQ(record(client, "overflow"), SIGIL_E_QUEUE_FULL);
  ASSERT_EQ(sigil_client_flush(client, 5000, nullptr), SIGIL_OK);

  sigil_stats_t s = stats_of(client);
  EXPECT_EQ(s.dropped_retry_exhausted, 3u);
  EXPECT_EQ(s.generations_rejected, 2u);
  EXPECT_EQ(s.dropped_queue_full, 1u);
  EXPECT_EQ(s.generations_exported, 5u);
  EXPECT_EQ(s.dropped_total, 4u);
  EXPECT_EQ(accounted(s), 11u);  // every generation ended
  EXPECT_EQ(s.generations_enqueued + s.dropped_queue_full, 11u);
  ASSERT_EQ(sigil_client_shutdown(client, 5000, nullptr), SIGIL_OK);
  EXPECT_TRUE(sink.contains("5 exported, 2 rejected, 4 dropped (queue_full=1, retry_exhausted=3)"));
  sigil_client_free(client);
}

namespace {

// A loopback HTTP server that answers every request 200 with a chunked body
// that never ends (it stops when the client hangs up, or after 256 MiB).
class EndlessBodyServer {
 public:
  EndlessBodyServer() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr *>(&a), len), 0);
    EXPECT_EQ(listen(fd_, 8), 0);
    EXPECT_EQ(getsockname(fd_, reinterpret_cast<sockaddr *>(&a), &len), 0);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~EndlessBodyServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }

 private:
  void serve() {
    while (!stop_) {
      int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      ++connections_;
      std::string req;
      char buf[65536];
      ssize_t n;
      while (req.find("\r\n\r\n") == std::string::npos && (n = recv(c, buf, sizeof buf, 0)) > 0) req.append(buf, n);
      const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
      bool ok = send(c, head, sizeof head - 1, MSG_NOSIGNAL) > 0;
      std::string chunk = "10000\r\n" + std::string(0x10000, ' ') + "\r\n";
      for (int i = 0; ok && !stop_ && i < 4096; ++i) ok = send(c, chunk.data(), chunk.size(), MSG_NOSIGNAL) > 0;
      close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

}  // namespace

// A server chooses how much it answers: an endless body is cut off at the
// response bound (16 MiB) instead of filling memory, and the attempt counts
// as a transport failure (retried, then dropped with its reason).
TEST_F(Reliability, AnEndlessResponseBodyIsCutOffAndRetried) {
  EndlessBodyServer server;
  Config c = cfg();
  c.endpoint = server.endpoint();
  c.max_retries = 1;
  c.attempt_timeout_ms = 30000;
  LogSink sink;
  sigil_client_t *client = make_client(c, &sink);
  ASSERT_EQ(record(client, "endless"), SIGIL_OK);
  ASSERT_EQ(sigil_client_flush(client, 60000, nullptr), SIGIL_OK);
  sigil_stats_t s = stats_of(client);
  EXPECT_EQ(s.export_attempts, 2u);
  EXPECT_EQ(s.dropped_retry_exhausted, 1u);
  EXPECT_EQ(accounted(s), 1u);
  EXPECT_EQ(server.connections(), 2);
  EXPECT_TRUE(sink.contains("response body larger than 16777216 bytes"));
  ASSERT_EQ(sigil_client_shutdown(client, 5000, nullptr), SIGIL_OK);
  sigil_client_free(client);
}

TEST_F(Reliability, ShutdownTimeoutSaysWhatWasDroppedAndWhy) {
  Config c = cfg();
  c.attempt_timeout_ms = 10000;
  LogSink sink;
  sigil_client_t *client = make_client(c, &sink);
  h().stall("http", 3000);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(record(client, "slow"), SIGIL_OK);
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_flush(client, 200, &err), SIGIL_E_TIMEOUT);
  EXPECT_NE(std::string(sigil_error_message(err)).find("2 generations still pending"), std::string::npos)
      << sigil_error_message(err);
  sigil_error_free(err);
  err = nullptr;
  EXPECT_EQ(sigil_client_shutdown(client, 200, &err), SIGIL_E_TIMEOUT);
  std::string msg = sigil_error_message(err);
  sigil_error_free(err);
  EXPECT_NE(msg.find("shutdown_timeout=2"), std::string::npos) << msg;
  sigil_stats_t s = stats_of(client);
  EXPECT_EQ(s.dropped_shutdown_timeout, 2u);
  EXPECT_EQ(accounted(s), 2u);
  EXPECT_TRUE(sink.contains("0 exported, 0 rejected, 2 dropped (shutdown_timeout=2)"));
  h().stall("http", 0);
  sigil_client_free(client);
}

TEST_F(Reliability, DropsAreExportedAsSelfMetrics) {
  Config c = cfg();
  c.max_retries = 0;
  c.metrics_endpoint = h().otlp_endpoint() + "/v1/metrics";
  sigil_client_t *client = make_client(c);
  h().script("http", R"([{"status":503}])");
  ASSERT_EQ(record(client, "a"), SIGIL_OK);
  ASSERT_EQ(record(client, "a"), SIGIL_OK);
  ASSERT_EQ(sigil_client_flush(client, 5000, nullptr), SIGIL_OK);
  ASSERT_EQ(record(client, "b"), SIGIL_OK);
  ASSERT_EQ(sigil_client_shutdown(client, 5000, nullptr), SIGIL_OK);
  Json caps = h().wait("otlp_metrics", 1);
  const cJSON *dropped = nullptr, *exported = nullptr;
  const cJSON *cap = nullptr;
  cJSON_ArrayForEach(cap, caps.get()) {
    const cJSON *p = nullptr;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(cap, "points")) {
      std::string name = str_at(p, {"name"});
      if (name == "sigil.sdk.generations.dropped" && str_at(p, {"attributes", "reason"}) == "retry_exhausted") {
        dropped = p;
      }
      if (name == "sigil.sdk.generations.exported") exported = p;
    }
  }
  ASSERT_NE(dropped, nullptr);
  EXPECT_EQ(str_at(dropped, {"type"}), "sum");
  EXPECT_EQ(cJSON_GetObjectItemCaseSensitive(dropped, "value")->valuedouble, 2);
  EXPECT_TRUE(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(dropped, "is_monotonic")));
  EXPECT_EQ(str_at(dropped, {"temporality"}), "AGGREGATION_TEMPORALITY_CUMULATIVE");
  ASSERT_NE(exported, nullptr);
  EXPECT_EQ(cJSON_GetObjectItemCaseSensitive(exported, "value")->valuedouble, 1);
  sigil_client_free(client);
}

// Parent queues records, forks; the child records its own and exits cleanly;
// the parent's queue is sent once (by the parent), the child's once (by the child).
TEST_F(Reliability, ForkedChildGetsAWorkingClientAndNothingIsSentTwice) {
  SKIP_FORK_UNDER_SANITIZERS();
  sigil_client_t *client = make_client(cfg());
  for (int i = 0; i < 3; ++i) ASSERT_EQ(record(client, "parent-before"), SIGIL_OK);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int rc = 0;
    for (int i = 0; i < 2; ++i) rc |= record(client, "child") != SIGIL_OK;
    sigil_stats_t s = SIGIL_STATS_INIT;
    sigil_client_stats(client, &s);
    rc |= (s.generations_enqueued != 2) << 1;  // the parent's queue did not come along
    rc |= (sigil_client_flush(client, 5000, nullptr) != SIGIL_OK) << 2;
    sigil_client_stats(client, &s);
    rc |= (s.generations_exported != 2) << 3;
    rc |= (sigil_client_shutdown(client, 5000, nullptr) != SIGIL_OK) << 4;
    sigil_client_free(client);
    _exit(rc);
  }
  ASSERT_EQ(record(client, "parent-after"), SIGIL_OK);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  ASSERT_EQ(sigil_client_flush(client, 5000, nullptr), SIGIL_OK);
  sigil_stats_t s = stats_of(client);
  EXPECT_EQ(s.generations_exported, 4u);
  ASSERT_EQ(sigil_client_shutdown(client, 5000, nullptr), SIGIL_OK);
  sigil_client_free(client);

  size_t total = 0;
  Json caps = h().captures("http_exports");
  std::set<std::string> ids = exported_ids(caps.get(), &total);
  EXPECT_EQ(total, 6u);
  EXPECT_EQ(ids.size(), 6u);  // no duplicates
  std::multiset<std::string> convs;
  for (const std::string &c : exported_conversations(caps.get())) convs.insert(c);
  EXPECT_EQ(convs.count("parent-before"), 3u);
  EXPECT_EQ(convs.count("parent-after"), 1u);
  EXPECT_EQ(convs.count("child"), 2u);
}

// A fork while the parent's worker is mid-request: the in-flight batch stays
// the parent's (the child has neither the worker nor its HTTP handle).
TEST_F(Reliability, ForkDuringAnInFlightExport) {
  SKIP_FORK_UNDER_SANITIZERS();
  sigil_client_t *client = make_client(cfg());
  h().script("http", R"([{"delay_ms":600}])");
  for (int i = 0; i < 2; ++i) ASSERT_EQ(record(client, "in-flight"), SIGIL_OK);
  std::thread flusher([&] { EXPECT_EQ(sigil_client_flush(client, 5000, nullptr), SIGIL_OK); });
  h().wait("http_exports", 1);  // the request is being held now
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int rc = record(client, "child") != SIGIL_OK;
    rc |= (sigil_client_shutdown(client, 5000, nullptr) != SIGIL_OK) << 1;
    sigil_stats_t s = SIGIL_STATS_INIT;
    sigil_client_stats(client, &s);
    rc |= (s.generations_exported != 1 || s.dropped_total != 0) << 2;
    sigil_client_free(client);
    _exit(rc);
  }
  flusher.join();
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  sigil_stats_t s = stats_of(client);
  EXPECT_EQ(s.generations_exported, 2u);
  sigil_client_free(client);
  size_t total = 0;
  Json caps = h().captures("http_exports");
  std::set<std::string> ids = exported_ids(caps.get(), &total);
  EXPECT_EQ(total, 3u);
  EXPECT_EQ(ids.size(), 3u);
}
