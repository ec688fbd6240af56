// The spool mode reaches the engine: with the backend down, a write-ahead
// generation is in the spool when end() returns; a fallback one waits in
// memory. An unknown mode, and write-ahead without a directory, are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';

import { ConfigError, SigilClient } from '../lib/index.mjs';

async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function spoolText(dir) {
  return readdirSync(dir).filter((n) => n.endsWith('.sgs'))
    .map((n) => readFileSync(`${dir}/${n}`).toString('latin1')).join('');
}

for (const [mode, inSpool] of [['write_ahead', true], ['fallback', false]]) {
  test(`spool mode ${mode}: the generation is ${inSpool ? '' : 'not '}in the spool when end() returns`, async (t) => {
    const root = mkdtempSync(`${tmpdir()}/sigil-node-mode-`);
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const dir = `${root}/spool`;
    const c = new SigilClient({
      useEnvironment: false,
      spool: { dir, mode, sync: 'batch' },
      generationExport: { protocol: 'http', endpoint: `http://127.0.0.1:${await closedPort()}`, maxRetries: 50 },
    });
    const id = `gen-node-${mode}`;
    assert.equal(c.startGeneration({ id, model: { provider: 'openai', name: 'gpt-5' } }).end(), undefined);
    assert.equal(spoolText(dir).includes(id), inSpool);
    await c.shutdown(1).catch(() => {});
  });
}

test('an unknown spool mode and write-ahead without a directory are refused', () => {
  assert.throws(() => new SigilClient({ useEnvironment: false, spool: { dir: tmpdir(), mode: 'sometimes' } }),
    ConfigError);
  assert.throws(() => new SigilClient({ useEnvironment: false, spool: { mode: 'write_ahead' },
    generationExport: { protocol: 'http', endpoint: 'http://127.0.0.1:1' } }), /spool directory/);
});

test('spans the collector missed are spooled, not dropped, and stats() says so', async (t) => {
  const root = mkdtempSync(`${tmpdir()}/sigil-node-otlp-`);
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = `${root}/spool`;
  const c = new SigilClient({
    useEnvironment: false,
    spool: { dir },
    generationExport: { protocol: 'http', endpoint: `http://127.0.0.1:${await closedPort()}`, maxRetries: 0 },
    otlp: { endpoint: `http://127.0.0.1:${await closedPort()}` },
  });
  for (const id of ['gen-node-otlp-1', 'gen-node-otlp-2']) {
    c.startGeneration({ id, model: { provider: 'openai', name: 'gpt-5' } }).end();
  }
  await c.shutdown(10000).catch(() => {});
  const s = c.stats();
  assert.deepEqual([s.spansSpooled, s.spansDropped, s.spansExported], [2, 0, 0]);
  assert.equal(s.metricExportsSpooled, 1);
  assert.ok(spoolText(dir).includes('spans:2:'));
});
