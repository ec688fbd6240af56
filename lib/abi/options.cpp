// Section: Options.
#include "abi/handles.h"

using sigil::abi::copy_cstr;
using sigil::abi::guard;
using sigil::detail::Status;

namespace {

template <typename F>
sigil_status_t with_options(sigil_options_t *o, F &&fn) {
  if (o == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  return guard([&] { return fn(o->options); });
}

sigil_status_t set_string(sigil_options_t *o, const char *value, const char *field,
                          std::optional<std::string> sigil::detail::Options::*member) {
  return with_options(o, [&](sigil::detail::Options &opts) {
    if (value == nullptr) {
      (opts.*member).reset();
      return SIGIL_OK;
    }
    std::string v;
    Status st = copy_cstr(value, field, v);
    if (!st.is_ok()) return st.code();
    opts.*member = std::move(v);
    return SIGIL_OK;
  });
}

template <typename T>
sigil_status_t set_number(sigil_options_t *o, T value, std::optional<T> sigil::detail::Options::*member) {
  return with_options(o, [&](sigil::detail::Options &opts) {
    opts.*member = value;
    return SIGIL_OK;
  });
}

}  // namespace

extern "C" {

sigil_status_t sigil_options_new(sigil_options_t **out) {
  if (out == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  *out = new (std::nothrow) sigil_options();
  return *out == nullptr ? SIGIL_E_NO_MEMORY : SIGIL_OK;
}

void sigil_options_free(sigil_options_t *options) { delete options; }

sigil_status_t sigil_options_set_use_environment(sigil_options_t *o, int enabled) {
  return with_options(o, [&](sigil::detail::Options &opts) {
    opts.use_environment = enabled != 0;
    return SIGIL_OK;
  });
}

sigil_status_t sigil_options_set_protocol(sigil_options_t *o, uint32_t protocol) {
  if (protocol > SIGIL_PROTOCOL_NONE) return SIGIL_E_INVALID_ARGUMENT;
  return with_options(o, [&](sigil::detail::Options &opts) {
    opts.protocol = static_cast<sigil::detail::Protocol>(protocol);
    return SIGIL_OK;
  });
}

sigil_status_t sigil_options_set_endpoint(sigil_options_t *o, const char *endpoint) {
  return set_string(o, endpoint, "endpoint", &sigil::detail::Options::endpoint);
}

sigil_status_t sigil_options_set_insecure(sigil_options_t *o, int insecure) {
  return with_options(o, [&](sigil::detail::Options &opts) {
    opts.insecure = insecure != 0;
    return SIGIL_OK;
  });
}

sigil_status_t sigil_options_set_ca_file(sigil_options_t *o, const char *path) {
  return set_string(o, path, "CA file", &sigil::detail::Options::ca_file);
}

sigil_status_t sigil_options_set_ca_dir(sigil_options_t *o, const char *path) {
  return set_string(o, path, "CA directory", &sigil::detail::Options::ca_dir);
}

sigil_status_t sigil_options_set_client_cert(sigil_options_t *o, const char *path) {
  return set_string(o, path, "client certificate", &sigil::detail::Options::client_cert);
}

sigil_status_t sigil_options_set_client_key(sigil_options_t *o, const char *path) {
  return set_string(o, path, "client key", &sigil::detail::Options::client_key);
}

sigil_status_t sigil_options_set_header(sigil_options_t *o, const char *name, const char *value) {
  if (name == nullptr || value == nullptr || *name == '\0') return SIGIL_E_INVALID_ARGUMENT;
  return with_options(o, [&](sigil::detail::Options &opts) {
    std::string n, v;
    Status st = copy_cstr(name, "header name", n);
    if (st.is_ok()) st = copy_cstr(value, "header value", v);
    if (!st.is_ok()) return st.code();
    sigil::detail::set_header(opts.headers, std::move(n), std::move(v));
    opts.headers_set = true;
    return SIGIL_OK;
  });
}

sigil_status_t sigil_options_set_auth_mode(sigil_options_t *o, uint32_t mode) {
  if (mode > SIGIL_AUTH_BASIC) return SIGIL_E_INVALID_ARGUMENT;
  return with_options(o, [&](sigil::detail::Options &opts) {
    opts.auth_mode = static_cast<sigil::detail::AuthMode>(mode);
    return SIGIL_OK;
  });
}

sigil_status_t sigil_options_set_auth_tenant_id(sigil_options_t *o, const char *v) {
  return set_string(o, v, "tenant id", &sigil::detail::Options::tenant_id);
}
sigil_status_t sigil_options_set_auth_bearer_token(sigil_options_t *o, const char *v) {
  return set_string(o, v, "bearer token", &sigil::detail::Options::bearer_token);
}
sigil_status_t sigil_options_set_auth_basic_user(sigil_options_t *o, const char *v) {
  return set_string(o, v, "basic user", &sigil::detail::Options::basic_user);
}
sigil_status_t sigil_options_set_auth_basic_password(sigil_options_t *o, const char *v) {
  return set_string(o, v, "basic password", &sigil::detail::Options::basic_password);
}
sigil_status_t sigil_options_set_agent_name(sigil_options_t *o, const char *v) {
  return set_string(o, v, "agent name", &sigil::detail::Options::agent_name);
}
sigil_status_t sigil_options_set_agent_version(sigil_options_t *o, const char *v) {
  return set_string(o, v, "agent version", &sigil::detail::Options::agent_version);
}
sigil_status_t sigil_options_set_user_id(sigil_options_t *o, const char *v) {
  return set_string(o, v, "user id", &sigil::detail::Options::user_id);
}
sigil_status_t sigil_options_set_sdk_name(sigil_options_t *o, const char *v) {
  return set_string(o, v, "sdk name", &sigil::detail::Options::sdk_name);
}

sigil_status_t sigil_options_set_tag(sigil_options_t *o, const char *key, const char *value) {
  if (key == nullptr || value == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  return with_options(o, [&](sigil::detail::Options &opts) {
    std::string k, v;
    Status st = copy_cstr(key, "tag key", k);
    if (st.is_ok()) st = copy_cstr(value, "tag value", v);
    if (!st.is_ok()) return st.code();
    opts.tags[std::move(k)] = std::move(v);
    opts.tags_set = true;
    return SIGIL_OK;
  });
}

sigil_status_t sigil_options_set_batch_size(sigil_options_t *o, uint32_t v) {
  return set_number(o, v, &sigil::detail::Options::batch_size);
}
sigil_status_t sigil_options_set_flush_interval_ms(sigil_options_t *o, uint32_t v) {
  return set_number(o, v, &sigil::detail::Options::flush_interval_ms);
}
sigil_status_t sigil_options_set_queue_size(sigil_options_t *o, uint32_t v) {
  return set_number(o, v, &sigil::detail::Options::queue_size);
}
sigil_status_t sigil_options_set_queue_max_bytes(sigil_options_t *o, uint64_t v) {
  return set_number(o, v, &sigil::detail::Options::queue_max_bytes);
}
sigil_status_t sigil_options_set_max_retries(sigil_options_t *o, uint32_t v) {
  return set_number(o, v, &sigil::detail::Options::max_retries);
}
sigil_status_t sigil_options_set_no_retries(sigil_options_t *o) {
  return set_number(o, uint32_t(0), &sigil::detail::Options::max_retries);
}
sigil_status_t sigil_options_set_initial_backoff_ms(sigil_options_t *o, uint32_t v) {
  return set_number(o, v, &sigil::detail::Options::initial_backoff_ms);
}
sigil_status_t sigil_options_set_max_backoff_ms(sigil_options_t *o, uint32_t v) {
  return set_number(o, v, &sigil::detail::Options::max_backoff_ms);
}
sigil_status_t sigil_options_set_attempt_timeout_ms(sigil_options_t *o, uint32_t v) {
  return set_number(o, v, &sigil::detail::Options::attempt_timeout_ms);
}
sigil_status_t sigil_options_set_payload_max_bytes(sigil_options_t *o, uint64_t v) {
  return set_number(o, v, &sigil::detail::Options::payload_max_bytes);
}

sigil_status_t sigil_options_set_logger(sigil_options_t *o, sigil_log_fn fn, void *user_data) {
  return with_options(o, [&](sigil::detail::Options &opts) {
    opts.log_fn = fn;
    opts.log_user_data = user_data;
    return SIGIL_OK;
  });
}

sigil_status_t sigil_options_set_keep_last_generation(sigil_options_t *o, int keep) {
  return with_options(o, [&](sigil::detail::Options &opts) {
    opts.keep_last_generation = keep != 0;
    return SIGIL_OK;
  });
}

sigil_status_t sigil_options_set_debug(sigil_options_t *o, int debug) {
  return with_options(o, [&](sigil::detail::Options &opts) {
    opts.debug = debug != 0;
    return SIGIL_OK;
  });
}

sigil_status_t sigil_options_set_api_endpoint(sigil_options_t *o, const char *endpoint) {
  return set_string(o, endpoint, "api_endpoint", &sigil::detail::Options::api_endpoint);
}

}  // extern "C"

// Cost, token estimates and sampling.
namespace {

sigil_status_t set_rate(sigil_options_t *o, double rate, std::optional<double> sigil::detail::Options::*member) {
  if (!(rate >= 0.0 && rate <= 1.0)) return SIGIL_E_INVALID_ARGUMENT;  // NaN fails both
  return set_number(o, rate, member);
}

}  // namespace

extern "C" {

sigil_status_t sigil_options_set_prices_file(sigil_options_t *o, const char *path) {
  return set_string(o, path, "prices file", &sigil::detail::Options::prices_file);
}

sigil_status_t sigil_options_set_token_estimates(sigil_options_t *o, int enabled) {
  return set_number(o, enabled != 0, &sigil::detail::Options::token_estimates);
}

sigil_status_t sigil_options_set_content_sample_rate(sigil_options_t *o, double rate) {
  return set_rate(o, rate, &sigil::detail::Options::content_sample_rate);
}

sigil_status_t sigil_options_set_export_sample_rate(sigil_options_t *o, double rate) {
  return set_rate(o, rate, &sigil::detail::Options::export_sample_rate);
}

}  // extern "C"
