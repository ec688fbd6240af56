// A small owned JSON value: the type of generation metadata entries
// (google.protobuf.Struct values) and of nested values inside them.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sigil::detail {

struct JsonValue;
using JsonObject = std::map<std::string, JsonValue>;  // sorted: deterministic output

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kList, kObject };

  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> list;
  std::shared_ptr<JsonObject> object;  // shared_ptr: JsonObject is incomplete here

  static JsonValue Null() { return JsonValue(); }
  static JsonValue Bool(bool b) {
    JsonValue v;
    v.kind = Kind::kBool;
    v.boolean = b;
    return v;
  }
  static JsonValue Number(double d) {
    JsonValue v;
    v.kind = Kind::kNumber;
    v.number = d;
    return v;
  }
  static JsonValue String(std::string s) {
    JsonValue v;
    v.kind = Kind::kString;
    v.string = std::move(s);
    return v;
  }
  static JsonValue List(std::vector<JsonValue> items) {
    JsonValue v;
    v.kind = Kind::kList;
    v.list = std::move(items);
    return v;
  }
  static JsonValue Object(JsonObject fields) {
    JsonValue v;
    v.kind = Kind::kObject;
    v.object = std::make_shared<JsonObject>(std::move(fields));
    return v;
  }

  bool is_string() const { return kind == Kind::kString; }
};

bool operator==(const JsonValue &a, const JsonValue &b);

}  // namespace sigil::detail
