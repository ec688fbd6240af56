#include "core/json_input.h"

#include <simdjson.h>

#include <cmath>
#include <string>

#include "base/base64.h"
#include "base/timefmt.h"
#include "base/utf8.h"

namespace sigil::detail {

namespace od = simdjson::ondemand;

namespace {

// Paths ---------------------------------------------------------------------

// Where a value sits ("generation.input[0].parts[1].text"). A chain of stack
// frames, turned into a string only when an error is reported, so the
// success path allocates nothing for it.
class Path {
 public:
  Path(const char *root) : root_(root) {}  // NOLINT: implicit from a root name
  Path(const Path *parent, std::string_view key) : parent_(parent), key_(key) {}
  Path(const Path *parent, size_t index) : parent_(parent), index_(index), is_index_(true) {}

  std::string str() const {
    std::string out;
    append_to(out);
    return out;
  }

 private:
  void append_to(std::string &out) const {
    if (parent_ != nullptr) parent_->append_to(out);
    if (root_ != nullptr) {
      out += root_;
    } else if (is_index_) {
      out += '[';
      out += std::to_string(index_);
      out += ']';
    } else {
      out += '.';
      out.append(key_);
    }
  }

  const Path *parent_ = nullptr;
  const char *root_ = nullptr;
  std::string_view key_;
  size_t index_ = 0;
  bool is_index_ = false;
};

Path field_path(const Path &parent, std::string_view key) { return Path(&parent, key); }
Path index_path(const Path &parent, size_t i) { return Path(&parent, i); }

// Error helpers -------------------------------------------------------------

Status json_error(const Path &path, const char *what) { return Status(SIGIL_E_INVALID_JSON, path.str() + ": " + what); }

Status from_simdjson(simdjson::error_code code, const Path &path) {
  if (code == simdjson::UTF8_ERROR) return Status(SIGIL_E_INVALID_UTF8, path.str() + ": invalid UTF-8");
  return Status(SIGIL_E_INVALID_JSON, path.str() + ": " + simdjson::error_message(code));
}

#define SIGIL_TRY_JSON(expr, path)                \
  do {                                            \
    auto _err = (expr);                           \
    if (_err) return from_simdjson(_err, (path)); \
  } while (0)

#define SIGIL_TRY(expr)           \
  do {                            \
    Status _st = (expr);          \
    if (!_st.is_ok()) return _st; \
  } while (0)

// Scalars --------------------------------------------------------------------

// Set only while re-reading a document that failed UTF-8 validation: the
// first invalid byte (in the re-read copy), so the value holding it can be
// named by its path. Null on the normal path.
thread_local const char *tls_invalid_utf8_at = nullptr;

bool holds_invalid_utf8(std::string_view raw) {
  return tls_invalid_utf8_at != nullptr && tls_invalid_utf8_at >= raw.data() &&
         tls_invalid_utf8_at < raw.data() + raw.size();
}

Status invalid_utf8(const Path &path, const char *detail = "invalid UTF-8") {
  return Status(SIGIL_E_INVALID_UTF8, path.str() + ": " + detail);
}

// A \uD800-\uDFFF escape not part of a valid pair cannot become UTF-8.
bool has_surrogate_escape(std::string_view raw) {
  for (size_t i = 0; i + 3 < raw.size(); ++i) {
    if (raw[i] == '\\' && raw[i + 1] == 'u' && (raw[i + 2] == 'd' || raw[i + 2] == 'D')) {
      char c = raw[i + 3];
      if ((c >= '8' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) return true;
    }
    if (raw[i] == '\\') ++i;  // skip the escaped character
  }
  return false;
}

Status read_string(od::value v, std::string &out, const Path &path) {
  std::string_view raw = v.raw_json_token();
  if (holds_invalid_utf8(raw)) return invalid_utf8(path);
  std::string_view s;
  auto err = v.get_string().get(s);
  if (err == simdjson::INCORRECT_TYPE) return json_error(path, "expected a string");
  if (err == simdjson::STRING_ERROR && has_surrogate_escape(raw)) {
    return invalid_utf8(path);  // same error as raw invalid bytes: bindings need not care which they sent
  }
  SIGIL_TRY_JSON(err, path);
  out.assign(s.data(), s.size());
  return Status::ok();
}

Status read_bool(od::value v, bool &out, const Path &path) {
  auto err = v.get_bool().get(out);
  if (err == simdjson::INCORRECT_TYPE) return json_error(path, "expected true or false");
  SIGIL_TRY_JSON(err, path);
  return Status::ok();
}

// protojson writes int64 as a string but accepts numbers too.
Status read_int64(od::value v, int64_t &out, const Path &path) {
  od::json_type t;
  SIGIL_TRY_JSON(v.type().get(t), path);
  if (t == od::json_type::string) {
    std::string_view s;
    SIGIL_TRY_JSON(v.get_string().get(s), path);
    if (s.empty()) return json_error(path, "expected an integer");
    bool neg = s[0] == '-';
    size_t i = neg ? 1 : 0;
    if (i == s.size()) return json_error(path, "expected an integer");
    uint64_t acc = 0;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return json_error(path, "expected an integer");
      uint64_t next = acc * 10 + uint64_t(s[i] - '0');
      if (next / 10 != acc) return json_error(path, "integer out of range");
      acc = next;
    }
    if ((!neg && acc > uint64_t(INT64_MAX)) || (neg && acc > uint64_t(INT64_MAX) + 1)) {
      return json_error(path, "integer out of range");
    }
    out = neg ? int64_t(0 - acc) : int64_t(acc);
    return Status::ok();
  }
  if (t != od::json_type::number) return json_error(path, "expected an integer");
  auto err = v.get_int64().get(out);
  if (err) {
    double d;
    if (v.get_double().get(d) || d != std::floor(d)) return json_error(path, "expected an integer");
    if (std::fabs(d) > 9.2e18) return json_error(path, "integer out of range");
    out = int64_t(d);
  }
  return Status::ok();
}

Status read_double(od::value v, double &out, const Path &path) {
  od::json_type t;
  SIGIL_TRY_JSON(v.type().get(t), path);
  if (t == od::json_type::string) {  // protojson: "NaN", "Infinity", "-Infinity", or a numeral
    std::string_view s;
    SIGIL_TRY_JSON(v.get_string().get(s), path);
    if (s == "NaN")
      out = std::nan("");
    else if (s == "Infinity")
      out = INFINITY;
    else if (s == "-Infinity")
      out = -INFINITY;
    else {
      std::string tmp(s);
      char *end = nullptr;
      out = std::strtod(tmp.c_str(), &end);
      if (tmp.empty() || end != tmp.c_str() + tmp.size()) return json_error(path, "expected a number");
    }
    return Status::ok();
  }
  auto err = v.get_double().get(out);
  if (err == simdjson::INCORRECT_TYPE) return json_error(path, "expected a number");
  SIGIL_TRY_JSON(err, path);
  return Status::ok();
}

// A bytes field holding JSON: a base64 string (protojson) or, as our
// extension, the JSON value itself (object, array, number, bool).
Status read_json_bytes(od::value v, std::string &out, const Path &path) {
  od::json_type t;
  SIGIL_TRY_JSON(v.type().get(t), path);
  if (t == od::json_type::string) {
    std::string_view s;
    SIGIL_TRY_JSON(v.get_string().get(s), path);
    if (!base64_decode(s, out)) return json_error(path, "expected base64 (bytes) or a JSON value");
    if (!valid_utf8(out)) return Status(SIGIL_E_INVALID_UTF8, path.str() + ": invalid UTF-8 in decoded bytes");
    return Status::ok();
  }
  std::string_view raw;
  if (t == od::json_type::object) {
    od::object o;
    SIGIL_TRY_JSON(v.get_object().get(o), path);
    SIGIL_TRY_JSON(o.raw_json().get(raw), path);
  } else if (t == od::json_type::array) {
    od::array a;
    SIGIL_TRY_JSON(v.get_array().get(a), path);
    SIGIL_TRY_JSON(a.raw_json().get(raw), path);
  } else if (t == od::json_type::null) {
    out.clear();
    return Status::ok();
  } else {
    raw = v.raw_json_token();
  }
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\t' || raw.back() == '\r')) {
    raw.remove_suffix(1);
  }
  if (holds_invalid_utf8(raw)) return invalid_utf8(path);
  out.assign(raw.data(), raw.size());
  return Status::ok();
}

// Plain bytes (artifact payloads): base64 per protojson, or raw JSON.
Status read_bytes(od::value v, std::string &out, const Path &path) {
  od::json_type t;
  SIGIL_TRY_JSON(v.type().get(t), path);
  if (t == od::json_type::string) {
    std::string_view s;
    SIGIL_TRY_JSON(v.get_string().get(s), path);
    if (!base64_decode(s, out)) return json_error(path, "expected base64");
    return Status::ok();
  }
  return read_json_bytes(v, out, path);
}

Status read_timestamp(od::value v, int64_t &out, const Path &path) {
  od::json_type t;
  SIGIL_TRY_JSON(v.type().get(t), path);
  if (t == od::json_type::number) return read_int64(v, out, path);  // extension: Unix ns
  std::string s;
  SIGIL_TRY(read_string(v, s, path));
  if (!parse_rfc3339(s, out))
    return json_error(path, "expected an RFC 3339 timestamp between 1677-09-21T00:12:44Z and 2262-04-11T23:47:15Z");
  return Status::ok();
}

template <typename F>
Status for_each_field(od::value v, const Path &path, F &&fn) {
  od::object obj;
  auto err = v.get_object().get(obj);
  if (err == simdjson::INCORRECT_TYPE) return json_error(path, "expected an object");
  SIGIL_TRY_JSON(err, path);
  for (auto field : obj) {
    std::string_view key;
    SIGIL_TRY_JSON(field.unescaped_key().get(key), path);
    od::value value;
    SIGIL_TRY_JSON(field.value().get(value), field_path(path, key));
    SIGIL_TRY(fn(key, value));
  }
  return Status::ok();
}

template <typename F>
Status for_each_item(od::value v, const Path &path, F &&fn) {
  od::array arr;
  auto err = v.get_array().get(arr);
  if (err == simdjson::INCORRECT_TYPE) return json_error(path, "expected an array");
  SIGIL_TRY_JSON(err, path);
  size_t i = 0;
  for (auto item : arr) {
    od::value value;
    SIGIL_TRY_JSON(item.get(value), index_path(path, i));
    SIGIL_TRY(fn(i, value));
    ++i;
  }
  return Status::ok();
}

// type() only peeks at the first byte ("nope" is json_type::null);
// is_null() checks the literal, and consumes it.
bool is_null(od::value &v) {
  bool null = false;
  return !v.is_null().get(null) && null;
}

Status unknown_field(const Path &path, std::string_view key) {
  return json_error(field_path(path, key), "unknown field");
}

// Enums accept the protojson name, the short name, or the number.
template <typename E>
Status read_enum(od::value v, E &out, const Path &path, std::initializer_list<std::pair<std::string_view, E>> names,
                 int max_value) {
  od::json_type t;
  SIGIL_TRY_JSON(v.type().get(t), path);
  if (t == od::json_type::number) {
    int64_t n;
    SIGIL_TRY(read_int64(v, n, path));
    if (n < 0 || n > max_value) return json_error(path, "unknown enum value");
    out = static_cast<E>(n);
    return Status::ok();
  }
  std::string_view s;
  auto err = v.get_string().get(s);
  if (err == simdjson::INCORRECT_TYPE) return json_error(path, "expected an enum name");
  SIGIL_TRY_JSON(err, path);
  for (const auto &n : names) {
    if (n.first == s) {
      out = n.second;
      return Status::ok();
    }
  }
  return json_error(path, "unknown enum value");
}

Status read_role(od::value v, Role &out, const Path &path) {
  return read_enum<Role>(v, out, path,
                         {{"MESSAGE_ROLE_USER", Role::kUser},
                          {"MESSAGE_ROLE_ASSISTANT", Role::kAssistant},
                          {"MESSAGE_ROLE_TOOL", Role::kTool},
                          {"MESSAGE_ROLE_UNSPECIFIED", Role::kUnspecified},
                          {"user", Role::kUser},
                          {"assistant", Role::kAssistant},
                          {"tool", Role::kTool}},
                         3);
}

// Messages -------------------------------------------------------------------

Status parse_part(od::value v, Part &part, const Path &path) {
  int payloads = 0;
  Status st = for_each_field(v, path, [&](std::string_view key, od::value value) -> Status {
    Path p = field_path(path, key);
    if (is_null(value)) return Status::ok();
    if (key == "text") {
      ++payloads;
      part.kind = PartKind::kText;
      return read_string(value, part.text, p);
    }
    if (key == "thinking") {
      ++payloads;
      part.kind = PartKind::kThinking;
      return read_string(value, part.text, p);
    }
    if (key == "tool_call") {
      ++payloads;
      part.kind = PartKind::kToolCall;
      return for_each_field(value, p, [&](std::string_view k, od::value fv) -> Status {
        Path fp = field_path(p, k);
        if (k == "id") return read_string(fv, part.tool_call.id, fp);
        if (k == "name") return read_string(fv, part.tool_call.name, fp);
        if (k == "input_json") return read_json_bytes(fv, part.tool_call.input_json, fp);
        return unknown_field(p, k);
      });
    }
    if (key == "tool_result") {
      ++payloads;
      part.kind = PartKind::kToolResult;
      return for_each_field(value, p, [&](std::string_view k, od::value fv) -> Status {
        Path fp = field_path(p, k);
        if (k == "tool_call_id") return read_string(fv, part.tool_result.tool_call_id, fp);
        if (k == "name") return read_string(fv, part.tool_result.name, fp);
        if (k == "content") return read_string(fv, part.tool_result.content, fp);
        if (k == "content_json") return read_json_bytes(fv, part.tool_result.content_json, fp);
        if (k == "is_error") return read_bool(fv, part.tool_result.is_error, fp);
        return unknown_field(p, k);
      });
    }
    if (key == "media") {
      ++payloads;
      part.kind = PartKind::kMedia;
      return for_each_field(value, p, [&](std::string_view k, od::value fv) -> Status {
        Path fp = field_path(p, k);
        if (k == "kind") return read_string(fv, part.media.kind, fp);
        if (k == "url") return read_string(fv, part.media.url, fp);
        if (k == "mime_type") return read_string(fv, part.media.mime_type, fp);
        if (k == "name") return read_string(fv, part.media.name, fp);
        return unknown_field(p, k);
      });
    }
    if (key == "metadata") {
      return for_each_field(value, p, [&](std::string_view k, od::value fv) -> Status {
        if (k == "provider_type") return read_string(fv, part.provider_type, field_path(p, k));
        return unknown_field(p, k);
      });
    }
    return unknown_field(path, key);
  });
  if (!st.is_ok()) return st;
  if (payloads != 1) {
    return Status(SIGIL_E_VALIDATION, path.str() + " must set exactly one payload field");
  }
  return Status::ok();
}

Status parse_messages(od::value v, std::vector<Message> &out, const Path &path) {
  return for_each_item(v, path, [&](size_t i, od::value item) -> Status {
    Path mp = index_path(path, i);
    Message msg;
    SIGIL_TRY(for_each_field(item, mp, [&](std::string_view key, od::value value) -> Status {
      Path p = field_path(mp, key);
      if (key == "role") return read_role(value, msg.role, p);
      if (key == "name") return read_string(value, msg.name, p);
      if (key == "parts") {
        return for_each_item(value, p, [&](size_t j, od::value pv) -> Status {
          return parse_part(pv, append_part(msg.parts), index_path(p, j));
        });
      }
      return unknown_field(mp, key);
    }));
    out.push_back(std::move(msg));
    return Status::ok();
  });
}

// Tools, usage, artifacts ----------------------------------------------------------

Status parse_tools_value(od::value v, std::vector<ToolDefinition> &out, const Path &path) {
  return for_each_item(v, path, [&](size_t i, od::value item) -> Status {
    Path tp = index_path(path, i);
    ToolDefinition tool;
    SIGIL_TRY(for_each_field(item, tp, [&](std::string_view key, od::value value) -> Status {
      Path p = field_path(tp, key);
      if (key == "name") return read_string(value, tool.name, p);
      if (key == "description") return read_string(value, tool.description, p);
      if (key == "type") return read_string(value, tool.type, p);
      if (key == "input_schema_json") return read_json_bytes(value, tool.input_schema_json, p);
      if (key == "deferred") return read_bool(value, tool.deferred, p);
      return unknown_field(tp, key);
    }));
    out.push_back(std::move(tool));
    return Status::ok();
  });
}

Status parse_usage(od::value v, TokenUsage &u, const Path &path) {
  return for_each_field(v, path, [&](std::string_view key, od::value value) -> Status {
    Path p = field_path(path, key);
    if (key == "input_tokens") return read_int64(value, u.input_tokens, p);
    if (key == "output_tokens") return read_int64(value, u.output_tokens, p);
    if (key == "total_tokens") return read_int64(value, u.total_tokens, p);
    if (key == "cache_read_input_tokens") return read_int64(value, u.cache_read_input_tokens, p);
    if (key == "cache_write_input_tokens") return read_int64(value, u.cache_write_input_tokens, p);
    if (key == "cache_creation_input_tokens") return read_int64(value, u.cache_creation_input_tokens, p);
    if (key == "reasoning_tokens") return read_int64(value, u.reasoning_tokens, p);
    return unknown_field(path, key);
  });
}

Status parse_artifacts(od::value v, std::vector<Artifact> &out, const Path &path) {
  return for_each_item(v, path, [&](size_t i, od::value item) -> Status {
    Path ap = index_path(path, i);
    Artifact a;
    SIGIL_TRY(for_each_field(item, ap, [&](std::string_view key, od::value value) -> Status {
      Path p = field_path(ap, key);
      if (key == "kind") {
        return read_enum<ArtifactKind>(value, a.kind, p,
                                       {{"ARTIFACT_KIND_REQUEST", ArtifactKind::kRequest},
                                        {"ARTIFACT_KIND_RESPONSE", ArtifactKind::kResponse},
                                        {"ARTIFACT_KIND_TOOLS", ArtifactKind::kTools},
                                        {"ARTIFACT_KIND_PROVIDER_EVENT", ArtifactKind::kProviderEvent},
                                        {"ARTIFACT_KIND_UNSPECIFIED", ArtifactKind::kUnspecified},
                                        {"request", ArtifactKind::kRequest},
                                        {"response", ArtifactKind::kResponse},
                                        {"tools", ArtifactKind::kTools},
                                        {"provider_event", ArtifactKind::kProviderEvent}},
                                       4);
      }
      if (key == "name") return read_string(value, a.name, p);
      if (key == "content_type") return read_string(value, a.content_type, p);
      if (key == "payload") return read_bytes(value, a.payload, p);
      if (key == "record_id") return read_string(value, a.record_id, p);
      if (key == "uri") return read_string(value, a.uri, p);
      return unknown_field(ap, key);
    }));
    out.push_back(std::move(a));
    return Status::ok();
  });
}

// Tags and metadata ------------------------------------------------------------------

Status parse_tags_value(od::value v, Tags &out, const Path &path) {
  return for_each_field(v, path, [&](std::string_view key, od::value value) -> Status {
    std::string s;
    SIGIL_TRY(read_string(value, s, field_path(path, key)));
    out[std::string(key)] = std::move(s);
    return Status::ok();
  });
}

Status parse_json_value(od::value v, JsonValue &out, const Path &path, int depth) {
  if (depth > 64) return json_error(path, "nested too deeply");
  od::json_type t;
  SIGIL_TRY_JSON(v.type().get(t), path);
  switch (t) {
    case od::json_type::null:
      if (!is_null(v)) return json_error(path, "invalid literal (expected null)");
      out = JsonValue::Null();
      return Status::ok();
    case od::json_type::boolean: {
      bool b;
      SIGIL_TRY(read_bool(v, b, path));
      out = JsonValue::Bool(b);
      return Status::ok();
    }
    case od::json_type::number: {
      double d;
      SIGIL_TRY(read_double(v, d, path));
      out = JsonValue::Number(d);
      return Status::ok();
    }
    case od::json_type::string: {
      std::string s;
      SIGIL_TRY(read_string(v, s, path));
      out = JsonValue::String(std::move(s));
      return Status::ok();
    }
    case od::json_type::array: {
      std::vector<JsonValue> items;
      SIGIL_TRY(for_each_item(v, path, [&](size_t i, od::value item) -> Status {
        items.emplace_back();
        return parse_json_value(item, items.back(), index_path(path, i), depth + 1);
      }));
      out = JsonValue::List(std::move(items));
      return Status::ok();
    }
    case od::json_type::object: {
      JsonObject fields;
      SIGIL_TRY(for_each_field(v, path, [&](std::string_view key, od::value value) -> Status {
        return parse_json_value(value, fields[std::string(key)], field_path(path, key), depth + 1);
      }));
      out = JsonValue::Object(std::move(fields));
      return Status::ok();
    }
  }
  return json_error(path, "unexpected value");
}

Status parse_metadata_value(od::value v, Metadata &out, const Path &path) {
  return for_each_field(v, path, [&](std::string_view key, od::value value) -> Status {
    return parse_json_value(value, out[std::string(key)], field_path(path, key), 1);
  });
}

Status parse_string_list(od::value v, std::vector<std::string> &out, const Path &path) {
  return for_each_item(v, path, [&](size_t i, od::value item) -> Status {
    out.emplace_back();
    return read_string(item, out.back(), index_path(path, i));
  });
}

// Documents ----------------------------------------------------------------

// Cold path: the document has invalid UTF-8. Re-read a copy in which the
// invalid bytes are replaced, remembering where the first one was, so the
// error names the field that holds it.
template <typename F>
Status locate_invalid_utf8(std::string_view json, const char *root, F &&fn) {
  std::string copy(json);
  const size_t first = first_invalid_utf8(copy);
  // One pass: each scan resumes after the byte just replaced.
  for (size_t at = first; at != std::string_view::npos;) {
    copy[at] = '?';
    size_t next = first_invalid_utf8(std::string_view(copy).substr(at + 1));
    at = next == std::string_view::npos ? next : at + 1 + next;
  }
  Status generic = Status(SIGIL_E_INVALID_UTF8, std::string(root) + ": invalid UTF-8 at byte " +
                                                    std::to_string(first == std::string_view::npos ? 0 : first));
  if (first == std::string_view::npos) return generic;
  simdjson::padded_string padded(copy.data(), copy.size());
  od::parser parser;
  od::document doc;
  od::value v;
  if (parser.iterate(padded).get(doc) || doc.get_value().get(v)) return generic;
  struct Mark {  // cleared however fn returns
    explicit Mark(const char *at) { tls_invalid_utf8_at = at; }
    ~Mark() { tls_invalid_utf8_at = nullptr; }
  } mark(padded.data() + first);
  Status st = fn(v);
  return st.code() == SIGIL_E_INVALID_UTF8 ? st : generic;
}

// Runs `fn` on the document's root value with a per-thread parser.
template <typename F>
Status with_document(std::string_view json, const char *root, F &&fn) {
  thread_local od::parser parser;
  simdjson::padded_string padded(json.data(), json.size());
  od::document doc;
  auto err = parser.iterate(padded).get(doc);
  if (err == simdjson::UTF8_ERROR) return locate_invalid_utf8(json, root, fn);
  if (err) return from_simdjson(err, root);
  od::value v;
  err = doc.get_value().get(v);
  if (err) return from_simdjson(err, root);
  SIGIL_TRY(fn(v));
  const char *rest = nullptr;
  if (!doc.current_location().get(rest)) return json_error(root, "trailing content after the JSON value");
  return Status::ok();
}

}  // namespace

Status parse_generation_json(std::string_view json, Generation &g, GenerationFieldsSet *set) {
  const Path root("generation");
  return with_document(json, "generation", [&](od::value v) -> Status {
    return for_each_field(v, root, [&](std::string_view key, od::value value) -> Status {
      Path p = field_path(root, key);
      if (is_null(value)) return Status::ok();
      if (key == "id") return read_string(value, g.id, p);
      if (key == "conversation_id") return read_string(value, g.conversation_id, p);
      if (key == "conversation_title") return read_string(value, g.conversation_title, p);
      if (key == "user_id") return read_string(value, g.user_id, p);
      if (key == "operation_name") return read_string(value, g.operation_name, p);
      if (key == "mode") {
        return read_enum<GenerationMode>(value, g.mode, p,
                                         {{"GENERATION_MODE_SYNC", GenerationMode::kSync},
                                          {"GENERATION_MODE_STREAM", GenerationMode::kStream},
                                          {"GENERATION_MODE_UNSPECIFIED", GenerationMode::kUnspecified},
                                          {"SYNC", GenerationMode::kSync},
                                          {"STREAM", GenerationMode::kStream}},
                                         2);
      }
      if (key == "trace_id") return read_string(value, g.trace_id, p);
      if (key == "span_id") return read_string(value, g.span_id, p);
      if (key == "model") {
        return for_each_field(value, p, [&](std::string_view k, od::value fv) -> Status {
          if (k == "provider") return read_string(fv, g.model.provider, field_path(p, k));
          if (k == "name") return read_string(fv, g.model.name, field_path(p, k));
          return unknown_field(p, k);
        });
      }
      if (key == "response_id") return read_string(value, g.response_id, p);
      if (key == "response_model") return read_string(value, g.response_model, p);
      if (key == "system_prompt") return read_string(value, g.system_prompt, p);
      if (key == "input") {
        if (set) set->input = true;
        return parse_messages(value, g.input, p);
      }
      if (key == "output") {
        if (set) set->output = true;
        return parse_messages(value, g.output, p);
      }
      if (key == "tools") {
        if (set) set->tools = true;
        return parse_tools_value(value, g.tools, p);
      }
      if (key == "usage") return parse_usage(value, g.usage, p);
      if (key == "stop_reason") return read_string(value, g.stop_reason, p);
      if (key == "started_at") return read_timestamp(value, g.started_at_ns, p);
      if (key == "completed_at") return read_timestamp(value, g.completed_at_ns, p);
      if (key == "tags") return parse_tags_value(value, g.tags, p);
      if (key == "metadata") return parse_metadata_value(value, g.metadata, p);
      if (key == "raw_artifacts" || key == "artifacts") return parse_artifacts(value, g.artifacts, p);
      if (key == "call_error") return read_string(value, g.call_error, p);
      if (key == "agent_name") return read_string(value, g.agent_name, p);
      if (key == "agent_version") return read_string(value, g.agent_version, p);
      if (key == "max_tokens") {
        int64_t n;
        SIGIL_TRY(read_int64(value, n, p));
        g.max_tokens = n;
        return Status::ok();
      }
      if (key == "temperature") {
        double d;
        SIGIL_TRY(read_double(value, d, p));
        g.temperature = d;
        return Status::ok();
      }
      if (key == "top_p") {
        double d;
        SIGIL_TRY(read_double(value, d, p));
        g.top_p = d;
        return Status::ok();
      }
      if (key == "tool_choice") {
        std::string s;
        SIGIL_TRY(read_string(value, s, p));
        g.tool_choice = std::move(s);
        return Status::ok();
      }
      if (key == "thinking_enabled") {
        bool b;
        SIGIL_TRY(read_bool(value, b, p));
        g.thinking_enabled = b;
        return Status::ok();
      }
      if (key == "parent_generation_ids") return parse_string_list(value, g.parent_generation_ids, p);
      if (key == "effective_version") {
        std::string s;
        SIGIL_TRY(read_string(value, s, p));
        g.effective_version = std::move(s);
        return Status::ok();
      }
      return unknown_field(root, key);
    });
  });
}

Status parse_tools_json(std::string_view json, std::vector<ToolDefinition> &out) {
  return with_document(json, "tools", [&](od::value v) { return parse_tools_value(v, out, "tools"); });
}

Status parse_tags_json(std::string_view json, Tags &out) {
  return with_document(json, "tags", [&](od::value v) { return parse_tags_value(v, out, "tags"); });
}

Status parse_metadata_json(std::string_view json, Metadata &out) {
  return with_document(json, "metadata", [&](od::value v) { return parse_metadata_value(v, out, "metadata"); });
}

namespace {

// The DOM parser validates the whole document (on-demand would not). Cold
// paths only: privacy checks of changed or truncated JSON fields.
simdjson::dom::parser &dom_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

}  // namespace

bool valid_json(std::string_view text) {
  simdjson::dom::element doc;
  return dom_parser().parse(text.data(), text.size()).get(doc) == simdjson::SUCCESS;
}

bool decode_json_string(std::string_view json, std::string &out) {
  simdjson::dom::element doc;
  std::string_view s;
  if (dom_parser().parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) return false;
  if (doc.get_string().get(s) != simdjson::SUCCESS) return false;
  out.assign(s.data(), s.size());
  return true;
}

bool operator==(const JsonValue &a, const JsonValue &b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case JsonValue::Kind::kNull:
      return true;
    case JsonValue::Kind::kBool:
      return a.boolean == b.boolean;
    case JsonValue::Kind::kNumber:
      return a.number == b.number;
    case JsonValue::Kind::kString:
      return a.string == b.string;
    case JsonValue::Kind::kList:
      return a.list == b.list;
    case JsonValue::Kind::kObject:
      return (a.object && b.object) ? *a.object == *b.object : a.object == b.object;
  }
  return false;
}

}  // namespace sigil::detail
