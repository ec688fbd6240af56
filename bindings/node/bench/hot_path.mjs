// Cost of recording one typical generation (~2 KB as sigil.v1 protojson) on
// the caller's thread: startGeneration -> setResult -> end, with generation
// export "none" (no I/O; the engine still produces the span and the metrics).
// The same record as bindings/python/benchmarks/hot_path.py.
//
//   node bench/hot_path.mjs [iterations]
//
// Reported per generation: wall time, and CPU time of the whole process (all
// threads), each the best of 5 rounds; the addon's finalizers run inside the
// measured time (the loop yields to the event loop every 500 records).
import { setImmediate as tick } from 'node:timers/promises';

import { SigilClient, libraryVersion } from '../lib/index.mjs';
import encode from '../lib/encode.js';

const iterations = Number(process.argv[2] ?? 100_000);
const client = new SigilClient({ useEnvironment: false, generationExport: { protocol: 'none' } });

const start = {
  conversationId: 'conv-bench-0001',
  agentName: 'support-agent',
  agentVersion: '2.4.1',
  model: { provider: 'openai', name: 'gpt-4o' },
  maxTokens: 1024,
  temperature: 0.2,
  tools: [{
    name: 'lookup_order', description: 'Finds an order by id', type: 'function',
    inputSchemaJSON: '{"type":"object","properties":{"order_id":{"type":"string"}}}',
  }],
  tags: { env: 'prod', team: 'support' },
};
const result = {
  systemPrompt: 'You are a helpful support assistant for an online store. Answer briefly and politely.',
  input: [{
    role: 'user',
    content: ('Hello, I ordered a pair of running shoes last week (order 81-2231-77) and the tracking page has not ' +
      'changed for four days. Could you check where the parcel is and whether I can still change the delivery ' +
      'address to my office? ').repeat(2),
  }],
  output: [
    { role: 'assistant', parts: [{ type: 'tool_call', toolCall: { id: 'call_8f2', name: 'lookup_order', inputJSON: '{"order_id":"81-2231-77"}' } }] },
    {
      role: 'assistant',
      content: ('Thanks for waiting. Your parcel left our warehouse on Monday and is at the regional depot; the ' +
        'carrier expects to deliver it within two working days. The delivery address can still be changed until ' +
        "the parcel is out for delivery: use the 'Change address' link on the tracking page or reply with the new " +
        'address and I will update it for you. ').repeat(2),
    },
  ],
  usage: { inputTokens: 412, outputTokens: 187, cacheReadInputTokens: 128 },
  responseId: 'chatcmpl-9x2k',
  responseModel: 'gpt-4o-2024-08-06',
  stopReason: 'stop',
  metadata: { request_id: 'req-5d1c', attempt: 1 },
};
const size = Buffer.byteLength(encode.generationResultText(result));

function record() {
  const rec = client.startGeneration(start);
  rec.setResult(result);
  const err = rec.end();
  if (err !== undefined) throw err;
}

async function round(fn, n) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    fn();
    if (i % 500 === 499) await tick(); // let finalizers run, as a real event loop does
  }
  await tick();
  const cpu = process.cpuUsage(cpu0);
  return { wall: Number(process.hrtime.bigint() - t0) / n / 1000, cpu: (cpu.user + cpu.system) / n };
}

async function measure(name, fn) {
  await round(fn, Math.min(20_000, iterations)); // warm up the JIT
  let wall = Infinity;
  let cpu = Infinity;
  for (let r = 0; r < 5; r++) {
    const m = await round(fn, Math.ceil(iterations / 5));
    wall = Math.min(wall, m.wall);
    cpu = Math.min(cpu, m.cpu);
  }
  console.log(`${name}: ${wall.toFixed(2)} us/op wall, ${cpu.toFixed(2)} us/op CPU`);
}

console.log(`result document: ${size} bytes of protojson; libsigil ${libraryVersion}; node ${process.version}`);
await measure('start -> setResult -> end', record);
await measure('  of which: encode the result', () => encode.generationResult(result));
await client.shutdown();
