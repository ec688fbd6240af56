#include "core/config.h"

#include <cstdlib>

#include "base/base64.h"
#include "base/strings.h"
#include "base/utf8.h"
#include "export/endpoint.h"

namespace sigil::detail {

EnvLookup process_environment() {
  return [](const char *name) -> std::optional<std::string> {
    const char *v = std::getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

std::vector<std::pair<std::string, std::string>> parse_key_values(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = trim_view(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    size_t eq = item.find('=');
    if (item.empty() || eq == std::string_view::npos || eq == 0) continue;
    std::string key = trim(item.substr(0, eq));
    if (key.empty()) continue;
    out.emplace_back(std::move(key), trim(item.substr(eq + 1)));
  }
  return out;
}

Expected<HeaderList> parse_header_list(std::string_view text, const char *var, bool decode) {
  HeaderList out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = trim_view(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.empty()) continue;  // "a=1,,b=2" or a trailing comma
    auto entry_error = [&](const std::string &why) {
      std::string shown(item.substr(0, 80));
      if (item.size() > 80) shown += "...";
      return Status(SIGIL_E_CONFIG, std::string(var) + " entry \"" + shown + "\": " + why);
    };
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) return entry_error("not a name=value pair (entries are separated by commas)");
    std::string name = trim(item.substr(0, eq)), value = trim(item.substr(eq + 1));
    if (decode) {
      name = percent_decode(name);
      value = percent_decode(value);
    }
    if (name.empty()) return entry_error("the header name is empty");
    Status st = check_header(name, value);
    if (!st.is_ok()) return entry_error(st.message());
    set_header(out, std::move(name), std::move(value));
  }
  return out;
}

Status check_endpoint(std::string_view value, const char *source) {
  Expected<Endpoint> ep = parse_endpoint(value, std::nullopt, "/");
  if (ep) return Status::ok();
  return Status(SIGIL_E_CONFIG, std::string("invalid ") + source + " \"" + std::string(trim_view(value)) +
                                    "\": " + ep.error().message());
}

bool parse_bool(std::string_view text) {
  std::string v = to_lower(trim_view(text));
  return v == "1" || v == "true" || v == "yes" || v == "on";
}

namespace {

std::string bearer_value(std::string token) {
  std::string t = trim(token);
  if (t.size() >= 7 && iequals(std::string_view(t).substr(0, 7), "bearer ")) t = trim(std::string_view(t).substr(7));
  return "Bearer " + t;
}

// Adds Authorization / X-Scope-OrgID per the auth mode unless the explicit
// headers already carry them (explicit headers win). The messages are the
// reference SDKs' wording (field names in snake_case; bindings whose
// reference spells them otherwise rename them).
Status apply_auth(AuthMode mode, const std::string &tenant_raw, const std::string &bearer_raw,
                  const std::string &user_raw, const std::string &password_raw, HeaderList &headers) {
  const std::string tenant = trim(tenant_raw), bearer = trim(bearer_raw), user = trim(user_raw),
                    password = trim(password_raw);
  switch (mode) {
    case AuthMode::kNone:
      return Status::ok();
    case AuthMode::kTenant:
      if (tenant.empty()) return config_error("auth mode tenant requires tenant_id (SIGIL_AUTH_TENANT_ID)");
      if (!has_header(headers, "X-Scope-OrgID")) headers.emplace_back("X-Scope-OrgID", tenant);
      return Status::ok();
    case AuthMode::kBearer:
      if (bearer.empty()) return config_error("auth mode bearer requires bearer_token (SIGIL_AUTH_TOKEN)");
      if (!has_header(headers, "Authorization")) headers.emplace_back("Authorization", bearer_value(bearer));
      return Status::ok();
    case AuthMode::kBasic: {
      if (password.empty()) return config_error("auth mode basic requires basic_password (SIGIL_AUTH_TOKEN)");
      std::string u = user.empty() ? tenant : user;
      if (u.empty()) return config_error("auth mode basic requires basic_user or tenant_id");
      if (!has_header(headers, "Authorization")) {
        std::string encoded;
        base64_append(encoded, u + ":" + password);
        headers.emplace_back("Authorization", "Basic " + encoded);
      }
      if (!tenant.empty() && !has_header(headers, "X-Scope-OrgID")) headers.emplace_back("X-Scope-OrgID", tenant);
      return Status::ok();
    }
  }
  return config_error("unsupported auth mode");
}

}  // namespace

Status config_error(std::string message) { return Status(SIGIL_E_CONFIG, std::move(message)); }

// An environment variable whose value does not parse is a configuration
// error, unless the same setting is given in code: that wins, and the
// variable is ignored with a warning.
Status invalid_env(bool set_in_code, const char *var, const std::string &value, const char *expected,
                   const Logger &logger) {
  std::string what = std::string("invalid ") + var + " \"" + value + "\" (expected " + expected + ")";
  if (!set_in_code) return config_error(std::move(what));
  logger.warn("ignoring " + what + ": the setting given in code is used");
  return Status::ok();
}

Expected<ClientConfig> resolve_config(const Options &o, const EnvLookup &env_in) {
  EnvLookup env = o.use_environment ? env_in : EnvLookup();
  ClientConfig cfg;
  ExportConfig &ex = cfg.exporter;

  // The logger first: what is resolved below may warn.
  std::optional<bool> env_debug;
  if (auto v = env_value(env, "SIGIL_DEBUG")) env_debug = parse_bool(*v);
  cfg.debug = pick(o.debug, env_debug, false);
  cfg.logger = Logger(o.log_fn, o.log_user_data, cfg.debug);
  Status st;

  // Protocol.
  std::optional<Protocol> env_protocol;
  if (auto v = env_value(env, "SIGIL_PROTOCOL")) {
    std::string p = to_lower(*v);
    if (p == "grpc")
      env_protocol = Protocol::kGrpc;
    else if (p == "http" || p == "http/json" || p == "http/protobuf")
      env_protocol = Protocol::kHttp;
    else if (p == "none")
      env_protocol = Protocol::kNone;
    else if (st = invalid_env(o.protocol.has_value(), "SIGIL_PROTOCOL", *v, "grpc, http or none", cfg.logger);
             !st.is_ok())
      return st;
  }
  ex.protocol = pick(o.protocol, env_protocol, Protocol::kGrpc);
  ex.callback = o.generation_exporter;
  ex.endpoint = pick(o.endpoint, env_value(env, "SIGIL_ENDPOINT"), std::string("localhost:4317"));
  if (is_blank(ex.endpoint) && ex.callback.fn == nullptr)
    return config_error("the generation export endpoint is empty");
  // A host exporter callback replaces the server: its endpoint is not used.
  st = ex.callback.fn != nullptr ? Status::ok()
                                 : check_endpoint(ex.endpoint, o.endpoint ? "endpoint" : "SIGIL_ENDPOINT");
  if (!st.is_ok()) return st;
  // An HTTP ingest URL (with the export path) given to gRPC: the path means
  // nothing to gRPC, so the protocol is likely the mistake.
  if (ex.protocol == Protocol::kGrpc && ex.callback.fn == nullptr) {
    Expected<Endpoint> ep = parse_endpoint(ex.endpoint, std::nullopt, "/");
    if (ep && ep->path != "/" && !ep->path.empty()) {
      cfg.logger.warn("the endpoint \"" + trim(ex.endpoint) + "\" has a path (" + ep->path +
                      "), which gRPC does not use: for Sigil's HTTP ingest set the protocol to http "
                      "(SIGIL_PROTOCOL=http); for gRPC give host:port");
    }
  }
  std::optional<bool> env_insecure;
  if (auto v = env_value(env, "SIGIL_INSECURE")) env_insecure = parse_bool(*v);
  ex.insecure = o.insecure ? o.insecure : env_insecure;

  // Headers: environment first, explicit headers replace same-named ones.
  if (auto v = env_value(env, "SIGIL_HEADERS")) {
    auto parsed = parse_header_list(*v, "SIGIL_HEADERS", false);
    if (!parsed) return parsed.error();
    ex.headers = std::move(parsed.value());
  }
  for (const auto &h : o.headers) {
    st = check_header(h.first, h.second);
    if (!st.is_ok()) return Status(st.code(), "header option: " + st.message());
    set_header(ex.headers, h.first, h.second);
  }

  // Auth.
  std::optional<AuthMode> env_mode;
  if (auto v = env_value(env, "SIGIL_AUTH_MODE")) {
    std::string m = to_lower(*v);
    if (m == "none")
      env_mode = AuthMode::kNone;
    else if (m == "tenant")
      env_mode = AuthMode::kTenant;
    else if (m == "bearer")
      env_mode = AuthMode::kBearer;
    else if (m == "basic")
      env_mode = AuthMode::kBasic;
    else if (st = invalid_env(o.auth_mode.has_value(), "SIGIL_AUTH_MODE", *v, "none, tenant, bearer or basic",
                              cfg.logger);
             !st.is_ok())
      return st;
  }
  AuthMode mode = pick(o.auth_mode, env_mode, AuthMode::kNone);
  auto env_token = env_value(env, "SIGIL_AUTH_TOKEN");
  std::string tenant = pick(o.tenant_id, env_value(env, "SIGIL_AUTH_TENANT_ID"), std::string());
  std::string bearer = pick(o.bearer_token, env_token, std::string());
  std::string user = o.basic_user.value_or("");
  std::string password = pick(o.basic_password, env_token, std::string());
  if (mode == AuthMode::kNone && o.auth_mode) {
    if (!trim(tenant).empty() || !trim(bearer).empty() || !trim(user).empty() || !trim(password).empty()) {
      if (o.tenant_id || o.bearer_token || o.basic_user || o.basic_password) {
        return config_error("auth mode none does not allow credentials");
      }
    }
  }
  if (mode == AuthMode::kTenant && o.bearer_token && !trim(*o.bearer_token).empty()) {
    return config_error("auth mode tenant does not allow bearer_token");
  }
  if (mode == AuthMode::kBearer && o.tenant_id && !trim(*o.tenant_id).empty()) {
    return config_error("auth mode bearer does not allow tenant_id");
  }
  st = apply_auth(mode, tenant, bearer, user, password, ex.headers);
  if (!st.is_ok()) return st;

  // Sigil API (ratings), checked here like every endpoint.
  cfg.api_endpoint = trim(pick(o.api_endpoint, env_value(env, "SIGIL_API_ENDPOINT"), cfg.api_endpoint));
  st = check_endpoint(cfg.api_endpoint, o.api_endpoint ? "api endpoint" : "SIGIL_API_ENDPOINT");
  if (!st.is_ok()) return st;

  // Identity defaults.
  cfg.agent_name = trim(pick(o.agent_name, env_value(env, "SIGIL_AGENT_NAME"), std::string()));
  cfg.agent_version = trim(pick(o.agent_version, env_value(env, "SIGIL_AGENT_VERSION"), std::string()));
  cfg.user_id = trim(pick(o.user_id, env_value(env, "SIGIL_USER_ID"), std::string()));
  if (auto v = env_value(env, "SIGIL_TAGS")) {
    for (auto &kv : parse_key_values(*v)) cfg.tags[kv.first] = kv.second;
  }
  for (const auto &kv : o.tags) cfg.tags[kv.first] = kv.second;
  if (o.sdk_name && !is_blank(*o.sdk_name)) cfg.sdk_name = trim(*o.sdk_name);

  // Export knobs (0 keeps the default; see sigil.h).
  auto knob = [](const std::optional<uint32_t> &v, uint32_t def) { return v && *v > 0 ? *v : def; };
  ex.batch_size = knob(o.batch_size, ex.batch_size);
  ex.flush_interval_ms = knob(o.flush_interval_ms, ex.flush_interval_ms);
  ex.queue_size = knob(o.queue_size, ex.queue_size);
  ex.max_retries = o.max_retries ? *o.max_retries : ex.max_retries;
  ex.initial_backoff_ms = knob(o.initial_backoff_ms, ex.initial_backoff_ms);
  ex.max_backoff_ms = knob(o.max_backoff_ms, ex.max_backoff_ms);
  ex.attempt_timeout_ms = knob(o.attempt_timeout_ms, ex.attempt_timeout_ms);
  if (o.queue_max_bytes && *o.queue_max_bytes > 0) ex.queue_max_bytes = *o.queue_max_bytes;
  if (o.payload_max_bytes && *o.payload_max_bytes > 0) ex.payload_max_bytes = *o.payload_max_bytes;
  if (ex.max_backoff_ms < ex.initial_backoff_ms) ex.max_backoff_ms = ex.initial_backoff_ms;

  // Durable spool (export/spool.h): off unless a directory is given.
  ex.spool.dir = trim(pick(o.spool_dir, env_value(env, "SIGIL_SPOOL_DIR"), std::string()));
  if (auto v = env_value(env, "SIGIL_SPOOL_MAX_BYTES")) {
    char *end = nullptr;
    unsigned long long n = std::strtoull(v->c_str(), &end, 10);
    if (end == v->c_str() || *end != '\0' || n == 0) {
      st = invalid_env(o.spool_max_bytes && *o.spool_max_bytes > 0, "SIGIL_SPOOL_MAX_BYTES", *v,
                       "a positive byte count", cfg.logger);
      if (!st.is_ok()) return st;
    } else {
      ex.spool.max_bytes = n;
    }
  }
  if (o.spool_max_bytes && *o.spool_max_bytes > 0) ex.spool.max_bytes = *o.spool_max_bytes;
  if (o.spool_max_age_ms && *o.spool_max_age_ms > 0) ex.spool.max_age_ms = *o.spool_max_age_ms;
  std::optional<uint32_t> env_sync;
  if (auto v = env_value(env, "SIGIL_SPOOL_SYNC")) {
    std::string m = to_lower(trim_view(*v));
    if (m == "none")
      env_sync = 0;
    else if (m == "batch")
      env_sync = 1;
    else if (m == "record")
      env_sync = 2;
    else if (st = invalid_env(o.spool_sync.has_value(), "SIGIL_SPOOL_SYNC", *v, "none, batch or record", cfg.logger);
             !st.is_ok())
      return st;
  }
  uint32_t sync = pick(o.spool_sync, env_sync, uint32_t(SpoolSync::kBatch));
  if (sync > 2) return config_error("invalid spool sync policy " + std::to_string(sync));
  ex.spool.sync = static_cast<SpoolSync>(sync);
  std::optional<uint32_t> env_spool_mode;
  if (auto v = env_value(env, "SIGIL_SPOOL_MODE")) {
    std::string m = to_lower(trim_view(*v));
    if (m == "fallback")
      env_spool_mode = SIGIL_SPOOL_MODE_FALLBACK;
    else if (m == "write_ahead" || m == "write-ahead")
      env_spool_mode = SIGIL_SPOOL_MODE_WRITE_AHEAD;
    else if (st = invalid_env(o.spool_mode.has_value(), "SIGIL_SPOOL_MODE", *v, "fallback or write_ahead", cfg.logger);
             !st.is_ok())
      return st;
  }
  const uint32_t spool_mode = pick(o.spool_mode, env_spool_mode, uint32_t(SIGIL_SPOOL_MODE_FALLBACK));
  if (spool_mode > SIGIL_SPOOL_MODE_WRITE_AHEAD)
    return config_error("invalid spool mode " + std::to_string(spool_mode));
  ex.spool.write_ahead = spool_mode == SIGIL_SPOOL_MODE_WRITE_AHEAD;
  if (ex.spool.write_ahead && ex.spool.dir.empty()) {
    return config_error(
        "the write-ahead spool mode needs a spool directory (sigil_options_set_spool_dir or SIGIL_SPOOL_DIR)");
  }
  std::optional<bool> env_shared;
  if (auto v = env_value(env, "SIGIL_SPOOL_ALLOW_SHARED_DIR")) env_shared = parse_bool(*v);
  ex.spool.allow_shared_dir = pick(o.spool_allow_shared_dir, env_shared, false);

  cfg.keep_last_generation = o.keep_last_generation;

  for (const auto &h : ex.headers) {
    if (!valid_utf8(h.first) || !valid_utf8(h.second))
      return Status(SIGIL_E_INVALID_UTF8, "a header is not valid UTF-8");
  }
  // Headers derived from auth obey the same rules (a token with a line
  // break, say), and all of them together stay within the bound.
  st = check_headers(ex.headers, "header");
  if (!st.is_ok()) return st;
  // Nothing configured for generations: a local development setup, where
  // spans and metrics follow to the local receiver unless OTLP is configured.
  const bool local_default =
      !o.endpoint && !env_value(env, "SIGIL_ENDPOINT") && ex.callback.fn == nullptr && ex.protocol != Protocol::kNone;
  st = resolve_telemetry_config(o, env, cfg, local_default);
  if (!st.is_ok()) return st;
  st = resolve_tls_config(o, env, cfg);
  if (!st.is_ok()) return st;
  st = resolve_privacy_config(o, env, cfg);
  if (!st.is_ok()) return st;
  st = resolve_cost_config(o, env, cfg);
  if (!st.is_ok()) return st;
  return cfg;
}

std::optional<std::string> env_value(const EnvLookup &env, const char *name) {
  if (!env) return std::nullopt;
  auto v = env(name);
  if (!v) return std::nullopt;
  std::string t = trim(*v);
  if (t.empty()) return std::nullopt;
  return t;
}

}  // namespace sigil::detail
