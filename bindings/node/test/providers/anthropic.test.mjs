// The official `@anthropic-ai/sdk` client against the fake provider, recorded
// by sigil-sdk/anthropic; what arrives at the capture harness is asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import Anthropic from '@anthropic-ai/sdk';

import * as sigilAnthropic from 'sigil-sdk/anthropic';
import { withConversationId } from 'sigil-sdk';
import { Reply, fixtureJson, fixtureEvents } from './fake_provider.mjs';
import { useServers, withSigil, spanOf } from './support.mjs';

let harness;
let fake;
useServers((s) => ({ harness, fake } = s));

const REQUEST = {
  model: 'claude-sonnet-4-5',
  max_tokens: 256,
  system: 'You are terse.',
  messages: [{ role: 'user', content: 'Weather in Lisbon?' }],
  tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
};

const provider = () => new Anthropic({ baseURL: fake.url, apiKey: 'test', maxRetries: 0 });

test('messages.create: the result is the SDK\'s, the call is recorded', async () => {
  fake.reply('/v1/messages', Reply.json('anthropic.messages/response.json'));
  let out;
  await withSigil(harness, async (sigil) => {
    const client = sigilAnthropic.instrument(provider(), sigil, { agentName: 'coder' });
    out = await withConversationId('conv-a', () => client.messages.create(REQUEST));
  });
  assert.deepEqual(out, fixtureJson('anthropic.messages/response.json'));
  assert.deepEqual(fake.requests[0].body, REQUEST);
  const [g] = await harness.generations();
  assert.equal(g.mode, 'GENERATION_MODE_SYNC');
  assert.deepEqual(g.model, { provider: 'anthropic', name: 'claude-sonnet-4-5' });
  assert.equal(g.conversation_id, 'conv-a');
  assert.equal(g.agent_name, 'coder');
  assert.equal(g.system_prompt, 'You are terse.');
  assert.equal(g.response_id, out.id);
  assert.equal(g.stop_reason, 'tool_use');
  assert.deepEqual(g.tools.map((t) => t.name), ['get_weather']);
  assert.equal(g.usage.cache_read_input_tokens, '800');
});

test('stream: true, tool input split across deltas, the SDK\'s Stream unchanged', async () => {
  fake.reply('/v1/messages', Reply.sse('anthropic.messages/stream.jsonl'));
  const events = [];
  await withSigil(harness, async (sigil) => {
    const client = sigilAnthropic.instrument(provider(), sigil);
    const stream = await client.messages.create({ ...REQUEST, stream: true });
    assert.equal(typeof stream.toReadableStream, 'function');
    assert.ok(stream.controller instanceof AbortController);
    for await (const e of stream) events.push(e);
  });
  const sent = fixtureEvents('anthropic.messages/stream.jsonl').map((e) => JSON.parse(e)).filter((e) => e.type !== 'ping');
  assert.deepEqual(events.filter((e) => e.type !== 'ping'), sent);
  const [g] = await harness.generations();
  assert.equal(g.mode, 'GENERATION_MODE_STREAM');
  assert.equal(g.response_id, 'msg_stream01');
  const parts = g.output[0].parts;
  assert.equal(parts.find((p) => p.tool_call).tool_call.input_json_text, '{"city": "Lisbon"}');
  assert.equal(parts.find((p) => p.text !== undefined).text, 'Checking now.');
  assert.equal(g.stop_reason, 'tool_use');
  assert.equal(g.metadata?.['sigil.stream.stopped'], undefined);
});

test('messages.stream(): the MessageStream helper is recorded through create()', async () => {
  fake.reply('/v1/messages', Reply.sse('anthropic.messages/stream.jsonl'));
  let final;
  let text = '';
  await withSigil(harness, async (sigil) => {
    const client = sigilAnthropic.instrument(provider(), sigil);
    const stream = client.messages.stream(REQUEST);
    stream.on('text', (t) => { text += t; });
    final = await stream.finalMessage();
  });
  assert.equal(text, 'Checking now.');
  assert.equal(final.id, 'msg_stream01');
  const gens = await harness.generations();
  assert.equal(gens.length, 1);
  assert.equal(gens[0].mode, 'GENERATION_MODE_STREAM');
  assert.equal(gens[0].output[0].parts.find((p) => p.tool_call).tool_call.name, 'get_weather');
});

test('break and MessageStream.abort() are recorded as stopped by the caller', async () => {
  fake.reply('/v1/messages', { ...Reply.sse('anthropic.messages/stream.jsonl'), delayMs: 10 });
  await withSigil(harness, async (sigil) => {
    const client = sigilAnthropic.instrument(provider(), sigil);
    const stream = await client.messages.create({ ...REQUEST, stream: true });
    let n = 0;
    for await (const e of stream) {
      void e;
      if (++n === 4) break;
    }
    const helper = client.messages.stream(REQUEST);
    let seen = 0;
    // The SDK's own behaviour: iterating an aborted MessageStream rejects with APIUserAbortError.
    await assert.rejects(async () => {
      for await (const e of helper) {
        void e;
        if (++seen === 3) helper.abort();
      }
    }, (err) => err instanceof Anthropic.APIUserAbortError);
  });
  const gens = await harness.generations();
  assert.equal(gens.length, 2);
  for (const g of gens) {
    assert.equal(g.metadata['sigil.stream.stopped'], 'caller_closed');
    const span = await spanOf(harness, g.id);
    assert.equal(span.attributes['error.type'], 'mapping_error');
  }
});

for (const [status, cls] of [[429, Anthropic.RateLimitError], [500, Anthropic.InternalServerError]]) {
  test(`a provider ${status} is re-thrown unchanged and recorded as the call error`, async () => {
    fake.reply('/v1/messages', Reply.error(status, { type: 'error', error: { type: 'x', message: `fake ${status}` } }));
    let caught;
    await withSigil(harness, async (sigil) => {
      const client = sigilAnthropic.instrument(provider(), sigil);
      await assert.rejects(client.messages.create(REQUEST), (err) => {
        caught = err;
        return true;
      });
    });
    assert.ok(caught instanceof cls);
    assert.equal(caught.status, status);
    const [g] = await harness.generations();
    assert.match(g.call_error, new RegExp(`fake ${status}`));
  });
}

test('many concurrent streams are recorded once each', async () => {
  fake.reply('/v1/messages', Reply.sse('anthropic.messages/stream.jsonl'));
  const n = 30;
  await withSigil(harness, async (sigil) => {
    const client = sigilAnthropic.instrument(provider(), sigil);
    await Promise.all(Array.from({ length: n }, (_, i) => withConversationId(`c-${i}`, async () => {
      const stream = await client.messages.create({ ...REQUEST, stream: true });
      for await (const e of stream) void e;
    })));
  });
  const gens = await harness.generations();
  assert.equal(gens.length, n);
  assert.equal(new Set(gens.map((g) => g.conversation_id)).size, n);
  assert.ok(gens.every((g) => g.output[0].parts.some((p) => p.tool_call?.input_json_text === '{"city": "Lisbon"}')));
});

test('the reference wrappers and mappers', async () => {
  fake.reply('/v1/messages', Reply.json('anthropic.messages/response.json'));
  const p = provider();
  await withSigil(harness, async (sigil) => {
    const res = await sigilAnthropic.messages.create(sigil, REQUEST, (r) => p.messages.create(r), { conversationId: 'conv-w' });
    assert.equal(res.id, fixtureJson('anthropic.messages/response.json').id);
    const rec = sigil.startGeneration({ model: { provider: 'anthropic', name: 'claude-sonnet-4-5' } });
    rec.setResult(sigilAnthropic.messages.fromRequestResponse(REQUEST, res, { conversationId: 'conv-m' }));
    rec.end();
    assert.equal(rec.getError(), undefined);
  });
  const gens = await harness.generations();
  assert.equal(gens.length, 2);
  for (const id of ['conv-w', 'conv-m']) {
    const g = gens.find((x) => x.conversation_id === id);
    assert.equal(g.stop_reason, 'tool_use');
    assert.equal(g.usage.input_tokens, '2095');
  }
});
