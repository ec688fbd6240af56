// A finished span as the engine records it: compact, typed attributes with
// static keys (no JSON, no maps). Built once at the end of a recorder, then
// handed to the span callback and the OTLP exporter.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sigil::detail {

// OTLP numbering (opentelemetry.proto.trace.v1.Span.SpanKind / Status.StatusCode).
enum class SpanKind : uint8_t { kInternal = 1, kClient = 3 };
enum class SpanStatus : uint8_t { kUnset = 0, kOk = 1, kError = 2 };

enum class AttrType : uint8_t { kString, kBool, kInt, kDouble, kStringArray };

struct Attribute {
  // A string literal (the engine's own keys) or a name kept by the span's
  // NameStore (keys an application chose).
  const char *key = "";
  AttrType type = AttrType::kString;
  // The value is content (an argument, a return value, a document): the
  // capture mode may drop it, and the field size limit applies.
  bool content = false;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string s;
  std::vector<std::string> strings;
};

// An ordered attribute list; `set_*` replaces an earlier value of the same
// key (as OpenTelemetry's SetAttributes does), `add_*` appends blindly.
class AttrList {
 public:
  void reserve(size_t n) { items_.reserve(n); }
  void set_string(const char *key, std::string v) { slot(key, AttrType::kString).s = std::move(v); }
  void set_bool(const char *key, bool v) { slot(key, AttrType::kBool).b = v; }
  void set_int(const char *key, int64_t v) { slot(key, AttrType::kInt).i = v; }
  void set_double(const char *key, double v) { slot(key, AttrType::kDouble).d = v; }
  void set_strings(const char *key, std::vector<std::string> v) {
    slot(key, AttrType::kStringArray).strings = std::move(v);
  }
  // Only when non-empty.
  void set_string_if(const char *key, const std::string &v) {
    if (!v.empty()) set_string(key, v);
  }

  // The attribute at `key`, emptied and given `type` (for callers that set
  // more than the value, such as the content flag).
  Attribute &set(const char *key, AttrType type) { return slot(key, type); }

  const Attribute *find(const char *key) const;
  const std::vector<Attribute> &items() const { return items_; }
  std::vector<Attribute> &items() { return items_; }
  size_t size() const { return items_.size(); }

 private:
  Attribute &slot(const char *key, AttrType type);
  std::vector<Attribute> items_;
};

// Rough in-memory size of the attributes, for byte budgets.
size_t estimated_bytes(const AttrList &list);

// The names an application chose (attribute keys, event names) for the spans
// it starts itself. Shared, so a copy of a span keeps its keys valid; a
// name's address never changes once interned.
class NameStore {
 public:
  const char *intern(std::string_view name);

 private:
  std::vector<std::shared_ptr<const std::string>> names_;
};

struct SpanEvent {
  const char *name = "";
  int64_t time_ns = 0;
  AttrList attributes;
};

struct SpanData {
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  std::string trace_id;        // 32 lowercase hex digits
  std::string span_id;         // 16 lowercase hex digits
  std::string parent_span_id;  // empty for a root span
  bool parent_remote = false;  // the parent came from outside this process
  bool sampled = true;
  std::string trace_state;  // W3C tracestate (OTLP only; the span callback's struct has none)
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  SpanStatus status = SpanStatus::kUnset;
  std::string status_message;  // only with kError
  AttrList attributes;
  std::vector<SpanEvent> events;
  NameStore names;  // keys and event names not among the engine's constants

  // Rough in-memory size, for the exporter's byte budget.
  size_t estimated_bytes() const;
};

}  // namespace sigil::detail
