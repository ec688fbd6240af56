#include "support/harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char **environ;

namespace sigil_test {

namespace {

size_t collect(char *data, size_t size, size_t n, void *user) {
  static_cast<std::string *>(user)->append(data, size * n);
  return size * n;
}

[[noreturn]] void die(const std::string &why) {
  std::fprintf(stderr, "harness: %s\n", why.c_str());
  std::abort();
}

}  // namespace

Json parse_json(const std::string &text) { return Json(cJSON_ParseWithLength(text.data(), text.size())); }

const cJSON *at(const cJSON *node, std::initializer_list<const char *> path) {
  for (const char *key : path) {
    if (node == nullptr) return nullptr;
    if (cJSON_IsArray(node)) {
      node = cJSON_GetArrayItem(node, std::atoi(key));
    } else {
      node = cJSON_GetObjectItemCaseSensitive(node, key);
    }
  }
  return node;
}

std::string str_at(const cJSON *node, std::initializer_list<const char *> path) {
  const cJSON *v = at(node, path);
  return cJSON_IsString(v) ? std::string(v->valuestring) : std::string();
}

Harness::Harness() {
  char tmpl[] = "/tmp/sigil-harness-XXXXXX";
  const char *dir = mkdtemp(tmpl);
  if (dir == nullptr) die("mkdtemp failed");
  ports_file_ = std::string(dir) + "/ports.json";
  std::string conformance_dir = std::string(SIGIL_SOURCE_DIR) + "/conformance";
  std::string gen_dir = std::string(SIGIL_BINARY_DIR) + "/harness-gen";
  setenv("SIGIL_HARNESS_GEN_DIR", gen_dir.c_str(), 0);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addchdir_np(&actions, conformance_dir.c_str());
  const char *argv[] = {"python3", "-m", "harness", "serve", "--ports-file", ports_file_.c_str(), nullptr};
  pid_t pid;
  int rc = posix_spawnp(&pid, "python3", &actions, nullptr, const_cast<char **>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) die("cannot start python3 -m harness");
  pid_ = pid;

  // The harness writes the ports file atomically once every server listens.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(ports_file_);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      ports_ = parse_json(ss.str());
      if (ports_) return;
    }
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) die("the harness exited during start-up");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  die("the harness did not start within 60 s");
}

Harness::~Harness() {
  if (pid_ <= 0) return;
  try {
    control("POST", "/shutdown");
  } catch (...) {
  }
  int status;
  for (int i = 0; i < 250 && waitpid(pid_, &status, WNOHANG) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (waitpid(pid_, &status, WNOHANG) == 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
}

Harness &Harness::shared() {
  static Harness *h = new Harness();  // lives until exit; stopped by the atexit below
  static bool registered = [] {
    std::atexit([] { h->~Harness(); });
    return true;
  }();
  (void)registered;
  return *h;
}

int Harness::port(const char *name) const {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(ports_.get(), name);
  if (!cJSON_IsNumber(v)) die(std::string("no port named ") + name);
  return v->valueint;
}

std::string Harness::control(const std::string &method, const std::string &path, const std::string &body) {
  CURL *h = curl_easy_init();
  std::string url = "http://127.0.0.1:" + std::to_string(port("control")) + path;
  std::string out;
  curl_slist *headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 120000L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  if (method == "POST") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, long(body.size()));
  }
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  if (rc != CURLE_OK || status >= 400) {
    throw std::runtime_error("harness control " + method + " " + path + " failed: " + curl_easy_strerror(rc) +
                             " status " + std::to_string(status) + " " + out);
  }
  return out;
}

void Harness::script(const std::string &target, const std::string &responses_json) {
  control("POST", "/script", "{\"target\":\"" + target + "\",\"responses\":" + responses_json + "}");
}

void Harness::stall(const std::string &target, int delay_ms) {
  control("POST", "/stall", "{\"target\":\"" + target + "\",\"delay_ms\":" + std::to_string(delay_ms) + "}");
}

void Harness::reset() { control("POST", "/reset"); }

Json Harness::wait(const std::string &kind, int count, int timeout_ms) {
  Json resp = parse_json(control("GET", "/captures/wait?kind=" + kind + "&count=" + std::to_string(count) +
                                            "&timeout_ms=" + std::to_string(timeout_ms)));
  cJSON *caps = cJSON_DetachItemFromObjectCaseSensitive(resp.get(), "captures");
  return Json(caps != nullptr ? caps : cJSON_CreateArray());
}

Json Harness::captures(const std::string &kind) {
  Json resp = parse_json(control("GET", "/captures?kind=" + kind));
  cJSON *caps = cJSON_DetachItemFromObjectCaseSensitive(resp.get(), kind.c_str());
  return Json(caps != nullptr ? caps : cJSON_CreateArray());
}

int closed_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
  getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

Json all_generations(const cJSON *captures) {
  Json out(cJSON_CreateArray());
  const cJSON *cap = nullptr;
  cJSON_ArrayForEach(cap, captures) {
    const cJSON *gens = cJSON_GetObjectItemCaseSensitive(cap, "generations");
    if (gens == nullptr) gens = at(cap, {"request", "generations"});
    const cJSON *g = nullptr;
    cJSON_ArrayForEach(g, gens) { cJSON_AddItemToArray(out.get(), cJSON_Duplicate(g, 1)); }
  }
  return out;
}

sigil_status_t record_text(sigil_client_t *client, const char *conversation, const std::string &text,
                           std::string *id_out, std::string *error_out) {
  sigil_generation_start_t s = SIGIL_GENERATION_START_INIT;
  s.conversation_id = conversation;
  s.model_provider = "openai";
  s.model_name = "gpt-4o";
  sigil_generation_t *g = nullptr;
  sigil_generation_start(client, &s, &g);
  sigil_generation_add_message(g, SIGIL_INPUT, SIGIL_ROLE_USER, nullptr);
  sigil_generation_add_text(g, SIGIL_INPUT, text.data(), text.size());
  sigil_error_t *err = nullptr;
  sigil_status_t st = sigil_generation_end(g, error_out != nullptr ? &err : nullptr);
  if (error_out != nullptr) *error_out = sigil_error_message(err);
  sigil_error_free(err);
  if (id_out != nullptr) *id_out = sigil_generation_id(g);
  sigil_generation_free(g);
  return st;
}

sigil_stats_t stats_of(sigil_client_t *client) {
  sigil_stats_t s = SIGIL_STATS_INIT;
  EXPECT_EQ(sigil_client_stats(client, &s), SIGIL_OK);
  return s;
}

}  // namespace sigil_test
