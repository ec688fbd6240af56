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

/* The result as typed calls would carry it (sigil_generation_add_*). */
typedef struct {
  uint32_t side, role;
  const char *text;
  const char *call_id, *call_name, *call_args; /* call_id NULL: no tool call */
} typed_message_t;

typedef struct {
  sigil_generation_start_t start;
  char *tags_json;
  char *result_json;
  size_t result_len;
  /* Typed form of the same result (start.system_prompt is not set: the JSON
   * result carries it; the typed path sets typed_system_prompt on start). */
  const char *typed_system_prompt;
  typed_message_t messages[8];
  size_t n_messages;
  const char *tag_keys[8], *tag_values[8];
  size_t n_tags;
  const char *meta_keys[8], *meta_values[8];
  size_t n_meta;
  sigil_token_usage_t usage;
  const char *response_id, *response_model, *stop_reason;
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
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(r, sides[i])) { cJSON_AddItemToArray(arr, message_json(m)); }
  }
  cJSON_AddItemToObject(res, "usage", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(r, "usage"), 1));
  cJSON_AddStringToObject(res, "response_id", str_param(r, "response_id", ""));
  cJSON_AddStringToObject(res, "response_model", str_param(r, "response_model", ""));
  cJSON_AddStringToObject(res, "stop_reason", str_param(r, "stop_reason", ""));
  cJSON_AddItemToObject(res, "metadata", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(r, "metadata"), 1));
  /* The typed form (pointers into strdup'd copies kept for the process). */
  rec->typed_system_prompt = strdup(str_param(r, "system_prompt", ""));
  rec->n_messages = 0;
  for (int i = 0; i < 2; i++) {
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(r, sides[i])) {
      if (rec->n_messages == 8) break;
      typed_message_t *tm = &rec->messages[rec->n_messages++];
      tm->side = i == 0 ? SIGIL_INPUT : SIGIL_OUTPUT;
      tm->role = strcmp(str_param(m, "role", "user"), "user") == 0 ? SIGIL_ROLE_USER : SIGIL_ROLE_ASSISTANT;
      tm->text = strdup(str_param(m, "text", ""));
      const cJSON *tc = cJSON_GetObjectItemCaseSensitive(m, "tool_call");
      tm->call_id = tc != NULL ? strdup(str_param(tc, "id", "")) : NULL;
      tm->call_name = tc != NULL ? strdup(str_param(tc, "name", "")) : NULL;
      tm->call_args = tc != NULL ? strdup(str_param(tc, "input_json", "{}")) : NULL;
    }
  }
  const cJSON *kv;
  rec->n_tags = 0;
  cJSON_ArrayForEach(kv, cJSON_GetObjectItemCaseSensitive(s, "tags")) {
    if (rec->n_tags == 8) break;
    rec->tag_keys[rec->n_tags] = strdup(kv->string);
    rec->tag_values[rec->n_tags++] = strdup(kv->valuestring);
  }
  rec->n_meta = 0;
  cJSON_ArrayForEach(kv, cJSON_GetObjectItemCaseSensitive(r, "metadata")) {
    if (rec->n_meta == 8) break;
    rec->meta_keys[rec->n_meta] = strdup(kv->string);
    rec->meta_values[rec->n_meta++] = strdup(kv->valuestring);
  }
  const cJSON *u = cJSON_GetObjectItemCaseSensitive(r, "usage");
  sigil_token_usage_t usage = SIGIL_TOKEN_USAGE_INIT;
  usage.input_tokens = (int64_t)num_param(u, "input_tokens", 0);
  usage.output_tokens = (int64_t)num_param(u, "output_tokens", 0);
  usage.cache_read_input_tokens = (int64_t)num_param(u, "cache_read_input_tokens", 0);
  rec->usage = usage;
  rec->response_id = strdup(str_param(r, "response_id", ""));
  rec->response_model = strdup(str_param(r, "response_model", ""));
  rec->stop_reason = strdup(str_param(r, "stop_reason", ""));

  rec->result_json = cJSON_PrintUnformatted(res);
  rec->result_len = strlen(rec->result_json);
  cJSON_Delete(res);
  cJSON_Delete(w);
}

/* Sets the result with the typed calls (what a C application writes; see
 * examples/c/quickstart.c). `gen` was started from rec->start with
 * system_prompt = rec->typed_system_prompt and no tags_json. */
static inline void set_result_typed(sigil_generation_t *gen, const record_t *rec) {
  for (size_t i = 0; i < rec->n_messages; i++) {
    const typed_message_t *m = &rec->messages[i];
    sigil_generation_add_message(gen, m->side, m->role, NULL);
    sigil_generation_add_text(gen, m->side, m->text, strlen(m->text));
    if (m->call_id != NULL) {
      sigil_generation_add_tool_call(gen, m->side, m->call_id, m->call_name, m->call_args, strlen(m->call_args));
    }
  }
  sigil_generation_set_usage(gen, &rec->usage);
  sigil_generation_set_response(gen, rec->response_id, rec->response_model, rec->stop_reason);
  for (size_t i = 0; i < rec->n_tags; i++) sigil_generation_set_tag(gen, rec->tag_keys[i], rec->tag_values[i]);
  for (size_t i = 0; i < rec->n_meta; i++)
    sigil_generation_set_metadata_string(gen, rec->meta_keys[i], rec->meta_values[i]);
}

#endif
