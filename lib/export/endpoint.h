// Endpoint forms accepted for export: "host:port", "grpc://host:port",
// "http://host:port[/path]", "https://host:port[/path]".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sigil::detail {

struct Endpoint {
  bool tls = false;
  std::string authority;  // host[:port]
  std::string path;       // begins with '/'; default path when the endpoint had none

  std::string url() const { return (tls ? "https://" : "http://") + authority + path; }
};

// `insecure` unset: an explicit scheme decides; without one, plaintext only
// for loopback hosts, TLS otherwise. Loopback is decided on the parsed host:
// "localhost", a dotted-quad IPv4 address in 127.0.0.0/8, or ::1 ([::1]);
// never a name that merely starts with "127." (127.0.0.1.example.com).
Expected<Endpoint> parse_endpoint(std::string_view raw, std::optional<bool> insecure, std::string_view default_path);
bool is_loopback_host(std::string_view authority);

}  // namespace sigil::detail
