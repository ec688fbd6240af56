// Agent tracing: startSpan / withSpan / traced become a tree of spans at the capture harness with
// the right parents, kinds and attributes; concurrent promises keep their trees apart; errors
// mark the span and reach the caller; content follows the capture mode; inject / extract carry a
// trace across processes (a child process continues it).
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import {
  SigilClient, InvalidArgumentError, RemoteContext, currentSpan, currentTraceId, extract, inject, traced,
} from '../lib/index.mjs';
import { Harness, repo } from './harness.mjs';

const MODEL = { provider: 'openai', name: 'gpt-4o' };
const TP = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

let h;
before(async () => { h = await Harness.start(); });
after(async () => { await h?.stop(); });
beforeEach(async () => { await h.reset(); });

function newClient(extra = {}) {
  return new SigilClient({
    useEnvironment: false,
    generationExport: { protocol: 'http', endpoint: h.httpEndpoint },
    otlp: { endpoint: h.otlpEndpoint },
    ...extra,
  });
}

/** The spans the harness received, once there are at least `count` (in however many exports). */
async function spansAt(count) {
  for (let n = 1; ; n += 1) {
    const spans = (await h.wait('otlp_traces', n)).flatMap((c) => c.spans);
    if (spans.length >= count) return spans;
  }
}

/** The spans once `client` shut down (which flushes its OTLP export). */
async function spansOf(client, count) {
  await client.shutdown();
  return spansAt(count);
}

const byName = (spans) => Object.fromEntries(spans.map((s) => [s.name, s]));

// The tree of docs/agent-tracing.md: agent > chain > retriever + generation + tool.
function travelAgent(client) {
  const search = traced(async function searchDocs(query, topK) {
    currentSpan().addEvent('retrieved', { count: topK });
    await sleep(1);
    return Array.from({ length: topK }, () => `doc about ${query}`);
  }, { kind: 'retriever', name: 'search-docs' });

  const answer = traced(async (question) => {
    const docs = await search(question, 2);
    currentSpan().setAttributes({ documents: docs.length, reranked: false, score: 0.5 });
    client.startGeneration({ id: 'gen-in-chain', model: MODEL }).end();
    await client.startToolExecution({ toolName: 'book' }, (tool) => {
      tool.setResult({ arguments: { city: 'Paris' }, result: 'booked' });
    });
    return 'sunny';
  }, { kind: 'chain', name: 'answer' });

  return client.withSpan({ kind: 'agent', name: 'travel-agent', root: true }, () => answer('weather in Paris?'));
}

test('an agent arrives as one tree: agent > chain > retriever + generation + tool', async () => {
  const client = newClient();
  assert.equal(await travelAgent(client), 'sunny');
  const got = byName(await spansOf(client, 5));
  const a = got['invoke_agent travel-agent'];
  const c = got.answer;
  const r = got['search-docs'];
  const g = got['generateText gpt-4o'];
  const t = got['execute_tool book'];
  for (const s of [a, c, r, g, t]) assert.ok(s, `span missing: ${Object.keys(got)}`);
  assert.equal(new Set([a, c, r, g, t].map((s) => s.trace_id)).size, 1, 'one trace');
  assert.equal(a.parent_span_id, '');
  assert.equal(c.parent_span_id, a.span_id);
  assert.equal(r.parent_span_id, c.span_id);
  assert.equal(g.parent_span_id, c.span_id);
  assert.equal(t.parent_span_id, c.span_id);

  assert.equal(a.kind, 'SPAN_KIND_INTERNAL');
  assert.equal(a.attributes['sigil.span.kind'], 'agent');
  assert.equal(a.attributes['gen_ai.operation.name'], 'invoke_agent');
  assert.equal(a.attributes['gen_ai.agent.name'], 'travel-agent');
  assert.equal(a.attributes['sigil.sdk.name'], 'sdk-js');
  assert.equal(c.attributes['sigil.span.kind'], 'chain');
  assert.equal(r.attributes['sigil.span.kind'], 'retriever');
  assert.deepEqual(JSON.parse(c.attributes['sigil.span.input']), ['weather in Paris?']);
  assert.equal(JSON.parse(c.attributes['sigil.span.output']), 'sunny');
  assert.deepEqual(JSON.parse(r.attributes['sigil.span.input']), ['weather in Paris?', 2]);
  assert.equal(JSON.parse(r.attributes['sigil.span.output']).length, 2);
  // typed attributes keep their type on the wire
  assert.equal(c.attributes.documents, 2);
  assert.equal(c.attributes.reranked, false);
  assert.equal(c.attributes.score, 0.5);
  const ev = r.events.find((e) => e.name === 'retrieved');
  assert.equal(ev.attributes.count, 2);
  assert.equal(a.status.code, 'STATUS_CODE_UNSET');
});

test('concurrent promises keep their trees apart', async () => {
  const client = newClient();
  const step = traced(async (n) => {
    await sleep(5 - n);
    client.startGeneration({ id: `gen-${n}`, model: MODEL }).end();
    return n;
  }, { kind: 'task', name: 'step' });
  const run = (n) => client.withSpan({ kind: 'agent', name: `agent-${n}`, root: true }, async () => {
    await sleep(n);
    return step(n);
  });
  assert.deepEqual(await Promise.all([0, 1, 2, 3].map(run)), [0, 1, 2, 3]);
  const spans = await spansOf(client, 12);
  const byId = Object.fromEntries(spans.map((s) => [s.span_id, s]));
  const agents = spans.filter((s) => s.attributes['sigil.span.kind'] === 'agent');
  assert.equal(agents.length, 4);
  assert.equal(new Set(agents.map((s) => s.trace_id)).size, 4, 'each run is its own trace');
  const gens = spans.filter((s) => s.name === 'generateText gpt-4o');
  assert.equal(gens.length, 4);
  for (const g of gens) {
    const stepSpan = byId[g.parent_span_id];
    assert.equal(stepSpan.name, 'step');
    const agent = byId[stepSpan.parent_span_id];
    assert.equal(agent.trace_id, g.trace_id);
    // the generation's input is the step's argument, which names its agent
    assert.equal(agent.name, `invoke_agent agent-${JSON.parse(stepSpan.attributes['sigil.span.input'])[0]}`);
  }
});

test('a thrown error or a rejection marks the span and reaches the caller unchanged', async () => {
  const client = newClient();
  class BookingError extends Error {
    constructor(m) { super(m); this.name = 'BookingError'; }
  }
  const boom = new BookingError('no seats left');
  const syncFail = client.traced(() => { throw boom; }, { kind: 'task', name: 'sync-fail' });
  assert.throws(() => syncFail(), (err) => err === boom);
  await assert.rejects(client.withSpan({ kind: 'workflow', name: 'async-fail' }, async () => {
    await sleep(1);
    throw boom;
  }), (err) => err === boom);
  // without a client (given, or the current span's) a traced function just runs
  assert.throws(traced(() => { throw boom; }, { name: 'no-client' }), (err) => err === boom);
  // a sync function stays sync
  const add = traced(function add(x, y) { return x + y; }, { client, kind: 'custom' });
  assert.equal(add(2, 3), 5);
  const got = byName(await spansOf(client, 3));
  assert.equal(got['no-client'], undefined);
  for (const name of ['sync-fail', 'async-fail']) {
    const s = got[name];
    assert.equal(s.status.code, 'STATUS_CODE_ERROR');
    assert.equal(s.attributes['error.type'], 'BookingError');
    assert.ok(s.events.some((e) => e.name === 'exception'));
  }
  assert.equal(got.add.attributes['sigil.span.output'], '5');
});

test('metadata_only leaves no arguments, return values or content attributes', async () => {
  const client = newClient({ contentCapture: 'metadata_only' });
  let captured;
  const secret = traced(async (password) => {
    captured = currentSpan().capturesContent;
    currentSpan().setAttribute('prompt', 'tell me the secret', { content: true });
    currentSpan().setAttribute('step', 3);
    currentSpan().addEvent('doc', { text: 'secret doc' }, { content: true });
    return `the secret is ${password}`;
  }, { client, kind: 'chain', name: 'secret' });
  assert.equal(await secret('hunter2'), 'the secret is hunter2');
  assert.equal(captured, false);
  const s = byName(await spansOf(client, 1)).secret;
  const wire = JSON.stringify(s);
  assert.ok(!wire.includes('hunter2') && !wire.includes('tell me the secret') && !wire.includes('secret doc'), wire);
  assert.equal(s.attributes['sigil.span.input'], undefined);
  assert.equal(s.attributes['sigil.span.output'], undefined);
  assert.equal(s.attributes.step, 3, 'metadata stays');
});

test('startSpan: explicit parents, status, bad input gets a clear error', async () => {
  const client = newClient();
  assert.throws(() => client.startSpan({ kind: 'planner' }), InvalidArgumentError);
  assert.throws(() => traced(() => 1, { kind: 'planner' }), InvalidArgumentError);
  const span = client.startSpan({ kind: 'task', name: 'remote-child', parent: TP, tracestate: 'vendor=a' });
  assert.equal(span.traceId, TP.split('-')[1]);
  assert.equal(span.tracestate, 'vendor=a');
  assert.ok(span.setStatus('bogus') instanceof InvalidArgumentError);
  assert.ok(span.setAttribute('nul\0key', 1) instanceof InvalidArgumentError);
  assert.equal(span.setStatus('ok'), undefined);
  assert.ok(span.end() instanceof InvalidArgumentError, 'end reports the refused attribute');
  assert.equal(span.end()?.name, 'AlreadyEnded');
  const s = byName(await spansOf(client, 1))['remote-child'];
  assert.equal(s.parent_span_id, TP.split('-')[2]);
  assert.equal(s.trace_state, 'vendor=a');
  assert.equal(s.status.code, 'STATUS_CODE_OK');
});

test('inject and extract: W3C headers, case-insensitive, malformed tracestate dropped', async () => {
  const client = newClient();
  assert.deepEqual(inject({}), {}, 'nothing current: nothing written');
  assert.deepEqual(inject(), {});
  assert.equal(extract({ traceparent: 'garbage' }), undefined);
  assert.equal(extract({}), undefined);
  const remote = extract({ TraceParent: TP, TRACESTATE: 'vendor=a,other=b' });
  assert.ok(remote instanceof RemoteContext);
  assert.equal(remote.traceId, TP.split('-')[1]);
  assert.equal(remote.tracestate, 'vendor=a,other=b');
  assert.equal(extract({ traceparent: TP, tracestate: 'not a tracestate!' }).tracestate, undefined);
  assert.equal(extract(new Headers({ traceparent: TP })).traceparent, TP);
  assert.equal(extract({ traceparent: [TP], tracestate: ['a=1', 'b=2'] }).tracestate, 'a=1,b=2');

  const headers = await remote.run(() => client.withSpan({ kind: 'agent', name: 'svc', root: true }, async (span) => {
    assert.equal(currentTraceId(), TP.split('-')[1], 'root continues the propagated trace');
    await sleep(1);
    const out = inject({});
    assert.equal(out.traceparent, span.traceparent);
    const viaHeaders = inject(new Headers());
    assert.equal(viaHeaders.get('traceparent'), span.traceparent);
    return out;
  }));
  assert.equal(headers.tracestate, 'vendor=a,other=b');
  const s = byName(await spansOf(client, 1))['invoke_agent svc'];
  assert.equal(s.parent_span_id, TP.split('-')[2]);
  assert.equal(s.trace_state, 'vendor=a,other=b');
});

test('two processes in one trace: a child process extracts the headers and continues it', async () => {
  const client = newClient();
  const lib = fileURLToPath(new URL('../lib/index.mjs', import.meta.url));
  const service = `
    import { SigilClient, extract } from ${JSON.stringify(lib)};
    const client = new SigilClient({ useEnvironment: false, generationExport: { protocol: 'none' },
      otlp: { endpoint: process.env.OTLP } });
    const remote = extract(JSON.parse(process.env.HEADERS));
    await remote.run(() => client.withSpan({ kind: 'task', name: 'book-service', root: true }, async () => {
      client.startToolExecution({ toolName: 'reserve' }).end();
    }));
    await client.shutdown();
  `;
  await client.withSpan({ kind: 'agent', name: 'caller', root: true }, async () => {
    await client.startToolExecution({ toolName: 'book' }, async () => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', service], {
        env: { ...process.env, HEADERS: JSON.stringify(inject({})), OTLP: h.otlpEndpoint },
        encoding: 'utf8', timeout: 60_000,
      });
      assert.equal(r.status, 0, r.stderr);
    });
  });
  const got = byName(await spansOf(client, 4));
  const caller = got['invoke_agent caller'];
  const book = got['execute_tool book'];
  const svc = got['book-service'];
  const reserve = got['execute_tool reserve'];
  for (const s of [caller, book, svc, reserve]) assert.ok(s, `span missing: ${Object.keys(got)}`);
  assert.equal(new Set([caller, book, svc, reserve].map((s) => s.trace_id)).size, 1);
  assert.equal(book.parent_span_id, caller.span_id);
  assert.equal(svc.parent_span_id, book.span_id, 'the service continues under the calling tool');
  assert.equal(reserve.parent_span_id, svc.span_id);
});

/** Runs a script as a user would, configured by the environment only. */
function runScript(file) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SIGIL_|OTEL_)/.test(k)));
  const r = spawnSync(process.execPath, [file], {
    env: { ...clean, SIGIL_PROTOCOL: 'http', SIGIL_ENDPOINT: `http://127.0.0.1:${h.ports.http}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: h.otlpEndpoint },
    encoding: 'utf8', timeout: 60_000,
  });
  assert.equal(r.status, 0, `${file} failed:\n${r.stdout}\n${r.stderr}`);
}

test('the README "Agent tracing" example runs as written', async () => {
  const pkg = fileURLToPath(new URL('..', import.meta.url));
  const section = readFileSync(`${pkg}/README.md`, 'utf8').split(/^## /m).find((s) => s.startsWith('Agent tracing'));
  const block = /```js\n([\s\S]*?)```/.exec(section)[1];
  const file = `${pkg}/test/.readme-tracing.mjs`; // in the package, so that 'sigil-sdk' resolves to it
  try {
    writeFileSync(file, block);
    runScript(file);
  } finally {
    rmSync(file, { force: true });
  }
  const got = byName(await spansAt(4));
  assert.equal(got.plan.parent_span_id, got['invoke_agent travel-agent'].span_id);
  assert.equal(got['search-docs'].parent_span_id, got.plan.span_id);
  assert.equal(got['generateText gpt-4o'].parent_span_id, got.plan.span_id);
  assert.equal(got.plan.attributes.documents, 2);
});

test('examples/node/agent.mjs records the whole tree', async () => {
  runScript(`${repo}/examples/node/agent.mjs`);
  const spans = await spansAt(6);
  const got = byName(spans);
  for (const name of ['invoke_agent travel-agent', 'plan', 'search-docs', 'generateText gpt-4o',
    'execute_tool book', 'book-service']) {
    assert.ok(got[name], `${name} missing: ${Object.keys(got)}`);
  }
  assert.equal(new Set(spans.map((s) => s.trace_id)).size, 1, 'one trace across both processes');
  assert.equal(got['book-service'].parent_span_id, got['execute_tool book'].span_id);
  assert.equal((await h.generations()).length, 1);
});
