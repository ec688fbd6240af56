/* The C expansion of every SIGIL_*_INIT macro (see init_macros.h). Static
 * objects, so that their padding is zero-initialized too (C11 6.7.9p10). */
#include <sigil/sigil.h>

#define C_INIT_MACRO(type, name, macro) \
  const type *name(void);               \
  const type *name(void) {              \
    static const type value = macro;    \
    return &value;                      \
  }

C_INIT_MACRO(sigil_stats_t, c_stats_init_macro, SIGIL_STATS_INIT)
C_INIT_MACRO(sigil_generation_start_t, c_generation_start_init_macro, SIGIL_GENERATION_START_INIT)
C_INIT_MACRO(sigil_token_usage_t, c_token_usage_init_macro, SIGIL_TOKEN_USAGE_INIT)
C_INIT_MACRO(sigil_tool_execution_start_t, c_tool_execution_start_init_macro, SIGIL_TOOL_EXECUTION_START_INIT)
C_INIT_MACRO(sigil_embedding_start_t, c_embedding_start_init_macro, SIGIL_EMBEDDING_START_INIT)
C_INIT_MACRO(sigil_embedding_result_t, c_embedding_result_init_macro, SIGIL_EMBEDDING_RESULT_INIT)
C_INIT_MACRO(sigil_rating_input_t, c_rating_input_init_macro, SIGIL_RATING_INPUT_INIT)
C_INIT_MACRO(sigil_rating_summary_t, c_rating_summary_init_macro, SIGIL_RATING_SUMMARY_INIT)
C_INIT_MACRO(sigil_span_start_t, c_span_start_init_macro, SIGIL_SPAN_START_INIT)
