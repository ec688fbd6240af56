/* The workload file (bench/workload.json) mapped to what a C caller holds: a
 * start struct and the result as sigil.v1 protojson (docs/abi-json.md).
 * Shared by the C benchmark and the internals benchmark. */
#ifndef SIGIL_BENCH_WORKLOAD_H
#define SIGIL_BENCH_WORKLOAD_H

#include <sigil/sigil.h>

#include <cjson/cJSON.h>

#include "bench_util.h"

static const char *str_param(const cJSON *obj, const char *key, const char *def) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) ? v->valuestring : def;
}

static double num_param(const cJSON *obj, const char *key, double def) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) ? v->valuedouble : def;
}


typedef struct {
  sigil_generation_start_t start;
  char *tags_json;
  char *result_json;
  size_t result_len;
} record_t;

static cJSON *message_json(const cJSON *m) {
  cJSON *out = cJSON_CreateObject();
  cJSON_AddStringToObject(out, "role", str_param(m, "role", "user"));
  cJSON *parts = cJSON_AddArrayToObject(out, "parts");
  const char *text = str_param(m, "text", NULL);
  if (text != NULL) {
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "text", text);
    cJSON_AddItemToArray(parts, p);
  }
  const cJSON *tc = cJSON_GetObjectItemCaseSensitive(m, "tool_call");
  if (tc != NULL) {
    cJSON *p = cJSON_CreateObject();
    cJSON *call = cJSON_AddObjectToObject(p, "tool_call");
    cJSON_AddStringToObject(call, "id", str_param(tc, "id", ""));
    cJSON_AddStringToObject(call, "name", str_param(tc, "name", ""));
    /* The arguments as the JSON value itself (docs/abi-json.md, bytes fields). */
    cJSON_AddItemToObject(call, "input_json", cJSON_Parse(str_param(tc, "input_json", "{}")));
    cJSON_AddItemToArray(parts, p);
  }
  return out;
}

/* Exits on an unreadable file. Strings are owned by `rec` for the process. */
static void load_record(const char *path, record_t *rec) {
  char *text = bench_read_file(path);
  if (text == NULL) {
    fprintf(stderr, "sigil_bench: cannot read %s\n", path);
    exit(2);
  }
  cJSON *w = cJSON_Parse(text);
  free(text);
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(w, "start");
  const cJSON *r = cJSON_GetObjectItemCaseSensitive(w, "result");
  const cJSON *model = cJSON_GetObjectItemCaseSensitive(s, "model");

  sigil_generation_start_init(&rec->start);
  rec->start.conversation_id = strdup(str_param(s, "conversation_id", ""));
  rec->start.agent_name = strdup(str_param(s, "agent_name", ""));
  rec->start.agent_version = strdup(str_param(s, "agent_version", ""));
  rec->start.model_provider = strdup(str_param(model, "provider", ""));
  rec->start.model_name = strdup(str_param(model, "name", ""));
  rec->start.has_max_tokens = 1;
  rec->start.max_tokens = (int64_t)num_param(s, "max_tokens", 0);
  rec->start.has_temperature = 1;
  rec->start.temperature = num_param(s, "temperature", 0);
  rec->tags_json = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(s, "tags"));
  rec->start.tags_json = rec->tags_json;
  rec->start.tags_json_len = strlen(rec->tags_json);

  cJSON *res = cJSON_CreateObject();
  cJSON_AddStringToObject(res, "system_prompt", str_param(r, "system_prompt", ""));
  const char *sides[] = {"input", "output"};
  for (int i = 0; i < 2; i++) {
    cJSON *arr = cJSON_AddArrayToObject(res, sides[i]);
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(r, sides[i])) {
      cJSON_AddItemToArray(arr, message_json(m));
    }
  }
  cJSON_AddItemToObject(res, "usage",
                        cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(r, "usage"), 1));
  cJSON_AddStringToObject(res, "response_id", str_param(r, "response_id", ""));
  cJSON_AddStringToObject(res, "response_model", str_param(r, "response_model", ""));
  cJSON_AddStringToObject(res, "stop_reason", str_param(r, "stop_reason", ""));
  cJSON_AddItemToObject(res, "metadata",
                        cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(r, "metadata"), 1));
  rec->result_json = cJSON_PrintUnformatted(res);
  rec->result_len = strlen(rec->result_json);
  cJSON_Delete(res);
  cJSON_Delete(w);
}

#endif
