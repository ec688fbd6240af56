import type { SigilClient } from '../index.js';
import type { OpenAIOptions } from './openai.js';

/** Sigil fields applied to every call an instrumented client records. */
export type BedrockOptions = OpenAIOptions;

/** Records every ConverseCommand and ConverseStreamCommand sent through this client. */
export declare function instrument<C extends object>(bedrockRuntimeClient: C, sigil: SigilClient, options?: BedrockOptions): C;
/** Undoes instrument() on this client. */
export declare function uninstrument<C extends object>(bedrockRuntimeClient: C): C;

declare const _default: { instrument: typeof instrument; uninstrument: typeof uninstrument };
export default _default;
