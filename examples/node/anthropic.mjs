// Anthropic messages recorded by sigil-sdk/anthropic: one instrument() call,
// and the application's @anthropic-ai/sdk code stays as it is (messages.stream() included).
//
//   SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 node examples/node/anthropic.mjs
//
// Without ANTHROPIC_BASE_URL it answers itself from a fake provider on
// loopback (no network, no key); with ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY
// it calls that service. Needs the package installed first:
// (cd bindings/node && npm install). Exit status 0 when every call was
// recorded and delivered.
import { createRequire } from 'node:module';

// In an application:
//   import Anthropic from '@anthropic-ai/sdk';
//   import { SigilClient, withConversationId } from 'sigil-sdk';
//   import { instrument } from 'sigil-sdk/anthropic';
import { SigilClient, withConversationId } from '../../bindings/node/lib/index.mjs';
import { instrument } from '../../bindings/node/lib/providers/anthropic.mjs';

const require = createRequire(new URL('../../bindings/node/package.json', import.meta.url));
const { default: Anthropic } = await import(require.resolve('@anthropic-ai/sdk'));

let fake;
if (!process.env.ANTHROPIC_BASE_URL) {
  const { FakeProvider, Reply } = await import('../../bindings/node/test/providers/fake_provider.mjs');
  fake = await FakeProvider.start();
  fake.reply('/v1/messages', Reply.sse('anthropic.messages/stream.jsonl'));
  process.env.ANTHROPIC_BASE_URL = fake.url;
  process.env.ANTHROPIC_API_KEY = 'not-needed';
}

const sigil = new SigilClient(); // configured from SIGIL_* (endpoint, protocol, auth, ...)
const provider = instrument(new Anthropic({ maxRetries: 0 }), sigil, { agentName: 'weather-agent' });

await withConversationId('conv-anthropic-example', async () => {
  const stream = provider.messages.stream({
    model: 'claude-sonnet-4-5',
    max_tokens: 512,
    messages: [{ role: 'user', content: 'What is the weather in Lisbon?' }],
    tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
  });
  stream.on('text', (text) => process.stdout.write(text));
  const message = await stream.finalMessage();
  const call = message.content.find((block) => block.type === 'tool_use');
  console.log(`\ntool call: ${call?.name}(${JSON.stringify(call?.input)})`);
});

await sigil.shutdown();
await fake?.stop();
const stats = sigil.stats();
console.log(`generations: ${stats.generationsEnqueued} enqueued, ${stats.generationsExported} exported`);
process.exitCode = Number(stats.generationsExported) === 1 ? 0 : 1;
