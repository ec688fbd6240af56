#include "core/generation_recorder.h"

#include "base/random_ids.h"
#include "base/saturating.h"
#include "base/strings.h"
#include "base/timefmt.h"
#include "core/error_category.h"
#include "core/record_end.h"
#include "core/validation.h"
#include "encode/protojson.h"
#include "telemetry/semconv.h"

namespace sigil::detail {

namespace {

constexpr const char *kMetaSdkName = "sigil.sdk.name";
constexpr const char *kMetaTitle = "sigil.conversation.title";
constexpr const char *kMetaUserId = "sigil.user.id";
constexpr const char *kMetaLegacyUserId = "user.id";
constexpr const char *kMetaCallError = "call_error";

// Keys looked up on every record, built once (a lookup by `const char *`
// would build a temporary std::string each time).
const std::string &title_key() {
  static const std::string key(kMetaTitle);
  return key;
}
const std::string &user_id_key() {
  static const std::string key(kMetaUserId);
  return key;
}
const std::string &legacy_user_id_key() {
  static const std::string key(kMetaLegacyUserId);
  return key;
}

std::string metadata_string(const Metadata &md, const std::string &key) {
  auto it = md.find(key);
  if (it == md.end() || !it->second.is_string()) return std::string();
  return trim(it->second.string);
}

void take_if_empty(std::string &target, std::string &fallback) {
  if (target.empty()) target = std::move(fallback);
}

void trim_in_place(std::string &s) {
  std::string_view t = trim_view(s);
  if (t.size() == s.size()) return;
  s.erase(0, size_t(t.data() - s.data()));
  s.resize(t.size());
}

template <typename T>
void fill_if_unset(std::optional<T> &target, const std::optional<T> &fallback) {
  if (!target) target = fallback;
}

}  // namespace

GenerationRecorder::GenerationRecorder(std::shared_ptr<Client> client, GenerationMode mode, Generation seed,
                                       const ContextValues &ctx, const ParentSpan &parent, Status start_error)
    : RecorderBase(std::move(client), std::move(start_error), parent), seed_(std::move(seed)) {
  const ClientConfig &cfg = client_->config();
  if (seed_.mode == GenerationMode::kUnspecified) seed_.mode = mode;
  if (seed_.operation_name.empty()) {
    seed_.operation_name = seed_.mode == GenerationMode::kStream ? "streamText" : "generateText";
  }
  // Explicit > context > client default. Blank explicit values still block
  // the context fallback, as in the reference (they are trimmed away later).
  fill_if_empty(seed_.conversation_id, ctx.conversation_id);
  fill_if_empty(seed_.conversation_title, ctx.conversation_title);
  fill_if_empty(seed_.user_id, ctx.user_id);
  fill_if_empty(seed_.agent_name, ctx.agent_name);
  fill_if_empty(seed_.agent_version, ctx.agent_version);
  fill_if_empty(seed_.user_id, cfg.user_id);
  fill_if_empty(seed_.agent_name, cfg.agent_name);
  fill_if_empty(seed_.agent_version, cfg.agent_version);
  if (!cfg.tags.empty()) {
    Tags merged = cfg.tags;
    for (auto &kv : seed_.tags) merged[kv.first] = std::move(kv.second);
    seed_.tags = std::move(merged);
  }
  if (seed_.started_at_ns == 0) seed_.started_at_ns = now_unix_ns();
  if (seed_.id.empty()) seed_.id = new_generation_id();
}

Status GenerationRecorder::set_result_json(std::string_view json) {
  if (is_noop()) return Status::ok();
  GenerationFieldsSet set;
  if (!result_written_) {  // the usual case: parse in place, nothing to keep on failure
    Status st = parse_generation_json(json, result_, &set);
    if (!st.is_ok()) {
      result_ = Generation();
      record_input_error(st);
      return st;
    }
  } else {
    Generation parsed;
    Status st = parse_generation_json(json, parsed, &set);
    if (!st.is_ok()) {
      record_input_error(st);
      return st;
    }
    result_ = std::move(parsed);
  }
  result_written_ = true;
  result_set_ = set;
  return Status::ok();
}

Generation &GenerationRecorder::result() {
  result_written_ = true;
  return result_;
}

void GenerationRecorder::set_call_error(std::string message, int32_t http_status) {
  call_error_ = std::move(message);
  call_error_status_ = http_status;
}

void GenerationRecorder::set_first_token_at(int64_t unix_ns) {
  first_token_ns_ = unix_ns == 0 ? now_unix_ns() : unix_ns;
}

namespace {

Status api_mismatch(ProviderApi expected, ProviderApi got) {
  return Status(SIGIL_E_INVALID_ARGUMENT, "provider events of " + std::string(provider_api_name(got)) +
                                              " cannot join a stream of " + std::string(provider_api_name(expected)));
}

Status not_for_generations(ProviderApi api) {
  return Status(SIGIL_E_INVALID_ARGUMENT,
                std::string(provider_api_name(api)) + " is an embedding API: map it on an embedding recorder");
}

}  // namespace

void GenerationRecorder::set_mapping_error(std::string message) {
  if (mapping_error_.is_ok()) mapping_error_ = Status(SIGIL_E_INVALID_JSON, std::move(message));
}

Status GenerationRecorder::map_provider_request(ProviderApi api, std::string_view json, bool raw_artifacts) {
  if (is_noop() || ended_) return Status::ok();
  if (is_embedding_api(api)) return not_for_generations(api);
  ProviderMapOptions options;
  options.raw_artifacts = raw_artifacts;
  mapped_api_ = api;
  Status st = sigil::detail::map_provider_request(api, json, result(), options);
  if (!st.is_ok()) set_mapping_error("provider request: " + st.message());
  return st;
}

Status GenerationRecorder::map_provider_response(ProviderApi api, std::string_view json, bool raw_artifacts) {
  if (is_noop() || ended_) return Status::ok();
  if (is_embedding_api(api)) return not_for_generations(api);
  ProviderMapOptions options;
  options.raw_artifacts = raw_artifacts;
  mapped_api_ = api;
  Status st = sigil::detail::map_provider_response(api, json, result(), options);
  if (!st.is_ok()) set_mapping_error("provider response: " + st.message());
  return st;
}

Status GenerationRecorder::add_provider_event(ProviderApi api, std::string_view json, bool raw_artifacts,
                                              int64_t arrived_at_ns) {
  if (is_noop() || ended_) return Status::ok();
  if (is_embedding_api(api)) return not_for_generations(api);
  if (!stream_) {
    ProviderMapOptions options;
    options.raw_artifacts = raw_artifacts;
    stream_ = make_stream_accumulator(api, options);
    stream_api_ = api;
    mapped_api_ = api;
    if (!stream_) return not_for_generations(api);
  } else if (api != stream_api_) {
    Status st = api_mismatch(stream_api_, api);
    set_mapping_error(st.message());
    return st;
  }
  if (stream_->add_event(json) && first_token_ns_ == 0)
    first_token_ns_ = arrived_at_ns != 0 ? arrived_at_ns : now_unix_ns();
  return Status::ok();
}

// Normalization moves what it takes from the seed (only the id is read after
// end) and from the result, into `g`.
void GenerationRecorder::normalize(Generation &g, int64_t completed_at_ns) {
  g = std::move(result_);
  Generation &s = seed_;
  fill_if_empty(g.id, s.id);
  take_if_empty(g.conversation_id, s.conversation_id);
  take_if_empty(g.conversation_title, s.conversation_title);
  take_if_empty(g.user_id, s.user_id);
  take_if_empty(g.agent_name, s.agent_name);
  take_if_empty(g.agent_version, s.agent_version);
  if (g.mode == GenerationMode::kUnspecified) g.mode = s.mode;
  take_if_empty(g.operation_name, s.operation_name);
  take_if_empty(g.model.provider, s.model.provider);
  take_if_empty(g.model.name, s.model.name);
  take_if_empty(g.system_prompt, s.system_prompt);
  if (g.tools.empty()) g.tools = std::move(s.tools);
  fill_if_unset(g.max_tokens, s.max_tokens);
  fill_if_unset(g.temperature, s.temperature);
  fill_if_unset(g.top_p, s.top_p);
  fill_if_unset(g.tool_choice, s.tool_choice);
  fill_if_unset(g.thinking_enabled, s.thinking_enabled);
  if (g.parent_generation_ids.empty()) g.parent_generation_ids = std::move(s.parent_generation_ids);
  fill_if_unset(g.effective_version, s.effective_version);

  // Tags and metadata: start values under result values (merge moves only
  // the nodes whose keys the result does not have).
  g.tags.merge(s.tags);
  g.metadata.merge(s.metadata);

  trim_in_place(g.conversation_id);
  trim_in_place(g.agent_name);
  trim_in_place(g.agent_version);

  // Conversation title: explicit > context > metadata; blank means absent.
  trim_in_place(g.conversation_title);
  if (g.conversation_title.empty()) g.conversation_title = metadata_string(g.metadata, title_key());
  if (!g.conversation_title.empty()) g.metadata[title_key()] = JsonValue::String(g.conversation_title);

  // User id: explicit > context > sigil.user.id > user.id metadata.
  trim_in_place(g.user_id);
  if (g.user_id.empty()) g.user_id = metadata_string(g.metadata, user_id_key());
  if (g.user_id.empty()) g.user_id = metadata_string(g.metadata, legacy_user_id_key());
  if (!g.user_id.empty()) g.metadata[user_id_key()] = JsonValue::String(g.user_id);

  // SDK identity is engine-owned and always wins.
  g.metadata[kMetaSdkName] = JsonValue::String(client_->config().sdk_name);

  if (g.started_at_ns == 0) g.started_at_ns = s.started_at_ns;
  if (g.completed_at_ns == 0) g.completed_at_ns = completed_at_ns;
  if (call_error_) {
    if (g.call_error.empty()) g.call_error = *call_error_;
    g.metadata[kMetaCallError] = JsonValue::String(*call_error_);
  }
  if (g.usage.total_tokens == 0) g.usage.total_tokens = saturating_add(g.usage.input_tokens, g.usage.output_tokens);
  g.trace_id = trace_.trace_id;
  g.span_id = trace_.span_id;
}

void GenerationRecorder::resolve_content_capture(ContentCaptureMode per_call, std::string_view metadata_json) {
  resolve_capture(per_call, SIGIL_RECORD_GENERATION, metadata_json);
}

ContentCaptureMode GenerationRecorder::content_capture() const {
  if (is_noop()) return ContentCaptureMode::kDefault;
  return capture_mode();
}

Status GenerationRecorder::end() {
  if (auto done = begin_end("generation")) return *done;
  if (stream_) {  // what the stream said, also when it ended early
    Status st = stream_->finish(result());
    if (!st.is_ok()) set_mapping_error("provider stream: " + st.message());
    stream_.reset();
  }
  auto end = std::make_unique<GenerationEnd>();
  GenerationEnd &e = *end;
  e.client = client_.get();
  e.mapping = std::move(mapping_error_);
  normalize(e.g, now_unix_ns());
  if (mapped_api_) complete_provider_generation(*mapped_api_, e.g);
  e.mode = capture_mode();
  e.call_error = std::move(call_error_);
  e.call_category = e.call_error ? classify_error_category(call_error_status_, *e.call_error) : nullptr;
  e.first_token_ns = first_token_ns_;
  e.want_span = wants_span();
  if (e.want_span) e.trace = trace_;

  // Local failures: malformed input (mapping), validation; the export budget
  // (enqueue) is checked by the client. Validation sees the content as
  // recorded; the export queue, the spool and the span see only the privacy
  // pass's output.
  e.local = input_error_;
  if (!e.local.is_ok()) {
    e.local_type = semconv::kErrMapping;
  } else {
    e.local = validate_generation(e.g);
    if (!e.local.is_ok()) e.local_type = semconv::kErrValidation;
  }
  if (!e.local.is_ok()) {
    client_->count_validation_failure();
    if (e.local.code() == SIGIL_E_VALIDATION) {
      e.local = Status(e.local.code(), "generation validation failed: " + e.local.message());
    }
  }
  e.export_it = e.local.is_ok();
  client_->price_and_sample(e);  // before the copy below, so it is what the exporter receives
  if (client_->config().keep_last_generation) append_generation_json(last_json_, e.g, GenerationJsonForm::kAbi);
  return client_->end_generation(std::move(end));
}

}  // namespace sigil::detail
