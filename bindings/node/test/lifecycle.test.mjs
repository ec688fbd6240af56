// flush(), shutdown() and ratings run off the event loop; ratings map the
// server's answers; the logger gets background diagnostics; clients and
// recorders left open are taken care of at exit and by the garbage collector.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  RatingConflictError,
  SigilClient,
  TimeoutError,
  ValidationError,
} from '../lib/index.mjs';
import { Harness } from './harness.mjs';

const index = fileURLToPath(new URL('../lib/index.js', import.meta.url));

let h;
before(async () => { h = await Harness.start(); });
after(async () => { await h?.stop(); });
beforeEach(async () => { await h.reset(); });

const MODEL = { provider: 'openai', name: 'gpt-5' };

function newClient(extra = {}, more = {}) {
  return new SigilClient({
    useEnvironment: false,
    generationExport: { protocol: 'http', endpoint: h.httpEndpoint, flushIntervalMs: 60_000, ...extra },
    api: { endpoint: h.apiEndpoint },
    ...more,
  });
}

/** Runs `promise` while counting 10 ms timer ticks: a blocked event loop gets none. */
async function ticksDuring(promise) {
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 10);
  const t0 = Date.now();
  try {
    const value = await promise;
    return { value, ticks, ms: Date.now() - t0 };
  } finally {
    clearInterval(timer);
  }
}

test('flush() waits for a slow server without blocking the event loop', async () => {
  const c = newClient();
  c.startGeneration({ id: 'g-slow', model: MODEL }).end();
  await h.stall('http', 800);
  const { ticks, ms } = await ticksDuring(c.flush());
  await h.stall('http', 0);
  assert.ok(ms >= 700, `flush returned after ${ms} ms, before the server answered`);
  assert.ok(ticks >= ms / 10 / 3, `only ${ticks} timer ticks in ${ms} ms: the event loop was blocked`);
  assert.deepEqual((await h.generations()).map((g) => g.id), ['g-slow']);
  await c.shutdown();
});

test('concurrent flush() calls share the flushes in flight and all settle', async () => {
  const c = newClient();
  c.startGeneration({ id: 'g-burst', model: MODEL }).end();
  await h.stall('http', 300);
  const flushes = Array.from({ length: 20 }, () => c.flush());
  assert.ok(new Set(flushes).size <= 2, 'at most a running and a queued flush');
  await h.stall('http', 0);
  await Promise.all(flushes);
  assert.deepEqual((await h.generations()).map((g) => g.id), ['g-burst']);
  await c.shutdown();
});

test('flush() rejects with a TimeoutError when the deadline passes', async () => {
  const c = newClient();
  c.startGeneration({ id: 'g-late', model: MODEL }).end();
  await h.stall('http', 1500);
  try {
    await assert.rejects(c.flush(200), (e) => e instanceof TimeoutError && e.name === 'Timeout');
  } finally {
    await h.stall('http', 0);
    await c.shutdown();
  }
});

test('shutdown() delivers what is queued, off the event loop, and resolves even when the deadline passes', async () => {
  const c = newClient();
  c.startGeneration({ id: 'g-queued', model: MODEL }).end();
  assert.equal(c.stats().queueItems, 1);
  await h.stall('http', 500);
  const { ticks, ms } = await ticksDuring(c.shutdown());
  await h.stall('http', 0);
  assert.ok(ticks >= ms / 10 / 3, `only ${ticks} timer ticks in ${ms} ms`);
  assert.equal(c.stats().generationsExported, 1);
  assert.equal(c.stats().queueItems, 0);

  const warnings = [];
  const late = newClient({ maxRetries: 0 }, { logger: { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) } });
  late.startGeneration({ id: 'g-dropped', model: MODEL }).end();
  await h.stall('http', 3000);
  await late.shutdown(200); // never rejects
  await h.stall('http', 0);
  const s = late.stats();
  assert.equal(s.droppedShutdownTimeout + s.generationsExported, 1);
});

test('the logger receives background export failures', async () => {
  const messages = [];
  const c = newClient({ maxRetries: 0 }, {
    logger: {
      debug: () => {},
      warn: (m) => messages.push(['warn', m]),
      error: (m) => messages.push(['error', m]),
    },
  });
  await h.script('http', [{ status: 500, body: 'boom' }]);
  c.startGeneration({ id: 'g-500', model: MODEL }).end();
  await c.flush().catch(() => {});
  for (let i = 0; i < 100 && messages.length === 0; i++) await sleep(10);
  assert.ok(messages.length > 0, 'no diagnostics arrived');
  assert.ok(messages.some(([, m]) => /500|retr|drop|export/i.test(m)), JSON.stringify(messages));
  await c.shutdown();
});

test('ratings: the stored rating and summary come back; conflicts and invalid input are errors', async () => {
  const c = newClient();
  const { value: r, ticks } = await ticksDuring((async () => {
    await h.stall('api', 300);
    try {
      return await c.submitConversationRating('conv-1', {
        ratingId: 'rat-1',
        rating: 'CONVERSATION_RATING_VALUE_GOOD',
        comment: 'Helpful',
        metadata: { channel: 'web', score: 5 },
        generationId: 'gen-1',
        raterId: 'user-7',
        source: 'sdk',
      });
    } finally {
      await h.stall('api', 0);
    }
  })());
  assert.ok(ticks >= 5, 'the rating blocked the event loop');
  assert.equal(r.rating.ratingId, 'rat-1');
  assert.equal(r.rating.conversationId, 'conv-1');
  assert.equal(r.rating.rating, 'CONVERSATION_RATING_VALUE_GOOD');
  assert.equal(r.rating.comment, 'Helpful');
  assert.deepEqual(r.rating.metadata, { channel: 'web', score: 5 });
  assert.equal(r.rating.generationId, 'gen-1');
  assert.match(r.rating.createdAt, /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual({ ...r.summary, latestRatedAt: undefined }, {
    totalCount: 1, goodCount: 1, badCount: 0, latestRating: 'CONVERSATION_RATING_VALUE_GOOD',
    latestRatedAt: undefined, latestBadAt: undefined, hasBadRating: false,
  });
  assert.match(r.summary.latestRatedAt, /^\d{4}-/);

  const bad = await c.submitConversationRating('conv-1', { ratingId: 'rat-2', rating: 'CONVERSATION_RATING_VALUE_BAD' });
  assert.equal(bad.summary.totalCount, 2);
  assert.equal(bad.summary.hasBadRating, true);
  assert.equal(bad.rating.comment, undefined);

  await assert.rejects(c.submitConversationRating('conv-1', { ratingId: '', rating: 'CONVERSATION_RATING_VALUE_GOOD' }),
    (e) => e instanceof ValidationError && e.name === 'RatingValidationFailed');
  await assert.rejects(c.submitConversationRating('conv-1', { ratingId: 'rat-3', rating: 'MEH' }),
    { name: 'RatingValidationFailed' });
  await h.script('api', [{ status: 409, body: { error: 'rating conflict' } }]);
  await assert.rejects(c.submitConversationRating('conv-1', { ratingId: 'rat-1', rating: 'CONVERSATION_RATING_VALUE_BAD' }),
    (e) => e instanceof RatingConflictError && e.name === 'RatingConflict' && /conflict/.test(e.message));
  await h.script('api', [{ status: 400, body: { error: 'nope' } }]);
  await assert.rejects(c.submitConversationRating('conv-1', { ratingId: 'rat-4', rating: 'CONVERSATION_RATING_VALUE_BAD' }),
    (e) => e instanceof ValidationError && e.name === 'Rejected');

  const odd = await c.submitConversationRating('conv 2/a', { ratingId: 'rat-5', rating: 'CONVERSATION_RATING_VALUE_GOOD' });
  assert.equal(odd.rating.conversationId, 'conv 2/a');
  const captured = await h.captures('ratings');
  assert.equal(captured.at(-1).path, '/api/v1/conversations/conv 2/a/ratings');
  await c.shutdown();
});

function runChild(code, args = []) {
  const r = spawnSync(process.execPath, [...args, '-e', code], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
}

test('a client never shut down still delivers what it queued when the process exits', async () => {
  for (const exit of ['', 'process.exit(0);']) {
    await h.reset();
    runChild(`
      const { SigilClient } = require(${JSON.stringify(index)});
      const c = new SigilClient({ useEnvironment: false,
        generationExport: { protocol: 'http', endpoint: ${JSON.stringify(h.httpEndpoint)}, flushIntervalMs: 60000 } });
      c.startGeneration({ id: 'g-exit', model: { provider: 'openai', name: 'gpt-5' } }).end();
      ${exit}`);
    assert.deepEqual((await h.generations()).map((g) => g.id), ['g-exit'], `exit: ${exit || 'end of the event loop'}`);
  }
});

test('a recorder that is never ended is ended by the garbage collector (safety net)', async () => {
  runChild(`
    const { SigilClient } = require(${JSON.stringify(index)});
    const c = new SigilClient({ useEnvironment: false,
      generationExport: { protocol: 'http', endpoint: ${JSON.stringify(h.httpEndpoint)}, flushIntervalMs: 60000 } });
    (() => { c.startGeneration({ id: 'g-forgotten', model: { provider: 'openai', name: 'gpt-5' } }); })();
    (async () => {
      for (let i = 0; i < 5; i++) { global.gc(); await new Promise((r) => setImmediate(r)); }
      await c.shutdown();
      if (c.stats().generationsExported !== 1) { console.error(c.stats()); process.exit(1); }
    })();`, ['--expose-gc']);
  assert.deepEqual((await h.generations()).map((g) => g.id), ['g-forgotten']);
});

test('with a spool, an undeliverable generation is kept on disk and replayed by the next process', async (t) => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(`${tmpdir()}/sigil-node-spool-`);
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const accepted = async () => (await h.captures('http_exports'))
    .filter((c) => c.response.status < 300).flatMap((c) => c.generations.map((g) => g.id));

  // The first process cannot deliver (503, no retries): its generation goes to the spool.
  await h.script('http', [{ status: 503 }, { status: 503 }, { status: 503 }]);
  runChild(`
    const { SigilClient } = require(${JSON.stringify(index)});
    const c = new SigilClient({ useEnvironment: false, spool: { dir: ${JSON.stringify(dir)}, sync: 'record' },
      generationExport: { protocol: 'http', endpoint: ${JSON.stringify(h.httpEndpoint)}, maxRetries: 0 } });
    c.startGeneration({ id: 'g-spooled', model: { provider: 'openai', name: 'gpt-5' } }).end();
    c.flush().catch(() => {}).then(() => c.shutdown()).then(() => {
      if (c.stats().generationsSpooled !== 1) { console.error(c.stats()); process.exit(1); }
    });`);
  assert.deepEqual(await accepted(), []);

  // The next process with the same directory replays it.

  await h.reset();
  const second = newClient({}, { spool: { dir } });
  for (let i = 0; i < 200 && (await accepted()).length === 0; i++) await sleep(25);
  await second.shutdown();
  assert.deepEqual(await accepted(), ['g-spooled']);
  assert.equal(second.stats().generationsReplayed, 1);
});
