// The nanopb encoder of sigil.v1 ExportGenerationsRequest that libsigil used
// before the hand-written two-pass encoder (lib/encode/protobuf.cpp), kept
// for the tests only: the new encoder must produce exactly these bytes.
#pragma once

#include <pb_encode.h>

#include <string>
#include <vector>

#include "base/model.h"
#include "sigil/v1/generation_ingest.pb.h"

namespace sigil::nanopb_reference {
namespace detail_ {

using namespace sigil::detail;

// nanopb callbacks run twice per message (a sizing pass, then the write), so
// every callback below only reads the model it points at.

inline const pb_byte_t *bytes_of(const std::string &s) { return reinterpret_cast<const pb_byte_t *>(s.data()); }

inline bool enc_string(pb_ostream_t *s, const pb_field_t *f, void *const *arg) {
  const auto *str = static_cast<const std::string *>(*arg);
  return pb_encode_tag_for_field(s, f) && pb_encode_string(s, bytes_of(*str), str->size());
}

// Proto3 default: empty strings are not written.
inline void set_string(pb_callback_t &cb, const std::string &s) {
  if (s.empty()) return;
  cb.funcs.encode = enc_string;
  cb.arg = const_cast<std::string *>(&s);
}

// Oneof members and proto3 `optional` fields are written even when empty.
inline void set_string_present(pb_callback_t &cb, const std::string &s) {
  cb.funcs.encode = enc_string;
  cb.arg = const_cast<std::string *>(&s);
}

template <typename Writer>
inline bool write_delimited(pb_ostream_t *s, uint32_t field_number, Writer &&writer) {
  pb_ostream_t sizing = PB_OSTREAM_SIZING;
  if (!writer(&sizing)) return false;
  if (!pb_encode_tag(s, PB_WT_STRING, field_number) || !pb_encode_varint(s, sizing.bytes_written)) return false;
  if (s->callback == nullptr) return pb_write(s, nullptr, sizing.bytes_written);
  size_t before = s->bytes_written;
  if (!writer(s)) return false;
  return s->bytes_written - before == sizing.bytes_written;
}

inline bool write_string_field(pb_ostream_t *s, uint32_t field_number, const std::string &v) {
  return pb_encode_tag(s, PB_WT_STRING, field_number) && pb_encode_string(s, bytes_of(v), v.size());
}

// google.protobuf.Value / Struct / ListValue, written by hand (recursive).
inline bool write_struct(pb_ostream_t *s, const JsonObject &fields);

inline bool write_value(pb_ostream_t *s, const JsonValue &v) {
  switch (v.kind) {
    case JsonValue::Kind::kNull:
      return pb_encode_tag(s, PB_WT_VARINT, 1) && pb_encode_varint(s, 0);
    case JsonValue::Kind::kNumber:
      return pb_encode_tag(s, PB_WT_64BIT, 2) && pb_encode_fixed64(s, &v.number);
    case JsonValue::Kind::kString:
      return write_string_field(s, 3, v.string);
    case JsonValue::Kind::kBool:
      return pb_encode_tag(s, PB_WT_VARINT, 4) && pb_encode_varint(s, v.boolean ? 1 : 0);
    case JsonValue::Kind::kObject: {
      static const JsonObject empty;
      const JsonObject &o = v.object ? *v.object : empty;
      return write_delimited(s, 5, [&](pb_ostream_t *ss) { return write_struct(ss, o); });
    }
    case JsonValue::Kind::kList:
      return write_delimited(s, 6, [&](pb_ostream_t *ss) {
        for (const JsonValue &item : v.list) {
          if (!write_delimited(ss, 1, [&](pb_ostream_t *s3) { return write_value(s3, item); })) return false;
        }
        return true;
      });
  }
  return false;
}

inline bool write_struct(pb_ostream_t *s, const JsonObject &fields) {
  for (const auto &kv : fields) {
    bool ok = write_delimited(s, 1, [&](pb_ostream_t *ss) {
      return write_string_field(ss, 1, kv.first) &&
             write_delimited(ss, 2, [&](pb_ostream_t *s3) { return write_value(s3, kv.second); });
    });
    if (!ok) return false;
  }
  return true;
}

inline bool enc_metadata(pb_ostream_t *s, const pb_field_t *f, void *const *arg) {
  const auto *md = static_cast<const Metadata *>(*arg);
  return write_delimited(s, f->tag, [&](pb_ostream_t *ss) { return write_struct(ss, *md); });
}

inline bool enc_tags(pb_ostream_t *s, const pb_field_t *f, void *const *arg) {
  const auto *tags = static_cast<const Tags *>(*arg);
  for (const auto &kv : *tags) {
    sigil_v1_Generation_TagsEntry e = sigil_v1_Generation_TagsEntry_init_zero;
    set_string(e.key, kv.first);
    set_string(e.value, kv.second);
    if (!pb_encode_tag_for_field(s, f) || !pb_encode_submessage(s, sigil_v1_Generation_TagsEntry_fields, &e)) {
      return false;
    }
  }
  return true;
}

inline bool enc_string_list(pb_ostream_t *s, const pb_field_t *f, void *const *arg) {
  const auto *list = static_cast<const std::vector<std::string> *>(*arg);
  for (const std::string &v : *list) {
    if (!pb_encode_tag_for_field(s, f) || !pb_encode_string(s, bytes_of(v), v.size())) return false;
  }
  return true;
}

inline bool enc_parts(pb_ostream_t *s, const pb_field_t *f, void *const *arg) {
  const auto *parts = static_cast<const std::vector<Part> *>(*arg);
  for (const Part &p : *parts) {
    sigil_v1_Part msg = sigil_v1_Part_init_zero;
    if (!p.provider_type.empty()) {
      msg.has_metadata = true;
      set_string(msg.metadata.provider_type, p.provider_type);
    }
    switch (p.kind) {
      case PartKind::kText:
        set_string_present(msg.text, p.text);
        break;
      case PartKind::kThinking:
        set_string_present(msg.thinking, p.text);
        break;
      case PartKind::kToolCall:
        msg.has_tool_call = true;
        set_string(msg.tool_call.id, p.tool_call.id);
        set_string(msg.tool_call.name, p.tool_call.name);
        set_string(msg.tool_call.input_json, p.tool_call.input_json);
        break;
      case PartKind::kToolResult:
        msg.has_tool_result = true;
        set_string(msg.tool_result.tool_call_id, p.tool_result.tool_call_id);
        set_string(msg.tool_result.name, p.tool_result.name);
        set_string(msg.tool_result.content, p.tool_result.content);
        set_string(msg.tool_result.content_json, p.tool_result.content_json);
        msg.tool_result.is_error = p.tool_result.is_error;
        break;
      case PartKind::kMedia:
        msg.has_media = true;
        set_string(msg.media.kind, p.media.kind);
        set_string(msg.media.url, p.media.url);
        set_string(msg.media.mime_type, p.media.mime_type);
        set_string(msg.media.name, p.media.name);
        break;
    }
    if (!pb_encode_tag_for_field(s, f) || !pb_encode_submessage(s, sigil_v1_Part_fields, &msg)) return false;
  }
  return true;
}

inline bool enc_messages(pb_ostream_t *s, const pb_field_t *f, void *const *arg) {
  const auto *msgs = static_cast<const std::vector<Message> *>(*arg);
  for (const Message &m : *msgs) {
    sigil_v1_Message msg = sigil_v1_Message_init_zero;
    msg.role = static_cast<sigil_v1_MessageRole>(m.role);
    set_string(msg.name, m.name);
    if (!m.parts.empty()) {
      msg.parts.funcs.encode = enc_parts;
      msg.parts.arg = const_cast<std::vector<Part> *>(&m.parts);
    }
    if (!pb_encode_tag_for_field(s, f) || !pb_encode_submessage(s, sigil_v1_Message_fields, &msg)) return false;
  }
  return true;
}

inline bool enc_tools(pb_ostream_t *s, const pb_field_t *f, void *const *arg) {
  const auto *tools = static_cast<const std::vector<ToolDefinition> *>(*arg);
  for (const ToolDefinition &t : *tools) {
    sigil_v1_ToolDefinition msg = sigil_v1_ToolDefinition_init_zero;
    set_string(msg.name, t.name);
    set_string(msg.description, t.description);
    set_string(msg.type, t.type);
    set_string(msg.input_schema_json, t.input_schema_json);
    msg.deferred = t.deferred;
    if (!pb_encode_tag_for_field(s, f) || !pb_encode_submessage(s, sigil_v1_ToolDefinition_fields, &msg)) {
      return false;
    }
  }
  return true;
}

inline bool enc_artifacts(pb_ostream_t *s, const pb_field_t *f, void *const *arg) {
  const auto *arts = static_cast<const std::vector<Artifact> *>(*arg);
  for (const Artifact &a : *arts) {
    sigil_v1_Artifact msg = sigil_v1_Artifact_init_zero;
    msg.kind = static_cast<sigil_v1_ArtifactKind>(a.kind);
    set_string(msg.name, a.name);
    set_string(msg.content_type, a.content_type);
    set_string(msg.payload, a.payload);
    set_string(msg.record_id, a.record_id);
    set_string(msg.uri, a.uri);
    if (!pb_encode_tag_for_field(s, f) || !pb_encode_submessage(s, sigil_v1_Artifact_fields, &msg)) return false;
  }
  return true;
}

template <typename T>
inline void set_list(pb_callback_t &cb, const std::vector<T> &v,
                     bool (*fn)(pb_ostream_t *, const pb_field_t *, void *const *)) {
  if (v.empty()) return;
  cb.funcs.encode = fn;
  cb.arg = const_cast<std::vector<T> *>(&v);
}

inline void set_timestamp(bool &has, google_protobuf_Timestamp &ts, int64_t ns) {
  if (ns == 0) return;
  has = true;
  int64_t secs = ns / 1000000000, nanos = ns % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    secs -= 1;
  }
  ts.seconds = secs;
  ts.nanos = static_cast<int32_t>(nanos);
}

inline void fill_generation(sigil_v1_Generation &msg, const Generation &g) {
  msg = sigil_v1_Generation_init_zero;
  set_string(msg.id, g.id);
  set_string(msg.conversation_id, g.conversation_id);
  set_string(msg.operation_name, g.operation_name);
  msg.mode = static_cast<sigil_v1_GenerationMode>(g.mode);
  set_string(msg.trace_id, g.trace_id);
  set_string(msg.span_id, g.span_id);
  if (!g.model.provider.empty() || !g.model.name.empty()) {
    msg.has_model = true;
    set_string(msg.model.provider, g.model.provider);
    set_string(msg.model.name, g.model.name);
  }
  set_string(msg.response_id, g.response_id);
  set_string(msg.response_model, g.response_model);
  set_string(msg.system_prompt, g.system_prompt);
  set_list(msg.input, g.input, enc_messages);
  set_list(msg.output, g.output, enc_messages);
  set_list(msg.tools, g.tools, enc_tools);
  const TokenUsage &u = g.usage;
  if (u.input_tokens || u.output_tokens || u.total_tokens || u.cache_read_input_tokens || u.cache_write_input_tokens ||
      u.reasoning_tokens) {
    msg.has_usage = true;
    msg.usage.input_tokens = u.input_tokens;
    msg.usage.output_tokens = u.output_tokens;
    msg.usage.total_tokens = u.total_tokens;
    msg.usage.cache_read_input_tokens = u.cache_read_input_tokens;
    msg.usage.cache_write_input_tokens = u.cache_write_input_tokens;
    msg.usage.reasoning_tokens = u.reasoning_tokens;
  }
  set_string(msg.stop_reason, g.stop_reason);
  set_timestamp(msg.has_started_at, msg.started_at, g.started_at_ns);
  set_timestamp(msg.has_completed_at, msg.completed_at, g.completed_at_ns);
  if (!g.tags.empty()) {
    msg.tags.funcs.encode = enc_tags;
    msg.tags.arg = const_cast<Tags *>(&g.tags);
  }
  if (!g.metadata.empty()) {
    msg.metadata.funcs.encode = enc_metadata;
    msg.metadata.arg = const_cast<Metadata *>(&g.metadata);
  }
  set_list(msg.raw_artifacts, g.artifacts, enc_artifacts);
  set_string(msg.call_error, g.call_error);
  set_string(msg.agent_name, g.agent_name);
  set_string(msg.agent_version, g.agent_version);
  if (g.max_tokens) {
    msg.has_max_tokens = true;
    msg.max_tokens = *g.max_tokens;
  }
  if (g.temperature) {
    msg.has_temperature = true;
    msg.temperature = *g.temperature;
  }
  if (g.top_p) {
    msg.has_top_p = true;
    msg.top_p = *g.top_p;
  }
  if (g.tool_choice) set_string_present(msg.tool_choice, *g.tool_choice);
  if (g.thinking_enabled) {
    msg.has_thinking_enabled = true;
    msg.thinking_enabled = *g.thinking_enabled;
  }
  set_list(msg.parent_generation_ids, g.parent_generation_ids, enc_string_list);
  if (g.effective_version) set_string_present(msg.effective_version, *g.effective_version);
}

inline bool enc_generations(pb_ostream_t *s, const pb_field_t *f, void *const *arg) {
  const auto *batch = static_cast<const std::vector<const Generation *> *>(*arg);
  for (const Generation *g : *batch) {
    sigil_v1_Generation msg;
    fill_generation(msg, *g);
    if (!pb_encode_tag_for_field(s, f) || !pb_encode_submessage(s, sigil_v1_Generation_fields, &msg)) return false;
  }
  return true;
}

inline bool ostream_string_cb(pb_ostream_t *stream, const pb_byte_t *buf, size_t count) {
  static_cast<std::string *>(stream->state)->append(reinterpret_cast<const char *>(buf), count);
  return true;
}

}  // namespace detail_

// Appends an ExportGenerationsRequest holding `batch` to `out`; false on a nanopb error.
inline bool encode_export_request(const std::vector<const sigil::detail::Generation *> &batch, std::string &out) {
  using namespace detail_;
  sigil_v1_ExportGenerationsRequest req = sigil_v1_ExportGenerationsRequest_init_zero;
  req.generations.funcs.encode = enc_generations;
  req.generations.arg = const_cast<std::vector<const Generation *> *>(&batch);
  pb_ostream_t stream = {ostream_string_cb, &out, SIZE_MAX, 0, nullptr};
  return pb_encode(&stream, sigil_v1_ExportGenerationsRequest_fields, &req);
}

}  // namespace sigil::nanopb_reference
