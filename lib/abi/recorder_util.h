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

// The parent of a start struct: remote unless a version 3 struct says the
// traceparent names a span of this process.
template <typename Start>
detail::ParentSpan parent_span(const Start *s, const std::string &traceparent) {
  return detail::ParentSpan{traceparent, !(s->version >= 3 && s->parent_is_local != 0)};
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
