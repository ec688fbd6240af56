#include "encode/protobuf.h"

#include <pb_decode.h>

#include <cstring>
#include <memory>
#include <optional>
#include <type_traits>

#include "base/utf8.h"
#include "encode/proto_wire.h"
#include "sigil/v1/generation_ingest.pb.h"

// Encoding is hand-written and runs in two passes over the model. The size
// pass computes every nested message's length bottom-up once and records it in
// pre-order; the write pass then writes keys, lengths and bytes straight into
// a buffer of exactly the right size, consuming those lengths in the same
// order. Both passes run the one description of the schema below
// (emit_generation and friends), so they cannot disagree about which fields
// exist. The bytes are those nanopb produced for the same model: fields in
// field-number order, proto3 defaults omitted, `optional` and oneof members
// written when set even at their zero value.
//
// Decoding (ExportGenerationsResponse, and spooled Generation records) uses
// nanopb.

namespace sigil::detail {

namespace {

using namespace pbwire;

// Nested-message lengths in the order the write pass opens the messages. A
// typical generation has a few dozen; those stay on the stack.
class LengthList {
 public:
  LengthList() = default;
  LengthList(const LengthList &) = delete;
  LengthList &operator=(const LengthList &) = delete;

  size_t push() {
    if (size_ == capacity_) grow();
    data_[size_] = 0;
    return size_++;
  }
  void set(size_t slot, size_t len) { data_[slot] = len; }
  const size_t *data() const { return data_; }

 private:
  void grow() {
    size_t capacity = capacity_ * 2;
    std::unique_ptr<size_t[]> bigger(new size_t[capacity]);
    std::memcpy(bigger.get(), data_, size_ * sizeof(size_t));
    heap_ = std::move(bigger);
    data_ = heap_.get();
    capacity_ = capacity;
  }

  static constexpr size_t kInline = 128;
  size_t inline_[kInline];
  std::unique_ptr<size_t[]> heap_;
  size_t *data_ = inline_;
  size_t size_ = 0;
  size_t capacity_ = kInline;
};

// The size pass. With a LengthList it records nested lengths for the write
// pass; without one it only sums (generation_proto_size).
class SizePass {
 public:
  explicit SizePass(LengthList *lengths) : lengths_(lengths) {}
  size_t total() const { return n_; }

  void string(uint32_t field, const std::string &s) {
    if (!s.empty()) string_present(field, s);
  }
  void string_present(uint32_t field, const std::string &s) { n_ += delimited_size(field, s.size()); }
  void int64(uint32_t field, int64_t v) {
    if (v != 0) int64_present(field, v);
  }
  void int64_present(uint32_t field, int64_t v) { n_ += key_size(field) + varint_size(static_cast<uint64_t>(v)); }
  void boolean(uint32_t field, bool b) {
    if (b) boolean_present(field, b);
  }
  void boolean_present(uint32_t field, bool) { n_ += key_size(field) + 1; }
  void double_present(uint32_t field, double) { n_ += key_size(field) + 8; }

  template <typename Body>
  void message(uint32_t field, Body &&body) {
    const size_t slot = lengths_ ? lengths_->push() : 0;
    const size_t outer = n_;
    n_ = 0;
    body();
    const size_t len = n_;
    if (lengths_) lengths_->set(slot, len);
    n_ = outer + delimited_size(field, len);
  }

 private:
  LengthList *lengths_;
  size_t n_ = 0;
};

// The write pass: `p` points at a buffer of the size the size pass computed.
class WritePass {
 public:
  WritePass(char *p, const size_t *lengths) : p_(p), lengths_(lengths) {}
  const char *position() const { return p_; }

  void string(uint32_t field, const std::string &s) {
    if (!s.empty()) string_present(field, s);
  }
  void string_present(uint32_t field, const std::string &s) {
    p_ = put_key(p_, field, kLengthDelimited);
    p_ = put_varint(p_, s.size());
    p_ = put_bytes(p_, s.data(), s.size());
  }
  void int64(uint32_t field, int64_t v) {
    if (v != 0) int64_present(field, v);
  }
  // Negative values are ten-byte varints (two's complement), as for any int64/int32/enum.
  void int64_present(uint32_t field, int64_t v) {
    p_ = put_key(p_, field, kVarint);
    p_ = put_varint(p_, static_cast<uint64_t>(v));
  }
  void boolean(uint32_t field, bool b) {
    if (b) boolean_present(field, b);
  }
  void boolean_present(uint32_t field, bool b) {
    p_ = put_key(p_, field, kVarint);
    *p_++ = b ? 1 : 0;
  }
  void double_present(uint32_t field, double d) {
    p_ = put_key(p_, field, kFixed64);
    p_ = put_double(p_, d);
  }

  template <typename Body>
  void message(uint32_t field, Body &&body) {
    p_ = put_key(p_, field, kLengthDelimited);
    p_ = put_varint(p_, *lengths_++);
    body();
  }

 private:
  char *p_;
  const size_t *lengths_;
};

// --- the schema (lib/proto/sigil/v1/generation_ingest.proto) -------------------
// Every emit_* below runs once per pass with the same model, so it must not
// branch on anything but the model.

template <typename Out>
void emit_struct(Out &o, const JsonObject &fields);

// google.protobuf.Value: exactly one member of its `kind` oneof, always written.
template <typename Out>
void emit_value(Out &o, const JsonValue &v) {
  switch (v.kind) {
    case JsonValue::Kind::kNull:
      o.int64_present(1, 0);  // NULL_VALUE
      break;
    case JsonValue::Kind::kNumber:
      o.double_present(2, v.number);
      break;
    case JsonValue::Kind::kString:
      o.string_present(3, v.string);
      break;
    case JsonValue::Kind::kBool:
      o.boolean_present(4, v.boolean);
      break;
    case JsonValue::Kind::kObject:
      o.message(5, [&] {
        if (v.object) emit_struct(o, *v.object);
      });
      break;
    case JsonValue::Kind::kList:
      o.message(6, [&] {  // ListValue
        for (const JsonValue &item : v.list) o.message(1, [&] { emit_value(o, item); });
      });
      break;
  }
}

// google.protobuf.Struct: map<string, Value> fields = 1, in key order; entry
// keys are written even when empty.
template <typename Out>
void emit_struct(Out &o, const JsonObject &fields) {
  for (const auto &kv : fields) {
    o.message(1, [&] {
      o.string_present(1, kv.first);
      o.message(2, [&] { emit_value(o, kv.second); });
    });
  }
}

// google.protobuf.Timestamp, present when the time is set.
template <typename Out>
void emit_timestamp(Out &o, uint32_t field, int64_t ns) {
  if (ns == 0) return;
  int64_t secs = ns / 1000000000, nanos = ns % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    secs -= 1;
  }
  o.message(field, [&] {
    o.int64(1, secs);
    o.int64(2, nanos);
  });
}

template <typename Out>
void emit_part(Out &o, const Part &p) {
  if (!p.provider_type.empty()) o.message(1, [&] { o.string(1, p.provider_type); });  // PartMetadata
  switch (p.kind) {  // the payload oneof: written when set, even empty
    case PartKind::kText:
      o.string_present(2, p.text);
      break;
    case PartKind::kThinking:
      o.string_present(3, p.text);
      break;
    case PartKind::kToolCall:
      o.message(4, [&] {
        o.string(1, p.tool_call.id);
        o.string(2, p.tool_call.name);
        o.string(3, p.tool_call.input_json);
      });
      break;
    case PartKind::kToolResult:
      o.message(5, [&] {
        o.string(1, p.tool_result.tool_call_id);
        o.string(2, p.tool_result.name);
        o.string(3, p.tool_result.content);
        o.string(4, p.tool_result.content_json);
        o.boolean(5, p.tool_result.is_error);
      });
      break;
    case PartKind::kMedia:
      o.message(6, [&] {
        o.string(1, p.media.kind);
        o.string(2, p.media.url);
        o.string(3, p.media.mime_type);
        o.string(4, p.media.name);
      });
      break;
  }
}

template <typename Out>
void emit_messages(Out &o, uint32_t field, const std::vector<Message> &msgs) {
  for (const Message &m : msgs) {
    o.message(field, [&] {
      o.int64(1, static_cast<int64_t>(m.role));
      o.string(2, m.name);
      for (const Part &p : m.parts) o.message(3, [&] { emit_part(o, p); });
    });
  }
}

template <typename Out>
void emit_generation(Out &o, const Generation &g) {
  o.string(1, g.id);
  o.string(2, g.conversation_id);
  o.string(3, g.operation_name);
  o.int64(4, static_cast<int64_t>(g.mode));
  o.string(5, g.trace_id);
  o.string(6, g.span_id);
  if (!g.model.provider.empty() || !g.model.name.empty()) {
    o.message(7, [&] {
      o.string(1, g.model.provider);
      o.string(2, g.model.name);
    });
  }
  o.string(8, g.response_id);
  o.string(9, g.response_model);
  o.string(10, g.system_prompt);
  emit_messages(o, 11, g.input);
  emit_messages(o, 12, g.output);
  for (const ToolDefinition &t : g.tools) {
    o.message(13, [&] {
      o.string(1, t.name);
      o.string(2, t.description);
      o.string(3, t.type);
      o.string(4, t.input_schema_json);
      o.boolean(5, t.deferred);
    });
  }
  // cache_creation_input_tokens is not on the wire (field 7 is retired).
  const TokenUsage &u = g.usage;
  if (u.input_tokens || u.output_tokens || u.total_tokens || u.cache_read_input_tokens || u.cache_write_input_tokens ||
      u.reasoning_tokens) {
    o.message(14, [&] {
      o.int64(1, u.input_tokens);
      o.int64(2, u.output_tokens);
      o.int64(3, u.total_tokens);
      o.int64(4, u.cache_read_input_tokens);
      o.int64(5, u.cache_write_input_tokens);
      o.int64(6, u.reasoning_tokens);
    });
  }
  o.string(15, g.stop_reason);
  emit_timestamp(o, 16, g.started_at_ns);
  emit_timestamp(o, 17, g.completed_at_ns);
  for (const auto &kv : g.tags) {  // map<string, string>: one entry message per pair, in key order
    o.message(18, [&] {
      o.string(1, kv.first);
      o.string(2, kv.second);
    });
  }
  if (!g.metadata.empty()) o.message(19, [&] { emit_struct(o, g.metadata); });
  for (const Artifact &a : g.artifacts) {
    o.message(20, [&] {
      o.int64(1, static_cast<int64_t>(a.kind));
      o.string(2, a.name);
      o.string(3, a.content_type);
      o.string(4, a.payload);
      o.string(5, a.record_id);
      o.string(6, a.uri);
    });
  }
  o.string(21, g.call_error);
  o.string(22, g.agent_name);
  o.string(23, g.agent_version);
  // proto3 `optional`: written whenever set.
  if (g.max_tokens) o.int64_present(24, *g.max_tokens);
  if (g.temperature) o.double_present(25, *g.temperature);
  if (g.top_p) o.double_present(26, *g.top_p);
  if (g.tool_choice) o.string_present(27, *g.tool_choice);
  if (g.thinking_enabled) o.boolean_present(28, *g.thinking_enabled);
  for (const std::string &id : g.parent_generation_ids) o.string_present(29, id);  // repeated: every element
  if (g.effective_version) o.string_present(30, *g.effective_version);
}

// ExportGenerationsRequest: repeated Generation generations = 1.
template <typename Out>
void emit_request(Out &o, const std::vector<const Generation *> &batch) {
  for (const Generation *g : batch) o.message(1, [&] { emit_generation(o, *g); });
}

// Runs the size pass, then the write pass appending to `out`.
template <typename Emit>
Status encode_appending(std::string &out, Emit &&emit) {
  LengthList lengths;
  SizePass sizer(&lengths);
  emit(sizer);
  const size_t start = out.size();
  out.resize(start + sizer.total());
  WritePass writer(&out[start], lengths.data());
  emit(writer);
  if (writer.position() != out.data() + out.size()) {  // both passes run the same emit_*: never expected
    out.resize(start);
    return Status(SIGIL_E_INTERNAL, "protobuf encoding wrote a different size than it computed");
  }
  return Status::ok();
}

// --- decoding (nanopb) -------------------------------------------------------

bool read_bytes(pb_istream_t *s, std::string &out) {
  out.resize(s->bytes_left);
  return pb_read(s, reinterpret_cast<pb_byte_t *>(out.data()), out.size());
}

// A proto3 `string` is UTF-8. A spooled record that is not would export as
// invalid protojson, and the server would refuse its whole batch.
bool read_string(pb_istream_t *s, std::string &out) {
  if (!read_bytes(s, out)) return false;
  if (!valid_utf8(out)) PB_RETURN_ERROR(s, "invalid UTF-8 in a string field");
  return true;
}

bool dec_string(pb_istream_t *s, const pb_field_t *, void **arg) {
  return read_string(s, *static_cast<std::string *>(*arg));
}

bool dec_bytes(pb_istream_t *s, const pb_field_t *, void **arg) {
  return read_bytes(s, *static_cast<std::string *>(*arg));
}

void bind_string(pb_callback_t &cb, std::string &out) {
  cb.funcs.decode = dec_string;
  cb.arg = &out;
}

void bind_bytes(pb_callback_t &cb, std::string &out) {
  cb.funcs.decode = dec_bytes;
  cb.arg = &out;
}

bool dec_result(pb_istream_t *s, const pb_field_t *, void **arg) {
  auto *results = static_cast<std::vector<ItemResult> *>(*arg);
  ItemResult item;
  sigil_v1_ExportGenerationResult msg = sigil_v1_ExportGenerationResult_init_zero;
  // The server's words are only matched and logged: taken as they come.
  bind_bytes(msg.generation_id, item.generation_id);
  bind_bytes(msg.error, item.error);
  if (!pb_decode(s, sigil_v1_ExportGenerationResult_fields, &msg)) return false;
  item.accepted = msg.accepted;
  results->push_back(std::move(item));
  return true;
}

// A spooled Generation is decoded into the model as far as the model can
// carry it; decode_generation_proto then re-encodes and compares, so anything
// dropped or normalized on the way in (unknown fields, unknown enum values, a
// part without payload, a present-but-zero timestamp, ...) fails the record.

bool dec_optional_string(pb_istream_t *s, const pb_field_t *, void **arg) {
  auto *out = static_cast<std::optional<std::string> *>(*arg);
  out->emplace();
  return read_string(s, **out);
}

bool dec_string_list(pb_istream_t *s, const pb_field_t *, void **arg) {
  auto *list = static_cast<std::vector<std::string> *>(*arg);
  list->emplace_back();
  return read_string(s, list->back());
}

bool dec_part_text(pb_istream_t *s, const pb_field_t *, void **arg) {
  auto *p = static_cast<Part *>(*arg);
  p->kind = PartKind::kText;
  return read_string(s, p->text);
}

bool dec_part_thinking(pb_istream_t *s, const pb_field_t *, void **arg) {
  auto *p = static_cast<Part *>(*arg);
  p->kind = PartKind::kThinking;
  return read_string(s, p->text);
}

bool dec_parts(pb_istream_t *s, const pb_field_t *, void **arg) {
  auto *parts = static_cast<std::vector<Part> *>(*arg);
  Part &p = parts->emplace_back();
  sigil_v1_Part msg = sigil_v1_Part_init_zero;
  bind_string(msg.metadata.provider_type, p.provider_type);
  msg.text.funcs.decode = dec_part_text;
  msg.text.arg = &p;
  msg.thinking.funcs.decode = dec_part_thinking;
  msg.thinking.arg = &p;
  bind_string(msg.tool_call.id, p.tool_call.id);
  bind_string(msg.tool_call.name, p.tool_call.name);
  bind_bytes(msg.tool_call.input_json, p.tool_call.input_json);
  bind_string(msg.tool_result.tool_call_id, p.tool_result.tool_call_id);
  bind_string(msg.tool_result.name, p.tool_result.name);
  bind_string(msg.tool_result.content, p.tool_result.content);
  bind_bytes(msg.tool_result.content_json, p.tool_result.content_json);
  bind_string(msg.media.kind, p.media.kind);
  bind_string(msg.media.url, p.media.url);
  bind_string(msg.media.mime_type, p.media.mime_type);
  bind_string(msg.media.name, p.media.name);
  if (!pb_decode(s, sigil_v1_Part_fields, &msg)) return false;
  // More than one payload member cannot be carried; the re-encode check catches it.
  if (msg.has_tool_call) p.kind = PartKind::kToolCall;
  if (msg.has_tool_result) p.kind = PartKind::kToolResult;
  if (msg.has_media) p.kind = PartKind::kMedia;
  p.tool_result.is_error = msg.tool_result.is_error;
  return true;
}

// nanopb stores whatever number arrived in a C enum field; read it as an
// integer, since loading a value the enum does not declare is undefined
// behaviour (UBSan -fsanitize=enum reports it).
template <typename E>
int64_t raw_enum(const E &field) {
  std::underlying_type_t<E> v;
  std::memcpy(&v, &field, sizeof v);
  return static_cast<int64_t>(v);
}

bool dec_messages(pb_istream_t *s, const pb_field_t *, void **arg) {
  auto *msgs = static_cast<std::vector<Message> *>(*arg);
  Message &m = msgs->emplace_back();
  sigil_v1_Message msg = sigil_v1_Message_init_zero;
  bind_string(msg.name, m.name);
  msg.parts.funcs.decode = dec_parts;
  msg.parts.arg = &m.parts;
  if (!pb_decode(s, sigil_v1_Message_fields, &msg)) return false;
  const int64_t role = raw_enum(msg.role);
  if (role < sigil_v1_MessageRole_MESSAGE_ROLE_UNSPECIFIED || role > sigil_v1_MessageRole_MESSAGE_ROLE_TOOL) {
    PB_RETURN_ERROR(s, "unknown MessageRole");
  }
  m.role = static_cast<Role>(role);
  return true;
}

bool dec_tools(pb_istream_t *s, const pb_field_t *, void **arg) {
  auto *tools = static_cast<std::vector<ToolDefinition> *>(*arg);
  ToolDefinition &t = tools->emplace_back();
  sigil_v1_ToolDefinition msg = sigil_v1_ToolDefinition_init_zero;
  bind_string(msg.name, t.name);
  bind_string(msg.description, t.description);
  bind_string(msg.type, t.type);
  bind_bytes(msg.input_schema_json, t.input_schema_json);
  if (!pb_decode(s, sigil_v1_ToolDefinition_fields, &msg)) return false;
  t.deferred = msg.deferred;
  return true;
}

bool dec_artifacts(pb_istream_t *s, const pb_field_t *, void **arg) {
  auto *arts = static_cast<std::vector<Artifact> *>(*arg);
  Artifact &a = arts->emplace_back();
  sigil_v1_Artifact msg = sigil_v1_Artifact_init_zero;
  bind_string(msg.name, a.name);
  bind_string(msg.content_type, a.content_type);
  bind_bytes(msg.payload, a.payload);
  bind_string(msg.record_id, a.record_id);
  bind_string(msg.uri, a.uri);
  if (!pb_decode(s, sigil_v1_Artifact_fields, &msg)) return false;
  const int64_t kind = raw_enum(msg.kind);
  if (kind < sigil_v1_ArtifactKind_ARTIFACT_KIND_UNSPECIFIED ||
      kind > sigil_v1_ArtifactKind_ARTIFACT_KIND_PROVIDER_EVENT) {
    PB_RETURN_ERROR(s, "unknown ArtifactKind");
  }
  a.kind = static_cast<ArtifactKind>(kind);
  return true;
}

bool dec_tags(pb_istream_t *s, const pb_field_t *, void **arg) {
  auto *tags = static_cast<Tags *>(*arg);
  std::string key, value;
  sigil_v1_Generation_TagsEntry msg = sigil_v1_Generation_TagsEntry_init_zero;
  bind_string(msg.key, key);
  bind_string(msg.value, value);
  if (!pb_decode(s, sigil_v1_Generation_TagsEntry_fields, &msg)) return false;
  (*tags)[std::move(key)] = std::move(value);  // the last duplicate wins, as in any map
  return true;
}

// google.protobuf.Struct and Value, read with nanopb's stream primitives (the
// types are recursive). Deeper than any metadata the JSON input accepts.
constexpr int kMaxStructDepth = 100;

bool read_value(pb_istream_t *s, JsonValue &v, int depth);

// Reads one length-delimited field into `fn(substream)`.
template <typename Fn>
bool read_delimited(pb_istream_t *s, pb_wire_type_t wt, Fn &&fn) {
  if (wt != PB_WT_STRING) PB_RETURN_ERROR(s, "wrong wire type");
  pb_istream_t sub;
  if (!pb_make_string_substream(s, &sub)) return false;
  const bool ok = fn(&sub);
  return pb_close_string_substream(s, &sub) && ok;
}

bool read_struct(pb_istream_t *s, JsonObject &fields, int depth) {
  pb_wire_type_t wt;
  uint32_t field;
  bool eof = false;
  while (pb_decode_tag(s, &wt, &field, &eof)) {
    if (field != 1) {
      if (!pb_skip_field(s, wt)) return false;
      continue;
    }
    bool ok = read_delimited(s, wt, [&](pb_istream_t *entry) {
      std::string key;
      JsonValue value;
      pb_wire_type_t ewt;
      uint32_t efield;
      bool eeof = false;
      while (pb_decode_tag(entry, &ewt, &efield, &eeof)) {
        bool fok;
        if (efield == 1) {
          fok = read_delimited(entry, ewt, [&](pb_istream_t *str) { return read_string(str, key); });
        } else if (efield == 2) {
          fok = read_delimited(entry, ewt, [&](pb_istream_t *val) { return read_value(val, value, depth + 1); });
        } else {
          fok = pb_skip_field(entry, ewt);
        }
        if (!fok) return false;
      }
      if (!eeof) return false;
      fields[std::move(key)] = std::move(value);
      return true;
    });
    if (!ok) return false;
  }
  return eof;
}

bool read_value(pb_istream_t *s, JsonValue &v, int depth) {
  if (depth > kMaxStructDepth) PB_RETURN_ERROR(s, "metadata nested too deeply");
  v = JsonValue::Null();  // a Value without a kind stays null; the re-encode check refuses it
  pb_wire_type_t wt;
  uint32_t field;
  bool eof = false;
  while (pb_decode_tag(s, &wt, &field, &eof)) {
    bool ok = true;
    uint64_t u = 0;
    switch (field) {
      case 1:
        if (wt != PB_WT_VARINT) PB_RETURN_ERROR(s, "wrong wire type");
        ok = pb_decode_varint(s, &u);
        v = JsonValue::Null();
        break;
      case 2: {
        double d = 0;
        if (wt != PB_WT_64BIT) PB_RETURN_ERROR(s, "wrong wire type");
        ok = pb_decode_fixed64(s, &d);
        v = JsonValue::Number(d);
        break;
      }
      case 3:
        v = JsonValue::String("");
        ok = read_delimited(s, wt, [&](pb_istream_t *str) { return read_string(str, v.string); });
        break;
      case 4:
        if (wt != PB_WT_VARINT) PB_RETURN_ERROR(s, "wrong wire type");
        ok = pb_decode_varint(s, &u);
        v = JsonValue::Bool(u != 0);
        break;
      case 5:
        v = JsonValue::Object({});
        ok = read_delimited(s, wt, [&](pb_istream_t *obj) { return read_struct(obj, *v.object, depth); });
        break;
      case 6:
        v = JsonValue::List({});
        ok = read_delimited(s, wt, [&](pb_istream_t *list) {
          pb_wire_type_t lwt;
          uint32_t lfield;
          bool leof = false;
          while (pb_decode_tag(list, &lwt, &lfield, &leof)) {
            bool lok;
            if (lfield == 1) {
              v.list.emplace_back();
              lok = read_delimited(list, lwt,
                                   [&](pb_istream_t *item) { return read_value(item, v.list.back(), depth + 1); });
            } else {
              lok = pb_skip_field(list, lwt);
            }
            if (!lok) return false;
          }
          return leof;
        });
        break;
      default:
        ok = pb_skip_field(s, wt);
    }
    if (!ok) return false;
  }
  return eof;
}

bool dec_metadata(pb_istream_t *s, const pb_field_t *, void **arg) {
  return read_struct(s, *static_cast<Metadata *>(*arg), 0);
}

// Timestamp -> nanoseconds since the epoch; false when out of int64 range.
bool timestamp_ns(const google_protobuf_Timestamp &ts, int64_t &ns) {
  if (ts.nanos < 0 || ts.nanos > 999999999) return false;
  int64_t whole = 0;
  return !__builtin_mul_overflow(ts.seconds, int64_t{1000000000}, &whole) &&
         !__builtin_add_overflow(whole, int64_t{ts.nanos}, &ns);
}

}  // namespace

Status encode_export_request_proto(const std::vector<const Generation *> &batch, std::string &out) {
  return encode_appending(out, [&](auto &o) { emit_request(o, batch); });
}

size_t generation_proto_size(const Generation &g) {
  SizePass sizer(nullptr);
  emit_generation(sizer, g);
  return delimited_size(1, sizer.total());
}

Status encode_generation_proto(const Generation &g, std::string &out) {
  return encode_appending(out, [&](auto &o) { emit_generation(o, g); });
}

Status decode_generation_proto(std::string_view bytes, Generation &g) {
  g = Generation();
  sigil_v1_Generation msg = sigil_v1_Generation_init_zero;
  bind_string(msg.id, g.id);
  bind_string(msg.conversation_id, g.conversation_id);
  bind_string(msg.operation_name, g.operation_name);
  bind_string(msg.trace_id, g.trace_id);
  bind_string(msg.span_id, g.span_id);
  bind_string(msg.model.provider, g.model.provider);
  bind_string(msg.model.name, g.model.name);
  bind_string(msg.response_id, g.response_id);
  bind_string(msg.response_model, g.response_model);
  bind_string(msg.system_prompt, g.system_prompt);
  msg.input.funcs.decode = dec_messages;
  msg.input.arg = &g.input;
  msg.output.funcs.decode = dec_messages;
  msg.output.arg = &g.output;
  msg.tools.funcs.decode = dec_tools;
  msg.tools.arg = &g.tools;
  bind_string(msg.stop_reason, g.stop_reason);
  msg.tags.funcs.decode = dec_tags;
  msg.tags.arg = &g.tags;
  msg.metadata.funcs.decode = dec_metadata;
  msg.metadata.arg = &g.metadata;
  msg.raw_artifacts.funcs.decode = dec_artifacts;
  msg.raw_artifacts.arg = &g.artifacts;
  bind_string(msg.call_error, g.call_error);
  bind_string(msg.agent_name, g.agent_name);
  bind_string(msg.agent_version, g.agent_version);
  msg.tool_choice.funcs.decode = dec_optional_string;
  msg.tool_choice.arg = &g.tool_choice;
  msg.parent_generation_ids.funcs.decode = dec_string_list;
  msg.parent_generation_ids.arg = &g.parent_generation_ids;
  msg.effective_version.funcs.decode = dec_optional_string;
  msg.effective_version.arg = &g.effective_version;
  pb_istream_t stream = pb_istream_from_buffer(reinterpret_cast<const pb_byte_t *>(bytes.data()), bytes.size());
  if (!pb_decode(&stream, sigil_v1_Generation_fields, &msg)) {
    return Status(SIGIL_E_INVALID_ARGUMENT, std::string("malformed sigil.v1 Generation: ") + PB_GET_ERROR(&stream));
  }
  const int64_t mode = raw_enum(msg.mode);
  if (mode < sigil_v1_GenerationMode_GENERATION_MODE_UNSPECIFIED ||
      mode > sigil_v1_GenerationMode_GENERATION_MODE_STREAM) {
    return Status(SIGIL_E_INVALID_ARGUMENT, "malformed sigil.v1 Generation: unknown GenerationMode");
  }
  g.mode = static_cast<GenerationMode>(mode);
  const sigil_v1_TokenUsage &u = msg.usage;
  g.usage.input_tokens = u.input_tokens;
  g.usage.output_tokens = u.output_tokens;
  g.usage.total_tokens = u.total_tokens;
  g.usage.cache_read_input_tokens = u.cache_read_input_tokens;
  g.usage.cache_write_input_tokens = u.cache_write_input_tokens;
  g.usage.reasoning_tokens = u.reasoning_tokens;
  if ((msg.has_started_at && !timestamp_ns(msg.started_at, g.started_at_ns)) ||
      (msg.has_completed_at && !timestamp_ns(msg.completed_at, g.completed_at_ns))) {
    return Status(SIGIL_E_INVALID_ARGUMENT, "malformed sigil.v1 Generation: timestamp out of range");
  }
  if (msg.has_max_tokens) g.max_tokens = msg.max_tokens;
  if (msg.has_temperature) g.temperature = msg.temperature;
  if (msg.has_top_p) g.top_p = msg.top_p;
  if (msg.has_thinking_enabled) g.thinking_enabled = msg.thinking_enabled;
  std::string again;
  Status st = encode_generation_proto(g, again);
  if (!st.is_ok()) return st;
  if (again != bytes) {
    return Status(SIGIL_E_INVALID_ARGUMENT,
                  "sigil.v1 Generation holds fields or values this version cannot carry (written by a newer version?)");
  }
  return Status::ok();
}

Status decode_export_response_proto(std::string_view bytes, std::vector<ItemResult> &results) {
  sigil_v1_ExportGenerationsResponse resp = sigil_v1_ExportGenerationsResponse_init_zero;
  resp.results.funcs.decode = dec_result;
  resp.results.arg = &results;
  pb_istream_t stream = pb_istream_from_buffer(reinterpret_cast<const pb_byte_t *>(bytes.data()), bytes.size());
  if (!pb_decode(&stream, sigil_v1_ExportGenerationsResponse_fields, &resp)) {
    return Status(SIGIL_E_TRANSPORT, std::string("malformed ExportGenerationsResponse: ") + PB_GET_ERROR(&stream));
  }
  return Status::ok();
}

}  // namespace sigil::detail
