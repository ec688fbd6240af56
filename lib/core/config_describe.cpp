// The resolved configuration for people (sigil_options_describe, `sigil
// doctor`): the same resolution a client runs, plus where each setting came
// from, the warnings resolution logged and the error that stops it, with
// credentials masked.
#include <vector>

#include "base/json_writer.h"
#include "base/strings.h"
#include "core/config.h"
#include "export/endpoint.h"

namespace sigil::detail {

namespace {

// The log lines resolution writes (warnings about ignored variables, say),
// collected instead of going to the host's logger or stderr.
struct Collected {
  std::vector<std::string> warnings;
};

void collect(void *user_data, uint32_t level, const char *message, size_t len) {
  if (level < SIGIL_LOG_WARN) return;
  static_cast<Collected *>(user_data)->warnings.emplace_back(message, len);
}

bool secret_header(std::string_view name) {
  std::string n = to_lower(name);
  if (n == "authorization" || n == "proxy-authorization" || n == "cookie") return true;
  for (const char *word : {"token", "secret", "password", "key"}) {
    if (n.find(word) != std::string::npos) return true;
  }
  return false;
}

// "Bearer abc123" -> "Bearer ****"; a value without a scheme -> "****". The
// length is not shown either.
std::string mask(std::string_view value) {
  size_t space = value.find(' ');
  if (space != std::string_view::npos && space > 0) return std::string(value.substr(0, space)) + " ****";
  return value.empty() ? std::string() : std::string("****");
}

struct Setting {
  const char *name;
  bool set_in_code;
  std::vector<const char *> env;  // in the order resolution prefers them
};

}  // namespace

std::string describe_config_json(const Options &given, const EnvLookup &env_in) {
  Options o = given;
  Collected collected;
  o.log_fn = collect;
  o.log_user_data = &collected;
  EnvLookup env = o.use_environment ? env_in : EnvLookup();
  Expected<ClientConfig> cfg = resolve_config(o, env);

  const TelemetryOptions &t = o.telemetry;
  const std::vector<Setting> settings = {
      {"protocol", o.protocol.has_value() || o.generation_exporter.fn != nullptr, {"SIGIL_PROTOCOL"}},
      {"endpoint", o.endpoint.has_value(), {"SIGIL_ENDPOINT"}},
      {"insecure", o.insecure.has_value(), {"SIGIL_INSECURE"}},
      {"headers", o.headers_set || !o.headers.empty(), {"SIGIL_HEADERS"}},
      {"auth_mode", o.auth_mode.has_value(), {"SIGIL_AUTH_MODE"}},
      {"auth_tenant_id", o.tenant_id.has_value(), {"SIGIL_AUTH_TENANT_ID"}},
      {"auth_token", o.bearer_token.has_value() || o.basic_password.has_value(), {"SIGIL_AUTH_TOKEN"}},
      {"ca_file", o.ca_file.has_value(), {"SIGIL_CA_FILE", "SSL_CERT_FILE"}},
      {"api_endpoint", o.api_endpoint.has_value(), {"SIGIL_API_ENDPOINT"}},
      {"agent_name", o.agent_name.has_value(), {"SIGIL_AGENT_NAME"}},
      {"agent_version", o.agent_version.has_value(), {"SIGIL_AGENT_VERSION"}},
      {"user_id", o.user_id.has_value(), {"SIGIL_USER_ID"}},
      {"tags", o.tags_set || !o.tags.empty(), {"SIGIL_TAGS"}},
      {"content_capture", o.privacy.content_capture.has_value(), {"SIGIL_CONTENT_CAPTURE_MODE"}},
      {"debug", o.debug.has_value(), {"SIGIL_DEBUG"}},
      {"spool_dir", o.spool_dir.has_value(), {"SIGIL_SPOOL_DIR"}},
      {"otlp_traces_endpoint",
       t.otlp_traces_endpoint.has_value() || t.otlp_endpoint.has_value(),
       {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"}},
      {"otlp_metrics_endpoint",
       t.otlp_metrics_endpoint.has_value() || t.otlp_endpoint.has_value(),
       {"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"}},
      {"service_name", t.service_name.has_value(), {"OTEL_SERVICE_NAME"}},
  };

  std::string out;
  JsonObjectWriter w(out);
  w.boolean("valid", cfg.has_value());
  w.key("error");
  if (cfg) {
    out.append("null");
  } else {
    JsonObjectWriter e(out);
    e.string("code", sigil_status_name(cfg.error().code()));
    e.string("message", cfg.error().message());
    e.end();
  }
  w.key("warnings");
  out.push_back('[');
  for (size_t i = 0; i < collected.warnings.size(); ++i) {
    if (i > 0) out.push_back(',');
    json_append_string(out, collected.warnings[i]);
  }
  out.push_back(']');
  w.key("sources");
  {
    JsonObjectWriter s(out);
    for (const Setting &setting : settings) {
      s.key(setting.name);
      JsonObjectWriter one(out);
      if (setting.set_in_code) {
        one.string("source", "option");
      } else {
        const char *from = nullptr;
        for (const char *var : setting.env) {
          if (env_value(env, var)) {
            from = var;
            break;
          }
        }
        one.string("source", from != nullptr ? "env" : "default");
        if (from != nullptr) one.string("variable", from);
      }
      one.end();
    }
    s.end();
  }
  w.key("config");
  if (cfg) {
    ClientConfig shown = cfg.value();
    for (auto &h : shown.exporter.headers) {
      if (secret_header(h.first)) h.second = mask(h.second);
    }
    out.append(client_config_json(shown));
  } else {
    out.append("null");
  }
  // Where generations go, as the transport will connect: whether TLS is
  // used (an explicit scheme, insecure, or the loopback rule) and to what.
  w.key("export_target");
  const ExportConfig *ex = cfg ? &cfg.value().exporter : nullptr;
  Expected<Endpoint> ep = ex != nullptr && ex->callback.fn == nullptr
                              ? parse_endpoint(ex->endpoint, ex->insecure, "/")
                              : Expected<Endpoint>(Status(SIGIL_E_CONFIG, "no endpoint"));
  if (ep && ex->protocol != Protocol::kNone) {
    JsonObjectWriter t(out);
    t.boolean("tls", ep->tls);
    t.string("authority", ep->authority);
    t.string("path", ep->path);
    t.end();
  } else {
    out.append("null");
  }
  w.end();
  return out;
}

}  // namespace sigil::detail
