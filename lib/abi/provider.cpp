// Section: Provider mapping.
#include <cstdlib>
#include <optional>

#include "abi/recorder_util.h"
#include "encode/protojson.h"
#include "providers/provider_api.h"

using sigil::abi::guard;
using sigil::abi::report;
using sigil::detail::ProviderApi;
using sigil::detail::Status;

namespace {

// The API named by a NUL-terminated string; SIGIL_E_INVALID_ARGUMENT for NULL
// or an unknown name (nothing is recorded: the caller's code is wrong, not
// the provider's answer).
Status api_of(const char *name, ProviderApi &out) {
  if (name == nullptr) return sigil::abi::invalid_argument("api is NULL");
  auto api = sigil::detail::parse_provider_api(name);
  if (!api) return api.error();
  out = api.value();
  return Status::ok();
}

constexpr uint32_t kKnownFlags = SIGIL_PROVIDER_RAW_ARTIFACTS;

// A body pointer and length: absent when NULL with length 0, an error when
// NULL with a length.
bool optional_body(const char *json, size_t len, std::optional<std::string_view> &out) {
  if (json == nullptr) return len == 0;
  out = std::string_view(json, len);
  return true;
}

template <typename Map>
sigil_status_t map_generation(sigil_generation_t *g, const char *api_name, const char *json, size_t len, uint32_t flags,
                              Map &&map) {
  if (g == nullptr || g->recorder.is_noop()) return SIGIL_OK;
  return guard([&]() -> sigil_status_t {
    ProviderApi api;
    if (Status st = api_of(api_name, api); !st.is_ok()) return st.code();
    if ((flags & ~kKnownFlags) != 0) return SIGIL_E_INVALID_ARGUMENT;
    if (json == nullptr) return SIGIL_E_INVALID_ARGUMENT;
    return map(api, std::string_view(json, len), (flags & SIGIL_PROVIDER_RAW_ARTIFACTS) != 0).code();
  });
}

}  // namespace

extern "C" {

sigil_status_t sigil_generation_set_provider_request(sigil_generation_t *g, const char *api, const char *json,
                                                     size_t json_len, uint32_t flags) {
  return map_generation(g, api, json, json_len, flags, [&](ProviderApi a, std::string_view j, bool raw) {
    return g->recorder.map_provider_request(a, j, raw);
  });
}

sigil_status_t sigil_generation_set_provider_response(sigil_generation_t *g, const char *api, const char *json,
                                                      size_t json_len, uint32_t flags) {
  return map_generation(g, api, json, json_len, flags, [&](ProviderApi a, std::string_view j, bool raw) {
    return g->recorder.map_provider_response(a, j, raw);
  });
}

sigil_status_t sigil_generation_add_provider_event(sigil_generation_t *g, const char *api, const char *json,
                                                   size_t json_len, uint32_t flags) {
  return map_generation(g, api, json, json_len, flags, [&](ProviderApi a, std::string_view j, bool raw) {
    return g->recorder.add_provider_event(a, j, raw);
  });
}

sigil_status_t sigil_generation_add_provider_events(sigil_generation_t *g, const char *api_name,
                                                    const char *const *events, const size_t *event_lens,
                                                    const int64_t *arrived_at_ns, size_t count, uint32_t flags) {
  if (g == nullptr || g->recorder.is_noop()) return SIGIL_OK;
  return guard([&]() -> sigil_status_t {
    ProviderApi api;
    if (Status st = api_of(api_name, api); !st.is_ok()) return st.code();
    if ((flags & ~kKnownFlags) != 0) return SIGIL_E_INVALID_ARGUMENT;
    if (count == 0) return SIGIL_OK;
    if (events == nullptr || event_lens == nullptr) return SIGIL_E_INVALID_ARGUMENT;
    // Checked before any is fed: a wrong argument records nothing.
    for (size_t i = 0; i < count; ++i) {
      if (events[i] == nullptr) return SIGIL_E_INVALID_ARGUMENT;
    }
    const bool raw = (flags & SIGIL_PROVIDER_RAW_ARTIFACTS) != 0;
    for (size_t i = 0; i < count; ++i) {
      const int64_t at = arrived_at_ns != nullptr ? arrived_at_ns[i] : 0;
      Status st = g->recorder.add_provider_event(api, std::string_view(events[i], event_lens[i]), raw, at);
      if (!st.is_ok()) return st.code();  // the API is wrong for this recorder: so for every event
    }
    return SIGIL_OK;
  });
}

sigil_status_t sigil_generation_set_mapping_error(sigil_generation_t *g, const char *message, size_t len) {
  if (g == nullptr || g->recorder.is_noop()) return SIGIL_OK;
  return guard([&]() -> sigil_status_t {
    std::string m;
    Status st = sigil::abi::copy_str(message, len, "mapping error", m);
    if (!st.is_ok()) return st.code();
    g->recorder.set_mapping_error(std::move(m));
    return SIGIL_OK;
  });
}

sigil_status_t sigil_embedding_set_provider_result(sigil_embedding_t *e, const char *api_name, const char *request_json,
                                                   size_t request_len, const char *response_json, size_t response_len) {
  if (e == nullptr || e->recorder.is_noop()) return SIGIL_OK;
  return guard([&]() -> sigil_status_t {
    ProviderApi api;
    if (Status st = api_of(api_name, api); !st.is_ok()) return st.code();
    if ((request_json == nullptr && request_len > 0) || (response_json == nullptr && response_len > 0)) {
      return SIGIL_E_INVALID_ARGUMENT;
    }
    std::string_view request = request_json != nullptr ? std::string_view(request_json, request_len) : "";
    std::string_view response = response_json != nullptr ? std::string_view(response_json, response_len) : "";
    return e->recorder.map_provider(api, request, response).code();
  });
}

sigil_status_t sigil_provider_map_generation(const char *api_name, const char *request_json, size_t request_len,
                                             const char *response_json, size_t response_len, const char *const *events,
                                             const size_t *event_lens, size_t events_count, uint32_t flags,
                                             char **json_out, size_t *json_len, sigil_error_t **error) {
  sigil::abi::reset_json_out(json_out, json_len, error);
  return guard([&]() -> sigil_status_t {
    ProviderApi api;
    if (Status st = api_of(api_name, api); !st.is_ok()) return report(st, error);
    if (json_out == nullptr) return report(sigil::abi::invalid_argument("json_out is NULL"), error);
    if ((flags & ~kKnownFlags) != 0) return report(sigil::abi::invalid_argument("unknown flags"), error);
    sigil::detail::ProviderCall call;
    if (!optional_body(request_json, request_len, call.request)) {
      return report(sigil::abi::invalid_argument("request_json is NULL with a non-zero length"), error);
    }
    if (!optional_body(response_json, response_len, call.response)) {
      return report(sigil::abi::invalid_argument("response_json is NULL with a non-zero length"), error);
    }
    if (events_count > 0 && (events == nullptr || event_lens == nullptr)) {
      return report(sigil::abi::invalid_argument("events or event_lens is NULL with a non-zero events_count"), error);
    }
    call.events.reserve(events_count);
    for (size_t i = 0; i < events_count; ++i) {
      if (events[i] == nullptr) {
        return report(Status(SIGIL_E_INVALID_ARGUMENT, "events[" + std::to_string(i) + "] is NULL"), error);
      }
      call.events.emplace_back(events[i], event_lens[i]);
    }
    sigil::detail::ProviderMapOptions options;
    options.raw_artifacts = (flags & SIGIL_PROVIDER_RAW_ARTIFACTS) != 0;
    sigil::detail::Generation g;
    Status st = sigil::detail::map_provider_call(api, call, g, options);
    if (st.code() == SIGIL_E_INVALID_ARGUMENT) return report(st, error);  // an embedding API: nothing mapped
    std::string json;
    sigil::detail::append_generation_json(json, g, sigil::detail::GenerationJsonForm::kAbi);
    return sigil::abi::hand_out_json(json, st, json_out, json_len, error);  // also after a mapping problem
  });
}

sigil_status_t sigil_provider_map_embedding(const char *api_name, const char *request_json, size_t request_len,
                                            const char *response_json, size_t response_len, char **json_out,
                                            size_t *json_len, sigil_error_t **error) {
  sigil::abi::reset_json_out(json_out, json_len, error);
  return guard([&]() -> sigil_status_t {
    ProviderApi api;
    if (Status st = api_of(api_name, api); !st.is_ok()) return report(st, error);
    if (json_out == nullptr) return report(sigil::abi::invalid_argument("json_out is NULL"), error);
    std::optional<std::string_view> request, response;
    if (!optional_body(request_json, request_len, request) || !optional_body(response_json, response_len, response)) {
      return report(sigil::abi::invalid_argument("a body is NULL with a non-zero length"), error);
    }
    sigil::detail::ProviderEmbedding e;
    Status st = sigil::detail::map_provider_embedding(api, request.value_or(""), response.value_or(""), e);
    if (st.code() == SIGIL_E_INVALID_ARGUMENT) return report(st, error);  // not an embedding API
    return sigil::abi::hand_out_json(sigil::detail::provider_embedding_json(e), st, json_out, json_len, error);
  });
}

void sigil_json_free(char *json) { std::free(json); }

}  // extern "C"
