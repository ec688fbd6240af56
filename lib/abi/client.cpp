// Section: Client.
#include <chrono>
#include <cstddef>
#include <cstring>

#include "abi/handles.h"

using sigil::abi::guard;
using sigil::abi::report;
using sigil::detail::Status;

namespace {
std::chrono::steady_clock::time_point deadline_after(uint32_t timeout_ms) {
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
}
}  // namespace

extern "C" {

sigil_status_t sigil_client_new(const sigil_options_t *options, sigil_client_t **out, sigil_error_t **error) {
  if (error != nullptr) *error = nullptr;
  if (out == nullptr) return report(sigil::abi::invalid_argument("out is NULL"), error);
  *out = nullptr;
  return guard([&] {
    static const sigil::detail::Options defaults;
    auto client = sigil::detail::Client::create(options != nullptr ? options->options : defaults,
                                                sigil::detail::process_environment());
    if (!client) return report(client.error(), error);
    *out = new sigil_client{std::move(client.value())};
    return SIGIL_OK;
  });
}

sigil_status_t sigil_options_resolve(const sigil_options_t *options, char **json_out, size_t *json_len,
                                     sigil_error_t **error) {
  sigil::abi::reset_json_out(json_out, json_len, error);
  if (json_out == nullptr) return report(sigil::abi::invalid_argument("json_out is NULL"), error);
  return guard([&] {
    static const sigil::detail::Options defaults;
    auto cfg = sigil::detail::resolve_config(options != nullptr ? options->options : defaults,
                                             sigil::detail::process_environment());
    if (!cfg) return report(cfg.error(), error);
    return sigil::abi::hand_out_json(sigil::detail::client_config_json(cfg.value()), Status::ok(), json_out, json_len,
                                     error);
  });
}

sigil_status_t sigil_options_describe(const sigil_options_t *options, char **json_out, size_t *json_len,
                                      sigil_error_t **error) {
  sigil::abi::reset_json_out(json_out, json_len, error);
  if (json_out == nullptr) return report(sigil::abi::invalid_argument("json_out is NULL"), error);
  return guard([&] {
    static const sigil::detail::Options defaults;
    return sigil::abi::hand_out_json(
        sigil::detail::describe_config_json(options != nullptr ? options->options : defaults,
                                            sigil::detail::process_environment()),
        Status::ok(), json_out, json_len, error);
  });
}

sigil_status_t sigil_client_flush(sigil_client_t *client, uint32_t timeout_ms, sigil_error_t **error) {
  if (error != nullptr) *error = nullptr;
  if (client == nullptr) return report(sigil::abi::invalid_argument("client is NULL"), error);
  return guard([&] { return report(client->client->flush(deadline_after(timeout_ms)), error); });
}

sigil_status_t sigil_client_shutdown(sigil_client_t *client, uint32_t timeout_ms, sigil_error_t **error) {
  if (error != nullptr) *error = nullptr;
  if (client == nullptr) return report(sigil::abi::invalid_argument("client is NULL"), error);
  return guard([&] { return report(client->client->shutdown(deadline_after(timeout_ms)), error); });
}

void sigil_client_free(sigil_client_t *client) {
  if (client == nullptr) return;
  sigil::abi::guard_void([&] { client->client->shutdown(deadline_after(5000)); });
  delete client;
}

sigil_status_t sigil_stats_init(sigil_stats_t *stats) { return sigil::abi::init_versioned(stats, SIGIL_STATS_VERSION); }

sigil_status_t sigil_client_stats(const sigil_client_t *client, sigil_stats_t *out) {
  if (client == nullptr || out == nullptr || out->version < 1 || out->version > SIGIL_STATS_VERSION) {
    return SIGIL_E_INVALID_ARGUMENT;
  }
  return guard([&] {
    sigil_stats_t fresh = SIGIL_STATS_INIT;
    client->client->stats(fresh);
    // An older caller's struct ends before the fields of later versions.
    size_t size = out->version == 1   ? offsetof(sigil_stats_t, dropped_spool_full)
                  : out->version == 2 ? offsetof(sigil_stats_t, spans_exported)
                  : out->version == 3 ? offsetof(sigil_stats_t, spans_spooled)
                  : out->version == 4 ? offsetof(sigil_stats_t, scores_enqueued)
                  : out->version == 5 ? offsetof(sigil_stats_t, generations_unpriced)
                                      : sizeof fresh;
    fresh.version = out->version;
    std::memcpy(out, &fresh, size);
    return SIGIL_OK;
  });
}

}  // extern "C"
