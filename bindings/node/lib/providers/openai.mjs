// ESM entry of sigil-sdk/openai (the implementation is lib/providers/openai.js).
import openai from './openai.js';

export const { chat, responses, embeddings, instrument, uninstrument } = openai;
export default openai;
