// The official `@google/genai` client against the fake provider, recorded by
// sigil-sdk/gemini; what arrives at the capture harness is asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { GoogleGenAI, ApiError } from '@google/genai';

import * as sigilGemini from 'sigil-sdk/gemini';
import { withConversationId } from 'sigil-sdk';
import { Reply, fixtureJson, fixtureEvents } from './fake_provider.mjs';
import { useServers, withSigil, spanOf } from './support.mjs';

let harness;
let fake;
useServers((s) => ({ harness, fake } = s));

const PARAMS = {
  model: 'gemini-2.5-flash',
  contents: [{ role: 'user', parts: [{ text: 'What plant is this?' }] }],
  config: {
    systemInstruction: 'You are a helpful botanist.',
    temperature: 0.3,
    tools: [{ functionDeclarations: [{ name: 'save_observation', parameters: { type: 'OBJECT', properties: {} } }] }],
  },
};

const provider = () => new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: fake.url } });

test('models.generateContent: the result is the SDK\'s, the call is recorded', async () => {
  fake.reply(':generateContent', Reply.json('gemini.generate_content/response.json'));
  let out;
  await withSigil(harness, async (sigil) => {
    const ai = sigilGemini.instrument(provider(), sigil, { agentName: 'botanist' });
    out = await withConversationId('conv-g', () => ai.models.generateContent(PARAMS));
  });
  assert.equal(out.responseId, fixtureJson('gemini.generate_content/response.json').responseId);
  assert.equal(typeof out.text, 'string', 'the SDK\'s GenerateContentResponse, with its getters');
  const [g] = await harness.generations();
  assert.equal(g.mode, 'GENERATION_MODE_SYNC');
  assert.deepEqual(g.model, { provider: 'gemini', name: 'gemini-2.5-flash' });
  assert.equal(g.conversation_id, 'conv-g');
  assert.equal(g.agent_name, 'botanist');
  assert.equal(g.system_prompt, 'You are a helpful botanist.');
  assert.equal(g.temperature, 0.3);
  assert.deepEqual(g.tools.map((t) => t.name), ['save_observation']);
  assert.equal(g.response_id, out.responseId);
  assert.equal(g.stop_reason, 'STOP');
  assert.equal(g.usage.cache_read_input_tokens, '1024');
});

test('models.generateContentStream: chunks as the SDK yields them, one streamed generation', async () => {
  fake.reply(':streamGenerateContent', Reply.sse('gemini.generate_content/stream.jsonl'));
  const texts = [];
  await withSigil(harness, async (sigil) => {
    const ai = sigilGemini.instrument(provider(), sigil);
    const stream = await ai.models.generateContentStream(PARAMS);
    assert.equal(typeof stream[Symbol.asyncIterator], 'function');
    for await (const chunk of stream) texts.push(chunk.candidates[0].content.parts.map((p) => p.text ?? '').join(''));
  });
  assert.equal(texts.length, fixtureEvents('gemini.generate_content/stream.jsonl').length);
  const [g] = await harness.generations();
  assert.equal(g.mode, 'GENERATION_MODE_STREAM');
  assert.equal(g.response_id, 'stream-resp-1');
  const parts = g.output[0].parts;
  assert.equal(parts.find((p) => p.thinking !== undefined).thinking, 'Thinking about leaves.');
  assert.equal(parts.find((p) => p.text !== undefined).text, 'It is a Monstera.');
  assert.equal(parts.find((p) => p.tool_call).tool_call.name, 'save_observation');
  assert.equal(g.metadata?.['sigil.stream.stopped'], undefined);
});

test('break out of the stream, and abortSignal, are recorded as stopped by the caller', async () => {
  fake.reply(':streamGenerateContent', { ...Reply.sse('gemini.generate_content/stream.jsonl'), delayMs: 10 });
  await withSigil(harness, async (sigil) => {
    const ai = sigilGemini.instrument(provider(), sigil);
    for await (const chunk of await ai.models.generateContentStream(PARAMS)) {
      void chunk;
      break;
    }
    const controller = new AbortController();
    let thrown;
    try {
      const stream = await ai.models.generateContentStream({ ...PARAMS, config: { ...PARAMS.config, abortSignal: controller.signal } });
      for await (const chunk of stream) {
        void chunk;
        controller.abort();
      }
    } catch (err) {
      thrown = err;
    }
    void thrown; // whether the SDK throws on abort is its own behaviour
  });
  const gens = await harness.generations();
  assert.equal(gens.length, 2);
  for (const g of gens) {
    assert.equal(g.metadata['sigil.stream.stopped'], 'caller_closed');
    assert.equal(g.call_error, undefined);
    const span = await spanOf(harness, g.id);
    assert.equal(span.attributes['error.type'], 'mapping_error');
  }
});

for (const status of [429, 500]) {
  test(`a provider ${status} is re-thrown unchanged and recorded as the call error`, async () => {
    fake.reply(':generateContent', Reply.error(status, { error: { code: status, message: `fake ${status}`, status: 'X' } }));
    let caught;
    let bare;
    await withSigil(harness, async (sigil) => {
      try {
        await provider().models.generateContent(PARAMS);
      } catch (err) {
        bare = err;
      }
      const ai = sigilGemini.instrument(provider(), sigil);
      await assert.rejects(ai.models.generateContent(PARAMS), (err) => {
        caught = err;
        return true;
      });
    });
    assert.ok(caught instanceof ApiError);
    assert.equal(caught.status, status);
    assert.equal(caught.message, bare.message);
    const [g] = await harness.generations();
    assert.match(g.call_error, new RegExp(`fake ${status}`));
  });
}

test('many concurrent streams are recorded once each', async () => {
  fake.reply(':streamGenerateContent', Reply.sse('gemini.generate_content/stream.jsonl'));
  const n = 25;
  await withSigil(harness, async (sigil) => {
    const ai = sigilGemini.instrument(provider(), sigil);
    await Promise.all(Array.from({ length: n }, (_, i) => withConversationId(`g-${i}`, async () => {
      for await (const c of await ai.models.generateContentStream(PARAMS)) void c;
    })));
  });
  const gens = await harness.generations();
  assert.equal(gens.length, n);
  assert.equal(new Set(gens.map((g) => g.conversation_id)).size, n);
});

test('the reference wrappers and mappers', async () => {
  fake.reply(':generateContent', Reply.json('gemini.generate_content/response.json'));
  const ai = provider();
  await withSigil(harness, async (sigil) => {
    const { model, contents, config } = PARAMS;
    const res = await sigilGemini.models.generateContent(sigil, model, contents, config,
      (m, c, cfg) => ai.models.generateContent({ model: m, contents: c, config: cfg }), { conversationId: 'conv-w' });
    const rec = sigil.startGeneration({ model: { provider: 'gemini', name: model } });
    rec.setResult(sigilGemini.models.fromRequestResponse(model, contents, config, res, { conversationId: 'conv-m' }));
    rec.end();
    assert.equal(rec.getError(), undefined);
  });
  const gens = await harness.generations();
  for (const id of ['conv-w', 'conv-m']) {
    const g = gens.find((x) => x.conversation_id === id);
    assert.equal(g.stop_reason, 'STOP');
    assert.equal(g.system_prompt, 'You are a helpful botanist.');
  }
});
