#include "core/embedding_recorder.h"

#include "base/timefmt.h"
#include "core/record_end.h"
#include "core/validation.h"

namespace sigil::detail {

EmbeddingRecorder::EmbeddingRecorder(std::shared_ptr<Client> client, EmbeddingData data, const ContextValues &ctx,
                                     const ParentSpan &parent, Status start_error)
    : RecorderBase(std::move(client), std::move(start_error), parent), data_(std::move(data)) {
  const ClientConfig &cfg = client_->config();
  fill_if_empty(data_.agent_name, ctx.agent_name);
  fill_if_empty(data_.agent_version, ctx.agent_version);
  fill_if_empty(data_.agent_name, cfg.agent_name);
  fill_if_empty(data_.agent_version, cfg.agent_version);
  if (data_.started_at_ns == 0) data_.started_at_ns = now_unix_ns();
}

void EmbeddingRecorder::set_result(EmbeddingResultData result) { result_ = std::move(result); }

Status EmbeddingRecorder::map_provider(ProviderApi api, std::string_view request_json, std::string_view response_json) {
  if (is_noop() || ended_) return Status::ok();
  if (!is_embedding_api(api)) {
    return Status(SIGIL_E_INVALID_ARGUMENT,
                  std::string(provider_api_name(api)) + " is not an embedding API: map it on a generation recorder");
  }
  ProviderEmbedding m;
  Status st = map_provider_embedding(api, request_json, response_json, m);
  fill_if_empty(data_.model.provider, m.provider);
  fill_if_empty(data_.model.name, m.model);
  if (!data_.dimensions && m.requested_dimensions) data_.dimensions = m.requested_dimensions;
  if (!data_.encoding_format_set && !m.encoding_format.empty()) {
    data_.encoding_format = m.encoding_format;
    data_.encoding_format_set = true;
  }
  if (!response_json.empty()) {
    EmbeddingResultData r;
    r.input_count = m.input_count;
    r.input_tokens = m.input_tokens;
    r.response_model = std::move(m.response_model);
    r.dimensions = m.dimensions;
    r.input_texts = std::move(m.input_texts);
    result_ = std::move(r);
  }
  return st;
}

void EmbeddingRecorder::set_call_error(std::string message, int32_t http_status) {
  call_error_ = std::move(message);
  call_error_status_ = http_status;
}

void EmbeddingRecorder::resolve_content_capture(ContentCaptureMode per_call) {
  resolve_capture(per_call, SIGIL_RECORD_EMBEDDING, {});
}

Status EmbeddingRecorder::end() {
  if (auto done = begin_end("embedding")) return *done;
  auto end = std::make_unique<EmbeddingEnd>();
  EmbeddingEnd &e = *end;
  e.client = client_.get();
  e.completed_at_ns = now_unix_ns();
  e.local = validate();
  e.mode = capture_mode();
  e.data = std::move(data_);
  e.result = std::move(result_);
  e.call_error = std::move(call_error_);
  e.call_error_status = call_error_status_;
  e.want_span = wants_span();
  if (e.want_span) e.trace = trace_;
  e.bytes = sizeof(EmbeddingEnd);
  if (e.result) {
    for (const std::string &t : e.result->input_texts) e.bytes += t.size();
  }
  Status local = e.local;
  client_->end_embedding(std::move(end));
  return local;
}

Status EmbeddingRecorder::validate() const {
  if (!input_error_.is_ok()) return input_error_;
  EmbeddingCheck check;
  check.provider = data_.model.provider;
  check.model = data_.model.name;
  check.start_dimensions = data_.dimensions;
  check.encoding_format = data_.encoding_format;
  check.encoding_format_set = data_.encoding_format_set;
  if (result_) {
    check.input_count = result_->input_count;
    check.input_tokens = result_->input_tokens;
    check.result_dimensions = result_->dimensions;
  }
  Status st = validate_embedding(check);
  if (!st.is_ok()) return Status(st.code(), "embedding validation failed: " + st.message());
  return Status::ok();
}

}  // namespace sigil::detail
