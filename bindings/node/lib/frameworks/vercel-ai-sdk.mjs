// ESM entry of sigil-sdk/vercel-ai-sdk (the implementation is lib/frameworks/vercel-ai-sdk.js).
import m from './vercel-ai-sdk.js';

export const { SigilVercelAiSdkInstrumentation, createSigilVercelAiSdk } = m;
export default m;
