// Section: Generations.
#include "abi/recorder_util.h"
#include "core/json_input.h"
#include "core/validation.h"

using sigil::abi::guard;
using sigil::abi::report;
using sigil::abi::take;
using sigil::detail::Generation;
using sigil::detail::GenerationMode;
using sigil::detail::Message;
using sigil::detail::Part;
using sigil::detail::PartKind;
using sigil::detail::Role;
using sigil::detail::Status;

namespace {

sigil_status_t start(sigil_client_t *client, const sigil_generation_start_t *s, GenerationMode mode,
                     sigil_generation_t **out) {
  if (out == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  *out = nullptr;
  return guard([&]() -> sigil_status_t {
    sigil_status_t usable = sigil::abi::usable_client(client);
    if (client == nullptr || s == nullptr || s->version < 1 || s->version > SIGIL_GENERATION_START_VERSION) {
      *out = new sigil_generation{};  // a no-op recorder keeps host code simple
      return usable != SIGIL_OK ? usable : SIGIL_E_INVALID_ARGUMENT;
    }
    Generation seed;
    Status err;
    take(err, s->id, "id", seed.id);
    take(err, s->conversation_id, "conversation_id", seed.conversation_id);
    take(err, s->conversation_title, "conversation_title", seed.conversation_title);
    take(err, s->user_id, "user_id", seed.user_id);
    take(err, s->agent_name, "agent_name", seed.agent_name);
    take(err, s->agent_version, "agent_version", seed.agent_version);
    take(err, s->operation_name, "operation_name", seed.operation_name);
    take(err, s->model_provider, "model_provider", seed.model.provider);
    take(err, s->model_name, "model_name", seed.model.name);
    take(err, s->system_prompt, "system_prompt", seed.system_prompt);
    if (s->has_max_tokens) seed.max_tokens = s->max_tokens;
    if (s->has_temperature) seed.temperature = s->temperature;
    if (s->has_top_p) seed.top_p = s->top_p;
    if (s->tool_choice != nullptr) {
      std::string v;
      take(err, s->tool_choice, "tool_choice", v);
      seed.tool_choice = std::move(v);
    }
    if (s->has_thinking_enabled) seed.thinking_enabled = s->thinking_enabled != 0;
    auto keep_first = [&err](Status st) {
      if (!st.is_ok() && err.is_ok()) err = std::move(st);
    };
    if (s->tools_json != nullptr && s->tools_json_len > 0) {
      keep_first(sigil::detail::parse_tools_json(std::string_view(s->tools_json, s->tools_json_len), seed.tools));
    }
    if (s->tags_json != nullptr && s->tags_json_len > 0) {
      keep_first(sigil::detail::parse_tags_json(std::string_view(s->tags_json, s->tags_json_len), seed.tags));
    }
    if (s->metadata_json != nullptr && s->metadata_json_len > 0) {
      keep_first(
          sigil::detail::parse_metadata_json(std::string_view(s->metadata_json, s->metadata_json_len), seed.metadata));
    }
    seed.started_at_ns = s->started_at_ns;
    auto ctx = sigil::abi::context_values(err, s->context_conversation_id, s->context_conversation_title,
                                          s->context_user_id, s->context_agent_name, s->context_agent_version);
    std::string parent, own;
    take(err, s->parent_traceparent, "parent_traceparent", parent);
    const sigil::detail::ParentSpan place = sigil::abi::parent_span(s, parent, own, client->client->config().logger);
    // Version 2 adds content_capture; an unknown mode fails closed.
    auto capture = sigil::detail::ContentCaptureMode::kDefault;
    if (s->version >= 2) {
      capture = sigil::detail::content_capture_mode_from_abi(s->content_capture)
                    .value_or(sigil::detail::ContentCaptureMode::kMetadataOnly);
    }
    *out =
        new sigil_generation{sigil::detail::GenerationRecorder(client->client, mode, std::move(seed), ctx, place, err)};
    (*out)->recorder.resolve_content_capture(capture, s->metadata_json != nullptr
                                                          ? std::string_view(s->metadata_json, s->metadata_json_len)
                                                          : std::string_view());
    return usable;  // SIGIL_E_SHUTDOWN: the recorder's end reports it too
  });
}

// Applies a typed helper to the recorder's result, keeping the first error.
template <typename F>
sigil_status_t edit(sigil_generation_t *g, F &&fn) {
  if (g == nullptr || g->recorder.is_noop()) return SIGIL_OK;
  return guard([&]() -> sigil_status_t {
    Status st = fn(g->recorder.result());
    g->recorder.record_input_error(st);
    return st.code();
  });
}

std::vector<Message> *side_of(Generation &r, uint32_t side) {
  if (side == SIGIL_INPUT) return &r.input;
  if (side == SIGIL_OUTPUT) return &r.output;
  return nullptr;
}

template <typename F>
sigil_status_t add_part(sigil_generation_t *g, uint32_t side, F &&fill) {
  return edit(g, [&](Generation &r) -> Status {
    auto *msgs = side_of(r, side);
    if (msgs == nullptr) return Status(SIGIL_E_INVALID_ARGUMENT, "side must be SIGIL_INPUT or SIGIL_OUTPUT");
    if (msgs->empty()) return Status(SIGIL_E_INVALID_ARGUMENT, "add a message before adding parts");
    std::vector<Part> &parts = msgs->back().parts;
    Status st = fill(append_part(parts));
    if (!st.is_ok()) parts.pop_back();
    return st;
  });
}

}  // namespace

extern "C" {

sigil_status_t sigil_generation_start_init(sigil_generation_start_t *start) {
  return sigil::abi::init_versioned(start, SIGIL_GENERATION_START_VERSION);
}

sigil_status_t sigil_token_usage_init(sigil_token_usage_t *usage) {
  return sigil::abi::init_versioned(usage, SIGIL_TOKEN_USAGE_VERSION);
}

sigil_status_t sigil_generation_start(sigil_client_t *client, const sigil_generation_start_t *s,
                                      sigil_generation_t **out) {
  return start(client, s, GenerationMode::kSync, out);
}

sigil_status_t sigil_generation_start_streaming(sigil_client_t *client, const sigil_generation_start_t *s,
                                                sigil_generation_t **out) {
  return start(client, s, GenerationMode::kStream, out);
}

sigil_status_t sigil_generation_set_result_json(sigil_generation_t *g, const char *json, size_t json_len) {
  if (g == nullptr || g->recorder.is_noop()) return SIGIL_OK;
  if (json == nullptr) {
    g->recorder.record_input_error(Status(SIGIL_E_INVALID_ARGUMENT, "result json is NULL"));
    return SIGIL_E_INVALID_ARGUMENT;
  }
  return guard([&] { return g->recorder.set_result_json(std::string_view(json, json_len)).code(); });
}

sigil_status_t sigil_generation_add_message(sigil_generation_t *g, uint32_t side, uint32_t role, const char *name) {
  return edit(g, [&](Generation &r) -> Status {
    auto *msgs = side_of(r, side);
    if (msgs == nullptr) return Status(SIGIL_E_INVALID_ARGUMENT, "side must be SIGIL_INPUT or SIGIL_OUTPUT");
    if (role < SIGIL_ROLE_USER || role > SIGIL_ROLE_TOOL) return Status(SIGIL_E_INVALID_ARGUMENT, "unknown role");
    Message m;
    m.role = static_cast<Role>(role);
    Status st = sigil::abi::copy_cstr(name, "message name", m.name);
    if (!st.is_ok()) return st;
    msgs->push_back(std::move(m));
    return Status::ok();
  });
}

sigil_status_t sigil_generation_add_text(sigil_generation_t *g, uint32_t side, const char *text, size_t len) {
  return add_part(g, side, [&](Part &p) {
    p.kind = PartKind::kText;
    return sigil::abi::copy_str(text, len, "text", p.text);
  });
}

sigil_status_t sigil_generation_add_thinking(sigil_generation_t *g, uint32_t side, const char *text, size_t len) {
  return add_part(g, side, [&](Part &p) {
    p.kind = PartKind::kThinking;
    return sigil::abi::copy_str(text, len, "thinking", p.text);
  });
}

sigil_status_t sigil_generation_add_tool_call(sigil_generation_t *g, uint32_t side, const char *id, const char *name,
                                              const char *input_json, size_t input_json_len) {
  return add_part(g, side, [&](Part &p) {
    p.kind = PartKind::kToolCall;
    Status st;
    take(st, id, "tool_call.id", p.tool_call.id);
    take(st, name, "tool_call.name", p.tool_call.name);
    if (st.is_ok())
      st = sigil::abi::copy_str(input_json, input_json_len, "tool_call.input_json", p.tool_call.input_json);
    return st;
  });
}

sigil_status_t sigil_generation_add_tool_result(sigil_generation_t *g, uint32_t side, const char *tool_call_id,
                                                const char *name, const char *content, size_t content_len,
                                                int is_error) {
  return add_part(g, side, [&](Part &p) {
    p.kind = PartKind::kToolResult;
    p.tool_result.is_error = is_error != 0;
    Status st;
    take(st, tool_call_id, "tool_result.tool_call_id", p.tool_result.tool_call_id);
    take(st, name, "tool_result.name", p.tool_result.name);
    if (st.is_ok()) st = sigil::abi::copy_str(content, content_len, "tool_result.content", p.tool_result.content);
    return st;
  });
}

sigil_status_t sigil_generation_add_media(sigil_generation_t *g, uint32_t side, const char *kind, const char *url,
                                          const char *mime_type, const char *name) {
  return add_part(g, side, [&](Part &p) {
    p.kind = PartKind::kMedia;
    Status st;
    take(st, kind, "media.kind", p.media.kind);
    take(st, url, "media.url", p.media.url);
    take(st, mime_type, "media.mime_type", p.media.mime_type);
    take(st, name, "media.name", p.media.name);
    return st;
  });
}

sigil_status_t sigil_generation_set_usage(sigil_generation_t *g, const sigil_token_usage_t *u) {
  if (u == nullptr || u->version != SIGIL_TOKEN_USAGE_VERSION) return SIGIL_E_INVALID_ARGUMENT;
  return edit(g, [&](Generation &r) {
    r.usage.input_tokens = u->input_tokens;
    r.usage.output_tokens = u->output_tokens;
    r.usage.total_tokens = u->total_tokens;
    r.usage.cache_read_input_tokens = u->cache_read_input_tokens;
    r.usage.cache_write_input_tokens = u->cache_write_input_tokens;
    r.usage.cache_creation_input_tokens = u->cache_creation_input_tokens;
    r.usage.reasoning_tokens = u->reasoning_tokens;
    return Status::ok();
  });
}

sigil_status_t sigil_generation_set_response(sigil_generation_t *g, const char *response_id, const char *response_model,
                                             const char *stop_reason) {
  return edit(g, [&](Generation &r) {
    Status st;
    if (response_id != nullptr) take(st, response_id, "response_id", r.response_id);
    if (response_model != nullptr) take(st, response_model, "response_model", r.response_model);
    if (stop_reason != nullptr) take(st, stop_reason, "stop_reason", r.stop_reason);
    return st;
  });
}

sigil_status_t sigil_generation_set_agent(sigil_generation_t *g, const char *agent_name, const char *agent_version) {
  return edit(g, [&](Generation &r) {
    Status st;
    if (agent_name != nullptr) take(st, agent_name, "agent_name", r.agent_name);
    if (agent_version != nullptr) take(st, agent_version, "agent_version", r.agent_version);
    return st;
  });
}

sigil_status_t sigil_generation_set_tag(sigil_generation_t *g, const char *key, const char *value) {
  if (key == nullptr || value == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  return edit(g, [&](Generation &r) {
    std::string k, v;
    Status st;
    take(st, key, "tag key", k);
    take(st, value, "tag value", v);
    if (st.is_ok()) r.tags[std::move(k)] = std::move(v);
    return st;
  });
}

sigil_status_t sigil_generation_set_metadata_string(sigil_generation_t *g, const char *key, const char *value) {
  if (key == nullptr || value == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  return edit(g, [&](Generation &r) {
    std::string k, v;
    Status st;
    take(st, key, "metadata key", k);
    take(st, value, "metadata value", v);
    if (st.is_ok()) r.metadata[std::move(k)] = sigil::detail::JsonValue::String(std::move(v));
    return st;
  });
}

sigil_status_t sigil_generation_set_call_error(sigil_generation_t *g, const char *message, size_t len,
                                               int32_t http_status) {
  if (g == nullptr || g->recorder.is_noop()) return SIGIL_OK;
  return guard([&]() -> sigil_status_t {
    std::string m;
    Status st = sigil::abi::copy_str(message, len, "call error", m);
    if (!st.is_ok()) {
      g->recorder.record_input_error(st);
      return st.code();
    }
    g->recorder.set_call_error(std::move(m), http_status);
    return SIGIL_OK;
  });
}

sigil_status_t sigil_generation_set_first_token_at(sigil_generation_t *g, int64_t unix_ns) {
  if (g == nullptr || g->recorder.is_noop()) return SIGIL_OK;
  g->recorder.set_first_token_at(unix_ns);
  return SIGIL_OK;
}

sigil_status_t sigil_generation_end(sigil_generation_t *g, sigil_error_t **error) {
  if (error != nullptr) *error = nullptr;
  if (g == nullptr) return SIGIL_OK;
  return guard([&] { return report(g->recorder.end(), error); });
}

const char *sigil_generation_id(const sigil_generation_t *g) {
  if (g == nullptr) return "";
  return g->recorder.id().c_str();
}

sigil_status_t sigil_generation_traceparent(const sigil_generation_t *g, char *buf, size_t len) {
  if (g == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  return sigil::abi::write_traceparent(g->recorder.trace(), buf, len);
}

void sigil_generation_free(sigil_generation_t *g) {
  if (g == nullptr) return;
  sigil::abi::guard_void([&] {
    if (!g->recorder.ended()) {
      g->recorder.note_freed_unended("generation");
      g->recorder.end();
    }
  });
  delete g;
}

sigil_status_t sigil_generation_last_json(const sigil_generation_t *g, char **json_out, size_t *json_len,
                                          sigil_error_t **error) {
  sigil::abi::reset_json_out(json_out, json_len, error);
  if (g == nullptr || json_out == nullptr) {
    return report(sigil::abi::invalid_argument("generation or json_out is NULL"), error);
  }
  return guard([&] {
    const std::string &json = g->recorder.last_json();
    if (json.empty()) return SIGIL_OK;
    return sigil::abi::hand_out_json(json, Status::ok(), json_out, json_len, error);
  });
}

sigil_status_t sigil_validate_generation_json(const char *json, size_t len, sigil_error_t **error) {
  if (error != nullptr) *error = nullptr;
  if (json == nullptr) return report(sigil::abi::invalid_argument("json is NULL"), error);
  return guard([&] {
    Generation g;
    Status st = sigil::detail::parse_generation_json(std::string_view(json, len), g);
    if (st.is_ok()) st = sigil::detail::validate_generation(g);
    return report(st, error);
  });
}

}  // extern "C"
