// Records one generation (sync or streaming): started with a seed, filled by
// the ABI JSON result or the typed helpers, ended once. Caller-thread work:
// resolution (explicit > context > metadata), normalization and validation;
// the rest happens in the client's pipeline (client.h).
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
#include "core/json_input.h"
#include "core/recorder_context.h"
#include "telemetry/trace_context.h"

namespace sigil::detail {

class GenerationRecorder {
 public:
  GenerationRecorder() = default;  // a no-op recorder
  GenerationRecorder(std::shared_ptr<Client> client, GenerationMode mode, Generation seed,
                     const ContextValues &context, std::string_view parent_traceparent, Status start_error);

  bool is_noop() const { return client_ == nullptr; }
  const std::string &id() const { return seed_.id; }
  const TraceContext &trace() const { return trace_; }
  bool ended() const { return ended_; }

  Status set_result_json(std::string_view json);
  Generation &result();  // typed helpers write here
  void record_input_error(const Status &st);
  void set_call_error(std::string message, int32_t http_status);
  void set_first_token_at(int64_t unix_ns);
  // Resolves the record's content capture mode (per call > resolver >
  // client); called once at start. Without it, end uses the client's mode.
  void resolve_content_capture(ContentCaptureMode per_call, std::string_view metadata_json);
  ContentCaptureMode content_capture() const;  // the resolved mode (kDefault for a no-op recorder)
  Status end();

 private:
  void normalize(Generation &out, int64_t completed_at_ns);

  std::shared_ptr<Client> client_;
  Generation seed_;
  Generation result_;
  bool result_written_ = false;  // by set_result_json or a typed helper
  GenerationFieldsSet result_set_;
  Status input_error_;
  std::optional<std::string> call_error_;
  int32_t call_error_status_ = 0;
  int64_t first_token_ns_ = 0;
  TraceContext trace_;
  bool ended_ = false;
  std::optional<ContentCaptureMode> capture_;
};

}  // namespace sigil::detail
