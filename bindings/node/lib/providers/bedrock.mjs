// ESM entry of sigil-sdk/bedrock (the implementation is lib/providers/bedrock.js).
import bedrock from './bedrock.js';

export const { instrument, uninstrument } = bedrock;
export default bedrock;
