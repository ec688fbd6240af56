import type { SigilClient } from '../index.js';
import type { OpenAIOptions, OpenAIGenerationApi } from './openai.js';

/** Sigil fields applied to every call a wrapper or an instrumented client records. */
export type AnthropicOptions = OpenAIOptions;

/** create / stream wrappers and fromRequestResponse / fromStream mappers of the Messages API. */
export declare const messages: OpenAIGenerationApi;

/** Records every messages.create (and messages.stream()) of this client. */
export declare function instrument<C extends object>(anthropicClient: C, sigil: SigilClient, options?: AnthropicOptions): C;
/** Undoes instrument() on this client. */
export declare function uninstrument<C extends object>(anthropicClient: C): C;

declare const _default: { messages: typeof messages; instrument: typeof instrument; uninstrument: typeof uninstrument };
export default _default;
