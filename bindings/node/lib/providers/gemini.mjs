// ESM entry of sigil-sdk/gemini (the implementation is lib/providers/gemini.js).
import gemini from './gemini.js';

export const { models, instrument, uninstrument } = gemini;
export default gemini;
