// ESM entry of sigil-sdk/anthropic (the implementation is lib/providers/anthropic.js).
import anthropic from './anthropic.js';

export const { messages, instrument, uninstrument } = anthropic;
export default anthropic;
