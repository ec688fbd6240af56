/* The module: per-environment state (clients still open are shut down when
 * the environment is torn down) and the exports lib/native.js uses. */
#include <stdlib.h>

#include "addon.h"

NAPI_MODULE_INIT() {
  env_data_t *ed = (env_data_t *)calloc(1, sizeof *ed);
  if (ed == NULL) return throw_type(env, "out of memory");
  if (napi_set_instance_data(env, ed, env_data_free, NULL) != napi_ok ||
      napi_add_env_cleanup_hook(env, env_cleanup, ed) != napi_ok) {
    return throw_last_error(env, "module init");
  }
  const napi_property_descriptor fns[] = {
#define FN(name, fn) {name, NULL, fn, NULL, NULL, NULL, napi_enumerable, NULL}
      FN("clientNew", client_new),
      FN("clientStats", client_stats),
      FN("submitScore", submit_score),
      FN("clientMetricsSnapshot", client_metrics_snapshot),
      FN("clientFlush", client_flush),
      FN("clientShutdown", client_shutdown),
      FN("submitRating", submit_rating),
      FN("generationStart", generation_start),
      FN("generationSetResult", generation_set_result),
      FN("generationSetCallError", generation_set_call_error),
      FN("generationSetFirstTokenAt", generation_set_first_token_at),
      FN("generationEnd", generation_end),
      FN("generationId", generation_id),
      FN("generationTraceparent", generation_traceparent),
      FN("generationContentCaptureMode", generation_content_capture_mode),
      FN("generationProvider", generation_provider),
      FN("generationSetMappingError", generation_set_mapping_error),
      FN("toolStart", tool_start),
      FN("toolSetResult", tool_set_result),
      FN("toolSetError", tool_set_error),
      FN("toolEnd", tool_end),
      FN("toolTraceparent", tool_traceparent),
      FN("embeddingStart", embedding_start),
      FN("embeddingSetResult", embedding_set_result),
      FN("embeddingSetCallError", embedding_set_call_error),
      FN("embeddingEnd", embedding_end),
      FN("embeddingTraceparent", embedding_traceparent),
      FN("embeddingSetProviderResult", embedding_set_provider_result),
      FN("validateGenerationJson", validate_generation_json),
      FN("statusName", status_name),
      FN("shutdownAll", shutdown_all),
      FN("exportDone", export_done),
      FN("generationLastJson", generation_last_json),
      FN("generationAddProviderEvents", generation_add_provider_events),
      FN("providerMapGeneration", provider_map_generation),
      FN("generationSetMetadataString", generation_set_metadata_string),
      FN("spanStart", span_start),
      FN("spanSetAttribute", span_set_attribute),
      FN("spanSetInput", span_set_input),
      FN("spanSetOutput", span_set_output),
      FN("spanAddEvent", span_add_event),
      FN("spanSetStatus", span_set_status),
      FN("spanSetError", span_set_error),
      FN("spanCapturesContent", span_captures_content),
      FN("spanEnd", span_end),
      FN("spanTraceparent", span_traceparent),
      FN("spanTracestate", span_tracestate),
      FN("traceparentParse", traceparent_parse),
      FN("tracestateValid", tracestate_valid),
#undef FN
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
  set_named(env, exports, "libraryVersion", make_cstring(env, sigil_version_string()));
  set_named(env, exports, "libraryAbiVersion", make_int(env, sigil_abi_version()));
  set_named(env, exports, "headerAbiVersion", make_int(env, SIGIL_ABI_VERSION));
  set_named(env, exports, "headerVersion", make_cstring(env, SIGIL_VERSION_STRING));
  return exports;
}
