'use strict';
// sigil.v1 protojson (what the engine hands a custom exporter and returns as a
// generation's last normalized form) -> the reference SDK's Generation shape:
// snake_case becomes camelCase, enum names become the reference's short
// values, bytes fields (base64) become strings, times become Dates, int64
// decimal strings become numbers. Absent fields stay absent.

const ROLES = { MESSAGE_ROLE_USER: 'user', MESSAGE_ROLE_ASSISTANT: 'assistant', MESSAGE_ROLE_TOOL: 'tool' };
const MODES = { GENERATION_MODE_SYNC: 'SYNC', GENERATION_MODE_STREAM: 'STREAM' };
const ARTIFACT_PREFIX = 'ARTIFACT_KIND_';

const STRINGS = [
  ['id', 'id'], ['conversation_id', 'conversationId'], ['conversation_title', 'conversationTitle'],
  ['user_id', 'userId'], ['agent_name', 'agentName'], ['agent_version', 'agentVersion'],
  ['operation_name', 'operationName'], ['trace_id', 'traceId'], ['span_id', 'spanId'],
  ['system_prompt', 'systemPrompt'], ['response_id', 'responseId'], ['response_model', 'responseModel'],
  ['tool_choice', 'toolChoice'], ['stop_reason', 'stopReason'], ['call_error', 'callError'],
];

const USAGE = [
  ['input_tokens', 'inputTokens'], ['output_tokens', 'outputTokens'], ['total_tokens', 'totalTokens'],
  ['cache_read_input_tokens', 'cacheReadInputTokens'], ['cache_write_input_tokens', 'cacheWriteInputTokens'],
  ['cache_creation_input_tokens', 'cacheCreationInputTokens'], ['reasoning_tokens', 'reasoningTokens'],
];

/** A protojson bytes field (base64, or a JSON value the ABI stored as is) -> text. */
function bytesText(v) {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return Buffer.from(v, 'base64').toString('utf8');
  return JSON.stringify(v);
}

/** A protojson int64 (number or decimal string) -> number. */
function num(v) {
  return v === undefined || v === null ? undefined : Number(v);
}

/** An RFC 3339 string or Unix nanoseconds -> Date. */
function date(v) {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number' || /^-?\d+$/.test(String(v))) return new Date(Number(BigInt(v) / 1_000_000n));
  return new Date(v);
}

function metadataOf(p) {
  const type = p.metadata?.provider_type;
  return type ? { providerType: type } : undefined;
}

function part(p) {
  let out;
  if (p.thinking !== undefined) {
    out = { type: 'thinking', thinking: p.thinking };
  } else if (p.tool_call !== undefined) {
    const tc = p.tool_call ?? {};
    const call = { name: tc.name ?? '' };
    if (tc.id) call.id = tc.id;
    const input = bytesText(tc.input_json);
    if (input !== undefined) call.inputJSON = input;
    out = { type: 'tool_call', toolCall: call };
  } else if (p.tool_result !== undefined) {
    const tr = p.tool_result ?? {};
    const result = {};
    if (tr.tool_call_id) result.toolCallId = tr.tool_call_id;
    if (tr.name) result.name = tr.name;
    if (tr.content) result.content = tr.content;
    const json = bytesText(tr.content_json);
    if (json !== undefined) result.contentJSON = json;
    if (tr.is_error !== undefined) result.isError = Boolean(tr.is_error);
    out = { type: 'tool_result', toolResult: result };
  } else {
    out = { type: 'text', text: p.text ?? '' };
  }
  const metadata = metadataOf(p);
  if (metadata) out.metadata = metadata;
  return out;
}

function message(m) {
  const out = { role: ROLES[m.role] ?? m.role ?? '' };
  if (m.name) out.name = m.name;
  out.parts = (m.parts ?? []).map(part);
  return out;
}

function tool(t) {
  const out = { name: t.name ?? '' };
  if (t.description) out.description = t.description;
  if (t.type) out.type = t.type;
  const schema = bytesText(t.input_schema_json);
  if (schema !== undefined) out.inputSchemaJSON = schema;
  return out;
}

function artifact(a) {
  const kind = String(a.kind ?? '');
  const out = { type: kind.startsWith(ARTIFACT_PREFIX) ? kind.slice(ARTIFACT_PREFIX.length).toLowerCase() : kind };
  if (a.name) out.name = a.name;
  const payload = bytesText(a.payload);
  if (payload !== undefined) out.payload = payload;
  if (a.content_type) out.mimeType = a.content_type;
  if (a.record_id) out.recordId = a.record_id;
  if (a.uri) out.uri = a.uri;
  return out;
}

/** One protojson Generation (object or JSON text) -> the reference's Generation. */
function decodeGeneration(doc) {
  const d = typeof doc === 'string' ? JSON.parse(doc) : doc;
  const g = {};
  for (const [wire, key] of STRINGS) if (d[wire] !== undefined && d[wire] !== '') g[key] = d[wire];
  g.id ??= '';
  g.operationName ??= '';
  g.mode = MODES[d.mode] ?? 'SYNC';
  g.model = { provider: d.model?.provider ?? '', name: d.model?.name ?? '' };
  if (d.max_tokens !== undefined) g.maxTokens = num(d.max_tokens);
  if (d.temperature !== undefined) g.temperature = Number(d.temperature);
  if (d.top_p !== undefined) g.topP = Number(d.top_p);
  if (d.thinking_enabled !== undefined) g.thinkingEnabled = Boolean(d.thinking_enabled);
  if (d.input) g.input = d.input.map(message);
  if (d.output) g.output = d.output.map(message);
  if (d.tools) g.tools = d.tools.map(tool);
  if (d.usage) {
    g.usage = {};
    for (const [wire, key] of USAGE) if (d.usage[wire] !== undefined) g.usage[key] = num(d.usage[wire]);
  }
  g.startedAt = date(d.started_at);
  g.completedAt = date(d.completed_at);
  if (d.tags) g.tags = { ...d.tags };
  if (d.metadata) g.metadata = { ...d.metadata };
  const artifacts = d.raw_artifacts ?? d.artifacts;
  if (artifacts) g.artifacts = artifacts.map(artifact);
  return g;
}

module.exports = { decodeGeneration };
