// TLS trust and client identity (export/tls_config.h): which CA bundle,
// CA directory and client certificate each destination uses, and whether
// those files can be read. Checked here, once, so that a wrong path is a
// configuration error naming where it came from rather than a handshake
// failure on every export attempt.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/strings.h"
#include "core/config.h"

namespace sigil::detail {

namespace {

// A resolved path and the option or variable it came from.
struct Sourced {
  std::string value;
  std::string source;
};

// The first that is set of an explicit value (named by `option` in errors)
// and the environment `variables`, in that order.
Sourced pick_path(const std::optional<std::string> &explicit_value, const char *option, const EnvLookup &env,
                  std::initializer_list<const char *> variables) {
  if (explicit_value && !is_blank(*explicit_value)) return {trim(*explicit_value), option};
  for (const char *name : variables) {
    if (auto v = env_value(env, name)) return {*v, name};
  }
  return {};
}

Status path_error(const Sourced &p, const std::string &why) {
  return Status(SIGIL_E_CONFIG, p.source + " \"" + p.value + "\": " + why);
}

Status check_file(const Sourced &p) {
  if (p.value.empty()) return Status::ok();
  struct stat st {};
  if (::stat(p.value.c_str(), &st) != 0) return path_error(p, std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return path_error(p, "is a directory, not a file");
  if (::access(p.value.c_str(), R_OK) != 0) return path_error(p, std::strerror(errno));
  return Status::ok();
}

Status check_dir(const Sourced &p) {
  if (p.value.empty()) return Status::ok();
  struct stat st {};
  if (::stat(p.value.c_str(), &st) != 0) return path_error(p, std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return path_error(p, "is not a directory");
  if (::access(p.value.c_str(), R_OK | X_OK) != 0) return path_error(p, std::strerror(errno));
  return Status::ok();
}

struct SourcedTls {
  Sourced ca_file, ca_dir, client_cert, client_key;
};

Status check_and_store(const SourcedTls &s, TlsConfig &out) {
  Status st = check_file(s.ca_file);
  if (st.is_ok()) st = check_dir(s.ca_dir);
  if (st.is_ok()) st = check_file(s.client_cert);
  if (st.is_ok()) st = check_file(s.client_key);
  if (!st.is_ok()) return st;
  if (!s.client_key.value.empty() && s.client_cert.value.empty()) {
    return Status(SIGIL_E_CONFIG, s.client_key.source + " is set without a client certificate");
  }
  out.ca_file = s.ca_file.value;
  out.ca_dir = s.ca_dir.value;
  out.client_cert = s.client_cert.value;
  out.client_key = s.client_key.value;
  return Status::ok();
}

// One OTLP signal: the OpenTelemetry variables (per signal, then shared),
// falling back field by field to the Sigil connection's settings.
Status resolve_signal(const TelemetryOptions &t, const EnvLookup &env, const SourcedTls &sigil, const char *signal,
                      TlsConfig &out) {
  auto var = [&](const char *what) { return std::string("OTEL_EXPORTER_OTLP_") + signal + "_" + what; };
  const std::string ca_var = var("CERTIFICATE"), cert_var = var("CLIENT_CERTIFICATE"), key_var = var("CLIENT_KEY");
  SourcedTls s;
  s.ca_file =
      pick_path(t.otlp_certificate, "OTLP certificate option", env, {ca_var.c_str(), "OTEL_EXPORTER_OTLP_CERTIFICATE"});
  s.client_cert = pick_path(t.otlp_client_certificate, "OTLP client certificate option", env,
                            {cert_var.c_str(), "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"});
  s.client_key =
      pick_path(t.otlp_client_key, "OTLP client key option", env, {key_var.c_str(), "OTEL_EXPORTER_OTLP_CLIENT_KEY"});
  if (s.ca_file.value.empty()) s.ca_file = sigil.ca_file;
  s.ca_dir = sigil.ca_dir;
  // A certificate and its key come from the same place.
  if (s.client_cert.value.empty() && s.client_key.value.empty()) {
    s.client_cert = sigil.client_cert;
    s.client_key = sigil.client_key;
  }
  return check_and_store(s, out);
}

}  // namespace

Status resolve_tls_config(const Options &o, const EnvLookup &env, ClientConfig &cfg) {
  SourcedTls sigil;
  sigil.ca_file = pick_path(o.ca_file, "CA file option", env, {"SIGIL_CA_FILE", "SSL_CERT_FILE"});
  sigil.ca_dir = pick_path(o.ca_dir, "CA directory option", env, {"SIGIL_CA_DIR", "SSL_CERT_DIR"});
  sigil.client_cert = pick_path(o.client_cert, "client certificate option", env, {"SIGIL_CLIENT_CERT"});
  sigil.client_key = pick_path(o.client_key, "client key option", env, {"SIGIL_CLIENT_KEY"});
  Status st = check_and_store(sigil, cfg.exporter.tls);
  if (!st.is_ok()) return st;
  OtlpConfig &otlp = cfg.telemetry.otlp;
  if (!otlp.traces_url.empty()) {
    st = resolve_signal(o.telemetry, env, sigil, "TRACES", otlp.traces_tls);
    if (!st.is_ok()) return st;
  }
  if (!otlp.metrics_url.empty()) {
    st = resolve_signal(o.telemetry, env, sigil, "METRICS", otlp.metrics_tls);
    if (!st.is_ok()) return st;
  }
  return Status::ok();
}

}  // namespace sigil::detail
