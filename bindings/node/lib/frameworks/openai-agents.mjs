// ESM entry of sigil-sdk/openai-agents (the implementation is lib/frameworks/openai-agents.js).
import m from './openai-agents.js';

export const {
  SigilOpenAIAgentsHandler, createSigilOpenAIAgentsHandler, withSigilOpenAIAgentsHooks, attachSigilOpenAIAgentsHooks,
} = m;
export default m;
