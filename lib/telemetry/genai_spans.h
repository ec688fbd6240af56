// The GenAI spans of the Sigil semantic conventions: names, kinds and
// attributes for generation, tool-execution and embedding spans, and the
// error/exception decorations. Pure functions of the recorded data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/model.h"
#include "telemetry/semconv.h"
#include "telemetry/trace_context.h"
#include "base/span.h"

namespace sigil::detail {

// Capture of embedding input texts on spans (reference defaults).
struct EmbeddingCaptureConfig {
  bool capture_input = false;
  uint32_t max_input_items = 20;
  uint32_t max_text_length = 1024;  // Unicode code points, "..." included
};

// The operation name as spans and metrics report it: the trimmed operation
// name, or the mode's default ("generateText" / "streamText").
std::string generation_operation_name(const Generation &g);
// "<operation> <model>", or "<operation>" without a model.
std::string generation_span_name(const Generation &g);
std::string tool_span_name(std::string_view tool_name);   // "execute_tool <tool|unknown>"
std::string embedding_span_name(std::string_view model);  // "embeddings[ <model>]"

// A CLIENT span for a normalized generation (timestamps from the generation).
SpanData generation_span(const Generation &g, const TraceContext &tc, const std::string &sdk_name);

struct ToolSpanInput {
  std::string_view tool_name, tool_call_id, tool_type, tool_description, conversation_id, conversation_title,
      agent_name, agent_version, request_model, request_provider;
  int64_t started_at_ns = 0;
  int64_t completed_at_ns = 0;
};
// An INTERNAL execute_tool span (content attributes are added by the caller).
SpanData tool_execution_span(const ToolSpanInput &in, const TraceContext &tc, const std::string &sdk_name);

// Spans an application starts itself: the kinds of sigil.h (SIGIL_STEP_*).
enum class StepKind : uint32_t { kAgent = 1, kChain, kRetriever, kWorkflow, kTask, kCustom };
// "agent", "chain", ...; nullptr for a value outside the enum.
const char *step_kind_name(uint32_t kind);

struct StepSpanInput {
  StepKind kind = StepKind::kCustom;
  std::string_view name, conversation_id, conversation_title, agent_name, agent_version;
  int64_t started_at_ns = 0;
  int64_t completed_at_ns = 0;
};
// An INTERNAL span of an application step. An agent follows the GenAI
// conventions (gen_ai.operation.name "invoke_agent", named "invoke_agent
// <agent>"); every kind carries sigil.span.kind. The caller adds the
// application's own attributes and events after these.
SpanData step_span(const StepSpanInput &in, const TraceContext &tc, const std::string &sdk_name);

// Tool arguments/results as span attribute text: trimmed JSON is kept as is,
// anything else becomes a JSON string. Empty input gives "" (omitted).
std::string tool_content_attribute(std::string_view raw);

struct EmbeddingSpanInput {
  std::string_view provider, model, agent_name, agent_version, encoding_format;
  std::optional<int64_t> start_dimensions;
  bool has_result = false;
  int64_t input_count = 0;
  int64_t input_tokens = 0;
  std::string_view response_model;
  std::optional<int64_t> result_dimensions;
  const std::vector<std::string> *input_texts = nullptr;
  int64_t started_at_ns = 0;
  int64_t completed_at_ns = 0;
};
SpanData embedding_span(const EmbeddingSpanInput &in, const EmbeddingCaptureConfig &capture, const TraceContext &tc,
                        const std::string &sdk_name);

// The first `max_input_items` texts, each cut to `max_text_length` code
// points (ending in "..." when cut), as the reference captures them.
std::vector<std::string> capture_embedding_texts(const std::vector<std::string> &texts,
                                                 const EmbeddingCaptureConfig &capture);
std::string truncate_code_points(std::string_view text, size_t max_code_points);

// An "exception" event (exception.type, exception.message) at `time_ns`.
void span_add_exception(SpanData &span, const char *exception_type, std::string message, int64_t time_ns);
// Status ERROR with `message`, plus error.type and error.category.
void span_set_error(SpanData &span, const char *error_type, const char *error_category, std::string message);

// The metadata value at `key`, when it is an integer (number or string).
std::optional<int64_t> int_from_metadata(const Metadata &metadata, const char *key);

// The metadata thinking budget, when it is an integer (number or string).
inline std::optional<int64_t> thinking_budget_from_metadata(const Metadata &metadata) {
  return int_from_metadata(metadata, semconv::kMetaThinkingBudget);
}

}  // namespace sigil::detail
