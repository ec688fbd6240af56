// The Vercel AI SDK recorded by sigil-sdk/vercel-ai-sdk: generateText with a tool (each model step
// a generation, each tool call a tool execution), then streamText (a stream generation with its
// time to first token). The model object stays as it is; only the hooks spread into each call.
//
//   SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 node examples/node/vercel-ai-sdk.mjs
//
// Without OPENAI_BASE_URL it answers itself from a fake provider on loopback (no network, no
// key); with OPENAI_BASE_URL and OPENAI_API_KEY it calls that service. Needs the package
// installed first: (cd bindings/node && npm install). Exit status 0 when the three model steps
// were recorded and delivered.
import { createRequire } from 'node:module';

// In an application:
//   import { generateText, stepCountIs, streamText, tool } from 'ai';
//   import { createOpenAI } from '@ai-sdk/openai';
//   import { SigilClient } from 'sigil-sdk';
//   import { createSigilVercelAiSdk } from 'sigil-sdk/vercel-ai-sdk';
import { SigilClient } from '../../bindings/node/lib/index.mjs';
import { createSigilVercelAiSdk } from '../../bindings/node/lib/frameworks/vercel-ai-sdk.mjs';

const require = createRequire(new URL('../../bindings/node/package.json', import.meta.url));
const { generateText, stepCountIs, streamText, tool } = await import(require.resolve('ai'));
const { createOpenAI } = await import(require.resolve('@ai-sdk/openai'));
const { z } = await import(require.resolve('zod'));

let fake;
if (!process.env.OPENAI_BASE_URL) {
  const { FakeProvider, Reply } = await import('../../bindings/node/test/providers/fake_provider.mjs');
  fake = await FakeProvider.start();
  fake.replies('/chat/completions', [Reply.json('openai.chat/response_tool_calls.json'),
    Reply.json('openai.chat/response_text.json'), Reply.sse('openai.chat/stream_text.jsonl')]);
  process.env.OPENAI_BASE_URL = `${fake.url}/v1`;
  process.env.OPENAI_API_KEY = 'not-needed';
}

const client = new SigilClient(); // configured from SIGIL_* (endpoint, protocol, auth, ...)
const sigil = createSigilVercelAiSdk(client, { agentName: 'travel-desk', agentVersion: '1.0.0' });
const model = createOpenAI({ baseURL: process.env.OPENAI_BASE_URL }).chat('gpt-4o');

const getWeather = tool({
  description: 'The current weather in a city.',
  inputSchema: z.object({ city: z.string(), unit: z.string().optional() }),
  execute: async ({ city }) => `${city}: 18 °C`,
});

// The AI SDK is stateless: pass the conversation id per call to group the turns.
const answer = await generateText({
  model,
  prompt: 'Weather in Paris and Oslo?',
  tools: { get_weather: getWeather },
  stopWhen: stepCountIs(3),
  ...sigil.generateTextHooks({ conversationId: 'conv-vercel-example' }),
});
console.log('assistant:', answer.text);

const stream = streamText({
  model,
  prompt: 'And in one sentence?',
  ...sigil.streamTextHooks({ conversationId: 'conv-vercel-example' }),
});
let text = '';
for await (const delta of stream.textStream) text += delta;
console.log('streamed:', text);

await client.shutdown();
await fake?.stop();
const stats = client.stats();
console.log(`generations: ${stats.generationsEnqueued} enqueued, ${stats.generationsExported} exported`);
process.exitCode = Number(stats.generationsExported) === 3 ? 0 : 1;
