// The official `openai` client against the fake provider, recorded by
// sigil-sdk/openai; what arrives at the capture harness is asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import OpenAI from 'openai';
import { Stream } from 'openai/streaming';

import * as sigilOpenAI from 'sigil-sdk/openai';
import { withConversationId, withAgentName } from 'sigil-sdk';
import { Reply, fixtureJson, fixtureEvents } from './fake_provider.mjs';
import { useServers, withSigil, spanOf } from './support.mjs';

let harness;
let fake;
useServers((s) => ({ harness, fake } = s));

const MESSAGES = [{ role: 'user', content: 'Weather in Paris and Oslo?' }];
const TOOLS = [{
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
}];

const provider = () => new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'test', maxRetries: 0 });

test('chat.completions.create: the result is the SDK\'s, the call is recorded', async () => {
  fake.reply('/chat/completions', Reply.json('openai.chat/response_tool_calls.json'));
  let out;
  let withResponse;
  await withSigil(harness, async (sigil) => {
    const client = sigilOpenAI.instrument(provider(), sigil, { conversationId: 'conv-1', agentName: 'travel' });
    out = await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, tools: TOOLS, temperature: 0.2 });
    withResponse = await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES }).withResponse();
  });
  assert.deepEqual(out, fixtureJson('openai.chat/response_tool_calls.json'));
  assert.equal(withResponse.response.status, 200);
  assert.equal(withResponse.data.id, out.id);
  assert.deepEqual(fake.requests[0].body, { model: 'gpt-4o', messages: MESSAGES, tools: TOOLS, temperature: 0.2 });

  const gens = await harness.generations();
  assert.equal(gens.length, 2);
  const g = gens.find((x) => x.tools);
  assert.equal(g.mode, 'GENERATION_MODE_SYNC');
  assert.deepEqual(g.model, { provider: 'openai', name: 'gpt-4o' });
  assert.equal(g.conversation_id, 'conv-1');
  assert.equal(g.agent_name, 'travel');
  assert.equal(g.input[0].parts[0].text, 'Weather in Paris and Oslo?');
  assert.deepEqual(g.tools.map((t) => t.name), ['get_weather']);
  assert.equal(g.temperature, 0.2);
  assert.deepEqual(g.output[0].parts.map((p) => p.tool_call.id), ['call_a1', 'call_b2']);
  assert.equal(g.stop_reason, 'tool_calls');
  assert.equal(g.response_id, out.id);
});

test('context from AsyncLocalStorage reaches calls made inside it', async () => {
  fake.reply('/chat/completions', Reply.json('openai.chat/response_text.json'));
  await withSigil(harness, async (sigil) => {
    const client = sigilOpenAI.instrument(provider(), sigil);
    await withConversationId('conv-ctx', () => withAgentName('planner', async () => {
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    }));
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
  });
  const gens = await harness.generations();
  assert.equal(gens.length, 2);
  const inside = gens.find((g) => g.conversation_id === 'conv-ctx');
  assert.equal(inside?.agent_name, 'planner');
  assert.ok(gens.some((g) => g.conversation_id === undefined || g.conversation_id === ''));
});

test('stream: tool calls split across chunks, the SDK\'s Stream unchanged', async () => {
  fake.reply('/chat/completions', Reply.sse('openai.chat/stream_tool_calls.jsonl'));
  const chunks = [];
  await withSigil(harness, async (sigil) => {
    const client = sigilOpenAI.instrument(provider(), sigil);
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, tools: TOOLS, stream: true });
    assert.ok(stream instanceof Stream);
    assert.ok(stream.controller instanceof AbortController);
    for await (const chunk of stream) chunks.push(chunk);
  });
  const bare = fixtureEvents('openai.chat/stream_tool_calls.jsonl').filter((e) => e !== '[DONE]').map((e) => JSON.parse(e));
  assert.deepEqual(chunks, bare);
  assert.equal(fake.requests[0].body.stream_options, undefined, 'the request is sent as given');
  const [g] = await harness.generations();
  assert.equal(g.mode, 'GENERATION_MODE_STREAM');
  const calls = g.output[0].parts.map((p) => p.tool_call);
  assert.deepEqual(calls.map((c) => [c.id, c.name, c.input_json_text]),
    [['call_p', 'get_weather', '{"city":"Paris"}'], ['call_o', 'get_weather', '{"city":"Oslo"}']]);
  assert.equal(g.usage.total_tokens, '136');
  assert.equal(g.metadata?.['sigil.stream.stopped'], undefined);
});

test('stream: break stops it, and what was read is recorded as stopped by the caller', async () => {
  fake.reply('/chat/completions', Reply.sse('openai.chat/stream_text.jsonl'));
  let seen = 0;
  await withSigil(harness, async (sigil) => {
    const client = sigilOpenAI.instrument(provider(), sigil);
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, stream: true });
    for await (const chunk of stream) {
      void chunk;
      if (++seen === 3) break;
    }
  });
  assert.equal(seen, 3);
  const [g] = await harness.generations();
  assert.equal(g.metadata['sigil.stream.stopped'], 'caller_closed');
  const expected = fixtureEvents('openai.chat/stream_text.jsonl').slice(0, 3)
    .map((e) => JSON.parse(e).choices[0]?.delta?.content ?? '').join('');
  assert.equal(g.output[0].parts[0].text, expected);
  const span = await spanOf(harness, g.id);
  assert.equal(span.attributes['error.type'], 'mapping_error', 'the output and usage are partial');
});

test('stream: controller.abort() ends the loop as the SDK does, and is recorded', async () => {
  fake.reply('/chat/completions', { ...Reply.sse('openai.chat/stream_40.jsonl'), delayMs: 20 });
  let seen = 0;
  await withSigil(harness, async (sigil) => {
    const client = sigilOpenAI.instrument(provider(), sigil);
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, stream: true });
    for await (const chunk of stream) {
      void chunk;
      if (++seen === 2) stream.controller.abort();
    }
  });
  assert.ok(seen >= 2 && seen < 40, `read ${seen} chunks`);
  const [g] = await harness.generations();
  assert.equal(g.mode, 'GENERATION_MODE_STREAM');
  assert.equal(g.metadata['sigil.stream.stopped'], 'caller_closed');
  assert.equal(g.call_error, undefined);
});

test('stream: toReadableStream() and tee() read through the recording', async () => {
  fake.reply('/chat/completions', Reply.sse('openai.chat/stream_text.jsonl'));
  const text = fixtureEvents('openai.chat/stream_text.jsonl').filter((e) => e !== '[DONE]')
    .map((e) => JSON.parse(e).choices[0]?.delta?.content ?? '').join('');
  await withSigil(harness, async (sigil) => {
    const client = sigilOpenAI.instrument(provider(), sigil);
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, stream: true });
    const readable = stream.toReadableStream();
    assert.ok(readable instanceof ReadableStream);
    const back = Stream.fromReadableStream(readable, new AbortController());
    let got = '';
    for await (const c of back) got += c.choices[0]?.delta?.content ?? '';
    assert.equal(got, text);

    const again = await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, stream: true });
    const [left, right] = again.tee();
    let l = '';
    let r = '';
    for await (const c of left) l += c.choices[0]?.delta?.content ?? '';
    for await (const c of right) r += c.choices[0]?.delta?.content ?? '';
    assert.equal(l, text);
    assert.equal(r, text);
  });
  const gens = await harness.generations();
  assert.equal(gens.length, 2);
  for (const g of gens) {
    assert.equal(g.output[0].parts[0].text, text);
    assert.equal(g.metadata?.['sigil.stream.stopped'], undefined);
  }
});

for (const [status, cls] of [[429, OpenAI.RateLimitError], [500, OpenAI.InternalServerError]]) {
  test(`a provider ${status} is re-thrown unchanged and recorded as the call error`, async () => {
    fake.reply('/chat/completions', Reply.error(status, { error: { message: `fake ${status}`, type: 'x' } }));
    let caught;
    await withSigil(harness, async (sigil) => {
      const client = sigilOpenAI.instrument(provider(), sigil);
      const bare = provider();
      let bareErr;
      try {
        await bare.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
      } catch (err) {
        bareErr = err;
      }
      await assert.rejects(client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES }), (err) => {
        caught = err;
        return true;
      });
      assert.equal(caught.constructor, bareErr.constructor);
      assert.equal(caught.message, bareErr.message);
    });
    assert.ok(caught instanceof cls);
    assert.equal(caught.status, status);
    const [g] = await harness.generations();
    assert.match(g.call_error, new RegExp(`fake ${status}`));
    assert.deepEqual(g.model, { provider: 'openai', name: 'gpt-4o' });
  });
}

test('a stream the provider breaks off mid-body is re-thrown and recorded as an error', async () => {
  fake.reply('/chat/completions', { ...Reply.sse('openai.chat/stream_text.jsonl'), cutAfter: 3, drop: true });
  let caught;
  await withSigil(harness, async (sigil) => {
    const client = sigilOpenAI.instrument(provider(), sigil);
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, stream: true });
    try {
      for await (const chunk of stream) void chunk;
    } catch (err) {
      caught = err;
    }
  });
  assert.ok(caught, 'the SDK raised');
  const [g] = await harness.generations();
  assert.equal(g.metadata['sigil.stream.stopped'], 'error');
  assert.ok(g.call_error);
});

test('responses.create, streamed, and embeddings.create', async () => {
  fake.reply('/responses', Reply.sse('openai.responses/stream.jsonl'));
  fake.reply('/embeddings', Reply.json('openai.embeddings/response.json'));
  let emb;
  await withSigil(harness, async (sigil) => {
    const client = sigilOpenAI.instrument(provider(), sigil, { agentName: 'search' });
    const stream = await client.responses.create({ ...fixtureJson('openai.responses/request_string_input.json'), stream: true });
    for await (const e of stream) void e;
    emb = await client.embeddings.create(fixtureJson('openai.embeddings/request.json'));
  });
  assert.equal(emb.data.length, fixtureJson('openai.embeddings/response.json').data.length);
  const [g] = await harness.generations();
  assert.equal(g.mode, 'GENERATION_MODE_STREAM');
  assert.equal(g.response_id, 'resp_stream1');
  assert.equal(g.output[0].parts.find((p) => p.tool_call).tool_call.input_json_text, '{"city":"Rome"}');
  const spans = (await harness.wait('otlp_traces', 1)).flatMap((c) => c.spans);
  const span = spans.find((s) => s.name === 'embeddings text-embedding-3-small');
  assert.ok(span, spans.map((s) => s.name).join());
  assert.equal(span.attributes['gen_ai.agent.name'], 'search');
});

test('many concurrent calls are recorded once each, in their own context', async () => {
  fake.reply('/chat/completions', Reply.sse('openai.chat/stream_text.jsonl'));
  const n = 40;
  await withSigil(harness, async (sigil) => {
    const client = sigilOpenAI.instrument(provider(), sigil);
    await Promise.all(Array.from({ length: n }, (_, i) => withConversationId(`conv-${i}`, async () => {
      const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, stream: true });
      for await (const c of stream) void c;
    })));
  });
  const gens = await harness.generations();
  assert.equal(gens.length, n);
  assert.deepEqual(new Set(gens.map((g) => g.conversation_id)), new Set(Array.from({ length: n }, (_, i) => `conv-${i}`)));
  assert.ok(gens.every((g) => g.output[0].parts[0].text.length > 0));
});

test('worker threads each record into their own client', async () => {
  fake.reply('/chat/completions', Reply.json('openai.chat/response_text.json'));
  const worker = fileURLToPath(new URL('./openai_worker.mjs', import.meta.url));
  const workers = 4;
  const calls = 5;
  await Promise.all(Array.from({ length: workers }, (_, i) => new Promise((resolve, reject) => {
    const w = new Worker(worker, {
      workerData: { fake: fake.url, http: harness.httpEndpoint, api: harness.apiEndpoint, otlp: harness.otlpEndpoint, id: i, calls },
    });
    w.once('error', reject);
    w.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker ${i} exited ${code}`))));
  })));
  const gens = await harness.generations();
  assert.equal(gens.length, workers * calls);
  for (let i = 0; i < workers; i++) {
    assert.equal(gens.filter((g) => g.conversation_id === `worker-${i}`).length, calls);
  }
});

test('the reference wrappers and mappers', async () => {
  fake.reply('/chat/completions', Reply.sse('openai.chat/stream_tool_calls.jsonl'));
  fake.reply('/responses', Reply.json('openai.responses/response.json'));
  const p = provider();
  let summary;
  await withSigil(harness, async (sigil) => {
    const request = { model: 'gpt-4o', stream: true, messages: MESSAGES };
    summary = await sigilOpenAI.chat.completions.stream(sigil, request, async (req) => {
      const events = [];
      for await (const e of await p.chat.completions.create(req)) events.push(e);
      return { events };
    }, { conversationId: 'conv-wrap' });
    const req = fixtureJson('openai.responses/request.json');
    const res = await p.responses.create(req);
    const rec = sigil.startGeneration({ conversationId: 'conv-manual' });
    rec.setResult(sigilOpenAI.responses.fromRequestResponse(req, res, { agentName: 'manual' }));
    rec.end();
    assert.equal(rec.getError(), undefined);
  });
  assert.equal(summary.events.length, 8);
  const gens = await harness.generations();
  const streamed = gens.find((g) => g.conversation_id === 'conv-wrap');
  assert.equal(streamed.mode, 'GENERATION_MODE_STREAM');
  assert.equal(streamed.output[0].parts[1].tool_call.input_json_text, '{"city":"Oslo"}');
  const manual = gens.find((g) => g.conversation_id === 'conv-manual');
  assert.equal(manual.agent_name, 'manual');
  assert.equal(manual.model.provider, 'openai');
  assert.ok(manual.output.length > 0);
});

test('uninstrument() puts the SDK methods back; a bad argument is a clear error', async () => {
  const p = provider();
  const before = p.chat.completions.create;
  await withSigil(harness, async (sigil) => {
    sigilOpenAI.instrument(p, sigil);
    assert.notEqual(p.chat.completions.create, before);
    sigilOpenAI.uninstrument(p);
    assert.equal(p.chat.completions.create, before);
    assert.throws(() => sigilOpenAI.instrument(p, {}), /needs a SigilClient/);
    assert.throws(() => sigilOpenAI.instrument(undefined, sigil), /needs an OpenAI client/);
  });
});

test('a stream dropped unread, or before its end, is recorded as abandoned when collected', async () => {
  fake.reply('/chat/completions', Reply.sse('openai.chat/stream_text.jsonl'));
  const script = fileURLToPath(new URL('./openai_abandon.mjs', import.meta.url));
  const out = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', script], {
      env: { ...process.env, HARNESS_HTTP: harness.httpEndpoint, FAKE_URL: `${fake.url}/v1` },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`exit ${code}: ${stdout}`))));
  });
  assert.match(out, /enqueued 2/);
  const gens = await harness.generations();
  assert.equal(gens.length, 2);
  assert.deepEqual(gens.map((g) => g.metadata['sigil.stream.stopped']), ['abandoned', 'abandoned']);
  const read = gens.find((g) => g.output?.length);
  assert.ok(read, 'the events read before it was dropped are kept');
});
