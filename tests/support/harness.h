// Test fixture: the independent capture harness (conformance/harness), run as
// a real Python process with real servers on loopback, driven over its
// control API. Used by every integration test.
#pragma once

#include <cjson/cJSON.h>
#include <sigil/sigil.h>

#include <memory>
#include <string>

namespace sigil_test {

struct JsonDeleter {
  void operator()(cJSON *p) const { cJSON_Delete(p); }
};
using Json = std::unique_ptr<cJSON, JsonDeleter>;

Json parse_json(const std::string &text);
// Navigates objects by key and arrays by index: at(root, {"generations", "0", "id"}).
const cJSON *at(const cJSON *node, std::initializer_list<const char *> path);
std::string str_at(const cJSON *node, std::initializer_list<const char *> path);

class Harness {
 public:
  Harness();  // starts the harness; aborts the test binary if it cannot
  ~Harness();
  Harness(const Harness &) = delete;
  Harness &operator=(const Harness &) = delete;

  int port(const char *name) const;
  std::string http_endpoint() const { return "http://127.0.0.1:" + std::to_string(port("http")); }
  std::string grpc_endpoint() const { return "127.0.0.1:" + std::to_string(port("grpc")); }
  std::string otlp_endpoint() const { return "http://127.0.0.1:" + std::to_string(port("otlp")); }
  std::string api_endpoint() const { return "http://127.0.0.1:" + std::to_string(port("api")); }

  // POST /script: `responses_json` is a JSON array of scripted responses.
  void script(const std::string &target, const std::string &responses_json);
  void stall(const std::string &target, int delay_ms);
  void reset();
  // Blocks until `count` captures of `kind` arrived (or timeout); returns the
  // JSON array of captures either way.
  Json wait(const std::string &kind, int count, int timeout_ms = 10000);
  Json captures(const std::string &kind);

  // One shared harness per test binary (started on first use).
  static Harness &shared();

 private:
  std::string control(const std::string &method, const std::string &path, const std::string &body = "");

  int pid_ = -1;
  std::string ports_file_;
  Json ports_;
};

// A loopback TCP port nothing listens on (bound once, then released), for
// "server absent" tests.
int closed_loopback_port();

// Every generation in the captured exports of `kind` ("http_exports" or
// "grpc_exports"), as one JSON array (owned).
Json all_generations(const cJSON *captures);

// Records one small valid generation (a user message with `text`, model
// openai/gpt-4o); returns end's status and, with `id_out`, the generation id
// and, with `error_out`, end's error message ("" when none).
sigil_status_t record_text(sigil_client_t *client, const char *conversation, const std::string &text = "hi",
                           std::string *id_out = nullptr, std::string *error_out = nullptr);

// The client's counters (a failed call fails the test).
sigil_stats_t stats_of(sigil_client_t *client);

}  // namespace sigil_test
