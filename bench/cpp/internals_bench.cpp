// The engine's internals on the benchmark workload (bench/workload.json), one
// stage of sigil_generation_end at a time, plus the export queue:
//   cmake --build build --target internals_bench && build/bench/internals_bench
// The stages add up to roughly the C record workload's caller time; make bench
// prints both so a regression can be traced to its stage.
#include <benchmark/benchmark.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "../c/workload.h"
#include "core/json_input.h"
#include "core/privacy.h"
#include "core/validation.h"
#include "encode/protobuf.h"
#include "encode/protojson.h"
#include "export/exporter.h"
#include "export/transport.h"
#include "telemetry/genai_metrics.h"
#include "telemetry/genai_spans.h"
#include "base/random_ids.h"
#include "telemetry/trace_context.h"

using namespace sigil::detail;

namespace {

const record_t &workload() {
  static record_t rec = [] {
    record_t r;
    load_record(SIGIL_WORKLOAD_FILE, &r);
    return r;
  }();
  return rec;
}

// The workload as the engine holds it after parsing the result JSON.
Generation parsed_generation() {
  Generation g;
  const record_t &w = workload();
  if (!parse_generation_json(std::string_view(w.result_json, w.result_len), g).is_ok()) abort();
  g.id = "gen_0123456789abcdef";
  g.conversation_id = w.start.conversation_id;
  g.agent_name = w.start.agent_name;
  g.agent_version = w.start.agent_version;
  g.model.provider = w.start.model_provider;
  g.model.name = w.start.model_name;
  g.mode = GenerationMode::kSync;
  g.operation_name = "generateText";
  g.started_at_ns = 1700000000000000000;
  g.completed_at_ns = 1700000000250000000;
  g.trace_id = "0af7651916cd43dd8448eb211c80319c";
  g.span_id = "b7ad6b7169203331";
  return g;
}

void BM_ParseResultJson(benchmark::State &state) {
  const record_t &w = workload();
  for (auto _ : state) {
    Generation g;
    benchmark::DoNotOptimize(parse_generation_json(std::string_view(w.result_json, w.result_len), g));
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(w.result_len));
}
BENCHMARK(BM_ParseResultJson);

void BM_Validate(benchmark::State &state) {
  Generation g = parsed_generation();
  for (auto _ : state) benchmark::DoNotOptimize(validate_generation(g));
}
BENCHMARK(BM_Validate);

void BM_CopyGeneration(benchmark::State &state) {
  Generation g = parsed_generation();
  for (auto _ : state) {
    Generation copy = g;
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_CopyGeneration);

// The privacy pass with the default settings (no_tool_content, every
// built-in redaction category) on a copy of the generation.
void BM_PrivacyDefault(benchmark::State &state) {
  Privacy privacy(PrivacyConfig{}, Logger());
  Generation g = parsed_generation();
  for (auto _ : state) {
    state.PauseTiming();
    Generation copy = g;
    state.ResumeTiming();
    privacy.apply_generation(copy, ContentCaptureMode::kNoToolContent, nullptr);
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_PrivacyDefault);

void BM_GenerationSpan(benchmark::State &state) {
  Generation g = parsed_generation();
  TraceContext tc = start_trace(ParentSpan{});
  const std::string sdk = "sdk-c";
  for (auto _ : state) benchmark::DoNotOptimize(generation_span(g, tc, sdk));
}
BENCHMARK(BM_GenerationSpan);

void BM_MetricsRecord(benchmark::State &state) {
  GenAIMetrics metrics(1);
  Generation g = parsed_generation();
  for (auto _ : state) metrics.record_generation(g, "", "", 0);
}
BENCHMARK(BM_MetricsRecord);

void BM_EncodeProtobuf(benchmark::State &state) {
  Generation g = parsed_generation();
  std::vector<const Generation *> batch{&g};
  std::string out;
  for (auto _ : state) {
    out.clear();
    benchmark::DoNotOptimize(encode_export_request_proto(batch, out));
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(out.size()));
}
BENCHMARK(BM_EncodeProtobuf);

void BM_EncodeProtojson(benchmark::State &state) {
  Generation g = parsed_generation();
  std::vector<const Generation *> batch{&g};
  std::string out;
  for (auto _ : state) {
    out.clear();
    append_export_request_json(out, batch);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(out.size()));
}
BENCHMARK(BM_EncodeProtojson);

// A batch of 100 as the gRPC transport encodes it per request.
void BM_EncodeProtobufBatch100(benchmark::State &state) {
  std::vector<Generation> gens(100, parsed_generation());
  std::vector<const Generation *> batch;
  for (const auto &g : gens) batch.push_back(&g);
  std::string out;
  for (auto _ : state) {
    out.clear();
    benchmark::DoNotOptimize(encode_export_request_proto(batch, out));
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * 100);
}
BENCHMARK(BM_EncodeProtobufBatch100);

// The export queue: the caller's enqueue while the worker drains into a
// transport that accepts every batch at once (no network: this measures the
// queue and batching, not I/O).
class AcceptingTransport : public GenerationTransport {
 public:
  Status encode(const std::vector<const Generation *> &batch, std::string &payload) override {
    payload.assign(batch.size(), 'x');
    return Status::ok();
  }
  AttemptResult send(const std::string &payload, uint32_t, const std::atomic<bool> &) override {
    AttemptResult r;
    r.outcome = AttemptResult::Outcome::kAccepted;
    r.items.resize(payload.size());
    for (auto &item : r.items) item.accepted = true;
    return r;
  }
  const char *name() const override { return "accepting"; }
};

void BM_QueueEnqueue(benchmark::State &state) {
  ExportConfig config;
  config.queue_size = 1u << 20;
  config.queue_max_bytes = 1ull << 34;
  Exporter exporter(config, std::make_unique<AcceptingTransport>(), Logger());
  Generation g = parsed_generation();
  for (auto _ : state) {
    state.PauseTiming();
    Generation copy = g;
    state.ResumeTiming();
    benchmark::DoNotOptimize(exporter.enqueue(std::move(copy), 3000));
  }
  exporter.flush(Exporter::Clock::now() + std::chrono::seconds(30));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_QueueEnqueue);

}  // namespace

BENCHMARK_MAIN();
