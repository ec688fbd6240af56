import type { SigilClient, GenerationResult } from '../index.js';
import type { OpenAIOptions, ChatCompletionsStreamSummary } from './openai.js';

/** Sigil fields applied to every call a wrapper or an instrumented client records. */
export type GeminiOptions = OpenAIOptions;
export type GenerateContentStreamSummary<E = Record<string, unknown>, R = Record<string, unknown>> =
  ChatCompletionsStreamSummary<E, R>;

export interface GeminiEmbeddingFields {
  inputCount: number;
  inputTexts?: string[];
  inputTokens?: number;
  responseModel?: string;
  dimensions?: number;
  requestedDimensions?: number;
}

export declare const models: {
  generateContent<R>(client: SigilClient, model: string, contents: unknown, config: object | undefined,
    providerCall: (model: string, contents: any, config: any) => Promise<R>, options?: GeminiOptions): Promise<R>;
  generateContentStream<S extends GenerateContentStreamSummary<any, any>>(client: SigilClient, model: string,
    contents: unknown, config: object | undefined, providerCall: (model: string, contents: any, config: any) => Promise<S>,
    options?: GeminiOptions): Promise<S>;
  embedContent<R>(client: SigilClient, model: string, contents: unknown, config: object | undefined,
    providerCall: (model: string, contents: any, config: any) => Promise<R>, options?: GeminiOptions): Promise<R>;
  fromRequestResponse(model: string, contents: unknown, config: object | undefined, response: object,
    options?: GeminiOptions): GenerationResult;
  fromStream(model: string, contents: unknown, config: object | undefined,
    summary: GenerateContentStreamSummary<any, any>, options?: GeminiOptions): GenerationResult;
  embeddingFromResponse(model: string, contents: unknown, config: object | undefined, response?: object): GeminiEmbeddingFields;
};

/** Records every models.generateContent, generateContentStream and embedContent of this client. */
export declare function instrument<C extends object>(googleGenAI: C, sigil: SigilClient, options?: GeminiOptions): C;
/** Undoes instrument() on this client. */
export declare function uninstrument<C extends object>(googleGenAI: C): C;

declare const _default: { models: typeof models; instrument: typeof instrument; uninstrument: typeof uninstrument };
export default _default;
