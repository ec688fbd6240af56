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
#include "providers/provider_api.h"
#include "telemetry/trace_context.h"

namespace sigil::detail {

class GenerationRecorder : public RecorderBase {
 public:
  GenerationRecorder() = default;  // a no-op recorder
  GenerationRecorder(std::shared_ptr<Client> client, GenerationMode mode, Generation seed, const ContextValues &context,
                     const ParentSpan &parent, Status start_error);

  const std::string &id() const { return seed_.id; }

  Status set_result_json(std::string_view json);
  Generation &result();  // typed helpers write here
  void set_call_error(std::string message, int32_t http_status);
  void set_first_token_at(int64_t unix_ns);

  // Provider mapping (lib/providers): the provider's raw request and response
  // JSON, or its stream events one at a time (accumulated until end; the
  // first event with content sets the first-token time unless one was set:
  // to `arrived_at_ns`, when the event reached the caller, or to now when 0).
  // `raw_artifacts` also keeps copies of the provider JSON as artifacts (the
  // privacy pass still decides whether they leave). A mapping problem never
  // fails the host's call: what could be mapped is kept, the problem is
  // returned for information and becomes the record's mapping error.
  Status map_provider_request(ProviderApi api, std::string_view json, bool raw_artifacts);
  Status map_provider_response(ProviderApi api, std::string_view json, bool raw_artifacts);
  Status add_provider_event(ProviderApi api, std::string_view json, bool raw_artifacts, int64_t arrived_at_ns = 0);
  // A mapping error the caller found itself (the first one wins). The record
  // is still exported; its span says error.type "mapping_error".
  void set_mapping_error(std::string message);
  // Resolves the record's content capture mode (per call > resolver >
  // client); called once at start. Without it, end uses the client's mode.
  void resolve_content_capture(ContentCaptureMode per_call, std::string_view metadata_json);
  ContentCaptureMode content_capture() const;  // the resolved mode (kDefault for a no-op recorder)
  Status end();
  // The generation as end normalized it, in the ABI's protojson form; empty
  // before end or unless the client keeps it (ClientConfig::keep_last_generation).
  const std::string &last_json() const { return last_json_; }

 private:
  void normalize(Generation &out, int64_t completed_at_ns);

  Generation seed_;
  Generation result_;
  bool result_written_ = false;  // by set_result_json or a typed helper
  GenerationFieldsSet result_set_;
  Status mapping_error_;
  std::unique_ptr<StreamAccumulator> stream_;  // from the first provider event
  ProviderApi stream_api_ = ProviderApi::kOpenAIChat;
  std::optional<ProviderApi> mapped_api_;  // the last provider API mapped
  std::optional<std::string> call_error_;
  int32_t call_error_status_ = 0;
  int64_t first_token_ns_ = 0;
  std::string last_json_;
};

}  // namespace sigil::detail
