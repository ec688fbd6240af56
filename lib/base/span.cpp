#include "base/span.h"

#include <cstring>

namespace sigil::detail {

const Attribute *AttrList::find(const char *key) const {
  for (const Attribute &a : items_) {
    if (a.key == key || std::strcmp(a.key, key) == 0) return &a;
  }
  return nullptr;
}

Attribute &AttrList::slot(const char *key, AttrType type) {
  for (Attribute &a : items_) {
    if (a.key == key || std::strcmp(a.key, key) == 0) {
      a = Attribute();
      a.key = key;
      a.type = type;
      return a;
    }
  }
  items_.emplace_back();
  items_.back().key = key;
  items_.back().type = type;
  return items_.back();
}

size_t estimated_bytes(const AttrList &list) {
  size_t m = 0;
  for (const Attribute &a : list.items()) {
    m += sizeof(Attribute) + a.s.size();
    for (const std::string &s : a.strings) m += sizeof(std::string) + s.size();
  }
  return m;
}

const char *NameStore::intern(std::string_view name) {
  for (const auto &n : names_) {
    if (*n == name) return n->c_str();
  }
  names_.push_back(std::make_shared<const std::string>(name));
  return names_.back()->c_str();
}

size_t SpanData::estimated_bytes() const {
  size_t n = sizeof(SpanData) + name.size() + status_message.size();
  n += sigil::detail::estimated_bytes(attributes);
  for (const SpanEvent &e : events) n += sizeof(SpanEvent) + sigil::detail::estimated_bytes(e.attributes);
  return n;
}

}  // namespace sigil::detail
