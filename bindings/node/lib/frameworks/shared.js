'use strict';

// The shared base of the framework handlers (sigil-sdk/langchain, sigil-sdk/langgraph, ...).
//
// A framework integration forwards its framework's callbacks to the on* methods: LLM and
// chat-model runs become generations, tool runs tool executions, chain and retriever runs
// OpenTelemetry spans of their own (`<framework>.chain <component>`). Every generation carries
// the framework's identity in its tags (sigil.framework.name/source/language) and its run
// identifiers in its metadata (sigil.framework.run_id, ...), which the engine also copies onto
// the generation span. Names, argument orders and resolution rules are the reference SDK's.
//
// Beyond the reference: the run tree nests. A run whose parent run is still open here (a chain
// span, a generation or a tool execution of this handler) starts as a child of the parent's span,
// whatever async context the callback arrives in; a root run is a child of the caller's current
// span. Runs that never end are bounded: past `maxOpenRuns` open runs of one kind the oldest is
// ended as abandoned (recorded as failed, never dropped silently).

const context = require('../context.js');
const { loadApi } = require('../host.js');
const { FRAMEWORK_TRACER } = require('../client.js');

const INSTRUMENTATION_NAME = 'github.com/grafana/sigil/sdks/js/frameworks';
const SOURCE = 'handler';
const MAX_METADATA_DEPTH = 5;
const DEFAULT_MAX_OPEN_RUNS = 10_000;
const ABANDONED = 'framework run abandoned: no end or error callback before maxOpenRuns newer runs of its kind';
const KNOWN_PROVIDERS = new Set(['openai', 'anthropic', 'gemini']);

const TAG_NAME = 'sigil.framework.name';
const TAG_SOURCE = 'sigil.framework.source';
const TAG_LANGUAGE = 'sigil.framework.language';
const META_RUN_ID = 'sigil.framework.run_id';
const META_THREAD_ID = 'sigil.framework.thread_id';
const META_PARENT_RUN_ID = 'sigil.framework.parent_run_id';
const META_COMPONENT = 'sigil.framework.component_name';
const META_RUN_TYPE = 'sigil.framework.run_type';
const META_TAGS = 'sigil.framework.tags';
const META_RETRY = 'sigil.framework.retry_attempt';
const META_LANGGRAPH_NODE = 'sigil.framework.langgraph.node';
const META_EVENT_ID = 'sigil.framework.event_id';

const SPAN_KIND_INTERNAL = 0;
const STATUS_OK = 1;
const STATUS_ERROR = 2;

// --- reading loosely shaped callback payloads --------------------------------

const isRecord = (v) => typeof v === 'object' && v !== null;
const read = (v, key) => (isRecord(v) ? v[key] : undefined);
const readPath = (v, path) => path.reduce((acc, key) => read(acc, key), v);
const asString = (v) => (typeof v === 'string' ? v.trim() : '');
const asRecord = (v) => (isRecord(v) ? v : undefined);

function asInt(v) {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number.parseInt(v, 10);
    return Number.isFinite(n) ? n : 0;
  }
  return 0;
}

function asMaybeInt(v) {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number.parseInt(v.trim(), 10);
    return Number.isNaN(n) ? undefined : n;
  }
  return undefined;
}

function asBoolean(v) {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase());
  return false;
}

/** The first non-blank text at one of `paths` in `payload`. */
function firstText(payload, paths) {
  for (const path of paths) {
    const text = asString(readPath(payload, path));
    if (text !== '') return text;
  }
  return '';
}

/** The first non-empty `pick(payload)` over `payloads`. */
function firstOf(payloads, pick) {
  for (const p of payloads) {
    if (p === undefined || p === null) continue;
    const v = pick(p);
    if (v !== '' && v !== undefined) return v;
  }
  return undefined;
}

const under = (prefixes, keys) => prefixes.flatMap((prefix) => keys.map((k) => [...prefix, k]));

const THREAD_PATHS = under([[], ['metadata'], ['configurable'], ['config'], ['config', 'metadata'],
  ['config', 'configurable']], ['thread_id', 'threadId']);
const CONVERSATION_PATHS = under([[], ['metadata'], ['configurable'], ['config']],
  ['conversation_id', 'conversationId', 'session_id', 'sessionId', 'group_id', 'groupId']);
const LANGGRAPH_NODE_PATHS = [
  ['langgraph_node'], ['langgraph_node_name'], ['node_name'], ['node'],
  ['metadata', 'langgraph_node'], ['metadata', 'langgraph_node_name'],
  ['configurable', 'langgraph_node'], ['configurable', 'langgraph_node_name'],
  ['config', 'metadata', 'langgraph_node'], ['config', 'configurable', 'langgraph_node'],
  ['config', 'configurable', '__pregel_node'],
];
const EVENT_ID_PATHS = under([[], ['metadata']], ['event_id', 'eventId', 'invocation_id', 'invocationId']);
const RETRY_PATHS = [
  ['retry_attempt'], ['retryAttempt'], ['attempt'], ['retry'],
  ['metadata', 'retry_attempt'], ['metadata', 'retryAttempt'],
  ['configurable', 'retry_attempt'], ['configurable', 'retryAttempt'],
];

const threadIdOf = (p) => firstText(p, THREAD_PATHS);

function retryAttemptOf(p) {
  for (const path of RETRY_PATHS) {
    const n = asMaybeInt(readPath(p, path));
    if (n !== undefined) return n;
  }
  return undefined;
}

/**
 * { conversationId, threadId }: an explicit conversation / session / group id, else the thread
 * id, else the deterministic `sigil:framework:<name>:<run_id>`.
 */
function resolveConversation(frameworkName, runId, payloads) {
  const anyThread = firstOf(payloads, threadIdOf) ?? '';
  for (const p of payloads) {
    const conversationId = firstText(p, CONVERSATION_PATHS);
    if (conversationId !== '') return { conversationId, threadId: threadIdOf(p) || anyThread };
  }
  if (anyThread !== '') return { conversationId: anyThread, threadId: anyThread };
  return { conversationId: `sigil:framework:${frameworkName}:${runId}`, threadId: '' };
}

function idPath(v) {
  if (!Array.isArray(v)) return '';
  return v.map(asString).filter((s) => s !== '').join('.');
}

// JavaScript frameworks serialize most runnables without a name (only their class path), and pass
// the run's own name (the user's, else the class name) as runName: it comes before the class path.
function resolveComponentName(serialized, metadata, extra, runName) {
  for (const candidate of [
    asString(read(serialized, 'name')),
    asString(runName),
    idPath(read(serialized, 'id')),
    idPath(read(serialized, 'lc_id')),
    asString(readPath(serialized, ['kwargs', 'name'])),
    asString(read(metadata, 'component_name')),
    asString(read(extra, 'component_name')),
  ]) {
    if (candidate !== '') return candidate;
  }
  return '';
}

function resolveModelName(serialized, invocationParams) {
  for (const p of [invocationParams, serialized]) {
    for (const key of ['model', 'model_name', 'modelName', 'ls_model_name']) {
      const text = asString(read(p, key));
      if (text !== '') return text;
    }
    for (const key of ['model', 'model_name', 'modelName']) {
      const text = asString(readPath(p, ['kwargs', key]));
      if (text !== '') return text;
    }
  }
  return 'unknown';
}

function normalizeProvider(v) {
  const name = asString(v).toLowerCase();
  return name === '' || KNOWN_PROVIDERS.has(name) ? name : 'custom';
}

/** The provider of a class path such as langchain.chat_models.openai.ChatOpenAI. */
function providerOfClass(serialized) {
  const path = idPath(read(serialized, 'id')).toLowerCase();
  if (/(^|\.)chatopenai$|(^|\.)azurechatopenai$|\.openai$/.test(path)) return 'openai';
  if (/(^|\.)chatanthropic/.test(path)) return 'anthropic';
  if (/(^|\.)chatgooglegenerativeai$|(^|\.)chatvertexai$|gemini/.test(path)) return 'gemini';
  return '';
}

/** The explicit provider, else the resolver's, else the payloads', else the model class's, else the model name's. */
function resolveProvider(explicit, resolver, modelName, serialized, invocationParams) {
  const given = normalizeProvider(explicit);
  if (given !== '') return given;
  if (typeof resolver === 'function') {
    return normalizeProvider(resolver({ modelName, serialized, invocationParams })) || 'custom';
  }
  for (const p of [invocationParams, serialized]) {
    for (const key of ['provider', 'ls_provider']) {
      const name = normalizeProvider(read(p, key));
      if (name !== '') return name;
    }
  }
  const fromClass = providerOfClass(serialized);
  if (fromClass !== '') return fromClass;
  return providerOfModel(modelName);
}

function providerOfModel(modelName) {
  const model = String(modelName ?? '').trim().toLowerCase();
  if (/^(gpt-|o1|o3|o4)/.test(model)) return 'openai';
  if (model.startsWith('claude-')) return 'anthropic';
  if (model.startsWith('gemini-')) return 'gemini';
  return 'custom';
}

const isStreaming = (params) => asBoolean(read(params, 'stream')) || asBoolean(read(params, 'streaming'));

function normalizeTags(raw) {
  const out = [];
  for (const v of Array.isArray(raw) ? raw : [raw]) {
    const text = asString(v);
    if (text !== '' && !out.includes(text)) out.push(text);
  }
  return out;
}

/** JSON-safe metadata: keys trimmed, non-finite numbers, functions and deep nesting dropped, cycles "[circular]". */
function normalizeMetadata(raw) {
  const seen = new WeakSet();
  const walk = (v, depth) => {
    if (depth > MAX_METADATA_DEPTH || v === undefined) return undefined;
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
    if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.toISOString() : undefined;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1)).filter((x) => x !== undefined);
    if (!isRecord(v)) return undefined;
    if (seen.has(v)) return '[circular]';
    seen.add(v);
    const out = {};
    for (const [key, item] of Object.entries(v)) {
      const k = key.trim();
      const n = k === '' ? undefined : walk(item, depth + 1);
      if (n !== undefined) out[k] = n;
    }
    seen.delete(v);
    return out;
  };
  return walk(raw, 0) ?? {};
}

// --- messages, outputs and usage ---------------------------------------------

/** The kind of a framework message: its role, else its type (LangChain's "human", "ai", "tool"). */
function messageKind(m) {
  const explicit = asString(read(m, 'role')) || asString(read(m, 'type'));
  if (explicit !== '') return explicit.toLowerCase();
  const getType = read(m, '_getType') ?? read(m, 'getType');
  try {
    return typeof getType === 'function' ? asString(getType.call(m)).toLowerCase() : '';
  } catch {
    return '';
  }
}

function roleOf(m) {
  const kind = messageKind(m);
  if (kind === 'assistant' || kind === 'ai') return 'assistant';
  if (kind === 'tool') return 'tool';
  return 'user';
}

function messageText(m) {
  const content = read(m, 'content');
  if (typeof content === 'string') return content.trim();
  if (Array.isArray(content)) {
    return content.map((item) => (typeof item === 'string' ? item.trim() : asString(read(item, 'text'))))
      .filter((t) => t !== '').join(' ').trim();
  }
  return asString(read(content, 'text'));
}

/** A message's tool calls (LangChain's tool_calls: name, args, id) as tool_call parts. */
function toolCallParts(m) {
  const calls = read(m, 'tool_calls');
  const parts = [];
  for (const call of Array.isArray(calls) ? calls : []) {
    const name = asString(read(call, 'name'));
    if (name === '') continue;
    const args = read(call, 'args');
    parts.push({ type: 'tool_call', toolCall: { id: asString(read(call, 'id')), name, inputJSON: args ?? undefined } });
  }
  return parts;
}

/** Text, the assistant's tool calls and the tool results of each message, in order. */
function mapMessages(list) {
  const out = [];
  for (const m of list) {
    const role = roleOf(m);
    const text = messageText(m);
    if (role === 'tool') {
      const toolCallId = asString(read(m, 'tool_call_id'));
      if (text !== '' || toolCallId !== '') {
        out.push({ role, parts: [{ type: 'tool_result',
          toolResult: { toolCallId, content: text, isError: asString(read(m, 'status')) === 'error' } }] });
      }
      continue;
    }
    const parts = text === '' ? [] : [{ type: 'text', text }];
    parts.push(...toolCallParts(m));
    if (parts.length > 0) out.push({ role, parts });
  }
  return out;
}

const mapChatInputs = (batches) => mapMessages((Array.isArray(batches) ? batches : [])
  .flatMap((batch) => (Array.isArray(batch) ? batch : [])));

const mapPromptInputs = (prompts) => (Array.isArray(prompts) ? prompts : [])
  .map(asString).filter((p) => p !== '').map((p) => ({ role: 'user', content: p }));

function candidatesOf(result) {
  const generations = read(result, 'generations');
  return (Array.isArray(generations) ? generations : []).flatMap((c) => (Array.isArray(c) ? c : []));
}

function mapOutput(result) {
  const texts = [];
  const calls = [];
  for (const candidate of candidatesOf(result)) {
    const message = read(candidate, 'message');
    const text = asString(read(candidate, 'text')) || messageText(message);
    if (text !== '') texts.push(text);
    calls.push(...toolCallParts(message));
  }
  const parts = texts.length > 0 ? [{ type: 'text', text: texts.join('\n') }] : [];
  parts.push(...calls);
  return parts.length > 0 ? [{ role: 'assistant', parts }] : [];
}

/** Token usage from a provider-style usage object (prompt/completion, input/output, camelCase forms). */
function mapUsage(raw) {
  if (!isRecord(raw)) return undefined;
  const inputTokens = asInt(raw.prompt_tokens) || asInt(raw.input_tokens) || asInt(raw.promptTokens)
    || asInt(raw.inputTokens);
  const outputTokens = asInt(raw.completion_tokens) || asInt(raw.output_tokens) || asInt(raw.completionTokens)
    || asInt(raw.outputTokens);
  const totalTokens = asInt(raw.total_tokens) || asInt(raw.totalTokens) || inputTokens + outputTokens;
  if (inputTokens === 0 && outputTokens === 0 && totalTokens === 0) return undefined;
  const usage = { inputTokens, outputTokens, totalTokens };
  const cacheRead = asInt(readPath(raw, ['input_token_details', 'cache_read']));
  const cacheCreation = asInt(readPath(raw, ['input_token_details', 'cache_creation']));
  const reasoning = asInt(readPath(raw, ['output_token_details', 'reasoning']));
  if (cacheRead) usage.cacheReadInputTokens = cacheRead;
  if (cacheCreation) usage.cacheCreationInputTokens = cacheCreation;
  if (reasoning) usage.reasoningTokens = reasoning;
  return usage;
}

/** Response model, stop reason and usage of an LLM result (snake_case or camelCase llm output, else the message). */
function resultDetails(result) {
  const llmOutput = read(result, 'llm_output') ?? read(result, 'llmOutput');
  const first = candidatesOf(result)[0];
  const message = read(first, 'message');
  const responseMetadata = read(message, 'response_metadata');
  const info = read(first, 'generationInfo') ?? read(first, 'generation_info');
  const usage = mapUsage(read(message, 'usage_metadata'))
    ?? mapUsage(read(llmOutput, 'token_usage') ?? read(llmOutput, 'tokenUsage') ?? read(llmOutput, 'usage'))
    ?? mapUsage(read(responseMetadata, 'usage') ?? read(responseMetadata, 'tokenUsage'));
  const pick = (keys) => firstOf([llmOutput, responseMetadata, info], (p) => firstText(p, keys.map((k) => [k])))
    ?? '';
  return {
    usage,
    responseModel: pick(['model_name', 'modelName', 'model']),
    stopReason: pick(['finish_reason', 'finishReason', 'stop_reason', 'stopReason']),
  };
}

/** Whether a streamed chunk (LangChain's ChatGenerationChunk) carries part of a tool call. */
function hasToolCallChunk(chunk) {
  const calls = readPath(chunk, ['message', 'tool_call_chunks']);
  return Array.isArray(calls) && calls.length > 0;
}

const asError = (e) => (e instanceof Error ? e : new Error(typeof e === 'string' ? e : 'framework callback error'));

// --- the handler -------------------------------------------------------------

/** An open generation. */
class LlmRun {
  constructor(recorder, input, captureOutputs, streaming) {
    this.recorder = recorder;
    this.input = input;
    this.captureOutputs = captureOutputs;
    this.streaming = streaming;
    this.chunks = [];
    this.streamed = false;
    this.firstTokenSeen = false;
  }

  /** A run started as sync whose chunks streamed in is a stream (frameworks' stream() does not always say so). */
  modeFields() {
    return this.streamed && !this.streaming ? { mode: 'STREAM', operationName: 'streamText' } : {};
  }

  streamedOutput() {
    return this.captureOutputs && this.chunks.length > 0 ? [{ role: 'assistant', content: this.chunks.join('') }] : [];
  }
}

class ToolRun {
  constructor(recorder, args, captureOutputs) {
    this.recorder = recorder;
    this.arguments = args;
    this.captureOutputs = captureOutputs;
  }
}

class SpanRun {
  constructor(span) {
    this.span = span;
  }
}

function finishSpan(span, error) {
  if (error === undefined) {
    span.setStatus({ code: STATUS_OK });
  } else {
    const err = asError(error);
    span.setAttribute('error.type', 'framework_error');
    span.setAttribute('error.category', 'sdk_error');
    span.recordException(err);
    span.setStatus({ code: STATUS_ERROR, message: err.message });
  }
  span.end();
}

/** Ends runs pushed out of the tables before their framework ended them: recorded as failed, never raised. */
function abandon(runs) {
  for (const run of runs) {
    try {
      if (run instanceof SpanRun) {
        finishSpan(run.span, new Error(ABANDONED));
      } else {
        run.recorder.setCallError(new Error(ABANDONED));
        run.recorder.end();
      }
    } catch {
      // telemetry never breaks the host
    }
  }
}

const traceparentOf = (sc) => `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;

/** The span context of a W3C traceparent, or undefined. */
function spanContextOf(traceparent) {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(String(traceparent ?? ''));
  if (m === null || /^0+$/.test(m[1]) || /^0+$/.test(m[2])) return undefined;
  return { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3], 16), isRemote: false };
}

class SigilFrameworkHandler {
  #client;
  #frameworkName;
  #frameworkLanguage;
  #agentName;
  #agentVersion;
  #providerResolver;
  #provider;
  #captureInputs;
  #captureOutputs;
  #extraTags;
  #extraMetadata;
  #maxOpenRuns;
  #runs = new Map();
  #toolRuns = new Map();
  #chainSpans = new Map();
  #retrieverSpans = new Map();

  /**
   * `frameworkName`: "langchain", "langgraph", ...; `options` as the reference's
   * FrameworkHandlerOptions, plus `maxOpenRuns` (default 10000 per kind of run).
   */
  constructor(client, frameworkName, frameworkLanguage = 'javascript', options = {}) {
    const o = options ?? {};
    this.#client = client;
    this.#frameworkName = String(frameworkName).trim();
    this.#frameworkLanguage = asString(frameworkLanguage) || 'javascript';
    this.#agentName = o.agentName;
    this.#agentVersion = o.agentVersion;
    this.#providerResolver = o.providerResolver ?? 'auto';
    this.#provider = o.provider;
    this.#captureInputs = o.captureInputs ?? true;
    this.#captureOutputs = o.captureOutputs ?? true;
    this.#extraTags = { ...(o.extraTags ?? {}) };
    this.#extraMetadata = { ...(o.extraMetadata ?? {}) };
    const max = Math.trunc(Number(o.maxOpenRuns ?? DEFAULT_MAX_OPEN_RUNS));
    this.#maxOpenRuns = Number.isFinite(max) && max >= 1 ? max : DEFAULT_MAX_OPEN_RUNS;
  }

  /** How many runs are open (generations, tool executions, spans), for tests and diagnostics. */
  get openRuns() {
    return this.#runs.size + this.#toolRuns.size + this.#chainSpans.size + this.#retrieverSpans.size;
  }

  // -- LLM and chat-model runs -> generations --

  onLLMStart(serialized, prompts, runId, parentRunId, extraParams, tags, metadata, runName) {
    const input = this.#captureInputs ? mapPromptInputs(prompts) : [];
    this.#startGeneration('llm', input, serialized, runId, parentRunId, extraParams, tags, metadata, runName);
  }

  onChatModelStart(serialized, messages, runId, parentRunId, extraParams, tags, metadata, runName) {
    const input = this.#captureInputs ? mapChatInputs(messages) : [];
    this.#startGeneration('chat', input, serialized, runId, parentRunId, extraParams, tags, metadata, runName);
  }

  #startGeneration(runType, input, serialized, runId, parentRunId, extraParams, tags, metadata, runName) {
    const runKey = String(runId ?? '').trim();
    if (runKey === '' || this.#runs.has(runKey)) return;
    const invocationParams = asRecord(read(extraParams, 'invocation_params'));
    const ctx = this.#frameworkContext({ runKey, parentRunId, runType, runName, serialized, invocationParams,
      extraParams, tags, metadata });
    const modelName = resolveModelName(serialized, invocationParams);
    const provider = resolveProvider(this.#provider, this.#providerResolver, modelName, serialized, invocationParams);
    const streaming = isStreaming(invocationParams);
    const start = {
      conversationId: ctx.conversationId,
      agentName: this.#agentName,
      agentVersion: this.#agentVersion,
      model: { provider, name: modelName },
      tags: ctx.tags,
      metadata: ctx.metadata,
    };
    const recorder = this.#childOf(parentRunId, () => (streaming
      ? this.#client.startStreamingGeneration(start) : this.#client.startGeneration(start)));
    abandon(this.#keep(this.#runs, runKey, new LlmRun(recorder, input, this.#captureOutputs, streaming)));
  }

  /**
   * A streamed chunk: its text is kept for the output, and the first one with text or a tool call
   * sets the time to first token. `chunk` is the framework's chunk, when it hands one over.
   */
  onLLMNewToken(token, runId, chunk) {
    const run = this.#runs.get(String(runId));
    if (run === undefined) return;
    run.streamed = true;
    const text = typeof token === 'string' ? token : '';
    if (text !== '' && run.captureOutputs) run.chunks.push(text);
    if (!run.firstTokenSeen && (text.trim() !== '' || hasToolCallChunk(chunk))) {
      run.firstTokenSeen = true;
      run.recorder.setFirstTokenAt();
    }
  }

  onLLMEnd(output, runId) {
    this.#finish(this.#runs, runId, (run) => {
      const { usage, responseModel, stopReason } = resultDetails(output);
      let mapped = [];
      if (run.captureOutputs) {
        mapped = mapOutput(output);
        if (mapped.length === 0) mapped = run.streamedOutput();
      }
      run.recorder.setResult({
        input: run.input,
        output: mapped,
        usage,
        responseModel: responseModel || undefined,
        stopReason: stopReason || undefined,
        ...run.modeFields(),
      });
    });
  }

  onLLMError(error, runId) {
    this.#finish(this.#runs, runId, (run) => {
      run.recorder.setCallError(error);
      const streamed = run.streamedOutput();
      if (streamed.length > 0) run.recorder.setResult({ input: run.input, output: streamed, ...run.modeFields() });
    });
  }

  // -- tool runs -> tool executions --

  onToolStart(serialized, input, runId, parentRunId, tags, metadata, runName, extraParams) {
    const runKey = String(runId ?? '').trim();
    if (runKey === '' || this.#toolRuns.has(runKey)) return;
    const invocationParams = asRecord(read(extraParams, 'invocation_params'));
    const ctx = this.#frameworkContext({ runKey, parentRunId, runType: 'tool', runName, serialized,
      invocationParams, extraParams, tags, metadata });
    const toolName = asString(read(serialized, 'name')) || asString(read(serialized, 'tool_name'))
      || ctx.componentName || 'framework_tool';
    const start = {
      toolName,
      toolCallId: asString(read(extraParams, 'tool_call_id')) || undefined,
      toolDescription: asString(read(serialized, 'description')) || undefined,
      conversationId: ctx.conversationId,
      agentName: this.#agentName,
      agentVersion: this.#agentVersion,
      includeContent: this.#captureInputs || this.#captureOutputs,
    };
    const recorder = this.#childOf(parentRunId, () => this.#client.startToolExecution(start));
    let args;
    if (this.#captureInputs) {
      const explicit = read(extraParams, 'inputs');
      args = explicit !== undefined ? explicit : typeof input === 'string' ? input.trim() : input;
    }
    abandon(this.#keep(this.#toolRuns, runKey, new ToolRun(recorder, args, this.#captureOutputs)));
  }

  onToolEnd(output, runId) {
    this.#finish(this.#toolRuns, runId, (run) => {
      const result = {};
      if (run.arguments !== undefined) result.arguments = run.arguments;
      if (run.captureOutputs) result.result = toolOutput(output);
      run.recorder.setResult(result);
    });
  }

  onToolError(error, runId) {
    this.#finish(this.#toolRuns, runId, (run) => {
      const err = asError(error);
      run.recorder.setCallError(err);
      return err; // the tool's own failure, which getError() also reports: not raised again
    });
  }

  // -- chain and retriever runs -> spans --

  onChainStart(serialized, runId, parentRunId, tags, metadata, runType, runName, extraParams) {
    this.#startSpan(this.#chainSpans, 'chain', 'framework_chain', asString(runType) || 'chain',
      serialized, runId, parentRunId, tags, metadata, runName, extraParams);
  }

  onChainEnd(runId) {
    this.#endSpan(this.#chainSpans, runId, undefined);
  }

  onChainError(error, runId) {
    this.#endSpan(this.#chainSpans, runId, error ?? new Error('framework chain failed'));
  }

  onRetrieverStart(serialized, runId, parentRunId, tags, metadata, runName, extraParams) {
    this.#startSpan(this.#retrieverSpans, 'retriever', 'framework_retriever', 'retriever',
      serialized, runId, parentRunId, tags, metadata, runName, extraParams);
  }

  onRetrieverEnd(runId) {
    this.#endSpan(this.#retrieverSpans, runId, undefined);
  }

  onRetrieverError(error, runId) {
    this.#endSpan(this.#retrieverSpans, runId, error ?? new Error('framework retriever failed'));
  }

  #startSpan(spans, kind, operationName, runType, serialized, runId, parentRunId, tags, metadata, runName,
    extraParams) {
    const runKey = String(runId ?? '').trim();
    if (runKey === '' || spans.has(runKey)) return;
    const api = loadApi();
    if (api === undefined) return; // no OpenTelemetry in the application: no framework spans
    const invocationParams = asRecord(read(extraParams, 'invocation_params'));
    const ctx = this.#frameworkContext({ runKey, parentRunId, runType, runName, serialized, invocationParams,
      extraParams, tags, metadata });
    const tracer = this.#client?.[FRAMEWORK_TRACER] ?? api.trace.getTracer(INSTRUMENTATION_NAME);
    const name = `${this.#frameworkName}.${kind} ${ctx.componentName || kind}`;
    const span = tracer.startSpan(name, { kind: SPAN_KIND_INTERNAL }, this.#parentContext(api, parentRunId));
    const attributes = {
      'gen_ai.operation.name': operationName,
      [TAG_NAME]: this.#frameworkName,
      [TAG_SOURCE]: SOURCE,
      [TAG_LANGUAGE]: this.#frameworkLanguage,
      [META_RUN_ID]: runKey,
      [META_RUN_TYPE]: runType,
      [META_THREAD_ID]: ctx.threadId,
      'gen_ai.conversation.id': ctx.conversationId,
      [META_PARENT_RUN_ID]: ctx.parentRunKey,
      [META_COMPONENT]: ctx.componentName,
      [META_RETRY]: ctx.retryAttempt,
      [META_LANGGRAPH_NODE]: ctx.langgraphNode,
      [META_EVENT_ID]: ctx.eventId,
    };
    for (const [key, v] of Object.entries(attributes)) {
      if (v !== '' && v !== undefined) span.setAttribute(key, v);
    }
    abandon(this.#keep(spans, runKey, new SpanRun(span)));
  }

  #endSpan(spans, runId, error) {
    const run = this.#take(spans, runId);
    if (run !== undefined) finishSpan(run.span, error);
  }

  // -- the run tree --

  /** Files an open run; returns the oldest runs pushed out past maxOpenRuns (a Map keeps insertion order). */
  #keep(table, runKey, run) {
    table.set(runKey, run);
    const out = [];
    for (const [key, old] of table) {
      if (table.size <= this.#maxOpenRuns) break;
      table.delete(key);
      out.push(old);
    }
    return out;
  }

  /**
   * Ends the run `runId` of `table` after `record(run)` set its outcome; then raises the recorder's
   * local error (validation, queue full, shut down), as the reference does, unless it is the error
   * `record` returned.
   */
  #finish(table, runId, record) {
    const run = this.#take(table, runId);
    if (run === undefined) return;
    let own;
    try {
      own = record(run);
    } finally {
      run.recorder.end();
    }
    const err = run.recorder.getError();
    if (err !== undefined && err !== own) throw err;
  }

  #take(table, runId) {
    const key = String(runId ?? '').trim();
    const run = table.get(key);
    if (run !== undefined) table.delete(key);
    return run;
  }

  #openRun(parentRunId) {
    const key = String(parentRunId ?? '').trim();
    if (key === '') return undefined;
    for (const table of [this.#chainSpans, this.#retrieverSpans, this.#runs, this.#toolRuns]) {
      const run = table.get(key);
      if (run !== undefined) return run;
    }
    return undefined;
  }

  /** The W3C traceparent of the open parent run's span, '' when the parent is not open here. */
  #parentTraceparent(parentRunId) {
    const run = this.#openRun(parentRunId);
    if (run === undefined) return '';
    if (run instanceof SpanRun) {
      const sc = run.span.spanContext();
      return spanContextOf(traceparentOf(sc)) === undefined ? '' : traceparentOf(sc);
    }
    return run.recorder.traceparent;
  }

  /** Runs `start` so that the recorder it starts is a child of the open parent run's span. */
  #childOf(parentRunId, start) {
    const traceparent = this.#parentTraceparent(parentRunId);
    if (traceparent === '') return start();
    const scoped = () => context.withSigilContext({ parentTraceparent: traceparent, parentIsLocal: true }, start);
    const api = context.otelInUse() ? loadApi() : undefined;
    if (api === undefined) return scoped();
    const parent = api.trace.setSpanContext(api.context.active(), spanContextOf(traceparent));
    return api.context.with(parent, scoped);
  }

  /** The OpenTelemetry context of a span whose parent is the open parent run, else the active context. */
  #parentContext(api, parentRunId) {
    const run = this.#openRun(parentRunId);
    if (run instanceof SpanRun) return api.trace.setSpan(api.context.active(), run.span);
    const sc = run === undefined ? undefined : spanContextOf(run.recorder.traceparent);
    return sc === undefined ? api.context.active() : api.trace.setSpanContext(api.context.active(), sc);
  }

  #frameworkContext({ runKey, parentRunId, runType, runName, serialized, invocationParams, extraParams, tags,
    metadata }) {
    const payloads = [asRecord(metadata), asRecord(extraParams), invocationParams, asRecord(serialized)];
    const { conversationId, threadId } = resolveConversation(this.#frameworkName, runKey, payloads);
    const componentName = resolveComponentName(serialized, metadata, extraParams, runName);
    const retryAttempt = firstOf(payloads, retryAttemptOf);
    const parentRunKey = String(parentRunId ?? '').trim();
    const frameworkTags = normalizeTags(tags ?? read(extraParams, 'tags') ?? read(metadata, 'tags'));
    const langgraphNode = firstOf(payloads, (p) => firstText(p, LANGGRAPH_NODE_PATHS)) ?? '';
    const eventId = firstOf(payloads, (p) => firstText(p, EVENT_ID_PATHS)) ?? '';
    const raw = { ...this.#extraMetadata, [META_RUN_ID]: runKey, [META_RUN_TYPE]: runType };
    const optional = [[META_THREAD_ID, threadId], [META_PARENT_RUN_ID, parentRunKey], [META_COMPONENT, componentName],
      [META_TAGS, frameworkTags.length > 0 ? frameworkTags : undefined], [META_RETRY, retryAttempt],
      [META_LANGGRAPH_NODE, langgraphNode], [META_EVENT_ID, eventId]];
    for (const [key, v] of optional) {
      if (v !== '' && v !== undefined) raw[key] = v;
    }
    return {
      conversationId,
      threadId,
      parentRunKey,
      componentName,
      retryAttempt,
      langgraphNode,
      eventId,
      metadata: normalizeMetadata(raw),
      tags: { ...this.#extraTags, [TAG_NAME]: this.#frameworkName, [TAG_SOURCE]: SOURCE,
        [TAG_LANGUAGE]: this.#frameworkLanguage },
    };
  }
}

/** A tool's output as recorded: a framework tool message's content, else the value. */
function toolOutput(output) {
  if (isRecord(output) && read(output, 'tool_call_id') !== undefined && read(output, 'content') !== undefined) {
    return read(output, 'content');
  }
  return output;
}

/**
 * `config` with `handler` added to its callbacks (an array, a single handler, or none), unless a
 * handler of the same class is already there; the caller's other fields are kept.
 */
function withHandlerCallbacks(config, handler) {
  const base = { ...(config ?? {}) };
  const existing = base.callbacks;
  const callbacks = Array.isArray(existing) ? [...existing] : existing === undefined ? [] : [existing];
  if (!callbacks.some((cb) => cb instanceof handler.constructor)) callbacks.push(handler);
  return { ...base, callbacks };
}

module.exports = {
  SigilFrameworkHandler,
  withHandlerCallbacks,
  resolveProvider,
  providerOfModel,
  mapUsage,
  normalizeMetadata,
  asRecord,
  asString,
  read,
};
