'use strict';

// sigil-sdk/openai-agents: an OpenAI Agents JS Runner's (or Agent's) lifecycle events as Sigil
// records, through the shared framework base (the reference SDK's names:
// withSigilOpenAIAgentsHooks, attachSigilOpenAIAgentsHooks, SigilOpenAIAgentsHandler).
//
// An agent run (agent_start to agent_end) is a generation: the turn input in, the final output
// out, the run context's usage. A tool call (agent_tool_start / agent_tool_end) is a tool
// execution under its agent's span; a handoff is an `openai-agents.chain agent_handoff` span, and
// ends the agent that handed off (the Agents SDK emits no agent_end for it). A run context's
// conversationId / sessionId / groupId (or its context's) names the conversation.

const { langChainCallbackHandler } = require('./callbacks.js');
const { asString, read } = require('./shared.js');

const isRecord = (v) => typeof v === 'object' && v !== null;

class SigilOpenAIAgentsHandler extends langChainCallbackHandler('openai-agents', 'sigil_openai_agents_handler') {}

function createSigilOpenAIAgentsHandler(client, options = {}) {
  return new SigilOpenAIAgentsHandler(client, options);
}

const CONVERSATION_KEYS = ['conversationId', 'conversation_id', 'sessionId', 'session_id', 'groupId', 'group_id'];

function conversationIdOf(runContext) {
  for (const scope of [runContext, read(runContext, 'context')]) {
    for (const key of CONVERSATION_KEYS) {
      const id = asString(read(scope, key));
      if (id !== '') return id;
    }
  }
  return '';
}

function modelNameOf(agent) {
  const model = read(agent, 'model');
  if (typeof model === 'string') return model.trim();
  return asString(read(model, 'model')) || asString(read(model, 'name')) || asString(read(model, 'id'));
}

const agentNameOf = (agent) => asString(read(agent, 'name')) || 'openai_agent';

/** Text of an agent input or output item (a string, content parts, a message). */
function textOf(value) {
  if (typeof value === 'string') return value.trim();
  if (Array.isArray(value)) return value.map(textOf).filter((t) => t !== '').join(' ').trim();
  if (!isRecord(value)) return '';
  for (const key of ['text', 'output_text']) {
    const text = asString(value[key]);
    if (text !== '') return text;
  }
  return textOf(value.content) || textOf(value.message) || textOf(value.finalOutput);
}

/** The turn input items (messages, tool calls and their outputs) as chat messages for the base. */
function turnMessages(turnInput) {
  const items = Array.isArray(turnInput) ? turnInput : [turnInput];
  const out = [];
  for (const item of items) {
    const type = asString(read(item, 'type'));
    if (type === 'function_call') {
      let args = read(item, 'arguments');
      try {
        args = typeof args === 'string' ? JSON.parse(args) : args;
      } catch {
        // not JSON: kept as text
      }
      out.push({ role: 'assistant', content: '',
        tool_calls: [{ name: asString(read(item, 'name')), id: asString(read(item, 'callId')), args }] });
    } else if (type === 'function_call_result') {
      out.push({ role: 'tool', content: textOf(read(item, 'output')), tool_call_id: asString(read(item, 'callId')) });
    } else {
      const content = textOf(read(item, 'content') ?? item);
      if (content !== '') out.push({ role: asString(read(item, 'role')) || 'user', content });
    }
  }
  return out;
}

function toolArguments(details) {
  const raw = read(read(details, 'toolCall'), 'arguments');
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

const toolCallIdOf = (details) => asString(read(read(details, 'toolCall'), 'callId'))
  || asString(read(read(details, 'toolCall'), 'id'));

/**
 * Listens to `target` (an Agents Runner, or an Agent) with a new SigilOpenAIAgentsHandler;
 * returns { handler, detach }. Runs of different run contexts never mix.
 */
function withSigilOpenAIAgentsHooks(target, client, options = {}) {
  if (!isRecord(target) || typeof target.on !== 'function' || typeof target.off !== 'function') {
    throw new TypeError('withSigilOpenAIAgentsHooks expects an OpenAI Agents Runner or Agent (an event emitter '
      + 'of RunHooks / AgentHooks)');
  }
  const handler = createSigilOpenAIAgentsHandler(client, options);
  const agentRuns = new WeakMap(); // run context -> the run id of its current agent
  const toolRuns = new WeakMap(); // run context -> Map(tool call id -> run id)
  let sequence = 0;
  const nextRunId = (prefix) => `${prefix}:${globalThis.crypto.randomUUID()}:${++sequence}`;
  const metadataOf = (runContext, extra = {}) => {
    const conversationId = conversationIdOf(runContext);
    return conversationId === '' ? extra : { conversation_id: conversationId, ...extra };
  };
  // An Agent emits without itself as the second argument; a Runner with it.
  const fromRunner = (args, count) => args.length >= count;

  const endAgent = (runContext, fn) => {
    const runId = agentRuns.get(runContext);
    if (runId === undefined) return;
    agentRuns.delete(runContext);
    fn(runId);
  };

  const listeners = {
    agent_start: (runContext, agent, turnInput) => {
      endAgent(runContext, (runId) => handler.onLLMEnd({ generations: [] }, runId)); // not ended by the SDK
      const runId = nextRunId('openai_agent');
      agentRuns.set(runContext, runId);
      const model = modelNameOf(agent);
      handler.onChatModelStart({ name: agentNameOf(agent), kwargs: model === '' ? undefined : { model } },
        [turnMessages(turnInput)], runId, undefined, { invocation_params: { model } }, undefined,
        metadataOf(runContext), agentNameOf(agent));
    },
    agent_end: (...args) => {
      const [runContext, agent, output] = fromRunner(args, 3) ? args : [args[0], undefined, args[1]];
      endAgent(runContext, (runId) => {
        const usage = read(runContext, 'usage');
        handler.onLLMEnd({
          generations: [[{ text: textOf(output) }]],
          llm_output: { model_name: modelNameOf(agent) || undefined,
            token_usage: isRecord(usage) ? { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens,
              total_tokens: usage.totalTokens } : undefined },
        }, runId);
      });
    },
    agent_handoff: (...args) => {
      const [runContext, from, to] = fromRunner(args, 3) ? args : [args[0], undefined, args[1]];
      const parentRunId = agentRuns.get(runContext);
      const runId = nextRunId('openai_handoff');
      handler.onChainStart({ name: 'agent_handoff' }, runId, parentRunId, undefined,
        metadataOf(runContext, { handoff_from: from === undefined ? undefined : agentNameOf(from),
          handoff_to: agentNameOf(to) }), 'handoff', 'agent_handoff');
      handler.onChainEnd(runId);
      endAgent(runContext, (agentRunId) => handler.onLLMEnd({ generations: [] }, agentRunId));
    },
    agent_tool_start: (...args) => {
      const [runContext, , tool, details] = fromRunner(args, 4) ? args : [args[0], undefined, args[1], args[2]];
      const callId = toolCallIdOf(details);
      const runId = nextRunId('openai_tool');
      if (!toolRuns.has(runContext)) toolRuns.set(runContext, new Map());
      toolRuns.get(runContext).set(callId, runId);
      const toolName = asString(read(tool, 'name')) || asString(read(read(details, 'toolCall'), 'name'))
        || 'framework_tool';
      handler.onToolStart({ name: toolName, description: read(tool, 'description') }, '', runId,
        agentRuns.get(runContext), undefined, metadataOf(runContext, { event_id: callId }), toolName,
        { inputs: toolArguments(details), tool_call_id: callId || undefined });
    },
    agent_tool_end: (...args) => {
      const [runContext, , , result, details] = fromRunner(args, 5) ? args : [args[0], undefined, args[1], args[2], args[3]];
      const runs = toolRuns.get(runContext);
      const callId = toolCallIdOf(details);
      const runId = runs?.get(callId);
      if (runId === undefined) return;
      runs.delete(callId);
      handler.onToolEnd(result, runId);
    },
  };
  const safely = (fn) => (...args) => {
    try {
      fn(...args);
    } catch {
      // a recorder's local error: reported by the client's stats, never raised into the agent run
    }
  };
  const attached = Object.entries(listeners).map(([event, fn]) => [event, safely(fn)]);
  for (const [event, fn] of attached) target.on(event, fn);
  return {
    handler,
    detach: () => {
      for (const [event, fn] of attached) target.off(event, fn);
    },
  };
}

const attachSigilOpenAIAgentsHooks = withSigilOpenAIAgentsHooks;

module.exports = {
  SigilOpenAIAgentsHandler,
  createSigilOpenAIAgentsHandler,
  withSigilOpenAIAgentsHooks,
  attachSigilOpenAIAgentsHooks,
};
