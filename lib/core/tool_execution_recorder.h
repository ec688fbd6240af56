// Records one tool execution: spans and metrics only (no export of its own).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/model.h"
#include "base/status.h"
#include "core/client.h"
#include "core/content_capture.h"
#include "core/recorder_context.h"
#include "telemetry/trace_context.h"

namespace sigil::detail {

struct ToolExecutionData {
  std::string tool_name, tool_call_id, tool_type, tool_description, conversation_id, conversation_title, agent_name,
      agent_version, request_model, request_provider;
  bool include_content = false;
  int64_t started_at_ns = 0;
};

class ToolExecutionRecorder : public RecorderBase {
 public:
  ToolExecutionRecorder() = default;
  ToolExecutionRecorder(std::shared_ptr<Client> client, ToolExecutionData data, const ContextValues &context,
                        const ParentSpan &parent, Status start_error);

  void set_result(std::string arguments, std::string result, int64_t completed_at_ns);
  void set_error(std::string message, int32_t http_status);
  void resolve_content_capture(ContentCaptureMode per_call);
  Status end();

 private:
  ToolExecutionData data_;
  std::string arguments_, result_;
  int64_t completed_at_ns_ = 0;
  std::optional<std::string> error_;
  int32_t error_status_ = 0;
};

}  // namespace sigil::detail
