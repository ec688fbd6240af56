// Section: Provider mapping.
#include "abi/recorder_util.h"
#include "providers/provider_api.h"

using sigil::abi::guard;
using sigil::detail::ProviderApi;
using sigil::detail::Status;

namespace {

// The API named by a NUL-terminated string; SIGIL_E_INVALID_ARGUMENT for NULL
// or an unknown name (nothing is recorded: the caller's code is wrong, not
// the provider's answer).
sigil_status_t api_of(const char *name, ProviderApi &out) {
  if (name == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  auto api = sigil::detail::parse_provider_api(name);
  if (!api) return api.error().code();
  out = api.value();
  return SIGIL_OK;
}

constexpr uint32_t kKnownFlags = SIGIL_PROVIDER_RAW_ARTIFACTS;

template <typename Map>
sigil_status_t map_generation(sigil_generation_t *g, const char *api_name, const char *json, size_t len, uint32_t flags,
                              Map &&map) {
  if (g == nullptr || g->recorder.is_noop()) return SIGIL_OK;
  return guard([&]() -> sigil_status_t {
    ProviderApi api;
    if (sigil_status_t st = api_of(api_name, api); st != SIGIL_OK) return st;
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
    if (sigil_status_t st = api_of(api_name, api); st != SIGIL_OK) return st;
    if ((request_json == nullptr && request_len > 0) || (response_json == nullptr && response_len > 0)) {
      return SIGIL_E_INVALID_ARGUMENT;
    }
    std::string_view request = request_json != nullptr ? std::string_view(request_json, request_len) : "";
    std::string_view response = response_json != nullptr ? std::string_view(response_json, response_len) : "";
    return e->recorder.map_provider(api, request, response).code();
  });
}

}  // extern "C"
