// OpenAI chat completions recorded by sigil-sdk/openai: one instrument() call,
// and the application's openai code stays as it is (streams included).
//
//   SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 node examples/node/openai.mjs
//
// Without OPENAI_BASE_URL it answers itself from a fake provider on loopback
// (no network, no key); with OPENAI_BASE_URL and OPENAI_API_KEY it calls that
// service. Needs the package installed first: (cd bindings/node && npm install).
// Exit status 0 when every call was recorded and delivered.
import { createRequire } from 'node:module';

// In an application:
//   import OpenAI from 'openai';
//   import { SigilClient, withConversationId, withAgentName } from 'sigil-sdk';
//   import { instrument } from 'sigil-sdk/openai';
import { SigilClient, withAgentName, withConversationId } from '../../bindings/node/lib/index.mjs';
import { instrument } from '../../bindings/node/lib/providers/openai.mjs';

const require = createRequire(new URL('../../bindings/node/package.json', import.meta.url));
const { default: OpenAI } = await import(require.resolve('openai'));

let fake;
let Reply;
if (!process.env.OPENAI_BASE_URL) {
  let FakeProvider;
  ({ FakeProvider, Reply } = await import('../../bindings/node/test/providers/fake_provider.mjs'));
  fake = await FakeProvider.start();
  fake.reply('/chat/completions', Reply.json('openai.chat/response_text.json'));
  process.env.OPENAI_BASE_URL = `${fake.url}/v1`;
  process.env.OPENAI_API_KEY = 'not-needed';
}

const sigil = new SigilClient(); // configured from SIGIL_* (endpoint, protocol, auth, ...)
const provider = instrument(new OpenAI({ maxRetries: 0 }), sigil);

await withConversationId('conv-openai-example', () => withAgentName('travel-assistant', async () => {
  const messages = [
    { role: 'system', content: 'You are a terse travel assistant.' },
    { role: 'user', content: 'What is the weather in Paris?' },
  ];
  const completion = await provider.chat.completions.create({ model: 'gpt-4o', messages });
  console.log('assistant:', completion.choices[0].message.content);

  // A stream stays the SDK's own: for await, break, stream.controller.abort(), toReadableStream().
  fake?.reply('/chat/completions', Reply.sse('openai.chat/stream_text.jsonl'));
  const stream = await provider.chat.completions.create({ model: 'gpt-4o', messages, stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  console.log('streamed:', text);
}));

await sigil.shutdown();
await fake?.stop();
const stats = sigil.stats();
console.log(`generations: ${stats.generationsEnqueued} enqueued, ${stats.generationsExported} exported`);
process.exitCode = Number(stats.generationsExported) === 2 ? 0 : 1;
