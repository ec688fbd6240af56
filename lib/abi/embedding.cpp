// Section: Embeddings.
#include "abi/recorder_util.h"
#include "core/validation.h"

using sigil::abi::guard;
using sigil::abi::report;
using sigil::abi::take;
using sigil::detail::Status;

extern "C" {

sigil_status_t sigil_embedding_start_init(sigil_embedding_start_t *start) {
  return sigil::abi::init_versioned(start, SIGIL_EMBEDDING_START_VERSION);
}

sigil_status_t sigil_embedding_result_init(sigil_embedding_result_t *result) {
  return sigil::abi::init_versioned(result, SIGIL_EMBEDDING_RESULT_VERSION);
}

sigil_status_t sigil_embedding_start(sigil_client_t *client, const sigil_embedding_start_t *s,
                                     sigil_embedding_t **out) {
  if (out == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  *out = nullptr;
  return guard([&]() -> sigil_status_t {
    sigil_status_t usable = sigil::abi::usable_client(client);
    if (client == nullptr || s == nullptr || s->version < 1 || s->version > SIGIL_EMBEDDING_START_VERSION) {
      *out = new sigil_embedding{};
      return usable != SIGIL_OK ? usable : SIGIL_E_INVALID_ARGUMENT;
    }
    sigil::detail::EmbeddingData d;
    Status err;
    take(err, s->model_provider, "model_provider", d.model.provider);
    take(err, s->model_name, "model_name", d.model.name);
    take(err, s->agent_name, "agent_name", d.agent_name);
    take(err, s->agent_version, "agent_version", d.agent_version);
    take(err, s->encoding_format, "encoding_format", d.encoding_format);
    d.encoding_format_set = s->encoding_format != nullptr;
    if (s->has_dimensions) d.dimensions = s->dimensions;
    d.started_at_ns = s->started_at_ns;
    auto ctx =
        sigil::abi::context_values(err, nullptr, nullptr, nullptr, s->context_agent_name, s->context_agent_version);
    std::string parent, own;
    take(err, s->parent_traceparent, "parent_traceparent", parent);
    const sigil::detail::ParentSpan place = sigil::abi::parent_span(s, parent, own, client->client->config().logger);
    auto capture = sigil::detail::ContentCaptureMode::kDefault;
    if (s->version >= 2) {
      capture = sigil::detail::content_capture_mode_from_abi(s->content_capture)
                    .value_or(sigil::detail::ContentCaptureMode::kMetadataOnly);
    }
    *out = new sigil_embedding{sigil::detail::EmbeddingRecorder(client->client, std::move(d), ctx, place, err)};
    (*out)->recorder.resolve_content_capture(capture);
    return usable;  // SIGIL_E_SHUTDOWN: the recorder's end reports it too
  });
}

sigil_status_t sigil_embedding_set_result(sigil_embedding_t *e, const sigil_embedding_result_t *r) {
  if (e == nullptr || e->recorder.is_noop()) return SIGIL_OK;
  if (r == nullptr || r->version != SIGIL_EMBEDDING_RESULT_VERSION) return SIGIL_E_INVALID_ARGUMENT;
  return guard([&]() -> sigil_status_t {
    sigil::detail::EmbeddingResultData d;
    d.input_count = r->input_count;
    d.input_tokens = r->input_tokens;
    if (r->has_dimensions) d.dimensions = r->dimensions;
    Status st;
    take(st, r->response_model, "response_model", d.response_model);
    if (r->input_texts == nullptr && r->input_texts_count > 0) st = sigil::abi::invalid_argument("input_texts is NULL");
    for (size_t i = 0; st.is_ok() && i < r->input_texts_count; ++i) {
      d.input_texts.emplace_back();
      take(st, r->input_texts[i], "input_texts[]", d.input_texts.back());
    }
    if (!st.is_ok()) {
      e->recorder.record_input_error(st);
      return st.code();
    }
    e->recorder.set_result(std::move(d));
    return SIGIL_OK;
  });
}

sigil_status_t sigil_embedding_set_call_error(sigil_embedding_t *e, const char *message, size_t len,
                                              int32_t http_status) {
  if (e == nullptr || e->recorder.is_noop()) return SIGIL_OK;
  return guard([&]() -> sigil_status_t {
    std::string m;
    Status st = sigil::abi::copy_str(message, len, "call error", m);
    if (!st.is_ok()) {
      e->recorder.record_input_error(st);
      return st.code();
    }
    e->recorder.set_call_error(std::move(m), http_status);
    return SIGIL_OK;
  });
}

sigil_status_t sigil_embedding_end(sigil_embedding_t *e, sigil_error_t **error) {
  if (error != nullptr) *error = nullptr;
  if (e == nullptr) return SIGIL_OK;
  return guard([&] { return report(e->recorder.end(), error); });
}

sigil_status_t sigil_embedding_traceparent(const sigil_embedding_t *e, char *buf, size_t len) {
  if (e == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  return sigil::abi::write_traceparent(e->recorder.trace(), buf, len);
}

void sigil_embedding_free(sigil_embedding_t *e) {
  if (e == nullptr) return;
  sigil::abi::guard_void([&] {
    e->recorder.note_freed_unended("embedding");
    e->recorder.end();
  });
  delete e;
}

sigil_status_t sigil_validate_embedding_start(const sigil_embedding_start_t *s, sigil_error_t **error) {
  if (error != nullptr) *error = nullptr;
  if (s == nullptr || s->version < 1 || s->version > SIGIL_EMBEDDING_START_VERSION) {
    return report(sigil::abi::invalid_argument("start is NULL or of an unknown version"), error);
  }
  return guard([&] {
    sigil::detail::EmbeddingCheck check;
    Status st;
    take(st, s->model_provider, "model_provider", check.provider);
    take(st, s->model_name, "model_name", check.model);
    take(st, s->encoding_format, "encoding_format", check.encoding_format);
    check.encoding_format_set = s->encoding_format != nullptr;
    if (s->has_dimensions) check.start_dimensions = s->dimensions;
    return report(st.is_ok() ? sigil::detail::validate_embedding_start(check) : st, error);
  });
}

sigil_status_t sigil_validate_embedding_result(const sigil_embedding_result_t *r, sigil_error_t **error) {
  if (error != nullptr) *error = nullptr;
  if (r == nullptr || r->version != SIGIL_EMBEDDING_RESULT_VERSION) {
    return report(sigil::abi::invalid_argument("result is NULL or of an unknown version"), error);
  }
  return guard([&] {
    sigil::detail::EmbeddingCheck check;
    check.input_count = r->input_count;
    check.input_tokens = r->input_tokens;
    if (r->has_dimensions) check.result_dimensions = r->dimensions;
    return report(sigil::detail::validate_embedding_result(check), error);
  });
}

}  // extern "C"
