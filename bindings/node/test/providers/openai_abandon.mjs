// A child of openai.test.mjs (run with --expose-gc): streams dropped unread are
// recorded as "abandoned" once garbage-collected.
import OpenAI from 'openai';

import { SigilClient } from 'sigil-sdk';
import { instrument } from 'sigil-sdk/openai';

const sigil = new SigilClient({
  useEnvironment: false,
  generationExport: { protocol: 'http', endpoint: process.env.HARNESS_HTTP },
});
const client = instrument(new OpenAI({ baseURL: process.env.FAKE_URL, apiKey: 'test', maxRetries: 0 }), sigil);

async function dropOne(read) {
  const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [], stream: true });
  const it = stream[Symbol.asyncIterator]();
  for (let i = 0; i < read; i++) await it.next();
}
await dropOne(0);
await dropOne(2);
for (let i = 0; i < 20 && Number(sigil.stats().generationsEnqueued) < 2; i++) {
  globalThis.gc();
  await new Promise((r) => setTimeout(r, 50));
}
await sigil.shutdown();
console.log(`enqueued ${sigil.stats().generationsEnqueued}`);
