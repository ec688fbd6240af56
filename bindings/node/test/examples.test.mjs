// The examples users copy run as written: examples/node/quickstart.mjs and
// the README's code blocks, against the capture harness.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Harness, repo } from './harness.mjs';

const pkg = fileURLToPath(new URL('..', import.meta.url));

let h;
before(async () => { h = await Harness.start(); });
after(async () => { await h?.stop(); });
beforeEach(async () => { await h.reset(); });

/** The environment a user would set, without anything inherited from ours. */
function env(protocol) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SIGIL_|OTEL_)/.test(k)));
  return {
    ...clean,
    SIGIL_PROTOCOL: protocol,
    SIGIL_ENDPOINT: protocol === 'http' ? `http://127.0.0.1:${h.ports.http}` : `127.0.0.1:${h.ports.grpc}`,
    SIGIL_API_ENDPOINT: h.apiEndpoint,
    OTEL_EXPORTER_OTLP_ENDPOINT: h.otlpEndpoint,
  };
}

function run(file, protocol) {
  const r = spawnSync(process.execPath, [file], { env: env(protocol), encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `${file} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

for (const protocol of ['http', 'grpc']) {
  test(`examples/node/quickstart.mjs over ${protocol}`, async () => {
    const out = run(`${repo}/examples/node/quickstart.mjs`, protocol);
    assert.match(out, /generations: 3 enqueued, 3 exported, 0 rejected, 0 dropped/);
    const gens = await h.generations();
    assert.equal(gens.length, 3);
    assert.ok(gens.every((g) => g.conversation_id === 'conv-quickstart' && g.agent_name === 'weather-agent'));
    assert.ok(gens.every((g) => g.metadata['sigil.sdk.name'] === 'sdk-js'));
    const failed = gens.find((g) => g.call_error);
    assert.match(failed.call_error, /provider unavailable/);
    assert.equal((await h.captures('ratings')).length, 1);
    const spans = (await h.wait('otlp_traces', 1)).flatMap((c) => c.spans);
    const tool = spans.find((s) => s.name === 'execute_tool get_weather');
    const parent = spans.find((s) => s.span_id === tool.parent_span_id);
    assert.equal(parent?.name, 'generateText claude-sonnet-4-5', 'the tool span is a child of its generation');
  });
}

/** The fenced js blocks of README.md under a heading. */
function readmeBlocks(heading) {
  const text = readFileSync(`${pkg}/README.md`, 'utf8');
  const section = text.split(/^## /m).find((s) => s.startsWith(heading));
  return [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
}

test('the README examples run as written', async () => {
  const blocks = [...readmeBlocks('Quick start'), ...readmeBlocks('Configuration')];
  assert.equal(blocks.length, 2);
  // Inside the package directory, so that `import ... from 'sigil-sdk'` resolves to this package.
  const file = `${pkg}/test/.readme-example.mjs`;
  try {
    writeFileSync(file, blocks[0]);
    run(file, 'http');
    const [g, ...rest] = await h.generations();
    assert.equal(rest.length, 0);
    assert.equal(g.conversation_id, 'conv-1');
    assert.equal(g.output[0].parts[0].text, 'It is 18°C and sunny.');

    writeFileSync(file, blocks[1]); // configures itself explicitly; records nothing
    run(file, 'http');
  } finally {
    rmSync(file, { force: true });
  }
});

test('the README provider example runs as written', async () => {
  const [block] = readmeBlocks('Provider responses');
  const file = `${pkg}/test/.readme-provider.mjs`;
  try {
    writeFileSync(file, block);
    const r = spawnSync(process.execPath, [file], { env: env('http'), encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'no mapping problem');
  } finally {
    rmSync(file, { force: true });
  }
  const [g] = await h.generations();
  assert.deepEqual(g.model, { provider: 'openai', name: 'gpt-4o-mini' });
  assert.equal(g.output[0].parts[0].text, '18°C and sunny.');
  assert.equal(g.usage.input_tokens, '12');
});
