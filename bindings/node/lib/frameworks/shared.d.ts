import type { SigilClient } from '../index.js';

/** How a handler resolves a generation's provider: "auto" (payloads, model class, model name) or a function. */
export type ProviderResolver =
  | 'auto'
  | ((context: { modelName: string; serialized?: unknown; invocationParams?: unknown }) => string);

/** The options of every framework handler (the reference SDK's FrameworkHandlerOptions, plus maxOpenRuns). */
export interface FrameworkHandlerOptions {
  agentName?: string;
  agentVersion?: string;
  providerResolver?: ProviderResolver;
  /** Wins over the resolver: "openai", "anthropic", "gemini"; any other name is recorded as "custom". */
  provider?: string;
  /** Record prompts and tool arguments (default true). */
  captureInputs?: boolean;
  /** Record outputs and tool results (default true). */
  captureOutputs?: boolean;
  /** Added to every generation's tags. */
  extraTags?: Record<string, string>;
  /** Added to every generation's metadata. */
  extraMetadata?: Record<string, unknown>;
  /** Open runs kept per kind before the oldest is ended as abandoned (default 10000). */
  maxOpenRuns?: number;
}

type AnyRecord = Record<string, unknown>;

/** The shared base: framework callbacks in, generations, tool executions and spans out. */
export declare class SigilFrameworkHandler {
  constructor(client: SigilClient, frameworkName: string, frameworkLanguage?: string, options?: FrameworkHandlerOptions);
  /** Runs started and not yet ended (generations, tool executions, spans). */
  readonly openRuns: number;
  onLLMStart(serialized: unknown, prompts: unknown, runId: string, parentRunId?: string, extraParams?: AnyRecord,
    tags?: string[], metadata?: AnyRecord, runName?: string): void;
  onChatModelStart(serialized: unknown, messages: unknown, runId: string, parentRunId?: string,
    extraParams?: AnyRecord, tags?: string[], metadata?: AnyRecord, runName?: string): void;
  onLLMNewToken(token: string, runId: string, chunk?: unknown): void;
  onLLMEnd(output: unknown, runId: string): void;
  onLLMError(error: unknown, runId: string): void;
  onToolStart(serialized: unknown, input: unknown, runId: string, parentRunId?: string, tags?: string[],
    metadata?: AnyRecord, runName?: string, extraParams?: AnyRecord): void;
  onToolEnd(output: unknown, runId: string): void;
  onToolError(error: unknown, runId: string): void;
  onChainStart(serialized: unknown, runId: string, parentRunId?: string, tags?: string[], metadata?: AnyRecord,
    runType?: string, runName?: string, extraParams?: AnyRecord): void;
  onChainEnd(runId: string): void;
  onChainError(error: unknown, runId: string): void;
  onRetrieverStart(serialized: unknown, runId: string, parentRunId?: string, tags?: string[], metadata?: AnyRecord,
    runName?: string, extraParams?: AnyRecord): void;
  onRetrieverEnd(runId: string): void;
  onRetrieverError(error: unknown, runId: string): void;
}

/** The LangChain callback methods (LangChain.js and LangGraph.js handlers). */
export declare class SigilLangChainCallbackHandler extends SigilFrameworkHandler {
  constructor(client: SigilClient, options?: FrameworkHandlerOptions);
  name: string;
  awaitHandlers: boolean;
  handleLLMStart(serialized: unknown, prompts: unknown, runId: string, parentRunId?: string, extraParams?: AnyRecord,
    tags?: string[], metadata?: AnyRecord, runName?: string): Promise<void>;
  handleChatModelStart(serialized: unknown, messages: unknown, runId: string, parentRunId?: string,
    extraParams?: AnyRecord, tags?: string[], metadata?: AnyRecord, runName?: string): Promise<void>;
  handleLLMNewToken(token: string, idx: unknown, runId: string, parentRunId?: string, tags?: string[],
    fields?: { chunk?: unknown }): Promise<void>;
  handleLLMEnd(output: unknown, runId: string): Promise<void>;
  handleLLMError(error: unknown, runId: string): Promise<void>;
  handleToolStart(serialized: unknown, input: unknown, runId: string, parentRunId?: string, tags?: string[],
    metadata?: AnyRecord, runName?: string, toolCallId?: string): Promise<void>;
  handleToolEnd(output: unknown, runId: string): Promise<void>;
  handleToolError(error: unknown, runId: string): Promise<void>;
  handleChainStart(serialized: unknown, inputs: unknown, runId: string, parentRunId?: string, tags?: string[],
    metadata?: AnyRecord, runType?: string, runName?: string, extra?: AnyRecord): Promise<void>;
  handleChainEnd(outputs: unknown, runId: string): Promise<void>;
  handleChainError(error: unknown, runId: string): Promise<void>;
  handleRetrieverStart(serialized: unknown, query: string, runId: string, parentRunId?: string, tags?: string[],
    metadata?: AnyRecord, runName?: string): Promise<void>;
  handleRetrieverEnd(documents: unknown, runId: string): Promise<void>;
  handleRetrieverError(error: unknown, runId: string): Promise<void>;
}

/** A config object a framework takes callbacks in. */
export type CallbackConfig = Record<string, unknown> & { callbacks?: unknown };

/** The entries of a config's own callbacks (an array's elements, or the single handler). */
export type CallbackEntry<T> = T extends { callbacks?: infer C }
  ? unknown extends C ? never : NonNullable<C> extends readonly (infer E)[] ? E : NonNullable<C>
  : never;
