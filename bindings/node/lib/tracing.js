'use strict';
// Agent tracing in Node's idiom (docs/agent-tracing.md): the span of a step is the current span
// in AsyncLocalStorage (lib/context.js) while its callback or traced function runs, so what
// starts there, across awaits and timers, is its child and concurrent runs keep their own trees.
// W3C traceparent / tracestate travel in header maps through inject() and extract(), parsed and
// validated by the engine (sigil_traceparent_parse, sigil_tracestate_validate). The engine
// decides what a span carries; this file only chooses parents and moves values.
const N = require('./native.js');
const context = require('./context.js');
const { InvalidArgumentError } = require('./errors.js');

const SPAN_KINDS = { agent: 1, chain: 2, retriever: 3, workflow: 4, task: 5, custom: 6 };

/** The SIGIL_STEP_* number of a span kind name; throws InvalidArgumentError for another name. */
function spanKind(kind) {
  const code = SPAN_KINDS[String(kind ?? 'custom').trim().toLowerCase()];
  if (code === undefined) {
    throw new InvalidArgumentError(`sigil: unknown span kind ${JSON.stringify(kind)} (one of ${
      Object.keys(SPAN_KINDS).join(', ')})`, 1);
  }
  return code;
}

/** A SpanRecorder's function that runs its argument with its host span active, or undefined (internal). */
const HOST_SCOPE = Symbol('sigil.span.hostScope');

/**
 * `value` as JSON text for a span's content. Values JSON cannot hold are described rather than
 * failing: a bigint as its digits, a Map as an object, a Set as an array, an Error by name and
 * message, a function or a symbol as "<function name>"; a value that still cannot be written (a
 * cycle) is described whole as "<ClassName>", never by its contents.
 */
function contentJson(value) {
  const describe = (_key, v) => {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'function') return `<function ${v.name || 'anonymous'}>`;
    if (typeof v === 'symbol') return `<${v.toString()}>`;
    if (v instanceof Map) return Object.fromEntries(Array.from(v, ([k, x]) => [String(k), x]));
    if (v instanceof Set) return Array.from(v);
    if (v instanceof Error) return { name: v.name, message: v.message };
    return v;
  };
  try {
    return JSON.stringify(value, describe) ?? 'null';
  } catch {
    return JSON.stringify(`<${value?.constructor?.name ?? typeof value}>`);
  }
}

/**
 * The context values a span starts with (internal): `parent` (a traceparent, a RemoteContext or a
 * span) wins; `root` drops the local parent (a new trace) unless a propagated one is current.
 */
function spanParent(start, ctx) {
  const parent = start.parent;
  if (parent !== undefined && parent !== null && parent !== '') {
    if (typeof parent === 'string') {
      return { ...ctx, parentTraceparent: parent, parentIsLocal: false, parentTracestate: start.tracestate };
    }
    return { ...ctx, parentTraceparent: parent.traceparent, parentTracestate: parent.tracestate || undefined,
      parentIsLocal: !(parent instanceof RemoteContext) };
  }
  if (start.root && !(ctx.parentTraceparent && ctx.parentIsLocal === false)) {
    return { ...ctx, parentTraceparent: undefined, parentTracestate: undefined, parentIsLocal: false, newTrace: true };
  }
  return ctx;
}

/**
 * Runs `call()` with `span` current (internal): the parent of what starts inside, as the Sigil
 * context and, when the application uses OpenTelemetry, as its active span (the host tracer's
 * span with the host pipeline). Ends the span when `call` returns or its promise settles; an
 * error marks the span and is rethrown unchanged. `captureOutput`: record the value returned.
 */
function runInSpan(span, call, captureOutput) {
  return context.runAsParent(span.traceparent, span[HOST_SCOPE],
    { span, parentTracestate: span.tracestate || undefined }, () => settle(span, call, captureOutput));
}

function settle(span, call, captureOutput) {
  const failed = (err) => {
    span.setError(err);
    span.end();
  };
  const done = (value) => {
    if (captureOutput && span.capturesContent) span.setOutput(value);
    span.end();
  };
  let result;
  try {
    result = call(span);
  } catch (err) {
    failed(err);
    throw err;
  }
  if (result !== null && (typeof result === 'object' || typeof result === 'function') &&
      typeof result.then === 'function') {
    return Promise.resolve(result).then((value) => {
      done(value);
      return value;
    }, (err) => {
      failed(err);
      throw err;
    });
  }
  done(result);
  return result;
}

/**
 * Wraps `fn` (sync or async) so that each call is a span (startSpan(options) with the function's
 * name unless options.name), current while it runs. Its arguments (an array) and its return
 * value are recorded only when the span keeps content (captureInput / captureOutput: false
 * leave them out); `attributes` are set on every span. The client: options.client, else the
 * current span's; without either, the function just runs. A thrown error or rejection marks the
 * span and reaches the caller unchanged; a sync function stays sync.
 */
function tracedFunction(fn, options = undefined) {
  if (typeof fn !== 'function') throw new TypeError('sigil: traced() needs a function');
  const { client, captureInput = true, captureOutput = true, attributes, ...start } = options ?? {};
  spanKind(start.kind); // an unknown kind fails here, not at the first call
  const name = start.name || fn.name || undefined;
  const wrapped = function traced(...args) {
    const c = client ?? currentSpan()?.client;
    if (c === undefined) return fn.apply(this, args);
    const span = c.startSpan({ ...start, name });
    if (attributes !== undefined) span.setAttributes(attributes);
    if (captureInput && span.capturesContent) span.setInput(args);
    return runInSpan(span, () => fn.apply(this, args), captureOutput);
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
  return wrapped;
}

/** The innermost span open in this context (withSpan, traced), or undefined. */
function currentSpan() {
  const span = context.current().span;
  return span !== undefined && !span.ended ? span : undefined;
}

/**
 * The trace id (32 hex digits) that records started here would join: the current span's, a
 * recorder callback's, an extract()-ed context's or the active OpenTelemetry span's; else undefined.
 */
function currentTraceId() {
  return parse(currentTraceparent())?.[0];
}

/** The innermost parent: a span's, a recorder callback's, an extracted one, the OpenTelemetry span's. */
function currentTraceparent() {
  return context.current().parentTraceparent || undefined;
}

/** [traceId, spanId, sampled] of a valid traceparent, else undefined (the engine parses). */
function parse(traceparent) {
  return typeof traceparent === 'string' && traceparent !== '' ? N.traceparentParse(traceparent) : undefined;
}

/**
 * A trace context that arrived from another process (extract()). run(fn) runs `fn` so that what
 * starts there continues that trace (the remote parent flagged as such); or pass it as
 * `parent` to startSpan / withSpan / traced.
 */
class RemoteContext {
  constructor(traceparent, tracestate = undefined) {
    const parsed = parse(traceparent);
    if (parsed === undefined) {
      throw new InvalidArgumentError(`sigil: not a valid W3C traceparent: ${JSON.stringify(traceparent)}`, 1);
    }
    this.traceparent = traceparent;
    this.tracestate = tracestate || undefined;
    this.traceId = parsed[0];
    this.spanId = parsed[1];
    this.sampled = parsed[2];
  }

  /** Runs `fn` with this context as the parent of what starts inside; returns what `fn` returns. */
  run(fn) {
    return context.withSigilContext({ span: undefined, parentTraceparent: this.traceparent, parentIsLocal: false,
      parentViaOtel: false, parentTracestate: this.tracestate }, fn);
  }
}

/** A header's value by case-insensitive name from a plain object, Headers, or a Map; arrays joined. */
function header(headers, name) {
  if (headers === null || typeof headers !== 'object') return undefined;
  let value;
  if (typeof headers.get === 'function') value = headers.get(name);
  if (value === undefined || value === null) {
    const entries = typeof headers.entries === 'function' && !(headers.constructor === Object)
      ? Array.from(headers.entries()) : Object.entries(headers);
    value = entries.find(([k]) => typeof k === 'string' && k.toLowerCase() === name)?.[1];
  }
  if (Array.isArray(value)) value = name === 'tracestate' ? value.join(',') : value[0];
  return typeof value === 'string' ? value.trim() : undefined;
}

/**
 * The trace context in W3C `traceparent` / `tracestate` headers (names case-insensitive; a plain
 * object such as IncomingMessage.headers, a fetch Headers or a Map), or undefined without a valid
 * traceparent. A malformed tracestate is dropped, as W3C asks.
 */
function extract(headers) {
  const traceparent = header(headers, 'traceparent');
  if (parse(traceparent) === undefined) return undefined;
  let tracestate = header(headers, 'tracestate');
  if (tracestate && !N.tracestateValid(tracestate)) tracestate = undefined;
  return new RemoteContext(traceparent, tracestate);
}

/**
 * Writes the current `traceparent` (the current span's, a recorder callback's, an extract()-ed
 * context's, or the active OpenTelemetry span's) and the trace's `tracestate` into `headers` (a
 * plain object, or anything with set(), e.g. fetch Headers) and returns it; without one, writes
 * nothing.
 */
function inject(carrier = undefined) {
  const headers = carrier ?? {};
  const traceparent = currentTraceparent();
  if (parse(traceparent) === undefined) return headers;
  const tracestate = context.current().parentTracestate;
  const set = typeof headers.set === 'function' ? (k, v) => headers.set(k, v) : (k, v) => { headers[k] = v; };
  set('traceparent', traceparent);
  if (tracestate) set('tracestate', tracestate);
  return headers;
}

module.exports = {
  SPAN_KINDS,
  HOST_SCOPE,
  RemoteContext,
  contentJson,
  currentSpan,
  currentTraceId,
  extract,
  inject,
  runInSpan,
  spanKind,
  spanParent,
  tracedFunction,
};
