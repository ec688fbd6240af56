// ESM entry of sigil-sdk/langgraph (the implementation is lib/frameworks/langgraph.js).
import m from './langgraph.js';

export const { SigilLangGraphHandler, createSigilLangGraphHandler, withSigilLangGraphCallbacks } = m;
export default m;
