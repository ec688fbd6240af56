import type { SigilClient, GenerationResult } from '../index.js';

/** Sigil fields applied to every call a wrapper or an instrumented client records. */
export interface OpenAIOptions {
  conversationId?: string;
  conversationTitle?: string;
  userId?: string;
  agentName?: string;
  agentVersion?: string;
  tags?: Record<string, string>;
  metadata?: Record<string, unknown>;
  /** Also keep the provider JSON as raw artifacts (off by default). */
  rawArtifacts?: boolean;
}

type AnyRecord = Record<string, unknown>;

export interface ChatCompletionsStreamSummary<E = AnyRecord, R = AnyRecord> {
  events?: E[];
  finalResponse?: R;
  outputText?: string;
  firstChunkAt?: Date | string | number;
}
export type ResponsesStreamSummary<E = AnyRecord, R = AnyRecord> = ChatCompletionsStreamSummary<E, R>;

export interface OpenAIGenerationApi {
  create<Q extends object, R>(client: SigilClient, request: Q, providerCall: (request: Q) => Promise<R>,
    options?: OpenAIOptions): Promise<R>;
  stream<Q extends object, S extends ChatCompletionsStreamSummary<any, any>>(client: SigilClient, request: Q,
    providerCall: (request: Q) => Promise<S>, options?: OpenAIOptions): Promise<S>;
  fromRequestResponse(request: object, response: object, options?: OpenAIOptions): GenerationResult;
  fromStream(request: object, summary: ChatCompletionsStreamSummary<any, any>, options?: OpenAIOptions): GenerationResult;
}

export declare const chat: { completions: OpenAIGenerationApi };
export declare const responses: OpenAIGenerationApi;

export interface OpenAIEmbeddingFields {
  inputCount: number;
  inputTexts?: string[];
  inputTokens?: number;
  responseModel?: string;
  dimensions?: number;
}

export declare const embeddings: {
  create<Q extends object, R>(client: SigilClient, request: Q, providerCall: (request: Q) => Promise<R>,
    options?: OpenAIOptions): Promise<R>;
  fromRequestResponse(request: object, response?: object): OpenAIEmbeddingFields;
};

/** Records every chat.completions.create, responses.create and embeddings.create of this client. */
export declare function instrument<C extends object>(openaiClient: C, sigil: SigilClient, options?: OpenAIOptions): C;
/** Undoes instrument() on this client. */
export declare function uninstrument<C extends object>(openaiClient: C): C;

declare const _default: {
  chat: typeof chat;
  responses: typeof responses;
  embeddings: typeof embeddings;
  instrument: typeof instrument;
  uninstrument: typeof uninstrument;
};
export default _default;
