'use strict';

// sigil-sdk/vercel-ai-sdk: the Vercel AI SDK's generateText / streamText callbacks as Sigil
// generations (one per model step) and tool executions (the reference SDK's
// @grafana/sigil-sdk-js/vercel-ai-sdk names: createSigilVercelAiSdk, generateTextHooks,
// streamTextHooks). The model object is left as it is; only the callbacks are read.
//
// A step's generation is recorded when the step finishes (onStepFinish), with the start time,
// input messages and model of its experimental_onStepStart (AI SDK 6) and the time of its first
// streamed chunk: a call that throws leaves nothing open. A stream that fails (onError) or is
// aborted (onAbort) records its open step as failed.

const { mapUsage, normalizeMetadata, providerOfModel, asString, read } = require('./shared.js');

const FRAMEWORK = 'vercel-ai-sdk';
const KNOWN_PROVIDERS = ['openai', 'anthropic', 'gemini'];

/** The provider of an AI SDK model ("openai.chat", "anthropic.messages", "google.generative-ai"). */
function providerOf(provider, modelId) {
  const name = asString(provider).toLowerCase().split('.')[0];
  if (KNOWN_PROVIDERS.includes(name)) return name;
  if (name === 'google' || name === 'vertex') return 'gemini';
  if (name !== '') return 'custom';
  return providerOfModel(modelId);
}

const asJSONText = (v) => (typeof v === 'string' ? v : JSON.stringify(v ?? null));

/** An AI SDK model message (role, content as text or parts) as a Sigil message, or undefined. */
function mapModelMessage(m) {
  const role = asString(read(m, 'role'));
  const content = read(m, 'content');
  if (role === 'system') return undefined; // the step's system prompt
  const parts = [];
  const items = typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? content : [];
  for (const p of items) {
    const type = read(p, 'type');
    if (type === 'text' && asString(p.text) !== '') parts.push({ type: 'text', text: p.text });
    else if (type === 'reasoning' && asString(p.text) !== '') parts.push({ type: 'thinking', thinking: p.text });
    else if (type === 'tool-call') {
      parts.push({ type: 'tool_call',
        toolCall: { id: asString(p.toolCallId), name: asString(p.toolName), inputJSON: p.input } });
    } else if (type === 'tool-result') {
      const output = read(p, 'output');
      const kind = asString(read(output, 'type'));
      const value = read(output, 'value');
      parts.push({ type: 'tool_result', toolResult: {
        toolCallId: asString(p.toolCallId),
        name: asString(p.toolName),
        content: typeof value === 'string' ? value : asJSONText(value ?? output),
        isError: kind.startsWith('error') || kind === 'execution-denied',
      } });
    }
  }
  if (parts.length === 0) return undefined;
  return { role: role === 'assistant' ? 'assistant' : role === 'tool' ? 'tool' : 'user', parts };
}

function mapModelMessages(messages) {
  return (Array.isArray(messages) ? messages : []).map(mapModelMessage).filter((m) => m !== undefined);
}

function systemPromptOf(system) {
  if (typeof system === 'string') return system;
  const list = Array.isArray(system) ? system : system === undefined || system === null ? [] : [system];
  return list.map((s) => asString(read(s, 'content'))).filter((t) => t !== '').join('\n');
}

/** A finished step's output: its text, reasoning and tool calls, as one assistant message. */
function mapStepOutput(event) {
  const parts = [];
  const reasoning = asString(read(event, 'reasoningText'));
  if (reasoning !== '') parts.push({ type: 'thinking', thinking: reasoning });
  const text = typeof event.text === 'string' ? event.text : '';
  if (text !== '') parts.push({ type: 'text', text });
  for (const call of Array.isArray(event.toolCalls) ? event.toolCalls : []) {
    parts.push({ type: 'tool_call',
      toolCall: { id: asString(call.toolCallId), name: asString(call.toolName), inputJSON: call.input } });
  }
  return parts.length > 0 ? [{ role: 'assistant', parts }] : [];
}

/** AI SDK usage (inputTokens, outputTokens, their details; v4's promptTokens/completionTokens). */
function mapStepUsage(usage) {
  const base = mapUsage(usage);
  if (base === undefined) return undefined;
  const details = read(usage, 'inputTokenDetails');
  const cacheRead = Number(read(details, 'cacheReadTokens') ?? read(usage, 'cachedInputTokens') ?? 0);
  const cacheWrite = Number(read(details, 'cacheWriteTokens') ?? 0);
  const reasoning = Number(read(read(usage, 'outputTokenDetails'), 'reasoningTokens')
    ?? read(usage, 'reasoningTokens') ?? 0);
  if (cacheRead > 0) base.cacheReadInputTokens = cacheRead;
  if (cacheWrite > 0) base.cacheWriteInputTokens = cacheWrite;
  if (reasoning > 0) base.reasoningTokens = reasoning;
  return base;
}

/** `e` as an Error: itself, its message, its text, else `fallback`. */
function errorOf(e, fallback) {
  if (e instanceof Error) return e;
  return new Error(asString(read(e, 'message')) || (typeof e === 'string' && e) || fallback);
}

class SigilVercelAiSdkInstrumentation {
  #client;
  #agentName;
  #agentVersion;
  #captureInputs;
  #captureOutputs;
  #extraTags;
  #extraMetadata;
  #resolveConversationId;

  constructor(client, options = {}) {
    const o = options ?? {};
    this.#client = client;
    this.#agentName = asString(o.agentName) || undefined;
    this.#agentVersion = asString(o.agentVersion) || undefined;
    this.#captureInputs = o.captureInputs ?? true;
    this.#captureOutputs = o.captureOutputs ?? true;
    this.#extraTags = { ...(o.extraTags ?? {}) };
    this.#extraMetadata = { ...(o.extraMetadata ?? {}) };
    this.#resolveConversationId = typeof o.resolveConversationId === 'function' ? o.resolveConversationId : undefined;
  }

  /** Callbacks to spread into one generateText call: `generateText({ ..., ...sigil.generateTextHooks() })`. */
  generateTextHooks(callOptions = {}) {
    const hooks = this.#hooks('SYNC', 'generateText', callOptions);
    for (const streamOnly of ['onChunk', 'onError', 'onAbort']) delete hooks[streamOnly];
    return hooks;
  }

  /** Callbacks to spread into one streamText call (the generateText ones plus onChunk, onError, onAbort). */
  streamTextHooks(callOptions = {}) {
    return this.#hooks('STREAM', 'streamText', callOptions);
  }

  #hooks(mode, operationName, callOptions) {
    const call = {
      id: globalThis.crypto.randomUUID(),
      startedAt: new Date(),
      explicitConversationId: asString(read(callOptions, 'conversationId')),
      agentName: asString(read(callOptions, 'agentName')) || this.#agentName,
      metadata: { ...this.#extraMetadata, ...(read(callOptions, 'extraMetadata') ?? {}) },
      steps: new Map(), // stepNumber -> what its start said
      tools: new Map(), // toolCallId -> open tool execution
      recordedTools: new Set(),
      lastStep: -1,
    };

    const conversationOf = (event) => call.explicitConversationId
      || asString(this.#resolveConversationId?.(event))
      || `sigil:framework:${FRAMEWORK}:${call.id}`;

    const stepOf = (stepNumber) => {
      const n = typeof stepNumber === 'number' ? stepNumber : call.lastStep < 0 ? 0 : call.lastStep;
      let step = call.steps.get(n);
      if (step === undefined) { // no experimental_onStepStart (AI SDK 5): the step starts when first seen
        step = { number: n, startedAt: call.lastStep < 0 ? call.startedAt : new Date(), event: {}, input: [] };
        call.steps.set(n, step);
      }
      call.lastStep = Math.max(call.lastStep, n);
      return step;
    };

    // One generation for a finished (or failed) step.
    const recordStep = (step, finish, error) => {
      call.steps.delete(step.number);
      const model = read(step.event, 'model') ?? read(finish, 'model');
      const modelId = asString(read(model, 'modelId')) || asString(read(read(finish, 'response'), 'modelId'))
        || 'unknown';
      const start = {
        conversationId: conversationOf(step.event),
        agentName: call.agentName,
        agentVersion: this.#agentVersion,
        mode,
        operationName,
        model: { provider: providerOf(read(model, 'provider'), modelId), name: modelId },
        systemPrompt: this.#captureInputs ? systemPromptOf(read(step.event, 'system')) || undefined : undefined,
        tags: { ...this.#extraTags, 'sigil.framework.name': FRAMEWORK, 'sigil.framework.source': 'handler',
          'sigil.framework.language': 'javascript' },
        metadata: normalizeMetadata({ ...call.metadata, 'sigil.framework.run_id': `${call.id}:${step.number}`,
          'sigil.framework.run_type': 'step' }),
        startedAt: step.startedAt,
      };
      const recorder = mode === 'STREAM' ? this.#client.startStreamingGeneration(start)
        : this.#client.startGeneration(start);
      try {
        if (step.firstChunkAt !== undefined) recorder.setFirstTokenAt(step.firstChunkAt);
        const response = read(finish, 'response');
        recorder.setResult({
          input: this.#captureInputs ? step.input : undefined,
          output: this.#captureOutputs && finish !== undefined ? mapStepOutput(finish) : undefined,
          usage: mapStepUsage(read(finish, 'usage')),
          stopReason: asString(read(finish, 'finishReason')) || undefined,
          responseId: asString(read(response, 'id')) || undefined,
          responseModel: asString(read(response, 'modelId')) || undefined,
          completedAt: new Date(),
        });
        if (error !== undefined) recorder.setCallError(error);
        else if (read(finish, 'finishReason') === 'error') {
          recorder.setCallError(errorOf(read(finish, 'error'), 'step finished with an error'));
        }
      } finally {
        recorder.end();
      }
      return recorder.getError();
    };

    const endTool = (id, outcome) => {
      const tool = call.tools.get(id);
      if (tool === undefined) return undefined;
      call.tools.delete(id);
      call.recordedTools.add(id);
      try {
        const result = {};
        if (this.#captureInputs) result.arguments = tool.input;
        if (outcome.error === undefined && this.#captureOutputs) result.result = outcome.output;
        tool.recorder.setResult(result);
        if (outcome.error !== undefined) tool.recorder.setCallError(errorOf(outcome.error, 'tool call failed'));
      } finally {
        tool.recorder.end();
      }
      return outcome.error === undefined ? tool.recorder.getError() : undefined;
    };

    const startTool = (toolCall, stepNumber) => {
      const id = asString(read(toolCall, 'toolCallId')) || `${call.id}:${stepNumber}:${call.tools.size}`;
      if (call.tools.has(id) || call.recordedTools.has(id)) return id;
      const recorder = this.#client.startToolExecution({
        toolName: asString(read(toolCall, 'toolName')) || 'framework_tool',
        toolCallId: id,
        toolType: 'function',
        conversationId: conversationOf(call.steps.get(stepNumber)?.event ?? {}),
        agentName: call.agentName,
        agentVersion: this.#agentVersion,
        includeContent: this.#captureInputs || this.#captureOutputs,
      });
      call.tools.set(id, { recorder, input: read(toolCall, 'input') });
      return id;
    };

    // What a failed or aborted stream leaves open, recorded as failed.
    const failOpen = (error) => {
      for (const id of [...call.tools.keys()]) endTool(id, { error });
      for (const step of [...call.steps.values()]) recordStep(step, undefined, error);
    };

    return {
      experimental_onStepStart: (event) => {
        const n = typeof event?.stepNumber === 'number' ? event.stepNumber : call.lastStep + 1;
        const step = { number: n, startedAt: new Date(), event: event ?? {},
          input: this.#captureInputs ? mapModelMessages(read(event, 'messages')) : [] };
        call.steps.set(n, step);
        call.lastStep = Math.max(call.lastStep, n);
      },
      onChunk: (event) => {
        const chunk = read(event, 'chunk') ?? event;
        const type = asString(read(chunk, 'type'));
        const text = read(chunk, 'text') ?? read(chunk, 'delta');
        const first = (type === 'text-delta' && typeof text === 'string' && text !== '')
          || type === 'tool-call' || type === 'tool-input-start';
        const step = stepOf(undefined);
        if (first && step.firstChunkAt === undefined) step.firstChunkAt = new Date();
      },
      experimental_onToolCallStart: (event) => {
        startTool(read(event, 'toolCall'), read(event, 'stepNumber') ?? call.lastStep);
      },
      experimental_onToolCallFinish: (event) => {
        const id = startTool(read(event, 'toolCall'), read(event, 'stepNumber') ?? call.lastStep);
        const err = endTool(id, event?.success === false ? { error: event.error ?? new Error('tool call failed') }
          : { output: read(event, 'output') });
        if (err !== undefined) throw err;
      },
      onStepFinish: (event) => {
        const step = stepOf(read(event, 'stepNumber'));
        // Without the tool callbacks (AI SDK 5), the step's tool results are its tool executions.
        for (const r of Array.isArray(event?.toolResults) ? event.toolResults : []) {
          const id = asString(read(r, 'toolCallId'));
          if (id !== '' && (call.recordedTools.has(id) || call.tools.has(id))) continue;
          endTool(startTool(r, step.number), { output: read(r, 'output') });
        }
        const err = recordStep(step, event);
        if (err !== undefined) throw err;
      },
      onError: (event) => {
        failOpen(errorOf(read(event, 'error') ?? event, 'stream failed'));
      },
      onAbort: () => {
        failOpen(new Error('stream aborted'));
      },
    };
  }
}

/** The instrumentation for `client`: spread its generateTextHooks() / streamTextHooks() into each call. */
function createSigilVercelAiSdk(client, options = {}) {
  return new SigilVercelAiSdkInstrumentation(client, options);
}

module.exports = { SigilVercelAiSdkInstrumentation, createSigilVercelAiSdk };
