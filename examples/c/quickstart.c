/*
 * libsigil quickstart: records one of everything and exports it.
 *
 * Configured only through the environment, for example:
 *   SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 ./quickstart
 *   SIGIL_PROTOCOL=grpc SIGIL_ENDPOINT=127.0.0.1:4317 ./quickstart
 * OTEL_EXPORTER_OTLP_ENDPOINT adds OTLP spans and metrics; SIGIL_API_ENDPOINT
 * adds one conversation rating.
 *
 * Exit status: 0 when everything was recorded and delivered, 1 otherwise.
 */
#include <sigil/sigil.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failures = 0;

/* Prints and counts a local error returned by the library. */
static void check(const char *what, sigil_status_t status, sigil_error_t *error) {
  if (status == SIGIL_OK) {
    printf("  ok    %s\n", what);
  } else {
    printf("  FAIL  %s: %s: %s\n", what, sigil_status_name(status),
           error != NULL ? sigil_error_message(error) : "(no detail)");
    failures++;
  }
  sigil_error_free(error);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#define TEXT(s) (s), strlen(s)

static const char TOOLS_JSON[] =
    "[{\"name\":\"get_weather\",\"description\":\"Current weather for a city\",\"type\":\"function\","
    "\"input_schema_json\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}]";

static char sync_generation_id[64];

static void record_sync_generation(sigil_client_t *client) {
  sigil_generation_start_t start = SIGIL_GENERATION_START_INIT;
  start.conversation_id = "conv-quickstart";
  start.conversation_title = "Weather in Paris";
  start.user_id = "user-42";
  start.agent_name = "weather-agent";
  start.agent_version = "1.0.0";
  start.model_provider = "anthropic";
  start.model_name = "claude-sonnet-4-5";
  start.system_prompt = "You are a concise weather assistant.";
  start.has_max_tokens = 1;
  start.max_tokens = 1024;
  start.has_temperature = 1;
  start.temperature = 0.7;
  start.has_top_p = 1;
  start.top_p = 0.9;
  start.tool_choice = "auto";
  start.has_thinking_enabled = 1;
  start.thinking_enabled = 1;
  start.tools_json = TOOLS_JSON;
  start.tools_json_len = sizeof TOOLS_JSON - 1;
  start.tags_json = "{\"team\":\"weather\",\"env\":\"demo\"}";
  start.tags_json_len = strlen(start.tags_json);
  start.metadata_json = "{\"request_source\":\"quickstart\",\"attempt\":1}";
  start.metadata_json_len = strlen(start.metadata_json);

  sigil_generation_t *gen = NULL;
  check("start sync generation", sigil_generation_start(client, &start, &gen), NULL);

  sigil_generation_add_message(gen, SIGIL_INPUT, SIGIL_ROLE_USER, NULL);
  sigil_generation_add_text(gen, SIGIL_INPUT, TEXT("What is the weather in Paris?"));
  sigil_generation_add_message(gen, SIGIL_INPUT, SIGIL_ROLE_ASSISTANT, NULL);
  sigil_generation_add_thinking(gen, SIGIL_INPUT, TEXT("I should call the weather tool."));
  sigil_generation_add_tool_call(gen, SIGIL_INPUT, "call_1", "get_weather", TEXT("{\"city\":\"Paris\"}"));
  sigil_generation_add_message(gen, SIGIL_INPUT, SIGIL_ROLE_TOOL, NULL);
  sigil_generation_add_tool_result(gen, SIGIL_INPUT, "call_1", "get_weather", TEXT("{\"temp_c\":18}"), 0);
  sigil_generation_add_message(gen, SIGIL_OUTPUT, SIGIL_ROLE_ASSISTANT, NULL);
  sigil_generation_add_text(gen, SIGIL_OUTPUT, TEXT("It is 18°C and sunny in Paris."));

  sigil_token_usage_t usage = SIGIL_TOKEN_USAGE_INIT;
  usage.input_tokens = 120;
  usage.output_tokens = 42;
  usage.total_tokens = 162;
  usage.cache_read_input_tokens = 30;
  usage.cache_write_input_tokens = 4;
  usage.cache_creation_input_tokens = 4;
  usage.reasoning_tokens = 9;
  sigil_generation_set_usage(gen, &usage);
  sigil_generation_set_response(gen, "msg_01", "claude-sonnet-4-5-20250929", "end_turn");
  sigil_generation_set_tag(gen, "feature", "forecast");
  sigil_generation_set_metadata_string(gen, "region", "eu-west");

  sigil_error_t *err = NULL;
  check("end sync generation", sigil_generation_end(gen, &err), err);
  printf("        id=%s\n", sigil_generation_id(gen));
  snprintf(sync_generation_id, sizeof sync_generation_id, "%s", sigil_generation_id(gen));
  sigil_generation_free(gen);
}

static void record_streaming_generation(sigil_client_t *client) {
  sigil_generation_start_t start = SIGIL_GENERATION_START_INIT;
  start.conversation_id = "conv-quickstart";
  start.agent_name = "weather-agent";
  start.agent_version = "1.0.0";
  start.model_provider = "openai";
  start.model_name = "gpt-4o-mini";

  sigil_generation_t *gen = NULL;
  check("start streaming generation", sigil_generation_start_streaming(client, &start, &gen), NULL);
  /* The result as JSON in the sigil.v1 shape, as a binding would send it. */
  static const char result[] =
      "{\"input\":[{\"role\":\"MESSAGE_ROLE_USER\",\"parts\":[{\"text\":\"Tell me a short fact.\"}]}],"
      "\"output\":[{\"role\":\"MESSAGE_ROLE_ASSISTANT\",\"parts\":[{\"text\":\"Honey never spoils.\"}]}],"
      "\"usage\":{\"input_tokens\":12,\"output_tokens\":5},\"stop_reason\":\"stop\","
      "\"response_id\":\"chatcmpl-1\",\"response_model\":\"gpt-4o-mini-2024-07-18\"}";
  sigil_generation_set_first_token_at(gen, now_ns());
  check("set streaming result", sigil_generation_set_result_json(gen, result, sizeof result - 1), NULL);

  sigil_error_t *err = NULL;
  check("end streaming generation", sigil_generation_end(gen, &err), err);
  printf("        id=%s\n", sigil_generation_id(gen));
  sigil_generation_free(gen);
}

static void record_failed_generation(sigil_client_t *client) {
  sigil_generation_start_t start = SIGIL_GENERATION_START_INIT;
  start.conversation_id = "conv-quickstart";
  start.model_provider = "openai";
  start.model_name = "gpt-4o";

  sigil_generation_t *gen = NULL;
  check("start failing generation", sigil_generation_start(client, &start, &gen), NULL);
  sigil_generation_add_message(gen, SIGIL_INPUT, SIGIL_ROLE_USER, NULL);
  sigil_generation_add_text(gen, SIGIL_INPUT, TEXT("Hello?"));
  sigil_generation_set_call_error(gen, TEXT("provider unavailable: 503 Service Unavailable"), 503);

  sigil_error_t *err = NULL;
  /* A provider failure is exported, not a local error. */
  check("end failing generation (call error recorded)", sigil_generation_end(gen, &err), err);
  sigil_generation_free(gen);
}

static void record_tool_execution(sigil_client_t *client) {
  sigil_tool_execution_start_t start = SIGIL_TOOL_EXECUTION_START_INIT;
  start.tool_name = "get_weather";
  start.tool_call_id = "call_1";
  start.tool_type = "function";
  start.tool_description = "Current weather for a city";
  start.conversation_id = "conv-quickstart";
  start.agent_name = "weather-agent";
  start.agent_version = "1.0.0";
  start.include_content = 1;

  sigil_tool_execution_t *exec = NULL;
  check("start tool execution", sigil_tool_execution_start(client, &start, &exec), NULL);
  check("set tool result",
        sigil_tool_execution_set_result(exec, TEXT("{\"city\":\"Paris\"}"), TEXT("{\"temp_c\":18}"), 0), NULL);
  sigil_error_t *err = NULL;
  check("end tool execution", sigil_tool_execution_end(exec, &err), err);
  sigil_tool_execution_free(exec);
}

static void record_embedding(sigil_client_t *client) {
  sigil_embedding_start_t start = SIGIL_EMBEDDING_START_INIT;
  start.model_provider = "openai";
  start.model_name = "text-embedding-3-small";
  start.agent_name = "weather-agent";
  start.has_dimensions = 1;
  start.dimensions = 512;
  start.encoding_format = "float";

  sigil_embedding_t *emb = NULL;
  check("start embedding", sigil_embedding_start(client, &start, &emb), NULL);
  const char *texts[] = {"Paris weather", "Lyon weather"};
  sigil_embedding_result_t result = SIGIL_EMBEDDING_RESULT_INIT;
  result.input_count = 2;
  result.input_tokens = 6;
  result.response_model = "text-embedding-3-small";
  result.has_dimensions = 1;
  result.dimensions = 512;
  result.input_texts = texts;
  result.input_texts_count = 2;
  check("set embedding result", sigil_embedding_set_result(emb, &result), NULL);
  sigil_error_t *err = NULL;
  check("end embedding", sigil_embedding_end(emb, &err), err);
  sigil_embedding_free(emb);
}

/* Submits one rating when a Sigil API endpoint is configured. */
static void submit_rating(sigil_client_t *client, const char *generation_id) {
  if (getenv("SIGIL_API_ENDPOINT") == NULL) return;
  sigil_rating_input_t input = SIGIL_RATING_INPUT_INIT;
  input.conversation_id = "conv-quickstart";
  input.rating_id = "rating-quickstart-1";
  input.rating = SIGIL_RATING_GOOD;
  input.comment = "Accurate and short.";
  input.metadata_json = "{\"channel\":\"quickstart\"}";
  input.metadata_json_len = strlen(input.metadata_json);
  input.generation_id = generation_id;
  input.rater_id = "user-42";
  input.source = "sdk";
  sigil_rating_result_t *result = NULL;
  sigil_error_t *err = NULL;
  sigil_status_t status = sigil_client_submit_rating(client, &input, 10000, &result, &err);
  check("submit rating", status, err);
  if (status == SIGIL_OK) {
    sigil_rating_summary_t summary = SIGIL_RATING_SUMMARY_INIT;
    sigil_rating_result_summary(result, &summary);
    printf("        rating %s stored; conversation has %llu rating(s)\n", sigil_rating_result_rating_id(result),
           (unsigned long long)summary.total_count);
  }
  sigil_rating_result_free(result);
}

static void log_to_stderr(void *user_data, uint32_t level, const char *message, size_t len) {
  (void)user_data;
  static const char *const names[] = {"debug", "info", "warn", "error"};
  fprintf(stderr, "sigil %s: %.*s\n", names[level > 3 ? 3 : level], (int)len, message);
}

int main(void) {
  printf("libsigil %s quickstart\n", sigil_version_string());

  sigil_options_t *options = NULL;
  sigil_options_new(&options);
  sigil_options_set_logger(options, log_to_stderr, NULL);

  sigil_client_t *client = NULL;
  sigil_error_t *err = NULL;
  sigil_status_t status = sigil_client_new(options, &client, &err);
  sigil_options_free(options);
  if (status != SIGIL_OK) {
    fprintf(stderr, "cannot create the client: %s\n", sigil_error_message(err));
    sigil_error_free(err);
    return 1;
  }

  record_sync_generation(client);
  record_streaming_generation(client);
  record_failed_generation(client);
  record_tool_execution(client);
  record_embedding(client);
  submit_rating(client, sync_generation_id);

  err = NULL;
  check("shutdown (flush within 10 s)", sigil_client_shutdown(client, 10000, &err), err);

  sigil_stats_t stats = SIGIL_STATS_INIT;
  sigil_client_stats(client, &stats);
  printf("generations: %llu enqueued, %llu exported, %llu rejected, %llu dropped\n",
         (unsigned long long)stats.generations_enqueued, (unsigned long long)stats.generations_exported,
         (unsigned long long)stats.generations_rejected,
         (unsigned long long)(stats.dropped_queue_full + stats.dropped_byte_budget + stats.dropped_payload_too_large +
                              stats.dropped_retry_exhausted + stats.dropped_shutdown_timeout));
  if (stats.generations_enqueued != stats.generations_exported) failures++;
  sigil_client_free(client);
  return failures == 0 ? 0 : 1;
}
