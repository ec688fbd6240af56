// A GenerationSink for tests: keeps every generation the client hands it, as
// the privacy pass left it — exactly what an exporter would encode and send.
// Given to Client::create in place of the batching exporter.
#pragma once

#include <gtest/gtest.h>
#include <sigil/sigil.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <mutex>
#include <utility>
#include <vector>

#include "core/client.h"
#include "export/generation_sink.h"

namespace sigil_test {

class CapturingSink final : public sigil::detail::GenerationSink {
 public:
  using Generation = sigil::detail::Generation;
  using Status = sigil::detail::Status;

  Status enqueue(Generation generation, size_t) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_) return Status(SIGIL_E_SHUTDOWN, "the capturing sink is shut down");
    counters_.enqueued.fetch_add(1, std::memory_order_relaxed);
    generations_.push_back(std::move(generation));
    return Status::ok();
  }
  Status reserve(size_t, bool &reserved) override {
    std::lock_guard<std::mutex> lock(mu_);
    reserved = !shut_down_;
    return shut_down_ ? Status(SIGIL_E_SHUTDOWN, "the capturing sink is shut down") : Status::ok();
  }
  void enqueue_reserved(Generation generation, size_t, size_t) override {
    std::lock_guard<std::mutex> lock(mu_);
    counters_.enqueued.fetch_add(1, std::memory_order_relaxed);
    generations_.push_back(std::move(generation));
  }
  void release_reservation(size_t) override {}
  Status flush(Clock::time_point) override { return Status::ok(); }
  Status shutdown(Clock::time_point) override {
    std::lock_guard<std::mutex> lock(mu_);
    shut_down_ = true;
    return Status::ok();
  }
  void queue_usage(uint64_t &items, uint64_t &bytes) const override {
    items = 0;
    bytes = 0;
  }

  std::vector<Generation> generations() const {
    std::lock_guard<std::mutex> lock(mu_);
    return generations_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Generation> generations_;
  bool shut_down_ = false;
};

// The generations `client` has handed its CapturingSink so far, after every
// record ended before the call was finished (stats drains the finisher).
inline std::vector<sigil::detail::Generation> exported(const std::shared_ptr<sigil::detail::Client> &client) {
  sigil_stats_t stats{};
  stats.version = SIGIL_STATS_VERSION;
  client->stats(stats);
  auto *sink = dynamic_cast<CapturingSink *>(client->sink());
  return sink != nullptr ? sink->generations() : std::vector<sigil::detail::Generation>();
}

// An environment of exactly `vars` (for Client::create and resolve_config).
inline sigil::detail::EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const char *name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A client exporting to a CapturingSink whose spans go to `span_fn(user)`;
// null (and a test failure) when `o` and `env` do not make a client.
inline std::shared_ptr<sigil::detail::Client> client_with_spans(sigil_span_fn span_fn, void *user,
                                                                sigil::detail::Options o,
                                                                const sigil::detail::EnvLookup &env) {
  o.telemetry.span_fn = span_fn;
  o.telemetry.span_user_data = user;
  auto c = sigil::detail::Client::create(o, env, std::make_unique<CapturingSink>());
  EXPECT_TRUE(c.has_value()) << (c.has_value() ? "" : c.error().message());
  return c.has_value() ? c.value() : nullptr;
}

// The last of them; an empty generation (and a test failure) when there is none.
inline sigil::detail::Generation last_exported(const std::shared_ptr<sigil::detail::Client> &client) {
  std::vector<sigil::detail::Generation> all = exported(client);
  if (all.empty()) {
    ADD_FAILURE() << "the client's capturing sink received no generation";
    return sigil::detail::Generation();
  }
  return std::move(all.back());
}

}  // namespace sigil_test
