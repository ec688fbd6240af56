#include "providers/provider_api.h"

#include "base/json_writer.h"
#include "base/saturating.h"
#include "base/strings.h"
#include "providers/mappers.h"
#include "providers/provider_json.h"

namespace sigil::detail {

namespace {

struct ApiInfo {
  ProviderApi api;
  std::string_view name;
  std::string_view provider;
  std::string_view artifact_prefix;
};

constexpr ApiInfo kApis[] = {
    {ProviderApi::kOpenAIChat, "openai.chat", "openai", "openai.chat"},
    {ProviderApi::kOpenAIResponses, "openai.responses", "openai", "openai.responses"},
    {ProviderApi::kOpenAIEmbeddings, "openai.embeddings", "openai", "openai.embeddings"},
    {ProviderApi::kAnthropicMessages, "anthropic.messages", "anthropic", "anthropic"},
    {ProviderApi::kGeminiGenerateContent, "gemini.generate_content", "gemini", "gemini.generate_content"},
    {ProviderApi::kGeminiEmbedContent, "gemini.embed_content", "gemini", "gemini.embed_content"},
    {ProviderApi::kBedrockConverse, "bedrock.converse", "bedrock", "bedrock.converse"},
};

const ApiInfo &info(ProviderApi api) {
  for (const ApiInfo &i : kApis) {
    if (i.api == api) return i;
  }
  return kApis[0];
}

}  // namespace

Expected<ProviderApi> parse_provider_api(std::string_view name) {
  for (const ApiInfo &i : kApis) {
    if (i.name == name) return i.api;
  }
  std::string known;
  for (const ApiInfo &i : kApis) {
    if (!known.empty()) known += ", ";
    known += i.name;
  }
  return Status(SIGIL_E_INVALID_ARGUMENT, "unknown provider API \"" + std::string(name) + "\" (known: " + known + ")");
}

std::string_view provider_api_name(ProviderApi api) { return info(api).name; }
std::string_view provider_name(ProviderApi api) { return info(api).provider; }
std::string_view artifact_prefix(ProviderApi api) { return info(api).artifact_prefix; }

bool is_embedding_api(ProviderApi api) {
  return api == ProviderApi::kOpenAIEmbeddings || api == ProviderApi::kGeminiEmbedContent;
}

namespace {

std::string doc_name(ProviderApi api, const char *what) {
  std::string s(provider_api_name(api));
  s += ' ';
  s += what;
  return s;
}

Status embedding_api_error(ProviderApi api) {
  return Status(SIGIL_E_INVALID_ARGUMENT,
                std::string(provider_api_name(api)) + " is an embedding API: map it with map_provider_embedding");
}

}  // namespace

Status map_provider_request(ProviderApi api, std::string_view request_json, Generation &g,
                            const ProviderMapOptions &options) {
  if (is_embedding_api(api)) return embedding_api_error(api);
  MappingIssues issues;
  JsonReader reader(issues, provider_api_name(api));
  if (g.model.provider.empty()) g.model.provider.assign(provider_name(api));
  const std::string what = doc_name(api, "request");
  JsonElement root;
  RequestExtras extras;
  if (parse_provider_json(request_json, what.c_str(), root, issues)) {
    if (!root.is_object()) {
      issues.add(SIGIL_E_INVALID_JSON, what + ": expected a JSON object");
    } else {
      switch (api) {
        case ProviderApi::kOpenAIChat:
          map_openai_chat_request(root, reader, g, extras);
          break;
        case ProviderApi::kOpenAIResponses:
          map_openai_responses_request(root, reader, g, extras);
          break;
        case ProviderApi::kAnthropicMessages:
          map_anthropic_request(root, reader, g, extras);
          break;
        case ProviderApi::kGeminiGenerateContent:
          map_gemini_request(root, reader, g, extras);
          break;
        case ProviderApi::kBedrockConverse:
          map_bedrock_request(root, reader, g, extras);
          break;
        default:
          break;
      }
    }
  }
  if (options.raw_artifacts) {
    const std::string prefix(artifact_prefix(api));
    g.artifacts.push_back(make_json_artifact(ArtifactKind::kRequest, prefix + ".request", std::string(request_json)));
    if (extras.has_tools) {
      g.artifacts.push_back(
          make_json_artifact(ArtifactKind::kTools, prefix + ".tools", simdjson::minify(extras.tools)));
    }
  }
  return issues.status();
}

Status map_provider_response(ProviderApi api, std::string_view response_json, Generation &g,
                             const ProviderMapOptions &options) {
  if (is_embedding_api(api)) return embedding_api_error(api);
  MappingIssues issues;
  JsonReader reader(issues, provider_api_name(api));
  if (g.model.provider.empty()) g.model.provider.assign(provider_name(api));
  const std::string what = doc_name(api, "response");
  JsonElement root;
  if (parse_provider_json(response_json, what.c_str(), root, issues)) {
    if (!root.is_object()) {
      issues.add(SIGIL_E_INVALID_JSON, what + ": expected a JSON object");
    } else {
      switch (api) {
        case ProviderApi::kOpenAIChat:
          map_openai_chat_response(root, reader, g);
          break;
        case ProviderApi::kOpenAIResponses:
          map_openai_responses_response(root, reader, g);
          break;
        case ProviderApi::kAnthropicMessages:
          map_anthropic_response(root, reader, g);
          break;
        case ProviderApi::kGeminiGenerateContent:
          map_gemini_response(root, reader, g);
          break;
        case ProviderApi::kBedrockConverse:
          map_bedrock_response(root, reader, g);
          break;
        default:
          break;
      }
    }
  }
  if (g.response_model.empty()) g.response_model = g.model.name;
  if (g.usage.total_tokens == 0) g.usage.total_tokens = saturating_add(g.usage.input_tokens, g.usage.output_tokens);
  if (options.raw_artifacts) {
    g.artifacts.push_back(make_json_artifact(ArtifactKind::kResponse, std::string(artifact_prefix(api)) + ".response",
                                             std::string(response_json)));
  }
  return issues.status();
}

Status map_provider_embedding(ProviderApi api, std::string_view request_json, std::string_view response_json,
                              ProviderEmbedding &out) {
  if (!is_embedding_api(api)) {
    return Status(SIGIL_E_INVALID_ARGUMENT, std::string(provider_api_name(api)) + " is not an embedding API");
  }
  MappingIssues issues;
  JsonReader reader(issues, provider_api_name(api));
  out.provider.assign(provider_name(api));
  const bool openai = api == ProviderApi::kOpenAIEmbeddings;
  JsonElement root;
  if (!request_json.empty()) {
    const std::string what = doc_name(api, "request");
    if (parse_provider_json(request_json, what.c_str(), root, issues)) {
      if (openai)
        map_openai_embedding_request(root, reader, out);
      else
        map_gemini_embedding_request(root, reader, out);
    }
  }
  if (!response_json.empty()) {
    const std::string what = doc_name(api, "response");
    if (parse_provider_json(response_json, what.c_str(), root, issues)) {
      if (openai)
        map_openai_embedding_response(root, reader, out);
      else
        map_gemini_embedding_response(root, reader, out);
    }
  }
  return issues.status();
}

void complete_provider_generation(ProviderApi api, Generation &g) {
  if (g.model.provider.empty()) g.model.provider.assign(provider_name(api));
  if (g.model.name.empty()) g.model.name = g.response_model;
}

Status map_provider_call(ProviderApi api, const ProviderCall &call, Generation &g, const ProviderMapOptions &options) {
  if (is_embedding_api(api)) return embedding_api_error(api);
  Status first;
  auto keep = [&first](const char *part, Status st) {
    if (!st.is_ok() && first.is_ok()) first = Status(st.code(), std::string(part) + st.message());
  };
  if (call.request) keep("provider request: ", map_provider_request(api, *call.request, g, options));
  if (call.response) {
    keep("provider response: ", map_provider_response(api, *call.response, g, options));
    g.mode = GenerationMode::kSync;
  }
  if (!call.events.empty()) {
    std::unique_ptr<StreamAccumulator> stream = make_stream_accumulator(api, options);
    for (std::string_view event : call.events) stream->add_event(event);
    keep("provider stream: ", stream->finish(g));
    g.mode = GenerationMode::kStream;
  }
  complete_provider_generation(api, g);
  return first;
}

std::string provider_embedding_json(const ProviderEmbedding &e) {
  std::string out;
  JsonObjectWriter w(out);
  w.string_if("provider", e.provider);
  w.string_if("model", e.model);
  w.string_if("response_model", e.response_model);
  w.string_if("encoding_format", e.encoding_format);
  if (e.requested_dimensions) {
    w.key("requested_dimensions");
    json_append_int(out, *e.requested_dimensions);
  }
  w.key("input_count");
  json_append_int(out, e.input_count);
  w.key("input_tokens");
  json_append_int(out, e.input_tokens);
  if (e.dimensions) {
    w.key("dimensions");
    json_append_int(out, *e.dimensions);
  }
  if (!e.input_texts.empty()) {
    w.key("input_texts");
    out.push_back('[');
    for (size_t i = 0; i < e.input_texts.size(); ++i) {
      if (i) out.push_back(',');
      json_append_string(out, e.input_texts[i]);
    }
    out.push_back(']');
  }
  w.end();
  return out;
}

// StreamAccumulator ------------------------------------------------------------------

StreamAccumulator::StreamAccumulator(ProviderApi api, const ProviderMapOptions &options)
    : api_(api), options_(options) {}

void StreamAccumulator::note(std::string message) {
  if (issue_count_++ == 0) {
    first_issue_code_ = SIGIL_E_INVALID_JSON;
    first_issue_ = std::string(provider_api_name(api_)) + " stream: " + message;
  }
}

bool StreamAccumulator::add_event(std::string_view event_json) {
  std::string_view text = trim_view(event_json);
  if (text.substr(0, 5) == "data:") text = trim_view(text.substr(5));
  if (text.empty()) return false;
  const size_t index = event_count_++;
  if (text == "[DONE]") {
    on_done();
    return false;
  }
  MappingIssues issues;
  JsonReader reader(issues, provider_api_name(api_));
  const std::string what = "stream event " + std::to_string(index);
  JsonElement root;
  bool content = false;
  if (parse_provider_json(text, what.c_str(), root, issues)) {
    if (options_.raw_artifacts) {
      // As sent when it parsed cleanly; otherwise what was mapped from it, so
      // the artifact stays one JSON array.
      events_json_ += events_json_.empty() ? '[' : ',';
      if (issues.empty())
        events_json_.append(text);
      else
        events_json_ += simdjson::minify(root);
    }
    if (!root.is_object()) {
      issues.add(SIGIL_E_INVALID_JSON, what + ": expected a JSON object");
    } else {
      Event event{root, reader, index};
      content = on_event(event);
    }
  }
  if (!issues.empty()) {
    Status st = issues.status();
    if (issue_count_++ == 0) {
      first_issue_code_ = st.code();
      first_issue_ = std::string(provider_api_name(api_)) + " " + st.message();
    }
  }
  if (content && !first_content_seen_) {
    first_content_seen_ = true;
    return true;
  }
  return false;
}

Status StreamAccumulator::finish(Generation &g) {
  if (finished_) return Status(SIGIL_E_ALREADY_ENDED, "stream accumulator already finished");
  finished_ = true;
  if (g.model.provider.empty()) g.model.provider.assign(provider_name(api_));
  write(g);
  if (g.response_model.empty()) g.response_model = g.model.name;
  if (g.usage.total_tokens == 0) g.usage.total_tokens = saturating_add(g.usage.input_tokens, g.usage.output_tokens);
  if (!ended_) {
    note(event_count_ == 0 ? "no events"
                           : "ended before " + terminal_event_ + " (after " + std::to_string(event_count_) +
                                 " events): output and usage are partial");
  }
  if (options_.raw_artifacts && !events_json_.empty()) {
    g.artifacts.push_back(make_json_artifact(
        ArtifactKind::kProviderEvent, std::string(artifact_prefix(api_)) + ".stream_events", events_json_ + "]"));
  }
  if (issue_count_ == 0) return Status::ok();
  if (issue_count_ == 1) return Status(first_issue_code_, first_issue_);
  return Status(first_issue_code_, first_issue_ + " (and " + std::to_string(issue_count_ - 1) + " more)");
}

std::unique_ptr<StreamAccumulator> make_stream_accumulator(ProviderApi api, const ProviderMapOptions &options) {
  switch (api) {
    case ProviderApi::kOpenAIChat:
      return make_openai_chat_stream(options);
    case ProviderApi::kOpenAIResponses:
      return make_openai_responses_stream(options);
    case ProviderApi::kAnthropicMessages:
      return make_anthropic_stream(options);
    case ProviderApi::kGeminiGenerateContent:
      return make_gemini_stream(options);
    case ProviderApi::kBedrockConverse:
      return make_bedrock_stream(options);
    default:
      return nullptr;
  }
}

}  // namespace sigil::detail
