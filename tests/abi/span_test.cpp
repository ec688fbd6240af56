// Sections: Spans; W3C trace context.
#include <gtest/gtest.h>
#include <sigil/sigil.h>

#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "init_macros.h"

namespace {

// A finished span as the callback saw it, with every value as text.
struct SeenSpan {
  std::string name, trace_id, span_id, parent_span_id, status_message;
  uint32_t kind = 0, status = 99;
  std::map<std::string, std::string> attrs;
  std::vector<std::pair<std::string, std::map<std::string, std::string>>> events;
};

std::string text(const sigil_attribute_t &a) {
  switch (a.type) {
    case SIGIL_ATTRIBUTE_STRING:
      return std::string(a.string_value, a.string_value_len);
    case SIGIL_ATTRIBUTE_BOOL:
      return a.int_value ? "true" : "false";
    case SIGIL_ATTRIBUTE_INT:
      return std::to_string(a.int_value);
    case SIGIL_ATTRIBUTE_DOUBLE:
      return std::to_string(a.double_value);
    default: {
      std::string out;
      for (size_t i = 0; i < a.string_values_count; ++i) {
        out += (i ? "," : "") + std::string(a.string_values[i], a.string_value_lens[i]);
      }
      return out;
    }
  }
}

struct Seen {
  std::mutex mu;
  std::vector<SeenSpan> spans;
  const SeenSpan *named(const std::string &n) {
    for (const SeenSpan &s : spans) {
      if (s.name == n) return &s;
    }
    return nullptr;
  }
};

void on_span(void *user, const sigil_span_t *span) {
  auto *seen = static_cast<Seen *>(user);
  SeenSpan s;
  s.name.assign(span->name, span->name_len);
  s.trace_id = span->trace_id;
  s.span_id = span->span_id;
  s.parent_span_id = span->parent_span_id;
  s.kind = span->kind;
  s.status = span->status_code;
  s.status_message.assign(span->status_message, span->status_message_len);
  for (size_t i = 0; i < span->attributes_count; ++i) s.attrs[span->attributes[i].key] = text(span->attributes[i]);
  for (size_t i = 0; i < span->events_count; ++i) {
    std::map<std::string, std::string> attrs;
    for (size_t k = 0; k < span->events[i].attributes_count; ++k) {
      attrs[span->events[i].attributes[k].key] = text(span->events[i].attributes[k]);
    }
    s.events.emplace_back(std::string(span->events[i].name, span->events[i].name_len), attrs);
  }
  std::lock_guard<std::mutex> lock(seen->mu);
  seen->spans.push_back(std::move(s));
}

sigil_client_t *client_with(Seen *seen, uint32_t mode = SIGIL_CONTENT_CAPTURE_DEFAULT, uint64_t max_field = 0) {
  sigil_options_t *o = nullptr;
  EXPECT_EQ(sigil_options_new(&o), SIGIL_OK);
  sigil_options_set_use_environment(o, 0);
  sigil_options_set_protocol(o, SIGIL_PROTOCOL_NONE);
  sigil_options_set_agent_name(o, "client-agent");
  if (mode != SIGIL_CONTENT_CAPTURE_DEFAULT) sigil_options_set_content_capture_mode(o, mode);
  if (max_field != 0) sigil_options_set_max_field_bytes(o, max_field);
  EXPECT_EQ(sigil_options_set_span_callback(o, on_span, seen), SIGIL_OK);
  sigil_client_t *c = nullptr;
  EXPECT_EQ(sigil_client_new(o, &c, nullptr), SIGIL_OK);
  sigil_options_free(o);
  return c;
}

sigil_span_recorder_t *start(sigil_client_t *c, uint32_t kind, const char *name, const char *parent = nullptr) {
  sigil_span_start_t s = SIGIL_SPAN_START_INIT;
  s.kind = kind;
  s.name = name;
  s.parent_traceparent = parent;
  s.parent_is_local = parent != nullptr;
  sigil_span_recorder_t *span = nullptr;
  EXPECT_EQ(sigil_span_start(c, &s, &span), SIGIL_OK);
  return span;
}

std::string traceparent(const sigil_span_recorder_t *span) {
  char buf[56];
  EXPECT_EQ(sigil_span_traceparent(span, buf, sizeof buf), SIGIL_OK);
  return buf;
}

}  // namespace

TEST(SpanSection, StartInitMatchesMacro) {
  static const sigil_span_start_t from_cxx_macro = SIGIL_SPAN_START_INIT;
  EXPECT_TRUE(init_gives(sigil_span_start_init, from_cxx_macro));
  EXPECT_TRUE(init_gives(sigil_span_start_init, *c_span_start_init_macro()));
  EXPECT_EQ(sigil_span_start_init(nullptr), SIGIL_E_INVALID_ARGUMENT);
}

TEST(SpanSection, AgentFollowsTheGenAIConventionsAndCarriesWhatWasRecorded) {
  Seen seen;
  sigil_client_t *c = client_with(&seen);
  sigil_span_start_t s = SIGIL_SPAN_START_INIT;
  s.kind = SIGIL_STEP_AGENT;
  s.name = "planner";
  s.conversation_id = "conv-1";
  s.agent_version = "2.1";
  sigil_span_recorder_t *agent = nullptr;
  ASSERT_EQ(sigil_span_start(c, &s, &agent), SIGIL_OK);
  EXPECT_EQ(sigil_span_captures_content(agent), 1);
  EXPECT_EQ(sigil_span_set_attribute_string(agent, "app.region", "eu", 2, 0), SIGIL_OK);
  EXPECT_EQ(sigil_span_set_attribute_int(agent, "app.retries", 3, 0), SIGIL_OK);
  EXPECT_EQ(sigil_span_set_attribute_double(agent, "app.score", 0.5, 0), SIGIL_OK);
  EXPECT_EQ(sigil_span_set_attribute_bool(agent, "app.cached", 1, 0), SIGIL_OK);
  EXPECT_EQ(sigil_span_set_attribute_int(agent, "app.retries", 4, 0), SIGIL_OK);  // replaces
  // The engine's own keys are never replaced.
  EXPECT_EQ(sigil_span_set_attribute_string(agent, "sigil.span.kind", "x", 1, 0), SIGIL_OK);
  EXPECT_EQ(sigil_span_set_input(agent, "{\"q\":\"weather?\"}", 16), SIGIL_OK);
  EXPECT_EQ(sigil_span_set_output(agent, "sunny", 5), SIGIL_OK);
  sigil_attribute_t ev[2] = {};
  ev[0].key = "step";
  ev[0].key_len = 4;
  ev[0].type = SIGIL_ATTRIBUTE_INT;
  ev[0].int_value = 2;
  ev[1].key = "note";
  ev[1].key_len = 4;
  ev[1].type = SIGIL_ATTRIBUTE_STRING;
  ev[1].string_value = "replanned";
  ev[1].string_value_len = 9;
  EXPECT_EQ(sigil_span_add_event(agent, "plan.updated", 0, ev, 2, 0), SIGIL_OK);
  EXPECT_EQ(sigil_span_set_status(agent, SIGIL_SPAN_STATUS_OK, nullptr, 0), SIGIL_OK);
  const std::string agent_tp = traceparent(agent);

  sigil_span_recorder_t *chain = start(c, SIGIL_STEP_CHAIN, "answer", agent_tp.c_str());
  sigil_tool_execution_start_t ts = SIGIL_TOOL_EXECUTION_START_INIT;
  ts.tool_name = "weather";
  const std::string chain_tp = traceparent(chain);
  ts.parent_traceparent = chain_tp.c_str();
  ts.parent_is_local = 1;
  sigil_tool_execution_t *tool = nullptr;
  ASSERT_EQ(sigil_tool_execution_start(c, &ts, &tool), SIGIL_OK);
  sigil_tool_execution_free(tool);
  ASSERT_EQ(sigil_span_end(chain, 0, nullptr), SIGIL_OK);
  EXPECT_EQ(sigil_span_end(chain, 0, nullptr), SIGIL_E_ALREADY_ENDED);
  sigil_span_free(chain);
  ASSERT_EQ(sigil_span_end(agent, 0, nullptr), SIGIL_OK);
  EXPECT_EQ(traceparent(agent), agent_tp);  // still readable after end
  sigil_span_free(agent);
  sigil_client_free(c);

  ASSERT_EQ(seen.spans.size(), 3u);
  const SeenSpan *a = seen.named("invoke_agent planner");
  const SeenSpan *ch = seen.named("answer");
  const SeenSpan *t = seen.named("execute_tool weather");
  ASSERT_TRUE(a && ch && t);
  EXPECT_EQ(a->kind, SIGIL_SPAN_KIND_INTERNAL);
  EXPECT_EQ(a->parent_span_id, "");
  EXPECT_EQ(a->attrs.at("gen_ai.operation.name"), "invoke_agent");
  EXPECT_EQ(a->attrs.at("sigil.span.kind"), "agent");
  EXPECT_EQ(a->attrs.at("gen_ai.agent.name"), "planner");  // the agent names itself
  EXPECT_EQ(a->attrs.at("gen_ai.agent.version"), "2.1");
  EXPECT_EQ(a->attrs.at("gen_ai.conversation.id"), "conv-1");
  EXPECT_EQ(a->attrs.at("app.region"), "eu");
  EXPECT_EQ(a->attrs.at("app.retries"), "4");
  EXPECT_EQ(a->attrs.at("app.score"), "0.500000");
  EXPECT_EQ(a->attrs.at("app.cached"), "true");
  EXPECT_EQ(a->attrs.at("sigil.span.input"), "{\"q\":\"weather?\"}");
  EXPECT_EQ(a->attrs.at("sigil.span.output"), "\"sunny\"");
  EXPECT_EQ(a->status, SIGIL_SPAN_STATUS_OK);
  ASSERT_EQ(a->events.size(), 1u);
  EXPECT_EQ(a->events[0].first, "plan.updated");
  EXPECT_EQ(a->events[0].second.at("step"), "2");
  EXPECT_EQ(a->events[0].second.at("note"), "replanned");
  EXPECT_EQ(ch->attrs.at("sigil.span.kind"), "chain");
  EXPECT_EQ(ch->attrs.count("gen_ai.operation.name"), 0u);
  EXPECT_EQ(ch->attrs.at("gen_ai.agent.name"), "client-agent");  // the client's, as for any recorder
  EXPECT_EQ(ch->trace_id, a->trace_id);
  EXPECT_EQ(ch->parent_span_id, a->span_id);
  EXPECT_EQ(t->parent_span_id, ch->span_id);
  EXPECT_EQ(t->trace_id, a->trace_id);
}

TEST(SpanSection, ErrorsMarkTheSpanWithAnExceptionEvent) {
  Seen seen;
  sigil_client_t *c = client_with(&seen);
  sigil_span_recorder_t *r = start(c, SIGIL_STEP_RETRIEVER, "search");
  ASSERT_EQ(sigil_span_set_error(r, "TimeoutError", "index timed out", 15), SIGIL_OK);
  ASSERT_EQ(sigil_span_end(r, 0, nullptr), SIGIL_OK);
  sigil_span_free(r);
  sigil_span_recorder_t *t = start(c, SIGIL_STEP_TASK, "");
  ASSERT_EQ(sigil_span_set_error(t, nullptr, nullptr, 0), SIGIL_OK);
  sigil_span_free(t);  // ends it
  sigil_client_free(c);
  const SeenSpan *s = seen.named("search");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, SIGIL_SPAN_STATUS_ERROR);
  EXPECT_EQ(s->status_message, "index timed out");
  EXPECT_EQ(s->attrs.at("error.type"), "TimeoutError");
  ASSERT_EQ(s->events.size(), 1u);
  EXPECT_EQ(s->events[0].first, "exception");
  EXPECT_EQ(s->events[0].second.at("exception.type"), "TimeoutError");
  EXPECT_EQ(s->events[0].second.at("exception.message"), "index timed out");
  const SeenSpan *task = seen.named("task");  // a blank name: the kind's
  ASSERT_TRUE(task);
  EXPECT_EQ(task->attrs.at("error.type"), "span_error");
}

TEST(SpanSection, ContentFollowsTheCaptureModeAndTheFieldLimit) {
  for (uint32_t mode : {SIGIL_CONTENT_CAPTURE_METADATA_ONLY, SIGIL_CONTENT_CAPTURE_FULL_WITH_METADATA_SPANS}) {
    Seen seen;
    sigil_client_t *c = client_with(&seen, mode);
    sigil_span_start_t s = SIGIL_SPAN_START_INIT;
    s.kind = SIGIL_STEP_CHAIN;
    s.name = "rag";
    s.conversation_title = "my secret plans";
    sigil_span_recorder_t *r = nullptr;
    ASSERT_EQ(sigil_span_start(c, &s, &r), SIGIL_OK);
    EXPECT_EQ(sigil_span_captures_content(r), 0);
    sigil_span_set_input(r, "\"the question\"", 14);
    sigil_span_set_output(r, "\"the answer\"", 12);
    sigil_span_set_attribute_string(r, "doc", "private text", 12, 1);
    sigil_span_set_attribute_int(r, "doc.count", 3, 0);
    sigil_attribute_t ev = {};
    ev.key = "query";
    ev.key_len = 5;
    ev.type = SIGIL_ATTRIBUTE_STRING;
    ev.string_value = "private query";
    ev.string_value_len = 13;
    sigil_span_add_event(r, "retrieved", 0, &ev, 1, 1);
    sigil_span_set_error(r, "ValueError", "bad input: private query", 24);
    ASSERT_EQ(sigil_span_end(r, 0, nullptr), SIGIL_OK);
    sigil_span_free(r);
    sigil_client_free(c);
    const SeenSpan *sp = seen.named("rag");
    ASSERT_TRUE(sp);
    for (const char *key : {"sigil.span.input", "sigil.span.output", "doc", "sigil.conversation.title"}) {
      EXPECT_EQ(sp->attrs.count(key), 0u) << key;
    }
    EXPECT_EQ(sp->attrs.at("doc.count"), "3");
    ASSERT_EQ(sp->events.size(), 2u);
    EXPECT_TRUE(sp->events[0].second.empty());
    EXPECT_EQ(sp->status_message, "ValueError");
    EXPECT_EQ(sp->events[1].second.at("exception.message"), "ValueError");
  }
  // Full capture: content kept, fully redacted and cut to the field limit.
  Seen seen;
  sigil_client_t *c = client_with(&seen, SIGIL_CONTENT_CAPTURE_FULL, 64);
  sigil_span_recorder_t *r = start(c, SIGIL_STEP_CUSTOM, "io");
  const std::string big(200, 'x');
  sigil_span_set_attribute_string(r, "doc", big.data(), big.size(), 1);
  sigil_span_set_attribute_string(r, "label", big.data(), big.size(), 0);
  const char secret[] = "key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD";
  sigil_span_set_attribute_string(r, "prompt", secret, sizeof secret - 1, 1);
  sigil_span_set_input(r, big.data(), big.size());
  sigil_span_free(r);
  sigil_client_free(c);
  const SeenSpan *sp = seen.named("io");
  ASSERT_TRUE(sp);
  EXPECT_LE(sp->attrs.at("doc").size(), 64u);
  EXPECT_NE(sp->attrs.at("doc").find("truncated"), std::string::npos);
  EXPECT_EQ(sp->attrs.at("label"), big);  // not content: no limit
  EXPECT_LE(sp->attrs.at("sigil.span.input").size(), 64u);
  EXPECT_EQ(sp->attrs.at("prompt").find("sk-proj-"), std::string::npos);
}

TEST(SpanSection, BadInputIsReportedAndTheSpanKept) {
  Seen seen;
  sigil_client_t *c = client_with(&seen);
  sigil_span_recorder_t *r = start(c, SIGIL_STEP_WORKFLOW, "flow");
  EXPECT_EQ(sigil_span_set_attribute_string(r, nullptr, "v", 1, 0), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_span_set_attribute_int(r, "", 1, 0), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_span_set_attribute_string(r, "bad", "\xff", 1, 0), SIGIL_E_INVALID_UTF8);
  EXPECT_EQ(sigil_span_set_attribute_bool(r, "k\xc3", 1, 0), SIGIL_E_INVALID_UTF8);
  EXPECT_EQ(sigil_span_add_event(r, nullptr, 0, nullptr, 0, 0), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_span_add_event(r, "e", 0, nullptr, 1, 0), SIGIL_E_INVALID_ARGUMENT);
  sigil_attribute_t unknown = {};
  unknown.key = "k";
  unknown.key_len = 1;
  unknown.type = 99;
  EXPECT_EQ(sigil_span_add_event(r, "e", 0, &unknown, 1, 0), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_span_set_status(r, 7, nullptr, 0), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_span_set_attribute_string(r, "good", "v", 1, 0), SIGIL_OK);
  sigil_error_t *err = nullptr;
  EXPECT_EQ(sigil_span_end(r, 0, &err), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(sigil_error_message(err)).find("key"), std::string::npos);
  sigil_error_free(err);
  sigil_span_free(r);

  // Refused starts give a no-op recorder.
  sigil_span_recorder_t *noop = nullptr;
  sigil_span_start_t s = SIGIL_SPAN_START_INIT;
  s.kind = 42;
  EXPECT_EQ(sigil_span_start(c, &s, &noop), SIGIL_E_INVALID_ARGUMENT);
  ASSERT_NE(noop, nullptr);
  EXPECT_EQ(sigil_span_set_attribute_int(noop, "k", 1, 0), SIGIL_OK);
  EXPECT_EQ(sigil_span_end(noop, 0, nullptr), SIGIL_OK);
  sigil_span_free(noop);
  s.kind = SIGIL_STEP_TASK;
  s.version = 2;
  EXPECT_EQ(sigil_span_start(c, &s, &noop), SIGIL_E_INVALID_ARGUMENT);
  sigil_span_free(noop);
  EXPECT_EQ(sigil_span_start(nullptr, &s, &noop), SIGIL_E_INVALID_ARGUMENT);
  sigil_span_free(noop);
  EXPECT_EQ(sigil_span_start(c, nullptr, &noop), SIGIL_E_INVALID_ARGUMENT);
  sigil_span_free(noop);
  EXPECT_EQ(sigil_span_start(c, &s, nullptr), SIGIL_E_INVALID_ARGUMENT);
  // NULL recorders are no-ops.
  EXPECT_EQ(sigil_span_set_attribute_string(nullptr, "k", "v", 1, 0), SIGIL_OK);
  EXPECT_EQ(sigil_span_end(nullptr, 0, nullptr), SIGIL_OK);
  EXPECT_EQ(sigil_span_captures_content(nullptr), 0);
  char buf[56];
  EXPECT_EQ(sigil_span_traceparent(nullptr, buf, sizeof buf), SIGIL_E_INVALID_ARGUMENT);
  sigil_span_free(nullptr);

  // After shutdown: a no-op recorder and SIGIL_E_SHUTDOWN.
  ASSERT_EQ(sigil_client_shutdown(c, 1000, nullptr), SIGIL_OK);
  s.version = SIGIL_SPAN_START_VERSION;
  EXPECT_EQ(sigil_span_start(c, &s, &noop), SIGIL_E_SHUTDOWN);
  ASSERT_NE(noop, nullptr);
  sigil_span_free(noop);
  sigil_client_free(c);
  ASSERT_EQ(seen.spans.size(), 1u);
  const SeenSpan &flow = seen.spans[0];
  EXPECT_EQ(flow.attrs.at("good"), "v");
  EXPECT_EQ(flow.attrs.count("bad"), 0u);
  EXPECT_EQ(flow.status, SIGIL_SPAN_STATUS_UNSET);  // bad input is not the step's failure
}

TEST(SpanSection, TracestateComesWithARemoteParent) {
  Seen seen;
  sigil_client_t *c = client_with(&seen);
  const char parent[] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  sigil_span_start_t s = SIGIL_SPAN_START_INIT;
  s.kind = SIGIL_STEP_AGENT;
  s.name = "tool-service";
  s.parent_traceparent = parent;
  s.parent_tracestate = "vendor=opaque,tenant@sys=1";
  sigil_span_recorder_t *r = nullptr;
  ASSERT_EQ(sigil_span_start(c, &s, &r), SIGIL_OK);
  const char *ts = nullptr;
  size_t ts_len = 0;
  ASSERT_EQ(sigil_span_tracestate(r, &ts, &ts_len), SIGIL_OK);
  EXPECT_EQ(std::string(ts, ts_len), "vendor=opaque,tenant@sys=1");
  EXPECT_EQ(traceparent(r).substr(0, 36), std::string(parent).substr(0, 36));
  sigil_span_free(r);
  s.parent_tracestate = "Bad Key=1";  // dropped, span kept
  ASSERT_EQ(sigil_span_start(c, &s, &r), SIGIL_OK);
  ASSERT_EQ(sigil_span_tracestate(r, &ts, &ts_len), SIGIL_OK);
  EXPECT_EQ(ts_len, 0u);
  EXPECT_EQ(sigil_span_tracestate(r, nullptr, &ts_len), SIGIL_E_INVALID_ARGUMENT);
  sigil_span_free(r);
  sigil_client_free(c);
  ASSERT_EQ(seen.spans.size(), 2u);
  EXPECT_EQ(seen.spans[0].parent_span_id, "b7ad6b7169203331");
  EXPECT_EQ(seen.spans[0].trace_id, "0af7651916cd43dd8448eb211c80319c");
}

TEST(TraceContextSection, ParseFormatAndValidate) {
  char trace[33], span[17];
  int sampled = -1;
  const std::string tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  ASSERT_EQ(sigil_traceparent_parse(tp.data(), tp.size(), trace, span, &sampled), SIGIL_OK);
  EXPECT_STREQ(trace, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_STREQ(span, "b7ad6b7169203331");
  EXPECT_EQ(sampled, 1);
  EXPECT_EQ(sigil_traceparent_parse(tp.data(), tp.size(), nullptr, nullptr, nullptr), SIGIL_OK);
  for (const char *bad : {"", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
                          "00-00000000000000000000000000000000-b7ad6b7169203331-01",
                          "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
                          "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}) {
    EXPECT_EQ(sigil_traceparent_parse(bad, std::strlen(bad), trace, span, &sampled), SIGIL_E_INVALID_ARGUMENT) << bad;
  }
  EXPECT_EQ(sigil_traceparent_parse(nullptr, 0, trace, span, &sampled), SIGIL_E_INVALID_ARGUMENT);
  char buf[56];
  ASSERT_EQ(sigil_traceparent_format("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", 0, buf, sizeof buf),
            SIGIL_OK);
  EXPECT_STREQ(buf, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
  EXPECT_EQ(sigil_traceparent_format("0af7651916cd43dd8448eb211c80319c", "b7ad6b716920333", 1, buf, sizeof buf),
            SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_traceparent_format("0af7651916cd43dd8448eb211c80319c", "0000000000000000", 1, buf, sizeof buf),
            SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_traceparent_format("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", 1, buf, 55),
            SIGIL_E_INVALID_ARGUMENT);

  for (const char *good : {"", "a=1", "vendor=opaque, other=x y", "tenant@sys=v,,b=2", "a-b_c*/d=~!"}) {
    EXPECT_EQ(sigil_tracestate_validate(good, std::strlen(good)), SIGIL_OK) << good;
  }
  for (const char *bad : {"A=1", "a", "a=", "a=b=c", "=1", "a=x\x01y", "@sys=1", "t@=1", "1a=2"}) {
    EXPECT_EQ(sigil_tracestate_validate(bad, std::strlen(bad)), SIGIL_E_INVALID_ARGUMENT) << bad;
  }
  std::string many;
  for (int i = 0; i < 33; ++i) many += (i ? ",k" : "k") + std::to_string(i) + "=v";
  EXPECT_EQ(sigil_tracestate_validate(many.data(), many.size()), SIGIL_E_INVALID_ARGUMENT);
  EXPECT_EQ(sigil_tracestate_validate(nullptr, 0), SIGIL_E_INVALID_ARGUMENT);
}

TEST(SpanSection, TheHostSpansIdsBecomeTheSpans) {
  Seen seen;
  sigil_client_t *c = client_with(&seen);
  const char host[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01";
  sigil_span_start_t s = SIGIL_SPAN_START_INIT;
  s.kind = SIGIL_STEP_TASK;
  s.name = "hosted";
  s.span_traceparent = host;
  sigil_span_recorder_t *r = nullptr;
  ASSERT_EQ(sigil_span_start(c, &s, &r), SIGIL_OK);
  EXPECT_EQ(traceparent(r), host);
  sigil_span_free(r);
  sigil_client_free(c);
  ASSERT_EQ(seen.spans.size(), 1u);
  EXPECT_EQ(seen.spans[0].span_id, "1111111111111111");
}
