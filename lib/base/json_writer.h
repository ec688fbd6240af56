// Minimal append-only JSON writer for the encoders (no tree, no allocation
// beyond the output string). Strings must already be valid UTF-8.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sigil::detail {

void json_append_string(std::string &out, std::string_view s);
void json_append_int(std::string &out, int64_t v);
// Shortest round-trip form; NaN/Infinity as protojson strings.
void json_append_double(std::string &out, double v);

// Writes `"key":` with a separating comma when needed.
class JsonObjectWriter {
 public:
  explicit JsonObjectWriter(std::string &out) : out_(out) { out_.push_back('{'); }
  void key(std::string_view k) {
    if (!first_) out_.push_back(',');
    first_ = false;
    json_append_string(out_, k);
    out_.push_back(':');
  }
  void string(std::string_view k, std::string_view v) {
    key(k);
    json_append_string(out_, v);
  }
  void string_if(std::string_view k, std::string_view v) {
    if (!v.empty()) string(k, v);
  }
  void number(std::string_view k, uint64_t v) {  // a count: a JSON number (exact up to 2^53)
    key(k);
    json_append_int(out_, int64_t(v));
  }
  void int64_as_string(std::string_view k, int64_t v) {  // protojson int64
    key(k);
    out_.push_back('"');
    json_append_int(out_, v);
    out_.push_back('"');
  }
  void raw(std::string_view k, std::string_view json) {
    key(k);
    out_.append(json);
  }
  void boolean(std::string_view k, bool v) {
    key(k);
    out_.append(v ? "true" : "false");
  }
  void end() { out_.push_back('}'); }
  std::string &out() { return out_; }

 private:
  std::string &out_;
  bool first_ = true;
};

}  // namespace sigil::detail
