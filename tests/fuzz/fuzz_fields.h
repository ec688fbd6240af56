// Splits one fuzz input into fields separated by the ASCII record separator
// (0x1E), so a target can take several values (status, headers, body) from
// one input while its seed files stay readable (printf '...\x1e...').
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"

namespace sigil_fuzz {

constexpr char kFieldSeparator = '\x1e';

// At most `max_fields` fields; the last one takes the rest of the input,
// separators included (so a binary body can contain 0x1E). Missing fields
// are empty.
inline std::vector<std::string_view> split_fields(const uint8_t *data, size_t size, size_t max_fields) {
  std::string_view in(reinterpret_cast<const char *>(data), size);
  std::vector<std::string_view> out;
  while (out.size() + 1 < max_fields) {
    size_t sep = in.find(kFieldSeparator);
    if (sep == std::string_view::npos) break;
    out.push_back(in.substr(0, sep));
    in.remove_prefix(sep + 1);
  }
  out.push_back(in);
  out.resize(max_fields);
  return out;
}

// "name: value" lines (LF or CRLF) as a header list with lowercased names,
// the way the HTTP client stores what the server sent.
inline sigil::detail::HeaderList parse_header_lines(std::string_view block) {
  sigil::detail::HeaderList out;
  while (!block.empty()) {
    size_t nl = block.find('\n');
    std::string_view line = block.substr(0, nl);
    block = nl == std::string_view::npos ? std::string_view() : block.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    for (char &c : name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    out.emplace_back(std::move(name), std::string(value));
  }
  return out;
}

}  // namespace sigil_fuzz
