'use strict';
// Reference-SDK values -> the sigil.v1 protojson documents of docs/abi-json.md.
//
// A pure shape translation: camelCase becomes snake_case, the reference's part
// unions become protojson oneofs, `content` becomes a text part, bytes fields
// become base64 (or stay JSON values, which the ABI accepts as is), times
// become RFC 3339. Absent and empty fields are left out; defaults, validation
// and merging are the engine's.
//
// The result document is written directly (no intermediate objects). Long
// strings (message text, prompts, payloads) are not escaped here: V8's
// JSON.stringify escapes about 3 ns per character, several microseconds for a
// typical result. They travel next to the document instead, and the addon
// writes them into it, escaped, while it converts everything to UTF-8 anyway.
// In the document each stands as one raw U+0001, which no JSON text from
// JSON.stringify contains (control characters are always escaped there).

const LONG = 96; // strings of at least this many UTF-16 units travel next to the document
const MAX_LONG = 24; // beyond this many, the rest are escaped here
const SLOT = '\u0001';

/** JSON text of `value`; BigInts become decimal strings, Dates RFC 3339. */
function stringify(value) {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
  }
}

// Strings that JSON writes as they are (JSON.stringify's per-call cost
// dominates for the short strings a document is mostly made of).
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** A JSON value token ("null" for undefined, which JSON.stringify leaves out). */
function value(v) {
  if (typeof v === 'string') return v.length < 256 && PLAIN.test(v) ? `"${v}"` : JSON.stringify(v);
  const text = stringify(v);
  return text === undefined ? 'null' : text;
}

/** A JSON string token for `s`, or a slot with `s` added to `long` (when not null). */
function str(s, long) {
  if (long !== null && typeof s === 'string' && s.length >= LONG && long.length < MAX_LONG) {
    long.push(s);
    return SLOT;
  }
  return value(s);
}

/**
 * A sigil.v1 bytes field: a string is its UTF-8 bytes, a Uint8Array is sent
 * exactly (both as base64); any other JSON value (object, array, number,
 * boolean) is passed as is and the engine stores its compact JSON text.
 * Returns the token, or undefined when empty.
 */
function bytesField(v, long) {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v === '' ? undefined : str(base64(v), long);
  if (v instanceof Uint8Array) {
    if (v.length === 0) return undefined;
    return str(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'), long);
  }
  return value(v);
}

// Base64 of the short JSON texts that recur in every record (tool schemas,
// tool call arguments); strings are immutable, so their encoding can be kept.
const base64Cache = new Map();

function base64(s) {
  if (s.length > 512) return Buffer.from(s, 'utf8').toString('base64');
  let b = base64Cache.get(s);
  if (b === undefined) {
    if (base64Cache.size >= 256) base64Cache.clear();
    b = Buffer.from(s, 'utf8').toString('base64');
    base64Cache.set(s, b);
  }
  return b;
}

/** A JSON number, or the protojson string for NaN and the infinities. */
function double(v) {
  if (Number.isFinite(v)) return String(v);
  if (Number.isNaN(v)) return '"NaN"';
  return v > 0 ? '"Infinity"' : '"-Infinity"';
}

/** An integer (number, bigint or decimal string) token. */
function int(v) {
  return typeof v === 'bigint' ? v.toString() : value(v);
}

// The instants libsigil's RFC 3339 reader takes (int64 Unix nanoseconds,
// 1677-09-21T00:12:44Z to 2262-04-11T23:47:15.999Z), in milliseconds.
const MIN_RFC3339_MS = -9223372036000;
const MAX_RFC3339_MS = 9223372035999;

/** A time (a Date, or milliseconds since the epoch) as RFC 3339; outside what
 *  RFC 3339 carries, as Unix nanoseconds: exact while int64 holds them, else the
 *  nearest end of that range (docs/abi-json.md, "Binding rules"). */
function time(v) {
  const ms = v instanceof Date ? v.getTime() : v;
  if (typeof ms !== 'number') return value(v);
  if (!Number.isFinite(ms)) return v instanceof Date ? 'null' : value(v);
  if (ms > MAX_RFC3339_MS || ms < MIN_RFC3339_MS) return unixNanos(ms);
  return `"${new Date(ms).toISOString()}"`;
}

/** Milliseconds as int64 Unix nanoseconds (decimal), rounded and clamped as
 *  the addon's time_ns (src/values.c) does for the typed calls. */
function unixNanos(ms) {
  if (ms >= 9223372036854) return '9223372036854775807';
  if (ms <= -9223372036854) return '-9223372036854775807';
  const whole = Math.trunc(ms); // toward zero; the fraction keeps its sign
  const frac = (ms - whole) * 1e6;
  return (BigInt(whole) * 1000000n + BigInt(Math.trunc(frac < 0 ? frac - 0.5 : frac + 0.5))).toString();
}

/** Appends `"key":token` members; `o` is the text so far without braces. */
const member = (o, key, token) => (o === '' ? `"${key}":${token}` : `${o},"${key}":${token}`);

function partMetadata(o, metadata) {
  if (metadata !== undefined && metadata !== null && metadata.providerType) {
    return `${o},"metadata":{"provider_type":${value(metadata.providerType)}}`;
  }
  return o;
}

function toolCall(tc, long) {
  let o = '';
  if (tc.id) o = member(o, 'id', str(tc.id, long));
  if (tc.name) o = member(o, 'name', str(tc.name, long));
  const input = bytesField(tc.inputJSON, long);
  if (input !== undefined) o = member(o, 'input_json', input);
  return `{${o}}`;
}

function toolResult(tr, long) {
  let o = '';
  if (tr.toolCallId) o = member(o, 'tool_call_id', str(tr.toolCallId, long));
  if (tr.name) o = member(o, 'name', str(tr.name, long));
  if (tr.content) o = member(o, 'content', str(tr.content, long));
  const json = bytesField(tr.contentJSON, long);
  if (json !== undefined) o = member(o, 'content_json', json);
  if (tr.isError) o = member(o, 'is_error', 'true');
  return `{${o}}`;
}

function media(m) {
  let o = '';
  if (m.kind) o = member(o, 'kind', value(m.kind));
  if (m.url) o = member(o, 'url', value(m.url));
  if (m.mimeType) o = member(o, 'mime_type', value(m.mimeType));
  if (m.name) o = member(o, 'name', value(m.name));
  return `{${o}}`;
}

function part(p, long) {
  let o;
  switch (p.type) {
    case 'text': o = `"text":${str(p.text ?? '', long)}`; break;
    case 'thinking': o = `"thinking":${str(p.thinking ?? '', long)}`; break;
    case 'tool_call': o = `"tool_call":${toolCall(p.toolCall ?? {}, long)}`; break;
    case 'tool_result': o = `"tool_result":${toolResult(p.toolResult ?? {}, long)}`; break;
    case 'media': o = `"media":${media(p.media ?? {})}`; break;
    // An unknown kind reaches the engine as an empty part, which it reports with the part's path.
    default: return p.metadata?.providerType ? `{${partMetadata('', p.metadata).slice(1)}}` : '{}';
  }
  return `{${partMetadata(o, p.metadata)}}`;
}

function message(m, long) {
  let o = `{"role":${value(m.role)}`;
  if (m.name) o += `,"name":${str(m.name, long)}`;
  const parts = m.parts;
  if (parts !== undefined && parts !== null && parts.length > 0) {
    o += ',"parts":[';
    for (let i = 0; i < parts.length; i++) o += (i === 0 ? '' : ',') + part(parts[i], long);
    return `${o}]}`;
  }
  if (typeof m.content === 'string') return `${o},"parts":[{"text":${str(m.content, long)}}]}`;
  return `${o},"parts":[]}`;
}

function messages(list, long) {
  let o = '[';
  for (let i = 0; i < list.length; i++) o += (i === 0 ? '' : ',') + message(list[i], long);
  return `${o}]`;
}

function tool(t, long) {
  let o = '';
  if (t.name) o = member(o, 'name', value(t.name));
  if (t.description) o = member(o, 'description', str(t.description, long));
  if (t.type) o = member(o, 'type', value(t.type));
  const schema = bytesField(t.inputSchemaJSON, long);
  if (schema !== undefined) o = member(o, 'input_schema_json', schema);
  if (t.deferred) o = member(o, 'deferred', 'true');
  return `{${o}}`;
}

function tools(list, long) {
  let o = '[';
  for (let i = 0; i < list.length; i++) o += (i === 0 ? '' : ',') + tool(list[i], long);
  return `${o}]`;
}

const counted = (v) => v !== undefined && v !== null && v !== 0 && v !== 0n;

function usage(u) {
  let o = '';
  if (counted(u.inputTokens)) o = member(o, 'input_tokens', int(u.inputTokens));
  if (counted(u.outputTokens)) o = member(o, 'output_tokens', int(u.outputTokens));
  if (counted(u.totalTokens)) o = member(o, 'total_tokens', int(u.totalTokens));
  if (counted(u.cacheReadInputTokens)) o = member(o, 'cache_read_input_tokens', int(u.cacheReadInputTokens));
  if (counted(u.cacheWriteInputTokens)) o = member(o, 'cache_write_input_tokens', int(u.cacheWriteInputTokens));
  if (counted(u.cacheCreationInputTokens)) {
    o = member(o, 'cache_creation_input_tokens', int(u.cacheCreationInputTokens));
  }
  if (counted(u.reasoningTokens)) o = member(o, 'reasoning_tokens', int(u.reasoningTokens));
  return o === '' ? undefined : `{${o}}`;
}

function artifact(a, long) {
  const kind = a.type ?? a.kind;
  let o = `"kind":${value(typeof kind === 'string' && !kind.startsWith('ARTIFACT_KIND_')
    ? `ARTIFACT_KIND_${kind.toUpperCase()}` : kind)}`;
  if (a.name) o += `,"name":${value(a.name)}`;
  if (a.mimeType) o += `,"content_type":${value(a.mimeType)}`;
  const payload = bytesField(a.payload, long);
  if (payload !== undefined) o += `,"payload":${payload}`;
  if (a.recordId) o += `,"record_id":${value(a.recordId)}`;
  if (a.uri) o += `,"uri":${value(a.uri)}`;
  return `{${o}}`;
}

const MODES = { SYNC: 'GENERATION_MODE_SYNC', STREAM: 'GENERATION_MODE_STREAM' };

/**
 * The result document for sigil_generation_set_result_json: [json, ...long],
 * where each U+0001 in `json` stands for the next string of `long`.
 */
function generationResult(r) {
  const long = [];
  let o = '';
  if (r.id) o = member(o, 'id', str(r.id, long));
  if (r.conversationId) o = member(o, 'conversation_id', str(r.conversationId, long));
  if (r.conversationTitle) o = member(o, 'conversation_title', str(r.conversationTitle, long));
  if (r.userId) o = member(o, 'user_id', str(r.userId, long));
  if (r.agentName) o = member(o, 'agent_name', str(r.agentName, long));
  if (r.agentVersion) o = member(o, 'agent_version', str(r.agentVersion, long));
  if (r.operationName) o = member(o, 'operation_name', str(r.operationName, long));
  if (r.responseId) o = member(o, 'response_id', str(r.responseId, long));
  if (r.responseModel) o = member(o, 'response_model', str(r.responseModel, long));
  if (r.systemPrompt) o = member(o, 'system_prompt', str(r.systemPrompt, long));
  if (r.stopReason) o = member(o, 'stop_reason', str(r.stopReason, long));
  if (r.effectiveVersion) o = member(o, 'effective_version', str(r.effectiveVersion, long));
  if (r.mode) o = member(o, 'mode', value(MODES[r.mode] ?? r.mode));
  const model = r.model;
  if (model && (model.provider || model.name)) {
    o = member(o, 'model', `{"provider":${value(model.provider ?? '')},"name":${value(model.name ?? '')}}`);
  }
  if (r.maxTokens !== undefined && r.maxTokens !== null) o = member(o, 'max_tokens', int(r.maxTokens));
  if (typeof r.temperature === 'number') o = member(o, 'temperature', double(r.temperature));
  if (typeof r.topP === 'number') o = member(o, 'top_p', double(r.topP));
  if (r.toolChoice !== undefined && r.toolChoice !== null) o = member(o, 'tool_choice', value(r.toolChoice));
  if (typeof r.thinkingEnabled === 'boolean') o = member(o, 'thinking_enabled', String(r.thinkingEnabled));
  if (r.input && r.input.length > 0) o = member(o, 'input', messages(r.input, long));
  if (r.output && r.output.length > 0) o = member(o, 'output', messages(r.output, long));
  if (r.tools && r.tools.length > 0) o = member(o, 'tools', tools(r.tools, long));
  if (r.usage) {
    const u = usage(r.usage);
    if (u !== undefined) o = member(o, 'usage', u);
  }
  if (r.startedAt !== undefined && r.startedAt !== null) o = member(o, 'started_at', time(r.startedAt));
  if (r.completedAt !== undefined && r.completedAt !== null) o = member(o, 'completed_at', time(r.completedAt));
  if (r.tags) o = member(o, 'tags', value(r.tags));
  if (r.metadata) o = member(o, 'metadata', value(r.metadata));
  if (r.artifacts && r.artifacts.length > 0) {
    let a = '[';
    for (let i = 0; i < r.artifacts.length; i++) a += (i === 0 ? '' : ',') + artifact(r.artifacts[i], long);
    o = member(o, 'raw_artifacts', `${a}]`);
  }
  if (r.parentGenerationIds && r.parentGenerationIds.length > 0) {
    o = member(o, 'parent_generation_ids', value(r.parentGenerationIds));
  }
  long.unshift(`{${o}}`);
  return long;
}

/** JSON array of ToolDefinition for the start struct, or undefined. */
function toolsJSON(list) {
  return list && list.length > 0 ? tools(list, null) : undefined;
}

/** JSON object text (tags, metadata), or undefined when empty. */
function objectJSON(obj) {
  if (obj === undefined || obj === null) return undefined;
  for (const _ in obj) return stringify(obj); // eslint-disable-line no-unreachable-loop
  return undefined;
}

/** Tool arguments and results: text as is, anything else as compact JSON. */
function toolContent(v) {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
  return stringify(v);
}

/** The whole document as one string (tests, debugging). */
function generationResultText(r) {
  const [json, ...long] = generationResult(r);
  let i = 0;
  return json.replace(/\u0001/g, () => JSON.stringify(long[i++]));
}

module.exports = { generationResult, generationResultText, toolsJSON, objectJSON, toolContent, stringify };
