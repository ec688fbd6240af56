#include "core/span_recorder.h"

#include "base/timefmt.h"
#include "core/record_end.h"

namespace sigil::detail {

SpanRecorder::SpanRecorder(std::shared_ptr<Client> client, StepSpanData data, const ContextValues &ctx,
                           const ParentSpan &parent, Status start_error)
    : RecorderBase(std::move(client), std::move(start_error), parent), data_(std::move(data)) {
  const ClientConfig &cfg = client_->config();
  fill_if_empty(data_.conversation_id, ctx.conversation_id);
  fill_if_empty(data_.conversation_title, ctx.conversation_title);
  fill_if_empty(data_.agent_name, ctx.agent_name);
  fill_if_empty(data_.agent_version, ctx.agent_version);
  // An agent span names its own agent (step_span); the others take the
  // client's agent as every recorder does.
  if (data_.kind != StepKind::kAgent) {
    fill_if_empty(data_.agent_name, cfg.agent_name);
    fill_if_empty(data_.agent_version, cfg.agent_version);
  }
  if (data_.started_at_ns == 0) data_.started_at_ns = now_unix_ns();
}

Attribute &SpanRecorder::slot(std::string_view key, AttrType type, bool content) {
  Attribute &a = record_.attributes.set(record_.names.intern(key), type);
  a.content = content;
  return a;
}

void SpanRecorder::set_string(std::string_view key, std::string value, bool content) {
  slot(key, AttrType::kString, content).s = std::move(value);
}

void SpanRecorder::set_int(std::string_view key, int64_t value, bool content) {
  slot(key, AttrType::kInt, content).i = value;
}

void SpanRecorder::set_double(std::string_view key, double value, bool content) {
  slot(key, AttrType::kDouble, content).d = value;
}

void SpanRecorder::set_bool(std::string_view key, bool value, bool content) {
  slot(key, AttrType::kBool, content).b = value;
}

void SpanRecorder::add_event(std::string_view name, int64_t time_ns, AttrList attributes, bool content) {
  SpanEvent e;
  e.name = record_.names.intern(name);
  e.time_ns = time_ns != 0 ? time_ns : now_unix_ns();
  e.attributes = std::move(attributes);
  for (Attribute &a : e.attributes.items()) a.content = content;
  record_.events.push_back(std::move(e));
}

void SpanRecorder::set_status(SpanStatus status, std::string message) {
  record_.status = status;
  record_.status_message = status == SpanStatus::kError ? std::move(message) : std::string();
}

void SpanRecorder::set_error(std::string error_type, std::string message) {
  record_.has_error = true;
  record_.error_type = error_type.empty() ? std::string(semconv::kErrSpan) : std::move(error_type);
  record_.status = SpanStatus::kError;
  record_.status_message = std::move(message);
  record_.error_time_ns = now_unix_ns();
}

void SpanRecorder::resolve_content_capture(ContentCaptureMode per_call) {
  resolve_capture(per_call, SIGIL_RECORD_SPAN, {});
}

bool SpanRecorder::captures_content() const { return !is_noop() && spans_carry_content(capture_mode()); }

Status SpanRecorder::end(int64_t completed_at_ns) {
  if (auto done = begin_end("span")) return *done;
  auto end = std::make_unique<SpanEnd>();
  SpanEnd &e = *end;
  e.client = client_.get();
  e.mode = capture_mode();
  e.completed_at_ns = completed_at_ns != 0 ? completed_at_ns : now_unix_ns();
  e.data = std::move(data_);
  data_.tracestate = e.data.tracestate;  // still readable after end, as the traceparent is
  e.record = std::move(record_);
  e.input_error = input_error_;
  e.want_span = wants_span();
  if (e.want_span) e.trace = trace_;
  e.bytes = sizeof(SpanEnd) + estimated_bytes(e.record.attributes);
  for (const SpanEvent &ev : e.record.events) e.bytes += sizeof(SpanEvent) + estimated_bytes(ev.attributes);
  client_->end_step_span(std::move(end));
  return input_error_;
}

}  // namespace sigil::detail
