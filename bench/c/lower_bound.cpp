// The lower bound of the record workload: the least any SDK must do with the
// caller's generation before it can leave the process — copy the payload once
// (the caller's buffers are only borrowed) and protobuf-encode it once. No JSON,
// validation, redaction, ids, span or metrics.
//
//   lower_bound '<params json>'      (bench/README.md; only `record` is defined)
//
// The caller's payload is the workload's fields as plain strings; each timed
// operation copies them into the engine's model and encodes a one-generation
// sigil.v1 ExportGenerationsRequest with the engine's nanopb encoder.
#include <cjson/cJSON.h>

#include <string>
#include <vector>

#include "bench_util.h"
#include "base/model.h"
#include "encode/protobuf.h"

using namespace sigil::detail;

namespace {

const char *str(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) ? v->valuestring : "";
}

// What a caller holds: borrowed strings.
struct Payload {
  struct Msg {
    Role role;
    const char *text;
    const char *call_id = nullptr, *call_name = nullptr, *call_args = nullptr;
  };
  const char *conversation_id, *agent_name, *agent_version, *provider, *model, *system_prompt;
  const char *response_id, *response_model, *stop_reason;
  std::vector<Msg> input, output;
  std::vector<std::pair<const char *, const char *>> tags, metadata;
  int64_t max_tokens, input_tokens, output_tokens, cache_read;
  double temperature;
};

Payload load(cJSON *w) {
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(w, "start");
  const cJSON *r = cJSON_GetObjectItemCaseSensitive(w, "result");
  const cJSON *m = cJSON_GetObjectItemCaseSensitive(s, "model");
  const cJSON *u = cJSON_GetObjectItemCaseSensitive(r, "usage");
  Payload p{};
  p.conversation_id = str(s, "conversation_id");
  p.agent_name = str(s, "agent_name");
  p.agent_version = str(s, "agent_version");
  p.provider = str(m, "provider");
  p.model = str(m, "name");
  p.system_prompt = str(r, "system_prompt");
  p.response_id = str(r, "response_id");
  p.response_model = str(r, "response_model");
  p.stop_reason = str(r, "stop_reason");
  p.max_tokens = (int64_t)cJSON_GetObjectItemCaseSensitive(s, "max_tokens")->valuedouble;
  p.temperature = cJSON_GetObjectItemCaseSensitive(s, "temperature")->valuedouble;
  p.input_tokens = (int64_t)cJSON_GetObjectItemCaseSensitive(u, "input_tokens")->valuedouble;
  p.output_tokens = (int64_t)cJSON_GetObjectItemCaseSensitive(u, "output_tokens")->valuedouble;
  p.cache_read = (int64_t)cJSON_GetObjectItemCaseSensitive(u, "cache_read_input_tokens")->valuedouble;
  const cJSON *it;
  cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(s, "tags")) p.tags.emplace_back(it->string, it->valuestring);
  cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r, "metadata")) {
    p.metadata.emplace_back(it->string, it->valuestring);
  }
  for (const char *side : {"input", "output"}) {
    auto &dst = side[0] == 'i' ? p.input : p.output;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r, side)) {
      Payload::Msg msg{std::string(str(it, "role")) == "user" ? Role::kUser : Role::kAssistant, str(it, "text")};
      const cJSON *tc = cJSON_GetObjectItemCaseSensitive(it, "tool_call");
      if (tc != nullptr) {
        msg.call_id = str(tc, "id");
        msg.call_name = str(tc, "name");
        msg.call_args = str(tc, "input_json");
      }
      dst.push_back(msg);
    }
  }
  return p;
}

void copy_messages(const std::vector<Payload::Msg> &src, std::vector<Message> &dst) {
  dst.reserve(src.size());
  for (const auto &m : src) {
    Message &msg = dst.emplace_back();
    msg.role = m.role;
    Part &text = msg.parts.emplace_back();
    text.text = m.text;
    if (m.call_id != nullptr) {
      Part &call = msg.parts.emplace_back();
      call.kind = PartKind::kToolCall;
      call.tool_call.id = m.call_id;
      call.tool_call.name = m.call_name;
      call.tool_call.input_json = m.call_args;
    }
  }
}

// One operation: copy once, encode once. Returns the encoded size.
size_t copy_and_encode(const Payload &p, std::string &out) {
  Generation g;
  g.conversation_id = p.conversation_id;
  g.agent_name = p.agent_name;
  g.agent_version = p.agent_version;
  g.model.provider = p.provider;
  g.model.name = p.model;
  g.system_prompt = p.system_prompt;
  g.response_id = p.response_id;
  g.response_model = p.response_model;
  g.stop_reason = p.stop_reason;
  g.max_tokens = p.max_tokens;
  g.temperature = p.temperature;
  g.usage.input_tokens = p.input_tokens;
  g.usage.output_tokens = p.output_tokens;
  g.usage.cache_read_input_tokens = p.cache_read;
  for (const auto &[k, v] : p.tags) g.tags.emplace(k, v);
  for (const auto &[k, v] : p.metadata) g.metadata.emplace(k, JsonValue::String(v));
  copy_messages(p.input, g.input);
  copy_messages(p.output, g.output);
  std::vector<const Generation *> batch{&g};
  out.clear();
  Status st = encode_export_request_proto(batch, out);
  if (!st.is_ok()) {
    fprintf(stderr, "lower_bound: encode failed\n");
    exit(2);
  }
  return out.size();
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: lower_bound '<params json>' (see bench/README.md)\n");
    return 2;
  }
  cJSON *params = cJSON_Parse(argv[1]);
  const cJSON *wf = cJSON_GetObjectItemCaseSensitive(params, "workload_file");
  char *text = bench_read_file(cJSON_IsString(wf) ? wf->valuestring : "bench/workload.json");
  if (params == nullptr || text == nullptr) {
    fprintf(stderr, "lower_bound: bad params or workload file\n");
    return 2;
  }
  cJSON *w = cJSON_Parse(text);
  Payload p = load(w);
  long n = (long)cJSON_GetObjectItemCaseSensitive(params, "n")->valuedouble;
  long warmup = (long)cJSON_GetObjectItemCaseSensitive(params, "warmup")->valuedouble;

  std::string out;
  size_t bytes = 0;
  for (long i = 0; i < warmup; i++) bytes += copy_and_encode(p, out);
  std::vector<int64_t> samples((size_t)n);
  long long rss_base = bench_rss_now_bytes();
  double cpu0 = bench_cpu_s();
  int64_t t0 = bench_now_ns();
  for (long i = 0; i < n; i++) {
    int64_t a = bench_now_ns();
    bytes += copy_and_encode(p, out);
    samples[(size_t)i] = bench_now_ns() - a;
  }
  int64_t t1 = bench_now_ns();
  double cpu1 = bench_cpu_s();
  printf("{\"ops\": %ld, ", n);
  bench_print_caller(stdout, samples.data(), samples.size());
  printf(
      ", \"wall_s\": %.6f, \"cpu_s\": %.6f, \"rss_baseline_bytes\": %lld, \"rss_peak_bytes\": %lld, "
      "\"encoded_bytes\": %zu}\n",
      (double)(t1 - t0) / 1e9, cpu1 - cpu0, rss_base, bench_rss_peak_bytes(), out.size());
  fprintf(stderr, "lower_bound: %zu bytes encoded in all\n", bytes);
  cJSON_Delete(w);
  cJSON_Delete(params);
  free(text);
  return 0;
}
