// Shared body of the provider mapper fuzz targets (fuzz_provider_*.cpp).
// Byte 0 picks the API among the target's family and the mode (bit 7 asks
// for raw artifacts): request,
// response, or stream (the rest split into events at '\n'); embedding APIs
// take "request \x1e response". Whatever the bytes, the mapper must return
// (never crash, never throw), report only mapping status codes, and hand the
// model valid UTF-8 everywhere and valid JSON in every JSON-valued field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "json_check.h"
#include "providers/provider_api.h"

namespace sigil_fuzz {

using sigil::detail::Generation;
using sigil::detail::Part;
using sigil::detail::PartKind;
using sigil::detail::ProviderApi;

inline void check_status(const sigil::detail::Status &st) {
  const auto c = st.code();
  if (c != SIGIL_OK && c != SIGIL_E_INVALID_JSON && c != SIGIL_E_INVALID_UTF8) __builtin_trap();
  if (!utf8_ok(st.message())) __builtin_trap();
}

inline void check_text(std::string_view s) {
  if (!utf8_ok(s)) __builtin_trap();
}

inline void check_json_field(std::string_view s) {
  if (!s.empty() && !strict_json(s)) __builtin_trap();
}

inline void check_generation(const Generation &g) {
  for (std::string_view s :
       {std::string_view(g.model.provider), std::string_view(g.model.name), std::string_view(g.response_id),
        std::string_view(g.response_model), std::string_view(g.system_prompt), std::string_view(g.stop_reason)}) {
    check_text(s);
  }
  if (g.tool_choice) check_text(*g.tool_choice);
  for (const auto *msgs : {&g.input, &g.output}) {
    for (const auto &m : *msgs) {
      check_text(m.name);
      for (const Part &p : m.parts) {
        check_text(p.provider_type);
        check_text(p.text);
        check_text(p.tool_call.id);
        check_text(p.tool_call.name);
        check_json_field(p.tool_call.input_json);
        check_text(p.tool_result.tool_call_id);
        check_text(p.tool_result.name);
        check_text(p.tool_result.content);
        check_json_field(p.tool_result.content_json);
        check_text(p.media.url);
        check_text(p.media.mime_type);
        check_text(p.media.name);
      }
    }
  }
  for (const auto &t : g.tools) {
    check_text(t.name);
    check_text(t.description);
    check_text(t.type);
    check_json_field(t.input_schema_json);
  }
  for (const auto &kv : g.metadata) check_text(kv.first);
}

inline int run_provider_input(std::initializer_list<ProviderApi> family, const uint8_t *data, size_t size) {
  if (size < 1 || family.size() == 0) return 0;
  const size_t n = family.size();
  const unsigned pick = data[0] & 0x7f;  // bit 7: raw artifacts
  const ProviderApi api = family.begin()[pick % n];
  const unsigned mode = unsigned(pick / n) % 3;
  const std::string_view input(reinterpret_cast<const char *>(data) + 1, size - 1);

  if (sigil::detail::is_embedding_api(api)) {
    const size_t sep = input.find('\x1e');
    sigil::detail::ProviderEmbedding e;
    check_status(sigil::detail::map_provider_embedding(
        api, input.substr(0, sep), sep == std::string_view::npos ? std::string_view() : input.substr(sep + 1), e));
    for (const auto &t : e.input_texts) check_text(t);
    check_text(e.model);
    check_text(e.response_model);
    if (e.input_count < 0 || e.input_tokens < 0) __builtin_trap();
    return 0;
  }

  sigil::detail::ProviderMapOptions options;
  options.raw_artifacts = (data[0] & 0x80) != 0;
  Generation g;
  if (mode == 0) {
    check_status(sigil::detail::map_provider_request(api, input, g, options));
  } else if (mode == 1) {
    check_status(sigil::detail::map_provider_response(api, input, g, options));
  } else {
    auto acc = sigil::detail::make_stream_accumulator(api, options);
    if (acc == nullptr) __builtin_trap();
    int firsts = 0;
    size_t start = 0;
    while (start <= input.size()) {
      size_t end = input.find('\n', start);
      if (end == std::string_view::npos) end = input.size();
      firsts += acc->add_event(input.substr(start, end - start)) ? 1 : 0;
      start = end + 1;
    }
    if (firsts > 1 || (firsts == 1) != acc->first_content_seen()) __builtin_trap();
    check_status(acc->finish(g));
  }
  check_generation(g);
  return 0;
}

}  // namespace sigil_fuzz
