#include "export/export_config.h"

#include "base/strings.h"

namespace sigil::detail {

void set_header(HeaderList &headers, std::string name, std::string value) {
  for (auto &h : headers) {
    if (iequals(h.first, name)) {
      h.second = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

bool has_header(const HeaderList &headers, std::string_view name) {
  for (const auto &h : headers) {
    if (iequals(h.first, name)) return true;
  }
  return false;
}

namespace {

bool is_token_char(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  for (char t : std::string_view("!#$%&'*+-.^_`|~")) {
    if (c == static_cast<unsigned char>(t)) return true;
  }
  return false;
}

constexpr const char *kTransportOwned[] = {
    "Content-Length", "Transfer-Encoding", "Host",    "TE",    "Content-Type", "Connection",
    "Keep-Alive",     "Proxy-Connection",  "Upgrade", "Expect"};

std::string quoted(std::string_view s) {
  // Names in messages are shown as written, with control bytes escaped.
  std::string out = "\"";
  for (unsigned char c : s.substr(0, 64)) {
    if (c < 0x20 || c == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    } else {
      out.push_back(char(c));
    }
  }
  if (s.size() > 64) out += "...";
  return out + "\"";
}

}  // namespace

Status check_header(std::string_view name, std::string_view value) {
  if (name.empty()) return Status(SIGIL_E_CONFIG, "the header name is empty");
  if (name.front() == ':') {
    return Status(SIGIL_E_CONFIG, "pseudo-header " + quoted(name) + " belongs to the transport");
  }
  for (unsigned char c : name) {
    if (!is_token_char(c)) {
      return Status(SIGIL_E_CONFIG,
                    "header name " + quoted(name) + " is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~ only)");
    }
  }
  for (const char *owned : kTransportOwned) {
    if (iequals(name, owned)) {
      return Status(SIGIL_E_CONFIG,
                    "header " + std::string(owned) + " is set by the transport and cannot be configured");
    }
  }
  for (unsigned char c : value) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      return Status(SIGIL_E_CONFIG, "header " + quoted(name) +
                                        " has a control character in its value (CR, LF, NUL "
                                        "and the like cannot be sent)");
    }
  }
  if (value.size() > kMaxHeaderValueBytes) {
    return Status(SIGIL_E_CONFIG, "header " + quoted(name) + " value is " + std::to_string(value.size()) +
                                      " bytes; at most " + std::to_string(kMaxHeaderValueBytes) +
                                      " are sent (servers refuse longer header lines)");
  }
  return Status::ok();
}

Status check_headers(const HeaderList &headers, std::string_view what) {
  size_t total = 0;
  for (const auto &h : headers) {
    Status st = check_header(h.first, h.second);
    if (!st.is_ok()) return Status(st.code(), std::string(what) + ": " + st.message());
    total += h.first.size() + h.second.size() + 4;  // "name: value\r\n"
  }
  if (total > kMaxHeaderBytes) {
    return Status(SIGIL_E_CONFIG, std::string(what) + "s total " + std::to_string(total) + " bytes; at most " +
                                      std::to_string(kMaxHeaderBytes) +
                                      " are sent (libcurl refuses a request with more than 1 MiB of headers)");
  }
  return Status::ok();
}

}  // namespace sigil::detail
