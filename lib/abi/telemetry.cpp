// Section: Telemetry (spans, GenAI metrics, OTLP export).
#include <cstdlib>
#include <cstring>

#include "abi/handles.h"
#include "base/strings.h"

using sigil::abi::copy_cstr;
using sigil::abi::guard;
using sigil::abi::report;
using sigil::detail::Status;
using sigil::detail::StringPairs;
using sigil::detail::TelemetryOptions;

namespace {

template <typename F>
sigil_status_t with_telemetry(sigil_options_t *o, F &&fn) {
  if (o == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  return guard([&] { return fn(o->options.telemetry); });
}

sigil_status_t set_string(sigil_options_t *o, const char *value, const char *field,
                          std::optional<std::string> TelemetryOptions::*member) {
  return with_telemetry(o, [&](TelemetryOptions &t) {
    if (value == nullptr) {
      (t.*member).reset();
      return SIGIL_OK;
    }
    std::string v;
    Status st = copy_cstr(value, field, v);
    if (!st.is_ok()) return st.code();
    t.*member = std::move(v);
    return SIGIL_OK;
  });
}

sigil_status_t set_pair(sigil_options_t *o, const char *key, const char *value, const char *what,
                        StringPairs TelemetryOptions::*member, bool case_insensitive) {
  if (key == nullptr || value == nullptr || *key == '\0') return SIGIL_E_INVALID_ARGUMENT;
  return with_telemetry(o, [&](TelemetryOptions &t) {
    std::string k, v;
    Status st = copy_cstr(key, what, k);
    if (st.is_ok()) st = copy_cstr(value, what, v);
    if (!st.is_ok()) return st.code();
    StringPairs &list = t.*member;
    for (auto &kv : list) {
      if (case_insensitive ? sigil::detail::iequals(kv.first, k) : kv.first == k) {
        kv.second = std::move(v);
        return SIGIL_OK;
      }
    }
    list.emplace_back(std::move(k), std::move(v));
    return SIGIL_OK;
  });
}

}  // namespace

extern "C" {

sigil_status_t sigil_options_set_otlp_endpoint(sigil_options_t *o, const char *endpoint) {
  return set_string(o, endpoint, "otlp endpoint", &TelemetryOptions::otlp_endpoint);
}

sigil_status_t sigil_options_set_otlp_traces_endpoint(sigil_options_t *o, const char *url) {
  return set_string(o, url, "otlp traces endpoint", &TelemetryOptions::otlp_traces_endpoint);
}

sigil_status_t sigil_options_set_otlp_metrics_endpoint(sigil_options_t *o, const char *url) {
  return set_string(o, url, "otlp metrics endpoint", &TelemetryOptions::otlp_metrics_endpoint);
}

sigil_status_t sigil_options_set_otlp_header(sigil_options_t *o, const char *name, const char *value) {
  return set_pair(o, name, value, "otlp header", &TelemetryOptions::otlp_headers, true);
}

sigil_status_t sigil_options_set_otlp_certificate(sigil_options_t *o, const char *path) {
  return set_string(o, path, "otlp certificate", &TelemetryOptions::otlp_certificate);
}

sigil_status_t sigil_options_set_otlp_client_certificate(sigil_options_t *o, const char *path) {
  return set_string(o, path, "otlp client certificate", &TelemetryOptions::otlp_client_certificate);
}

sigil_status_t sigil_options_set_otlp_client_key(sigil_options_t *o, const char *path) {
  return set_string(o, path, "otlp client key", &TelemetryOptions::otlp_client_key);
}

sigil_status_t sigil_options_set_service_name(sigil_options_t *o, const char *service_name) {
  return set_string(o, service_name, "service name", &TelemetryOptions::service_name);
}

sigil_status_t sigil_options_set_resource_attribute(sigil_options_t *o, const char *key, const char *value) {
  return set_pair(o, key, value, "resource attribute", &TelemetryOptions::resource_attributes, false);
}

sigil_status_t sigil_options_set_sdk_language(sigil_options_t *o, const char *language) {
  return set_string(o, language, "sdk language", &TelemetryOptions::sdk_language);
}

sigil_status_t sigil_options_set_metric_export_interval_ms(sigil_options_t *o, uint32_t ms) {
  return with_telemetry(o, [&](TelemetryOptions &t) {
    t.metric_export_interval_ms = ms;
    return SIGIL_OK;
  });
}

sigil_status_t sigil_options_set_embedding_capture(sigil_options_t *o, int capture_input, uint32_t max_input_items,
                                                   uint32_t max_text_length) {
  return with_telemetry(o, [&](TelemetryOptions &t) {
    t.embedding_capture_input = capture_input != 0;
    t.embedding_max_input_items = max_input_items;
    t.embedding_max_text_length = max_text_length;
    return SIGIL_OK;
  });
}

sigil_status_t sigil_options_set_span_callback(sigil_options_t *o, sigil_span_fn fn, void *user_data) {
  return with_telemetry(o, [&](TelemetryOptions &t) {
    t.span_fn = fn;
    t.span_user_data = fn != nullptr ? user_data : nullptr;
    return SIGIL_OK;
  });
}

sigil_status_t sigil_options_set_metric_callback(sigil_options_t *o, sigil_metric_fn fn, void *user_data) {
  return with_telemetry(o, [&](TelemetryOptions &t) {
    t.metric_fn = fn;
    t.metric_user_data = fn != nullptr ? user_data : nullptr;
    return SIGIL_OK;
  });
}

sigil_status_t sigil_options_set_telemetry_pipeline(sigil_options_t *o, uint32_t pipeline) {
  if (pipeline > SIGIL_TELEMETRY_PIPELINE_BOTH) return SIGIL_E_INVALID_ARGUMENT;
  return with_telemetry(o, [&](TelemetryOptions &t) {
    t.pipeline = pipeline;
    return SIGIL_OK;
  });
}

sigil_status_t sigil_client_metrics_snapshot(const sigil_client_t *client, char **json_out, size_t *json_len,
                                             sigil_error_t **error) {
  sigil::abi::reset_json_out(json_out, json_len, error);
  if (client == nullptr || json_out == nullptr) {
    return report(sigil::abi::invalid_argument("client or json_out is NULL"), error);
  }
  return guard([&] {
    return sigil::abi::hand_out_json(client->client->metrics_json(), Status::ok(), json_out, json_len, error);
  });
}

void sigil_metrics_snapshot_free(char *json) { std::free(json); }

}  // extern "C"
