#include "encode/protojson.h"

#include <cjson/cJSON.h>

#include <memory>

#include "base/base64.h"
#include "base/timefmt.h"
#include "base/json_writer.h"

namespace sigil::detail {

namespace {

const char *role_name(Role r) {
  switch (r) {
    case Role::kUser:
      return "MESSAGE_ROLE_USER";
    case Role::kAssistant:
      return "MESSAGE_ROLE_ASSISTANT";
    case Role::kTool:
      return "MESSAGE_ROLE_TOOL";
    default:
      return "MESSAGE_ROLE_UNSPECIFIED";
  }
}

const char *mode_name(GenerationMode m) {
  switch (m) {
    case GenerationMode::kSync:
      return "GENERATION_MODE_SYNC";
    case GenerationMode::kStream:
      return "GENERATION_MODE_STREAM";
    default:
      return "GENERATION_MODE_UNSPECIFIED";
  }
}

const char *artifact_kind_name(ArtifactKind k) {
  switch (k) {
    case ArtifactKind::kRequest:
      return "ARTIFACT_KIND_REQUEST";
    case ArtifactKind::kResponse:
      return "ARTIFACT_KIND_RESPONSE";
    case ArtifactKind::kTools:
      return "ARTIFACT_KIND_TOOLS";
    case ArtifactKind::kProviderEvent:
      return "ARTIFACT_KIND_PROVIDER_EVENT";
    default:
      return "ARTIFACT_KIND_UNSPECIFIED";
  }
}

void bytes_field(JsonObjectWriter &w, std::string_view key, std::string_view bytes) {
  if (bytes.empty()) return;
  w.key(key);
  w.out().push_back('"');
  base64_append(w.out(), bytes);
  w.out().push_back('"');
}

void int64_field(JsonObjectWriter &w, std::string_view key, int64_t v) {
  if (v != 0) w.int64_as_string(key, v);
}

void timestamp_field(JsonObjectWriter &w, std::string_view key, int64_t ns) {
  if (ns == 0) return;
  w.key(key);
  w.out().push_back('"');
  append_rfc3339(w.out(), ns);
  w.out().push_back('"');
}

void append_part(std::string &out, const Part &p) {
  JsonObjectWriter w(out);
  if (!p.provider_type.empty()) {
    w.key("metadata");
    JsonObjectWriter m(out);
    m.string("provider_type", p.provider_type);
    m.end();
  }
  switch (p.kind) {
    case PartKind::kText:
      w.string("text", p.text);
      break;
    case PartKind::kThinking:
      w.string("thinking", p.text);
      break;
    case PartKind::kToolCall: {
      w.key("tool_call");
      JsonObjectWriter c(out);
      c.string_if("id", p.tool_call.id);
      c.string_if("name", p.tool_call.name);
      bytes_field(c, "input_json", p.tool_call.input_json);
      c.end();
      break;
    }
    case PartKind::kToolResult: {
      w.key("tool_result");
      JsonObjectWriter r(out);
      r.string_if("tool_call_id", p.tool_result.tool_call_id);
      r.string_if("name", p.tool_result.name);
      r.string_if("content", p.tool_result.content);
      bytes_field(r, "content_json", p.tool_result.content_json);
      if (p.tool_result.is_error) r.boolean("is_error", true);
      r.end();
      break;
    }
    case PartKind::kMedia: {
      w.key("media");
      JsonObjectWriter m(out);
      m.string_if("kind", p.media.kind);
      m.string_if("url", p.media.url);
      m.string_if("mime_type", p.media.mime_type);
      m.string_if("name", p.media.name);
      m.end();
      break;
    }
  }
  w.end();
}

void messages_field(JsonObjectWriter &w, std::string_view key, const std::vector<Message> &msgs) {
  if (msgs.empty()) return;
  std::string &out = w.out();
  w.key(key);
  out.push_back('[');
  for (size_t i = 0; i < msgs.size(); ++i) {
    if (i) out.push_back(',');
    JsonObjectWriter m(out);
    if (msgs[i].role != Role::kUnspecified) m.string("role", role_name(msgs[i].role));
    m.string_if("name", msgs[i].name);
    if (!msgs[i].parts.empty()) {
      m.key("parts");
      out.push_back('[');
      for (size_t j = 0; j < msgs[i].parts.size(); ++j) {
        if (j) out.push_back(',');
        append_part(out, msgs[i].parts[j]);
      }
      out.push_back(']');
    }
    m.end();
  }
  out.push_back(']');
}

}  // namespace

void append_json_value(std::string &out, const JsonValue &v) {
  switch (v.kind) {
    case JsonValue::Kind::kNull:
      out.append("null");
      return;
    case JsonValue::Kind::kBool:
      out.append(v.boolean ? "true" : "false");
      return;
    case JsonValue::Kind::kNumber:
      json_append_double(out, v.number);
      return;
    case JsonValue::Kind::kString:
      json_append_string(out, v.string);
      return;
    case JsonValue::Kind::kList:
      out.push_back('[');
      for (size_t i = 0; i < v.list.size(); ++i) {
        if (i) out.push_back(',');
        append_json_value(out, v.list[i]);
      }
      out.push_back(']');
      return;
    case JsonValue::Kind::kObject: {
      JsonObjectWriter w(out);
      if (v.object) {
        for (const auto &kv : *v.object) {
          w.key(kv.first);
          append_json_value(out, kv.second);
        }
      }
      w.end();
      return;
    }
  }
}

void append_generation_json(std::string &out, const Generation &g, GenerationJsonForm form) {
  const bool abi = form == GenerationJsonForm::kAbi;
  JsonObjectWriter w(out);
  w.string_if("id", g.id);
  w.string_if("conversation_id", g.conversation_id);
  if (abi) {
    w.string_if("conversation_title", g.conversation_title);
    w.string_if("user_id", g.user_id);
  }
  w.string_if("operation_name", g.operation_name);
  if (g.mode != GenerationMode::kUnspecified) w.string("mode", mode_name(g.mode));
  w.string_if("trace_id", g.trace_id);
  w.string_if("span_id", g.span_id);
  if (!g.model.provider.empty() || !g.model.name.empty()) {
    w.key("model");
    JsonObjectWriter m(out);
    m.string_if("provider", g.model.provider);
    m.string_if("name", g.model.name);
    m.end();
  }
  w.string_if("response_id", g.response_id);
  w.string_if("response_model", g.response_model);
  w.string_if("system_prompt", g.system_prompt);
  messages_field(w, "input", g.input);
  messages_field(w, "output", g.output);
  if (!g.tools.empty()) {
    w.key("tools");
    out.push_back('[');
    for (size_t i = 0; i < g.tools.size(); ++i) {
      if (i) out.push_back(',');
      const ToolDefinition &t = g.tools[i];
      JsonObjectWriter tw(out);
      tw.string_if("name", t.name);
      tw.string_if("description", t.description);
      tw.string_if("type", t.type);
      bytes_field(tw, "input_schema_json", t.input_schema_json);
      if (t.deferred) tw.boolean("deferred", true);
      tw.end();
    }
    out.push_back(']');
  }
  const TokenUsage &u = g.usage;
  const int64_t cache_creation = abi ? u.cache_creation_input_tokens : 0;
  if (u.input_tokens || u.output_tokens || u.total_tokens || u.cache_read_input_tokens || u.cache_write_input_tokens ||
      u.reasoning_tokens || cache_creation) {
    w.key("usage");
    JsonObjectWriter uw(out);
    int64_field(uw, "input_tokens", u.input_tokens);
    int64_field(uw, "output_tokens", u.output_tokens);
    int64_field(uw, "total_tokens", u.total_tokens);
    int64_field(uw, "cache_read_input_tokens", u.cache_read_input_tokens);
    int64_field(uw, "cache_write_input_tokens", u.cache_write_input_tokens);
    int64_field(uw, "reasoning_tokens", u.reasoning_tokens);
    int64_field(uw, "cache_creation_input_tokens", cache_creation);
    uw.end();
  }
  w.string_if("stop_reason", g.stop_reason);
  timestamp_field(w, "started_at", g.started_at_ns);
  timestamp_field(w, "completed_at", g.completed_at_ns);
  if (!g.tags.empty()) {
    w.key("tags");
    JsonObjectWriter tw(out);
    for (const auto &kv : g.tags) tw.string(kv.first, kv.second);
    tw.end();
  }
  if (!g.metadata.empty()) {
    w.key("metadata");
    JsonObjectWriter mw(out);
    for (const auto &kv : g.metadata) {
      mw.key(kv.first);
      append_json_value(out, kv.second);
    }
    mw.end();
  }
  if (!g.artifacts.empty()) {
    w.key("raw_artifacts");
    out.push_back('[');
    for (size_t i = 0; i < g.artifacts.size(); ++i) {
      if (i) out.push_back(',');
      const Artifact &a = g.artifacts[i];
      JsonObjectWriter aw(out);
      if (a.kind != ArtifactKind::kUnspecified) aw.string("kind", artifact_kind_name(a.kind));
      aw.string_if("name", a.name);
      aw.string_if("content_type", a.content_type);
      bytes_field(aw, "payload", a.payload);
      aw.string_if("record_id", a.record_id);
      aw.string_if("uri", a.uri);
      aw.end();
    }
    out.push_back(']');
  }
  w.string_if("call_error", g.call_error);
  w.string_if("agent_name", g.agent_name);
  w.string_if("agent_version", g.agent_version);
  if (g.max_tokens) w.int64_as_string("max_tokens", *g.max_tokens);
  if (g.temperature) {
    w.key("temperature");
    json_append_double(out, *g.temperature);
  }
  if (g.top_p) {
    w.key("top_p");
    json_append_double(out, *g.top_p);
  }
  if (g.tool_choice) w.string("tool_choice", *g.tool_choice);
  if (g.thinking_enabled) w.boolean("thinking_enabled", *g.thinking_enabled);
  if (!g.parent_generation_ids.empty()) {
    w.key("parent_generation_ids");
    out.push_back('[');
    for (size_t i = 0; i < g.parent_generation_ids.size(); ++i) {
      if (i) out.push_back(',');
      json_append_string(out, g.parent_generation_ids[i]);
    }
    out.push_back(']');
  }
  if (g.effective_version) w.string("effective_version", *g.effective_version);
  w.end();
}

void append_export_request_json(std::string &out, const std::vector<const Generation *> &batch,
                                GenerationJsonForm form) {
  out.append("{\"generations\":[");
  for (size_t i = 0; i < batch.size(); ++i) {
    if (i) out.push_back(',');
    append_generation_json(out, *batch[i], form);
  }
  out.append("]}");
}

namespace {

// "generation_id" -> "generationId": protojson's name for a field.
std::string lower_camel(std::string_view snake) {
  std::string out;
  bool upper = false;
  for (char c : snake) {
    if (c == '_') {
      upper = true;
    } else {
      out.push_back(upper && c >= 'a' && c <= 'z' ? char(c - 'a' + 'A') : c);
      upper = false;
    }
  }
  return out;
}

}  // namespace

Status parse_export_response_json(std::string_view body, std::vector<ItemResult> &results) {
  return parse_item_results_json(body, "generation_id", results);
}

Status parse_item_results_json(std::string_view body, const char *id_key, std::vector<ItemResult> &results) {
  std::unique_ptr<cJSON, void (*)(cJSON *)> root(cJSON_ParseWithLength(body.data(), body.size()), cJSON_Delete);
  if (!root || !cJSON_IsObject(root.get())) {
    return Status(SIGIL_E_TRANSPORT, "export response is not a JSON object");
  }
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(root.get(), "results");
  if (list == nullptr || cJSON_IsNull(list)) return Status::ok();
  if (!cJSON_IsArray(list)) return Status(SIGIL_E_TRANSPORT, "export response \"results\" is not an array");
  const cJSON *item = nullptr;
  cJSON_ArrayForEach(item, list) {
    if (!cJSON_IsObject(item)) return Status(SIGIL_E_TRANSPORT, "export response result is not an object");
    ItemResult r;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, id_key);
    if (id == nullptr) id = cJSON_GetObjectItemCaseSensitive(item, lower_camel(id_key).c_str());
    if (cJSON_IsString(id)) r.generation_id = id->valuestring;
    r.accepted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "accepted"));
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(item, "error");
    if (cJSON_IsString(err)) r.error = err->valuestring;
    results.push_back(std::move(r));
  }
  return Status::ok();
}

}  // namespace sigil::detail
