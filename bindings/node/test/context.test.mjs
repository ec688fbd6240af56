// AsyncLocalStorage context: identity and parent trace flow across awaits,
// timers and concurrent tasks into the records, below explicit start fields.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';

import {
  SigilClient,
  agentNameFromContext,
  conversationIdFromContext,
  parentTraceparentFromContext,
  withAgentName,
  withAgentVersion,
  withConversationId,
  withConversationTitle,
  withParentTraceparent,
  withSigilContext,
  withUserId,
} from '../lib/index.mjs';
import { Harness } from './harness.mjs';

let h;
let client;
before(async () => { h = await Harness.start(); });
after(async () => { await h?.stop(); });
beforeEach(async () => {
  await h.reset();
  client = new SigilClient({
    useEnvironment: false,
    generationExport: { protocol: 'http', endpoint: h.httpEndpoint },
    otlp: { endpoint: h.otlpEndpoint },
  });
});

const MODEL = { provider: 'openai', name: 'gpt-5' };

async function exported() {
  await client.shutdown();
  return Object.fromEntries((await h.generations()).map((g) => [g.id, g]));
}

test('context values flow across awaits and timers into generations', async () => {
  await withConversationId('conv-ctx', () => withConversationTitle('Title from context', () =>
    withUserId('user-ctx', () => withAgentName('agent-ctx', () => withAgentVersion('9.9', async () => {
      await sleep(5);
      await tick();
      await new Promise((resolve) => setTimeout(resolve, 1));
      assert.equal(conversationIdFromContext(), 'conv-ctx');
      client.startGeneration({ id: 'g-ctx', model: MODEL }).end();
    })))));
  const g = (await exported())['g-ctx'];
  assert.equal(g.conversation_id, 'conv-ctx');
  assert.equal(g.agent_name, 'agent-ctx');
  assert.equal(g.agent_version, '9.9');
  assert.equal(g.metadata['sigil.conversation.title'], 'Title from context');
  assert.equal(g.metadata['sigil.user.id'], 'user-ctx');
});

test('concurrent tasks keep their own context', async () => {
  const run = (n) => withConversationId(`conv-${n}`, async () => {
    await sleep(10 - n); // interleave the tasks
    client.startGeneration({ id: `g-${n}`, model: MODEL }).end();
  });
  await Promise.all([0, 1, 2, 3, 4].map(run));
  const gens = await exported();
  for (const n of [0, 1, 2, 3, 4]) assert.equal(gens[`g-${n}`].conversation_id, `conv-${n}`);
});

test('explicit start fields win over context; nested helpers override the outer value', async () => {
  await withConversationId('outer', async () => {
    client.startGeneration({ id: 'g-explicit', conversationId: 'explicit', model: MODEL }).end();
    await withConversationId('inner', async () => {
      await tick();
      client.startGeneration({ id: 'g-inner', model: MODEL }).end();
    });
    client.startGeneration({ id: 'g-outer', model: MODEL }).end();
  });
  client.startGeneration({ id: 'g-none', model: MODEL }).end();
  assert.equal(conversationIdFromContext(), undefined);
  const gens = await exported();
  assert.equal(gens['g-explicit'].conversation_id, 'explicit');
  assert.equal(gens['g-inner'].conversation_id, 'inner');
  assert.equal(gens['g-outer'].conversation_id, 'outer');
  assert.equal(gens['g-none'].conversation_id, undefined);
});

test('the callback form runs inside the context it was started in', async () => {
  const value = await withAgentName('agent-cb', () => client.startGeneration({ id: 'g-cb', model: MODEL }, async (rec) => {
    await sleep(2);
    assert.equal(agentNameFromContext(), 'agent-cb');
    rec.setResult({ output: [{ role: 'assistant', content: 'ok' }] });
    return 42;
  }));
  assert.equal(value, 42);
  assert.equal((await exported())['g-cb'].agent_name, 'agent-cb');
});

test('a parent traceparent from context parents generations, tools and embeddings', async () => {
  const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  let childTp;
  await withParentTraceparent(parent, async () => {
    await tick();
    assert.equal(parentTraceparentFromContext(), parent);
    const g = client.startGeneration({ id: 'g-child', model: MODEL });
    childTp = g.traceparent;
    // children of the generation, started after it ended
    g.end();
    await withParentTraceparent(childTp, async () => {
      client.startToolExecution({ toolName: 'lookup' }).end();
      const e = client.startEmbedding({ model: { provider: 'openai', name: 'text-embedding-3-small' } });
      e.setResult({ inputCount: 1 });
      e.end();
    });
  });
  const g = (await exported())['g-child'];
  assert.equal(g.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.match(childTp, /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
  assert.equal(g.span_id, childTp.split('-')[2]);
  const spans = (await h.wait('otlp_traces', 1)).flatMap((c) => c.spans);
  const byName = Object.fromEntries(spans.map((s) => [s.name, s]));
  assert.equal(byName['generateText gpt-5'].parent_span_id, '00f067aa0ba902b7');
  assert.equal(byName['execute_tool lookup'].parent_span_id, g.span_id);
  assert.equal(byName['embeddings text-embedding-3-small'].parent_span_id, g.span_id);
});

test('tool executions and embeddings take their identity from context', async () => {
  await withSigilContext({ conversationId: 'conv-tool', conversationTitle: 'T', agentName: 'agent-tool', agentVersion: '2' },
    async () => {
      await tick();
      client.startToolExecution({ toolName: 'weather' }).end();
      const e = client.startEmbedding({ model: { provider: 'openai', name: 'text-embedding-3-small' } });
      e.setResult({ inputCount: 1 });
      e.end();
    });
  await client.shutdown();
  const spans = (await h.wait('otlp_traces', 1)).flatMap((c) => c.spans);
  const tool = spans.find((s) => s.name === 'execute_tool weather');
  assert.equal(tool.attributes['gen_ai.conversation.id'], 'conv-tool');
  assert.equal(tool.attributes['gen_ai.agent.name'], 'agent-tool');
  const emb = spans.find((s) => s.name.startsWith('embeddings'));
  assert.equal(emb.attributes['gen_ai.agent.version'], '2');
});

test('the active OpenTelemetry span is the parent when no traceparent is set', async () => {
  // What @opentelemetry/api registers: a global API object whose context
  // manager holds the active span under a well-known key.
  const key = Symbol.for('opentelemetry.js.api.1');
  const spanKey = Symbol.for('OpenTelemetry Context Key SPAN');
  const span = { spanContext: () => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 }) };
  globalThis[key] = { version: '1.9.0', context: { active: () => ({ getValue: (k) => (k === spanKey ? span : undefined) }) } };
  try {
    client.startGeneration({ id: 'g-otel', model: MODEL }).end();
    await withParentTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', () => {
      client.startGeneration({ id: 'g-explicit-parent', model: MODEL }).end();
    });
  } finally {
    delete globalThis[key];
  }
  const gens = await exported();
  assert.equal(gens['g-otel'].trace_id, '0af7651916cd43dd8448eb211c80319c');
  assert.equal(gens['g-explicit-parent'].trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
});
