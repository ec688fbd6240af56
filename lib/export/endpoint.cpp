#include "export/endpoint.h"

#include "base/strings.h"

namespace sigil::detail {

bool is_loopback_host(std::string_view authority) {
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    host = host.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
    return host == "::1";
  }
  size_t colon = host.rfind(':');
  if (colon != std::string_view::npos) host = host.substr(0, colon);
  return iequals(host, "localhost") || host.substr(0, 4) == "127.";
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
