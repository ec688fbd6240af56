// Section: Tool executions.
#include "abi/recorder_util.h"
#include "base/strings.h"

using sigil::abi::guard;
using sigil::abi::report;
using sigil::abi::take;
using sigil::detail::Status;

extern "C" {

sigil_status_t sigil_tool_execution_start_init(sigil_tool_execution_start_t *start) {
  return sigil::abi::init_versioned(start, SIGIL_TOOL_EXECUTION_START_VERSION);
}

sigil_status_t sigil_tool_execution_start(sigil_client_t *client, const sigil_tool_execution_start_t *s,
                                          sigil_tool_execution_t **out) {
  if (out == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  *out = nullptr;
  return guard([&]() -> sigil_status_t {
    sigil_status_t usable = sigil::abi::usable_client(client);
    if (client == nullptr || s == nullptr || s->version < 1 || s->version > SIGIL_TOOL_EXECUTION_START_VERSION) {
      *out = new sigil_tool_execution{};
      return usable != SIGIL_OK ? usable : SIGIL_E_INVALID_ARGUMENT;
    }
    sigil::detail::ToolExecutionData d;
    Status err;
    take(err, s->tool_name, "tool_name", d.tool_name);
    d.tool_name = sigil::detail::trim(d.tool_name);
    if (err.is_ok() && d.tool_name.empty()) {  // as the reference: no tool name, nothing to record
      *out = new sigil_tool_execution{};
      return SIGIL_OK;
    }
    take(err, s->tool_call_id, "tool_call_id", d.tool_call_id);
    take(err, s->tool_type, "tool_type", d.tool_type);
    take(err, s->tool_description, "tool_description", d.tool_description);
    take(err, s->conversation_id, "conversation_id", d.conversation_id);
    take(err, s->conversation_title, "conversation_title", d.conversation_title);
    take(err, s->agent_name, "agent_name", d.agent_name);
    take(err, s->agent_version, "agent_version", d.agent_version);
    take(err, s->request_model, "request_model", d.request_model);
    take(err, s->request_provider, "request_provider", d.request_provider);
    d.include_content = s->include_content != 0;
    d.started_at_ns = s->started_at_ns;
    auto ctx = sigil::abi::context_values(err, s->context_conversation_id, s->context_conversation_title, nullptr,
                                          s->context_agent_name, s->context_agent_version);
    std::string parent, own;
    take(err, s->parent_traceparent, "parent_traceparent", parent);
    const sigil::detail::ParentSpan place = sigil::abi::parent_span(s, parent, own, client->client->config().logger);
    auto capture = sigil::detail::ContentCaptureMode::kDefault;
    if (s->version >= 2) {
      capture = sigil::detail::content_capture_mode_from_abi(s->content_capture)
                    .value_or(sigil::detail::ContentCaptureMode::kMetadataOnly);
    }
    *out =
        new sigil_tool_execution{sigil::detail::ToolExecutionRecorder(client->client, std::move(d), ctx, place, err)};
    (*out)->recorder.resolve_content_capture(capture);
    return usable;  // SIGIL_E_SHUTDOWN: the recorder's end reports it too
  });
}

sigil_status_t sigil_tool_execution_set_result(sigil_tool_execution_t *e, const char *arguments, size_t arguments_len,
                                               const char *result, size_t result_len, int64_t completed_at_ns) {
  if (e == nullptr || e->recorder.is_noop()) return SIGIL_OK;
  return guard([&]() -> sigil_status_t {
    std::string a, r;
    Status st = sigil::abi::copy_str(arguments, arguments_len, "arguments", a);
    if (st.is_ok()) st = sigil::abi::copy_str(result, result_len, "result", r);
    if (!st.is_ok()) {
      e->recorder.record_input_error(st);
      return st.code();
    }
    e->recorder.set_result(std::move(a), std::move(r), completed_at_ns);
    return SIGIL_OK;
  });
}

sigil_status_t sigil_tool_execution_set_error(sigil_tool_execution_t *e, const char *message, size_t len,
                                              int32_t http_status) {
  if (e == nullptr || e->recorder.is_noop()) return SIGIL_OK;
  return guard([&]() -> sigil_status_t {
    std::string m;
    Status st = sigil::abi::copy_str(message, len, "error message", m);
    if (!st.is_ok()) {
      e->recorder.record_input_error(st);
      return st.code();
    }
    e->recorder.set_error(std::move(m), http_status);
    return SIGIL_OK;
  });
}

sigil_status_t sigil_tool_execution_end(sigil_tool_execution_t *e, sigil_error_t **error) {
  if (error != nullptr) *error = nullptr;
  if (e == nullptr) return SIGIL_OK;
  return guard([&] { return report(e->recorder.end(), error); });
}

sigil_status_t sigil_tool_execution_traceparent(const sigil_tool_execution_t *e, char *buf, size_t len) {
  if (e == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  return sigil::abi::write_traceparent(e->recorder.trace(), buf, len);
}

void sigil_tool_execution_free(sigil_tool_execution_t *e) {
  if (e == nullptr) return;
  sigil::abi::guard_void([&] {
    e->recorder.note_freed_unended("tool execution");
    e->recorder.end();
  });
  delete e;
}

}  // extern "C"
