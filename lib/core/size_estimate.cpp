#include "core/size_estimate.h"

namespace sigil::detail {

namespace {

constexpr size_t kSso = 15;  // libstdc++ short-string capacity

size_t str(const std::string &s) { return s.size() > kSso ? s.capacity() + 1 : 0; }

size_t value_bytes(const JsonValue &v) {
  size_t n = sizeof(JsonValue) + str(v.string);
  for (const JsonValue &item : v.list) n += value_bytes(item);
  if (v.object) {
    for (const auto &kv : *v.object) n += 48 + str(kv.first) + value_bytes(kv.second);
  }
  return n;
}

size_t messages_bytes(const std::vector<Message> &msgs) {
  size_t n = msgs.capacity() * sizeof(Message);
  for (const Message &m : msgs) {
    n += str(m.name) + m.parts.capacity() * sizeof(Part);
    for (const Part &p : m.parts) {
      n += str(p.provider_type) + str(p.text) + str(p.tool_call.id) + str(p.tool_call.name) +
           str(p.tool_call.input_json) + str(p.tool_result.tool_call_id) + str(p.tool_result.name) +
           str(p.tool_result.content) + str(p.tool_result.content_json) + str(p.media.kind) + str(p.media.url) +
           str(p.media.mime_type) + str(p.media.name);
    }
  }
  return n;
}

}  // namespace

size_t estimate_generation_bytes(const Generation &g) {
  size_t n = sizeof(Generation) + 64;  // plus queue node overhead
  for (const std::string *s :
       {&g.id, &g.conversation_id, &g.conversation_title, &g.user_id, &g.operation_name, &g.trace_id, &g.span_id,
        &g.model.provider, &g.model.name, &g.response_id, &g.response_model, &g.system_prompt, &g.stop_reason,
        &g.call_error, &g.agent_name, &g.agent_version}) {
    n += str(*s);
  }
  n += messages_bytes(g.input) + messages_bytes(g.output);
  n += g.tools.capacity() * sizeof(ToolDefinition);
  for (const ToolDefinition &t : g.tools)
    n += str(t.name) + str(t.description) + str(t.type) + str(t.input_schema_json);
  for (const auto &kv : g.tags) n += 64 + str(kv.first) + str(kv.second);
  for (const auto &kv : g.metadata) n += 48 + str(kv.first) + value_bytes(kv.second);
  n += g.artifacts.capacity() * sizeof(Artifact);
  for (const Artifact &a : g.artifacts)
    n += str(a.name) + str(a.content_type) + str(a.payload) + str(a.record_id) + str(a.uri);
  for (const std::string &s : g.parent_generation_ids) n += sizeof(std::string) + str(s);
  if (g.tool_choice) n += str(*g.tool_choice);
  if (g.effective_version) n += str(*g.effective_version);
  return n;
}

}  // namespace sigil::detail
