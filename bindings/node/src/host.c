/* engine -> JavaScript: the host telemetry pipeline. With the host pipeline
 * the engine hands each finished span and each GenAI metric recording to
 * these callbacks, on the thread that ends the recorder, before the end call
 * returns. That thread is the JavaScript thread inside rec_end, which points
 * `collecting` at the array the caller passed: the callbacks append plain
 * objects to it, and lib/host.js re-emits them through the host's tracer and
 * meter. An end elsewhere (none in this addon) finds no array and is skipped. */
#include <string.h>

#include "addon.h"

static _Thread_local host_collect_t *collecting;

void host_collect_begin(host_collect_t *c) { collecting = c; }
void host_collect_end(void) { collecting = NULL; }

static void set(napi_env env, napi_value obj, const char *key, napi_value v) {
  napi_set_named_property(env, obj, key, v);
}

static napi_value make_double(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}

/* [seconds, nanoseconds]: OpenTelemetry's HrTime, exact for any Unix time in ns. */
static napi_value hr_time(napi_env env, int64_t ns) {
  napi_value arr;
  napi_create_array_with_length(env, 2, &arr);
  napi_set_element(env, arr, 0, make_int(env, ns / 1000000000));
  napi_set_element(env, arr, 1, make_int(env, ns % 1000000000));
  return arr;
}

static napi_value attributes(napi_env env, const sigil_attribute_t *attrs, size_t n) {
  napi_value obj;
  napi_create_object(env, &obj);
  for (size_t i = 0; i < n; ++i) {
    const sigil_attribute_t *a = &attrs[i];
    napi_value v = NULL;
    switch (a->type) {
      case SIGIL_ATTRIBUTE_STRING:
        v = make_string(env, a->string_value, a->string_value_len);
        break;
      case SIGIL_ATTRIBUTE_BOOL:
        napi_get_boolean(env, a->int_value != 0, &v);
        break;
      case SIGIL_ATTRIBUTE_INT:
        v = make_int(env, a->int_value);
        break;
      case SIGIL_ATTRIBUTE_DOUBLE:
        v = make_double(env, a->double_value);
        break;
      case SIGIL_ATTRIBUTE_STRING_ARRAY:
        napi_create_array_with_length(env, a->string_values_count, &v);
        for (size_t k = 0; k < a->string_values_count; ++k) {
          napi_set_element(env, v, (uint32_t)k, make_string(env, a->string_values[k], a->string_value_lens[k]));
        }
        break;
      default:
        continue;
    }
    napi_value key = make_string(env, a->key, a->key_len);
    napi_set_property(env, obj, key, v);
  }
  return obj;
}

static void push(napi_value obj) {
  uint32_t n = 0;
  napi_get_array_length(collecting->env, collecting->out, &n);
  napi_set_element(collecting->env, collecting->out, n, obj);
}

static void on_span(void *user_data, const sigil_span_t *s) {
  (void)user_data;
  if (collecting == NULL) return;
  napi_env env = collecting->env;
  napi_value o;
  napi_create_object(env, &o);
  set(env, o, "type", make_cstring(env, "span"));
  set(env, o, "name", make_string(env, s->name, s->name_len));
  set(env, o, "kind", make_int(env, s->kind));
  set(env, o, "traceId", make_cstring(env, s->trace_id));
  set(env, o, "spanId", make_cstring(env, s->span_id));
  set(env, o, "parentSpanId", make_cstring(env, s->parent_span_id));
  set(env, o, "traceFlags", make_int(env, s->trace_flags));
  set(env, o, "startTime", hr_time(env, s->start_ns));
  set(env, o, "endTime", hr_time(env, s->end_ns));
  set(env, o, "statusCode", make_int(env, s->status_code));
  set(env, o, "statusMessage", make_string(env, s->status_message, s->status_message_len));
  set(env, o, "attributes", attributes(env, s->attributes, s->attributes_count));
  napi_value events;
  napi_create_array_with_length(env, s->events_count, &events);
  for (size_t i = 0; i < s->events_count; ++i) {
    const sigil_span_event_t *e = &s->events[i];
    napi_value ev;
    napi_create_object(env, &ev);
    set(env, ev, "name", make_string(env, e->name, e->name_len));
    set(env, ev, "time", hr_time(env, e->time_ns));
    set(env, ev, "attributes", attributes(env, e->attributes, e->attributes_count));
    napi_set_element(env, events, (uint32_t)i, ev);
  }
  set(env, o, "events", events);
  push(o);
}

static void on_metric(void *user_data, const sigil_metric_point_t *p) {
  (void)user_data;
  if (collecting == NULL) return;
  napi_env env = collecting->env;
  napi_value o;
  napi_create_object(env, &o);
  set(env, o, "type", make_cstring(env, "metric"));
  set(env, o, "name", make_string(env, p->name, p->name_len));
  set(env, o, "unit", make_string(env, p->unit, p->unit_len));
  set(env, o, "description", make_string(env, p->description, p->description_len));
  napi_value bounds;
  napi_create_array_with_length(env, p->explicit_bounds_count, &bounds);
  for (size_t i = 0; i < p->explicit_bounds_count; ++i) {
    napi_set_element(env, bounds, (uint32_t)i, make_double(env, p->explicit_bounds[i]));
  }
  set(env, o, "bounds", bounds);
  set(env, o, "value", make_double(env, p->value));
  set(env, o, "attributes", attributes(env, p->attributes, p->attributes_count));
  push(o);
}

/* The "host_callbacks" option: both callbacks (their data is per call, above). */
sigil_status_t host_set_callbacks(sigil_options_t *o) {
  sigil_status_t st = sigil_options_set_span_callback(o, on_span, NULL);
  return st == SIGIL_OK ? sigil_options_set_metric_callback(o, on_metric, NULL) : st;
}
