// Cost, token estimates and sampling: configured from JavaScript, priced,
// estimated and sampled by the engine, asserted on what the capture server received.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError, SigilClient } from '../lib/index.mjs';
import { Harness } from './harness.mjs';

let h;
before(async () => { h = await Harness.start(); });
after(async () => { await h?.stop(); });
beforeEach(async () => { await h.reset(); });

function newClient(extra) {
  return new SigilClient(h.clientConfig(extra));
}

function record(c, id, model, usage) {
  const rec = c.startGeneration({ id, model });
  rec.setResult({
    input: [{ role: 'user', content: 'What is the weather in Paris?' }],
    output: [{ role: 'assistant', content: 'Sunny, 18 degrees.' }],
    ...(usage ? { usage } : {}),
  });
  assert.equal(rec.end(), undefined);
}

async function byId() {
  return Object.fromEntries((await h.generations()).map((g) => [g.id, g]));
}

test('cost from the built-in table and a prices file; unknown models counted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sigil-node-prices-'));
  const file = join(dir, 'prices.json');
  writeFileSync(file, JSON.stringify({
    version: 'team-1', models: [{ provider: 'acme', model: 'acme-large', input: 1, output: 2 }],
  }));
  const c = newClient({ pricesFile: file });
  record(c, 'g-acme', { provider: 'acme', name: 'acme-large-2025' }, { inputTokens: 1e6, outputTokens: 1e6 });
  record(c, 'g-bedrock', { provider: 'bedrock', name: 'us.amazon.nova-pro-v1:0' }, { inputTokens: 1e6 });
  record(c, 'g-unknown', { provider: 'acme', name: 'acme-small' }, { inputTokens: 1 });
  await c.flush();
  assert.equal(c.stats().generationsUnpriced, 1);
  await c.shutdown();
  const g = await byId();
  assert.ok(Math.abs(g['g-acme'].metadata['sigil.cost.usd.total'] - 3) < 1e-9);
  assert.equal(g['g-acme'].metadata['sigil.cost.price_table_version'], '2026-12-01+team-1');
  assert.ok(Math.abs(g['g-bedrock'].metadata['sigil.cost.usd.input'] - 0.8) < 1e-9);
  assert.equal(g['g-unknown'].metadata['sigil.cost.usd.total'], undefined);
});

test('estimates are marked; sampling stamps and strips', async () => {
  const c = newClient({ contentSampleRate: 0 });
  record(c, 'g-est', { provider: 'openai', name: 'gpt-4o-mini' });
  await c.shutdown();
  const meta = (await byId())['g-est'].metadata;
  assert.equal(meta['sigil.usage.estimated'], true);
  assert.equal(meta['sigil.usage.estimated.input_tokens'], 8);
  assert.equal(meta['sigil.cost.estimated'], true);
  assert.equal(meta['sigil.sampling.content'], false);
  assert.equal(meta['sigil.sdk.content_capture_mode'], 'metadata_only');

  const off = newClient({ exportSampleRate: 0, tokenEstimates: false });
  record(off, 'g-off', { provider: 'openai', name: 'gpt-4o' });
  await off.flush();
  assert.equal(off.stats().generationsExportSampledOut, 1);
  assert.equal(off.stats().generationsEnqueued, 0);
  await off.shutdown();
});

test('bad tables and rates are configuration errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sigil-node-bad-prices-'));
  const file = join(dir, 'prices.json');
  writeFileSync(file, '{"version": "1", "models": [{"provider": "a", "model": "m", "input": 1}]}');
  assert.throws(() => newClient({ pricesFile: file }), (e) => e instanceof ConfigError && /output: missing/.test(e.message));
  assert.throws(() => newClient({ exportSampleRate: 2 }), ConfigError);
  assert.throws(() => newClient({ contentSampleRate: Number.NaN }), ConfigError);
});
