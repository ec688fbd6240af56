// The package itself: both module systems, the error table, worker threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

import * as esm from '../lib/index.mjs';
import { CANONICAL_NAMES, STATUS_CODES, fromStatus } from '../lib/errors.js';

const require = createRequire(import.meta.url);

test('import and require give the same module instance', () => {
  const cjs = require('../lib/index.js');
  assert.deepEqual(Object.keys(esm).filter((k) => k !== 'default').sort(), Object.keys(cjs).sort());
  assert.equal(esm.SigilClient, cjs.SigilClient);
  assert.equal(esm.withConversationId, cjs.withConversationId);
  assert.equal(esm.default, cjs);
  assert.equal(esm.SDK_NAME, 'sdk-js');
  assert.match(esm.libraryVersion, /^\d+\.\d+\.\d+/);
});

test('every engine status maps to an error class with its canonical name and C status name', () => {
  const expected = {
    1: 'InvalidArgumentError', 2: 'ValidationError', 3: 'QueueFullError', 4: 'PayloadTooLargeError',
    5: 'ClientShutdownError', 6: 'ValidationError', 7: 'ValidationError', 8: 'ConfigError', 9: 'TimeoutError',
    10: 'TransportError', 11: 'AlreadyEndedError', 12: 'EngineError', 13: 'EngineError', 14: 'QueueFullError',
    15: 'ValidationError', 16: 'ValidationError', 17: 'RatingConflictError', 18: 'UnsupportedError',
  };
  for (let status = 1; status <= 18; status++) {
    const err = fromStatus(status, 'message');
    assert.ok(err instanceof esm.SigilError);
    assert.equal(err.constructor.name, expected[status]);
    assert.equal(err.name, CANONICAL_NAMES[status]);
    assert.equal(err.code, STATUS_CODES[status]);
    assert.equal(err.status, status);
    assert.equal(err.message, 'message');
  }
  assert.equal(fromStatus(99, '').name, 'SigilError');
});

test('the addon works in worker threads, each with its own clients', async () => {
  const url = new URL('../lib/index.js', import.meta.url);
  const code = `
    const { parentPort } = require('node:worker_threads');
    const { SigilClient, withConversationId } = require(${JSON.stringify(url.pathname)});
    const c = new SigilClient({ useEnvironment: false, generationExport: { protocol: 'none' } });
    withConversationId('conv-worker', async () => {
      for (let i = 0; i < 100; i++) {
        const r = c.startGeneration({ model: { provider: 'openai', name: 'gpt-5' } });
        r.setResult({ output: [{ role: 'assistant', content: 'x'.repeat(200) }] });
        if (r.end() !== undefined) throw new Error('end failed');
      }
      const points = c.metricsSnapshot().metrics.find((m) => m.name === 'gen_ai.client.operation.duration').points;
      await c.shutdown();
      parentPort.postMessage(points.reduce((n, p) => n + p.count, 0));
    });`;
  const counts = await Promise.all([1, 2].map(() => new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true });
    w.once('message', resolve);
    w.once('error', reject);
  })));
  assert.deepEqual(counts, [100, 100]);
});
