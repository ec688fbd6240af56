import type { SigilClient } from '../index.js';
import type {
  CallbackConfig, CallbackEntry, FrameworkHandlerOptions, SigilLangChainCallbackHandler,
} from './shared.js';

export type { FrameworkHandlerOptions, ProviderResolver } from './shared.js';

/** LangChain.js callbacks as Sigil generations (LLM and chat-model runs), tool executions and spans. */
export declare class SigilLangChainHandler extends SigilLangChainCallbackHandler {}

export declare function createSigilLangChainHandler(client: SigilClient, options?: FrameworkHandlerOptions): SigilLangChainHandler;

/** `config` with a SigilLangChainHandler added to its callbacks (kept as they are; not added twice). */
export declare function withSigilLangChainCallbacks<T extends CallbackConfig>(config: T | undefined, client: SigilClient,
  options?: FrameworkHandlerOptions): T & { callbacks: Array<CallbackEntry<T> | SigilLangChainHandler> };
