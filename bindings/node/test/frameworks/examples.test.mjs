// The framework examples run: examples/node/langchain.mjs and langgraph.mjs, the README's
// Frameworks example, and the reference JS SDK's framework documentation with only the import
// path changed (its TypeScript compiled to JavaScript). The reference documents are read at test
// time from $SIGIL_REFERENCE_REPO (default /work/.mirror/grafana+sigil/repo) and never kept in
// this tree; without it those tests are skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';

import { referenceDoc, runExample } from '../providers/support.mjs';
import { Reply, STREAM_TEXT, TEXT, byStart, useServers } from './support.mjs';
import { fixtureJson } from '../providers/fake_provider.mjs';

const JSON_REPLY = Reply.json('openai.chat/response_text.json');

let harness;
let fake;
useServers((s) => ({ harness, fake } = s));

const docs = {
  langchain: referenceDoc('sdks/js/docs/frameworks/langchain.md'),
  langgraph: referenceDoc('sdks/js/docs/frameworks/langgraph.md'),
  vercel: referenceDoc('sdks/js/docs/frameworks/vercel-ai-sdk.md'),
  agents: referenceDoc('sdks/js/docs/frameworks/openai-agents.md'),
};
const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

const blocks = (markdown) => [...markdown.matchAll(/```(?:ts|js|typescript|javascript)\n([\s\S]*?)```/g)].map((m) => m[1]);

/** The reference's package name replaced by ours: the one change made to a document's code. */
function ours(code) {
  const changed = code.replace(/(['"])@grafana\/sigil-sdk-js(\/[a-z-]+)?\1/g, "'sigil-sdk$2'");
  assert.notEqual(changed, code, 'the example imports the reference package');
  return changed;
}

/**
 * TypeScript to JavaScript (types dropped, nothing else changed). A name the document declares
 * twice with const in one program (its "advanced usage" handler) is declared once with let and
 * then assigned, which is what the document means and the only way it parses.
 */
function program(code) {
  let js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } })
    .outputText;
  const counts = {};
  for (const m of js.matchAll(/^const (\w+) =/gm)) counts[m[1]] = (counts[m[1]] ?? 0) + 1;
  for (const [name, n] of Object.entries(counts)) {
    if (n < 2) continue;
    let seen = 0;
    js = js.replace(new RegExp(`^const ${name} =`, 'gm'), () => (seen++ === 0 ? `let ${name} =` : `${name} =`));
  }
  return js;
}

const openaiEnv = () => ({ OPENAI_BASE_URL: `${fake.url}/v1`, OPENAI_API_KEY: 'test' });

function runFile(path) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SIGIL_|OTEL_|OPENAI_)/.test(k)));
  return spawnSync(process.execPath, [fileURLToPath(new URL(path, import.meta.url))], {
    env: { ...env, SIGIL_PROTOCOL: 'http', SIGIL_ENDPOINT: `http://127.0.0.1:${harness.ports.http}` },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

test('examples/node/langchain.mjs runs against the harness and its own fake provider', async () => {
  const r = runFile('../../../../examples/node/langchain.mjs');
  assert.equal(r.status, 0, `the example failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /generations: 2 enqueued, 2 exported/);
  const gens = await harness.generations();
  assert.equal(gens.length, 2);
  for (const g of gens) {
    assert.equal(g.conversation_id, 'conv-langchain-example');
    assert.equal(g.agent_name, 'weather-bot');
    assert.equal(g.tags['sigil.framework.name'], 'langchain');
  }
});

test('examples/node/langgraph.mjs runs against the harness and its own fake provider', async () => {
  const r = runFile('../../../../examples/node/langgraph.mjs');
  assert.equal(r.status, 0, `the example failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /generations: 3 enqueued, 3 exported/);
  const gens = await harness.generations();
  assert.equal(gens.length, 3);
  for (const g of gens) {
    assert.equal(g.conversation_id, 'trip-42');
    assert.equal(g.metadata['sigil.framework.langgraph.node'], 'agent');
  }
});

test('the README Frameworks example runs', async () => {
  fake.reply('/chat/completions', JSON_REPLY);
  const [code] = blocks(readme.split('## Frameworks')[1]);
  await runExample(harness, 'readme-frameworks', code, openaiEnv());
  const gens = await harness.generations();
  assert.equal(gens.length, 2);
  for (const g of gens) {
    assert.equal(g.conversation_id, 'conv-weather');
    assert.equal(g.agent_name, 'weather-bot');
    assert.equal(g.metadata['sigil.framework.langgraph.node'], 'agent');
    assert.deepEqual(g.model, { provider: 'openai', name: 'gpt-4o-mini' });
    assert.equal(g.output[0].parts[0].text, TEXT);
  }
  // The second invocation saw the thread the checkpointer kept.
  assert.equal(byStart(gens)[1].input.length, 3);
});

test('the reference LangChain documentation runs with only the import path changed',
  { skip: docs.langchain === undefined && 'no reference repository' }, async () => {
    const [usage, endToEnd] = blocks(docs.langchain);
    await runExample(harness, 'langchain-usage', `${program(ours(usage))}\nawait client.shutdown();`, openaiEnv());
    // invoke, stream, then the hand-wired handler's invoke
    fake.replies('/chat/completions', [JSON_REPLY, Reply.sse('openai.chat/stream_text.jsonl'), JSON_REPLY]);
    await runExample(harness, 'langchain-e2e', program(ours(endToEnd)), openaiEnv());
    const gens = byStart(await harness.generations());
    assert.deepEqual(gens.map((g) => g.mode), ['GENERATION_MODE_SYNC', 'GENERATION_MODE_STREAM', 'GENERATION_MODE_SYNC']);
    for (const g of gens) {
      assert.deepEqual(g.model, { provider: 'openai', name: 'gpt-4o-mini' });
      assert.equal(g.tags['sigil.framework.name'], 'langchain');
      assert.ok(g.output[0].parts[0].text);
    }
  });

test('the reference LangGraph documentation runs with only the import path changed',
  { skip: docs.langgraph === undefined && 'no reference repository' }, async () => {
    const [usage, endToEnd, persistent] = blocks(docs.langgraph);
    await runExample(harness, 'langgraph-usage', `${program(ours(usage))}\nawait client.shutdown();`, openaiEnv());
    fake.reply('/chat/completions', JSON_REPLY);
    // The persistent-thread block continues the end-to-end one (its graph state, model, client).
    // LangGraph.js's graph.stream() returns a promise of the stream: the document's
    // `for await (... of graph.stream(...))` needs the await it leaves out, and gets it here.
    const code = `${ours(endToEnd)}\n${persistent}`.replace(/of graph\.stream\(/, 'of await graph.stream(');
    const r = await runExample(harness, 'langgraph-e2e', program(code), openaiEnv());
    assert.match(r.stdout, /Paris: 18/);
    // Three model calls before the document shuts its client down (graph invoke, graph stream,
    // the hand-wired handler); the checkpointed thread then reuses the shut-down client, whose
    // records go nowhere, as with the reference.
    const gens = await harness.generations();
    assert.equal(gens.length, 3);
    for (const g of gens) {
      assert.equal(g.tags['sigil.framework.name'], 'langgraph');
      assert.deepEqual(g.model, { provider: 'openai', name: 'gpt-4o-mini' });
      assert.equal(g.output[0].parts[0].text, TEXT);
    }
    assert.equal(fake.requests.filter((q) => q.path.endsWith('/chat/completions')).length, 5);
  });

test('examples/node/vercel-ai-sdk.mjs runs against the harness and its own fake provider', async () => {
  const r = runFile('../../../../examples/node/vercel-ai-sdk.mjs');
  assert.equal(r.status, 0, `the example failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /generations: 3 enqueued, 3 exported/);
  const gens = byStart(await harness.generations());
  assert.deepEqual(gens.map((g) => g.mode), ['GENERATION_MODE_SYNC', 'GENERATION_MODE_SYNC', 'GENERATION_MODE_STREAM']);
  for (const g of gens) {
    assert.equal(g.conversation_id, 'conv-vercel-example');
    assert.equal(g.agent_name, 'travel-desk');
    assert.equal(g.tags['sigil.framework.name'], 'vercel-ai-sdk');
  }
  assert.equal(gens[2].output[0].parts[0].text, STREAM_TEXT);
});

test('the README Vercel AI SDK example runs', async () => {
  fake.reply('/chat/completions', JSON_REPLY);
  const [code] = blocks(readme.split('### Vercel AI SDK')[1]);
  const r = await runExample(harness, 'readme-vercel', code, openaiEnv());
  assert.match(r.stdout, /Paris: 18/);
  const [g] = await harness.generations();
  assert.equal(g.conversation_id, 'chat-123');
  assert.equal(g.agent_name, 'research-agent');
  assert.deepEqual(g.model, { provider: 'openai', name: 'gpt-4o-mini' });
});

/** The Responses API answer of the fixture, its assistant message only (the document's call has no tools). */
function responsesText() {
  const body = fixtureJson('openai.responses/response.json');
  body.output = body.output.filter((o) => o.type === 'message');
  return { kind: 'json', status: 200, body: JSON.stringify(body) };
}

test('the reference Vercel AI SDK documentation runs with only the import path changed',
  { skip: docs.vercel === undefined && 'no reference repository' }, async () => {
    // Its quick start, then the blocks that use only what it set up (each in its own scope): the
    // multi-step block imports `stopWhen`, which the ai package does not export, and the streaming
    // block needs @ai-sdk/anthropic; neither runs against the real AI SDK, with ours or the reference.
    const [quickstart, ...rest] = blocks(docs.vercel);
    const scoped = rest.filter((b) => !/^import /m.test(b)).map((b) => `{\n${b}\n}`);
    assert.equal(scoped.length, 2, 'the conversation-id and privacy blocks');
    fake.reply('/responses', responsesText());
    await runExample(harness, 'vercel-reference',
      program(`${ours(quickstart)}\n${scoped.join('\n')}\nawait client.shutdown();`), openaiEnv());
    const [g, ...more] = await harness.generations();
    assert.equal(more.length, 0);
    assert.equal(g.conversation_id, 'chat-123');
    assert.equal(g.agent_name, 'research-agent');
    assert.equal(g.agent_version, '1.0.0');
    assert.deepEqual(g.model, { provider: 'openai', name: 'gpt-5' });
    assert.equal(g.output[0].parts[0].text, 'The series grows linearly from 1 to 3.');
  });

test('examples/node/openai-agents.mjs runs against the harness and its own fake provider', async () => {
  const r = runFile('../../../../examples/node/openai-agents.mjs');
  assert.equal(r.status, 0, `the example failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /generations: 2 enqueued, 2 exported/);
  const gens = await harness.generations();
  assert.deepEqual(gens.map((g) => g.metadata['sigil.framework.component_name']).sort(), ['triage', 'weather']);
  for (const g of gens) {
    assert.equal(g.conversation_id, 'conv-agents-example');
    assert.equal(g.tags['sigil.framework.name'], 'openai-agents');
  }
});

test('the README OpenAI Agents example runs', async () => {
  fake.reply('/responses', responsesText()); // the Agents SDK's default API
  const [code] = blocks(readme.split('### OpenAI Agents')[1]);
  // The Agents SDK's own tracing would export to OpenAI's service.
  const r = await runExample(harness, 'readme-agents', code, { ...openaiEnv(), OPENAI_AGENTS_DISABLE_TRACING: '1' });
  assert.match(r.stdout, /The series grows linearly/);
  const [g] = await harness.generations();
  assert.equal(g.conversation_id, 'conv-7');
  assert.equal(g.agent_name, 'travel-desk');
  assert.deepEqual(g.model, { provider: 'openai', name: 'gpt-4o-mini' });
});

test('the reference OpenAI Agents documentation runs with only the import path changed',
  { skip: docs.agents === undefined && 'no reference repository' }, async () => {
    const [quickstart, streaming] = blocks(docs.agents);
    await runExample(harness, 'agents-quickstart', `${program(ours(quickstart))}\nawait client.shutdown();`,
      { OPENAI_AGENTS_DISABLE_TRACING: '1' });
    await runExample(harness, 'agents-streaming', `${program(ours(streaming))}\nawait client.shutdown();`, {});
    const [g, ...more] = await harness.generations();
    assert.equal(more.length, 0); // the quick start only attaches and detaches
    assert.equal(g.mode, 'GENERATION_MODE_STREAM');
    assert.equal(g.conversation_id, 'session-42');
    assert.deepEqual(g.model, { provider: 'openai', name: 'gpt-5' });
    assert.equal(g.output[0].parts[0].text, 'hello world');
    assert.equal(g.tags['sigil.framework.name'], 'openai-agents');
  });
