// One worker thread of openai.test.mjs: its own Sigil and OpenAI clients.
import { workerData } from 'node:worker_threads';
import OpenAI from 'openai';

import { SigilClient, withConversationId } from 'sigil-sdk';
import { instrument } from 'sigil-sdk/openai';

const { fake, http, api, otlp, id, calls } = workerData;
const sigil = new SigilClient({
  useEnvironment: false,
  generationExport: { protocol: 'http', endpoint: http },
  api: { endpoint: api },
  otlp: { endpoint: otlp },
});
const client = instrument(new OpenAI({ baseURL: `${fake}/v1`, apiKey: 'test', maxRetries: 0 }), sigil);
await withConversationId(`worker-${id}`, async () => {
  for (let i = 0; i < calls; i++) {
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `call ${i}` }] });
  }
});
await sigil.shutdown();
