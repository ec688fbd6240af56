#include "telemetry/telemetry_config.h"

#include <errno.h>
#include <unistd.h>

#include <cstdlib>

#include "core/config.h"
#include "base/random_ids.h"
#include "base/strings.h"
#include "base/utf8.h"
#include "export/endpoint.h"

namespace sigil::detail {

namespace {

// A positive integer from the environment; invalid values are ignored with a
// warning, as OpenTelemetry SDKs do.
std::optional<uint32_t> env_uint(const EnvLookup &env, const char *name, const Logger &logger) {
  auto v = env_value(env, name);
  if (!v) return std::nullopt;
  char *end = nullptr;
  unsigned long long n = std::strtoull(v->c_str(), &end, 10);
  if (end != v->c_str() + v->size() || n == 0 || n > 0xFFFFFFFFull || (*v)[0] == '-') {
    logger.warn(std::string("ignoring invalid ") + name + "=\"" + *v + "\"");
    return std::nullopt;
  }
  return static_cast<uint32_t>(n);
}

void set_pair(StringPairs &list, std::string key, std::string value, bool case_insensitive) {
  for (auto &kv : list) {
    if (case_insensitive ? iequals(kv.first, key) : kv.first == key) {
      kv.second = std::move(value);
      return;
    }
  }
  list.emplace_back(std::move(key), std::move(value));
}

// "k=v,k2=v2" with percent-encoded values (the W3C baggage form OpenTelemetry
// uses for OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES).
StringPairs parse_encoded_pairs(std::string_view text) {
  StringPairs out;
  for (auto &kv : parse_key_values(text)) out.emplace_back(percent_decode(kv.first), percent_decode(kv.second));
  return out;
}

// A usable URL for an OTLP endpoint, or an error.
Expected<std::string> endpoint_url(std::string_view raw, const char *signal, const char *what) {
  Expected<Endpoint> ep = parse_endpoint(raw, std::nullopt, "/");
  if (!ep)
    return Status(SIGIL_E_CONFIG,
                  std::string("invalid ") + what + " \"" + std::string(raw) + "\": " + ep.error().message());
  if (signal == nullptr) return ep->url();
  std::string path = ep->path == "/" ? std::string() : ep->path;
  Endpoint out = *ep;
  out.path = path + "/v1/" + signal;
  return out.url();
}

std::string language_for_sdk(const std::string &sdk_name) {
  if (sdk_name == "sdk-python") return "python";
  if (sdk_name == "sdk-go") return "go";
  if (sdk_name == "sdk-rust") return "rust";
  if (sdk_name == "sdk-js" || sdk_name == "sdk-node") return "nodejs";
  return "cpp";
}

// The executable's file name, for the default service.name: the target of
// /proc/self/exe, else the name the program was invoked as.
std::string executable_name() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  std::string path = n > 0 ? std::string(buf, size_t(n)) : std::string();
  // A deleted (replaced) binary reads "<path> (deleted)".
  const std::string deleted = " (deleted)";
  if (path.size() > deleted.size() && path.compare(path.size() - deleted.size(), deleted.size(), deleted) == 0) {
    path.resize(path.size() - deleted.size());
  }
  size_t slash = path.rfind('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
#ifdef __GLIBC__
  if (name.empty() && program_invocation_short_name != nullptr) name = program_invocation_short_name;
#endif
  return name;
}

bool exporter_off(const EnvLookup &env, const char *name) {
  auto v = env_value(env, name);
  return v && to_lower(*v) == "none";
}

Status check_pairs(const StringPairs &pairs, const char *what, bool header) {
  for (const auto &kv : pairs) {
    if (!valid_utf8(kv.first) || !valid_utf8(kv.second)) {
      return Status(SIGIL_E_INVALID_UTF8, std::string("an ") + what + " is not valid UTF-8");
    }
  }
  return header ? check_headers(pairs, what) : Status::ok();
}

}  // namespace

std::string percent_decode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string otlp_signal_url(std::string_view base, const char *signal) {
  auto url = endpoint_url(base, signal, "OTLP endpoint");
  return url ? url.value() : std::string();
}

Status resolve_telemetry_config(const Options &o, const EnvLookup &env, ClientConfig &cfg, bool local_default) {
  const TelemetryOptions &t = o.telemetry;
  TelemetryConfig &tc = cfg.telemetry;
  OtlpConfig &otlp = tc.otlp;
  const Logger &logger = cfg.logger;

  // Endpoints: explicit per-signal > explicit base > environment per-signal
  // > environment base. The environment can be switched off per signal.
  const bool sdk_disabled = env_value(env, "OTEL_SDK_DISABLED") && parse_bool(*env_value(env, "OTEL_SDK_DISABLED"));
  auto resolve_url = [&](const std::optional<std::string> &explicit_signal, const char *signal_env,
                         const char *exporter_env, const char *signal, std::string &out) -> Status {
    std::optional<std::string> raw_signal = explicit_signal;
    std::optional<std::string> raw_base = t.otlp_endpoint;
    // The name errors give: the option, or the variable the value came from.
    std::string signal_source = std::string("OTLP ") + signal + " endpoint", base_source = "OTLP endpoint";
    if (!raw_signal && !raw_base && !sdk_disabled && !exporter_off(env, exporter_env)) {
      raw_signal = env_value(env, signal_env);
      signal_source = signal_env;
      if (!raw_signal) {
        raw_base = env_value(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
        base_source = "OTEL_EXPORTER_OTLP_ENDPOINT";
      }
    }
    if (raw_signal && !is_blank(*raw_signal)) {
      auto url = endpoint_url(*raw_signal, nullptr, signal_source.c_str());
      if (!url) return url.error();
      out = url.value();
    } else if (raw_base && !is_blank(*raw_base)) {
      auto url = endpoint_url(*raw_base, signal, base_source.c_str());
      if (!url) return url.error();
      out = url.value();
    }
    return Status::ok();
  };
  Status st = resolve_url(t.otlp_traces_endpoint, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER",
                          "traces", otlp.traces_url);
  if (!st.is_ok()) return st;
  st = resolve_url(t.otlp_metrics_endpoint, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_METRICS_EXPORTER", "metrics",
                   otlp.metrics_url);
  if (!st.is_ok()) return st;
  // No configuration at all (see resolve_telemetry_config in config.h): the
  // local receiver's OTLP port, for each signal the environment leaves on. Any
  // OTLP setting, even a blank option, counts as configured.
  const bool otlp_configured = t.otlp_endpoint || t.otlp_traces_endpoint || t.otlp_metrics_endpoint ||
                               !otlp.traces_url.empty() || !otlp.metrics_url.empty();
  if (local_default && !otlp_configured && !sdk_disabled) {
    if (!exporter_off(env, "OTEL_TRACES_EXPORTER")) otlp.traces_url = otlp_signal_url(kLocalOtlpEndpoint, "traces");
    if (!exporter_off(env, "OTEL_METRICS_EXPORTER")) otlp.metrics_url = otlp_signal_url(kLocalOtlpEndpoint, "metrics");
    otlp.local_default = true;
  }
  // The host pipeline: spans and metrics leave only through the callbacks
  // (the binding's host tracer and meter), so no OTLP endpoint is used.
  tc.pipeline = t.pipeline != 0 ? t.pipeline : SIGIL_TELEMETRY_PIPELINE_ENGINE;
  if (tc.pipeline != SIGIL_TELEMETRY_PIPELINE_ENGINE && t.span_fn == nullptr && t.metric_fn == nullptr) {
    return Status(SIGIL_E_CONFIG, "the host and both telemetry pipelines need a span or metric callback");
  }
  if (tc.pipeline == SIGIL_TELEMETRY_PIPELINE_HOST && otlp.enabled()) {
    logger.debug("host telemetry pipeline: OTLP endpoints ignored (" + otlp.traces_url + " " + otlp.metrics_url +
                 "); spans and metrics go through the host's tracer and meter");
    otlp.traces_url.clear();
    otlp.metrics_url.clear();
  }
  if (otlp.enabled()) {
    for (const char *name :
         {"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"}) {
      auto v = env_value(env, name);
      if (v && to_lower(*v) != "http/protobuf") {
        logger.warn(std::string(name) + "=\"" + *v + "\" is not supported; libsigil exports OTLP as http/protobuf");
      }
    }
  }

  // Headers: shared environment < per-signal environment < explicit.
  StringPairs shared;
  auto env_headers = [&](const char *name, StringPairs &into) -> Status {
    auto v = env_value(env, name);
    if (!v) return Status::ok();
    auto parsed = parse_header_list(*v, name, true);
    if (!parsed) return parsed.error();
    for (auto &kv : parsed.value()) set_pair(into, kv.first, kv.second, true);
    return Status::ok();
  };
  st = env_headers("OTEL_EXPORTER_OTLP_HEADERS", shared);
  if (!st.is_ok()) return st;
  otlp.traces_headers = shared;
  otlp.metrics_headers = shared;
  st = env_headers("OTEL_EXPORTER_OTLP_TRACES_HEADERS", otlp.traces_headers);
  if (st.is_ok()) st = env_headers("OTEL_EXPORTER_OTLP_METRICS_HEADERS", otlp.metrics_headers);
  if (!st.is_ok()) return st;
  for (const auto &kv : t.otlp_headers) {
    st = check_header(kv.first, kv.second);
    if (!st.is_ok()) return Status(st.code(), "OTLP header option: " + st.message());
    set_pair(otlp.traces_headers, kv.first, kv.second, true);
    set_pair(otlp.metrics_headers, kv.first, kv.second, true);
  }
  st = check_pairs(otlp.traces_headers, "OTLP header", true);
  if (st.is_ok()) st = check_pairs(otlp.metrics_headers, "OTLP header", true);
  if (!st.is_ok()) return st;

  // Timing and batching.
  if (auto v = env_uint(env, "OTEL_EXPORTER_OTLP_TIMEOUT", logger)) otlp.timeout_ms = *v;
  if (auto v = env_uint(env, "OTEL_METRIC_EXPORT_INTERVAL", logger)) otlp.metric_export_interval_ms = *v;
  if (t.metric_export_interval_ms && *t.metric_export_interval_ms > 0) {
    otlp.metric_export_interval_ms = *t.metric_export_interval_ms;
  }
  if (auto v = env_uint(env, "OTEL_BSP_SCHEDULE_DELAY", logger)) otlp.span_schedule_delay_ms = *v;
  if (auto v = env_uint(env, "OTEL_BSP_MAX_QUEUE_SIZE", logger)) otlp.span_queue_size = *v;
  if (auto v = env_uint(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", logger)) otlp.span_batch_size = *v;
  if (otlp.span_batch_size > otlp.span_queue_size) otlp.span_batch_size = otlp.span_queue_size;
  otlp.max_retries = cfg.exporter.max_retries;
  otlp.initial_backoff_ms = cfg.exporter.initial_backoff_ms;
  otlp.max_backoff_ms = cfg.exporter.max_backoff_ms;

  // Resource: service.name, then the telemetry.sdk.* defaults, a random
  // service.instance.id per client (as OpenTelemetry SDKs give each SDK
  // instance, so replicas' cumulative series stay apart), then the
  // environment's attributes, then explicit ones (later wins per key).
  StringPairs env_attrs;
  if (auto v = env_value(env, "OTEL_RESOURCE_ATTRIBUTES")) env_attrs = parse_encoded_pairs(*v);
  std::string exe = executable_name();
  std::string service = exe.empty() ? "unknown_service" : "unknown_service:" + exe;
  for (const auto &kv : env_attrs) {
    if (kv.first == "service.name" && !is_blank(kv.second)) service = kv.second;
  }
  if (auto v = env_value(env, "OTEL_SERVICE_NAME")) service = *v;
  for (const auto &kv : t.resource_attributes) {
    if (kv.first == "service.name" && !is_blank(kv.second)) service = kv.second;
  }
  if (t.service_name && !is_blank(*t.service_name)) service = trim(*t.service_name);
  StringPairs &res = tc.identity.resource;
  res.clear();
  res.emplace_back("service.name", service);
  std::string language =
      t.sdk_language && !is_blank(*t.sdk_language) ? trim(*t.sdk_language) : language_for_sdk(cfg.sdk_name);
  res.emplace_back("telemetry.sdk.language", language);
  res.emplace_back("telemetry.sdk.name", "libsigil");
  res.emplace_back("telemetry.sdk.version", SIGIL_VERSION_STRING);
  res.emplace_back("service.instance.id", new_uuid_v4());
  for (const StringPairs *list : {static_cast<const StringPairs *>(&env_attrs), &t.resource_attributes}) {
    for (const auto &kv : *list) {
      if (kv.first == "service.name" || kv.first.empty()) continue;
      set_pair(res, kv.first, kv.second, false);
    }
  }
  st = check_pairs(res, "OTEL_RESOURCE_ATTRIBUTES entry", false);
  if (!st.is_ok()) return st;

  // Span callback and embedding capture.
  tc.span_fn = t.span_fn;
  tc.span_user_data = t.span_user_data;
  tc.metric_fn = t.metric_fn;
  tc.metric_user_data = t.metric_user_data;
  tc.embedding_capture.capture_input = t.embedding_capture_input.value_or(false);
  if (t.embedding_max_input_items > 0) tc.embedding_capture.max_input_items = t.embedding_max_input_items;
  if (t.embedding_max_text_length > 0) tc.embedding_capture.max_text_length = t.embedding_max_text_length;
  return Status::ok();
}

}  // namespace sigil::detail
