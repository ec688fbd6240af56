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

namespace {

Status bad_endpoint(std::string why) { return Status(SIGIL_E_CONFIG, std::move(why)); }

// A port: 1 to 5 decimal digits, 1-65535.
bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + unsigned(c - '0');
  }
  return value >= 1 && value <= 65535;
}

// host[:port], [v6]:port, or a bare IPv6 address; the host is non-empty.
Status check_authority(std::string_view authority) {
  if (authority.empty()) return bad_endpoint("it has no host");
  if (authority.find('@') != std::string_view::npos) return bad_endpoint("user information (\"@\") is not accepted");
  std::string_view port;
  bool has_port = false;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return bad_endpoint("its IPv6 address has no closing \"]\"");
    for (char c : authority.substr(1, close - 1)) {
      bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex && c != ':' && c != '.') return bad_endpoint("its IPv6 address is malformed");
    }
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad_endpoint("text follows its IPv6 address");
      port = rest.substr(1);
      has_port = true;
    }
  } else {
    size_t colon = authority.find(':');
    if (colon != std::string_view::npos && authority.find(':', colon + 1) != std::string_view::npos) {
      // A bare IPv6 address (no port possible without brackets).
      for (char c : authority) {
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!hex && c != ':' && c != '.') return bad_endpoint("a port needs the IPv6 address in brackets ([::1]:4317)");
      }
      return Status::ok();
    }
    if (colon == 0) return bad_endpoint("it has no host");
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      has_port = true;
    }
  }
  if (has_port && !valid_port(port)) {
    return bad_endpoint("its port \"" + std::string(port) + "\" is not a number from 1 to 65535");
  }
  return Status::ok();
}

}  // namespace

Expected<Endpoint> parse_endpoint(std::string_view raw, std::optional<bool> insecure, std::string_view default_path) {
  std::string_view s = trim_view(raw);
  if (s.empty()) return bad_endpoint("the endpoint is empty");
  // What a URL could carry but an endpoint must not: a query or fragment
  // would be sent as part of the request target, and spaces or control
  // characters would split or corrupt the request line.
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '?' || c == '#') return bad_endpoint(std::string("it contains \"") + ch + "\" (no query or fragment)");
    if (c <= 0x20 || c == 0x7f) return bad_endpoint("it contains a space or control character");
  }
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
      return bad_endpoint("its scheme \"" + scheme + "\" is not http, https, grpc or grpcs");
    if (scheme == "grpcs") scheme_tls = true;
    s = s.substr(sep + 3);
  }
  size_t slash = s.find('/');
  ep.authority = std::string(s.substr(0, slash));
  if (slash != std::string_view::npos) ep.path = std::string(s.substr(slash));
  Status st = check_authority(ep.authority);
  if (!st.is_ok()) return st;
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
