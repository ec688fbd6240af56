// The spool's overload path, step by step (docs/reliability.md, "The overload
// path"): encoding one generation of ~2.8 KB as the spool's record, appending
// it as a recording thread does (Spool::append_overflow) with the `none` and
// `batch` policies, and, for comparison, the copy a hand-off to a writer
// thread would cost instead. Prints median, p99, max and mean per step.
//
//   ninja -C build spool_overflow_bench && build/bench/spool_overflow_bench [records] [dir]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "encode/protobuf.h"
#include "export/spool.h"

using namespace sigil::detail;
using Clock = std::chrono::steady_clock;

namespace {

double ns_since(Clock::time_point t0) { return std::chrono::duration<double, std::nano>(Clock::now() - t0).count(); }

void report(const char *name, std::vector<double> &ns) {
  std::sort(ns.begin(), ns.end());
  double sum = 0;
  for (double v : ns) sum += v;
  std::printf("%-18s median %8.0f ns  p99 %8.0f ns  max %9.0f ns  mean %8.0f ns\n", name, ns[ns.size() / 2],
              ns[ns.size() * 99 / 100], ns.back(), sum / double(ns.size()));
}

// Shaped like bench/workload.json: system prompt, two user messages, an
// answer with a tool call, tags and metadata.
Generation workload_like() {
  Generation g;
  g.id = "gen_0123456789abcdef0123456789";
  g.conversation_id = "conv-1";
  g.model = {"openai", "gpt-4o"};
  g.agent_name = "agent";
  g.agent_version = "1.0.0";
  g.system_prompt.assign(500, 's');
  Message in;
  in.role = Role::kUser;
  Part text;
  text.text.assign(700, 'u');
  in.parts = {text};
  Message out;
  out.role = Role::kAssistant;
  Part answer;
  answer.text.assign(600, 'o');
  Part call;
  call.kind = PartKind::kToolCall;
  call.tool_call = {"call_1", "weather", std::string(120, 'j')};
  out.parts = {answer, call};
  g.input = {in, in};
  g.output = {out};
  g.tags = {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}};
  g.metadata = {{"k1", JsonValue::String("v1")}, {"k2", JsonValue::String("v2")}};
  g.started_at_ns = 1700000000000000000;
  g.completed_at_ns = g.started_at_ns + 1;
  return g;
}

}  // namespace

int main(int argc, char **argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  const std::string dir = argc > 2 ? argv[2] : "/tmp/sigil-spool-overflow-bench";
  const Generation g = workload_like();
  std::vector<double> encode;
  std::string bytes;
  for (int i = 0; i < n; ++i) {
    std::string b;
    auto t0 = Clock::now();
    encode_generation_proto(g, b);
    encode.push_back(ns_since(t0));
    bytes.swap(b);
  }
  std::printf("%d records of %zu bytes\n", n, bytes.size());
  report("encode", encode);
  for (SpoolSync sync : {SpoolSync::kNone, SpoolSync::kBatch}) {
    std::system(("rm -rf '" + dir + "'").c_str());
    SpoolConfig c;
    c.dir = dir;
    c.sync = sync;
    c.max_bytes = 1ull << 40;
    auto opened = Spool::open(c, Logger());
    if (!opened) {
      std::fprintf(stderr, "%s\n", opened.error().message().c_str());
      return 1;
    }
    std::unique_ptr<Spool> spool = std::move(opened.value());
    std::vector<double> append, copy;
    for (int i = 0; i < n; ++i) {
      SpoolRecord r;
      r.id = g.id;
      r.written_unix_ms = 1;
      auto t0 = Clock::now();
      r.payload = bytes;
      copy.push_back(ns_since(t0));
      t0 = Clock::now();
      spool->append_overflow(r);
      append.push_back(ns_since(t0));
    }
    report(sync == SpoolSync::kNone ? "append none" : "append batch", append);
    if (sync == SpoolSync::kNone) report("hand-off copy", copy);
  }
  std::system(("rm -rf '" + dir + "'").c_str());
  return 0;
}
