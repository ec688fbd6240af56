'use strict';
// The client and its recorders: the reference JavaScript SDK's API over
// libsigil. Everything a record means (identity resolution, defaults,
// validation, SDK stamping, spans, metrics, batching, retries, export) happens
// in the engine; this file turns options into option setters, start objects
// into start calls, results into one protojson document, context into the
// start calls' context fields, and engine statuses into Error subclasses.
// Handles are owned explicitly (shutdown(), end()); the addon's finalizers
// are only a safety net.
const N = require('./native.js');
const context = require('./context.js');
const { generationResult, toolsJSON, objectJSON, toolContent } = require('./encode.js');
const { decodeGeneration } = require('./decode.js');
const { HostTelemetry, loadApi } = require('./host.js');
const { SPAN_KINDS, HOST_SCOPE, contentJson, runInSpan, spanKind, spanParent, tracedFunction } = require('./tracing.js');
const {
  ConfigError,
  InvalidArgumentError,
  ValidationError,
  MappingError,
  fromStatus,
  RATING_CLASSES,
} = require('./errors.js');

const SDK_NAME = 'sdk-js';
const DEFAULT_TIMEOUT_MS = 10_000;

const PROTOCOLS = { grpc: 0, http: 1, none: 2 };
const TELEMETRY_PIPELINES = { engine: 1, host: 2, both: 3 };

/** engine, host or both; unset: host when a tracer or meter is given, else engine. */
function telemetryMode(c) {
  if (c.telemetryMode === undefined || c.telemetryMode === null || c.telemetryMode === '') {
    return c.tracer != null || c.meter != null ? 'host' : 'engine';
  }
  choice(TELEMETRY_PIPELINES, c.telemetryMode, 'telemetryMode');
  return String(c.telemetryMode).trim().toLowerCase();
}
const AUTH_MODES = { none: 0, tenant: 1, bearer: 2, basic: 3 };
const RATING_VALUES = { CONVERSATION_RATING_VALUE_GOOD: 1, CONVERSATION_RATING_VALUE_BAD: 2 };
const RATING_NAMES = { 1: 'CONVERSATION_RATING_VALUE_GOOD', 2: 'CONVERSATION_RATING_VALUE_BAD' };
const SPOOL_SYNC = { none: 0, batch: 1, record: 2 };
const SPOOL_MODE = { fallback: 0, write_ahead: 1 };
const CAPTURE_MODES = { default: 0, full: 1, no_tool_content: 2, metadata_only: 3, full_with_metadata_spans: 4 };
const CAPTURE_MODE_NAMES = Object.fromEntries(Object.entries(CAPTURE_MODES).map(([name, code]) => [code, name]));

// ---------------------------------------------------------------------------
// Configuration -> option setters
// ---------------------------------------------------------------------------

function choice(table, value, what) {
  const code = table[String(value).trim().toLowerCase()];
  if (code === undefined) {
    throw new ConfigError(`sigil: unsupported ${what} ${JSON.stringify(value)} (expected ${Object.keys(table).join(', ')})`, 8);
  }
  return code;
}

/**
 * libsigil reads these as C strings, which end at the first NUL ("victim\0x" would arrive as
 * "victim"): the InvalidArgumentError for `what` when a string holds one, else undefined.
 */
function nulError(what, ...values) {
  for (const v of values) {
    if ((typeof v === 'string' && v.includes('\0')) || (Array.isArray(v) && nulError(what, ...v))) {
      return new InvalidArgumentError(`sigil: ${what} holds a NUL character, which a C string cannot carry`, 1);
    }
  }
  return undefined;
}

/** nulError, thrown (configuration and ratings, which throw their errors). */
function refuseNul(what, ...values) {
  const err = nulError(what, ...values);
  if (err) throw err;
}

/** [setter, ...args] for everything the caller set; unset fields are left to the environment and the engine. */
function optionOps(config) {
  const ops = [['sdk_name', SDK_NAME]];
  const text = (name, value) => {
    if (value !== undefined && value !== null && value !== '') {
      refuseNul(`option ${name}`, String(value));
      ops.push([name, String(value)]);
    }
  };
  const count = (name, value) => {
    if (typeof value === 'number' && value > 0) ops.push([name, value]);
  };
  const pairs = (name, obj) => {
    if (obj) {
      for (const [k, v] of Object.entries(obj)) {
        refuseNul(`option ${name} ${JSON.stringify(k)}`, k, String(v));
        ops.push([name, k, String(v)]);
      }
    }
  };

  const c = config ?? {};
  if (c.generationExporter !== undefined && c.generationExporter !== null &&
      typeof c.generationExporter.exportGenerations !== 'function') {
    throw new ConfigError('sigil: generationExporter needs an exportGenerations(request) method', 8);
  }
  if (debugSnapshotLimit(c) > 0) ops.push(['keep_last_generation', true]);
  const mode = telemetryMode(c);
  ops.push(['telemetry_pipeline', TELEMETRY_PIPELINES[mode]]);
  if (mode !== 'engine') ops.push(['host_callbacks']);
  if (c.useEnvironment === false) ops.push(['use_environment', false]);
  if (c.debug !== undefined) ops.push(['debug', Boolean(c.debug)]);

  const ge = c.generationExport ?? {};
  if (ge.protocol !== undefined) ops.push(['protocol', choice(PROTOCOLS, ge.protocol, 'generation export protocol')]);
  text('endpoint', ge.endpoint);
  if (ge.insecure !== undefined) ops.push(['insecure', Boolean(ge.insecure)]);
  text('ca_file', ge.caFile);
  text('ca_dir', ge.caDir);
  text('client_cert', ge.clientCert);
  text('client_key', ge.clientKey);
  pairs('header', ge.headers);
  const auth = ge.auth;
  if (auth) {
    if (auth.mode !== undefined) ops.push(['auth_mode', choice(AUTH_MODES, auth.mode, 'auth mode')]);
    text('auth_tenant_id', auth.tenantId);
    text('auth_bearer_token', auth.bearerToken);
    text('auth_basic_user', auth.basicUser);
    text('auth_basic_password', auth.basicPassword);
  }
  count('batch_size', ge.batchSize);
  count('flush_interval_ms', ge.flushIntervalMs);
  count('queue_size', ge.queueSize);
  if (typeof ge.maxRetries === 'number') {
    ops.push(ge.maxRetries <= 0 ? ['no_retries'] : ['max_retries', ge.maxRetries]);
  }
  count('initial_backoff_ms', ge.initialBackoffMs);
  count('max_backoff_ms', ge.maxBackoffMs);
  count('attempt_timeout_ms', ge.attemptTimeoutMs);
  count('payload_max_bytes', ge.payloadMaxBytes);
  count('queue_max_bytes', ge.queueMaxBytes);

  text('api_endpoint', c.api?.endpoint);

  const ec = c.embeddingCapture;
  if (ec && ec.captureInput !== undefined) {
    ops.push(['embedding_capture', Boolean(ec.captureInput), ec.maxInputItems ?? 0, ec.maxTextLength ?? 0]);
  }

  text('agent_name', c.agentName);
  text('agent_version', c.agentVersion);
  text('user_id', c.userId);
  pairs('tag', c.tags);

  if (c.contentCapture !== undefined) {
    ops.push(['content_capture_mode', choice(CAPTURE_MODES, c.contentCapture, 'content capture mode')]);
  }
  if (c.redaction !== undefined) ops.push(['redaction', redactionBits(c.redaction)]);
  count('max_field_bytes', c.maxFieldBytes);

  const spool = c.spool ?? {};
  text('spool_dir', spool.dir);
  count('spool_max_bytes', spool.maxBytes);
  count('spool_max_age_ms', spool.maxAgeMs);
  if (spool.sync !== undefined) ops.push(['spool_sync', choice(SPOOL_SYNC, spool.sync, 'spool sync policy')]);
  if (spool.mode !== undefined) ops.push(['spool_mode', choice(SPOOL_MODE, spool.mode, 'spool mode')]);

  const otlp = c.otlp ?? {};
  text('otlp_endpoint', otlp.endpoint);
  text('otlp_traces_endpoint', otlp.tracesEndpoint);
  text('otlp_metrics_endpoint', otlp.metricsEndpoint);
  pairs('otlp_header', otlp.headers);
  text('otlp_certificate', otlp.certificate);
  text('otlp_client_certificate', otlp.clientCertificate);
  text('otlp_client_key', otlp.clientKey);
  text('service_name', otlp.serviceName);
  pairs('resource_attribute', otlp.resourceAttributes);
  count('metric_export_interval_ms', otlp.metricExportIntervalMs);

  // Cost, token estimates and sampling (docs/cost.md, docs/sampling.md).
  text('prices_file', c.pricesFile);
  if (c.tokenEstimates !== undefined) ops.push(['token_estimates', Boolean(c.tokenEstimates)]);
  for (const [name, key] of [['content_sample_rate', 'contentSampleRate'], ['export_sample_rate', 'exportSampleRate']]) {
    const rate = c[key];
    if (rate === undefined) continue;
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
      throw new ConfigError(`sigil: ${key} must be a number from 0 to 1`, 8);
    }
    ops.push([name, rate]);
  }
  return ops;
}

/** How many generations and tool executions debugSnapshot() keeps (the most recent). */
const DEFAULT_DEBUG_SNAPSHOT_LIMIT = 100;

function debugSnapshotLimit(config) {
  const limit = config?.debugSnapshotLimit;
  return typeof limit === 'number' && limit >= 0 ? Math.floor(limit) : DEFAULT_DEBUG_SNAPSHOT_LIMIT;
}

/**
 * The engine's (batch JSON, token) -> the reference exporter protocol: exportGenerations({ generations })
 * with the reference's Generation objects, awaited; its per-item results (or its failure, which the engine
 * retries) go back through exportDone. Runs on the JavaScript thread; the engine's worker waits meanwhile.
 */
function exporterDispatcher(exporter) {
  const fail = (token, err) => {
    const message = `generation exporter failed: ${err instanceof Error ? err.message : String(err)}`;
    N.exportDone(token, TRANSPORT_STATUS, undefined, message);
  };
  return (json, token) => {
    let request;
    try {
      request = { generations: (JSON.parse(json).generations ?? []).map(decodeGeneration) };
    } catch (err) {
      fail(token, err);
      return;
    }
    Promise.resolve()
      .then(() => exporter.exportGenerations(request))
      .then((response) => {
        const results = [];
        for (const r of response?.results ?? []) {
          if (r && r.generationId !== undefined) {
            results.push([String(r.generationId), Boolean(r.accepted), r.error ? String(r.error) : undefined]);
          }
        }
        N.exportDone(token, 0, results, undefined);
      }, (err) => fail(token, err))
      .catch((err) => fail(token, err));
  };
}

const TRANSPORT_STATUS = 10;

// The engine names auth fields as the Python and Go references do; the JavaScript reference's
// messages (which its users match) name them as its config does.
const JS_FIELD_NAMES = { tenant_id: 'tenantId', bearer_token: 'bearerToken', basic_user: 'basicUser',
  basic_password: 'basicPassword' };

function jsFieldNames(message) {
  return typeof message === 'string'
    ? message.replace(/\b(tenant_id|bearer_token|basic_user|basic_password)\b/g, (m) => JS_FIELD_NAMES[m])
    : message;
}

const REDACTION = {
  secrets: 0x01, email: 0x02, env_secrets: 0x04, payment_card: 0x08, national_id: 0x10, phone: 0x20,
  injection: 0x40,
};

/** "all", "none", or a list of category names -> SIGIL_REDACT_* bits. */
function redactionBits(value) {
  if (value === 'all' || value === true) return 0x7f;
  if (value === 'none' || value === false) return 0;
  const names = Array.isArray(value) ? value : String(value).split(',');
  let bits = 0;
  for (const name of names) bits |= choice(REDACTION, name, 'redaction category');
  return bits;
}

const RECORD_KINDS = { 1: 'generation', 2: 'tool_execution', 3: 'embedding', 4: 'rating' };

// Contexts of the ratings in flight, by call token: the engine calls the
// resolver for a rating from the thread pool, and the resolver must still run
// in the submitting call's context (AsyncLocalStorage).
const pendingContexts = new Map();
let nextCallToken = 0;

function registerContext() {
  nextCallToken = nextCallToken >= 0x7fffffff ? 1 : nextCallToken + 1;
  pendingContexts.set(nextCallToken, context.store());
  return nextCallToken;
}

/**
 * The engine's (kind, metadata JSON, call token) -> the resolver's (metadata, kind) -> a mode
 * number, -1 failing closed. Recorder starts call it synchronously, in the caller's context;
 * a rating passes the token of its submitting call, whose context is restored around it.
 */
function resolverFunction(resolver) {
  return (kind, metadataJson, token) => {
    try {
      const metadata = metadataJson === undefined || metadataJson === '' ? undefined : JSON.parse(metadataJson);
      const decide = () => resolver(metadata, RECORD_KINDS[kind]);
      const mode = token > 0 && pendingContexts.has(token)
        ? context.runInStore(pendingContexts.get(token), decide)
        : decide();
      return CAPTURE_MODES[String(mode ?? 'default').trim().toLowerCase()] ?? -1;
    } catch {
      return -1;
    }
  };
}

/** The engine's (path, value) -> the sanitizer's (value, path): a replacement, undefined to keep, false on failure. */
function sanitizerFunction(sanitizer) {
  return (path, value) => {
    try {
      const out = sanitizer(value, path);
      return out === undefined || out === null || out === value ? undefined : String(out);
    } catch {
      return false;
    }
  };
}

/** The engine's (level, message) -> the SigilLogger's methods. */
function logFunction(logger) {
  return (level, message) => {
    const fn = level >= 3 ? logger.error : level === 2 ? logger.warn : level === 1 ? (logger.info ?? logger.debug) : logger.debug;
    if (typeof fn === 'function') fn.call(logger, message);
  };
}

// ---------------------------------------------------------------------------
// Small conversions
// ---------------------------------------------------------------------------

/** The host span's name at start (the engine's span name replaces it at end). */
function spanName(operation, subject) {
  const s = typeof subject === 'string' ? subject.trim() : '';
  return s ? `${operation} ${s}` : operation;
}

/** A start or completion time for the addon: ms since the epoch, or ns as a bigint. */
function timeArg(value) {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date) return value.getTime();
  return value; // a number of milliseconds, or a bigint of nanoseconds
}

/** What setCallError records: the message, and an HTTP status when the error carries one. */
function callErrorArgs(error) {
  if (error instanceof Error) {
    const message = error.message || error.name || String(error);
    return [message, httpStatus(error)];
  }
  if (error !== null && typeof error === 'object') {
    const message = typeof error.message === 'string' ? error.message : String(error);
    return [message, httpStatus(error)];
  }
  return [String(error), 0];
}

function statusOf(value) {
  const n = typeof value === 'string' && /^\d{3}$/.test(value.trim()) ? Number(value) : value;
  return Number.isInteger(n) && n >= 100 && n <= 599 ? n : 0;
}

/** The HTTP status a provider error carries (status, statusCode, response.status...), else 0. */
function httpStatus(error) {
  try {
    for (const holder of [error, error.response, error.error, error.cause]) {
      if (holder === null || typeof holder !== 'object') continue;
      for (const key of ['status', 'statusCode', 'httpStatus', 'code']) {
        const s = statusOf(holder[key]);
        if (s !== 0) return s;
      }
    }
  } catch {
    // foreign objects: a status is only a hint
  }
  return 0; // the engine looks for a status code in the message
}

function toError(result) {
  return result === 0 ? undefined : fromStatus(result[0], result[1]);
}

/** A per-record content capture mode for the addon; an unknown name fails closed (metadata only). */
function captureMode(mode) {
  if (mode === undefined || mode === null) return undefined;
  return CAPTURE_MODES[String(mode).trim().toLowerCase()] ?? CAPTURE_MODES.metadata_only;
}

/**
 * A generation's or tool execution's mode: its own, else the context's
 * (withContentCaptureMode, or the generation whose callback is running), else
 * DEFAULT (the resolver and the client decide).
 */
function recordCaptureMode(own, ctx) {
  const mode = captureMode(own);
  if (mode !== undefined && mode !== CAPTURE_MODES.default) return mode;
  return captureMode(ctx.contentCaptureMode);
}

/** What the addon's start returns: the handle, or [status, handle] (see src/recorders.c, started()). */
function splitStart(started) {
  if (!Array.isArray(started)) return [started, undefined];
  return [started[1], fromStatus(started[0], `sigil: the recorder did not start (${started[0] === 1
    ? 'invalid start arguments, or a start struct newer than the loaded libsigil' : 'see the status'})`)];
}

// ---------------------------------------------------------------------------
// Provider JSON: the engine maps it (docs/providers.md)
// ---------------------------------------------------------------------------

const PROVIDER_RAW_ARTIFACTS = 1;

/** [body, isJson] for the addon: strings and byte arrays as given, anything else JSON.stringify'd. */
function providerBody(body) {
  if (body === undefined || body === null) return [undefined, false];
  if (typeof body === 'string' || body instanceof Uint8Array) return [body, false];
  if (body instanceof ArrayBuffer) return [new Uint8Array(body), false];
  if (ArrayBuffer.isView(body)) return [new Uint8Array(body.buffer, body.byteOffset, body.byteLength), false];
  return [JSON.stringify(body), true];
}

/**
 * A caller mistake (an unknown API) throws InvalidArgumentError; a body the engine could only
 * partly map is returned as a MappingError, never thrown: the host's call is not affected.
 */
function providerStatus(st) {
  if (st === 0 || st === undefined) return undefined;
  if (st === 1) {
    throw fromStatus(1, 'sigil: unknown provider API, or an API of another recorder kind');
  }
  return new MappingError(`sigil: the provider JSON could not be fully mapped (${fromStatus(st).code}); the ` +
    'generation keeps what was mapped', st);
}

// ---------------------------------------------------------------------------
// Recorders
// ---------------------------------------------------------------------------

// The rules every recorder applies, once (docs/abi-json.md, "Binding rules"):
// setters after end() change nothing; end() hands the recording to the engine
// once, and a second end() changes nothing and returns an AlreadyEnded error;
// end()'s local error (else the start's) is kept for getError(); the
// traceparent and the other reads stay available after end(). Subclasses
// change the recording only through [SET].
const HANDLE = Symbol('sigil.recorder.handle');
const SET = Symbol('sigil.recorder.set');
const END_ERROR = Symbol('sigil.recorder.endError');
const REFUSE = Symbol('sigil.recorder.refuse');
const HOST = Symbol('sigil.recorder.host');
// The tracer the application configured (config.tracer), read by the framework handlers for their spans.
const FRAMEWORK_TRACER = Symbol('sigil.client.frameworkTracer');

class Recorder {
  #h;
  #native;
  #ended = false;
  #error = undefined;
  #startError = undefined;
  #refused = undefined;

  #onEnd;
  #host = undefined; // { telemetry, span }: the host tracer's span for this record (host pipeline)

  /**
   * @internal `native`: the addon's { end, traceparent } for this kind; `onEnd(recorder, error)`, if given,
   * runs after the first end().
   */
  constructor(started, native, onEnd) {
    [this.#h, this.#startError] = splitStart(started);
    this.#native = native;
    this.#onEnd = onEnd;
  }

  /** @internal The host pipeline of this record (its span may be undefined), set once at start. */
  set [HOST](host) {
    this.#host = host;
  }

  /** @internal */
  get [HOST]() {
    return this.#host;
  }

  /** The W3C traceparent of this recording's span, for propagating it to child work. */
  get traceparent() {
    return this.#native.traceparent(this.#h) ?? '';
  }

  /** Whether end() was called. */
  get ended() {
    return this.#ended;
  }

  /** @internal The handle, for reads (valid until the recorder is collected). */
  get [HANDLE]() {
    return this.#h;
  }

  /** @internal Runs set(handle) and returns its result; after end() it changes nothing and returns undefined. */
  [SET](set) {
    return this.#ended ? undefined : set(this.#h);
  }

  /** @internal Keeps a value the binding could not hand to libsigil; end() reports it. */
  [REFUSE](err) {
    this.#refused ??= err;
  }

  /** @internal The error for a failed end status [code, message]. */
  [END_ERROR](r) {
    return fromStatus(r[0], r[1]);
  }

  /**
   * Ends the recording and hands it to the engine (which validates and queues
   * it; it never waits on the network). Returns the local error, also kept for
   * getError(). Calling it again changes nothing and returns an AlreadyEnded error.
   */
  end() {
    const collected = this.#host !== undefined && !this.#ended ? [] : undefined;
    const r = this.#native.end(this.#h, collected);
    if (this.#ended) return toError(r);
    this.#ended = true;
    if (collected !== undefined) this.#host.telemetry.finish(this.#host.span, collected);
    this.#error = this.#refused ?? (r !== 0 ? this[END_ERROR](r) : this.#startError);
    if (this.#onEnd !== undefined && this.#h) {
      try {
        this.#onEnd(this);
      } catch {
        // the debug snapshot is best effort; it never fails the caller's end()
      }
    }
    return this.#error;
  }

  /** The local error of end() (validation, queue full, shut down...), never a provider failure. */
  getError() {
    return this.#error;
  }
}

/** Records one generation. Call end() when the provider call is done. */
class GenerationRecorder extends Recorder {
  #encodeError = undefined;
  #id = undefined;

  /** @internal */
  constructor(started, onEnd) {
    super(started, { end: N.generationEnd, traceparent: N.generationTraceparent }, onEnd);
  }

  /**
   * Extension: the generation as end() normalized it (the reference's Generation shape), or undefined
   * before end(), for a recorder that did not start, or with debugSnapshotLimit 0.
   */
  get lastGeneration() {
    const json = this[HANDLE] ? N.generationLastJson(this[HANDLE]) : undefined;
    return json === undefined ? undefined : decodeGeneration(json);
  }

  /** The generation id (given at start or generated by the engine). */
  get id() {
    return (this.#id ??= N.generationId(this[HANDLE]));
  }

  /**
   * Extension: the content capture mode the engine resolved at start (own > context >
   * resolver > client), or undefined for a recorder that did not start.
   */
  get contentCaptureMode() {
    return CAPTURE_MODE_NAMES[N.generationContentCaptureMode(this[HANDLE])] || undefined;
  }

  /**
   * Sets the result; the last call wins. Never throws: a malformed value is
   * returned here and reported again by end() (the generation is then not exported).
   */
  setResult(result) {
    return this[SET]((h) => {
      let doc;
      try {
        doc = generationResult(result ?? {});
      } catch (err) {
        // e.g. circular metadata: make the engine keep an input error, say why here
        this.#encodeError = new ValidationError(`sigil: the generation result cannot be serialized: ${err.message}`, 7,
          { cause: err });
        N.generationSetResult(h, 'null');
        return this.#encodeError;
      }
      const st = doc.length === 1 ? N.generationSetResult(h, doc[0]) : N.generationSetResult(h, ...doc);
      return st === 0 ? undefined : fromStatus(st);
    });
  }

  /** Records that the provider call failed; the generation is still exported, with call_error set. */
  setCallError(error) {
    this[SET]((h) => {
      const [message, status] = callErrorArgs(error);
      N.generationSetCallError(h, message, status);
    });
  }

  /**
   * Maps the provider's request body (model, system prompt, input messages, tools, request
   * controls). `api`: "openai.chat", "openai.responses", "anthropic.messages",
   * "gemini.generate_content" or "bedrock.converse"; `body`: an object, JSON text or bytes.
   * Throws InvalidArgumentError for an unknown API; returns a MappingError (never throws) for a
   * body the engine could only partly map.
   */
  setProviderRequest(api, body, options) {
    return this.#provider(0, api, body, options);
  }

  /** Maps the provider's response body (output, usage, stop reason, response id and model), as setProviderRequest. */
  setProviderResponse(api, body, options) {
    return this.#provider(1, api, body, options);
  }

  /** setProviderRequest then setProviderResponse; returns the first mapping problem. */
  setProviderResult(api, request, response, options) {
    const problem = this.setProviderRequest(api, request, options);
    const later = this.setProviderResponse(api, response, options);
    return problem ?? later;
  }

  /**
   * Feeds one stream event (one server-sent event's JSON, or one Bedrock ConverseStream event); the
   * engine accumulates them until end(), and the first content event sets the time to first token.
   */
  addProviderEvent(api, event, options) {
    return this.#provider(2, api, event, options);
  }

  /**
   * Marks the generation with a mapping problem your own mapping found (the first one wins): it is
   * still exported, with error.type "mapping_error" on its span. Returns an input error, if any.
   */
  setMappingError(message) {
    return this[SET]((h) => {
      const text = message instanceof Error ? (message.message || message.name) : String(message ?? '');
      const st = N.generationSetMappingError(h, text);
      return st === 0 ? undefined : fromStatus(st);
    });
  }

  #provider(which, api, body, options) {
    const [data, isJson] = providerBody(body);
    const flags = options?.rawArtifacts ? PROVIDER_RAW_ARTIFACTS : 0;
    return this[SET]((h) => providerStatus(N.generationProvider(which, h, String(api), data ?? '', isJson, flags)));
  }

  /** Records when the first streamed token arrived (now when omitted). */
  setFirstTokenAt(firstTokenAt) {
    this[SET]((h) => {
      let at = timeArg(firstTokenAt);
      if (Number.isNaN(at)) return;
      // A Date of the current millisecond is "now": the engine's clock is finer,
      // and the millisecond could fall before the (nanosecond) start.
      if (typeof at === 'number' && at === Date.now()) at = undefined;
      N.generationSetFirstTokenAt(h, at);
    });
  }

  [END_ERROR](r) {
    // An encoding failure the engine saw as invalid JSON: report the reason.
    return this.#encodeError !== undefined && r[0] === 7 ? this.#encodeError : super[END_ERROR](r);
  }
}

/** Records one tool execution (a span and metrics; never exported as a generation). */
class ToolExecutionRecorder extends Recorder {
  #callError = undefined;
  #snapshot = undefined;

  /** @internal `snapshot`: the debug snapshot's record of this execution, filled as it goes, or undefined. */
  constructor(started, onEnd, snapshot) {
    super(started, { end: N.toolEnd, traceparent: N.toolTraceparent }, onEnd);
    this.#snapshot = snapshot;
  }

  /** @internal The debug snapshot's record, completed at end(). */
  get debugRecord() {
    return this.#snapshot;
  }

  /** Sets the arguments and result: text as is, any other value as JSON. Returns an input error, if any. */
  setResult(result) {
    return this[SET]((h) => {
      const r = result ?? {};
      if (this.#snapshot !== undefined) {
        this.#snapshot.arguments = r.arguments;
        this.#snapshot.result = r.result;
        if (r.completedAt instanceof Date) this.#snapshot.completedAt = r.completedAt;
      }
      const st = N.toolSetResult(h, toolContent(r.arguments), toolContent(r.result), timeArg(r.completedAt));
      return st === 0 ? undefined : fromStatus(st);
    });
  }

  /** Records that the tool failed (the span gets error status). */
  setCallError(error) {
    this[SET]((h) => {
      const [message, status] = callErrorArgs(error);
      this.#callError = error instanceof Error ? error : new Error(message);
      if (this.#snapshot !== undefined) this.#snapshot.callError = message;
      N.toolSetError(h, message, status);
    });
  }

  /** The local error of end(), else the tool's own failure (as the reference SDK reports it). */
  getError() {
    return super.getError() ?? this.#callError;
  }
}

/** Records one embedding call (a span and metrics; never exported as a generation). */
class EmbeddingRecorder extends Recorder {
  /** @internal */
  constructor(started) {
    super(started, { end: N.embeddingEnd, traceparent: N.embeddingTraceparent });
  }

  /** Sets the call's outcome. Returns an input error, if any. */
  setResult(result) {
    return this[SET]((h) => {
      const r = result ?? {};
      const refused = nulError('embedding result', r.responseModel, r.inputTexts);
      if (refused) {
        this[REFUSE](refused);
        return refused;
      }
      const st = N.embeddingSetResult(h, r.inputCount, r.inputTokens, r.responseModel, r.dimensions, r.inputTexts);
      return st === 0 ? undefined : fromStatus(st);
    });
  }

  /**
   * Maps the call from the provider's request and/or response body ("openai.embeddings",
   * "gemini.embed_content"): objects, JSON text or bytes. Throws InvalidArgumentError for an
   * unknown API; returns a MappingError (never throws) for a body the engine could only partly map.
   */
  setProviderResult(api, request, response) {
    const [req, reqJson] = providerBody(request);
    const [resp, respJson] = providerBody(response);
    return this[SET]((h) => providerStatus(N.embeddingSetProviderResult(h, String(api), req, reqJson, resp, respJson)));
  }

  /** Records that the embedding call failed. */
  setCallError(error) {
    this[SET]((h) => {
      const [message, status] = callErrorArgs(error);
      N.embeddingSetCallError(h, message, status);
    });
  }
}

const SPAN_STATUS = { unset: 0, ok: 1, error: 2 };

/** An attribute value for the addon: booleans, numbers, bigints and strings keep their type, others become JSON. */
const attributeValue = (v) =>
  typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' ? v : contentJson(v);

/**
 * Records one span of an application step (agent, chain, retriever, workflow, task, custom): spans
 * only, no generation export and no metrics (docs/agent-tracing.md). Call end(), or use
 * client.withSpan(). Setters never throw: they return an input error, which end() reports too.
 */
class SpanRecorder extends Recorder {
  #client;

  /** @internal */
  constructor(started, client) {
    super(started, { end: N.spanEnd, traceparent: N.spanTraceparent });
    this.#client = client;
  }

  /** The client that records this span. */
  get client() {
    return this.#client;
  }

  /** @internal The function that runs its argument with this span's host span active, or undefined. */
  get [HOST_SCOPE]() {
    return hostScopeOf(this);
  }

  /** The W3C tracestate this span carries on (its propagated parent's), or "". */
  get tracestate() {
    return this[HANDLE] ? N.spanTracestate(this[HANDLE]) : '';
  }

  /** The trace id (32 hex digits) of this span, or "" for a span that did not start. */
  get traceId() {
    return this.traceparent.split('-')[1] ?? '';
  }

  /**
   * Whether content (inputs, outputs, values set with `content: true`) would be kept under this
   * span's content capture mode; false once ended. traced() skips serializing what would be dropped.
   */
  get capturesContent() {
    return !this.ended && Boolean(this[HANDLE]) && N.spanCapturesContent(this[HANDLE]);
  }

  #status(st) {
    return st === 0 ? undefined : fromStatus(st);
  }

  /**
   * Sets one attribute: booleans, numbers (integers as ints) and bigints keep their type, strings
   * are text, anything else is written as JSON. `content: true` marks a value the capture mode may drop.
   */
  setAttribute(key, value, options = undefined) {
    return this[SET]((h) => {
      const refused = nulError('span attribute key', String(key));
      if (refused) return this.#refuse(refused);
      return this.#status(N.spanSetAttribute(h, String(key), attributeValue(value), Boolean(options?.content)));
    });
  }

  /** Sets every attribute of `attributes`; returns the first input error. */
  setAttributes(attributes, options = undefined) {
    let first;
    for (const [key, value] of Object.entries(attributes ?? {})) first ??= this.setAttribute(key, value, options);
    return first;
  }

  /** The step's input (sigil.span.input, as JSON; always content). */
  setInput(value) {
    return this[SET]((h) => this.#status(N.spanSetInput(h, contentJson(value))));
  }

  /** The step's output (sigil.span.output, as JSON; always content). */
  setOutput(value) {
    return this[SET]((h) => this.#status(N.spanSetOutput(h, contentJson(value))));
  }

  /**
   * Adds an event with typed attributes (typed as setAttribute types them) at `options.timestamp`
   * (a Date, epoch milliseconds or a bigint of nanoseconds; now by default); `content: true` marks
   * its attribute values as content.
   */
  addEvent(name, attributes = undefined, options = undefined) {
    return this[SET]((h) => {
      const entries = Object.entries(attributes ?? {});
      const keys = entries.map(([k]) => k);
      const refused = nulError('span event', String(name), keys);
      if (refused) return this.#refuse(refused);
      return this.#status(N.spanAddEvent(h, String(name), timeArg(options?.timestamp), keys,
        entries.map(([, v]) => attributeValue(v)), Boolean(options?.content)));
    });
  }

  /** Sets the status: "ok", "error" (with `message`) or "unset". */
  setStatus(status, message = undefined) {
    return this[SET]((h) => {
      const code = SPAN_STATUS[String(status).trim().toLowerCase()];
      if (code === undefined) {
        return this.#refuse(new InvalidArgumentError(`sigil: unknown span status ${JSON.stringify(status)} ` +
          '(one of ok, error, unset)', 1));
      }
      return this.#status(N.spanSetStatus(h, code, message === undefined ? undefined : String(message)));
    });
  }

  /**
   * Records that the step failed: status ERROR, error.type (the error's name, e.g. "TypeError")
   * and an "exception" event with the message (content-free modes keep only the type).
   */
  setError(error) {
    return this[SET]((h) => {
      const type = error instanceof Error ? (error.name || error.constructor?.name) : undefined;
      const [message] = callErrorArgs(error);
      return this.#status(N.spanSetError(h, type, message));
    });
  }

  #refuse(err) {
    this[REFUSE](err);
    return err;
  }
}

/** The debug snapshot's ToolExecution for a start (the reference's fields), completed by the recorder. */
function toolRecord(s, ctx) {
  const record = { toolName: String(s.toolName) };
  const copy = (key, value) => {
    if (value !== undefined && value !== null && value !== '') record[key] = value;
  };
  copy('toolCallId', s.toolCallId);
  copy('toolType', s.toolType);
  copy('toolDescription', s.toolDescription);
  copy('conversationId', s.conversationId ?? ctx.conversationId);
  copy('conversationTitle', s.conversationTitle ?? ctx.conversationTitle);
  copy('agentName', s.agentName ?? ctx.agentName);
  copy('agentVersion', s.agentVersion ?? ctx.agentVersion);
  copy('requestModel', s.requestModel);
  copy('requestProvider', s.requestProvider);
  record.includeContent = Boolean(s.includeContent);
  record.startedAt = s.startedAt instanceof Date ? s.startedAt : new Date();
  return record;
}

/**
 * The callback form: runs `callback(recorder)`, records a thrown error as the
 * call error and rethrows it, always ends the recorder, and throws the
 * recorder's local error when the callback itself succeeded.
 */
/**
 * Runs the callback form of a recorder with the record's span active: the host span (host
 * pipeline), else the engine's span, as the active OpenTelemetry span when the application uses
 * @opentelemetry/api, and as the parent of Sigil recorders started there in any case.
 */
function runWithRecorder(recorder, callback) {
  return context.runAsParent(recorder.traceparent, hostScopeOf(recorder), {},
    () => runRecorder(recorder, callback));
}

/** A function running its argument with the record's host span active (host pipeline), else undefined. */
function hostScopeOf(recorder) {
  const host = recorder[HOST];
  if (host?.span === undefined) return undefined;
  const { api } = host.telemetry;
  return (run) => api.context.with(api.trace.setSpan(api.context.active(), host.span), run);
}

async function runRecorder(recorder, callback) {
  let failed = false;
  try {
    return await callback(recorder);
  } catch (err) {
    failed = true;
    recorder.setCallError(err);
    throw err;
  } finally {
    recorder.end();
    const localError = recorder.getError();
    if (!failed && localError !== undefined) throw localError; // eslint-disable-line no-unsafe-finally
  }
}

// ---------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------

function ratingResponse(r) {
  const opt = (s) => (s === '' ? undefined : s);
  const iso = (ns) => (ns > 0n ? new Date(Number(ns / 1_000_000n)).toISOString() : undefined);
  let metadata;
  if (r.metadataJson !== '') {
    try {
      metadata = JSON.parse(r.metadataJson);
    } catch {
      metadata = undefined;
    }
  }
  const s = r.summary;
  return {
    rating: {
      ratingId: r.ratingId,
      conversationId: r.conversationId,
      generationId: opt(r.generationId),
      rating: RATING_NAMES[r.rating],
      comment: opt(r.comment),
      metadata,
      raterId: opt(r.raterId),
      source: opt(r.source),
      createdAt: r.createdAt,
    },
    summary: {
      totalCount: s.totalCount,
      goodCount: s.goodCount,
      badCount: s.badCount,
      latestRating: RATING_NAMES[s.latestRating],
      latestRatedAt: iso(s.latestRatedAtNs) ?? '',
      latestBadAt: iso(s.latestBadAtNs),
      hasBadRating: s.hasBadRating,
    },
  };
}

/**
 * Records generations, tool executions and embeddings, and exports them in
 * the background. Call shutdown() when done: it delivers what is queued.
 */
class SigilClient {
  #h;
  #logger;
  #hasResolver = false;
  #shutdown = undefined;
  #runningFlush = undefined;
  #queuedFlush = undefined;
  #exporter = undefined;
  #snapshotLimit = 0;
  #host = undefined; // HostTelemetry with the host pipeline
  #tracer = undefined; // config.tracer, for the framework handlers' spans
  #generations = [];
  #toolExecutions = [];
  // The ended recorders are kept (their handle holds the engine's JSON of the generation); debugSnapshot()
  // reads and decodes them, so end() pays no copy into JavaScript.
  #recordGeneration = (recorder) => this.#remember(this.#generations, recorder);
  #recordToolExecution = (recorder) => {
    const record = recorder.debugRecord;
    if (record === undefined) return;
    record.completedAt ??= new Date();
    const err = recorder.getError();
    if (err !== undefined && record.callError === undefined) record.callError = err.message;
    this.#remember(this.#toolExecutions, record);
  };

  /**
   * Creates the client. Fields left unset fall back to the SIGIL_* / OTEL_*
   * environment variables and then to the engine's defaults. Throws a
   * ConfigError (name "InvalidConfig") for an invalid configuration.
   */
  constructor(config = {}) {
    const ops = optionOps(config);
    this.#logger = config?.logger;
    const resolver = config?.contentCaptureResolver;
    const sanitizer = config?.sanitizer;
    this.#hasResolver = typeof resolver === 'function';
    this.#exporter = config?.generationExporter ?? undefined;
    this.#snapshotLimit = debugSnapshotLimit(config);
    this.#tracer = config?.tracer ?? undefined;
    if (telemetryMode(config ?? {}) !== 'engine') {
      const api = loadApi();
      if (api === undefined) {
        throw new ConfigError(`sigil: telemetryMode ${JSON.stringify(telemetryMode(config))} needs @opentelemetry/api`, 8);
      }
      const log = this.#logger ? logFunction(this.#logger) : undefined;
      this.#host = new HostTelemetry(api, config.tracer, config.meter,
        log && ((level, message) => log(level === 'error' ? 3 : 1, message)));
    }
    const r = N.clientNew(ops, this.#logger ? logFunction(this.#logger) : undefined,
      typeof resolver === 'function' ? resolverFunction(resolver) : undefined,
      typeof sanitizer === 'function' ? sanitizerFunction(sanitizer) : undefined,
      this.#exporter !== undefined ? exporterDispatcher(this.#exporter) : undefined);
    if (r[0] !== 0) throw fromStatus(r[0], r[0] === 8 ? jsFieldNames(r[1]) : r[1]);
    this.#h = r[1];
  }

  #remember(list, record) {
    if (record === undefined || this.#snapshotLimit === 0) return;
    list.push(record);
    if (list.length > this.#snapshotLimit) list.splice(0, list.length - this.#snapshotLimit);
  }

  /** @internal The configured tracer (config.tracer), or undefined. */
  get [FRAMEWORK_TRACER]() {
    return this.#tracer;
  }

  /**
   * An in-memory snapshot for tests and debugging, as the reference SDK's: the generations as end()
   * normalized them and the tool executions ended so far (the most recent `debugSnapshotLimit`, default
   * 100, each), and how many generations wait in the export queue. Returns copies.
   */
  debugSnapshot() {
    return {
      generations: this.#generations.map((r) => r.lastGeneration).filter((g) => g !== undefined),
      toolExecutions: this.#toolExecutions.map((t) => structuredClone(t)),
      queueSize: Number(this.stats().queueItems),
    };
  }

  /** Starts recording a generation (mode SYNC unless start.mode says otherwise). */
  startGeneration(start, callback) {
    return this.#generation(start, false, callback);
  }

  /** Starts recording a streaming generation (mode STREAM unless start.mode says otherwise). */
  startStreamingGeneration(start, callback) {
    return this.#generation(start, true, callback);
  }

  #generation(start, streaming, callback) {
    const s = start ?? {};
    const ctx = context.current();
    const model = s.model;
    if (s.mode !== undefined) streaming = s.mode === 'STREAM' || s.mode === 'GENERATION_MODE_STREAM';
    const refused = nulError('generation start', s.id, s.conversationId, s.conversationTitle, s.userId, s.agentName,
      s.agentVersion, s.operationName, model?.provider, model?.name, s.systemPrompt, s.toolChoice,
      ctx.conversationId, ctx.conversationTitle, ctx.userId, ctx.agentName, ctx.agentVersion);
    const host = this.#hostStart('generation',
      spanName(s.operationName || (streaming ? 'streamText' : 'generateText'), model?.name), s.startedAt, ctx);
    const h = N.generationStart(this.#h, streaming, s.id, s.conversationId, s.conversationTitle, s.userId,
      s.agentName, s.agentVersion, s.operationName, model?.provider, model?.name, s.systemPrompt, s.maxTokens,
      s.temperature, s.topP, s.toolChoice, s.thinkingEnabled, toolsJSON(s.tools), objectJSON(s.tags),
      objectJSON(s.metadata), host?.startedAt ?? timeArg(s.startedAt), ctx.conversationId, ctx.conversationTitle,
      ctx.userId, ctx.agentName, ctx.agentVersion, ctx.parentTraceparent, recordCaptureMode(s.contentCapture, ctx),
      host?.traceparent, Boolean(ctx.parentIsLocal));
    const recorder = new GenerationRecorder(h, this.#snapshotLimit > 0 ? this.#recordGeneration : undefined);
    if (this.#host !== undefined) recorder[HOST] = { telemetry: this.#host, span: host?.span };
    if (refused) {
      recorder[REFUSE](refused);
      if (recorder[HANDLE]) N.generationSetResult(recorder[HANDLE], 'null'); // the engine keeps it from export
    }
    if (callback === undefined) return recorder;
    // Tool executions started by the callback follow this generation's mode.
    const mode = recorder.contentCaptureMode;
    return mode === undefined
      ? runWithRecorder(recorder, callback)
      : context.withContentCaptureMode(mode, () => runWithRecorder(recorder, callback));
  }

  /** The host span of a record about to start (host pipeline), or undefined; never throws. */
  #hostStart(kind, name, startedAt, ctx) {
    if (this.#host === undefined || this.#shutdown !== undefined) return undefined;
    try {
      const started = this.#host.start(kind, name, startedAt instanceof Date ? startedAt.getTime() : startedAt, ctx);
      // No span of the tracer's own (a no-op tracer): the engine's span stands alone.
      return started.traceparent === undefined ? undefined : started;
    } catch (err) {
      this.#logger?.error?.(`sigil: starting a span with the host tracer failed: ${err?.message ?? err}`);
      return undefined;
    }
  }

  /** Starts recording a tool execution. A blank tool name gives a recorder that records nothing. */
  startToolExecution(start, callback) {
    const s = start ?? {};
    const ctx = context.current();
    const refused = nulError('tool execution start', s.toolName, s.toolCallId, s.toolType, s.toolDescription,
      s.conversationId, s.conversationTitle, s.agentName, s.agentVersion, s.requestModel, s.requestProvider,
      ctx.conversationId, ctx.conversationTitle, ctx.agentName, ctx.agentVersion);
    const host = this.#hostStart('tool', spanName('execute_tool', s.toolName || 'unknown'), s.startedAt, ctx);
    const h = N.toolStart(this.#h, s.toolName, s.toolCallId, s.toolType, s.toolDescription, s.conversationId,
      s.conversationTitle, s.agentName, s.agentVersion, s.requestModel, s.requestProvider,
      Boolean(s.includeContent), host?.startedAt ?? timeArg(s.startedAt), ctx.conversationId, ctx.conversationTitle,
      ctx.agentName, ctx.agentVersion, ctx.parentTraceparent, recordCaptureMode(s.contentCapture, ctx),
      host?.traceparent, Boolean(ctx.parentIsLocal));
    // A blank tool name records nothing, in the snapshot either.
    const named = typeof s.toolName === 'string' && s.toolName.trim() !== '';
    const snapshot = this.#snapshotLimit > 0 && named && !Array.isArray(h) && h ? toolRecord(s, ctx) : undefined;
    const recorder = new ToolExecutionRecorder(h, snapshot && this.#recordToolExecution, snapshot);
    if (this.#host !== undefined) recorder[HOST] = { telemetry: this.#host, span: host?.span };
    if (refused) recorder[REFUSE](refused);
    return callback === undefined ? recorder : runWithRecorder(recorder, callback);
  }

  /** Starts recording an embedding call. */
  startEmbedding(start, callback) {
    const s = start ?? {};
    const ctx = context.current();
    const model = s.model;
    const refused = nulError('embedding start', model?.provider, model?.name, s.agentName, s.agentVersion,
      s.encodingFormat, ctx.agentName, ctx.agentVersion);
    const host = this.#hostStart('embedding', spanName('embeddings', model?.name), s.startedAt, ctx);
    const h = N.embeddingStart(this.#h, model?.provider, model?.name, s.agentName, s.agentVersion, s.dimensions,
      s.encodingFormat, host?.startedAt ?? timeArg(s.startedAt), ctx.agentName, ctx.agentVersion,
      ctx.parentTraceparent, captureMode(s.contentCapture), host?.traceparent, Boolean(ctx.parentIsLocal));
    const recorder = new EmbeddingRecorder(h);
    if (this.#host !== undefined) recorder[HOST] = { telemetry: this.#host, span: host?.span };
    if (refused) recorder[REFUSE](refused);
    return callback === undefined ? recorder : runWithRecorder(recorder, callback);
  }

  /**
   * Starts a span of an application step (docs/agent-tracing.md): `kind` is "agent", "chain",
   * "retriever", "workflow", "task" or "custom" (the default). Its parent is `parent` (a
   * traceparent string or an extract()-ed RemoteContext), else the current span (withSpan,
   * traced, a recorder's callback, the active OpenTelemetry span); `root: true` starts a new trace
   * unless an extract()-ed context is current. Call end(), or use withSpan().
   */
  startSpan(start) {
    const s = start ?? {};
    const kind = spanKind(s.kind);
    const ctx = spanParent(s, context.current());
    const refused = nulError('span start', s.name, s.conversationId, s.conversationTitle, s.agentName,
      s.agentVersion, ctx.parentTraceparent, ctx.parentTracestate, ctx.conversationId, ctx.conversationTitle,
      ctx.agentName, ctx.agentVersion);
    const kindName = Object.keys(SPAN_KINDS)[kind - 1];
    const name = typeof s.name === 'string' && s.name.trim() !== '' ? s.name : kindName;
    const host = this.#hostStart('span', kind === SPAN_KINDS.agent
      ? spanName('invoke_agent', s.agentName || ctx.agentName || name) : name, s.startedAt, ctx);
    // A string a C string cannot carry: the engine refuses the start (kind 0) rather than record a cut value.
    const h = N.spanStart(this.#h, refused ? 0 : kind, s.name, s.conversationId, s.conversationTitle, s.agentName, s.agentVersion,
      host?.startedAt ?? timeArg(s.startedAt), ctx.conversationId, ctx.conversationTitle, ctx.agentName,
      ctx.agentVersion, ctx.parentTraceparent, ctx.parentTracestate, Boolean(ctx.parentIsLocal),
      recordCaptureMode(s.contentCapture, ctx), host?.traceparent);
    const recorder = new SpanRecorder(h, this);
    if (this.#host !== undefined) recorder[HOST] = { telemetry: this.#host, span: host?.span };
    if (refused) recorder[REFUSE](refused);
    return recorder;
  }

  /**
   * Runs `callback(span)` with a new span (startSpan(options)) as the current span: what starts
   * inside (generations, tool executions, spans), across awaits, is its child. Ends the span when
   * the callback returns or its promise settles; a thrown error or rejection marks the span
   * (setError) and is rethrown unchanged. Returns what the callback returns.
   */
  withSpan(options, callback) {
    return runInSpan(this.startSpan(options), callback, undefined);
  }

  /** traced(fn, options) with this client (see traced). */
  traced(fn, options = undefined) {
    return tracedFunction(fn, { ...options, client: this });
  }

  /**
   * Sends a conversation rating to the Sigil API now (off the event loop).
   * Rejects with a ValidationError (invalid input, or refused by the server),
   * RatingConflictError, RatingTransportError or ClientShutdownError.
   */
  async submitConversationRating(conversationId, input, options = undefined) {
    const i = input ?? {};
    const rating = RATING_VALUES[typeof i.rating === 'string' ? i.rating.trim() : ''] ?? 0;
    refuseNul('conversation rating', conversationId, i.ratingId, i.comment, i.generationId, i.raterId, i.source);
    const token = this.#hasResolver ? registerContext() : 0;
    try {
      const r = await N.submitRating(this.#h, conversationId, i.ratingId, rating, i.comment, objectJSON(i.metadata),
        i.generationId, i.raterId, i.source, options?.timeoutMs ?? 0, token);
      if (r[0] !== 0) throw fromStatus(r[0], r[1], RATING_CLASSES);
      return ratingResponse(r[1]);
    } finally {
      if (token !== 0) pendingContexts.delete(token);
    }
  }

  /**
   * Queues an evaluation score for a generation and returns its score id
   * (generated when `scoreId` is not given). `value` is a number, a boolean or
   * a string; its type picks the kind. Scores are batched and retried in the
   * background (flush waits for them); the score id is the idempotency key.
   * Throws a ValidationError for invalid input (nothing is queued),
   * QueueFullError or ClientShutdownError.
   */
  submitScore(score) {
    const s = score ?? {};
    const v = s.value;
    const kind = typeof v === 'boolean' ? 2 : typeof v === 'number' ? 1 : typeof v === 'string' ? 3 : 0;
    refuseNul('score', s.scoreId, s.generationId, s.conversationId, s.traceId, s.spanId, s.evaluatorId,
      s.evaluatorVersion, s.key, kind === 3 ? v : undefined, s.label, s.rationale);
    const passed = s.passed === undefined || s.passed === null ? 0 : s.passed ? 1 : 2;
    const r = N.submitScore(this.#h, s.scoreId, s.generationId, s.conversationId, s.traceId, s.spanId,
      s.evaluatorId, s.evaluatorVersion, s.key, kind, kind === 1 ? v : 0, kind === 2 ? v : false,
      kind === 3 ? v : undefined, passed, s.label, s.rationale, objectJSON(s.metadata), timeArg(s.createdAt));
    if (r[0] !== 0) throw fromStatus(r[0], r[1]);
    return r[1];
  }

  /**
   * Waits (off the event loop) until everything recorded so far is delivered
   * or dropped. Rejects with a TimeoutError after `timeoutMs` (default 10 s)
   * and with a ClientShutdownError after shutdown.
   */
  flush(timeoutMs = DEFAULT_TIMEOUT_MS) {
    // Each flush parks a thread of libuv's pool until it is done; concurrent
    // calls share the flush queued behind the running one (which covers every
    // record they could be waiting for), so a burst uses at most two threads.
    if (this.#queuedFlush !== undefined) return this.#queuedFlush;
    if (this.#runningFlush === undefined) return this.#startFlush(timeoutMs);
    this.#queuedFlush = this.#runningFlush.then(() => {
      this.#queuedFlush = undefined;
      return this.#startFlush(timeoutMs);
    });
    return this.#queuedFlush;
  }

  #startFlush(timeoutMs) {
    const settled = N.clientFlush(this.#h, timeoutMs); // resolves with the status, never rejects
    this.#runningFlush = settled.then(() => {
      this.#runningFlush = undefined;
    });
    return settled.then((r) => {
      if (r !== 0) throw fromStatus(r[0], r[1]);
    });
  }

  /**
   * Stops accepting records and delivers what is queued within `timeoutMs`
   * (default 10 s), off the event loop. Idempotent; never rejects: what cannot
   * be delivered in time is dropped, counted in stats() and logged.
   */
  shutdown(timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.#shutdown ??= N.clientShutdown(this.#h, timeoutMs).then(async (r) => {
      if (r !== 0) this.#logger?.warn?.(`sigil: shutdown: ${r[1]}`);
      try {
        await this.#exporter?.shutdown?.();
      } catch (err) {
        this.#logger?.warn?.(`sigil generation exporter shutdown failed: ${err instanceof Error ? err.message : err}`);
      }
    });
    return this.#shutdown;
  }

  /** Extension: export counters since the client started. */
  stats() {
    return N.clientStats(this.#h);
  }

  /** Extension: the aggregated GenAI histograms (see sigil_client_metrics_snapshot). */
  metricsSnapshot() {
    const r = N.clientMetricsSnapshot(this.#h);
    if (typeof r !== 'string') throw fromStatus(r[0], r[1]);
    return JSON.parse(r);
  }
}

if (typeof Symbol.asyncDispose === 'symbol') {
  SigilClient.prototype[Symbol.asyncDispose] = function asyncDispose() {
    return this.shutdown();
  };
}

/** Convenience factory equivalent to `new SigilClient(config)`. */
function createSigilClient(config = {}) {
  return new SigilClient(config);
}

/** A configuration with nothing set: the environment and the engine's defaults apply. */
function defaultConfig() {
  return { generationExport: {}, api: {}, embeddingCapture: {} };
}

/**
 * Extension: validates a generation result (the GenerationResult shape, plus
 * `model`) with the rules end() applies. Returns the error, or undefined.
 */
function validateGeneration(generation) {
  const r = N.validateGenerationJson(...generationResult(generation ?? {}));
  return toError(r);
}

module.exports = {
  SigilClient,
  FRAMEWORK_TRACER,
  GenerationRecorder,
  ToolExecutionRecorder,
  EmbeddingRecorder,
  SpanRecorder,
  createSigilClient,
  defaultConfig,
  validateGeneration,
  SDK_NAME,
  libraryVersion: N.libraryVersion,
};

// ---------------------------------------------------------------------------
// Stream events in batches (sigil_generation_add_provider_events)
// ---------------------------------------------------------------------------

/**
 * Feeds several stream events at once, in order, as that many addProviderEvent
 * calls would, in one crossing into the engine. `arrivedAt` (optional): when
 * each event reached the caller, as a BigInt64Array of Unix nanoseconds (or an
 * array of Dates / epoch milliseconds), so the first content event still sets
 * the time to first token. Returns a mapping problem as addProviderEvent does.
 */
GenerationRecorder.prototype.addProviderEvents = function addProviderEvents(api, events, arrivedAt, options) {
  const list = Array.from(events ?? [], (e) => {
    if (typeof e === 'string') return e;
    if (e instanceof Uint8Array) return Buffer.from(e.buffer, e.byteOffset, e.byteLength).toString('utf8');
    return JSON.stringify(e);
  });
  let times;
  if (arrivedAt !== undefined && arrivedAt !== null) {
    if (arrivedAt instanceof BigInt64Array) {
      times = arrivedAt;
    } else {
      times = new BigInt64Array(list.length);
      Array.from(arrivedAt).forEach((t, i) => {
        if (i < list.length) times[i] = typeof t === 'bigint' ? t : BigInt(Math.round(Number(t))) * 1_000_000n;
      });
    }
    if (times.length < list.length) {
      throw new InvalidArgumentError('sigil: addProviderEvents needs one arrival time per event', 1);
    }
  }
  const flags = options?.rawArtifacts ? PROVIDER_RAW_ARTIFACTS : 0;
  return this[SET]((h) => providerStatus(N.generationAddProviderEvents(h, String(api), list, times, flags)));
};

/**
 * Extension: adds one string metadata entry to the generation's result (kept
 * when a result or provider mapping is set later). Returns an input error.
 */
GenerationRecorder.prototype.setMetadata = function setMetadata(key, value) {
  return this[SET]((h) => {
    const st = N.generationSetMetadataString(h, String(key), String(value));
    return st === 0 ? undefined : fromStatus(st);
  });
};
