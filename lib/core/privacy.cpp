#include "core/privacy.h"

#include <algorithm>

#include "core/json_input.h"
#include "base/utf8.h"
#include "base/json_writer.h"
#include "encode/protojson.h"

namespace sigil::detail {

namespace {

constexpr char kSanitizerError[] = "[REDACTED:sanitizer_error]";

std::string truncation_marker(size_t removed) {
  return "\xE2\x80\xA6[truncated " + std::to_string(removed) + " bytes]";
}

// Bytes one input byte takes inside a JSON string (json_append_string's rules).
size_t json_escaped_size(unsigned char c) {
  switch (c) {
    case '"':
    case '\\':
    case '\n':
    case '\r':
    case '\t':
    case '\b':
    case '\f':
      return 2;
    default:
      return c < 0x20 ? 6 : 1;
  }
}

// Length of the UTF-8 sequence starting with `lead` (valid input assumed).
size_t utf8_sequence_size(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

std::string as_json_string(std::string_view text) {
  std::string out;
  json_append_string(out, text);
  return out;
}

void append_index(std::string &path, const char *name, size_t i) {
  path.append(name).push_back('[');
  path.append(std::to_string(i)).push_back(']');
}

bool has_content(ContentCaptureMode m) { return m != ContentCaptureMode::kMetadataOnly; }

}  // namespace

Privacy::Privacy(PrivacyConfig config, Logger logger)
    : config_(config), logger_(std::move(logger)), redactor_(config.redact) {}

ContentCaptureMode Privacy::resolve(ContentCaptureMode per_call, uint32_t record_kind,
                                    std::string_view metadata_json) const {
  if (per_call != ContentCaptureMode::kDefault) return per_call;
  if (config_.resolver != nullptr) {
    uint32_t mode = SIGIL_CONTENT_CAPTURE_DEFAULT;
    int rc = 1;
    try {
      rc = config_.resolver(config_.resolver_user_data, record_kind,
                            metadata_json.empty() ? nullptr : metadata_json.data(), metadata_json.size(), &mode);
    } catch (...) {
      rc = 1;
    }
    auto parsed = content_capture_mode_from_abi(mode);
    if (rc != 0 || !parsed) {
      logger_.warn("content capture resolver failed; using metadata_only");
      return ContentCaptureMode::kMetadataOnly;
    }
    if (*parsed != ContentCaptureMode::kDefault) return *parsed;
  }
  return config_.content_capture;
}

bool Privacy::sanitize(std::string &value, std::string_view path) const {
  if (config_.sanitizer == nullptr) return false;
  sigil_sanitized out;
  int rc = 1;
  try {
    rc = config_.sanitizer(config_.sanitizer_user_data, path.data(), path.size(), value.data(), value.size(), &out);
  } catch (...) {
    rc = 1;
  }
  if (rc != 0 || out.invalid) {
    value = kSanitizerError;
    return true;
  }
  if (out.set && out.value != value) {
    value = std::move(out.value);
    return true;
  }
  return false;
}

void Privacy::apply_text(std::string &value, std::string_view path, RedactTier tier, bool content) const {
  if (value.empty()) return;
  redactor_.redact(value, tier);
  sanitize(value, path);
  if (content) truncate_field(value, config_.max_field_bytes);
}

void Privacy::apply_json_text(std::string &value, std::string_view path, RedactTier tier) const {
  if (value.empty()) return;
  bool changed = redactor_.redact(value, tier);
  changed = sanitize(value, path) || changed;
  // Only a changed value needs the check: what was recorded is sent as is.
  if (changed && !valid_json(value)) value = as_json_string(value);
  truncate_json_field(value, config_.max_field_bytes);
}

bool Privacy::apply_json_value(JsonValue &v, std::string &path) const {
  bool changed = false;
  switch (v.kind) {
    case JsonValue::Kind::kString: {
      if (v.string.empty()) break;
      changed = redactor_.redact(v.string, RedactTier::kLight);
      changed = sanitize(v.string, path) || changed;
      break;
    }
    case JsonValue::Kind::kList:
      for (size_t i = 0; i < v.list.size(); ++i) {
        size_t n = path.size();
        append_index(path, "", i);
        changed = apply_json_value(v.list[i], path) || changed;
        path.resize(n);
      }
      break;
    case JsonValue::Kind::kObject:
      if (v.object) {
        // Copy-on-write: JsonValue objects are shared_ptr and may alias.
        auto copy = std::make_shared<JsonObject>(*v.object);
        for (auto &kv : *copy) {
          size_t n = path.size();
          path.push_back('.');
          path.append(kv.first);
          changed = apply_json_value(kv.second, path) || changed;
          path.resize(n);
        }
        v.object = std::move(copy);
      }
      break;
    default:
      break;
  }
  return changed;
}

void Privacy::apply_generation(Generation &g, ContentCaptureMode mode, const char *error_category) const {
  // Injection detection looks at what the model was given, before stripping.
  if ((config_.redact & SIGIL_REDACT_INJECTION) != 0) {
    bool suspected = redactor_.injection_suspected(g.system_prompt);
    for (const Message &m : g.input) {
      for (const Part &p : m.parts) {
        if (suspected) break;
        if (p.kind == PartKind::kText)
          suspected = redactor_.injection_suspected(p.text);
        else if (p.kind == PartKind::kToolResult) {
          suspected = redactor_.injection_suspected(p.tool_result.content) ||
                      redactor_.injection_suspected(p.tool_result.content_json);
        }
      }
    }
    if (suspected) g.metadata[kMetaInjectionSuspected] = JsonValue::Bool(true);
  }
  if (!has_content(mode)) strip_generation_content(g, error_category);

  std::string path = "generation.";
  auto field = [&](std::string &value, const char *name, RedactTier tier, bool content) {
    path.resize(11);
    path.append(name);
    apply_text(value, path, tier, content);
  };
  field(g.system_prompt, "system_prompt", RedactTier::kFull, true);
  field(g.conversation_title, "conversation_title", RedactTier::kLight, false);
  field(g.call_error, "call_error", RedactTier::kLight, false);
  auto messages = [&](std::vector<Message> &msgs, const char *side) {
    for (size_t i = 0; i < msgs.size(); ++i) {
      const RedactTier text_tier = msgs[i].role == Role::kAssistant ? RedactTier::kLight : RedactTier::kFull;
      for (size_t j = 0; j < msgs[i].parts.size(); ++j) {
        Part &p = msgs[i].parts[j];
        path.resize(11);
        append_index(path, side, i);
        append_index(path, ".parts", j);
        const size_t base = path.size();
        auto sub = [&](std::string &value, const char *name, RedactTier tier, bool content) {
          path.resize(base);
          path.append(name);
          apply_text(value, path, tier, content);
        };
        switch (p.kind) {
          case PartKind::kText:
            sub(p.text, ".text", text_tier, true);
            break;
          case PartKind::kThinking:
            sub(p.text, ".thinking", RedactTier::kLight, true);
            break;
          case PartKind::kToolCall:
            path.append(".tool_call.input_json");
            apply_json_text(p.tool_call.input_json, path, RedactTier::kFull);
            break;
          case PartKind::kToolResult:
            sub(p.tool_result.content, ".tool_result.content", RedactTier::kFull, true);
            path.resize(base);
            path.append(".tool_result.content_json");
            apply_json_text(p.tool_result.content_json, path, RedactTier::kFull);
            break;
          case PartKind::kMedia:
            sub(p.media.url, ".media.url", RedactTier::kLight, false);
            break;
        }
      }
    }
  };
  messages(g.input, "input");
  messages(g.output, "output");
  for (size_t i = 0; i < g.tools.size(); ++i) {
    path.resize(11);
    append_index(path, "tools", i);
    const size_t base = path.size();
    path.append(".description");
    apply_text(g.tools[i].description, path, RedactTier::kLight, false);
    path.resize(base);
    path.append(".input_schema_json");
    apply_text(g.tools[i].input_schema_json, path, RedactTier::kLight, false);
  }
  for (size_t i = 0; i < g.artifacts.size(); ++i) {
    path.resize(11);
    append_index(path, "raw_artifacts", i);
    path.append(".payload");
    // A payload that is JSON (provider requests and responses) stays JSON.
    std::string &payload = g.artifacts[i].payload;
    if (!payload.empty() && valid_json(payload)) {
      apply_json_text(payload, path, RedactTier::kFull);
    } else {
      apply_text(payload, path, RedactTier::kFull, true);
    }
  }
  for (auto &kv : g.tags) {
    path.resize(11);
    path.append("tags.").append(kv.first);
    apply_text(kv.second, path, RedactTier::kLight, false);
  }
  for (auto &kv : g.metadata) {
    path.resize(11);
    path.append("metadata.").append(kv.first);
    apply_json_value(kv.second, path);
  }
  // The metadata mirrors carry exactly the processed canonical values.
  if (!g.conversation_title.empty() && g.metadata.count("sigil.conversation.title")) {
    g.metadata["sigil.conversation.title"] = JsonValue::String(g.conversation_title);
  }
  if (!g.call_error.empty() && g.metadata.count("call_error")) {
    g.metadata["call_error"] = JsonValue::String(g.call_error);
  }
  g.metadata[kMetaContentCaptureMode] = JsonValue::String(content_capture_mode_name(mode));
}

void Privacy::apply_rating(std::string &comment, std::string &metadata_json) const {
  ContentCaptureMode mode = resolve(ContentCaptureMode::kDefault, SIGIL_RECORD_RATING, metadata_json);
  if (mode == ContentCaptureMode::kMetadataOnly) comment.clear();
  apply_text(comment, "rating.comment", RedactTier::kLight, false);
  if (metadata_json.empty()) return;
  // The metadata goes through the same pass as a generation's: each string
  // value, at any depth, is redacted and sanitized. It is rewritten only
  // when something changed, so untouched metadata is sent as given.
  Metadata md;
  if (!parse_metadata_json(metadata_json, md).is_ok()) return;  // validation rejects it; nothing is sent
  bool changed = false;
  std::string path = "rating.metadata";
  for (auto &kv : md) {
    path.resize(15);
    path.push_back('.');
    path.append(kv.first);
    changed = apply_json_value(kv.second, path) || changed;
  }
  if (!changed) return;
  metadata_json.clear();
  append_json_value(metadata_json, JsonValue::Object(std::move(md)));
}

void Privacy::apply_span(SpanData &span) const {
  std::string path;
  auto attrs = [&](AttrList &list, const char *prefix) {
    for (Attribute &a : list.items()) {
      path.assign(prefix).append(a.key);
      const std::string_view key(a.key);
      // The engine stores tool I/O and a step's input and output as JSON.
      const bool json_io = key == "gen_ai.tool.call.arguments" || key == "gen_ai.tool.call.result" ||
                           key == "sigil.span.input" || key == "sigil.span.output";
      // Values an application marked as content are redacted fully and cut
      // to the field size limit, as content fields of a generation are.
      const RedactTier tier = a.content ? RedactTier::kFull : RedactTier::kLight;
      if (a.type == AttrType::kString) {
        if (json_io) {
          apply_json_text(a.s, path, RedactTier::kFull);
        } else {
          apply_text(a.s, path, tier, a.content);
        }
      } else if (a.type == AttrType::kStringArray) {
        for (std::string &s : a.strings) apply_text(s, path, tier, a.content);
      }
    }
    // A value a sanitizer emptied is left out rather than sent as "".
    auto &items = list.items();
    items.erase(std::remove_if(items.begin(), items.end(),
                               [](const Attribute &a) { return a.type == AttrType::kString && a.s.empty(); }),
                items.end());
  };
  attrs(span.attributes, "span.");
  for (SpanEvent &e : span.events) attrs(e.attributes, "span.event.");
  apply_text(span.status_message, "span.status_message", RedactTier::kLight, false);
}

bool truncate_json_field(std::string &json, uint64_t max_bytes) {
  if (max_bytes == 0 || json.size() <= max_bytes) return false;
  std::string text;
  if (!decode_json_string(json, text)) text = json;
  // Budget for the text: the limit less the quotes and the longest marker
  // (the one for removing everything); the real marker is never longer.
  const size_t fixed = 2 + truncation_marker(text.size()).size();
  const size_t budget = max_bytes > fixed ? static_cast<size_t>(max_bytes) - fixed : 0;
  size_t keep = 0;
  size_t used = 0;
  while (keep < text.size()) {
    size_t n = std::min(utf8_sequence_size(static_cast<unsigned char>(text[keep])), text.size() - keep);
    size_t cost = 0;
    for (size_t i = 0; i < n; ++i) cost += json_escaped_size(static_cast<unsigned char>(text[keep + i]));
    if (used + cost > budget) break;
    used += cost;
    keep += n;
  }
  const size_t removed = text.size() - keep;
  text.resize(keep);
  text += truncation_marker(removed);
  json = as_json_string(text);
  return true;
}

}  // namespace sigil::detail
