// Sections: Spans; W3C trace context.
#include <cstring>

#include "abi/recorder_util.h"
#include "base/strings.h"

using sigil::abi::copy_cstr;
using sigil::abi::copy_str;
using sigil::abi::guard;
using sigil::abi::report;
using sigil::abi::take;
using sigil::detail::AttrList;
using sigil::detail::AttrType;
using sigil::detail::SpanRecorder;
using sigil::detail::Status;

namespace {

// Runs a setter on a live recorder: NULL and no-op recorders take nothing;
// a malformed value is kept as the recorder's input error and returned.
template <typename F>
sigil_status_t with_span(sigil_span_recorder_t *span, F &&fn) {
  if (span == nullptr || span->recorder.is_noop()) return SIGIL_OK;
  return guard([&]() -> sigil_status_t {
    Status st = fn(span->recorder);
    if (!st.is_ok()) span->recorder.record_input_error(st);
    return st.code();
  });
}

Status copy_key(const char *key, std::string &out) {
  if (key == nullptr || *key == '\0') return Status(SIGIL_E_INVALID_ARGUMENT, "a span attribute key is required");
  return copy_cstr(key, "span attribute key", out);
}

// One sigil_attribute_t of an event into `list` (keys interned by the span).
Status take_attribute(SpanRecorder &r, const sigil_attribute_t &in, AttrList &list) {
  if (in.key == nullptr || in.key_len == 0) {
    return Status(SIGIL_E_INVALID_ARGUMENT, "a span event attribute key is required");
  }
  std::string key;
  Status st = copy_str(in.key, in.key_len, "span event attribute key", key);
  if (!st.is_ok()) return st;
  const char *k = r.intern(key);
  switch (in.type) {
    case SIGIL_ATTRIBUTE_STRING: {
      std::string v;
      st = copy_str(in.string_value, in.string_value_len, k, v);
      if (st.is_ok()) list.set_string(k, std::move(v));
      return st;
    }
    case SIGIL_ATTRIBUTE_BOOL:
      list.set_bool(k, in.int_value != 0);
      return Status::ok();
    case SIGIL_ATTRIBUTE_INT:
      list.set_int(k, in.int_value);
      return Status::ok();
    case SIGIL_ATTRIBUTE_DOUBLE:
      list.set_double(k, in.double_value);
      return Status::ok();
    case SIGIL_ATTRIBUTE_STRING_ARRAY: {
      if (in.string_values_count > 0 && (in.string_values == nullptr || in.string_value_lens == nullptr)) {
        return Status(SIGIL_E_INVALID_ARGUMENT, "a string array attribute without its values");
      }
      std::vector<std::string> values(in.string_values_count);
      for (size_t i = 0; i < in.string_values_count; ++i) {
        st = copy_str(in.string_values[i], in.string_value_lens[i], k, values[i]);
        if (!st.is_ok()) return st;
      }
      list.set_strings(k, std::move(values));
      return Status::ok();
    }
    default:
      return Status(SIGIL_E_INVALID_ARGUMENT, "unknown span event attribute type");
  }
}

}  // namespace

extern "C" {

sigil_status_t sigil_span_start_init(sigil_span_start_t *start) {
  return sigil::abi::init_versioned(start, SIGIL_SPAN_START_VERSION);
}

sigil_status_t sigil_span_start(sigil_client_t *client, const sigil_span_start_t *s, sigil_span_recorder_t **out) {
  if (out == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  *out = nullptr;
  return guard([&]() -> sigil_status_t {
    sigil_status_t usable = sigil::abi::usable_client(client);
    if (client == nullptr || s == nullptr || s->version != SIGIL_SPAN_START_VERSION ||
        sigil::detail::step_kind_name(s->kind) == nullptr) {
      *out = new sigil_span_recorder{};
      return usable != SIGIL_OK ? usable : SIGIL_E_INVALID_ARGUMENT;
    }
    const sigil::detail::Logger &logger = client->client->config().logger;
    sigil::detail::StepSpanData d;
    Status err;
    d.kind = static_cast<sigil::detail::StepKind>(s->kind);
    take(err, s->name, "name", d.name);
    take(err, s->conversation_id, "conversation_id", d.conversation_id);
    take(err, s->conversation_title, "conversation_title", d.conversation_title);
    take(err, s->agent_name, "agent_name", d.agent_name);
    take(err, s->agent_version, "agent_version", d.agent_version);
    d.started_at_ns = s->started_at_ns;
    auto ctx = sigil::abi::context_values(err, s->context_conversation_id, s->context_conversation_title, nullptr,
                                          s->context_agent_name, s->context_agent_version);
    std::string parent, own, tracestate;
    take(err, s->parent_traceparent, "parent_traceparent", parent);
    take(err, s->parent_tracestate, "parent_tracestate", tracestate);
    if (!tracestate.empty()) {
      if (parent.empty()) {
        logger.warn("parent_tracestate without parent_traceparent is dropped");
      } else if (!sigil::detail::valid_tracestate(tracestate)) {
        logger.warn("parent_tracestate is not a W3C tracestate; it is dropped");
      } else {
        d.tracestate = std::move(tracestate);
      }
    }
    const sigil::detail::ParentSpan place =
        sigil::abi::parent_span_of(parent, s->parent_is_local == 0, s->span_traceparent, own, logger);
    const auto capture = sigil::detail::content_capture_mode_from_abi(s->content_capture)
                             .value_or(sigil::detail::ContentCaptureMode::kMetadataOnly);
    *out = new sigil_span_recorder{SpanRecorder(client->client, std::move(d), ctx, place, err)};
    (*out)->recorder.resolve_content_capture(capture);
    return usable;  // SIGIL_E_SHUTDOWN: the recorder's end reports it too
  });
}

sigil_status_t sigil_span_set_attribute_string(sigil_span_recorder_t *span, const char *key, const char *value,
                                               size_t value_len, int content) {
  return with_span(span, [&](SpanRecorder &r) {
    std::string k, v;
    Status st = copy_key(key, k);
    if (st.is_ok()) st = copy_str(value, value_len, k.c_str(), v);
    if (st.is_ok()) r.set_string(k, std::move(v), content != 0);
    return st;
  });
}

sigil_status_t sigil_span_set_attribute_int(sigil_span_recorder_t *span, const char *key, int64_t value, int content) {
  return with_span(span, [&](SpanRecorder &r) {
    std::string k;
    Status st = copy_key(key, k);
    if (st.is_ok()) r.set_int(k, value, content != 0);
    return st;
  });
}

sigil_status_t sigil_span_set_attribute_double(sigil_span_recorder_t *span, const char *key, double value,
                                               int content) {
  return with_span(span, [&](SpanRecorder &r) {
    std::string k;
    Status st = copy_key(key, k);
    if (st.is_ok()) r.set_double(k, value, content != 0);
    return st;
  });
}

sigil_status_t sigil_span_set_attribute_bool(sigil_span_recorder_t *span, const char *key, int value, int content) {
  return with_span(span, [&](SpanRecorder &r) {
    std::string k;
    Status st = copy_key(key, k);
    if (st.is_ok()) r.set_bool(k, value != 0, content != 0);
    return st;
  });
}

sigil_status_t sigil_span_set_input(sigil_span_recorder_t *span, const char *json, size_t json_len) {
  return with_span(span, [&](SpanRecorder &r) {
    std::string v;
    Status st = copy_str(json, json_len, "input", v);
    if (st.is_ok()) r.set_input(sigil::detail::tool_content_attribute(v));
    return st;
  });
}

sigil_status_t sigil_span_set_output(sigil_span_recorder_t *span, const char *json, size_t json_len) {
  return with_span(span, [&](SpanRecorder &r) {
    std::string v;
    Status st = copy_str(json, json_len, "output", v);
    if (st.is_ok()) r.set_output(sigil::detail::tool_content_attribute(v));
    return st;
  });
}

sigil_status_t sigil_span_add_event(sigil_span_recorder_t *span, const char *name, int64_t time_ns,
                                    const sigil_attribute_t *attributes, size_t attributes_count, int content) {
  return with_span(span, [&](SpanRecorder &r) {
    if (name == nullptr || *name == '\0') return Status(SIGIL_E_INVALID_ARGUMENT, "a span event name is required");
    if (attributes_count > 0 && attributes == nullptr) {
      return Status(SIGIL_E_INVALID_ARGUMENT, "span event attributes are NULL");
    }
    std::string n;
    Status st = copy_cstr(name, "span event name", n);
    AttrList list;
    for (size_t i = 0; st.is_ok() && i < attributes_count; ++i) st = take_attribute(r, attributes[i], list);
    if (st.is_ok()) r.add_event(n, time_ns, std::move(list), content != 0);
    return st;
  });
}

sigil_status_t sigil_span_set_status(sigil_span_recorder_t *span, uint32_t status_code, const char *message,
                                     size_t message_len) {
  return with_span(span, [&](SpanRecorder &r) {
    if (status_code > SIGIL_SPAN_STATUS_ERROR) return Status(SIGIL_E_INVALID_ARGUMENT, "unknown span status code");
    std::string m;
    Status st = message == nullptr ? Status::ok() : copy_str(message, message_len, "status message", m);
    if (st.is_ok()) r.set_status(static_cast<sigil::detail::SpanStatus>(status_code), std::move(m));
    return st;
  });
}

sigil_status_t sigil_span_set_error(sigil_span_recorder_t *span, const char *error_type, const char *message,
                                    size_t message_len) {
  return with_span(span, [&](SpanRecorder &r) {
    std::string t, m;
    Status st = copy_cstr(error_type, "error type", t);
    if (st.is_ok() && message != nullptr) st = copy_str(message, message_len, "error message", m);
    if (st.is_ok()) r.set_error(sigil::detail::trim(t), std::move(m));
    return st;
  });
}

int sigil_span_captures_content(const sigil_span_recorder_t *span) {
  return span != nullptr && span->recorder.captures_content() ? 1 : 0;
}

sigil_status_t sigil_span_traceparent(const sigil_span_recorder_t *span, char *buf, size_t len) {
  if (span == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  return sigil::abi::write_traceparent(span->recorder.trace(), buf, len);
}

sigil_status_t sigil_span_tracestate(const sigil_span_recorder_t *span, const char **out, size_t *out_len) {
  if (span == nullptr || out == nullptr || out_len == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  *out = span->recorder.tracestate().c_str();
  *out_len = span->recorder.tracestate().size();
  return SIGIL_OK;
}

sigil_status_t sigil_span_end(sigil_span_recorder_t *span, int64_t completed_at_ns, sigil_error_t **error) {
  if (error != nullptr) *error = nullptr;
  if (span == nullptr) return SIGIL_OK;
  return guard([&] { return report(span->recorder.end(completed_at_ns), error); });
}

void sigil_span_free(sigil_span_recorder_t *span) {
  if (span == nullptr) return;
  sigil::abi::guard_void([&] { span->recorder.end(0); });
  delete span;
}

sigil_status_t sigil_traceparent_parse(const char *header, size_t header_len, char *trace_id, char *span_id,
                                       int *sampled) {
  if (header == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  return guard([&]() -> sigil_status_t {
    std::string t, sp;
    bool s = false;
    if (!sigil::detail::parse_traceparent(std::string_view(header, header_len), t, sp, s)) {
      return SIGIL_E_INVALID_ARGUMENT;
    }
    if (trace_id != nullptr) std::memcpy(trace_id, t.c_str(), t.size() + 1);
    if (span_id != nullptr) std::memcpy(span_id, sp.c_str(), sp.size() + 1);
    if (sampled != nullptr) *sampled = s ? 1 : 0;
    return SIGIL_OK;
  });
}

sigil_status_t sigil_traceparent_format(const char *trace_id, const char *span_id, int sampled, char *buf,
                                        size_t buf_len) {
  if (trace_id == nullptr || span_id == nullptr || buf == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  return guard([&]() -> sigil_status_t {
    char out[sigil::detail::kTraceparentSize];
    std::string t, s;
    bool flag = false;
    // Formatted, then parsed back: one set of rules for what a valid one is.
    if (!sigil::detail::format_traceparent(trace_id, span_id, sampled != 0, out, sizeof out) ||
        !sigil::detail::parse_traceparent(out, t, s, flag) || buf_len < sizeof out) {
      if (buf_len > 0) buf[0] = '\0';
      return SIGIL_E_INVALID_ARGUMENT;
    }
    std::memcpy(buf, out, sizeof out);
    return SIGIL_OK;
  });
}

sigil_status_t sigil_tracestate_validate(const char *header, size_t header_len) {
  if (header == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  return guard([&]() -> sigil_status_t {
    return sigil::detail::valid_tracestate(std::string_view(header, header_len)) ? SIGIL_OK : SIGIL_E_INVALID_ARGUMENT;
  });
}

}  // extern "C"
