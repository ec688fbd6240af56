// cJSON documents for the cold paths (server responses, configuration files):
// an owning pointer and a parser that accepts exactly one JSON value.
#pragma once

#include <cjson/cJSON.h>

#include <memory>
#include <string_view>

#include "base/strings.h"

namespace sigil::detail {

struct CjsonDeleter {
  void operator()(cJSON *p) const { cJSON_Delete(p); }
};
using CjsonPtr = std::unique_ptr<cJSON, CjsonDeleter>;

// Parses exactly one JSON value (surrounding whitespace allowed); null on any
// error. cJSON's require_null_terminated wants a NUL inside the length, so
// the rest is checked here.
inline CjsonPtr parse_json_text(std::string_view text) {
  const char *end = nullptr;
  CjsonPtr root(cJSON_ParseWithLengthOpts(text.data(), text.size(), &end, 0));
  if (!root || end == nullptr) return nullptr;
  size_t used = size_t(end - text.data());
  if (used > text.size() || !is_blank(text.substr(used))) return nullptr;
  return root;
}

}  // namespace sigil::detail
