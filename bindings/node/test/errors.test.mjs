// Errors: engine statuses become Error subclasses carrying the canonical
// names; recording never throws, the callback form does as the reference does.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  AlreadyEndedError,
  ClientShutdownError,
  ConfigError,
  EnqueueError,
  InvalidArgumentError,
  PayloadTooLargeError,
  QueueFullError,
  SigilClient,
  SigilError,
  ValidationError,
  validateGeneration,
} from '../lib/index.mjs';
import { Harness } from './harness.mjs';

let h;
before(async () => { h = await Harness.start(); });
after(async () => { await h?.stop(); });
beforeEach(async () => { await h.reset(); });

const MODEL = { provider: 'openai', name: 'gpt-5' };

function newClient(extra = {}) {
  return new SigilClient({
    useEnvironment: false,
    generationExport: { protocol: 'http', endpoint: h.httpEndpoint, ...extra },
  });
}

test('an invalid generation is a ValidationError named ValidationFailed, and is not exported', async () => {
  const c = newClient();
  const rec = c.startGeneration({ id: 'g-invalid' }); // no model
  const err = rec.end();
  assert.ok(err instanceof ValidationError);
  assert.ok(err instanceof SigilError);
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'ValidationFailed');
  assert.equal(err.code, 'SIGIL_E_VALIDATION');
  assert.equal(err.status, 2);
  assert.match(err.message, /model\.provider/);
  assert.equal(rec.getError(), err);
  assert.match(String(err), /^ValidationFailed: /);

  const again = rec.end();
  assert.ok(again instanceof AlreadyEndedError);
  assert.equal(again.name, 'AlreadyEnded');
  assert.equal(rec.getError(), err, 'a second end() does not replace the error');
  assert.equal(c.stats().validationFailures, 1);
  await c.shutdown();
  assert.equal((await h.generations()).length, 0);
});

test('a provider failure is not a local error; it is exported with call_error', async () => {
  const c = newClient();
  const rec = c.startGeneration({ id: 'g-call-error', model: MODEL });
  rec.setCallError(Object.assign(new Error('rate limited'), { status: 429 }));
  assert.equal(rec.end(), undefined);
  await c.shutdown();
  const [g] = await h.generations();
  assert.equal(g.call_error, 'rate limited');
  assert.equal(g.metadata.call_error, 'rate limited');
});

test('strings that are not valid UTF-8 (lone surrogates) are reported with their path, never sent', async () => {
  const c = newClient();
  const rec = c.startGeneration({ id: 'g-utf8', model: MODEL });
  const early = rec.setResult({ output: [{ role: 'assistant', content: `Hello \ud800 world ${'x'.repeat(200)}` }] });
  assert.equal(early?.name, 'InvalidUTF8');
  const err = rec.end();
  assert.equal(err.name, 'InvalidUTF8');
  assert.match(err.message, /output\[0\]\.parts\[0\]\.text/);

  const start = c.startGeneration({ id: 'g-utf8-start', conversationId: 'bad \udfff', model: MODEL });
  assert.match(start.end().message, /conversation_id/);
  const tags = c.startGeneration({ id: 'g-utf8-tags', model: MODEL, metadata: { note: 'x\ud800' } });
  assert.equal(tags.end().name, 'InvalidUTF8');

  const ok = c.startGeneration({ id: 'g-utf8-ok', model: MODEL });
  ok.setResult({ output: [{ role: 'assistant', content: 'Grüße 👋 — 你好' }] });
  assert.equal(ok.end(), undefined);
  await c.shutdown();
  const gens = await h.generations();
  assert.deepEqual(gens.map((g) => g.id), ['g-utf8-ok']);
  assert.equal(gens[0].output[0].parts[0].text, 'Grüße 👋 — 你好');
});

test('a result that cannot be serialized is reported, and the generation is not exported', async () => {
  const c = newClient();
  const circular = {};
  circular.self = circular;
  const rec = c.startGeneration({ id: 'g-circular', model: MODEL });
  const err = rec.setResult({ metadata: circular });
  assert.ok(err instanceof ValidationError);
  assert.match(rec.end().message, /cannot be serialized/);
  await c.shutdown();
  assert.equal((await h.generations()).length, 0);
});

test('after shutdown: starting does not throw, end() and flush() report ClientShutdown', async () => {
  const c = newClient();
  await c.shutdown();
  await c.shutdown(); // idempotent
  const rec = c.startGeneration({ model: MODEL });
  const err = rec.end();
  assert.ok(err instanceof ClientShutdownError);
  assert.ok(err instanceof EnqueueError);
  assert.equal(err.name, 'ClientShutdown');
  assert.equal(c.startToolExecution({ toolName: 'x' }).end()?.name, 'ClientShutdown');
  await assert.rejects(c.flush(), (e) => e instanceof ClientShutdownError);
  await assert.rejects(
    c.submitConversationRating('conv', { ratingId: 'r', rating: 'CONVERSATION_RATING_VALUE_GOOD' }),
    { name: 'ClientShutdown' },
  );
});

test('a full queue drops the record with QueueFull; an oversized one with PayloadTooLarge', async () => {
  await h.stall('http', 2000);
  const c = newClient({ queueSize: 1, batchSize: 100, flushIntervalMs: 60_000, payloadMaxBytes: 2048 });
  try {
    assert.equal(c.startGeneration({ id: 'g1', model: MODEL }).end(), undefined);
    const full = c.startGeneration({ id: 'g2', model: MODEL }).end();
    assert.ok(full instanceof QueueFullError);
    assert.equal(full.name, 'QueueFull');
    const big = c.startGeneration({ id: 'g3', model: MODEL });
    big.setResult({ output: [{ role: 'assistant', content: 'x'.repeat(4096) }] });
    const tooLarge = big.end();
    assert.ok(tooLarge instanceof PayloadTooLargeError);
    assert.equal(tooLarge.name, 'PayloadTooLarge');
    assert.equal(c.stats().droppedQueueFull, 1);
  } finally {
    await h.stall('http', 0);
    await c.shutdown();
  }
});

test('an invalid configuration throws a ConfigError named InvalidConfig', async () => {
  assert.throws(() => new SigilClient({ generationExport: { protocol: 'carrier-pigeon' } }),
    (e) => e instanceof ConfigError && e.name === 'InvalidConfig');
  assert.throws(() => new SigilClient({ useEnvironment: false, generationExport: { auth: { mode: 'tenant' } } }),
    (e) => e instanceof ConfigError && e.code === 'SIGIL_E_CONFIG');
  process.env.SIGIL_PROTOCOL = 'carrier-pigeon';
  try {
    assert.throws(() => new SigilClient(), (e) => e.name === 'InvalidConfig' && /SIGIL_PROTOCOL/.test(e.message));
    // without the environment the same client is fine
    const c = new SigilClient({ useEnvironment: false, generationExport: { protocol: 'none' } });
    void c.shutdown();
    // the protocol given in code wins over the invalid variable, which is
    // ignored with a warning through the logger
    const warnings = [];
    const logger = { debug() {}, info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
    const d = new SigilClient({ logger, generationExport: { protocol: 'none' } });
    // log lines reach the logger on the event loop
    for (let i = 0; i < 200 && warnings.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await d.shutdown();
    assert.ok(warnings.some((m) => /ignoring invalid SIGIL_PROTOCOL "carrier-pigeon"/.test(m)), warnings.join('\n'));
  } finally {
    delete process.env.SIGIL_PROTOCOL;
  }
  assert.throws(() => new SigilClient({ generationExporter: {} }), ConfigError);
});

test('TLS files that cannot be read are a ConfigError naming the option', () => {
  const base = { useEnvironment: false, generationExport: { protocol: 'none' } };
  assert.throws(() => new SigilClient({ ...base, generationExport: { protocol: 'none', caFile: '/nonexistent/ca.pem' } }),
    (e) => e instanceof ConfigError && /CA file option "\/nonexistent\/ca.pem"/.test(e.message));
  assert.throws(() => new SigilClient({ ...base, generationExport: { protocol: 'none', clientKey: '/dev/null' } }),
    (e) => e instanceof ConfigError && /without a client certificate/.test(e.message));
  assert.throws(() => new SigilClient({
    ...base, otlp: { endpoint: 'http://127.0.0.1:1', certificate: '/nonexistent/otlp.pem' },
  }), (e) => e instanceof ConfigError && /OTLP certificate option/.test(e.message));
});

test('the callback form records a thrown error as the call error and rethrows it', async () => {
  const c = newClient();
  const boom = Object.assign(new Error('upstream 503'), { statusCode: 503 });
  await assert.rejects(c.startGeneration({ id: 'g-throws', model: MODEL }, async () => { throw boom; }), (e) => e === boom);
  // ... and throws the recorder's local error when the callback succeeded
  await assert.rejects(c.startGeneration({ id: 'g-invalid-cb' }, async () => 'ok'), { name: 'ValidationFailed' });
  await c.shutdown();
  const [g] = await h.generations();
  assert.equal(g.id, 'g-throws');
  assert.equal(g.call_error, 'upstream 503');
});

test('tool recorders report a tool failure through getError, not end', async () => {
  const c = newClient();
  const t = c.startToolExecution({ toolName: 'flaky' });
  t.setCallError(new Error('tool exploded'));
  assert.equal(t.end(), undefined);
  assert.equal(t.getError()?.message, 'tool exploded');
  assert.equal(t.end()?.name, 'AlreadyEnded');
  const blank = c.startToolExecution({ toolName: '  ' }); // records nothing
  assert.equal(blank.end(), undefined);
  await c.shutdown();
});

test('validateGeneration applies the rules end() applies', () => {
  assert.equal(validateGeneration({ model: MODEL, output: [{ role: 'assistant', content: 'ok' }] }), undefined);
  const err = validateGeneration({ model: MODEL, input: [{ role: 'user', parts: [] }] });
  assert.equal(err.name, 'ValidationFailed');
  assert.match(err.message, /input\[0\]\.parts/);
});

test('a string holding a NUL is refused, not cut at it (C strings end there)', async () => {
  const c = newClient();
  await assert.rejects(
    c.submitConversationRating('victim\0x', { ratingId: 'r1', rating: 'CONVERSATION_RATING_VALUE_GOOD' }),
    (e) => e instanceof InvalidArgumentError && /conversation rating/.test(e.message) && /NUL/.test(e.message),
  );
  assert.equal((await h.captures('ratings')).length, 0);
  // Recording never throws: end() reports it, and the generation is not exported.
  const rec = c.startGeneration({ id: 'g-nul', conversationId: 'victim\0x', model: MODEL });
  rec.setResult({ output: [{ role: 'assistant', content: 'ok' }] });
  const err = rec.end();
  assert.ok(err instanceof InvalidArgumentError, String(err));
  assert.match(err.message, /generation start/);
  assert.ok(c.startToolExecution({ toolName: 'look\0up' }).end() instanceof InvalidArgumentError);
  const emb = c.startEmbedding({ model: MODEL });
  assert.ok(emb.setResult({ inputCount: 1, inputTexts: ['a\0b'] }) instanceof InvalidArgumentError);
  assert.ok(emb.end() instanceof InvalidArgumentError);
  assert.throws(() => newClient({ headers: { 'X-Token': 'a\0b' } }), InvalidArgumentError);
  await c.shutdown();
  assert.equal((await h.generations()).length, 0);
});

test('negative counts and non-finite parameters fail validation', async () => {
  const c = newClient();
  const cases = [
    [{ temperature: NaN }, undefined, /temperature/],
    [{ topP: Infinity }, undefined, /top_p/],
    [{ maxTokens: -1 }, undefined, /max_tokens/],
    [{}, { usage: { inputTokens: -4 } }, /usage\.input_tokens/],
  ];
  for (const [start, result, field] of cases) {
    const rec = c.startGeneration({ model: MODEL, ...start });
    if (result) rec.setResult(result);
    const err = rec.end();
    assert.ok(err instanceof ValidationError, `${JSON.stringify(start)}: ${err}`);
    assert.match(err.message, field);
  }
  await c.shutdown();
  assert.equal((await h.generations()).length, 0);
});
