// Content capture, redaction and the sanitizer: configured from JavaScript,
// applied by the engine before anything leaves the process.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';

import { ConfigError, SigilClient } from '../lib/index.mjs';
import { Harness } from './harness.mjs';

let h;
before(async () => { h = await Harness.start(); });
after(async () => { await h?.stop(); });
beforeEach(async () => { await h.reset(); });

const MODEL = { provider: 'openai', name: 'gpt-5' };
const TEXT = 'Paris is lovely. Write to bob@example.com.';

function newClient(extra) {
  return new SigilClient({
    useEnvironment: false,
    generationExport: { protocol: 'http', endpoint: h.httpEndpoint },
    api: { endpoint: h.apiEndpoint },
    otlp: { endpoint: h.otlpEndpoint },
    ...extra,
  });
}

function record(c, id, start = {}) {
  const rec = c.startGeneration({ id, model: MODEL, ...start });
  rec.setResult({ input: [{ role: 'user', content: 'Where?' }], output: [{ role: 'assistant', content: TEXT }] });
  assert.equal(rec.end(), undefined);
}

async function byId() {
  return Object.fromEntries((await h.generations()).map((g) => [g.id, g]));
}

test('content capture: client mode, per-record override, and the resolver', async () => {
  const seen = [];
  const c = newClient({
    contentCapture: 'metadata_only',
    contentCaptureResolver: (metadata, kind) => {
      seen.push(kind);
      return metadata?.tenant === 'open' ? 'full' : 'default';
    },
  });
  record(c, 'g-client-mode');
  record(c, 'g-override', { contentCapture: 'full' });
  record(c, 'g-resolved', { metadata: { tenant: 'open' } });
  await c.shutdown();
  const g = await byId();
  assert.equal(g['g-client-mode'].metadata['sigil.sdk.content_capture_mode'], 'metadata_only');
  assert.equal(g['g-client-mode'].output[0].parts[0].text ?? '', '');
  assert.equal(g['g-override'].metadata['sigil.sdk.content_capture_mode'], 'full');
  assert.match(g['g-override'].output[0].parts[0].text, /^Paris is lovely/);
  assert.equal(g['g-resolved'].metadata['sigil.sdk.content_capture_mode'], 'full');
  assert.ok(seen.includes('generation'));
});

test('a resolver that throws fails closed (metadata only)', async () => {
  const c = newClient({ contentCaptureResolver: () => { throw new Error('policy service down'); } });
  record(c, 'g-closed');
  await c.shutdown();
  assert.equal((await byId())['g-closed'].metadata['sigil.sdk.content_capture_mode'], 'metadata_only');
});

test('redaction and the sanitizer rewrite exported text; ratings run them off the event loop', async () => {
  const paths = new Set();
  const c = newClient({
    redaction: ['email'],
    sanitizer: (value, path) => {
      paths.add(path.replace(/\[\d+\]/g, '[]'));
      return value.includes('Paris') ? value.replaceAll('Paris', '[CITY]') : undefined;
    },
  });
  record(c, 'g-redacted');
  const rating = await c.submitConversationRating('conv-1', {
    ratingId: 'rat-1', rating: 'CONVERSATION_RATING_VALUE_GOOD', comment: 'Paris answer was right',
  });
  await c.shutdown();
  const g = (await byId())['g-redacted'];
  assert.equal(g.output[0].parts[0].text, '[CITY] is lovely. Write to [REDACTED:email].');
  assert.equal(g.input[0].parts[0].text, 'Where?');
  assert.ok(paths.has('generation.output[].parts[].text'), [...paths].join());
  const [sent] = await h.captures('ratings');
  assert.equal(sent.json.comment, '[CITY] answer was right');
  assert.equal(rating.rating.comment, '[CITY] answer was right');
});

test('a sanitizer that throws fails closed', async () => {
  const c = newClient({ sanitizer: () => { throw new Error('bug'); } });
  record(c, 'g-sanitizer-error');
  await c.shutdown();
  assert.equal((await byId())['g-sanitizer-error'].output[0].parts[0].text, '[REDACTED:sanitizer_error]');
});

test('unknown modes and categories are configuration errors', () => {
  assert.throws(() => newClient({ contentCapture: 'everything' }), ConfigError);
  assert.throws(() => newClient({ redaction: ['emails'] }), { name: 'InvalidConfig' });
});
