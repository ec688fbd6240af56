import type { SigilClient } from '../index.js';
import type { FrameworkHandlerOptions, SigilLangChainCallbackHandler } from './shared.js';

export type { FrameworkHandlerOptions, ProviderResolver } from './shared.js';

/** What the hooks listen to: an OpenAI Agents Runner or Agent (RunHooks / AgentHooks emitters). */
export interface OpenAIAgentsHookTarget {
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
}

/** The handler the events go to, and detach() to stop listening. */
export interface OpenAIAgentsHookRegistration {
  handler: SigilOpenAIAgentsHandler;
  detach: () => void;
}

/** Agent runs as generations, tool calls as tool executions, handoffs as spans. */
export declare class SigilOpenAIAgentsHandler extends SigilLangChainCallbackHandler {}

export declare function createSigilOpenAIAgentsHandler(client: SigilClient,
  options?: FrameworkHandlerOptions): SigilOpenAIAgentsHandler;

/** Records `target`'s agent runs, tool calls and handoffs until detach(). */
export declare function withSigilOpenAIAgentsHooks(target: OpenAIAgentsHookTarget, client: SigilClient,
  options?: FrameworkHandlerOptions): OpenAIAgentsHookRegistration;

export declare const attachSigilOpenAIAgentsHooks: typeof withSigilOpenAIAgentsHooks;
