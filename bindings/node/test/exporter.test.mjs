// generationExporter (the reference's pluggable exporter over the engine's
// exporter callback) and debugSnapshot().
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { SigilClient, ConfigError } from '../lib/index.mjs';

/** An exporter that keeps every batch and answers with `answer(generation)` per item. */
function capturing(answer = () => ({ accepted: true })) {
  const batches = [];
  return {
    batches,
    shutdowns: 0,
    async exportGenerations(request) {
      batches.push(request);
      return { results: request.generations.map((g) => ({ generationId: g.id, ...answer(g) })) };
    },
    async shutdown() {
      this.shutdowns += 1;
    },
  };
}

function client(extra) {
  return new SigilClient({ useEnvironment: false, generationExport: { batchSize: 10, maxRetries: 3,
    initialBackoffMs: 1, maxBackoffMs: 2 }, ...extra });
}

const START = {
  id: 'gen-exp-1', conversationId: 'conv-9', agentName: 'planner', model: { provider: 'openai', name: 'gpt-4o' },
  tags: { env: 'test' }, metadata: { 'request.kind': 'unit' },
};
const RESULT = {
  input: [{ role: 'user', content: 'hello' }],
  output: [{ role: 'assistant', parts: [{ type: 'text', text: 'hi' },
    { type: 'tool_call', toolCall: { id: 'call-1', name: 'lookup', inputJSON: '{"q":1}' } }] }],
  usage: { inputTokens: 12, outputTokens: 3 },
  stopReason: 'stop',
  responseModel: 'gpt-4o-2024',
};

test('the exporter receives normalized generations in the reference shape, and client.shutdown() shuts it down', async () => {
  const exporter = capturing();
  const c = client({ generationExporter: exporter });
  const rec = c.startGeneration(START);
  rec.setResult(RESULT);
  assert.equal(rec.end(), undefined);
  await c.shutdown();

  assert.equal(exporter.shutdowns, 1);
  const gens = exporter.batches.flatMap((b) => b.generations);
  assert.equal(gens.length, 1);
  const g = gens[0];
  assert.equal(g.id, 'gen-exp-1');
  assert.equal(g.conversationId, 'conv-9');
  assert.equal(g.agentName, 'planner');
  assert.equal(g.mode, 'SYNC');
  assert.equal(g.operationName, 'generateText');
  assert.deepEqual(g.model, { provider: 'openai', name: 'gpt-4o' });
  assert.equal(g.responseModel, 'gpt-4o-2024');
  assert.equal(g.stopReason, 'stop');
  assert.ok(g.startedAt instanceof Date && g.completedAt instanceof Date);
  assert.ok(g.completedAt.getTime() >= g.startedAt.getTime());
  assert.match(g.traceId, /^[0-9a-f]{32}$/);
  assert.match(g.spanId, /^[0-9a-f]{16}$/);
  assert.equal(g.usage.inputTokens, 12);
  assert.equal(g.usage.outputTokens, 3);
  assert.equal(g.usage.totalTokens, 15);
  assert.deepEqual(g.input, [{ role: 'user', parts: [{ type: 'text', text: 'hello' }] }]);
  assert.equal(g.output[0].role, 'assistant');
  assert.deepEqual(g.output[0].parts[1], { type: 'tool_call', toolCall: { id: 'call-1', name: 'lookup', inputJSON: '{"q":1}' } });
  assert.equal(g.tags.env, 'test');
  assert.equal(g.metadata['request.kind'], 'unit');

  const s = c.stats();
  assert.equal(s.generationsExported, 1);
  assert.equal(s.generationsRejected, 0);
});

test('per-item rejections count as rejected, the rest as exported', async () => {
  const exporter = capturing((g) => (g.id === 'bad' ? { accepted: false, error: 'not today' } : { accepted: true }));
  const warnings = [];
  const c = client({ generationExporter: exporter, logger: { warn: (m) => warnings.push(m) } });
  for (const id of ['good', 'bad']) {
    const rec = c.startGeneration({ ...START, id });
    rec.setResult(RESULT);
    rec.end();
  }
  await c.flush();
  const s = c.stats();
  assert.equal(s.generationsExported, 1);
  assert.equal(s.generationsRejected, 1);
  await c.shutdown();
});

test('a rejected promise is retried with backoff like a transport failure', async () => {
  let calls = 0;
  const exporter = {
    async exportGenerations(request) {
      calls += 1;
      if (calls === 1) throw new Error('sink unavailable');
      return { results: request.generations.map((g) => ({ generationId: g.id, accepted: true })) };
    },
  };
  const c = client({ generationExporter: exporter });
  const rec = c.startGeneration(START);
  rec.setResult(RESULT);
  rec.end();
  await c.flush();
  const s = c.stats();
  assert.equal(calls, 2);
  assert.equal(s.exportRetries, 1);
  assert.equal(s.generationsExported, 1);
  await c.shutdown();
});

test('an exporter that throws synchronously or answers nothing does not break the client', async () => {
  let calls = 0;
  const exporter = {
    exportGenerations() {
      calls += 1;
      if (calls === 1) throw new TypeError('boom');
      return undefined; // no results: every generation counts as exported
    },
  };
  const c = client({ generationExporter: exporter });
  const rec = c.startGeneration(START);
  rec.setResult(RESULT);
  rec.end();
  await c.flush();
  assert.equal(calls, 2);
  assert.equal(c.stats().generationsExported, 1);
  await c.shutdown();
});

test('an exporter without exportGenerations is a ConfigError', () => {
  assert.throws(() => new SigilClient({ useEnvironment: false, generationExporter: { shutdown() {} } }), ConfigError);
});

test('debugSnapshot() holds the generations and tool executions recorded, as copies', async () => {
  const c = client({ generationExporter: capturing() });
  const rec = c.startGeneration(START);
  rec.setResult(RESULT);
  rec.end();
  const tool = c.startToolExecution({ toolName: 'lookup', toolCallId: 'call-1', includeContent: true });
  tool.setResult({ arguments: { q: 1 }, result: 'found' });
  tool.end();
  c.startToolExecution({ toolName: '   ' }).end(); // a blank name records nothing
  const failing = c.startToolExecution({ toolName: 'fails' });
  failing.setCallError(new Error('tool broke'));
  failing.end();

  const snap = c.debugSnapshot();
  assert.equal(snap.generations.length, 1);
  assert.equal(snap.generations[0].id, 'gen-exp-1');
  assert.equal(snap.generations[0].output[0].parts[0].text, 'hi');
  assert.deepEqual(rec.lastGeneration, snap.generations[0]);
  assert.equal(snap.toolExecutions.length, 2);
  const [ok, failed] = snap.toolExecutions;
  assert.equal(ok.toolName, 'lookup');
  assert.equal(ok.toolCallId, 'call-1');
  assert.equal(ok.includeContent, true);
  assert.deepEqual(ok.arguments, { q: 1 });
  assert.equal(ok.result, 'found');
  assert.ok(ok.startedAt instanceof Date && ok.completedAt instanceof Date);
  assert.equal(failed.callError, 'tool broke');
  assert.equal(typeof snap.queueSize, 'number');

  snap.generations[0].id = 'changed';
  assert.equal(c.debugSnapshot().generations[0].id, 'gen-exp-1');
  await c.shutdown();
  assert.equal(c.debugSnapshot().queueSize, 0);
});

test('debugSnapshot() keeps the most recent debugSnapshotLimit records; 0 turns it off', async () => {
  const two = client({ generationExporter: capturing(), debugSnapshotLimit: 2 });
  for (const id of ['a', 'b', 'c']) {
    const rec = two.startGeneration({ ...START, id });
    rec.setResult(RESULT);
    rec.end();
  }
  assert.deepEqual(two.debugSnapshot().generations.map((g) => g.id), ['b', 'c']);
  await two.shutdown();

  const off = client({ generationExporter: capturing(), debugSnapshotLimit: 0 });
  const rec = off.startGeneration(START);
  rec.setResult(RESULT);
  rec.end();
  assert.deepEqual(off.debugSnapshot().generations, []);
  assert.equal(rec.lastGeneration, undefined);
  await off.shutdown();
});

test('without an exporter, protocol none still fills debugSnapshot()', async () => {
  const c = new SigilClient({ useEnvironment: false, generationExport: { protocol: 'none' } });
  const rec = c.startGeneration(START);
  rec.setResult(RESULT);
  rec.end();
  assert.equal(c.debugSnapshot().generations[0].id, 'gen-exp-1');
  await c.shutdown();
});
