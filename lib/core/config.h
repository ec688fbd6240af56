// Client configuration: what the host set explicitly (Options), and the
// finalized form resolved once from options > environment > defaults.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/logger.h"
#include "base/model.h"
#include "base/status.h"
#include "core/price_table.h"
#include "core/privacy.h"
#include "core/sampling.h"
#include "export/export_config.h"
#include "telemetry/telemetry_config.h"

namespace sigil::detail {

enum class AuthMode : uint32_t {
  kNone = SIGIL_AUTH_NONE,
  kTenant = SIGIL_AUTH_TENANT,
  kBearer = SIGIL_AUTH_BEARER,
  kBasic = SIGIL_AUTH_BASIC
};

// Everything a host may set explicitly; unset knobs are empty optionals.
struct Options {
  bool use_environment = true;
  std::optional<Protocol> protocol;
  GenerationExporterCallback generation_exporter;  // wins over protocol and endpoint
  std::optional<std::string> endpoint;
  std::optional<bool> insecure;
  HeaderList headers;
  bool headers_set = false;
  std::optional<AuthMode> auth_mode;
  std::optional<std::string> tenant_id, bearer_token, basic_user, basic_password;
  std::optional<std::string> agent_name, agent_version, user_id;
  Tags tags;
  bool tags_set = false;
  std::optional<std::string> sdk_name;
  std::optional<uint32_t> batch_size, flush_interval_ms, queue_size, max_retries, initial_backoff_ms, max_backoff_ms,
      attempt_timeout_ms;
  std::optional<uint64_t> queue_max_bytes, payload_max_bytes;
  sigil_log_fn log_fn = nullptr;
  void *log_user_data = nullptr;
  std::optional<bool> debug;
  bool keep_last_generation = false;        // recorders keep their normalized generation
  TelemetryOptions telemetry;               // spans, metrics, OTLP (telemetry/telemetry_config.h)
  std::optional<std::string> api_endpoint;  // Sigil API (ratings)
  std::optional<std::string> spool_dir;     // durable spool (export/spool.h)
  std::optional<uint64_t> spool_max_bytes, spool_max_age_ms;
  std::optional<uint32_t> spool_sync;
  std::optional<uint32_t> spool_mode;  // SIGIL_SPOOL_MODE_*
  std::optional<bool> spool_allow_shared_dir;
  // TLS for the Sigil server (export and ratings); OTLP falls back to it.
  std::optional<std::string> ca_file, ca_dir, client_cert, client_key;
  PrivacyOptions privacy;  // content capture, redaction, sanitizer, field limits (core/privacy.h)
  // Cost, token estimates, sampling (docs/cost.md, docs/sampling.md).
  std::optional<std::string> prices_file;
  std::optional<bool> token_estimates;
  std::optional<double> content_sample_rate, export_sample_rate;
};

struct ClientConfig {
  ExportConfig exporter;
  std::string api_endpoint = "http://localhost:8080";  // Sigil API base (ratings)
  std::string agent_name;
  std::string agent_version;
  std::string user_id;
  Tags tags;
  std::string sdk_name = "sdk-c";
  bool debug = false;
  bool keep_last_generation = false;  // GenerationRecorder::last_json
  Logger logger;
  TelemetryConfig telemetry;
  PrivacyConfig privacy;
  std::shared_ptr<const PriceTable> prices;  // the built-in table, with the host's file merged in
  bool token_estimates = true;
  SamplingConfig sampling;
};

using EnvLookup = std::function<std::optional<std::string>(const char *name)>;
EnvLookup process_environment();
// An environment value, trimmed; blank counts as unset (as in the reference).
std::optional<std::string> env_value(const EnvLookup &env, const char *name);

// Client configuration is the sum of each layer's own (ExportConfig in
// export/export_config.h, TelemetryConfig in telemetry/telemetry_config.h,
// PrivacyConfig in core/privacy.h); this file only combines them and reads
// the environment.

// Resolves options > environment > defaults and validates the result
// (including the auth mode's required credentials).
Expected<ClientConfig> resolve_config(const Options &options, const EnvLookup &env);
// The resolved configuration as a JSON object (core/config_json.cpp): the
// generation export knobs with the headers auth derives, the API endpoint,
// embedding capture, client-wide defaults, the content capture mode and the
// OTLP endpoints. Durations in milliseconds. Credentials appear only inside
// the headers they become.
std::string client_config_json(const ClientConfig &config);
// For people (core/config_describe.cpp): {"valid", "error" ({"code",
// "message"} or null), "warnings" (what resolution logged), "sources"
// (setting -> {"source": option|env|default, "variable"}), "config"
// (client_config_json with credential headers masked, or null)}. Never
// fails: a configuration error is part of the answer.
std::string describe_config_json(const Options &options, const EnvLookup &env);
// The telemetry part of resolve_config (core/config_telemetry.cpp); expects
// the rest of `cfg` (exporter knobs, sdk_name, logger) already resolved.
// `local_default`: the generation endpoint is the built-in default (nothing
// configured), so with no OTLP endpoint configured either, spans and metrics
// go to the local receiver's OTLP port (kLocalOtlpEndpoint).
Status resolve_telemetry_config(const Options &options, const EnvLookup &env, ClientConfig &cfg,
                                bool local_default = false);
// Where OTLP goes when nothing is configured at all: `sigil receive`'s port.
inline constexpr const char *kLocalOtlpEndpoint = "http://localhost:4318";
// The TLS part (core/config_tls.cpp): CA bundle, CA directory and client
// certificate for the Sigil server and each enabled OTLP signal, every file
// checked readable; runs after the telemetry part (it needs the OTLP URLs).
Status resolve_tls_config(const Options &options, const EnvLookup &env, ClientConfig &cfg);
// The privacy part (core/config_privacy.cpp); runs after the telemetry part.
Status resolve_privacy_config(const Options &options, const EnvLookup &env, ClientConfig &cfg);

// A SIGIL_E_CONFIG status.
Status config_error(std::string message);
// An environment variable whose value does not parse is a configuration
// error, unless the same setting is given in code: that wins, and the
// variable is ignored with a warning.
Status invalid_env(bool set_in_code, const char *var, const std::string &value, const char *expected,
                   const Logger &logger);
// Explicit > environment > default.
template <typename T>
T pick(const std::optional<T> &explicit_value, const std::optional<T> &env_value_, T fallback) {
  if (explicit_value) return *explicit_value;
  if (env_value_) return *env_value_;
  return fallback;
}

// The cost and sampling part (core/config_cost.cpp): the price table (a
// file that cannot be read or is not a valid table is SIGIL_E_CONFIG), token
// estimates and the two sample rates.
Status resolve_cost_config(const Options &options, const EnvLookup &env, ClientConfig &cfg);

// Parses "k=v,k2=v2" (blank entries and entries without '=' are skipped).
std::vector<std::pair<std::string, std::string>> parse_key_values(std::string_view text);
// A header list variable ("k=v,k2=v2", SIGIL_HEADERS and the
// OTEL_EXPORTER_OTLP_*HEADERS): blank entries are skipped; an entry that is
// not name=value or that check_header refuses is an error naming `var` and
// the entry. `decode`: names and values are percent-decoded (the OTel form).
Expected<HeaderList> parse_header_list(std::string_view text, const char *var, bool decode);
// parse_endpoint's verdict on `value`, as an error naming `source` (the
// option or environment variable it came from).
Status check_endpoint(std::string_view value, const char *source);
// "1/true/yes/on" (any case) -> true; anything else false.
bool parse_bool(std::string_view text);
// "%41" -> "A"; malformed escapes are kept as written (OTEL_* headers).
std::string percent_decode(std::string_view s);
// The OTLP URL for one signal from a base endpoint: its path + "/v1/<signal>".
std::string otlp_signal_url(std::string_view base_endpoint, const char *signal);

}  // namespace sigil::detail
