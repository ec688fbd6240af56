// Section: Options / Custom generation exporter. The callback stands in for the
// server: batches, retries, accounting and the shutdown drain are the built-in
// transports', observed through the callback and sigil_client_stats.
#include <gtest/gtest.h>
#include <sigil/sigil.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

namespace {

// What the callback saw, and what it answers.
struct Sink {
  std::mutex mu;
  std::vector<std::string> batches;
  int calls = 0;
  int fail_first = 0;                // answer the first N calls with a transport failure
  sigil_status_t refuse = SIGIL_OK;  // or refuse every batch with this status
  std::string reject_id;             // a generation id to report as rejected
};

sigil_status_t export_batch(void *user, const char *json, size_t len, sigil_export_results_t *results) {
  auto *sink = static_cast<Sink *>(user);
  std::lock_guard<std::mutex> lock(sink->mu);
  ++sink->calls;
  EXPECT_EQ(json[len], '\0');
  // Refused arguments add nothing.
  EXPECT_EQ(sigil_export_results_add(results, nullptr, 0, 0, nullptr, 0), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_export_results_add(results, "\xff", 1, 0, nullptr, 0), SIGIL_E_INVALID_UTF8);
  if (sink->calls <= sink->fail_first) {
    const char msg[] = "sink unavailable";
    EXPECT_EQ(sigil_export_results_set_message(results, msg, sizeof msg - 1), SIGIL_OK);
    return SIGIL_E_TRANSPORT;
  }
  if (sink->refuse != SIGIL_OK) return sink->refuse;
  sink->batches.emplace_back(json, len);
  if (!sink->reject_id.empty() && sink->batches.back().find(sink->reject_id) != std::string::npos) {
    const char why[] = "duplicate";
    EXPECT_EQ(sigil_export_results_add(results, sink->reject_id.data(), sink->reject_id.size(), 0, why, sizeof why - 1),
              SIGIL_OK);
  }
  return SIGIL_OK;
}

sigil_client_t *client_with(Sink &sink, uint32_t protocol = SIGIL_PROTOCOL_GRPC, const char *spool_dir = nullptr) {
  sigil_options_t *o = nullptr;
  EXPECT_EQ(sigil_options_new(&o), SIGIL_OK);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, protocol);
  EXPECT_EQ(sigil_options_set_generation_exporter(o, export_batch, &sink), SIGIL_OK);
  sigil_options_set_batch_size(o, 2);
  sigil_options_set_flush_interval_ms(o, 60000);  // only full batches, flush and shutdown send
  sigil_options_set_max_retries(o, 3);
  sigil_options_set_initial_backoff_ms(o, 1);
  sigil_options_set_max_backoff_ms(o, 2);
  if (spool_dir != nullptr) EXPECT_EQ(sigil_options_set_spool_dir(o, spool_dir), SIGIL_OK);
  sigil_client_t *c = nullptr;
  EXPECT_EQ(sigil_client_new(o, &c, nullptr), SIGIL_OK);
  sigil_options_free(o);
  return c;
}

void record(sigil_client_t *c, const char *id) {
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  s.id = id;
  s.model_provider = "openai";
  s.model_name = "gpt-5";
  sigil_generation_t *g = nullptr;
  ASSERT_EQ(sigil_generation_start(c, &s, &g), SIGIL_OK);
  const char result[] = R"({"output":[{"role":"MESSAGE_ROLE_ASSISTANT","parts":[{"text":"hi"}]}]})";
  ASSERT_EQ(sigil_generation_set_result_json(g, result, sizeof result - 1), SIGIL_OK);
  ASSERT_EQ(sigil_generation_end(g, nullptr), SIGIL_OK);
  sigil_generation_free(g);
}

sigil_stats_t stats_of(sigil_client_t *c) {
  sigil_stats_t s;
  sigil_stats_init(&s);
  EXPECT_EQ(sigil_client_stats(c, &s), SIGIL_OK);
  return s;
}

size_t count(const std::string &text, const std::string &needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(CustomExporter, TakesEveryBatchInsteadOfAServer) {
  Sink sink;
  sigil_client_t *c = client_with(sink);  // gRPC to localhost:4317 would fail: the callback wins
  record(c, "gen-1");
  record(c, "gen-2");
  record(c, "gen-3");
  ASSERT_EQ(sigil_client_flush(c, 5000, nullptr), SIGIL_OK);
  {
    std::lock_guard<std::mutex> lock(sink.mu);
    ASSERT_EQ(sink.batches.size(), 2u) << "a batch of 2, then the flushed rest";
    std::string all = sink.batches[0] + sink.batches[1];
    EXPECT_EQ(sink.batches[0].rfind(R"({"generations":[{"id":"gen-1")", 0), 0u) << sink.batches[0];
    EXPECT_EQ(count(all, R"("sigil.sdk.name":"sdk-c")"), 3u) << all;
    EXPECT_EQ(count(all, R"("parts":[{"text":"hi"}])"), 3u) << "after the privacy pass, content kept: " << all;
  }
  sigil_stats_t s = stats_of(c);
  EXPECT_EQ(s.generations_exported, 3u);
  EXPECT_EQ(s.generations_rejected, 0u);
  sigil_client_free(c);
}

TEST(CustomExporter, PerItemRejectionsAreCounted) {
  Sink sink;
  sink.reject_id = "gen-bad";
  sigil_client_t *c = client_with(sink);
  record(c, "gen-good");
  record(c, "gen-bad");
  ASSERT_EQ(sigil_client_flush(c, 5000, nullptr), SIGIL_OK);
  sigil_stats_t s = stats_of(c);
  EXPECT_EQ(s.generations_exported, 1u);
  EXPECT_EQ(s.generations_rejected, 1u);
  sigil_client_free(c);
}

TEST(CustomExporter, AFailedCallIsRetriedWithBackoff) {
  Sink sink;
  sink.fail_first = 2;
  sigil_client_t *c = client_with(sink);
  record(c, "gen-1");
  ASSERT_EQ(sigil_client_flush(c, 5000, nullptr), SIGIL_OK);
  sigil_stats_t s = stats_of(c);
  EXPECT_EQ(sink.calls, 3);
  EXPECT_EQ(s.export_retries, 2u);
  EXPECT_EQ(s.generations_exported, 1u);
  sigil_client_free(c);
}

TEST(CustomExporter, ARefusedBatchIsNotRetried) {
  Sink sink;
  sink.refuse = SIGIL_E_REJECTED;
  sigil_client_t *c = client_with(sink);
  record(c, "gen-1");
  ASSERT_EQ(sigil_client_flush(c, 5000, nullptr), SIGIL_OK);
  EXPECT_EQ(sink.calls, 1);
  EXPECT_EQ(stats_of(c).generations_rejected, 1u);

  sink.refuse = SIGIL_E_TRANSPORT;  // a failure that outlasts the retries is dropped and counted
  record(c, "gen-2");
  ASSERT_EQ(sigil_client_flush(c, 5000, nullptr), SIGIL_OK);
  EXPECT_EQ(sink.calls, 1 + 4);
  EXPECT_EQ(stats_of(c).dropped_retry_exhausted, 1u);
  sigil_client_free(c);
}

TEST(CustomExporter, ShutdownDrainsThroughTheCallbackAlsoWithProtocolNone) {
  Sink sink;
  sigil_client_t *c = client_with(sink, SIGIL_PROTOCOL_NONE);
  record(c, "gen-last");
  ASSERT_EQ(sigil_client_shutdown(c, 5000, nullptr), SIGIL_OK);
  {
    std::lock_guard<std::mutex> lock(sink.mu);
    ASSERT_EQ(sink.batches.size(), 1u);
    EXPECT_NE(sink.batches[0].find(R"("id":"gen-last")"), std::string::npos);
  }
  EXPECT_EQ(stats_of(c).generations_exported, 1u);
  sigil_client_free(c);
}

TEST(CustomExporter, ResultArgumentsAreChecked) {
  EXPECT_EQ(sigil_options_set_generation_exporter(nullptr, export_batch, nullptr), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_export_results_add(nullptr, "g", 1, 1, nullptr, 0), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_export_results_set_message(nullptr, "m", 1), SIGIL_E_INVALID_ARGUMENT);
}

// What the callback could not take is spooled; the next client on the same
// spool hands it to its callback.
TEST(CustomExporter, WhatCannotBeDeliveredIsSpooledAndReplayed) {
  char tmpl[] = "/tmp/sigil-exporter-spool-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = std::string(tmpl) + "/spool";

  Sink down;
  down.refuse = SIGIL_E_TRANSPORT;
  sigil_client_t *c = client_with(down, SIGIL_PROTOCOL_GRPC, dir.c_str());
  record(c, "gen-spooled");
  ASSERT_EQ(sigil_client_flush(c, 5000, nullptr), SIGIL_OK);
  EXPECT_EQ(stats_of(c).generations_spooled, 1u);
  ASSERT_EQ(sigil_client_shutdown(c, 5000, nullptr), SIGIL_OK);
  sigil_client_free(c);

  Sink up;
  sigil_client_t *next = client_with(up, SIGIL_PROTOCOL_GRPC, dir.c_str());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (stats_of(next).generations_replayed == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling the condition, not a fixed wait
  }
  EXPECT_EQ(stats_of(next).generations_replayed, 1u);
  {
    std::lock_guard<std::mutex> lock(up.mu);
    ASSERT_EQ(up.batches.size(), 1u);
    EXPECT_NE(up.batches[0].find(R"("id":"gen-spooled")"), std::string::npos) << up.batches[0];
  }
  sigil_client_free(next);
  std::filesystem::remove_all(tmpl);
}

// sigil_spool_inspect reads what a client left in its spool without taking
// it: the record waits there, counted, until the next client replays it.
TEST(SpoolInspect, CountsWhatWaitsAndWhatIsNotASegment) {
  char tmpl[] = "/tmp/sigil-spool-inspect-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = std::string(tmpl) + "/spool";
  auto inspect = [&] {
    char *json = nullptr;
    size_t len = 0;
    EXPECT_EQ(sigil_spool_inspect(dir.c_str(), &json, &len, nullptr), SIGIL_OK);
    std::string doc = json != nullptr ? std::string(json, len) : std::string();
    sigil_json_free(json);
    return doc;
  };

  Sink down;
  down.refuse = SIGIL_E_TRANSPORT;
  sigil_client_t *c = client_with(down, SIGIL_PROTOCOL_GRPC, dir.c_str());
  record(c, "gen-a");
  record(c, "gen-b");
  ASSERT_EQ(sigil_client_shutdown(c, 5000, nullptr), SIGIL_OK);
  sigil_client_free(c);
  FILE *f = std::fopen((dir + "/notes.txt").c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("not a segment", f);
  std::fclose(f);

  std::string doc = inspect();
  EXPECT_NE(doc.find(R"("records":{"G":2,"T":0,"M":0,"A":0,"other":0},"pending":2,"torn":false,"in_use":false)"),
            std::string::npos)
      << doc;
  EXPECT_NE(doc.find(R"("other_files":["notes.txt")"), std::string::npos) << doc;
  EXPECT_NE(doc.find(R"("totals":{"segments":1,)"), std::string::npos) << doc;
  EXPECT_EQ(doc.find(R"("oldest_unix_ms":0)"), std::string::npos) << "records carry their write time: " << doc;

  Sink up;
  sigil_client_t *next = client_with(up, SIGIL_PROTOCOL_GRPC, dir.c_str());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (stats_of(next).generations_replayed < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling the condition, not a fixed wait
  }
  sigil_client_free(next);
  doc = inspect();
  EXPECT_NE(doc.find(R"("segments":[],)"), std::string::npos) << "replayed segments are gone: " << doc;
  EXPECT_NE(doc.find(R"("notes.txt")"), std::string::npos) << "a file the spool did not write stays: " << doc;
  std::filesystem::remove_all(tmpl);
}

TEST(SpoolInspect, RefusesNullArgumentsAndAMissingDirectory) {
  char *json = reinterpret_cast<char *>(1);
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_spool_inspect(nullptr, &json, nullptr, &err), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(json, nullptr);
  EXPECT_NE(std::string(sigil_error_message(err)).find("dir"), std::string::npos);
  sigil_error_free(err);
  EXPECT_EQ(sigil_spool_inspect("/tmp", nullptr, nullptr, nullptr), SIGIL_E_INVALID_ARGUMENT);
  err = nullptr;
  EXPECT_EQ(sigil_spool_inspect("/nonexistent/sigil-spool", &json, nullptr, &err), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(sigil_error_message(err)).find("/nonexistent/sigil-spool"), std::string::npos);
  sigil_error_free(err);
}
