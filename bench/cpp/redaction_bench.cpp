// The redaction scanner on a typical 2 KB generation text: the engine's
// RE2::Set prefilter + per-pattern replacement (what ships), and, when
// Hyperscan is available, Hyperscan as an alternative prefilter over the
// same patterns (HS_FLAG_PREFILTER), to compare the multi-pattern scan.
//   cmake --build build --target redaction_bench && build/bench/redaction_bench
#include <benchmark/benchmark.h>

#include <string>

#include "core/privacy.h"
#include "core/redaction.h"

#ifdef SIGIL_BENCH_HYPERSCAN
#include <hs/hs.h>
#endif

using namespace sigil::detail;

namespace {

// ~2 KB of assistant-style prose with code, numbers and punctuation; `dirty`
// adds one secret, one e-mail address and one card number.
std::string typical_text(bool dirty) {
  std::string para =
      "To configure the exporter, set the endpoint to the collector address and restart the service. "
      "The batch size defaults to 100 items and the flush interval to one second; for high-volume "
      "workloads, raise the queue size to 5000 and watch the dropped counters in the stats. "
      "Example: `export SIGIL_PROTOCOL=http` then run `make demo`. Version 1.2.3 fixed issue #4821 "
      "(timeouts on 2024-05-01 at 10:32). ";
  std::string out;
  while (out.size() < 2048) out += para;
  out.resize(2048);
  if (dirty) {
    out.replace(300, 40, "ghp_abcdefghijklmnopqrstuvwxyz0123456789");
    out.replace(900, 20, "jane.doe@example.com");
    out.replace(1500, 19, "4111 1111 1111 1111");
  }
  return out;
}

void BM_Re2_Clean(benchmark::State &state) {
  Redactor r;
  const std::string text = typical_text(false);
  for (auto _ : state) {
    std::string s = text;
    benchmark::DoNotOptimize(r.redact(s, RedactTier::kFull));
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(text.size()));
}
BENCHMARK(BM_Re2_Clean);

void BM_Re2_Dirty(benchmark::State &state) {
  Redactor r;
  const std::string text = typical_text(true);
  for (auto _ : state) {
    std::string s = text;
    benchmark::DoNotOptimize(r.redact(s, RedactTier::kFull));
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(text.size()));
}
BENCHMARK(BM_Re2_Dirty);

void BM_InjectionCheck(benchmark::State &state) {
  Redactor r;
  const std::string text = typical_text(false);
  for (auto _ : state) benchmark::DoNotOptimize(r.injection_suspected(text));
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(text.size()));
}
BENCHMARK(BM_InjectionCheck);

// A whole generation (system prompt, 4 messages of ~2 KB, tool call) through
// Privacy::apply_generation with the default categories.
void BM_ApplyGeneration(benchmark::State &state) {
  Privacy p{PrivacyConfig(), Logger()};
  Generation g;
  g.system_prompt = typical_text(false).substr(0, 512);
  for (int i = 0; i < 4; ++i) {
    Message m;
    m.role = i % 2 == 0 ? Role::kUser : Role::kAssistant;
    Part part;
    part.kind = PartKind::kText;
    part.text = typical_text(i == 3);
    m.parts.push_back(part);
    g.input.push_back(m);
  }
  for (auto _ : state) {
    Generation copy = g;
    p.apply_generation(copy, ContentCaptureMode::kNoToolContent, nullptr);
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_ApplyGeneration);

#ifdef SIGIL_BENCH_HYPERSCAN
// The same prefilter decision (which patterns may occur) with Hyperscan.
struct HsDb {
  hs_database_t *db = nullptr;
  hs_scratch_t *scratch = nullptr;
  HsDb() {
    // The built-in secret/e-mail/card/ssn/phone patterns (PCRE syntax).
    static const char *patterns[] = {
        R"(\bglc_[A-Za-z0-9_-]{20,})",
        R"(\bglsa_[A-Za-z0-9_-]{20,})",
        R"(\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b)",
        R"(\bghp_[A-Za-z0-9_]{36,})",
        R"(\bgho_[A-Za-z0-9_]{36,})",
        R"(\bghs_[A-Za-z0-9_]{36,})",
        R"(\bgithub_pat_[A-Za-z0-9_]{82})",
        R"(\bsk-ant-api03-[a-zA-Z0-9_-]{93}AA)",
        R"(\bsk-ant-admin01-[a-zA-Z0-9_-]{93}AA)",
        R"(\bsk-[a-zA-Z0-9]{20}T3BlbkFJ[a-zA-Z0-9]{20})",
        R"(\bsk-proj-[a-zA-Z0-9_-]{40,})",
        R"(\bsk-svcacct-[a-zA-Z0-9_-]{40,})",
        R"(\bAIza[A-Za-z0-9_-]{35})",
        R"(-----BEGIN[A-Z ]*PRIVATE KEY-----[\s\S]*?-----END[A-Z ]*PRIVATE KEY-----)",
        R"((?:postgres|postgresql|mysql|mongodb|mongodb\+srv|redis|amqp)://[^\s'"]+@[^\s'"]+)",
        R"([Bb]earer\s+[A-Za-z0-9_.\-~+/]{20,}={0,3})",
        R"(\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})",
        R"(\bxox[bporas]-[A-Za-z0-9-]{10,})",
        R"(\b[sr]k_(?:live|test)_[A-Za-z0-9]{20,})",
        R"(\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})",
        R"(\bSK[a-f0-9]{32})",
        R"(\bnpm_[A-Za-z0-9]{36})",
        R"(\bpypi-[A-Za-z0-9_-]{50,})",
        R"(\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b)",
        R"((?:PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL|API_KEY|PRIVATE_KEY|ACCESS_KEY)\s*[=:]\s*[^\s"{}\[\],]+)",
        R"(\b\d(?:[ -]?\d){12,18}\b)",
        R"(\b\d{3}-\d{2}-\d{4}\b)",
        R"(\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b)",
        R"((?:\+[1-9]\d{7,14}\b)|(?:(?:\+1[ .-]?)?(?:\(\d{3}\) ?|\b\d{3}[ .-])\d{3}[ .-]\d{4}\b))",
    };
    const size_t n = sizeof patterns / sizeof patterns[0];
    std::vector<unsigned> flags(n, HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY);
    flags[24] |= HS_FLAG_CASELESS;
    std::vector<unsigned> ids(n);
    for (size_t i = 0; i < n; ++i) ids[i] = static_cast<unsigned>(i);
    hs_compile_error_t *err = nullptr;
    if (hs_compile_multi(patterns, flags.data(), ids.data(), static_cast<unsigned>(n), HS_MODE_BLOCK, nullptr, &db,
                         &err) != HS_SUCCESS) {
      fprintf(stderr, "hyperscan: %s (pattern %d)\n", err->message, err->expression);
      hs_free_compile_error(err);
      db = nullptr;
      return;
    }
    hs_alloc_scratch(db, &scratch);
  }
  ~HsDb() {
    hs_free_scratch(scratch);
    hs_free_database(db);
  }
};

int on_match(unsigned, unsigned long long, unsigned long long, unsigned, void *ctx) {
  ++*static_cast<int *>(ctx);
  return 0;
}

void BM_Hyperscan_Prefilter(benchmark::State &state, bool dirty) {
  static HsDb hs;
  if (hs.db == nullptr) {
    state.SkipWithError("hyperscan compile failed");
    return;
  }
  const std::string text = typical_text(dirty);
  for (auto _ : state) {
    int hits = 0;
    hs_scan(hs.db, text.data(), static_cast<unsigned>(text.size()), 0, hs.scratch, on_match, &hits);
    benchmark::DoNotOptimize(hits);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(text.size()));
}
BENCHMARK_CAPTURE(BM_Hyperscan_Prefilter, clean, false);
BENCHMARK_CAPTURE(BM_Hyperscan_Prefilter, dirty, true);
#endif

}  // namespace

BENCHMARK_MAIN();
