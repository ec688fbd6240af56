// The C expansion of every SIGIL_*_INIT macro, from init_macros.c. C and C++
// see different expansions (sigil.h, SIGIL__VERSIONED_INIT), so each _init()
// function is compared with both.
#pragma once

#include <sigil/sigil.h>

#include <cstring>

#include <gtest/gtest.h>

extern "C" {
const sigil_stats_t *c_stats_init_macro(void);
const sigil_generation_start_t *c_generation_start_init_macro(void);
const sigil_token_usage_t *c_token_usage_init_macro(void);
const sigil_tool_execution_start_t *c_tool_execution_start_init_macro(void);
const sigil_embedding_start_t *c_embedding_start_init_macro(void);
const sigil_embedding_result_t *c_embedding_result_init_macro(void);
const sigil_rating_input_t *c_rating_input_init_macro(void);
const sigil_rating_summary_t *c_rating_summary_init_macro(void);
const sigil_span_start_t *c_span_start_init_macro(void);
}

// Runs `init` on a struct filled with 0xAB and compares every byte with
// `expected`. `expected` must have static storage: only then is its padding
// zero (as the _init() functions make it), so the comparison is exact.
template <typename T>
::testing::AssertionResult init_gives(sigil_status_t (*init)(T *), const T &expected) {
  T got;
  std::memset(&got, 0xAB, sizeof got);
  sigil_status_t st = init(&got);
  if (st != SIGIL_OK) return ::testing::AssertionFailure() << "init returned " << sigil_status_name(st);
  if (got.version != expected.version) {
    return ::testing::AssertionFailure() << "version " << got.version << ", expected " << expected.version;
  }
  const unsigned char *g = reinterpret_cast<const unsigned char *>(&got);
  const unsigned char *e = reinterpret_cast<const unsigned char *>(&expected);
  for (size_t i = 0; i < sizeof got; i++) {
    if (g[i] != e[i]) {
      return ::testing::AssertionFailure()
             << "byte " << i << " of " << sizeof got << " is " << int(g[i]) << ", expected " << int(e[i]);
    }
  }
  return ::testing::AssertionSuccess();
}
