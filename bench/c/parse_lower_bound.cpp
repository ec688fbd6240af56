// The lower bound of the mapping workloads: parse the same provider bytes
// once with simdjson's DOM parser (the engine's parser) and touch every value
// once. No model, no copies out of the document, no recorder.
//
//   parse_lower_bound '<params json>'   (bench/README.md: mapping_response, mapping_stream)
//
// One timed operation is what one mapped call reads: the request and the
// response body, or the request and every stream event. The bytes are the
// caller's (not padded), passed as the engine passes them.
#include <simdjson.h>

#include <cjson/cJSON.h>

#include <string>
#include <string_view>
#include <vector>

#include "bench_util.h"

namespace {

const char *str_param(const cJSON *obj, const char *key, const char *def) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) && v->valuestring[0] != '\0' ? v->valuestring : def;
}

double num_param(const cJSON *obj, const char *key, double def) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) ? v->valuedouble : def;
}

std::string read_text(const char *path) {
  char *text = bench_read_file(path);
  if (text == nullptr) {
    fprintf(stderr, "parse_lower_bound: cannot read %s\n", path);
    exit(2);
  }
  std::string s(text);
  free(text);
  return s;
}

// Visits every value: string lengths and key lengths, numbers, booleans.
uint64_t touch(simdjson::dom::element e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::OBJECT: {
      uint64_t acc = 0;
      for (auto field : simdjson::dom::object(e)) acc += field.key.size() + touch(field.value);
      return acc;
    }
    case element_type::ARRAY: {
      uint64_t acc = 0;
      for (auto v : simdjson::dom::array(e)) acc += touch(v);
      return acc;
    }
    case element_type::STRING:
      return std::string_view(e).size();
    case element_type::INT64:
      return static_cast<uint64_t>(int64_t(e));
    case element_type::UINT64:
      return uint64_t(e);
    case element_type::DOUBLE:
      return static_cast<uint64_t>(double(e) * 1000);
    case element_type::BOOL:
      return bool(e) ? 1 : 0;
    case element_type::NULL_VALUE:
      return 0;
  }
  return 0;
}

simdjson::dom::parser parser;

uint64_t parse_and_touch(std::string_view bytes) {
  simdjson::dom::element root;
  if (parser.parse(bytes.data(), bytes.size()).get(root) != simdjson::SUCCESS) {
    fprintf(stderr, "parse_lower_bound: a fixture does not parse\n");
    exit(2);
  }
  return touch(root);
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: parse_lower_bound '<params json>' (see bench/README.md)\n");
    return 2;
  }
  cJSON *pj = cJSON_Parse(argv[1]);
  if (pj == nullptr) {
    fprintf(stderr, "parse_lower_bound: params are not JSON\n");
    return 2;
  }
  const bool stream = std::string_view(str_param(pj, "workload", "")) == "mapping_stream";
  const long n = static_cast<long>(num_param(pj, "n", 10000));
  const long warmup = static_cast<long>(num_param(pj, "warmup", 1000));
  const std::string request = read_text(str_param(pj, "request_file", ""));
  std::string response;
  std::vector<std::string> events;
  if (stream) {
    const std::string all = read_text(str_param(pj, "stream_file", ""));
    size_t pos = 0;
    while (pos < all.size()) {
      size_t nl = all.find('\n', pos);
      if (nl == std::string::npos) nl = all.size();
      if (nl > pos) events.push_back(all.substr(pos, nl - pos));
      pos = nl + 1;
    }
  } else {
    response = read_text(str_param(pj, "response_file", ""));
  }

  volatile uint64_t sink = 0;  // keeps the walk from being optimized away
  auto once = [&] {
    uint64_t acc = parse_and_touch(request);
    if (stream) {
      for (const auto &ev : events) acc += parse_and_touch(ev);
    } else {
      acc += parse_and_touch(response);
    }
    sink = sink + acc;
  };
  for (long i = 0; i < warmup; i++) once();
  std::vector<int64_t> samples(static_cast<size_t>(n));
  const long long rss_base = bench_rss_now_bytes();
  const double cpu0 = bench_cpu_s();
  const int64_t t0 = bench_now_ns();
  for (long i = 0; i < n; i++) {
    const int64_t a = bench_now_ns();
    once();
    samples[static_cast<size_t>(i)] = bench_now_ns() - a;
  }
  const int64_t t1 = bench_now_ns();
  const double cpu1 = bench_cpu_s();
  printf("{\"ops\": %ld, \"events\": %zu, ", n, events.size());
  bench_print_caller(stdout, samples.data(), samples.size());
  printf(", \"wall_s\": %.6f, \"cpu_s\": %.6f, \"rss_baseline_bytes\": %lld, \"rss_peak_bytes\": %lld}\n",
         static_cast<double>(t1 - t0) / 1e9, cpu1 - cpu0, rss_base, bench_rss_peak_bytes());
  cJSON_Delete(pj);
  return 0;
}
