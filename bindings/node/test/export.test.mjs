// Records reach the capture harness intact, over HTTP (protojson) and gRPC
// (protobuf), with spans and metrics over OTLP.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { SigilClient, SDK_NAME } from '../lib/index.mjs';
import { Harness } from './harness.mjs';

let h;
before(async () => { h = await Harness.start(); });
after(async () => { await h?.stop(); });
beforeEach(async () => { await h.reset(); });

/** Runs `fn` with a client that is shut down afterwards, whatever happens. */
async function withClient(protocol, extra, fn) {
  const c = new SigilClient({
    useEnvironment: false,
    generationExport: { protocol, endpoint: protocol === 'http' ? h.httpEndpoint : h.grpcEndpoint, ...extra },
    api: { endpoint: h.apiEndpoint },
    otlp: { endpoint: h.otlpEndpoint },
  });
  try {
    return await fn(c);
  } finally {
    await c.shutdown();
  }
}

const START = {
  id: 'gen-roundtrip',
  conversationId: 'conv-1',
  conversationTitle: 'Trip planning',
  userId: 'user-7',
  agentName: 'planner',
  agentVersion: '1.2.3',
  model: { provider: 'anthropic', name: 'claude-sonnet-4-5' },
  systemPrompt: 'You are terse.',
  maxTokens: 256,
  temperature: 0.5,
  topP: 0.875,
  toolChoice: 'auto',
  thinkingEnabled: true,
  tools: [{
    name: 'weather', description: 'Looks up the weather', type: 'function',
    inputSchemaJSON: '{"type":"object","properties":{"city":{"type":"string"}}}', deferred: true,
  }],
  tags: { env: 'test', stage: 'start' },
  metadata: { 'request.kind': 'roundtrip', stage: 'start' },
};

// Strings that need every kind of JSON escape, long enough to take the addon's path too.
const TRICKY = `Line one\nline "two"\twith \\backslashes\\, a bell \u0007, émoji 👋, 你好 and \u2028. `.repeat(4);

const RESULT = {
  input: [
    { role: 'user', content: 'What is the weather in Paris?' },
    { role: 'assistant', parts: [{ type: 'tool_call', toolCall: { id: 'call-1', name: 'weather', inputJSON: '{"city":"Paris"}' } }] },
    { role: 'tool', parts: [{ type: 'tool_result', toolResult: { toolCallId: 'call-1', name: 'weather', content: '18C', contentJSON: { temp_c: 18 } } }] },
  ],
  output: [{
    role: 'assistant',
    parts: [
      { type: 'thinking', thinking: 'Paris is done.' },
      { type: 'text', text: TRICKY, metadata: { providerType: 'text' } },
      { type: 'media', media: { kind: 'image', url: 'https://example.com/a.png', mimeType: 'image/png' } },
    ],
  }],
  usage: { inputTokens: 120, outputTokens: 40, cacheReadInputTokens: 30, reasoningTokens: 12 },
  stopReason: 'end_turn',
  responseId: 'resp-1',
  responseModel: 'claude-sonnet-4-5-20250929',
  tags: { stage: 'result' },
  metadata: { stage: 'result', nested: { list: [1, 'two', true] }, big: 123456789012345678901234567890n },
  artifacts: [{ type: 'request', name: 'request', mimeType: 'application/json', payload: '{"model":"claude"}' }],
};

function checkGeneration(g) {
  assert.equal(g.id, 'gen-roundtrip');
  assert.equal(g.conversation_id, 'conv-1');
  assert.equal(g.mode, 'GENERATION_MODE_SYNC');
  assert.equal(g.operation_name, 'generateText');
  assert.deepEqual(g.model, { provider: 'anthropic', name: 'claude-sonnet-4-5' });
  assert.equal(g.agent_name, 'planner');
  assert.equal(g.system_prompt, 'You are terse.');
  assert.equal(g.max_tokens, '256');
  assert.equal(g.temperature, 0.5);
  assert.equal(g.top_p, 0.875);
  assert.equal(g.tool_choice, 'auto');
  assert.equal(g.thinking_enabled, true);
  assert.equal(g.tools[0].deferred, true);
  assert.deepEqual(JSON.parse(g.tools[0].input_schema_json_text), { type: 'object', properties: { city: { type: 'string' } } });
  assert.equal(g.input[0].role, 'MESSAGE_ROLE_USER');
  assert.equal(g.input[0].parts[0].text, 'What is the weather in Paris?');
  assert.equal(g.input[1].parts[0].tool_call.input_json_text, '{"city":"Paris"}');
  assert.deepEqual(JSON.parse(g.input[2].parts[0].tool_result.content_json_text), { temp_c: 18 });
  assert.equal(g.output[0].parts[0].thinking, 'Paris is done.');
  assert.equal(g.output[0].parts[1].text, TRICKY);
  assert.equal(g.output[0].parts[1].metadata.provider_type, 'text');
  assert.equal(g.output[0].parts[2].media.mime_type, 'image/png');
  assert.deepEqual(g.usage, {
    input_tokens: '120', output_tokens: '40', total_tokens: '160', cache_read_input_tokens: '30', reasoning_tokens: '12',
  });
  assert.equal(g.stop_reason, 'end_turn');
  assert.deepEqual(g.tags, { env: 'test', stage: 'result' });
  assert.equal(g.metadata.stage, 'result');
  assert.equal(g.metadata['request.kind'], 'roundtrip');
  assert.deepEqual(g.metadata.nested, { list: [1, 'two', true] });
  assert.equal(g.metadata.big, '123456789012345678901234567890');
  assert.equal(g.metadata['sigil.sdk.name'], 'sdk-js');
  assert.equal(g.metadata['sigil.conversation.title'], 'Trip planning');
  assert.equal(g.metadata['sigil.user.id'], 'user-7');
  assert.equal(g.raw_artifacts[0].kind, 'ARTIFACT_KIND_REQUEST');
  assert.equal(g.raw_artifacts[0].payload_text, '{"model":"claude"}');
  assert.match(g.trace_id, /^[0-9a-f]{32}$/);
  assert.match(g.span_id, /^[0-9a-f]{16}$/);
}

for (const protocol of ['http', 'grpc']) {
  describe(`export over ${protocol}`, () => {
    test('a generation with every field arrives intact', async () => {
      const rec = await withClient(protocol, {}, (c) => {
        const r = c.startGeneration(START);
        assert.equal(r.setResult(RESULT), undefined);
        assert.equal(r.end(), undefined);
        return r;
      });
      const [g, ...rest] = await h.generations();
      assert.equal(rest.length, 0);
      checkGeneration(g);
      assert.equal(g.trace_id, rec.traceparent.split('-')[1], 'the exported trace id is the span\'s');

      const exports = await h.captures(protocol === 'http' ? 'http_exports' : 'grpc_exports');
      assert.equal(exports.length, 1);
      assert.equal(exports[0].generations.length, 1);
    });

    test('streaming generations, tool executions and embeddings become spans and metrics', async () => {
      await withClient(protocol, {}, async (c) => {
        const s = c.startStreamingGeneration({ id: 'gen-stream', model: { provider: 'openai', name: 'gpt-5-mini' } });
        s.setFirstTokenAt(new Date());
        s.setResult({ output: [{ role: 'assistant', content: 'Hi!' }], usage: { inputTokens: 3, outputTokens: 2 } });
        assert.equal(s.end(), undefined);
        const t = c.startToolExecution({ toolName: 'weather', toolCallId: 'call-9', includeContent: true });
        t.setResult({ arguments: { city: 'Paris' }, result: 'sunny' });
        assert.equal(t.end(), undefined);
        const e = c.startEmbedding({ model: { provider: 'openai', name: 'text-embedding-3-small' }, dimensions: 256 });
        e.setResult({ inputCount: 2, inputTokens: 7 });
        assert.equal(e.end(), undefined);

        const snapshot = c.metricsSnapshot();
        const names = snapshot.metrics.map((m) => m.name);
        assert.ok(names.includes('gen_ai.client.time_to_first_token'), names.join());
        assert.ok(names.includes('gen_ai.client.operation.duration'));
      });

      const [g] = await h.generations();
      assert.equal(g.mode, 'GENERATION_MODE_STREAM');
      assert.equal(g.operation_name, 'streamText');
      const spans = (await h.wait('otlp_traces', 1)).flatMap((x) => x.spans);
      const byName = Object.fromEntries(spans.map((sp) => [sp.name, sp]));
      assert.deepEqual(Object.keys(byName).sort(), ['embeddings text-embedding-3-small', 'execute_tool weather', 'streamText gpt-5-mini']);
      assert.equal(byName['execute_tool weather'].attributes['gen_ai.tool.call.arguments'], '{"city":"Paris"}');
      assert.equal(byName['execute_tool weather'].attributes['sigil.sdk.name'], SDK_NAME);
      assert.equal(byName['streamText gpt-5-mini'].resource['telemetry.sdk.language'], 'nodejs');
    });

    test('auth and custom headers travel with the export', async () => {
      await withClient(protocol, { auth: { mode: 'tenant', tenantId: 'tenant-42' }, headers: { 'x-team': 'llm' } }, (c) => {
        assert.equal(c.startGeneration({ model: { provider: 'openai', name: 'gpt-5' } }).end(), undefined);
      });
      if (protocol === 'http') {
        const [req] = await h.captures('http_exports');
        assert.equal(req.headers['x-scope-orgid'], 'tenant-42');
        assert.equal(req.headers['x-team'], 'llm');
      } else {
        const [req] = await h.captures('grpc_exports');
        assert.equal(req.metadata['x-scope-orgid'], 'tenant-42');
        assert.equal(req.metadata['x-team'], 'llm');
      }
    });
  });
}

test('times beyond int64 nanoseconds arrive as the nearest end of the range', async () => {
  await withClient('http', {}, async (c) => {
    // Date reaches ±8.64e15 ms; int64 Unix nanoseconds end in 1677 and 2262.
    const rec = c.startGeneration({ model: { provider: 'openai', name: 'gpt-5' }, startedAt: new Date(-8.64e15) });
    rec.setResult({ completedAt: new Date(8.64e15) });
    assert.equal(rec.end(), undefined);
    const old = c.startGeneration({ model: { provider: 'openai', name: 'gpt-5' }, startedAt: new Date('1969-07-20T20:17:40.5Z') });
    old.setResult({ completedAt: new Date('1969-07-20T20:17:41Z') });
    assert.equal(old.end(), undefined);
    await c.flush();
    const [far, moon] = await h.generations();
    assert.equal(far.started_at, '1677-09-21T00:12:43.145224193Z');
    assert.equal(far.completed_at, '2262-04-11T23:47:16.854775807Z');
    assert.equal(moon.started_at, '1969-07-20T20:17:40.500Z');
    assert.equal(moon.completed_at, '1969-07-20T20:17:41Z');
  });
});

test('many generations are batched and all delivered', async () => {
  await withClient('http', { batchSize: 50 }, async (c) => {
    for (let i = 0; i < 120; i++) {
      const rec = c.startGeneration({ id: `gen-${i}`, model: { provider: 'openai', name: 'gpt-5' } });
      rec.setResult({ output: [{ role: 'assistant', content: `answer ${i}` }] });
      assert.equal(rec.end(), undefined);
    }
    await c.flush();
    const ids = (await h.generations()).map((g) => g.id);
    assert.equal(ids.length, 120);
    assert.equal(new Set(ids).size, 120);
    assert.ok((await h.captures('http_exports')).length >= 3, 'batches of at most 50');
    assert.equal(c.stats().generationsExported, 120);
  });
});
