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

}  // namespace sigil::detail
