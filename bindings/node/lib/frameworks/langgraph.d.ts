import type { SigilClient } from '../index.js';
import type {
  CallbackConfig, CallbackEntry, FrameworkHandlerOptions, SigilLangChainCallbackHandler,
} from './shared.js';

export type { FrameworkHandlerOptions, ProviderResolver } from './shared.js';

/** LangGraph.js callbacks as Sigil generations (LLM and chat-model runs), tool executions and spans. */
export declare class SigilLangGraphHandler extends SigilLangChainCallbackHandler {}

export declare function createSigilLangGraphHandler(client: SigilClient, options?: FrameworkHandlerOptions): SigilLangGraphHandler;

/** `config` with a SigilLangGraphHandler added to its callbacks (kept as they are; not added twice). */
export declare function withSigilLangGraphCallbacks<T extends CallbackConfig>(config: T | undefined, client: SigilClient,
  options?: FrameworkHandlerOptions): T & { callbacks: Array<CallbackEntry<T> | SigilLangGraphHandler> };
