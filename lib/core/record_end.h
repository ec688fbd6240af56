// A recorder's end as the caller's thread leaves it for the finishing step:
// what end() decided (the status it returned, the classification inputs) and
// the data the finisher thread turns into the export, the span and metrics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "base/model.h"
#include "base/status.h"
#include "core/client.h"
#include "core/content_capture.h"
#include "core/cost.h"
#include "core/embedding_recorder.h"
#include "core/finisher.h"
#include "core/span_recorder.h"
#include "core/tool_execution_recorder.h"
#include "telemetry/trace_context.h"

namespace sigil::detail {

struct GenerationEnd final : FinisherTask {
  Client *client = nullptr;
  Generation g;  // normalized and validated, not yet through the privacy pass
  ContentCaptureMode mode = ContentCaptureMode::kNoToolContent;
  std::optional<std::string> call_error;
  const char *call_category = nullptr;
  Status local;                      // input, validation or enqueue error
  Status mapping;                    // provider mapping error (still exported)
  const char *local_type = nullptr;  // its semconv::kErr*
  bool export_it = false;            // valid, and there is an exporter
  bool reserved = false;             // holds a queue slot of `reserved_bytes`
  size_t reserved_bytes = 0;
  bool want_span = false;
  TraceContext trace;  // when want_span
  int64_t first_token_ns = 0;
  CostOutcome cost;                  // priced (or estimated) at end (Client::price_and_sample)
  std::optional<bool> content_kept;  // the content sample's decision, when its rate is below 1
  std::optional<bool> exported;      // the export sample's decision, when its rate is below 1

  void finish() override { client->finish_generation(*this); }
  void abandon() override { client->abandon_generation(*this); }
};

struct ToolExecutionEnd final : FinisherTask {
  Client *client = nullptr;
  ToolExecutionData data;
  ContentCaptureMode mode = ContentCaptureMode::kNoToolContent;
  std::string arguments, result;
  int64_t completed_at_ns = 0;
  std::optional<std::string> error;
  int32_t error_status = 0;
  Status input_error;
  bool want_span = false;
  TraceContext trace;  // when want_span

  void finish() override { client->finish_tool_execution(*this); }
  void abandon() override {}  // spans and metrics only: nothing to account
};

struct EmbeddingEnd final : FinisherTask {
  Client *client = nullptr;
  EmbeddingData data;
  ContentCaptureMode mode = ContentCaptureMode::kNoToolContent;
  std::optional<EmbeddingResultData> result;
  std::optional<std::string> call_error;
  int32_t call_error_status = 0;
  Status local;  // input or validation error
  int64_t completed_at_ns = 0;
  bool want_span = false;
  TraceContext trace;  // when want_span

  void finish() override { client->finish_embedding(*this); }
  void abandon() override {}
};

struct SpanEnd final : FinisherTask {
  Client *client = nullptr;
  StepSpanData data;
  StepSpanRecord record;
  ContentCaptureMode mode = ContentCaptureMode::kNoToolContent;
  int64_t completed_at_ns = 0;
  Status input_error;
  bool want_span = false;
  TraceContext trace;  // when want_span

  void finish() override { client->finish_step_span(*this); }
  void abandon() override {}
};

}  // namespace sigil::detail
