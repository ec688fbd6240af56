// Gemini generateContent / generateContentStream recorded by sigil-sdk/gemini:
// one instrument() call, and the application's @google/genai code stays as it is.
//
//   SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 node examples/node/gemini.mjs
//
// Without GEMINI_BASE_URL it answers itself from a fake provider on loopback
// (no network, no key); with GEMINI_BASE_URL and GEMINI_API_KEY it calls that
// service. Needs the package installed first: (cd bindings/node && npm install).
// Exit status 0 when every call was recorded and delivered.
import { createRequire } from 'node:module';

// In an application:
//   import { GoogleGenAI } from '@google/genai';
//   import { SigilClient, withConversationId } from 'sigil-sdk';
//   import { instrument } from 'sigil-sdk/gemini';
import { SigilClient, withConversationId } from '../../bindings/node/lib/index.mjs';
import { instrument } from '../../bindings/node/lib/providers/gemini.mjs';

const require = createRequire(new URL('../../bindings/node/package.json', import.meta.url));
const { GoogleGenAI } = await import(require.resolve('@google/genai'));

let fake;
if (!process.env.GEMINI_BASE_URL) {
  const { FakeProvider, Reply } = await import('../../bindings/node/test/providers/fake_provider.mjs');
  fake = await FakeProvider.start();
  fake.reply(':generateContent', Reply.json('gemini.generate_content/response.json'));
  fake.reply(':streamGenerateContent', Reply.sse('gemini.generate_content/stream.jsonl'));
  process.env.GEMINI_BASE_URL = fake.url;
  process.env.GEMINI_API_KEY = 'not-needed';
}

const sigil = new SigilClient(); // configured from SIGIL_* (endpoint, protocol, auth, ...)
const ai = instrument(new GoogleGenAI({
  apiKey: process.env.GEMINI_API_KEY,
  httpOptions: { baseUrl: process.env.GEMINI_BASE_URL },
}), sigil, { agentName: 'botanist' });

await withConversationId('conv-gemini-example', async () => {
  const params = {
    model: 'gemini-2.5-flash',
    contents: 'What plant has split leaves?',
    config: { systemInstruction: 'You are a helpful botanist.' },
  };
  const response = await ai.models.generateContent(params);
  console.log('model:', response.text);
  let streamed = '';
  for await (const chunk of await ai.models.generateContentStream(params)) streamed += chunk.text ?? '';
  console.log('streamed:', streamed);
});

await sigil.shutdown();
await fake?.stop();
const stats = sigil.stats();
console.log(`generations: ${stats.generationsEnqueued} enqueued, ${stats.generationsExported} exported`);
process.exitCode = Number(stats.generationsExported) === 2 ? 0 : 1;
