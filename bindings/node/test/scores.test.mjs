// Evaluation scores: submitScore against the harness's score ingest.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';

import { InvalidArgumentError, SigilClient, ValidationError } from '../lib/index.mjs';
import { Harness } from './harness.mjs';

let h;
before(async () => { h = await Harness.start(); });
after(async () => { await h?.stop(); });
beforeEach(async () => { await h.reset(); });

function newClient(extra = {}) {
  return new SigilClient({
    useEnvironment: false,
    generationExport: { protocol: 'none', initialBackoffMs: 10, ...extra },
    api: { endpoint: h.apiEndpoint },
  });
}

const BASE = { generationId: 'gen-1', evaluatorId: 'my-evaluator', evaluatorVersion: '1.0.0', key: 'helpfulness' };

test('a score arrives in the contract shape and is counted', async () => {
  const c = newClient();
  const id = c.submitScore({ ...BASE, value: 0.82, passed: true, label: 'good', rationale: 'answers the question',
    metadata: { runtime_ms: 12 }, createdAt: new Date('2026-02-17T10:00:00Z') });
  assert.match(id, /^sc_[0-9a-f]{16}$/);
  await c.flush();
  const [cap] = await h.captures('scores');
  assert.deepEqual(cap.json.scores[0], {
    score_id: id, generation_id: 'gen-1', evaluator_id: 'my-evaluator', evaluator_version: '1.0.0',
    score_key: 'helpfulness', value: { number: 0.82 }, passed: true, explanation: 'answers the question',
    metadata: { runtime_ms: 12, label: 'good' }, created_at: '2026-02-17T10:00:00Z',
  });
  const s = c.stats();
  assert.deepEqual([s.scoresEnqueued, s.scoresExported, s.scoresDropped], [1, 1, 0]);
  await c.shutdown();
});

test('bool and string values; a 503 is retried; the same id twice is accepted', async () => {
  const c = newClient({ maxRetries: 3 });
  await h.script('api', [{ status: 503 }]);
  c.submitScore({ ...BASE, scoreId: 'sc-node', value: true });
  await c.flush();
  c.submitScore({ ...BASE, scoreId: 'sc-node', value: 'excellent' });
  await c.flush();
  const caps = await h.captures('scores');
  assert.deepEqual(caps.map((x) => x.response.status), [503, 202, 202]);
  assert.deepEqual(caps[1].json.scores[0].value, { bool: true });
  assert.deepEqual(caps[2].json.scores[0].value, { string: 'excellent' });
  assert.equal(caps[2].results[0].accepted, true);
  const s = c.stats();
  assert.deepEqual([s.scoresExported, s.scoreExportRetries], [2, 1]);
  await c.shutdown();
});

test('invalid input throws and queues nothing', async () => {
  const c = newClient();
  assert.throws(() => c.submitScore({ ...BASE, generationId: ' ', value: 1 }),
    (e) => e instanceof ValidationError && /generation id is required/.test(e.message));
  assert.throws(() => c.submitScore({ ...BASE, value: [1] }),
    (e) => e instanceof ValidationError && /value kind/.test(e.message));
  assert.throws(() => c.submitScore({ ...BASE, value: NaN }), (e) => e instanceof ValidationError);
  assert.throws(() => c.submitScore({ ...BASE, key: 'a\0b', value: 1 }), (e) => e instanceof InvalidArgumentError);
  assert.equal(c.stats().scoresEnqueued, 0);
  await c.shutdown();
});
