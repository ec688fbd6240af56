// ESM entry of sigil-sdk/langchain (the implementation is lib/frameworks/langchain.js).
import m from './langchain.js';

export const { SigilLangChainHandler, createSigilLangChainHandler, withSigilLangChainCallbacks } = m;
export default m;
