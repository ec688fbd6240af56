/*
 * libsigil agent example: one agent run as one trace of spans.
 *
 *   invoke_agent travel-agent      (agent)
 *     plan                         (chain)
 *       search-docs                (retriever)
 *       generateText gpt-4o        (generation)
 *       execute_tool book          (tool)
 *
 * Each step is started with its parent's traceparent (sigil_span_traceparent).
 * Configured only through the environment, for example:
 *   SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 \
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 ./agent
 *
 * Exit status: 0 when everything was recorded and delivered, 1 otherwise.
 */
#include <sigil/sigil.h>

#include <stdio.h>
#include <string.h>

#define TEXT(s) (s), strlen(s)

static int failures = 0;

static void check(const char *what, sigil_status_t status) {
  if (status != SIGIL_OK) {
    printf("  FAIL  %s: %s\n", what, sigil_status_name(status));
    failures++;
  }
}

/* Starts a span of `kind` under `parent` (a traceparent of this process, or
 * NULL for a new trace) and writes its own traceparent into `tp`. */
static sigil_span_recorder_t *start_step(sigil_client_t *client, uint32_t kind, const char *name, const char *parent,
                                         char tp[56]) {
  sigil_span_start_t s = SIGIL_SPAN_START_INIT;
  s.kind = kind;
  s.name = name;
  s.conversation_id = "conv-agent-c";
  s.parent_traceparent = parent;
  s.parent_is_local = parent != NULL;
  sigil_span_recorder_t *span = NULL;
  check(name, sigil_span_start(client, &s, &span));
  check("traceparent", sigil_span_traceparent(span, tp, 56));
  return span;
}

int main(void) {
  sigil_options_t *options = NULL;
  sigil_client_t *client = NULL;
  sigil_error_t *error = NULL;
  if (sigil_options_new(&options) != SIGIL_OK) return 1;
  sigil_status_t st = sigil_client_new(options, &client, &error);
  sigil_options_free(options);
  if (st != SIGIL_OK) {
    printf("client: %s\n", error != NULL ? sigil_error_message(error) : sigil_status_name(st));
    sigil_error_free(error);
    return 1;
  }

  char agent_tp[56], plan_tp[56], search_tp[56];
  sigil_span_recorder_t *agent = start_step(client, SIGIL_STEP_AGENT, "travel-agent", NULL, agent_tp);
  check("input", sigil_span_set_input(agent, TEXT("{\"question\":\"Where can I stay in Paris?\"}")));
  sigil_span_recorder_t *plan = start_step(client, SIGIL_STEP_CHAIN, "plan", agent_tp, plan_tp);

  sigil_span_recorder_t *search = start_step(client, SIGIL_STEP_RETRIEVER, "search-docs", plan_tp, search_tp);
  sigil_attribute_t found = {0};
  found.key = "documents";
  found.key_len = strlen(found.key);
  found.type = SIGIL_ATTRIBUTE_INT;
  found.int_value = 2;
  check("event", sigil_span_add_event(search, "retrieved", 0, &found, 1, 0));
  check("search end", sigil_span_end(search, 0, NULL));
  sigil_span_free(search);

  sigil_generation_start_t gs = SIGIL_GENERATION_START_INIT;
  gs.model_provider = "openai";
  gs.model_name = "gpt-4o";
  gs.conversation_id = "conv-agent-c";
  gs.parent_traceparent = plan_tp;
  gs.parent_is_local = 1;
  sigil_generation_t *gen = NULL;
  check("generation", sigil_generation_start(client, &gs, &gen));
  sigil_generation_add_message(gen, SIGIL_INPUT, SIGIL_ROLE_USER, NULL);
  sigil_generation_add_text(gen, SIGIL_INPUT, TEXT("Where can I stay in Paris?"));
  sigil_generation_add_message(gen, SIGIL_OUTPUT, SIGIL_ROLE_ASSISTANT, NULL);
  sigil_generation_add_text(gen, SIGIL_OUTPUT, TEXT("I will book a hotel."));
  check("generation end", sigil_generation_end(gen, NULL));
  sigil_generation_free(gen);

  sigil_tool_execution_start_t ts = SIGIL_TOOL_EXECUTION_START_INIT;
  ts.tool_name = "book";
  ts.parent_traceparent = plan_tp;
  ts.parent_is_local = 1;
  sigil_tool_execution_t *tool = NULL;
  check("tool", sigil_tool_execution_start(client, &ts, &tool));
  check("tool result", sigil_tool_execution_set_result(tool, TEXT("{\"city\":\"Paris\"}"), TEXT("booked"), 0));
  check("tool end", sigil_tool_execution_end(tool, NULL));
  sigil_tool_execution_free(tool);

  check("plan attribute", sigil_span_set_attribute_int(plan, "documents", 2, 0));
  check("plan end", sigil_span_end(plan, 0, NULL));
  sigil_span_free(plan);
  check("output", sigil_span_set_output(agent, TEXT("booked")));
  check("agent end", sigil_span_end(agent, 0, NULL));
  sigil_span_free(agent);

  printf("trace %.32s\n", agent_tp + 3);
  check("shutdown", sigil_client_shutdown(client, 10000, NULL));
  sigil_client_free(client);
  return failures == 0 ? 0 : 1;
}
