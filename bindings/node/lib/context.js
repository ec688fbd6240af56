'use strict';
// Identity defaults carried by AsyncLocalStorage: they follow the code across
// awaits, timers and callbacks started inside the helper's callback. The client
// reads them when a recorder starts and hands them to the engine as *context*
// values: explicit start fields still win, and the engine falls back to
// metadata and client defaults when both are empty (it also trims them and
// ignores blank ones).
const { AsyncLocalStorage } = require('node:async_hooks');
const { withEngineSpan } = require('./host.js');

/** @type {AsyncLocalStorage<Readonly<Record<string, string | undefined>>>} */
const storage = new AsyncLocalStorage();

function runWith(key, value, callback) {
  const current = storage.getStore();
  const next = current === undefined ? { [key]: value } : { ...current, [key]: value };
  return storage.run(next, callback);
}

/** Runs `callback` with a conversation id for the recorders it starts. */
function withConversationId(conversationId, callback) {
  return runWith('conversationId', conversationId, callback);
}

/** Runs `callback` with a conversation title for the recorders it starts. */
function withConversationTitle(conversationTitle, callback) {
  return runWith('conversationTitle', conversationTitle, callback);
}

/** Runs `callback` with an end-user id for the generations it starts. */
function withUserId(userId, callback) {
  return runWith('userId', userId, callback);
}

/** Runs `callback` with an agent name for the recorders it starts. */
function withAgentName(agentName, callback) {
  return runWith('agentName', agentName, callback);
}

/** Runs `callback` with an agent version for the recorders it starts. */
function withAgentVersion(agentVersion, callback) {
  return runWith('agentVersion', agentVersion, callback);
}

/**
 * Extension: runs `callback` so that recorders it starts are children of the
 * span named by a W3C `traceparent`. Without it, the active OpenTelemetry span
 * (when @opentelemetry/api is in use) is the parent.
 */
function withParentTraceparent(traceparent, callback) {
  return withSigilContext({ parentTraceparent: traceparent, parentIsLocal: false, parentViaOtel: false }, callback);
}

/**
 * Extension: runs `callback` with a content capture mode ("full", "no_tool_content",
 * "metadata_only", "full_with_metadata_spans", or "default" to clear it) for the
 * generations and tool executions it starts that set none themselves. It wins over the
 * resolver and the client's mode; embeddings do not follow it (as in the reference SDKs).
 */
function withContentCaptureMode(mode, callback) {
  return runWith('contentCaptureMode', mode, callback);
}

/** Extension: sets several values at once (keys as the with* helpers name them). */
function withSigilContext(values, callback) {
  const current = storage.getStore();
  return storage.run({ ...current, ...values }, callback);
}

const get = (key) => storage.getStore()?.[key];

const conversationIdFromContext = () => get('conversationId');
const conversationTitleFromContext = () => get('conversationTitle');
const userIdFromContext = () => get('userId');
const agentNameFromContext = () => get('agentName');
const agentVersionFromContext = () => get('agentVersion');
const parentTraceparentFromContext = () => get('parentTraceparent');
const contentCaptureModeFromContext = () => {
  const mode = get('contentCaptureMode');
  return mode === undefined || String(mode).trim().toLowerCase() === 'default' ? undefined : String(mode);
};

/** The store of the calling context, to run later work in it (internal). */
const store = () => storage.getStore();
/** Runs `fn` in a store captured with store() (internal). */
const runInStore = (s, fn) => storage.run(s, fn);

// The active OpenTelemetry span, when the host uses @opentelemetry/api (which
// registers itself on a global symbol); read without depending on it.
const OTEL_API = Symbol.for('opentelemetry.js.api.1');
const OTEL_SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');

function otelParent() {
  const api = globalThis[OTEL_API];
  if (api === undefined) return undefined;
  try {
    const sc = api.context?.active()?.getValue(OTEL_SPAN_KEY)?.spanContext();
    if (sc === undefined || !/^[0-9a-f]{32}$/.test(sc.traceId) || !/^[0-9a-f]{16}$/.test(sc.spanId) ||
        /^0+$/.test(sc.traceId) || /^0+$/.test(sc.spanId)) {
      return undefined;
    }
    const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, '0');
    return { parentTraceparent: `00-${sc.traceId}-${sc.spanId}-${flags}`, parentIsLocal: sc.isRemote !== true };
  } catch {
    return undefined;
  }
}

/** Whether the host has registered @opentelemetry/api (internal). */
const otelInUse = () => globalThis[OTEL_API] !== undefined;

/**
 * The context values a recorder starts with (internal). The parent: withParentTraceparent's
 * (remote unless a recorder's scope set it), else the active OpenTelemetry span.
 */
function current() {
  const store = storage.getStore();
  if (store === undefined) {
    return otelParent() ?? EMPTY;
  }
  if (store.parentTraceparent === undefined || store.parentTraceparent === '') {
    const parent = otelParent();
    if (parent !== undefined) return { ...store, ...parent };
  } else if (store.parentViaOtel) {
    // The record's span was made the active OpenTelemetry span too: a span the application
    // started inside it since is the closer parent.
    const parent = otelParent();
    if (parent !== undefined && spanIdOf(parent.parentTraceparent) !== spanIdOf(store.parentTraceparent)) {
      return { ...store, ...parent };
    }
  }
  return store;
}

const spanIdOf = (traceparent) => String(traceparent).split('-')[2];

/**
 * Runs `fn` with a record's span (`traceparent`) as the parent of what starts inside (internal):
 * in this context and, when the application uses @opentelemetry/api, as its active span as well
 * (`hostScope(run)`, given with the host pipeline, makes the host tracer's span active instead).
 * Both, so that nesting holds without a registered OpenTelemetry context manager and the
 * application's own spans started inside still nest under the record. `values` join the context.
 */
function runAsParent(traceparent, hostScope, values, fn) {
  if (!traceparent) return withSigilContext(values, fn);
  const viaOtel = hostScope !== undefined || otelInUse();
  const run = () => withSigilContext({ ...values, parentTraceparent: traceparent, parentIsLocal: true,
    parentViaOtel: viaOtel }, fn);
  if (hostScope !== undefined) return hostScope(run);
  if (viaOtel) {
    const scoped = withEngineSpan(traceparent, run);
    if (scoped !== undefined) return scoped.value;
  }
  return run();
}

const EMPTY = Object.freeze({});

module.exports = {
  withConversationId,
  withConversationTitle,
  withUserId,
  withAgentName,
  withAgentVersion,
  withParentTraceparent,
  withContentCaptureMode,
  withSigilContext,
  conversationIdFromContext,
  conversationTitleFromContext,
  userIdFromContext,
  agentNameFromContext,
  agentVersionFromContext,
  parentTraceparentFromContext,
  contentCaptureModeFromContext,
  current,
  otelInUse,
  runAsParent,
  store,
  runInStore,
};
