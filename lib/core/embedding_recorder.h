// Records one embedding call: spans and metrics only (no export of its own).
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
#include "providers/provider_api.h"
#include "telemetry/trace_context.h"

namespace sigil::detail {

struct EmbeddingData {
  ModelRef model;
  std::string agent_name, agent_version, encoding_format;
  bool encoding_format_set = false;
  std::optional<int64_t> dimensions;
  int64_t started_at_ns = 0;
};

struct EmbeddingResultData {
  int64_t input_count = 0;
  int64_t input_tokens = 0;
  std::string response_model;
  std::optional<int64_t> dimensions;
  std::vector<std::string> input_texts;
};

class EmbeddingRecorder : public RecorderBase {
 public:
  EmbeddingRecorder() = default;
  EmbeddingRecorder(std::shared_ptr<Client> client, EmbeddingData data, const ContextValues &context,
                    const ParentSpan &parent, Status start_error);

  void set_result(EmbeddingResultData result);
  // Maps the provider's embedding request and/or response JSON (either may be
  // empty): start fields the host left unset are filled from the request, and
  // the result comes from the response. What could be mapped is kept; a
  // problem is returned for information only.
  Status map_provider(ProviderApi api, std::string_view request_json, std::string_view response_json);
  void set_call_error(std::string message, int32_t http_status);
  void resolve_content_capture(ContentCaptureMode per_call);
  Status end();

 private:
  Status validate() const;  // the local error end reports (input, then reference rules)

  EmbeddingData data_;
  std::optional<EmbeddingResultData> result_;
  std::optional<std::string> call_error_;
  int32_t call_error_status_ = 0;
};

}  // namespace sigil::detail
