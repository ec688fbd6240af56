// Shared conversion helpers for the recorder sections.
#pragma once

#include <cstring>

#include "abi/handles.h"

namespace sigil::abi {

// Copies `in` into `out`; an invalid value is left out and its error kept
// (the first error wins) while the other fields are still copied, so spans
// and metrics keep the model and provider of a record that will be refused.
inline void take(Status &first_error, const char *in, const char *field, std::string &out) {
  Status st = copy_cstr(in, field, out);
  if (!st.is_ok() && first_error.is_ok()) first_error = std::move(st);
}

inline detail::ContextValues context_values(Status &first_error, const char *conversation_id, const char *title,
                                            const char *user_id, const char *agent_name, const char *agent_version) {
  detail::ContextValues ctx;
  take(first_error, conversation_id, "context_conversation_id", ctx.conversation_id);
  take(first_error, title, "context_conversation_title", ctx.conversation_title);
  take(first_error, user_id, "context_user_id", ctx.user_id);
  take(first_error, agent_name, "context_agent_name", ctx.agent_name);
  take(first_error, agent_version, "context_agent_version", ctx.agent_version);
  return ctx;
}

// The parent of a recorder: `traceparent`, remote unless said local, and
// the recorder's own span when the host tracer started it
// (`span_traceparent`, may be NULL; `own` holds its copy). One that does not
// parse, or whose trace is not the parent's, is logged as a warning and the
// library makes the ids instead: the record itself is not lost.
inline detail::ParentSpan parent_span_of(const std::string &traceparent, bool remote, const char *span_traceparent,
                                         std::string &own, const detail::Logger &logger) {
  detail::ParentSpan p{traceparent, remote, {}};
  if (span_traceparent == nullptr || *span_traceparent == '\0') return p;
  own = span_traceparent;
  std::string trace, span, parent_trace, parent_span_id;
  bool sampled = true;
  if (!detail::parse_traceparent(own, trace, span, sampled)) {
    logger.warn("span_traceparent is not a W3C traceparent; new ids are used");
  } else if (!traceparent.empty() && detail::parse_traceparent(traceparent, parent_trace, parent_span_id, sampled) &&
             parent_trace != trace) {
    logger.warn("span_traceparent's trace id is not parent_traceparent's; new ids are used");
  } else {
    p.own = own;
  }
  return p;
}

// The parent of a start struct: remote unless a version 3 struct says the
// traceparent names a span of this process; version 4 adds the recorder's
// own span.
template <typename Start>
detail::ParentSpan parent_span(const Start *s, const std::string &traceparent, std::string &own,
                               const detail::Logger &logger) {
  return parent_span_of(traceparent, !(s->version >= 3 && s->parent_is_local != 0),
                        s->version >= 4 ? s->span_traceparent : nullptr, own, logger);
}

// Writes a traceparent for the recorder's span into a caller buffer
// (without allocating: nothing here can throw into C).
inline sigil_status_t write_traceparent(const detail::TraceContext &tc, char *buf, size_t len) {
  if (buf == nullptr || len < detail::kTraceparentSize) return SIGIL_E_INVALID_ARGUMENT;
  if (!detail::format_traceparent(tc.trace_id, tc.span_id, tc.sampled, buf, len)) {
    buf[0] = '\0';
    return SIGIL_E_INVALID_ARGUMENT;
  }
  return SIGIL_OK;
}

// The client behind a handle, or the status a start call reports.
inline sigil_status_t usable_client(sigil_client_t *client) {
  if (client == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  if (client->client->is_shutdown()) return SIGIL_E_SHUTDOWN;
  return SIGIL_OK;
}

}  // namespace sigil::abi
