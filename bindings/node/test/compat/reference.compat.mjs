// Compatibility tier (make test-compat): behaviours the reference JavaScript
// SDK documents, used the way code written against it uses them. Not matched
// by `npm test` (test/*.test.mjs), so the binding tier does not run it twice.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';

import { SigilClient } from '../../lib/index.mjs';
import { Harness } from '../harness.mjs';

let h;
before(async () => { h = await Harness.start(); });
after(async () => { await h?.stop(); });
beforeEach(async () => { await h.reset(); });

const MODEL = { provider: 'openai', name: 'gpt-4o' };

function harnessClient(extra = {}) {
  return new SigilClient({ useEnvironment: false, generationExport: { protocol: 'http', endpoint: h.httpEndpoint },
    api: { endpoint: h.apiEndpoint }, otlp: { endpoint: h.otlpEndpoint }, ...extra });
}

test('compat: a generationExporter receives each batch and its shutdown runs with the client\'s', async () => {
  const seen = [];
  let closed = false;
  const client = new SigilClient({
    useEnvironment: false,
    generationExporter: {
      async exportGenerations(request) {
        seen.push(...request.generations);
        return { results: request.generations.map((g) => ({ generationId: g.id, accepted: true })) };
      },
      async shutdown() { closed = true; },
    },
  });
  await client.startGeneration({ model: MODEL, conversationId: 'c-1' }, async (rec) => {
    rec.setResult({ input: [{ role: 'user', content: 'hi' }], output: [{ role: 'assistant', content: 'hello' }] });
  });
  await client.shutdown();
  assert.equal(closed, true);
  assert.equal(seen.length, 1);
  assert.equal(seen[0].conversationId, 'c-1');
  assert.equal(seen[0].mode, 'SYNC');
  assert.ok(seen[0].startedAt instanceof Date);
  assert.deepEqual(seen[0].input[0].parts, [{ type: 'text', text: 'hi' }]);
});

test('compat: debugSnapshot() lists generations and tool executions with a queue size', async () => {
  const client = new SigilClient({ useEnvironment: false, generationExport: { protocol: 'none' } });
  const rec = client.startGeneration({ model: MODEL });
  rec.setResult({ output: [{ role: 'assistant', content: 'done' }] });
  rec.end();
  await client.startToolExecution({ toolName: 'lookup' }, async (tool) => {
    tool.setResult({ arguments: { q: 1 }, result: 'found' });
  });
  const snap = client.debugSnapshot();
  assert.deepEqual(Object.keys(snap).sort(), ['generations', 'queueSize', 'toolExecutions']);
  assert.equal(snap.generations[0].output[0].parts[0].text, 'done');
  assert.equal(snap.toolExecutions[0].toolName, 'lookup');
  assert.equal(snap.queueSize, 0);
  await client.shutdown();
});

test('compat: framework metadata is copied onto the generation span', async () => {
  const client = harnessClient();
  const rec = client.startGeneration({ model: MODEL, metadata: {
    'sigil.framework.run_id': 'run-1', 'sigil.framework.thread_id': 'th-1', 'sigil.framework.retry_attempt': 2,
    'sigil.framework.tags': ['x'],
  } });
  rec.setResult({});
  rec.end();
  await client.shutdown();
  const spans = (await h.wait('otlp_traces', 1)).flatMap((c) => c.spans);
  const span = spans.find((s) => s.attributes['sigil.generation.id'] === rec.id);
  assert.equal(span.attributes['sigil.framework.run_id'], 'run-1');
  assert.equal(span.attributes['sigil.framework.thread_id'], 'th-1');
  assert.equal(span.attributes['sigil.framework.retry_attempt'], 2);
  assert.equal(span.attributes['sigil.framework.tags'], undefined);
});

test('compat: a tool execution without a name records nothing', async () => {
  const client = harnessClient();
  const tool = client.startToolExecution({ toolName: '' });
  tool.setResult({ result: 'x' });
  tool.end();
  assert.equal(tool.getError(), undefined);
  await client.shutdown();
  assert.equal(client.debugSnapshot().toolExecutions.length, 0);
  const spans = (await h.captures('otlp_traces')).flatMap((c) => c.spans);
  assert.equal(spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'execute_tool').length, 0);
});

for (const [auth, text] of [
  [{ mode: 'basic', tenantId: '42' }, /requires basicPassword/],
  [{ mode: 'basic', basicPassword: 'secret' }, /requires basicUser or tenantId/],
  [{ mode: 'none', basicUser: 'user' }, /does not allow credentials/],
  [{ mode: 'tenant' }, /requires tenantId/],
  [{ mode: 'bearer' }, /requires bearerToken/],
]) {
  test(`compat: auth ${JSON.stringify(auth)} is refused with ${text}`, () => {
    assert.throws(() => new SigilClient({ useEnvironment: false, generationExport: { auth } }), text);
  });
}

test('compat: a rating conflict says "conversation rating conflict"', async () => {
  const client = harnessClient();
  await h.script('api', [{ status: 409, body: { error: 'rating conflict' } }]);
  await assert.rejects(
    client.submitConversationRating('conv-1', { ratingId: 'r-1', rating: 'CONVERSATION_RATING_VALUE_GOOD' }),
    /conversation rating conflict/);
  await client.shutdown();
});

test('compat: tracer and meter options are accepted', async () => {
  const client = new SigilClient({ useEnvironment: false, generationExport: { protocol: 'none' }, tracer: {},
    meter: {} });
  const rec = client.startGeneration({ model: MODEL });
  rec.setResult({});
  assert.equal(rec.end(), undefined);
  await client.shutdown();
});
