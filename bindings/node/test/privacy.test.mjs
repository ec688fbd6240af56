// Content capture, redaction and the sanitizer: configured from JavaScript,
// applied by the engine before anything leaves the process.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  ConfigError, SigilClient, conversationIdFromContext, contentCaptureModeFromContext, withContentCaptureMode,
  withConversationId,
} from '../lib/index.mjs';
import { Harness } from './harness.mjs';

let h;
before(async () => { h = await Harness.start(); });
after(async () => { await h?.stop(); });
beforeEach(async () => { await h.reset(); });

const MODEL = { provider: 'openai', name: 'gpt-5' };
const TEXT = 'Paris is lovely. Write to bob@example.com.';

function newClient(extra) {
  return new SigilClient(h.clientConfig(extra));
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

async function spans() {
  return (await h.captures('otlp_traces')).flatMap((c) => c.spans);
}

/** Tool name -> its span's gen_ai.tool.call.arguments (undefined when absent). */
async function toolArgs() {
  return Object.fromEntries((await spans()).filter((s) => s.name.startsWith('execute_tool '))
    .map((s) => [s.name.slice('execute_tool '.length), s.attributes['gen_ai.tool.call.arguments']]));
}

function runTool(c, toolName, start = {}) {
  const t = c.startToolExecution({ toolName, includeContent: true, ...start });
  t.setResult({ arguments: { city: 'Paris' }, result: 'sunny' });
  assert.equal(t.end(), undefined);
}

const SECRET = 'launch code 0000';

test('metadata_only: no content leaves on exports, spans or ratings', async () => {
  const c = newClient({ contentCapture: 'metadata_only', embeddingCapture: { captureInput: true } });
  const rec = c.startGeneration({
    id: 'g-mo', model: MODEL, conversationTitle: `Title ${SECRET}`, systemPrompt: `System ${SECRET}`,
    tools: [{ name: 'lookup', description: `Desc ${SECRET}` }],
  });
  rec.setResult({
    input: [{ role: 'user', content: `User ${SECRET}` }],
    output: [{ role: 'assistant', parts: [{ type: 'thinking', thinking: `Think ${SECRET}` },
      { type: 'tool_call', toolCall: { id: 'c1', name: 'lookup', inputJSON: JSON.stringify({ q: SECRET }) } }] }],
  });
  rec.setCallError(new Error(`provider said ${SECRET}`));
  rec.end();
  runTool(c, 'mo-tool', { conversationTitle: `Tool title ${SECRET}`, toolDescription: `Tool desc ${SECRET}` });
  const e = c.startEmbedding({ model: { provider: 'openai', name: 'te3' } });
  e.setResult({ inputCount: 1, inputTexts: [`Embed ${SECRET}`] });
  e.end();
  await c.submitConversationRating('conv-mo', {
    ratingId: 'r-mo', rating: 'CONVERSATION_RATING_VALUE_BAD', comment: `Comment ${SECRET}`,
  });
  await c.shutdown();
  const gens = await h.generations();
  assert.equal(gens[0].metadata['sigil.sdk.content_capture_mode'], 'metadata_only');
  for (const [what, data] of [['export', gens], ['spans', await spans()], ['ratings', await h.captures('ratings')]]) {
    assert.ok(!JSON.stringify(data).includes('launch code'), `${what} leaks content: ${JSON.stringify(data)}`);
  }
  assert.ok((await spans()).some((s) => s.name === 'execute_tool mo-tool'));
});

test('the resolver runs in the async context of the call, ratings included', async () => {
  const seen = [];
  const c = newClient({
    contentCaptureResolver: (metadata, kind) => {
      seen.push([kind, conversationIdFromContext(), metadata]);
      return conversationIdFromContext() === 'conv-private' ? 'metadata_only' : undefined;
    },
  });
  await withConversationId('conv-private', async () => {
    record(c, 'g-private');
    await new Promise((resolve) => setTimeout(resolve, 1)); // across an await, too
    await c.submitConversationRating('conv-private', {
      ratingId: 'r-private', rating: 'CONVERSATION_RATING_VALUE_GOOD', comment: 'secret praise', metadata: { k: 'v' },
    });
  });
  withConversationId('conv-open', () => {
    record(c, 'g-open');
    const e = c.startEmbedding({ model: { provider: 'openai', name: 'te3' } });
    e.setResult({ inputCount: 1 });
    e.end();
  });
  await c.shutdown();
  assert.deepEqual(seen, [
    ['generation', 'conv-private', undefined],
    ['rating', 'conv-private', { k: 'v' }],
    ['generation', 'conv-open', undefined],
    ['embedding', 'conv-open', undefined],
  ]);
  const g = await byId();
  assert.equal(g['g-private'].metadata['sigil.sdk.content_capture_mode'], 'metadata_only');
  assert.equal(g['g-open'].metadata['sigil.sdk.content_capture_mode'], 'no_tool_content');
  const [rating] = await h.captures('ratings');
  assert.equal(rating.json.comment, undefined, 'metadata_only drops the rating comment');
});

test('a resolver that throws for a rating fails closed', async () => {
  const c = newClient({ contentCaptureResolver: () => { throw new Error('policy service down'); } });
  await c.submitConversationRating('conv-x', {
    ratingId: 'r-x', rating: 'CONVERSATION_RATING_VALUE_GOOD', comment: 'private words',
  });
  await c.shutdown();
  const [rating] = await h.captures('ratings');
  assert.equal(rating.json.comment, undefined);
});

test('tool executions in a generation callback follow its mode; withContentCaptureMode scopes', async () => {
  const c = newClient({ contentCapture: 'full', embeddingCapture: { captureInput: true } });
  await c.startGeneration({ id: 'g-cb', model: MODEL, contentCapture: 'metadata_only' }, async (rec) => {
    assert.equal(rec.contentCaptureMode, 'metadata_only');
    assert.equal(contentCaptureModeFromContext(), 'metadata_only');
    await new Promise((resolve) => setTimeout(resolve, 1));
    runTool(c, 'inside');
    runTool(c, 'own-mode', { contentCapture: 'full' });
  });
  runTool(c, 'after');
  withContentCaptureMode('metadata_only', () => {
    record(c, 'g-scoped');
    runTool(c, 'scoped');
    const e = c.startEmbedding({ model: { provider: 'openai', name: 'te3' } });
    e.setResult({ inputCount: 1, inputTexts: ['embed me'] });
    e.end();
    record(c, 'g-scoped-own', { contentCapture: 'full' });
  });
  await c.shutdown();
  const args = await toolArgs();
  assert.equal(args.inside, undefined);
  assert.deepEqual(JSON.parse(args['own-mode']), { city: 'Paris' });
  assert.deepEqual(JSON.parse(args.after), { city: 'Paris' });
  assert.equal(args.scoped, undefined);
  const g = await byId();
  assert.equal(g['g-scoped'].metadata['sigil.sdk.content_capture_mode'], 'metadata_only');
  assert.equal(g['g-scoped-own'].metadata['sigil.sdk.content_capture_mode'], 'full');
  const emb = (await spans()).find((s) => s.name === 'embeddings te3');
  assert.deepEqual(emb.attributes['gen_ai.embeddings.input_texts'], ['embed me'], 'embeddings ignore the scope');
});

test('the sanitizer sees rating metadata; a throw there fails closed', async () => {
  const c = newClient({
    sanitizer: (value, path) => {
      if (path === 'rating.metadata.bad') throw new Error('bug');
      return value.includes('ACCT-42') ? value.replaceAll('ACCT-42', '[ACCOUNT]') : undefined;
    },
  });
  await c.submitConversationRating('conv-s', {
    ratingId: 'r-s', rating: 'CONVERSATION_RATING_VALUE_GOOD', comment: 'fixed ACCT-42',
    metadata: { account: 'ACCT-42', bad: 'x', by: 'jane@example.com', n: 3 },
  });
  await c.shutdown();
  const [sent] = await h.captures('ratings');
  assert.equal(sent.json.comment, 'fixed [ACCOUNT]');
  assert.deepEqual(sent.json.metadata,
    { account: '[ACCOUNT]', bad: '[REDACTED:sanitizer_error]', by: '[REDACTED:email]', n: 3 });
});

test('field, embedding and payload limits; cut JSON fields stay JSON', async () => {
  const c = newClient({
    contentCapture: 'full', maxFieldBytes: 64, embeddingCapture: { captureInput: true, maxInputItems: 2, maxTextLength: 5 },
    generationExport: { payloadMaxBytes: 4096 },
  });
  const args = { city: 'Paris', notes: 'n'.repeat(300) };
  const rec = c.startGeneration({ id: 'g-json', model: MODEL });
  rec.setResult({
    input: [{ role: 'user', content: 'x'.repeat(500) }],
    output: [{ role: 'assistant', parts: [{ type: 'tool_call', toolCall: { id: 'c1', name: 'lookup', inputJSON: JSON.stringify(args) } }] }],
  });
  assert.equal(rec.end(), undefined);
  const t = c.startToolExecution({ toolName: 'long' });
  t.setResult({ arguments: args, result: 'r'.repeat(300) });
  t.end();
  const e = c.startEmbedding({ model: { provider: 'openai', name: 'te3' } });
  e.setResult({ inputCount: 3, inputTexts: ['first text', 'second', 'third'] });
  e.end();
  const big = c.startGeneration({ id: 'g-big', model: MODEL, maxTokens: 1 });
  big.setResult({ output: [{ role: 'assistant', content: 'ok' }], metadata: { blob: 'b'.repeat(10_000) } });
  assert.equal(big.end()?.name, 'PayloadTooLarge');
  await c.shutdown();
  const g = (await byId())['g-json'];
  assert.equal((await byId())['g-big'], undefined);
  const text = g.input[0].parts[0].text;
  assert.ok(Buffer.byteLength(text) <= 64 && text.endsWith('bytes]'), text);
  const sent = Buffer.from(g.output[0].parts[0].tool_call.input_json, 'base64');
  assert.ok(sent.length <= 64, sent.toString());
  const cut = JSON.parse(sent.toString()); // still JSON: a string holding the cut text and the marker
  assert.ok(cut.startsWith('{"city":"Paris"') && cut.includes('[truncated'), cut);
  const all = await spans();
  const tool = all.find((s) => s.name === 'execute_tool long');
  for (const key of ['gen_ai.tool.call.arguments', 'gen_ai.tool.call.result']) {
    const v = tool.attributes[key];
    assert.ok(Buffer.byteLength(v) <= 64, v);
    assert.ok(JSON.parse(v).includes('[truncated'), v);
  }
  const emb = all.find((s) => s.name === 'embeddings te3');
  assert.deepEqual(emb.attributes['gen_ai.embeddings.input_texts'], ['fi...', 'se...']);
});

test('redaction can be turned off; the resolved mode is readable', async () => {
  const c = newClient({ redaction: 'none' });
  const rec = c.startGeneration({ id: 'g-plain', model: MODEL });
  assert.equal(rec.contentCaptureMode, 'no_tool_content');
  rec.setResult({ input: [{ role: 'user', content: 'Where?' }], output: [{ role: 'assistant', content: TEXT }] });
  rec.end();
  assert.equal(rec.contentCaptureMode, 'no_tool_content', 'still readable after end()');
  await c.shutdown();
  assert.equal((await byId())['g-plain'].output[0].parts[0].text, TEXT);
});
