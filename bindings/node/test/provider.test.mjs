// Provider JSON through the binding: the engine maps it, the capture harness
// shows what a Sigil server receives. Bodies are conformance/fixtures/providers.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { SigilClient, InvalidArgumentError, MappingError } from '../lib/index.mjs';
import { Harness, repo } from './harness.mjs';

const fixture = (path) => readFileSync(join(repo, 'conformance', 'fixtures', 'providers', path), 'utf8');
const events = (path) => fixture(path).split('\n').filter((l) => l.trim() !== '');

let h;
before(async () => { h = await Harness.start(); });
after(async () => { await h?.stop(); });
beforeEach(async () => { await h.reset(); });

async function withClient(fn) {
  const c = new SigilClient({
    useEnvironment: false,
    generationExport: { protocol: 'http', endpoint: h.httpEndpoint },
    api: { endpoint: h.apiEndpoint },
    otlp: { endpoint: h.otlpEndpoint },
  });
  try {
    return await fn(c);
  } finally {
    await c.shutdown();
  }
}

async function spanOf(id) {
  for (let i = 0; i < 50; i++) {
    const spans = (await h.captures('otlp_traces')).flatMap((x) => x.spans ?? []);
    const found = spans.find((s) => s.attributes['sigil.generation.id'] === id);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no span for ${id}`);
}

for (const form of ['object', 'string', 'Buffer']) {
  test(`request and response given as ${form} arrive mapped`, async () => {
    const as = (text) => (form === 'object' ? JSON.parse(text) : form === 'Buffer' ? Buffer.from(text) : text);
    await withClient(async (c) => {
      const rec = c.startGeneration({ id: `gen-${form}` });
      assert.equal(rec.setProviderResult('openai.chat', as(fixture('openai.chat/request.json')),
        as(fixture('openai.chat/response_tool_calls.json'))), undefined);
      assert.equal(rec.end(), undefined);
    });
    const [g] = await h.generations();
    assert.deepEqual(g.model, { provider: 'openai', name: 'gpt-4o-2024-08-06' });
    assert.equal(g.response_id, 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG');
    assert.equal(g.stop_reason, 'tool_calls');
    assert.deepEqual(g.output[0].parts.map((p) => p.tool_call.id), ['call_a1', 'call_b2']);
    assert.equal(g.usage.cache_read_input_tokens, '1024');
  });
}

test('stream events accumulate into one generation', async () => {
  await withClient(async (c) => {
    const rec = c.startStreamingGeneration({ id: 'gen-stream' });
    rec.setProviderRequest('openai.responses', JSON.parse(fixture('openai.responses/request_string_input.json')));
    for (const e of events('openai.responses/stream.jsonl')) {
      assert.equal(rec.addProviderEvent('openai.responses', e), undefined);
    }
    rec.end();
  });
  const [g] = await h.generations();
  assert.equal(g.mode, 'GENERATION_MODE_STREAM');
  assert.equal(g.response_id, 'resp_stream1');
  const parts = g.output[0].parts;
  assert.equal(parts.find((p) => p.text !== undefined).text, 'Calling the tool.');
  assert.equal(parts.find((p) => p.tool_call).tool_call.input_json_text, '{"city":"Rome"}');
});

test('a malformed body is returned, not thrown, and marks the span', async () => {
  let problem;
  await withClient(async (c) => {
    const rec = c.startGeneration({ id: 'gen-bad' });
    rec.setProviderRequest('openai.chat', fixture('openai.chat/request.json'));
    problem = rec.setProviderResponse('openai.chat', fixture('openai.chat/response_truncated.json'));
    assert.equal(rec.end(), undefined); // the record is fine
  });
  assert.ok(problem instanceof MappingError);
  assert.equal(problem.name, 'InvalidJSON');
  const [g] = await h.generations();
  assert.equal(g.model.name, 'gpt-4o-2024-08-06');
  const span = await spanOf('gen-bad');
  assert.equal(span.attributes['error.type'], 'mapping_error');
});

test('an unknown API is the caller\'s mistake', async () => {
  await withClient(async (c) => {
    const rec = c.startGeneration({ model: { provider: 'openai', name: 'gpt-5' } });
    assert.throws(() => rec.setProviderResponse('openai.chat.v9', {}), InvalidArgumentError);
    assert.throws(() => rec.addProviderEvent('openai.embeddings', '{}'), InvalidArgumentError);
    rec.end();
  });
});

test('setMappingError marks an otherwise clean generation', async () => {
  await withClient(async (c) => {
    const rec = c.startGeneration({ id: 'gen-maperr', model: { provider: 'openai', name: 'gpt-5' } });
    rec.setResult({ output: [{ role: 'assistant', content: 'hi' }] });
    assert.equal(rec.setMappingError(new Error('unexpected content block')), undefined);
    rec.end();
  });
  const [g] = await h.generations();
  assert.equal(g.output[0].parts[0].text, 'hi');
  assert.equal((await spanOf('gen-maperr')).attributes['error.type'], 'mapping_error');
});

test('embeddings from provider JSON', async () => {
  await withClient(async (c) => {
    const e = c.startEmbedding({});
    assert.equal(e.setProviderResult('openai.embeddings', JSON.parse(fixture('openai.embeddings/request.json')),
      Buffer.from(fixture('openai.embeddings/response.json'))), undefined);
    assert.throws(() => e.setProviderResult('openai.chat', undefined, '{}'), InvalidArgumentError);
    assert.equal(e.end(), undefined);
  });
  const spans = (await h.wait('otlp_traces', 1)).flatMap((x) => x.spans);
  const span = spans.find((s) => s.name === 'embeddings text-embedding-3-small');
  assert.ok(span, spans.map((s) => s.name).join());
  assert.equal(span.attributes['gen_ai.embeddings.input_count'], 2);
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 11);
});
