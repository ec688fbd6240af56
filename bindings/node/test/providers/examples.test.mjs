// examples/node/openai.mjs runs; and the reference JS SDK's provider
// documentation examples run against ours with only the import path changed.
// They are read at test time from
// $SIGIL_REFERENCE_REPO (default /work/.mirror/grafana+sigil/repo, a git
// directory) and never kept in this tree; without it the test is skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { Reply } from './fake_provider.mjs';
import { referenceDoc, runExample, useServers } from './support.mjs';

const docs = {
  openai: referenceDoc('sdks/js/docs/providers/openai.md'),
  anthropic: referenceDoc('sdks/js/docs/providers/anthropic.md'),
  gemini: referenceDoc('sdks/js/docs/providers/gemini.md'),
};

let harness;
let fake;
useServers((s) => ({ harness, fake } = s));

/**
 * The examples as one module: `prelude` for what the document assumes without
 * defining it, the first block as written (its imports, the package name the
 * only change), each later block in its own scope, then `epilogue`.
 */
function program(markdown, prelude, epilogue) {
  const blocks = [...markdown.matchAll(/```(?:ts|js|typescript|javascript)\n([\s\S]*?)```/g)]
    .map((m) => m[1])
    .filter((b) => !/^\s*\{\s*rawArtifacts/.test(b)); // an options fragment, not a program
  const [first, ...rest] = blocks;
  const imported = first.replace(/(['"])@grafana\/sigil-sdk-js\1/g, "'sigil-sdk'");
  assert.notEqual(imported, first, 'the first example imports the reference package');
  return [prelude, imported, ...rest.map((b) => `{\n${b}\n}`), epilogue].join('\n');
}

test('the reference OpenAI provider examples run with only the import path changed',
  { skip: docs.openai === undefined && 'no reference repository' }, async () => {
    fake.reply('/chat/completions', Reply.sse('openai.chat/stream_text.jsonl'));
    fake.reply('/responses', Reply.json('openai.responses/response.json'));
    fake.reply('/embeddings', Reply.json('openai.embeddings/response.json'));
    await runExample(harness, 'openai', program(docs.openai, '', 'await sigil.shutdown();'),
      { OPENAI_BASE_URL: `${fake.url}/v1`, OPENAI_API_KEY: 'test' });
    const gens = await harness.generations();
    assert.equal(gens.length, 3, 'responses wrapper, chat stream wrapper, manual recorder');
    assert.ok(gens.some((g) => g.mode === 'GENERATION_MODE_STREAM' && g.output?.[0]?.parts?.[0]?.text));
    const manual = gens.find((g) => g.conversation_id === 'conv-1');
    assert.equal(manual?.agent_name, 'assistant');
    assert.ok(fake.requests.some((q) => q.path.endsWith('/embeddings')));
  });

test('the reference Anthropic provider examples run with only the import path changed',
  { skip: docs.anthropic === undefined && 'no reference repository' }, async () => {
    fake.reply('/v1/messages', Reply.json('anthropic.messages/response.json'));
    // The document uses `provider` and `request` without defining them.
    const prelude = `import Anthropic from '@anthropic-ai/sdk';
const provider = new Anthropic({ maxRetries: 0 });
const request = { model: 'claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'Hello' }] };`;
    await runExample(harness, 'anthropic', program(docs.anthropic, prelude, 'await client.shutdown();'),
      { ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: 'test' });
    const gens = await harness.generations();
    assert.equal(gens.length, 2, 'wrapper, explicit flow');
    assert.ok(gens.every((g) => g.model.provider === 'anthropic' && g.stop_reason === 'tool_use'));
  });

test('the reference Gemini provider examples run with only the import path changed',
  { skip: docs.gemini === undefined && 'no reference repository' }, async () => {
    fake.reply(':generateContent', Reply.json('gemini.generate_content/response.json'));
    fake.reply(':batchEmbedContents', Reply.json('gemini.embed_content/response_batch.json'));
    // The document uses `provider` without defining it.
    const prelude = `import { GoogleGenAI } from '@google/genai';
const provider = new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: process.env.FAKE_PROVIDER_URL } });`;
    await runExample(harness, 'gemini', program(docs.gemini, prelude, 'await client.shutdown();'),
      { FAKE_PROVIDER_URL: fake.url });
    const gens = await harness.generations();
    assert.equal(gens.length, 2, 'wrapper, explicit flow');
    assert.ok(gens.every((g) => g.model.provider === 'gemini' && g.stop_reason === 'STOP'));
    assert.ok(fake.requests.some((q) => q.path.includes(':batchEmbedContents')));
  });

test('examples/node/openai.mjs runs against the harness and its own fake provider', async () => {
  await harness.reset();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SIGIL_|OTEL_|OPENAI_)/.test(k)));
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('../../../../examples/node/openai.mjs', import.meta.url))], {
    env: { ...env, SIGIL_PROTOCOL: 'http', SIGIL_ENDPOINT: `http://127.0.0.1:${harness.ports.http}` },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `the example failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /assistant: Paris/);
  assert.match(r.stdout, /generations: 2 enqueued, 2 exported/);
  const gens = await harness.generations();
  assert.deepEqual(gens.map((g) => g.mode).sort(), ['GENERATION_MODE_STREAM', 'GENERATION_MODE_SYNC']);
  assert.ok(gens.every((g) => g.conversation_id === 'conv-openai-example' && g.agent_name === 'travel-assistant'));
});

test('examples/node/anthropic.mjs runs against the harness and its own fake provider', async () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SIGIL_|OTEL_|ANTHROPIC_)/.test(k)));
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('../../../../examples/node/anthropic.mjs', import.meta.url))], {
    env: { ...env, SIGIL_PROTOCOL: 'http', SIGIL_ENDPOINT: `http://127.0.0.1:${harness.ports.http}` },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `the example failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /Checking now\.\ntool call: get_weather\(\{"city":"Lisbon"\}\)/);
  assert.match(r.stdout, /generations: 1 enqueued, 1 exported/);
  const [g] = await harness.generations();
  assert.equal(g.conversation_id, 'conv-anthropic-example');
  assert.equal(g.agent_name, 'weather-agent');
  assert.equal(g.mode, 'GENERATION_MODE_STREAM');
});

test('examples/node/gemini.mjs runs against the harness and its own fake provider', async () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SIGIL_|OTEL_|GEMINI_|GOOGLE_)/.test(k)));
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('../../../../examples/node/gemini.mjs', import.meta.url))], {
    env: { ...env, SIGIL_PROTOCOL: 'http', SIGIL_ENDPOINT: `http://127.0.0.1:${harness.ports.http}` },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `the example failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /streamed: It is a Monstera\./);
  assert.match(r.stdout, /generations: 2 enqueued, 2 exported/);
  const gens = await harness.generations();
  assert.deepEqual(gens.map((g) => g.mode).sort(), ['GENERATION_MODE_STREAM', 'GENERATION_MODE_SYNC']);
  assert.ok(gens.every((g) => g.conversation_id === 'conv-gemini-example' && g.agent_name === 'botanist'));
});

test('examples/node/bedrock.mjs runs against the harness and its own fake provider', async () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SIGIL_|OTEL_|BEDROCK_|AWS_)/.test(k)));
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('../../../../examples/node/bedrock.mjs', import.meta.url))], {
    env: { ...env, SIGIL_PROTOCOL: 'http', SIGIL_ENDPOINT: `http://127.0.0.1:${harness.ports.http}` },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `the example failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /stop reason: tool_use\nstreamed: Running df\./);
  assert.match(r.stdout, /generations: 2 enqueued, 2 exported/);
  const gens = await harness.generations();
  assert.deepEqual(gens.map((g) => g.mode).sort(), ['GENERATION_MODE_STREAM', 'GENERATION_MODE_SYNC']);
  assert.ok(gens.every((g) => g.conversation_id === 'conv-bedrock-example' && g.agent_name === 'ops-agent'));
});
