#include "core/tool_execution_recorder.h"

#include "base/timefmt.h"
#include "core/record_end.h"

namespace sigil::detail {

ToolExecutionRecorder::ToolExecutionRecorder(std::shared_ptr<Client> client, ToolExecutionData data,
                                             const ContextValues &ctx, const ParentSpan &parent, Status start_error)
    : RecorderBase(std::move(client), std::move(start_error), parent), data_(std::move(data)) {
  const ClientConfig &cfg = client_->config();
  fill_if_empty(data_.conversation_id, ctx.conversation_id);
  fill_if_empty(data_.conversation_title, ctx.conversation_title);
  fill_if_empty(data_.agent_name, ctx.agent_name);
  fill_if_empty(data_.agent_version, ctx.agent_version);
  fill_if_empty(data_.agent_name, cfg.agent_name);
  fill_if_empty(data_.agent_version, cfg.agent_version);
  if (data_.started_at_ns == 0) data_.started_at_ns = now_unix_ns();
}

void ToolExecutionRecorder::set_result(std::string arguments, std::string result, int64_t completed_at_ns) {
  arguments_ = std::move(arguments);
  result_ = std::move(result);
  completed_at_ns_ = completed_at_ns;
}

void ToolExecutionRecorder::set_error(std::string message, int32_t http_status) {
  error_ = std::move(message);
  error_status_ = http_status;
}

void ToolExecutionRecorder::resolve_content_capture(ContentCaptureMode per_call) {
  resolve_capture(per_call, SIGIL_RECORD_TOOL_EXECUTION, {});
}

Status ToolExecutionRecorder::end() {
  if (auto done = begin_end("tool execution")) return *done;
  auto end = std::make_unique<ToolExecutionEnd>();
  ToolExecutionEnd &e = *end;
  e.client = client_.get();
  e.mode = capture_mode();
  e.completed_at_ns = completed_at_ns_ != 0 ? completed_at_ns_ : now_unix_ns();
  e.data = std::move(data_);
  e.arguments = std::move(arguments_);
  e.result = std::move(result_);
  e.error = std::move(error_);
  e.error_status = error_status_;
  e.input_error = input_error_;
  e.want_span = wants_span();
  if (e.want_span) e.trace = trace_;
  e.bytes = sizeof(ToolExecutionEnd) + e.arguments.size() + e.result.size();
  client_->end_tool_execution(std::move(end));
  return input_error_;
}

}  // namespace sigil::detail
