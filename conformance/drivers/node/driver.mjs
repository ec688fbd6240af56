// The Node conformance driver: the line protocol of conformance/README.md over
// the public sigil-sdk API, used the way an application uses it.
//
// One JSON request per line on stdin, one JSON reply per line on stdout;
// diagnostics go to stderr. Requests carry sigil.v1 protojson; the driver turns
// it into the SDK's (reference-shaped, camelCase) objects, applies the
// request's "context" with the AsyncLocalStorage helpers (withConversationId,
// ...) around the start call, and answers with the canonical error names every
// sigil-sdk error carries as `name`.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createInterface } from 'node:readline';

import {
  SigilClient,
  SigilError,
  GenerationRecorder,
  ToolExecutionRecorder,
  EmbeddingRecorder,
  SpanRecorder,
  extract,
  libraryVersion,
  withAgentName,
  withAgentVersion,
  withConversationId,
  withConversationTitle,
  withParentTraceparent,
  withUserId,
} from '../../../bindings/node/lib/index.mjs';

const PROTOCOL_VERSION = 1;
const DEFAULT_TIMEOUT_MS = 5000;

/** The request itself is wrong (not an SDK error): answered with ok=false. */
class BadRequest extends Error {
  constructor(message, unsupported = false) {
    super(message);
    this.unsupported = unsupported;
  }
}

/** What a provider client throws: a message and, like most HTTP SDKs, a status. */
class ProviderError extends Error {
  constructor(message, status) {
    super(message);
    if (status) this.status = status;
  }
}

// ---------------------------------------------------------------------------
// Request helpers
// ---------------------------------------------------------------------------

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

const PROVIDER_BODY_KEYS = ['op', 'handle', 'api', 'body', 'raw_artifacts'];
const PROVIDER_EVENTS_KEYS = ['op', 'handle', 'api', 'events', 'raw_artifacts'];

/** A provider body as the binding takes it: JSON text as is, any other JSON value as the object. */
function providerBody(v, key) {
  if (v === undefined || v === null) throw new BadRequest(`"${key}" is required`);
  return v;
}

/** An object whose keys are all known (a typo in a scenario fails loudly). */
function only(obj, what, allowed) {
  if (obj === undefined || obj === null) return {};
  if (!isObject(obj)) throw new BadRequest(`${what} must be an object`);
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new BadRequest(`${what}: unknown key "${key}"`);
  }
  return obj;
}

function text(obj, key) {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new BadRequest(`"${key}" must be a string`);
  return v;
}

/** An int64 given as a number or a decimal string: a number when exact, else a bigint. */
function integer(obj, key) {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) {
    const big = BigInt(v);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  throw new BadRequest(`"${key}" must be an integer`);
}

function number(obj, key) {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
  throw new BadRequest(`"${key}" must be a number`);
}

function boolean(obj, key) {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new BadRequest(`"${key}" must be a boolean`);
  return v;
}

/** Unix nanoseconds (number or string) as the bigint the SDK accepts for exact times. */
function nanos(obj, key) {
  const v = integer(obj, key);
  return v === undefined || v === 0 ? undefined : BigInt(v);
}

/** A sigil.v1 bytes field: protojson base64 becomes exact bytes; a JSON value stays a JSON value. */
function bytesValue(value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw new BadRequest(`bytes field is not base64: ${value.slice(0, 40)}`);
    return new Uint8Array(Buffer.from(value, 'base64'));
  }
  return value;
}

/** A timestamp: RFC 3339 text or Unix nanoseconds. */
function timestamp(value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))) {
    return new Date(Number(BigInt(value) / 1_000_000n));
  }
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new BadRequest(`bad timestamp ${JSON.stringify(value)}`);
  return d;
}

// {"$bytes": base64} stands for a string holding exactly those bytes (how the
// protocol carries invalid UTF-8). JavaScript holds the UTF-8-encoded lone
// surrogates the scenarios use as lone UTF-16 surrogates, which sigil-sdk hands
// to the engine unchanged; other invalid bytes cannot be held in a string.
function decodeWtf8(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    let cp;
    let n;
    if (b < 0x80) [cp, n] = [b, 1];
    else if (b >= 0xc2 && b < 0xe0) [cp, n] = [b & 0x1f, 2];
    else if (b >= 0xe0 && b < 0xf0) [cp, n] = [b & 0x0f, 3];
    else if (b >= 0xf0 && b < 0xf5) [cp, n] = [b & 0x07, 4];
    else return undefined;
    if (i + n > bytes.length) return undefined;
    for (let k = 1; k < n; k++) {
      if ((bytes[i + k] & 0xc0) !== 0x80) return undefined;
      cp = (cp << 6) | (bytes[i + k] & 0x3f);
    }
    if ((n === 3 && cp < 0x800) || (n === 4 && (cp < 0x10000 || cp > 0x10ffff))) return undefined;
    out += String.fromCodePoint(cp);
    i += n;
  }
  return out;
}

function expandBytes(value) {
  if (Array.isArray(value)) return value.map(expandBytes);
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === '$bytes') {
    const s = decodeWtf8(Buffer.from(String(value.$bytes), 'base64'));
    if (s === undefined) throw new BadRequest('these bytes cannot be held in a JavaScript string', true);
    return s;
  }
  const out = {};
  for (const k of keys) out[k] = expandBytes(value[k]);
  return out;
}

// ---------------------------------------------------------------------------
// Context: applied the way an application does, with the with* helpers
// ---------------------------------------------------------------------------

const CONTEXT_HELPERS = {
  conversation_id: withConversationId,
  conversation_title: withConversationTitle,
  user_id: withUserId,
  agent_name: withAgentName,
  agent_version: withAgentVersion,
  parent_traceparent: withParentTraceparent,
};

function inContext(values, allowed, fn) {
  const ctx = only(values, 'context', allowed);
  let run = fn;
  for (const key of Object.keys(ctx)) {
    if (key === 'parent_span' || key === 'headers') continue; // Driver.inSpanContext
    const value = text(ctx, key);
    if (value === undefined) continue;
    const inner = run;
    run = () => CONTEXT_HELPERS[key](value, inner);
  }
  return run();
}

// ---------------------------------------------------------------------------
// protojson -> sigil-sdk objects
// ---------------------------------------------------------------------------

const ROLES = {
  MESSAGE_ROLE_USER: 'user', MESSAGE_ROLE_ASSISTANT: 'assistant', MESSAGE_ROLE_TOOL: 'tool',
  user: 'user', assistant: 'assistant', tool: 'tool',
};
const MODES = { GENERATION_MODE_SYNC: 'SYNC', GENERATION_MODE_STREAM: 'STREAM', SYNC: 'SYNC', STREAM: 'STREAM' };

function modelRef(obj) {
  const m = only(obj, 'model', ['provider', 'name']);
  return { provider: text(m, 'provider'), name: text(m, 'name') };
}

function toolDefinition(obj) {
  const t = only(obj, 'tool', ['name', 'description', 'type', 'input_schema_json', 'deferred']);
  return {
    name: text(t, 'name'),
    description: text(t, 'description'),
    type: text(t, 'type'),
    inputSchemaJSON: bytesValue(t.input_schema_json),
    deferred: boolean(t, 'deferred'),
  };
}

function part(obj) {
  const p = only(obj, 'part', ['text', 'thinking', 'tool_call', 'tool_result', 'media', 'metadata']);
  const md = only(p.metadata, 'part.metadata', ['provider_type']);
  const metadata = md.provider_type !== undefined ? { providerType: text(md, 'provider_type') } : undefined;
  if ('text' in p) return { type: 'text', text: text(p, 'text'), metadata };
  if ('thinking' in p) return { type: 'thinking', thinking: text(p, 'thinking'), metadata };
  if ('tool_call' in p) {
    const tc = only(p.tool_call, 'tool_call', ['id', 'name', 'input_json']);
    return {
      type: 'tool_call',
      toolCall: { id: text(tc, 'id'), name: text(tc, 'name'), inputJSON: bytesValue(tc.input_json) },
      metadata,
    };
  }
  if ('tool_result' in p) {
    const tr = only(p.tool_result, 'tool_result', ['tool_call_id', 'name', 'content', 'content_json', 'is_error']);
    return {
      type: 'tool_result',
      toolResult: {
        toolCallId: text(tr, 'tool_call_id'),
        name: text(tr, 'name'),
        content: text(tr, 'content'),
        contentJSON: bytesValue(tr.content_json),
        isError: boolean(tr, 'is_error'),
      },
      metadata,
    };
  }
  if ('media' in p) {
    const m = only(p.media, 'media', ['kind', 'url', 'mime_type', 'name']);
    return {
      type: 'media',
      media: { kind: text(m, 'kind'), url: text(m, 'url'), mimeType: text(m, 'mime_type'), name: text(m, 'name') },
      metadata,
    };
  }
  throw new BadRequest('a part needs one of text, thinking, tool_call, tool_result, media');
}

function message(obj) {
  const m = only(obj, 'message', ['role', 'name', 'parts']);
  const role = ROLES[m.role];
  if (role === undefined) throw new BadRequest(`unknown role ${JSON.stringify(m.role)}`);
  return { role, name: text(m, 'name'), parts: (m.parts ?? []).map(part) };
}

const USAGE = {
  input_tokens: 'inputTokens', output_tokens: 'outputTokens', total_tokens: 'totalTokens',
  cache_read_input_tokens: 'cacheReadInputTokens', cache_write_input_tokens: 'cacheWriteInputTokens',
  cache_creation_input_tokens: 'cacheCreationInputTokens', reasoning_tokens: 'reasoningTokens',
};

function tokenUsage(obj) {
  const u = only(obj, 'usage', Object.keys(USAGE));
  const out = {};
  for (const key of Object.keys(u)) out[USAGE[key]] = integer(u, key);
  return out;
}

function artifact(obj) {
  const a = only(obj, 'artifact', ['kind', 'name', 'content_type', 'payload', 'record_id', 'uri']);
  if (typeof a.kind !== 'string' || !a.kind.startsWith('ARTIFACT_KIND_')) {
    throw new BadRequest(`unknown artifact kind ${JSON.stringify(a.kind)}`);
  }
  return {
    type: a.kind.slice('ARTIFACT_KIND_'.length).toLowerCase(),
    name: text(a, 'name'),
    mimeType: text(a, 'content_type'),
    payload: bytesValue(a.payload),
    recordId: text(a, 'record_id'),
    uri: text(a, 'uri'),
  };
}

const RESULT_STRINGS = {
  id: 'id', conversation_id: 'conversationId', conversation_title: 'conversationTitle', user_id: 'userId',
  agent_name: 'agentName', agent_version: 'agentVersion', operation_name: 'operationName',
  response_id: 'responseId', response_model: 'responseModel', system_prompt: 'systemPrompt',
  stop_reason: 'stopReason', effective_version: 'effectiveVersion',
};
const RESULT_KEYS = [...Object.keys(RESULT_STRINGS), 'mode', 'model', 'input', 'output', 'tools', 'usage',
  'started_at', 'completed_at', 'tags', 'metadata', 'raw_artifacts', 'max_tokens', 'temperature', 'top_p',
  'tool_choice', 'thinking_enabled', 'parent_generation_ids'];

/** A sigil.v1 Generation (protojson) as the SDK's GenerationResult. */
function generationResult(obj) {
  const r = only(obj, 'result', RESULT_KEYS);
  const out = {};
  for (const [from, to] of Object.entries(RESULT_STRINGS)) {
    if (from in r) out[to] = text(r, from);
  }
  if (r.mode !== undefined && r.mode !== null) {
    out.mode = MODES[r.mode];
    if (out.mode === undefined) throw new BadRequest(`unknown mode ${JSON.stringify(r.mode)}`);
  }
  if (r.model !== undefined && r.model !== null) out.model = modelRef(r.model);
  if (r.input) out.input = r.input.map(message);
  if (r.output) out.output = r.output.map(message);
  if (r.tools) out.tools = r.tools.map(toolDefinition);
  if (r.usage) out.usage = tokenUsage(r.usage);
  if (r.started_at !== undefined) out.startedAt = timestamp(r.started_at);
  if (r.completed_at !== undefined) out.completedAt = timestamp(r.completed_at);
  if (r.tags) out.tags = r.tags;
  if (r.metadata) out.metadata = r.metadata;
  if (r.raw_artifacts) out.artifacts = r.raw_artifacts.map(artifact);
  if (r.max_tokens !== undefined) out.maxTokens = integer(r, 'max_tokens');
  if (r.temperature !== undefined) out.temperature = number(r, 'temperature');
  if (r.top_p !== undefined) out.topP = number(r, 'top_p');
  if (r.tool_choice !== undefined) out.toolChoice = text(r, 'tool_choice');
  if (r.thinking_enabled !== undefined) out.thinkingEnabled = boolean(r, 'thinking_enabled');
  if (r.parent_generation_ids) out.parentGenerationIds = r.parent_generation_ids;
  return out;
}

const GENERATION_START_KEYS = ['id', 'conversation_id', 'conversation_title', 'user_id', 'agent_name',
  'agent_version', 'operation_name', 'model', 'system_prompt', 'max_tokens', 'temperature', 'top_p',
  'tool_choice', 'thinking_enabled', 'tools', 'tags', 'metadata', 'content_capture'];
const GENERATION_CONTEXT_KEYS = ['conversation_id', 'conversation_title', 'user_id', 'agent_name', 'agent_version',
  'parent_traceparent', 'parent_span'];
const TOOL_START_KEYS = ['tool_name', 'tool_call_id', 'tool_type', 'tool_description', 'conversation_id',
  'conversation_title', 'agent_name', 'agent_version', 'request_model', 'request_provider', 'include_content',
  'content_capture'];
const TOOL_CONTEXT_KEYS = ['conversation_id', 'conversation_title', 'agent_name', 'agent_version',
  'parent_traceparent', 'parent_span'];
const EMBEDDING_START_KEYS = ['model', 'agent_name', 'agent_version', 'dimensions', 'encoding_format',
  'content_capture'];
const CAPTURE_MODES = ['default', 'full', 'no_tool_content', 'metadata_only', 'full_with_metadata_spans'];

/** The start's per-call content capture mode (protocol addition), by name. */
function contentCapture(start) {
  const mode = text(start, 'content_capture');
  if (mode !== undefined && !CAPTURE_MODES.includes(mode)) {
    throw new BadRequest(`unknown content_capture ${JSON.stringify(mode)}`);
  }
  return mode;
}
const SPAN_START_KEYS = ['kind', 'name', 'conversation_id', 'conversation_title', 'agent_name', 'agent_version',
  'content_capture'];
const SPAN_CONTEXT_KEYS = ['parent_span', 'headers', 'conversation_id', 'agent_name'];

/** A JSON attribute value: numbers are typed by the binding (integers as ints). */
function attributeValue(value) {
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') return value;
  throw new BadRequest('an attribute value must be a string, number or bool');
}

const EMBEDDING_CONTEXT_KEYS = ['agent_name', 'agent_version', 'parent_traceparent'];
const EMBEDDING_RESULT_KEYS = ['input_count', 'input_tokens', 'response_model', 'dimensions', 'input_texts'];
const CONFIG_KEYS = ['protocol', 'endpoint', 'api_endpoint', 'otlp_endpoint', 'headers', 'agent_name',
  'agent_version', 'user_id', 'tags', 'batch_size', 'flush_interval_ms', 'queue_size', 'max_retries',
  'payload_max_bytes'];
const RATING_KEYS = ['conversation_id', 'rating_id', 'rating', 'comment', 'metadata', 'generation_id', 'rater_id',
  'source'];
const RATING_VALUES = ['CONVERSATION_RATING_VALUE_GOOD', 'CONVERSATION_RATING_VALUE_BAD',
  'CONVERSATION_RATING_VALUE_UNSPECIFIED'];

/** Copies the keys that are present (also "" values: they are passed explicitly). */
function present(src, mapping) {
  const out = {};
  for (const [from, to] of Object.entries(mapping)) {
    if (src[from] !== undefined && src[from] !== null) out[to] = text(src, from);
  }
  return out;
}

// ---------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------

function reply(error) {
  if (error === undefined || error === null) return { ok: true, error: null, message: null };
  if (error instanceof SigilError) return { ok: true, error: error.name, message: error.message };
  throw error; // not an SDK error: a driver bug, reported by the main loop
}

class Driver {
  client = undefined;
  recorders = new Map(); // alive until exit, like the C driver's handles
  spans = new Map(); // span handle -> { snapshot: runs a function with the span current, release }

  needClient() {
    if (this.client === undefined) throw new BadRequest('no client: send client.new first');
    return this.client;
  }

  newHandle(req) {
    const name = text(req, 'handle');
    if (!name) throw new BadRequest('"handle" is required');
    if (this.recorders.has(name)) throw new BadRequest(`handle "${name}" already exists`);
    return name;
  }

  /**
   * Runs `fn` in the request's context: inside the span "parent_span" names (the async context
   * withSpan gave it, captured with AsyncLocalStorage.snapshot), or inside the trace context
   * extracted from "headers" (RemoteContext.run), then with the other context values.
   */
  inSpanContext(values, allowed, fn) {
    const ctx = only(values, 'context', allowed);
    let run = () => inContext(ctx, allowed, fn);
    if (ctx.headers !== undefined && ctx.headers !== null) {
      const remote = extract(only(ctx.headers, 'context.headers', ['traceparent', 'tracestate']));
      if (remote !== undefined) {
        const inner = run;
        run = () => remote.run(inner);
      }
    }
    const parent = text(ctx, 'parent_span');
    if (parent !== undefined) {
      const open = this.spans.get(parent);
      if (open === undefined) throw new BadRequest(`context.parent_span "${parent}" is not a span handle`);
      return open.snapshot(run);
    }
    return run();
  }

  recorder(req, kind) {
    const name = text(req, 'handle');
    const rec = this.recorders.get(name);
    if (rec === undefined) throw new BadRequest(`unknown handle "${name}"`);
    if (!(rec instanceof kind)) throw new BadRequest(`handle "${name}" is a different kind of recorder`);
    return rec;
  }

  'hello'() {
    return { ...reply(), protocol: PROTOCOL_VERSION, language: 'node', library_version: libraryVersion };
  }

  'client.new'(req) {
    if (this.client !== undefined) throw new BadRequest('client.new: the driver already has a client');
    if (req.config === undefined || req.config === null) {
      try {
        this.client = new SigilClient(); // environment only
      } catch (err) {
        return reply(err);
      }
      return reply();
    }
    const c = only(req.config, 'config', CONFIG_KEYS);
    if (c.protocol !== undefined && !['grpc', 'http', 'none'].includes(c.protocol)) {
      throw new BadRequest(`unknown protocol ${JSON.stringify(c.protocol)}`);
    }
    const config = {
      generationExport: {
        protocol: c.protocol,
        endpoint: text(c, 'endpoint'),
        headers: c.headers ?? undefined,
        batchSize: integer(c, 'batch_size'),
        flushIntervalMs: integer(c, 'flush_interval_ms'),
        queueSize: integer(c, 'queue_size'),
        maxRetries: integer(c, 'max_retries'),
        payloadMaxBytes: integer(c, 'payload_max_bytes'),
      },
      api: { endpoint: text(c, 'api_endpoint') },
      otlp: { endpoint: text(c, 'otlp_endpoint') },
      agentName: text(c, 'agent_name'),
      agentVersion: text(c, 'agent_version'),
      userId: text(c, 'user_id'),
      tags: c.tags ?? undefined,
    };
    try {
      this.client = new SigilClient(config);
    } catch (err) {
      return reply(err);
    }
    return reply();
  }

  async 'client.flush'(req) {
    const client = this.needClient();
    try {
      await client.flush(integer(req, 'timeout_ms') ?? DEFAULT_TIMEOUT_MS);
    } catch (err) {
      return reply(err);
    }
    return reply();
  }

  async 'client.shutdown'(req) {
    await this.needClient().shutdown(integer(req, 'timeout_ms') ?? DEFAULT_TIMEOUT_MS);
    return reply();
  }

  'client.stats'() {
    const s = this.needClient().stats();
    const stats = {};
    for (const [k, v] of Object.entries(s)) stats[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
    return { ...reply(), stats };
  }

  'generation.start'(req) {
    const name = this.newHandle(req);
    const mode = req.mode ?? 'sync';
    if (mode !== 'sync' && mode !== 'stream') throw new BadRequest(`unknown mode ${JSON.stringify(mode)}`);
    const s = only(req.start, 'start', GENERATION_START_KEYS);
    const start = {
      ...present(s, {
        id: 'id', conversation_id: 'conversationId', conversation_title: 'conversationTitle', user_id: 'userId',
        agent_name: 'agentName', agent_version: 'agentVersion', operation_name: 'operationName',
        system_prompt: 'systemPrompt', tool_choice: 'toolChoice',
      }),
      model: s.model !== undefined ? modelRef(s.model) : undefined,
      maxTokens: integer(s, 'max_tokens'),
      temperature: number(s, 'temperature'),
      topP: number(s, 'top_p'),
      thinkingEnabled: boolean(s, 'thinking_enabled'),
      tools: s.tools ? s.tools.map(toolDefinition) : undefined,
      tags: s.tags ?? undefined,
      metadata: s.metadata ?? undefined,
      contentCapture: contentCapture(s),
    };
    const client = this.needClient();
    const rec = this.inSpanContext(req.context, GENERATION_CONTEXT_KEYS, () =>
      mode === 'stream' ? client.startStreamingGeneration(start) : client.startGeneration(start));
    this.recorders.set(name, rec);
    return reply(); // problems at start are reported by end()
  }

  'generation.set_result'(req) {
    const rec = this.recorder(req, GenerationRecorder);
    if (!isObject(req.result)) throw new BadRequest('"result" must be an object');
    return reply(rec.setResult(generationResult(req.result)));
  }

  'generation.set_call_error'(req) {
    const rec = this.recorder(req, GenerationRecorder);
    rec.setCallError(new ProviderError(text(req, 'message') ?? '', integer(req, 'http_status')));
    return reply();
  }

  'generation.set_first_token_at'(req) {
    const rec = this.recorder(req, GenerationRecorder);
    rec.setFirstTokenAt(nanos(req, 'unix_ns') ?? new Date());
    return reply();
  }

  'generation.end'(req) {
    return reply(this.recorder(req, GenerationRecorder).end());
  }

  // Provider JSON: a string body is the provider's JSON text (passed as is), any other JSON
  // value an object the binding serializes.
  providerArgs(req, allowed) {
    only(req, 'request', allowed);
    const api = text(req, 'api');
    if (api === undefined) throw new BadRequest('"api" is required');
    return [api, { rawArtifacts: boolean(req, 'raw_artifacts') ?? false }];
  }

  'generation.set_provider_request'(req) {
    const rec = this.recorder(req, GenerationRecorder);
    const [api, options] = this.providerArgs(req, PROVIDER_BODY_KEYS);
    return reply(rec.setProviderRequest(api, providerBody(req.body, 'body'), options));
  }

  'generation.set_provider_response'(req) {
    const rec = this.recorder(req, GenerationRecorder);
    const [api, options] = this.providerArgs(req, PROVIDER_BODY_KEYS);
    return reply(rec.setProviderResponse(api, providerBody(req.body, 'body'), options));
  }

  'generation.add_provider_events'(req) {
    const rec = this.recorder(req, GenerationRecorder);
    const [api, options] = this.providerArgs(req, PROVIDER_EVENTS_KEYS);
    if (!Array.isArray(req.events)) throw new BadRequest('"events" must be an array');
    let first; // the first event's error, as the C driver reports
    for (const event of req.events) {
      let problem;
      try {
        problem = rec.addProviderEvent(api, providerBody(event, 'events[]'), options);
      } catch (err) {
        if (!(err instanceof SigilError)) throw err;
        problem = err;
      }
      first ??= problem;
    }
    return reply(first);
  }

  'generation.set_mapping_error'(req) {
    const rec = this.recorder(req, GenerationRecorder);
    return reply(rec.setMappingError(text(req, 'message') ?? ''));
  }

  'embedding.set_provider_result'(req) {
    const rec = this.recorder(req, EmbeddingRecorder);
    only(req, 'request', ['op', 'handle', 'api', 'request', 'response']);
    const api = text(req, 'api');
    if (api === undefined) throw new BadRequest('"api" is required');
    const body = (key) => (req[key] === undefined || req[key] === null ? undefined : providerBody(req[key], key));
    return reply(rec.setProviderResult(api, body('request'), body('response')));
  }

  'tool_execution.start'(req) {
    const name = this.newHandle(req);
    const s = only(req.start, 'start', TOOL_START_KEYS);
    const start = {
      ...present(s, {
        tool_name: 'toolName', tool_call_id: 'toolCallId', tool_type: 'toolType',
        tool_description: 'toolDescription', conversation_id: 'conversationId',
        conversation_title: 'conversationTitle', agent_name: 'agentName', agent_version: 'agentVersion',
        request_model: 'requestModel', request_provider: 'requestProvider',
      }),
      includeContent: boolean(s, 'include_content'),
      contentCapture: contentCapture(s),
    };
    const client = this.needClient();
    this.recorders.set(name,
      this.inSpanContext(req.context, TOOL_CONTEXT_KEYS, () => client.startToolExecution(start)));
    return reply();
  }

  'tool_execution.set_result'(req) {
    const rec = this.recorder(req, ToolExecutionRecorder);
    return reply(rec.setResult({
      arguments: req.arguments ?? undefined,
      result: req.result ?? undefined,
      completedAt: nanos(req, 'completed_at_unix_ns'),
    }));
  }

  'tool_execution.set_error'(req) {
    const rec = this.recorder(req, ToolExecutionRecorder);
    rec.setCallError(new ProviderError(text(req, 'message') ?? '', integer(req, 'http_status')));
    return reply();
  }

  'tool_execution.end'(req) {
    // end() returns the local error only; getError() would also give the tool's own failure.
    return reply(this.recorder(req, ToolExecutionRecorder).end());
  }

  'embedding.start'(req) {
    const name = this.newHandle(req);
    const s = only(req.start, 'start', EMBEDDING_START_KEYS);
    const start = {
      ...present(s, { agent_name: 'agentName', agent_version: 'agentVersion', encoding_format: 'encodingFormat' }),
      model: s.model !== undefined ? modelRef(s.model) : undefined,
      dimensions: integer(s, 'dimensions'),
      contentCapture: contentCapture(s),
    };
    const client = this.needClient();
    this.recorders.set(name, inContext(req.context, EMBEDDING_CONTEXT_KEYS, () => client.startEmbedding(start)));
    return reply();
  }

  'embedding.set_result'(req) {
    const rec = this.recorder(req, EmbeddingRecorder);
    const r = only(req.result, 'result', EMBEDDING_RESULT_KEYS);
    const texts = r.input_texts ?? undefined;
    if (texts !== undefined && (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string'))) {
      throw new BadRequest('"input_texts" must be an array of strings');
    }
    return reply(rec.setResult({
      inputCount: integer(r, 'input_count') ?? 0,
      inputTokens: integer(r, 'input_tokens'),
      responseModel: text(r, 'response_model'),
      dimensions: integer(r, 'dimensions'),
      inputTexts: texts,
    }));
  }

  'embedding.set_call_error'(req) {
    const rec = this.recorder(req, EmbeddingRecorder);
    rec.setCallError(new ProviderError(text(req, 'message') ?? '', integer(req, 'http_status')));
    return reply();
  }

  'embedding.end'(req) {
    return reply(this.recorder(req, EmbeddingRecorder).end());
  }

  'span.start'(req) {
    const name = this.newHandle(req);
    const s = only(req.start, 'start', SPAN_START_KEYS);
    const start = {
      ...present(s, {
        kind: 'kind', name: 'name', conversation_id: 'conversationId', conversation_title: 'conversationTitle',
        agent_name: 'agentName', agent_version: 'agentVersion',
      }),
      contentCapture: contentCapture(s),
    };
    const client = this.needClient();
    // withSpan makes the span current for its callback's async context: the callback keeps that
    // context (snapshot) for the children and waits for span.end.
    let open;
    this.inSpanContext(req.context, SPAN_CONTEXT_KEYS, () => client.withSpan(start, (span) => {
      open = { span, snapshot: AsyncLocalStorage.snapshot() };
      return new Promise((resolve) => { open.release = resolve; });
    })).catch(() => {});
    this.spans.set(name, open);
    this.recorders.set(name, open.span);
    return reply();
  }

  'span.set_attribute'(req) {
    only(req, 'request', ['op', 'handle', 'key', 'value', 'content']);
    const rec = this.recorder(req, SpanRecorder);
    return reply(rec.setAttribute(text(req, 'key'), attributeValue(req.value), { content: boolean(req, 'content') }));
  }

  'span.add_event'(req) {
    only(req, 'request', ['op', 'handle', 'name', 'attributes', 'content']);
    const rec = this.recorder(req, SpanRecorder);
    const attributes = Object.fromEntries(Object.entries(req.attributes ?? {}).map(([k, v]) => [k, attributeValue(v)]));
    return reply(rec.addEvent(text(req, 'name'), attributes, { content: boolean(req, 'content') }));
  }

  'span.set_input'(req) {
    only(req, 'request', ['op', 'handle', 'value']);
    return reply(this.recorder(req, SpanRecorder).setInput(req.value));
  }

  'span.set_output'(req) {
    only(req, 'request', ['op', 'handle', 'value']);
    return reply(this.recorder(req, SpanRecorder).setOutput(req.value));
  }

  'span.set_error'(req) {
    only(req, 'request', ['op', 'handle', 'type', 'message']);
    const rec = this.recorder(req, SpanRecorder);
    const error = new Error(text(req, 'message') ?? '');
    error.name = text(req, 'type') ?? 'Error'; // an application's error class, by name
    rec.setError(error);
    return reply();
  }

  'span.end'(req) {
    only(req, 'request', ['op', 'handle']);
    const rec = this.recorder(req, SpanRecorder);
    if (rec.ended) return { ok: true, error: 'AlreadyEnded', message: 'the recorder was already ended' };
    const err = rec.end();
    this.spans.get(text(req, 'handle')).release();
    return reply(err);
  }

  'traceparent'(req) {
    const name = text(req, 'handle');
    const rec = this.recorders.get(name);
    if (rec === undefined) throw new BadRequest(`unknown handle "${name}"`);
    const tp = rec.traceparent;
    if (!tp) return { ok: true, error: 'InvalidArgument', message: 'the recorder has no span', traceparent: null };
    return { ...reply(), traceparent: tp };
  }

  async 'rating.submit'(req) {
    const client = this.needClient();
    const i = only(req.input, 'input', RATING_KEYS);
    if (i.rating !== undefined && !RATING_VALUES.includes(i.rating)) {
      throw new BadRequest(`unknown rating value ${JSON.stringify(i.rating)}`);
    }
    const input = {
      ratingId: text(i, 'rating_id'),
      rating: i.rating,
      comment: text(i, 'comment'),
      metadata: i.metadata ?? undefined,
      generationId: text(i, 'generation_id'),
      raterId: text(i, 'rater_id'),
      source: text(i, 'source'),
    };
    const timeoutMs = integer(req, 'timeout_ms');
    let response;
    try {
      response = await client.submitConversationRating(text(i, 'conversation_id'), input,
        timeoutMs ? { timeoutMs } : undefined);
    } catch (err) {
      return { ...reply(err), response: null };
    }
    return { ...reply(), response: ratingResponse(response) };
  }
}

const OPS = new Set(Object.getOwnPropertyNames(Driver.prototype)
  .filter((name) => name.includes('.') || name === 'hello' || name === 'traceparent'));

/** What the SDK parsed from the server's answer, in the protocol's shape. */
function ratingResponse(r) {
  const unspecified = 'CONVERSATION_RATING_VALUE_UNSPECIFIED';
  return {
    rating: {
      rating_id: r.rating.ratingId,
      conversation_id: r.rating.conversationId,
      rating: r.rating.rating ?? unspecified,
      comment: r.rating.comment ?? '',
      metadata: r.rating.metadata ?? {},
      generation_id: r.rating.generationId ?? '',
      rater_id: r.rating.raterId ?? '',
      source: r.rating.source ?? '',
      created_at: r.rating.createdAt ?? '',
    },
    summary: {
      total_count: r.summary.totalCount,
      good_count: r.summary.goodCount,
      bad_count: r.summary.badCount,
      latest_rating: r.summary.latestRating ?? unspecified,
      has_bad_rating: r.summary.hasBadRating,
    },
  };
}

async function main() {
  const driver = new Driver();
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    let out;
    try {
      const parsed = JSON.parse(line);
      if (!isObject(parsed)) throw new BadRequest('request is not a JSON object');
      const req = expandBytes(parsed);
      const op = req.op;
      const fn = OPS.has(op) ? driver[op] : undefined;
      if (fn === undefined) throw new BadRequest(`unknown op "${op}"`, true);
      out = await fn.call(driver, req);
    } catch (err) {
      if (err instanceof BadRequest) {
        out = { ok: false, error: null, message: err.message };
        if (err.unsupported) out.unsupported = true;
      } else if (err instanceof SigilError) {
        out = reply(err);
      } else if (err instanceof SyntaxError) {
        out = { ok: false, error: null, message: `bad request: ${err.message}` };
      } else {
        process.stderr.write(`driver error: ${err?.stack ?? err}\n`);
        out = { ok: false, error: null, message: `driver error: ${err}` };
      }
    }
    process.stdout.write(`${JSON.stringify(out)}\n`);
  }
  // End of input: end what is still open, then shut the client down (as the C driver frees).
  for (const rec of driver.recorders.values()) {
    if (!rec.ended) rec.end();
  }
  if (driver.client !== undefined) await driver.client.shutdown(5000);
}

await main();
