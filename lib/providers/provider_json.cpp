#include "providers/provider_json.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "base/strings.h"
#include "base/utf8.h"

namespace sigil::detail {

// MappingIssues ----------------------------------------------------------------

void MappingIssues::add(sigil_status_t code, std::string message) {
  if (count_++ == 0) {
    code_ = code;
    first_ = std::move(message);
  }
}

Status MappingIssues::status() const {
  if (count_ == 0) return Status::ok();
  if (count_ == 1) return Status(code_, first_);
  return Status(code_, first_ + " (and " + std::to_string(count_ - 1) + " more)");
}

// JsonPath -----------------------------------------------------------------------

std::string JsonPath::str() const {
  std::string out;
  append_to(out);
  return out;
}

void JsonPath::append_to(std::string &out) const {
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

// Parsing --------------------------------------------------------------------------

namespace {

simdjson::dom::parser &thread_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// A second parser for checks made while a document from thread_parser() is
// still being read (its elements live in that parser).
simdjson::dom::parser &check_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// simdjson reads up to SIMDJSON_PADDING bytes past the document. Copying
// into a reused per-thread buffer costs a memcpy, where letting the parser
// pad (realloc_if_needed) would allocate and free on every document.
simdjson::simdjson_result<JsonElement> parse_padded(simdjson::dom::parser &parser, std::string_view text) {
  thread_local std::string buffer;
  if (buffer.size() < text.size() + simdjson::SIMDJSON_PADDING) buffer.resize(text.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(&buffer[0], text.data(), text.size());
  std::memset(&buffer[text.size()], 0, simdjson::SIMDJSON_PADDING);
  return parser.parse(reinterpret_cast<const uint8_t *>(buffer.data()), text.size(), false);
}

// Each invalid byte becomes U+FFFD, so every string the model receives is
// valid UTF-8 and the rest of the document still maps.
std::string replace_invalid_utf8(std::string_view s, size_t first) {
  std::string out;
  out.reserve(s.size() + 16);
  size_t at = first;
  size_t done = 0;
  while (at != std::string_view::npos) {
    out.append(s.data() + done, at - done);
    out += "\xEF\xBF\xBD";
    done = at + 1;
    size_t next = first_invalid_utf8(s.substr(done));
    at = next == std::string_view::npos ? next : done + next;
  }
  out.append(s.data() + done, s.size() - done);
  return out;
}

}  // namespace

std::string close_truncated_json(std::string_view text) {
  // Scan once, remembering the last point where every open container holds
  // only complete values (a "cut"). Containers below that depth stay open
  // until the end: closing one is itself a cut.
  std::vector<char> closers;
  std::vector<bool> expect_key;  // per open object: the next string is a key
  size_t cut_pos = 0, cut_depth = 0;
  bool have_cut = false;
  bool in_string = false, escaped = false, string_is_key = false;
  bool malformed = false;
  for (size_t i = 0; i < text.size() && !malformed; ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
        if (!string_is_key && !closers.empty()) {
          cut_pos = i + 1, cut_depth = closers.size(), have_cut = true;
        }
      }
      continue;
    }
    switch (c) {
      case '{':
      case '[':
        closers.push_back(c == '{' ? '}' : ']');
        expect_key.push_back(c == '{');
        cut_pos = i + 1, cut_depth = closers.size(), have_cut = true;
        break;
      case '}':
      case ']':
        if (closers.empty() || closers.back() != c) {
          malformed = true;  // keep what came before
          break;
        }
        closers.pop_back();
        expect_key.pop_back();
        cut_pos = i + 1, cut_depth = closers.size(), have_cut = true;
        if (closers.empty()) return std::string(text.substr(0, cut_pos));  // complete: drop what follows
        break;
      case '"':
        in_string = true;
        string_is_key = !closers.empty() && closers.back() == '}' && expect_key.back();
        break;
      case ':':
        if (!expect_key.empty()) expect_key.back() = false;
        break;
      case ',':
        if (!closers.empty()) {
          cut_pos = i, cut_depth = closers.size(), have_cut = true;
          if (closers.back() == '}') expect_key.back() = true;
        }
        break;
      default:
        break;
    }
  }
  if (!have_cut || cut_depth == 0) return std::string();
  std::string out(text.substr(0, cut_pos));
  // A cut right after "key": cannot happen (keys are not cuts); after '{' or a
  // value it closes cleanly. Trailing ',' never precedes a cut position.
  for (size_t d = cut_depth; d-- > 0;) out += closers[d];
  return out;
}

bool parse_provider_json(std::string_view json, const char *what, JsonElement &root, MappingIssues &issues) {
  simdjson::dom::parser &parser = thread_parser();
  if (trim_view(json).empty()) {
    issues.add(SIGIL_E_INVALID_JSON, std::string(what) + ": empty document");
    return false;
  }
  auto err = parse_padded(parser, json).get(root);
  if (!err) return true;
  std::string repaired;
  std::string_view text = json;
  if (err == simdjson::UTF8_ERROR) {
    const size_t first = first_invalid_utf8(json);
    if (first != std::string_view::npos) {
      issues.add(SIGIL_E_INVALID_UTF8, std::string(what) + ": invalid UTF-8 at byte " + std::to_string(first) +
                                           " (invalid bytes replaced with U+FFFD)");
      repaired = replace_invalid_utf8(json, first);
      text = repaired;
      err = parse_padded(parser, text).get(root);
      if (!err) return true;
    }
  }
  const std::string closed = close_truncated_json(text);
  const char *reason = simdjson::error_message(err);
  if (!closed.empty() && !parse_padded(parser, closed).get(root)) {
    issues.add(SIGIL_E_INVALID_JSON, std::string(what) + ": malformed or truncated JSON (" + reason +
                                         "); mapped the complete values before it");
    return true;
  }
  issues.add(SIGIL_E_INVALID_JSON, std::string(what) + ": not a JSON document (" + reason + ")");
  return false;
}

// JsonReader -------------------------------------------------------------------

bool JsonReader::has(JsonObjectView o, std::string_view key, JsonElement &out) {
  if (o.at_key(key).get(out)) return false;
  return !out.is_null();
}

void JsonReader::issue(sigil_status_t code, std::string message) { issues_.add(code, std::move(message)); }

void JsonReader::wrong_type(const JsonPath &at, const char *expected) {
  issues_.add(SIGIL_E_INVALID_JSON, std::string(api_) + " " + at.str() + ": expected " + expected);
}

bool JsonReader::as_str(JsonElement e, std::string_view &out, const JsonPath &at) {
  if (e.is_null()) return false;
  if (e.get_string().get(out)) {
    wrong_type(at, "a string");
    return false;
  }
  return true;
}

bool JsonReader::as_obj(JsonElement e, JsonObjectView &out, const JsonPath &at) {
  if (e.is_null()) return false;
  if (e.get_object().get(out)) {
    wrong_type(at, "an object");
    return false;
  }
  return true;
}

bool JsonReader::as_i64(JsonElement e, int64_t &out, const JsonPath &at) {
  if (e.is_null()) return false;
  if (!e.get_int64().get(out)) return true;
  double d;
  if (!e.get_double().get(d) && std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18) {
    out = int64_t(d);
    return true;
  }
  std::string_view s;  // some gateways send counts as strings
  if (!e.get_string().get(s)) {
    s = trim_view(s);
    int64_t v = 0;
    bool ok = !s.empty() && s.size() < 19;  // 18 digits always fit
    for (size_t i = 0; ok && i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9')
        ok = false;
      else
        v = v * 10 + (s[i] - '0');
    }
    if (ok) {
      out = v;
      return true;
    }
  }
  wrong_type(at, "an integer");
  return false;
}

bool JsonReader::str(JsonObjectView o, std::string_view key, std::string_view &out, const JsonPath &at) {
  JsonElement e;
  if (!has(o, key, e)) return false;
  return as_str(e, out, JsonPath(at, key));
}

bool JsonReader::i64(JsonObjectView o, std::string_view key, int64_t &out, const JsonPath &at) {
  JsonElement e;
  if (!has(o, key, e)) return false;
  return as_i64(e, out, JsonPath(at, key));
}

bool JsonReader::add_i64(JsonObjectView o, std::string_view key, int64_t &acc, const JsonPath &at) {
  int64_t v = 0;
  if (!i64(o, key, v, at)) return false;
  acc = v;
  return true;
}

bool JsonReader::f64(JsonObjectView o, std::string_view key, double &out, const JsonPath &at) {
  JsonElement e;
  if (!has(o, key, e)) return false;
  if (e.get_double().get(out)) {
    wrong_type(JsonPath(at, key), "a number");
    return false;
  }
  return true;
}

bool JsonReader::boolean(JsonObjectView o, std::string_view key, bool &out, const JsonPath &at) {
  JsonElement e;
  if (!has(o, key, e)) return false;
  if (e.get_bool().get(out)) {
    wrong_type(JsonPath(at, key), "true or false");
    return false;
  }
  return true;
}

bool JsonReader::obj(JsonObjectView o, std::string_view key, JsonObjectView &out, const JsonPath &at) {
  JsonElement e;
  if (!has(o, key, e)) return false;
  return as_obj(e, out, JsonPath(at, key));
}

bool JsonReader::arr(JsonObjectView o, std::string_view key, JsonArrayView &out, const JsonPath &at) {
  JsonElement e;
  if (!has(o, key, e)) return false;
  if (e.get_array().get(out)) {
    wrong_type(JsonPath(at, key), "an array");
    return false;
  }
  return true;
}

// Canonical JSON -------------------------------------------------------------------

void append_json_string(std::string_view s, std::string &out) {
  static const char kHex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

void append_canonical_json(JsonElement e, std::string &out) {
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      JsonObjectView o = e.get_object().value_unsafe();
      // Most small objects (tool arguments) already are in key order: write
      // them straight through, without collecting and sorting.
      bool sorted = true;
      std::string_view prev;
      bool first_key = true;
      for (auto field : o) {
        if (!first_key && !(prev < field.key)) {
          sorted = false;
          break;
        }
        prev = field.key;
        first_key = false;
      }
      if (sorted) {
        out += '{';
        bool first = true;
        for (auto field : o) {
          if (!first) out += ',';
          first = false;
          append_json_string(field.key, out);
          out += ':';
          append_canonical_json(field.value, out);
        }
        out += '}';
        return;
      }
      std::vector<std::pair<std::string_view, JsonElement>> fields;
      fields.reserve(o.size());
      for (auto field : o) fields.emplace_back(field.key, field.value);
      std::stable_sort(fields.begin(), fields.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
      out += '{';
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i) out += ',';
        append_json_string(fields[i].first, out);
        out += ':';
        append_canonical_json(fields[i].second, out);
      }
      out += '}';
      return;
    }
    case simdjson::dom::element_type::ARRAY: {
      out += '[';
      bool first = true;
      const JsonArrayView items = e.get_array().value_unsafe();
      for (JsonElement item : items) {
        if (!first) out += ',';
        first = false;
        append_canonical_json(item, out);
      }
      out += ']';
      return;
    }
    case simdjson::dom::element_type::STRING:
      append_json_string(e.get_string().value_unsafe(), out);
      return;
    default:
      out += simdjson::minify(e);
      return;
  }
}

std::string canonical_json(JsonElement e) {
  std::string out;
  append_canonical_json(e, out);
  return out;
}

std::string arguments_json(std::string_view text) {
  if (trim_view(text).empty()) return std::string();
  simdjson::dom::element doc;
  if (!parse_padded(check_parser(), text).get(doc)) return std::string(text);
  std::string out;
  append_json_string(text, out);
  return out;
}

// Model helpers ----------------------------------------------------------------------

void map_request_controls(JsonObjectView o, JsonReader &r, const JsonPath &at, Generation &g,
                          std::initializer_list<const char *> max_token_keys) {
  std::string_view s;
  if (r.str(o, "model", s, at)) g.model.name.assign(s);
  int64_t n;
  for (const char *key : max_token_keys) {
    if (r.i64(o, key, n, at)) {
      g.max_tokens = n;
      break;
    }
  }
  double d;
  if (r.f64(o, "temperature", d, at)) g.temperature = d;
  if (r.f64(o, "top_p", d, at)) g.top_p = d;
  JsonElement e;
  if (JsonReader::has(o, "tool_choice", e)) set_tool_choice(e, g);
}

void set_tool_choice(JsonElement e, Generation &g) {
  if (e.is_null()) return;
  std::string_view s;
  if (!e.get_string().get(s)) {
    std::string v = to_lower(trim_view(s));
    if (!v.empty()) g.tool_choice = std::move(v);
    return;
  }
  g.tool_choice = canonical_json(e);
}

void set_metadata_int(Generation &g, const char *key, int64_t value) {
  g.metadata[key] = JsonValue::Number(double(value));
}

void set_metadata_string(Generation &g, const char *key, std::string_view value) {
  g.metadata[key] = JsonValue::String(std::string(value));
}

void append_joined(std::string &dst, std::string_view text, std::string_view sep) {
  if (text.empty()) return;
  if (!dst.empty()) dst.append(sep);
  dst.append(text);
}

Part &add_text(std::vector<Part> &parts, std::string_view text, std::string_view provider_type) {
  Part &p = append_part(parts);
  p.kind = PartKind::kText;
  p.text.assign(text);
  p.provider_type.assign(provider_type);
  return p;
}

Part &add_thinking(std::vector<Part> &parts, std::string_view text, std::string_view provider_type) {
  Part &p = append_part(parts);
  p.kind = PartKind::kThinking;
  p.text.assign(text);
  p.provider_type.assign(provider_type);
  return p;
}

Part &add_tool_call(std::vector<Part> &parts, std::string_view id, std::string_view name, std::string input_json,
                    std::string_view provider_type) {
  Part &p = append_part(parts);
  p.kind = PartKind::kToolCall;
  p.tool_call.id.assign(id);
  p.tool_call.name.assign(name);
  p.tool_call.input_json = std::move(input_json);
  p.provider_type.assign(provider_type);
  return p;
}

Message &add_message(std::vector<Message> &msgs, Role role, bool merge) {
  if (merge && !msgs.empty() && msgs.back().role == role) return msgs.back();
  Message &m = msgs.emplace_back();
  m.role = role;
  return m;
}

std::string_view data_url_mime(std::string_view url) {
  if (url.size() < 5 || url.substr(0, 5) != "data:") return {};
  url.remove_prefix(5);
  size_t end = url.find_first_of(";,");
  return end == std::string_view::npos ? std::string_view() : url.substr(0, end);
}

Part &add_media(std::vector<Part> &parts, std::string_view kind, std::string_view url, std::string_view mime_type,
                std::string_view name, std::string_view provider_type) {
  Part &p = append_part(parts);
  p.kind = PartKind::kMedia;
  p.media.kind.assign(kind);
  if (url.substr(0, 5) == "data:") {
    if (mime_type.empty()) mime_type = data_url_mime(url);
  } else {
    p.media.url.assign(url);
  }
  p.media.mime_type.assign(mime_type);
  p.media.name.assign(name);
  p.provider_type.assign(provider_type);
  return p;
}

Artifact make_json_artifact(ArtifactKind kind, std::string name, std::string payload) {
  Artifact a;
  a.kind = kind;
  a.name = std::move(name);
  a.content_type = "application/json";
  a.payload = std::move(payload);
  return a;
}

}  // namespace sigil::detail
