#include "export/endpoint.h"

#include "base/strings.h"

namespace sigil::detail {

namespace {

// A dotted-quad IPv4 address in 127.0.0.0/8, parsed (four decimal octets,
// 0-255, nothing else): "127.0.0.1.example.com" or "127.evil" is a host
// name that resolves wherever its owner likes, not a loopback address.
bool is_loopback_ipv4(std::string_view host) {
  int octets[4];
  size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      if (pos >= host.size() || host[pos] != '.') return false;
      ++pos;
    }
    size_t start = pos;
    int value = 0;
    while (pos < host.size() && host[pos] >= '0' && host[pos] <= '9' && pos - start < 3) {
      value = value * 10 + (host[pos] - '0');
      ++pos;
    }
    if (pos == start || value > 255) return false;
    octets[i] = value;
  }
  return pos == host.size() && octets[0] == 127;
}

}  // namespace

bool is_loopback_host(std::string_view authority) {
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view rest = host.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    return host.substr(1, close - 1) == "::1";
  }
  if (host == "::1") return true;  // a bare IPv6 address (no port)
  size_t colon = host.rfind(':');
  if (colon != std::string_view::npos) host = host.substr(0, colon);
  return iequals(host, "localhost") || is_loopback_ipv4(host);
}

Expected<Endpoint> parse_endpoint(std::string_view raw, std::optional<bool> insecure, std::string_view default_path) {
  std::string_view s = trim_view(raw);
  if (s.empty()) return Status(SIGIL_E_CONFIG, "endpoint is empty");
  Endpoint ep;
  std::optional<bool> scheme_tls;
  size_t sep = s.find("://");
  if (sep != std::string_view::npos) {
    std::string scheme = to_lower(s.substr(0, sep));
    if (scheme == "http")
      scheme_tls = false;
    else if (scheme == "https")
      scheme_tls = true;
    else if (scheme != "grpc" && scheme != "grpcs")
      return Status(SIGIL_E_CONFIG, "unsupported endpoint scheme \"" + scheme + "\"");
    if (scheme == "grpcs") scheme_tls = true;
    s = s.substr(sep + 3);
  }
  size_t slash = s.find('/');
  ep.authority = std::string(s.substr(0, slash));
  if (slash != std::string_view::npos) ep.path = std::string(s.substr(slash));
  if (ep.authority.empty()) return Status(SIGIL_E_CONFIG, "endpoint \"" + std::string(raw) + "\" has no host");
  if (ep.authority.find_first_of(" \t\r\n@") != std::string::npos) {
    return Status(SIGIL_E_CONFIG, "endpoint \"" + std::string(raw) + "\" has an invalid host");
  }
  while (ep.path.size() > 1 && ep.path.back() == '/') ep.path.pop_back();
  if (ep.path.empty() || ep.path == "/") ep.path = std::string(default_path);
  if (scheme_tls)
    ep.tls = *scheme_tls;
  else if (insecure)
    ep.tls = !*insecure;
  else
    ep.tls = !is_loopback_host(ep.authority);
  return ep;
}

}  // namespace sigil::detail
