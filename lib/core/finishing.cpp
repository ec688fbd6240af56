// The finishing step of every record, on the finisher thread (or on the
// ending thread when the client finishes inline): the privacy pass, the
// span, the metrics and, for a generation, the sink's enqueue.
#include <algorithm>

#include "core/client.h"
#include "core/error_category.h"
#include "core/record_end.h"
#include "telemetry/genai_spans.h"
#include "telemetry/semconv.h"

namespace sigil::detail {

namespace {

// How a recorder's end classifies its failure on the span and in metrics.
struct Outcome {
  const char *error_type = nullptr;  // semconv::kErr*, or null when none
  const char *error_category = nullptr;
  std::string message;  // the span status message
};

// Every span passes the privacy pass (redaction, sanitizer) on its way out.
// A success leaves the status Unset: OpenTelemetry reserves Ok for the
// application's own explicit decision, not an instrumentation's.
void finish_span(Telemetry &telemetry, const Privacy &privacy, SpanData &span, const Outcome &outcome) {
  if (outcome.error_type != nullptr) {
    span_set_error(span, outcome.error_type, outcome.error_category, outcome.message);
  }
  privacy.apply_span(span);
  telemetry.end_span(std::move(span));
}

// Under METADATA_ONLY and FULL_WITH_METADATA_SPANS a span's error texts are
// reduced to the error category: provider messages may echo content.
std::string span_error_text(ContentCaptureMode mode, const char *category, std::string message) {
  if (spans_carry_content(mode)) return message;
  return category != nullptr && *category != '\0' ? category : semconv::kCategorySdk;
}

void erase_attribute(SpanData &span, const char *key) {
  auto &items = span.attributes.items();
  for (auto it = items.begin(); it != items.end(); ++it) {
    if (std::string_view(it->key) == key) {
      items.erase(it);
      return;
    }
  }
}

}  // namespace

void Client::finish_generation(GenerationEnd &e) {
  const Privacy &privacy = this->privacy();
  privacy.apply_generation(e.g, e.mode, e.call_category);
  SpanData span;
  if (e.want_span) {
    span = generation_span(e.g, e.trace, config_.sdk_name);
    if (!spans_carry_content(e.mode)) erase_attribute(span, semconv::kConversationTitle);
    set_cost_span_attributes(span, e.cost, config_.prices->version());
    if (e.content_kept) span.attributes.set_bool(semconv::kSamplingContent, *e.content_kept);
    if (e.exported) span.attributes.set_bool(semconv::kSamplingExported, *e.exported);
  }
  const GenerationMetricsInput metrics(e.g);
  if (e.cost.cost) {
    telemetry_->metrics().record_cost(metrics.provider, metrics.model, metrics.agent, e.cost.cost->total,
                                      e.cost.cost->estimated);
  }
  if (e.export_it) {
    Status st = e.reserved ? submit_reserved(std::move(e.g), e.reserved_bytes) : submit(std::move(e.g));
    e.reserved = false;
    e.bytes = 0;  // what the task still holds, once it is finished (Finisher's done list)
    if (!st.is_ok()) {
      e.local = std::move(st);
      e.local_type = semconv::kErrEnqueue;
    }
  }

  // A provider call error wins the classification, as in the reference.
  // Mapping errors may quote the input: category only on content-free spans.
  const std::string local_text = e.local_type == semconv::kErrMapping
                                     ? span_error_text(e.mode, semconv::kCategorySdk, e.local.message())
                                     : e.local.message();
  // Then a mapping error (the record is still exported), then local failures.
  const std::string mapping_text =
      e.mapping.is_ok() ? std::string() : span_error_text(e.mode, semconv::kCategorySdk, e.mapping.message());
  Outcome outcome;
  if (e.call_error) {
    outcome = {semconv::kErrProviderCall, e.call_category, span_error_text(e.mode, e.call_category, *e.call_error)};
  } else if (!e.mapping.is_ok()) {
    outcome = {semconv::kErrMapping, semconv::kCategorySdk, mapping_text};
  } else if (e.local_type != nullptr) {
    outcome = {e.local_type, semconv::kCategorySdk, local_text};
  }
  telemetry_->metrics().record_generation(metrics, outcome.error_type, outcome.error_category, e.first_token_ns);
  if (e.want_span) {
    if (e.call_error) {
      span_add_exception(span, semconv::kErrProviderCall, span_error_text(e.mode, e.call_category, *e.call_error),
                         span.end_ns);
    }
    if (!e.mapping.is_ok()) span_add_exception(span, semconv::kErrMapping, mapping_text, span.end_ns);
    if (!e.local.is_ok()) span_add_exception(span, sigil_status_name(e.local.code()), local_text, span.end_ns);
    finish_span(*telemetry_, privacy, span, outcome);
  }
}

void Client::abandon_generation(GenerationEnd &e) {
  if (!e.reserved) return;
  sink_->release_reservation(e.reserved_bytes);
  sink_->count_shutdown_timeout();
  e.reserved = false;
}

void Client::finish_tool_execution(ToolExecutionEnd &e) {
  const ToolExecutionData &data = e.data;
  const ContentCaptureMode mode = e.mode;
  // Tools have no export of their own: both stripped modes keep content,
  // the title and the description off the span.
  const bool include_content =
      mode == ContentCaptureMode::kFull || (mode == ContentCaptureMode::kNoToolContent && data.include_content);
  // The tool's own failure and malformed input (the reference's content
  // serialization error) are both tool_execution_error.
  Outcome outcome;
  if (e.error || !e.input_error.is_ok()) {
    outcome.error_type = semconv::kErrToolExecution;
    if (e.error) {
      outcome.message = *e.error;
      outcome.error_category = classify_error_category(e.error_status, *e.error);
      if (!e.input_error.is_ok()) outcome.message += "\n" + e.input_error.message();
    } else {
      outcome.message = e.input_error.message();
      outcome.error_category = semconv::kCategorySdk;
    }
  }
  telemetry_->metrics().record_tool_execution(data.request_provider, data.request_model, data.tool_name,
                                              data.agent_name, data.started_at_ns, e.completed_at_ns,
                                              outcome.error_type, outcome.error_category);
  if (!spans_carry_content(mode) && outcome.error_type != nullptr) {
    outcome.message = span_error_text(mode, outcome.error_category, outcome.message);
  }
  if (e.want_span) {
    ToolSpanInput in;
    in.tool_name = data.tool_name;
    in.tool_call_id = data.tool_call_id;
    in.tool_type = data.tool_type;
    if (spans_carry_content(mode)) {
      in.tool_description = data.tool_description;
      in.conversation_title = data.conversation_title;
    }
    in.conversation_id = data.conversation_id;
    in.agent_name = data.agent_name;
    in.agent_version = data.agent_version;
    in.request_model = data.request_model;
    in.request_provider = data.request_provider;
    in.started_at_ns = data.started_at_ns;
    in.completed_at_ns = e.completed_at_ns;
    SpanData span = tool_execution_span(in, e.trace, config_.sdk_name);
    if (include_content) {
      std::string arguments = tool_content_attribute(e.arguments);
      std::string result = tool_content_attribute(e.result);
      if (!arguments.empty()) span.attributes.set_string(semconv::kToolCallArguments, std::move(arguments));
      if (!result.empty()) span.attributes.set_string(semconv::kToolCallResult, std::move(result));
    }
    if (e.error) {
      span_add_exception(span, semconv::kErrToolExecution, span_error_text(mode, outcome.error_category, *e.error),
                         span.end_ns);
    }
    if (!e.input_error.is_ok()) {
      span_add_exception(span, sigil_status_name(e.input_error.code()),
                         span_error_text(mode, semconv::kCategorySdk, e.input_error.message()), span.end_ns);
    }
    finish_span(*telemetry_, privacy(), span, outcome);
  }
}

void Client::finish_embedding(EmbeddingEnd &e) {
  const EmbeddingData &data = e.data;
  const ContentCaptureMode mode = e.mode;
  Outcome outcome;
  if (e.call_error) {
    const char *category = classify_error_category(e.call_error_status, *e.call_error);
    outcome = {semconv::kErrProviderCall, category, span_error_text(mode, category, *e.call_error)};
  } else if (!e.local.is_ok()) {
    outcome = {semconv::kErrValidation, semconv::kCategorySdk, e.local.message()};
  }
  telemetry_->metrics().record_embedding(data.model.provider, data.model.name, data.agent_name, data.started_at_ns,
                                         e.completed_at_ns, e.result ? e.result->input_tokens : 0, outcome.error_type,
                                         outcome.error_category);
  if (e.want_span) {
    EmbeddingSpanInput in;
    in.provider = data.model.provider;
    in.model = data.model.name;
    in.agent_name = data.agent_name;
    in.agent_version = data.agent_version;
    in.encoding_format = data.encoding_format;
    in.start_dimensions = data.dimensions;
    in.started_at_ns = data.started_at_ns;
    in.completed_at_ns = e.completed_at_ns;
    if (e.result) {
      in.has_result = true;
      in.input_count = e.result->input_count;
      in.input_tokens = e.result->input_tokens;
      in.response_model = e.result->response_model;
      in.result_dimensions = e.result->dimensions;
      if (spans_carry_content(mode)) in.input_texts = &e.result->input_texts;
    }
    SpanData span = embedding_span(in, telemetry_->embedding_capture(), e.trace, config_.sdk_name);
    if (e.call_error) span_add_exception(span, semconv::kErrProviderCall, outcome.message, span.end_ns);
    if (!e.local.is_ok()) span_add_exception(span, sigil_status_name(e.local.code()), e.local.message(), span.end_ns);
    finish_span(*telemetry_, privacy(), span, outcome);
  }
}

void Client::finish_step_span(SpanEnd &e) {
  if (!e.want_span) return;  // spans only: nothing else to finish
  const StepSpanData &data = e.data;
  StepSpanRecord &rec = e.record;
  const bool content = spans_carry_content(e.mode);
  StepSpanInput in;
  in.kind = data.kind;
  in.name = data.name;
  in.conversation_id = data.conversation_id;
  if (content) in.conversation_title = data.conversation_title;
  in.agent_name = data.agent_name;
  in.agent_version = data.agent_version;
  in.started_at_ns = data.started_at_ns;
  in.completed_at_ns = e.completed_at_ns;
  SpanData span = step_span(in, e.trace, config_.sdk_name);
  span.names = std::move(rec.names);
  span.trace_state = data.tracestate;
  // The application's attributes after the engine's, which they never
  // replace; content only where the mode lets spans carry it.
  for (Attribute &a : rec.attributes.items()) {
    if ((a.content && !content) || span.attributes.find(a.key) != nullptr) continue;
    span.attributes.items().push_back(std::move(a));
  }
  for (SpanEvent &ev : rec.events) {
    if (!content) {
      auto &items = ev.attributes.items();
      items.erase(std::remove_if(items.begin(), items.end(), [](const Attribute &a) { return a.content; }),
                  items.end());
    }
    span.events.push_back(std::move(ev));
  }
  Outcome outcome;
  if (rec.has_error) {
    // Error texts may quote content: the error type stands in for them on
    // content-free spans.
    std::string message = content ? rec.status_message : rec.error_type;
    span_add_exception(span, rec.error_type.c_str(), message, std::max(rec.error_time_ns, span.start_ns));
    outcome = {rec.error_type.c_str(), nullptr, std::move(message)};
  } else if (rec.status == SpanStatus::kError) {
    span.status = SpanStatus::kError;
    if (content) span.status_message = rec.status_message;
  } else {
    span.status = rec.status;
  }
  if (!e.input_error.is_ok()) {
    span_add_exception(span, sigil_status_name(e.input_error.code()),
                       span_error_text(e.mode, semconv::kCategorySdk, e.input_error.message()), span.end_ns);
  }
  finish_span(*telemetry_, privacy(), span, outcome);
}

}  // namespace sigil::detail
