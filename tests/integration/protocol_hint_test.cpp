// A protocol that does not match the endpoint (HTTP to a gRPC port, gRPC to
// an HTTP port) is retried like any failure, and the warning says which
// setting fixes it. Against the real capture harness on loopback.
#include <gtest/gtest.h>
#include <sigil/sigil.h>

#include <mutex>
#include <string>
#include <vector>

#include "support/harness.h"

using sigil_test::Harness;

namespace {

struct Warnings {
  std::mutex mu;
  std::vector<std::string> lines;
  static void fn(void *user, uint32_t level, const char *msg, size_t len) {
    auto *w = static_cast<Warnings *>(user);
    std::lock_guard<std::mutex> lock(w->mu);
    if (level >= SIGIL_LOG_WARN) w->lines.emplace_back(msg, len);
  }
  std::string containing(const std::string &part) {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto &l : lines) {
      if (l.find(part) != std::string::npos) return l;
    }
    return "";
  }
  std::string all() {
    std::lock_guard<std::mutex> lock(mu);
    std::string out;
    for (const auto &l : lines) out += l + "\n";
    return out;
  }
};

sigil_client_t *client_for(uint32_t protocol, const std::string &endpoint, Warnings *w) {
  sigil_options_t *o = nullptr;
  sigil_options_new(&o);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, protocol);
  sigil_options_set_endpoint(o, endpoint.c_str());
  sigil_options_set_no_retries(o);
  sigil_options_set_attempt_timeout_ms(o, 3000);
  sigil_options_set_logger(o, Warnings::fn, w);
  sigil_client_t *client = nullptr;
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_client_new(o, &client, &err), SIGIL_OK) << sigil_error_message(err);
  sigil_error_free(err);
  sigil_options_free(o);
  return client;
}

void record_and_flush(sigil_client_t *client) {
  std::string error;
  ASSERT_EQ(sigil_test::record_text(client, "conv-hint", "hi", nullptr, &error), SIGIL_OK) << error;
  sigil_client_flush(client, 10000, nullptr);
}

}  // namespace

// Sends one generation with `protocol` to `endpoint`, a harness port that
// speaks the other protocol: nothing is exported and a warning names `fix`.
void expect_mismatch_hint(uint32_t protocol, const std::string &endpoint, const char *fix) {
  Warnings w;
  sigil_client_t *client = client_for(protocol, endpoint, &w);
  record_and_flush(client);
  EXPECT_EQ(sigil_test::stats_of(client).generations_exported, 0u);
  EXPECT_NE(w.containing(fix), "") << w.all();
  sigil_client_free(client);
}

TEST(ProtocolHint, HttpSentToAGrpcPortSaysToUseGrpc) {
  Harness &h = Harness::shared();
  h.reset();
  expect_mismatch_hint(SIGIL_PROTOCOL_HTTP, "http://127.0.0.1:" + std::to_string(h.port("grpc")),
                       "SIGIL_PROTOCOL=grpc");
}

TEST(ProtocolHint, GrpcSentToAnHttpPortSaysToUseHttp) {
  Harness &h = Harness::shared();
  h.reset();
  expect_mismatch_hint(SIGIL_PROTOCOL_GRPC, "127.0.0.1:" + std::to_string(h.port("http")), "SIGIL_PROTOCOL=http");
}

TEST(ProtocolHint, AMatchingProtocolGetsNoHint) {
  Harness &h = Harness::shared();
  h.reset();
  Warnings w;
  sigil_client_t *client = client_for(SIGIL_PROTOCOL_HTTP, h.http_endpoint(), &w);
  record_and_flush(client);
  EXPECT_EQ(sigil_test::stats_of(client).generations_exported, 1u);
  EXPECT_EQ(w.containing("SIGIL_PROTOCOL"), "") << w.all();
  sigil_client_free(client);
}
