#include "telemetry/genai_spans.h"

#include <simdjson.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "base/strings.h"
#include "base/json_writer.h"
#include "telemetry/semconv.h"

namespace sigil::detail {

namespace sc = semconv;

namespace {

void set_trimmed(AttrList &a, const char *key, std::string_view v) {
  std::string_view t = trim_view(v);
  if (!t.empty()) a.set_string(key, std::string(t));
}

void set_positive(AttrList &a, const char *key, int64_t v) {
  if (v > 0) a.set_int(key, v);
}

SpanData new_span(std::string name, SpanKind kind, const TraceContext &tc, int64_t start_ns, int64_t end_ns) {
  SpanData s;
  s.name = std::move(name);
  s.kind = kind;
  s.trace_id = tc.trace_id;
  s.span_id = tc.span_id;
  s.parent_span_id = tc.parent_span_id;
  s.parent_remote = tc.parent_remote;
  s.sampled = tc.sampled;
  s.start_ns = start_ns;
  s.end_ns = end_ns < start_ns ? start_ns : end_ns;
  return s;
}

bool valid_json(std::string_view text) {
  // The DOM parser validates the whole document (on-demand would not).
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  return parser.parse(text.data(), text.size()).get(doc) == simdjson::SUCCESS;
}

}  // namespace

std::string generation_operation_name(const Generation &g) {
  std::string_view op = trim_view(g.operation_name);
  if (!op.empty()) return std::string(op);
  return g.mode == GenerationMode::kStream ? sc::kOpStream : sc::kOpGenerate;
}

std::string generation_span_name(const Generation &g) {
  std::string name = generation_operation_name(g);
  std::string_view model = trim_view(g.model.name);
  if (!model.empty()) {
    name.push_back(' ');
    name.append(model);
  }
  return name;
}

std::string tool_span_name(std::string_view tool_name) {
  std::string_view t = trim_view(tool_name);
  return std::string(sc::kOpExecuteTool) + " " + std::string(t.empty() ? std::string_view("unknown") : t);
}

std::string embedding_span_name(std::string_view model) {
  std::string_view t = trim_view(model);
  std::string name = sc::kOpEmbeddings;
  if (!t.empty()) {
    name.push_back(' ');
    name.append(t);
  }
  return name;
}

std::optional<int64_t> int_from_metadata(const Metadata &metadata, const char *key) {
  auto it = metadata.find(key);
  if (it == metadata.end()) return std::nullopt;
  const JsonValue &v = it->second;
  if (v.kind == JsonValue::Kind::kNumber) {
    double d = v.number;
    if (!std::isfinite(d) || d != std::trunc(d) || d < -9.2e18 || d > 9.2e18) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  if (v.kind == JsonValue::Kind::kString) {
    std::string t = trim(v.string);
    if (t.empty()) return std::nullopt;
    char *end = nullptr;
    errno = 0;
    long long parsed = std::strtoll(t.c_str(), &end, 10);
    if (errno != 0 || end != t.c_str() + t.size()) return std::nullopt;
    return static_cast<int64_t>(parsed);
  }
  return std::nullopt;
}

namespace {

// The framework metadata copied onto generation spans: trimmed non-empty
// strings, and the retry attempt as an integer (as the reference SDKs do).
void set_framework_attributes(AttrList &a, const Metadata &metadata) {
  if (metadata.empty()) return;
  static constexpr const char *kStringKeys[] = {
      sc::kFrameworkRunId,   sc::kFrameworkThreadId,      sc::kFrameworkParentRunId, sc::kFrameworkComponentName,
      sc::kFrameworkRunType, sc::kFrameworkLangGraphNode, sc::kFrameworkEventId,
  };
  for (const char *key : kStringKeys) {
    auto it = metadata.find(key);
    if (it != metadata.end() && it->second.kind == JsonValue::Kind::kString) set_trimmed(a, key, it->second.string);
  }
  if (auto attempt = int_from_metadata(metadata, sc::kFrameworkRetryAttempt)) {
    a.set_int(sc::kFrameworkRetryAttempt, *attempt);
  }
}

}  // namespace

SpanData generation_span(const Generation &g, const TraceContext &tc, const std::string &sdk_name) {
  SpanData s = new_span(generation_span_name(g), SpanKind::kClient, tc, g.started_at_ns, g.completed_at_ns);
  AttrList &a = s.attributes;
  a.reserve(24);
  a.set_string(sc::kOperationName, generation_operation_name(g));
  a.set_string_if(sc::kSdkName, sdk_name);
  a.set_string_if(sc::kGenerationId, g.id);
  set_trimmed(a, sc::kConversationId, g.conversation_id);
  set_trimmed(a, sc::kConversationTitle, g.conversation_title);
  set_trimmed(a, sc::kUserId, g.user_id);
  set_trimmed(a, sc::kAgentName, g.agent_name);
  set_trimmed(a, sc::kAgentVersion, g.agent_version);
  set_trimmed(a, sc::kProviderName, g.model.provider);
  set_trimmed(a, sc::kRequestModel, g.model.name);
  set_trimmed(a, sc::kResponseId, g.response_id);
  set_trimmed(a, sc::kResponseModel, g.response_model);
  if (g.max_tokens) a.set_int(sc::kRequestMaxTokens, *g.max_tokens);
  if (g.temperature) a.set_double(sc::kRequestTemperature, *g.temperature);
  if (g.top_p) a.set_double(sc::kRequestTopP, *g.top_p);
  if (g.tool_choice) set_trimmed(a, sc::kRequestToolChoice, *g.tool_choice);
  if (g.thinking_enabled) a.set_bool(sc::kRequestThinkingEnabled, *g.thinking_enabled);
  if (auto budget = thinking_budget_from_metadata(g.metadata)) a.set_int(sc::kRequestThinkingBudget, *budget);
  set_framework_attributes(a, g.metadata);
  if (!g.stop_reason.empty()) a.set_strings(sc::kFinishReasons, {g.stop_reason});
  const TokenUsage &u = g.usage;
  set_positive(a, sc::kInputTokens, u.input_tokens);
  set_positive(a, sc::kOutputTokens, u.output_tokens);
  set_positive(a, sc::kCacheReadTokens, u.cache_read_input_tokens);
  set_positive(a, sc::kCacheWriteTokens, u.cache_write_input_tokens);
  set_positive(a, sc::kCacheCreationTokens, u.cache_creation_input_tokens);
  set_positive(a, sc::kReasoningTokens, u.reasoning_tokens);
  return s;
}

SpanData tool_execution_span(const ToolSpanInput &in, const TraceContext &tc, const std::string &sdk_name) {
  SpanData s = new_span(tool_span_name(in.tool_name), SpanKind::kInternal, tc, in.started_at_ns, in.completed_at_ns);
  AttrList &a = s.attributes;
  a.reserve(16);
  a.set_string(sc::kOperationName, sc::kOpExecuteTool);
  set_trimmed(a, sc::kToolName, in.tool_name);
  a.set_string_if(sc::kSdkName, sdk_name);
  set_trimmed(a, sc::kToolCallId, in.tool_call_id);
  set_trimmed(a, sc::kToolType, in.tool_type);
  set_trimmed(a, sc::kToolDescription, in.tool_description);
  set_trimmed(a, sc::kConversationId, in.conversation_id);
  set_trimmed(a, sc::kConversationTitle, in.conversation_title);
  set_trimmed(a, sc::kAgentName, in.agent_name);
  set_trimmed(a, sc::kAgentVersion, in.agent_version);
  set_trimmed(a, sc::kProviderName, in.request_provider);
  set_trimmed(a, sc::kRequestModel, in.request_model);
  return s;
}

const char *step_kind_name(uint32_t kind) {
  switch (static_cast<StepKind>(kind)) {
    case StepKind::kAgent:
      return "agent";
    case StepKind::kChain:
      return "chain";
    case StepKind::kRetriever:
      return "retriever";
    case StepKind::kWorkflow:
      return "workflow";
    case StepKind::kTask:
      return "task";
    case StepKind::kCustom:
      return "custom";
  }
  return nullptr;
}

SpanData step_span(const StepSpanInput &in, const TraceContext &tc, const std::string &sdk_name) {
  const std::string_view name = trim_view(in.name);
  const bool agent = in.kind == StepKind::kAgent;
  // An agent without an agent name of its own is named by the span's name.
  const std::string_view agent_name = agent && trim_view(in.agent_name).empty() ? name : in.agent_name;
  std::string span_name;
  if (agent) {
    span_name = sc::kOpInvokeAgent;
    std::string_view subject = trim_view(agent_name);
    if (!subject.empty()) span_name.append(" ").append(subject);
  } else {
    span_name = name.empty() ? step_kind_name(static_cast<uint32_t>(in.kind)) : std::string(name);
  }
  SpanData s = new_span(std::move(span_name), SpanKind::kInternal, tc, in.started_at_ns, in.completed_at_ns);
  AttrList &a = s.attributes;
  a.reserve(10);
  if (agent) a.set_string(sc::kOperationName, sc::kOpInvokeAgent);
  a.set_string(sc::kSpanKind, step_kind_name(static_cast<uint32_t>(in.kind)));
  a.set_string_if(sc::kSdkName, sdk_name);
  set_trimmed(a, sc::kConversationId, in.conversation_id);
  set_trimmed(a, sc::kConversationTitle, in.conversation_title);
  set_trimmed(a, sc::kAgentName, agent_name);
  set_trimmed(a, sc::kAgentVersion, in.agent_version);
  return s;
}

std::string tool_content_attribute(std::string_view raw) {
  std::string_view t = trim_view(raw);
  if (t.empty()) return std::string();
  if (valid_json(t)) return std::string(t);
  std::string out;
  json_append_string(out, t);
  return out;
}

SpanData embedding_span(const EmbeddingSpanInput &in, const EmbeddingCaptureConfig &capture, const TraceContext &tc,
                        const std::string &sdk_name) {
  SpanData s = new_span(embedding_span_name(in.model), SpanKind::kClient, tc, in.started_at_ns, in.completed_at_ns);
  AttrList &a = s.attributes;
  a.reserve(14);
  // Start attributes, then result attributes (a result dimension count
  // replaces the requested one).
  a.set_string(sc::kOperationName, sc::kOpEmbeddings);
  a.set_string_if(sc::kSdkName, sdk_name);
  set_trimmed(a, sc::kProviderName, in.provider);
  set_trimmed(a, sc::kRequestModel, in.model);
  set_trimmed(a, sc::kAgentName, in.agent_name);
  set_trimmed(a, sc::kAgentVersion, in.agent_version);
  if (in.start_dimensions) a.set_int(sc::kEmbeddingDimensionCount, *in.start_dimensions);
  std::string_view format = trim_view(in.encoding_format);
  if (!format.empty()) a.set_strings(sc::kRequestEncodingFormats, {std::string(format)});
  if (in.has_result) a.set_int(sc::kEmbeddingInputCount, in.input_count);
  set_positive(a, sc::kInputTokens, in.input_tokens);
  set_trimmed(a, sc::kResponseModel, in.response_model);
  if (in.result_dimensions) a.set_int(sc::kEmbeddingDimensionCount, *in.result_dimensions);
  if (capture.capture_input && in.input_texts != nullptr && !in.input_texts->empty()) {
    a.set_strings(sc::kEmbeddingInputTexts, capture_embedding_texts(*in.input_texts, capture));
  }
  return s;
}

std::string truncate_code_points(std::string_view text, size_t max_cp) {
  // Count code points (lead bytes); input is valid UTF-8.
  auto cut_at = [&](size_t n) {  // byte offset after n code points
    size_t seen = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
        if (seen == n) return i;
        ++seen;
      }
    }
    return text.size();
  };
  size_t total = 0;
  for (char c : text) total += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  if (total <= max_cp) return std::string(text);
  if (max_cp <= 3) return std::string(text.substr(0, cut_at(max_cp)));
  return std::string(text.substr(0, cut_at(max_cp - 3))) + "...";
}

std::vector<std::string> capture_embedding_texts(const std::vector<std::string> &texts,
                                                 const EmbeddingCaptureConfig &capture) {
  size_t max_items = capture.max_input_items == 0 ? 20 : capture.max_input_items;
  size_t max_len = capture.max_text_length == 0 ? 1024 : capture.max_text_length;
  std::vector<std::string> out;
  size_t n = std::min(max_items, texts.size());
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(truncate_code_points(texts[i], max_len));
  return out;
}

void span_add_exception(SpanData &span, const char *exception_type, std::string message, int64_t time_ns) {
  SpanEvent e;
  e.name = sc::kExceptionEvent;
  e.time_ns = time_ns;
  e.attributes.set_string(sc::kExceptionType, exception_type);
  e.attributes.set_string_if(sc::kExceptionMessage, message);
  span.events.push_back(std::move(e));
}

void span_set_error(SpanData &span, const char *error_type, const char *error_category, std::string message) {
  span.status = SpanStatus::kError;
  span.status_message = std::move(message);
  span.attributes.set_string(sc::kErrorType, error_type);
  if (error_category != nullptr && *error_category != '\0')
    span.attributes.set_string(sc::kErrorCategory, error_category);
}

}  // namespace sigil::detail
