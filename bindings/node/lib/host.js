'use strict';

// The host pipeline: the engine's spans and GenAI metrics re-emitted through the application's
// OpenTelemetry tracer and meter (docs/telemetry.md, "Host pipeline"). @opentelemetry/api is an
// optional peer dependency, loaded only when the application uses it.
//
// At recorder start a real span is started through the host tracer (the host's sampler decides,
// and the span is made active in the recorder's callback scope); its ids go to the engine, which
// gives them to the record and its span. At end the engine hands its finished span and its metric
// points to the addon on this thread, before end returns; finish() copies name, attributes,
// events, status and end time onto the host span and ends it, and records the points through the
// host meter with the engine's attributes.

const INSTRUMENTATION_NAME = 'github.com/grafana/sigil/sdks/js'; // the reference SDK's tracer and meter name

/** @opentelemetry/api, or undefined when it cannot be loaded (internal). */
function loadApi() {
  try {
    return require('@opentelemetry/api');
  } catch {
    return undefined;
  }
}

const SPAN_KIND = { generation: 2 /* CLIENT */, tool: 0 /* INTERNAL */, embedding: 2, span: 0 };
const STATUS_ERROR = 2;

/** [seconds, nanoseconds] of a bigint of Unix nanoseconds. */
const hrTime = (ns) => [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];

/** The engine's wall clock in nanoseconds, with sub-millisecond precision. */
function nowNs() {
  const { timeOrigin, now } = globalThis.performance;
  const ms = timeOrigin + now.call(globalThis.performance);
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}

const traceparentOf = (sc) => `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;

class HostTelemetry {
  #api;
  #tracer;
  #meter;
  #histograms = new Map();
  #logger;

  constructor(api, tracer, meter, logger) {
    this.#api = api;
    this.#tracer = tracer ?? api.trace.getTracer(INSTRUMENTATION_NAME);
    this.#meter = meter ?? api.metrics.getMeter(INSTRUMENTATION_NAME);
    this.#logger = logger;
  }

  get api() {
    return this.#api;
  }

  /**
   * Starts the record's host span. `ctx` is the recorder's context values (an explicit parent
   * from withParentTraceparent wins over the active context). Returns { span, traceparent,
   * startedAt }; traceparent is undefined when the tracer made no span of its own (the no-op
   * tracer hands back its parent), and the engine then makes its own ids.
   */
  start(kind, name, startedAt, ctx) {
    const api = this.#api;
    const startNs = typeof startedAt === 'bigint' ? startedAt
      : typeof startedAt === 'number' ? BigInt(Math.round(startedAt)) * 1_000_000n : nowNs();
    let parentContext = api.context.active();
    let parentSpanId;
    const explicit = ctx.parentTraceparent;
    // An explicit parent wins: a remote one (withParentTraceparent), or a local one that a framework
    // handler names (its parent run's span), which the active context need not hold.
    if (explicit) {
      const [, traceId, spanId, flags] = String(explicit).split('-');
      parentSpanId = spanId;
      parentContext = api.trace.setSpanContext(parentContext,
        { traceId, spanId, traceFlags: parseInt(flags, 16) || 0, isRemote: ctx.parentIsLocal === false });
    } else if (ctx.newTrace) {
      parentContext = api.trace.deleteSpan(parentContext); // a root span (agent tracing): a new trace
    } else {
      parentSpanId = api.trace.getSpanContext(parentContext)?.spanId;
    }
    const span = this.#tracer.startSpan(name, { kind: SPAN_KIND[kind], startTime: hrTime(startNs) }, parentContext);
    const sc = span.spanContext();
    const own = api.isSpanContextValid(sc) && sc.spanId !== parentSpanId;
    return { span, traceparent: own ? traceparentOf(sc) : undefined, startedAt: startNs };
  }

  /** Applies what the engine handed over at end (see the addon's host.c) and ends the host span. */
  finish(span, collected) {
    let ended = false;
    for (const item of collected) {
      try {
        if (item.type === 'metric') this.#record(item);
        else if (item.type === 'span' && span !== undefined && item.spanId === span.spanContext().spanId) {
          span.updateName(item.name);
          span.setAttributes(item.attributes);
          for (const e of item.events) span.addEvent(e.name, e.attributes, e.time);
          if (item.statusCode === STATUS_ERROR) span.setStatus({ code: STATUS_ERROR, message: item.statusMessage });
          span.end(item.endTime);
          ended = true;
        }
      } catch (err) {
        this.#logger?.('error', `sigil: handing telemetry to the host failed: ${err?.message ?? err}`);
      }
    }
    if (!ended && span !== undefined) span.end(); // no engine span: not sampled, or the record did not start
  }

  #record(point) {
    let h = this.#histograms.get(point.name);
    if (h === undefined) {
      h = this.#meter.createHistogram(point.name, {
        unit: point.unit,
        description: point.description,
        advice: { explicitBucketBoundaries: point.bounds },
      });
      this.#histograms.set(point.name, h);
    }
    h.record(point.value, point.attributes);
  }
}

/**
 * Runs `fn` with `traceparent` (the engine's own span, engine pipeline) as the active
 * OpenTelemetry span, when the application uses @opentelemetry/api; undefined otherwise.
 */
function withEngineSpan(traceparent, fn) {
  const api = loadApi();
  if (api === undefined || !traceparent) return undefined;
  const [, traceId, spanId, flags] = traceparent.split('-');
  const ctx = api.trace.setSpanContext(api.context.active(),
    { traceId, spanId, traceFlags: parseInt(flags, 16) || 0, isRemote: false });
  return { value: api.context.with(ctx, fn) };
}

module.exports = { HostTelemetry, loadApi, withEngineSpan, INSTRUMENTATION_NAME };
