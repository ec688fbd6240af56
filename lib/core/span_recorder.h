// Records one span an application starts itself (an agent, a chain, a
// retriever, a workflow, a task or any step): typed attributes, events,
// status and error. Spans only: no export of its own and no metrics.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/span.h"
#include "base/status.h"
#include "core/client.h"
#include "core/content_capture.h"
#include "core/recorder_context.h"
#include "telemetry/genai_spans.h"
#include "telemetry/trace_context.h"

namespace sigil::detail {

struct StepSpanData {
  StepKind kind = StepKind::kCustom;
  std::string name, conversation_id, conversation_title, agent_name, agent_version;
  std::string tracestate;  // the parent's, validated: carried on to children and injected headers
  int64_t started_at_ns = 0;
};

// What the application recorded on the span, in the order it recorded it.
struct StepSpanRecord {
  AttrList attributes;
  std::vector<SpanEvent> events;
  NameStore names;  // the keys and event names above
  SpanStatus status = SpanStatus::kUnset;
  std::string status_message;
  std::string error_type;  // set_error's (the exception's class name, ...)
  bool has_error = false;
  int64_t error_time_ns = 0;
};

class SpanRecorder : public RecorderBase {
 public:
  SpanRecorder() = default;
  SpanRecorder(std::shared_ptr<Client> client, StepSpanData data, const ContextValues &context,
               const ParentSpan &parent, Status start_error);

  // Typed attributes; a later value of the same key replaces an earlier one.
  // `content` marks a value the capture mode may drop (and the size limit cuts).
  void set_string(std::string_view key, std::string value, bool content);
  void set_int(std::string_view key, int64_t value, bool content);
  void set_double(std::string_view key, double value, bool content);
  void set_bool(std::string_view key, bool value, bool content);
  // The step's input or output as JSON text (always content).
  void set_input(std::string json) { set_string(semconv::kSpanInput, std::move(json), true); }
  void set_output(std::string json) { set_string(semconv::kSpanOutput, std::move(json), true); }
  // An event; `attributes` keys must come from `intern`.
  void add_event(std::string_view name, int64_t time_ns, AttrList attributes, bool content);
  const char *intern(std::string_view name) { return record_.names.intern(name); }
  void set_status(SpanStatus status, std::string message);
  void set_error(std::string error_type, std::string message);
  void resolve_content_capture(ContentCaptureMode per_call);
  // Whether content values would leave the process (capture mode).
  bool captures_content() const;
  const std::string &tracestate() const { return data_.tracestate; }
  Status end(int64_t completed_at_ns);

 private:
  Attribute &slot(std::string_view key, AttrType type, bool content);

  StepSpanData data_;
  StepSpanRecord record_;
};

}  // namespace sigil::detail
