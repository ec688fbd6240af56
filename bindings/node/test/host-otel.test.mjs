// The host OpenTelemetry pipeline with the real OpenTelemetry JS SDK (in-memory span exporter,
// a pull metric reader, the async-hooks context manager): parenting both ways, the host sampler,
// attributes identical to the engine's own OTLP export, the GenAI histograms through the host
// meter, concurrency and shutdown ordering.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncHooksContextManager } from '@opentelemetry/context-async-hooks';
import {
  AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider, InMemorySpanExporter, ParentBasedSampler,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

import { SigilClient, ConfigError, currentSpan, inject } from '../lib/index.mjs';
import { Harness } from './harness.mjs';

context.setGlobalContextManager(new AsyncHooksContextManager().enable());

class PullReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

/** An application's OpenTelemetry SDK. */
class Host {
  constructor(sampler = new AlwaysOnSampler()) {
    this.exporter = new InMemorySpanExporter();
    this.tracerProvider = new BasicTracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor(this.exporter)] });
    this.reader = new PullReader();
    this.meterProvider = new MeterProvider({ readers: [this.reader] });
    this.tracer = this.tracerProvider.getTracer('app');
    this.meter = this.meterProvider.getMeter('app');
  }

  spans() {
    return Object.fromEntries(this.exporter.getFinishedSpans().map((s) => [s.name, s]));
  }

  async points() {
    const { resourceMetrics } = await this.reader.collect();
    const out = {};
    for (const sm of resourceMetrics.scopeMetrics) {
      for (const m of sm.metrics) (out[m.descriptor.name] ??= []).push(...m.dataPoints);
    }
    return out;
  }

  async shutdown() {
    await this.tracerProvider.shutdown();
    await this.meterProvider.shutdown();
  }
}

const MODEL = { provider: 'openai', name: 'gpt-4o' };
const ns = (hr) => BigInt(hr[0]) * 1_000_000_000n + BigInt(hr[1]);
const parentId = (s) => s.parentSpanContext?.spanId;

let h;
let host;
before(async () => { h = await Harness.start(); });
after(async () => { await h?.stop(); });
beforeEach(async () => {
  await h.reset();
  host = new Host();
});

function hostClient(extra = {}) {
  return new SigilClient({
    useEnvironment: false,
    generationExport: { protocol: 'none' },
    otlp: { endpoint: h.otlpEndpoint },
    tracer: host.tracer,
    meter: host.meter,
    ...extra,
  });
}

function finish(rec, tokens = 7) {
  rec.setResult({
    output: [{ role: 'assistant', content: 'hello' }],
    usage: { inputTokens: tokens, outputTokens: 2 },
    stopReason: 'stop',
  });
}

test('a generation nests under the active host span and carries its ids', async () => {
  const client = hostClient();
  let app;
  let rec;
  await host.tracer.startActiveSpan('handle-request', async (span) => {
    app = span;
    await client.startGeneration({ model: MODEL }, async (r) => {
      rec = r;
      finish(r);
    });
    span.end();
  });
  await client.shutdown();
  const gen = host.spans()['generateText gpt-4o'];
  assert.ok(gen, Object.keys(host.spans()).join(','));
  assert.equal(parentId(gen), app.spanContext().spanId);
  assert.equal(gen.spanContext().traceId, app.spanContext().traceId);
  assert.equal(gen.kind, SpanKind.CLIENT);
  assert.equal(gen.attributes['gen_ai.request.model'], 'gpt-4o');
  assert.equal(gen.attributes['sigil.sdk.name'], 'sdk-js');
  assert.equal(gen.attributes['gen_ai.usage.input_tokens'], 7);
  assert.deepEqual(gen.attributes['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(gen.status.code, SpanStatusCode.UNSET);
  assert.equal(gen.instrumentationScope.name, 'app');
  assert.equal(rec.traceparent, `00-${gen.spanContext().traceId}-${gen.spanContext().spanId}-01`);
  assert.ok(ns(gen.endTime) >= ns(gen.startTime));
  assert.deepEqual(await h.captures('otlp_traces'), []); // host mode: the engine sends nothing over OTLP
});

test("spans and recorders started in a recorder's callback are its children", async () => {
  const client = hostClient();
  await client.startGeneration({ model: MODEL }, async (rec) => {
    await sleep(1);
    host.tracer.startActiveSpan('http POST /v1/chat', (s) => s.end());
    await client.startToolExecution({ toolName: 'search' }, async () => {
      await sleep(1);
      host.tracer.startActiveSpan('db query', (s) => s.end());
    });
    finish(rec);
  });
  assert.equal(trace.getActiveSpan(), undefined); // the scope is restored
  await client.shutdown();
  const spans = host.spans();
  const gen = spans['generateText gpt-4o'];
  const tool = spans['execute_tool search'];
  assert.equal(parentId(spans['http POST /v1/chat']), gen.spanContext().spanId);
  assert.equal(parentId(tool), gen.spanContext().spanId);
  assert.equal(tool.kind, SpanKind.INTERNAL);
  assert.equal(parentId(spans['db query']), tool.spanContext().spanId);
  assert.equal(new Set(Object.values(spans).map((s) => s.spanContext().traceId)).size, 1);
});

test("engine mode also makes the recorder's span active", async () => {
  const client = new SigilClient({
    useEnvironment: false, generationExport: { protocol: 'none' }, otlp: { endpoint: h.otlpEndpoint },
  });
  let tp;
  await client.startGeneration({ model: MODEL }, async (rec) => {
    tp = rec.traceparent;
    host.tracer.startActiveSpan('inside', (s) => s.end());
    finish(rec);
  });
  await client.shutdown();
  const inside = host.spans().inside;
  const [, traceId, spanId] = tp.split('-');
  assert.equal(parentId(inside), spanId);
  assert.equal(inside.spanContext().traceId, traceId);
  const [cap] = await h.wait('otlp_traces', 1);
  assert.equal(cap.spans[0].span_id, spanId); // the engine exported its span over OTLP
});

test('the host sampler decides', async () => {
  const dropping = new Host(new AlwaysOffSampler());
  const keeping = new Host(new ParentBasedSampler({ root: new AlwaysOnSampler() }));
  const c1 = hostClient({ tracer: dropping.tracer, meter: dropping.meter });
  const c2 = hostClient({ tracer: keeping.tracer, meter: keeping.meter });
  const r1 = c1.startGeneration({ model: MODEL });
  finish(r1);
  r1.end();
  let r2;
  keeping.tracer.startActiveSpan('app', (span) => {
    r2 = c2.startGeneration({ model: MODEL });
    finish(r2);
    r2.end();
    span.end();
  });
  await c1.shutdown();
  await c2.shutdown();
  assert.deepEqual(dropping.spans(), {});
  assert.match(r1.traceparent, /-00$/); // the engine followed the host's decision
  const duration = (await dropping.points())['gen_ai.client.operation.duration'];
  assert.equal(duration.reduce((n, p) => n + p.value.count, 0), 1); // metrics do not depend on sampling
  assert.deepEqual(Object.keys(keeping.spans()).sort(), ['app', 'generateText gpt-4o']);
  assert.match(r2.traceparent, /-01$/);
  await dropping.shutdown();
  await keeping.shutdown();
});

test('errors reach the host span as status and events', async () => {
  const client = hostClient();
  await assert.rejects(client.startGeneration({ model: MODEL }, async () => {
    throw Object.assign(new Error('upstream service unavailable'), { status: 503 });
  }));
  await client.shutdown();
  const gen = host.spans()['generateText gpt-4o'];
  assert.equal(gen.status.code, SpanStatusCode.ERROR);
  assert.match(gen.status.message, /unavailable/);
  assert.equal(gen.attributes['error.type'], 'provider_call_error');
  assert.equal(gen.attributes['error.category'], 'server_error');
  assert.equal(gen.events.length, 1);
  assert.equal(gen.events[0].name, 'exception');
  assert.equal(gen.events[0].attributes['exception.type'], 'provider_call_error');
  assert.deepEqual(gen.events[0].time, gen.endTime);
});

test("host spans have exactly the engine's OTLP attributes (telemetryMode both)", async () => {
  const client = hostClient({ telemetryMode: 'both' });
  await host.tracer.startActiveSpan('app', async (span) => {
    await client.startGeneration({ model: MODEL, conversationId: 'conv-1', agentName: 'planner' }, async (r) => finish(r));
    await assert.rejects(client.startToolExecution({ toolName: 'calc', includeContent: true }, async (t) => {
      t.setResult({ arguments: { x: 1 }, result: '2' });
      throw new Error('boom');
    }));
    await client.startEmbedding({ model: { provider: 'openai', name: 'te3' } }, async (e) => {
      e.setResult({ inputCount: 2, inputTokens: 9 });
    });
    span.end();
  });
  await client.shutdown();
  const wire = Object.fromEntries((await h.captures('otlp_traces')).flatMap((c) => c.spans).map((s) => [s.name, s]));
  const names = Object.keys(host.spans()).filter((n) => n !== 'app');
  assert.equal(names.length, 3);
  for (const name of names) {
    const mine = host.spans()[name];
    const theirs = wire[name];
    assert.ok(theirs, name);
    assert.deepEqual({ ...mine.attributes }, theirs.attributes, name);
    assert.equal(mine.spanContext().spanId, theirs.span_id);
    assert.equal(parentId(mine), theirs.parent_span_id);
    // The harness answers in JSON: its nanosecond times are doubles, so ours are compared as doubles.
    assert.equal(Number(ns(mine.startTime)), theirs.start_time_unix_nano);
    assert.equal(Number(ns(mine.endTime)), theirs.end_time_unix_nano);
    assert.deepEqual(mine.events.map((e) => [e.name, { ...e.attributes }, Number(ns(e.time))]),
      theirs.events.map((e) => [e.name, e.attributes, e.time_unix_nano]));
    assert.equal(['UNSET', 'OK', 'ERROR'][mine.status.code], theirs.status.code.replace('STATUS_CODE_', ''));
  }
});

test("metrics go through the host meter with the engine's attributes", async () => {
  const client = hostClient();
  const rec = client.startGeneration({ model: MODEL, agentName: 'planner' });
  finish(rec, 11);
  rec.end();
  const snapshot = client.metricsSnapshot();
  await client.shutdown();
  const points = await host.points();
  assert.deepEqual(Object.keys(points).sort(), ['gen_ai.client.operation.duration', 'gen_ai.client.token.usage',
    'gen_ai.client.tool_calls_per_operation', 'sigil.gen_ai.client.cost']);
  assert.deepEqual(points['gen_ai.client.operation.duration'][0].attributes, {
    'gen_ai.operation.name': 'generateText', 'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o', 'gen_ai.agent.name': 'planner',
  });
  const tokens = Object.fromEntries(points['gen_ai.client.token.usage']
    .map((p) => [p.attributes['gen_ai.token.type'], p.value.sum]));
  assert.deepEqual(tokens, { input: 11, output: 2 });
  const engine = Object.fromEntries(snapshot.metrics.map((m) => [m.name, m]));
  const key = (attrs) => JSON.stringify(Object.entries(attrs).sort());
  for (const [name, mine] of Object.entries(points)) {
    const theirs = new Map(engine[name].points.map((p) => [key(p.attributes), p]));
    for (const p of mine) {
      const e = theirs.get(key(p.attributes));
      assert.deepEqual([p.value.count, p.value.sum], [Number(e.count), e.sum], name);
      assert.deepEqual(p.value.buckets.boundaries, engine[name].explicit_bounds, name);
    }
  }
});

test('many concurrent recordings keep their own parents', async () => {
  const client = hostClient();
  const n = 200;
  await Promise.all(Array.from({ length: n }, (_, i) => host.tracer.startActiveSpan(`req-${i}`, async (span) => {
    await sleep(i % 5);
    await client.startGeneration({ model: { provider: 'openai', name: `m-${i}` } }, async (rec) => {
      await sleep((i * 7) % 5);
      host.tracer.startActiveSpan(`child-${i}`, (s) => s.end());
      finish(rec);
    });
    span.end();
  })));
  await client.shutdown();
  const spans = host.spans();
  assert.equal(Object.keys(spans).length, 3 * n);
  for (let i = 0; i < n; i += 1) {
    const gen = spans[`generateText m-${i}`];
    assert.equal(parentId(gen), spans[`req-${i}`].spanContext().spanId);
    assert.equal(parentId(spans[`child-${i}`]), gen.spanContext().spanId);
  }
  const duration = (await host.points())['gen_ai.client.operation.duration'];
  assert.equal(duration.reduce((sum, p) => sum + p.value.count, 0), n);
});

for (const hostFirst of [true, false]) {
  test(`shutdown in either order (host provider first: ${hostFirst})`, async () => {
    const client = hostClient();
    const rec = client.startGeneration({ model: MODEL });
    finish(rec);
    rec.end();
    assert.deepEqual(Object.keys(host.spans()), ['generateText gpt-4o']);
    if (hostFirst) {
      await host.shutdown();
      const late = client.startGeneration({ model: MODEL }); // the host drops it; recording is not affected
      finish(late);
      assert.equal(late.end(), undefined);
      await client.shutdown();
      assert.equal(client.stats().validationFailures, 0);
    } else {
      await client.shutdown();
      const late = client.startGeneration({ model: MODEL });
      assert.equal(late.end()?.name, 'ClientShutdown');
      assert.deepEqual(Object.keys(host.spans()), ['generateText gpt-4o']); // no span for a record never started
      await host.shutdown();
    }
  });
}

test('telemetryMode is checked; engine mode leaves the given tracer alone', async () => {
  assert.throws(() => hostClient({ telemetryMode: 'sideways' }), ConfigError);
  const client = hostClient({ telemetryMode: 'engine' });
  const rec = client.startGeneration({ model: MODEL });
  finish(rec);
  rec.end();
  await client.shutdown();
  assert.deepEqual(host.spans(), {});
  await h.wait('otlp_traces', 1);
});


test('telemetryMode host without a tracer uses the global providers', async () => {
  const { metrics } = await import('@opentelemetry/api');
  trace.setGlobalTracerProvider(host.tracerProvider);
  metrics.setGlobalMeterProvider(host.meterProvider);
  try {
    const client = new SigilClient({
      useEnvironment: false, generationExport: { protocol: 'none' }, telemetryMode: 'host',
    });
    await host.tracer.startActiveSpan('app', async (span) => {
      await client.startGeneration({ model: MODEL }, async (r) => finish(r));
      span.end();
    });
    await client.shutdown();
    const gen = host.spans()['generateText gpt-4o'];
    assert.equal(gen.instrumentationScope.name, 'github.com/grafana/sigil/sdks/js');
    assert.equal(parentId(gen), host.spans().app.spanContext().spanId);
    assert.ok((await host.points())['gen_ai.client.operation.duration']);
  } finally {
    trace.disable();
    metrics.disable();
  }
});

test("the README's host-pipeline example runs as written", async () => {
  const { readFileSync, writeFileSync, rmSync } = await import('node:fs');
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const pkg = fileURLToPath(new URL('..', import.meta.url));
  const section = readFileSync(`${pkg}/README.md`, 'utf8').split(/^## /m).find((s) => s.startsWith('Telemetry'));
  const [block] = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  const file = `${pkg}/test/.readme-telemetry.mjs`;
  try {
    writeFileSync(file, block);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SIGIL|OTEL)_/.test(k)));
    const r = spawnSync(process.execPath, [file], {
      env: { ...env, SIGIL_PROTOCOL: 'none' }, encoding: 'utf8', timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    // ConsoleSpanExporter prints one object per span: its name, id and parent's id.
    const spans = {};
    for (const block of r.stdout.split(/^\{$/m).slice(1)) {
      const [, name, id] = block.match(/^ {2}name: '([^']+)',\n {2}id: '([0-9a-f]{16})'/m);
      const parent = block.match(/^ {2}parentSpanContext: \{\n {4}traceId: '[0-9a-f]+',\n {4}spanId: '([0-9a-f]{16})'/m);
      spans[name] = { id, parent: parent?.[1], block };
    }
    assert.deepEqual(Object.keys(spans).sort(), ['generateText gpt-5', 'handle-request', 'post-process']);
    assert.equal(spans['generateText gpt-5'].parent, spans['handle-request'].id);
    assert.equal(spans['post-process'].parent, spans['generateText gpt-5'].id);
    assert.match(spans['generateText gpt-5'].block, /'gen_ai.provider.name': 'openai'/);
  } finally {
    rmSync(file, { force: true });
  }
});

test("a no-op tracer leaves the engine's ids and scope", async () => {
  const client = hostClient({ tracer: trace.getTracer('unregistered') }); // the API's no-op tracer
  let tp;
  let app;
  await host.tracer.startActiveSpan('app', async (span) => {
    app = span;
    await client.startGeneration({ model: MODEL }, async (rec) => {
      tp = rec.traceparent;
      host.tracer.startActiveSpan('inside', (s) => s.end());
      finish(rec);
    });
    span.end();
  });
  await client.shutdown();
  const [, traceId, spanId] = tp.split('-');
  assert.equal(traceId, app.spanContext().traceId); // still a child of the app's span
  assert.notEqual(spanId, app.spanContext().spanId); // with ids of its own
  assert.equal(parentId(host.spans().inside), spanId);
  // The metrics still go through the host meter.
  const duration = (await host.points())['gen_ai.client.operation.duration'];
  assert.equal(duration.reduce((n, p) => n + p.value.count, 0), 1);
});

test('agent tracing: step spans are host spans; the app\'s spans inside a step nest under it', async () => {
  const client = hostClient();
  let outer;
  let headers;
  await host.tracer.startActiveSpan('handle-request', async (span) => {
    outer = span;
    // root: a new trace even though the application's span is active
    await client.withSpan({ kind: 'agent', name: 'travel-agent', root: true }, async () => {
      const chain = client.traced(async (q) => {
        currentSpan().addEvent('planned', { steps: 2 });
        await host.tracer.startActiveSpan('app-lookup', async (app) => {
          await client.startGeneration({ model: MODEL }, async (r) => finish(r));
          app.end();
        });
        headers = inject({});
        return q;
      }, { kind: 'chain', name: 'plan' });
      await chain('q');
      await assert.rejects(client.withSpan({ kind: 'task', name: 'fails' }, async () => {
        throw new RangeError('out of range');
      }), RangeError);
    });
    span.end();
  });
  await client.shutdown();
  const got = host.spans();
  const agent = got['invoke_agent travel-agent'];
  const plan = got.plan;
  const app = got['app-lookup'];
  const gen = got['generateText gpt-4o'];
  const fails = got.fails;
  for (const s of [agent, plan, app, gen, fails]) assert.ok(s, Object.keys(got).join(','));
  assert.notEqual(agent.spanContext().traceId, outer.spanContext().traceId, 'root starts a new trace');
  assert.equal(parentId(agent), undefined);
  assert.equal(parentId(plan), agent.spanContext().spanId);
  assert.equal(parentId(app), plan.spanContext().spanId);
  assert.equal(parentId(gen), app.spanContext().spanId, 'the app span inside the step is the closer parent');
  assert.equal(parentId(fails), agent.spanContext().spanId);
  assert.equal(agent.kind, SpanKind.INTERNAL);
  assert.equal(agent.attributes['sigil.span.kind'], 'agent');
  assert.equal(agent.attributes['gen_ai.operation.name'], 'invoke_agent');
  assert.equal(plan.attributes['sigil.span.kind'], 'chain');
  assert.equal(JSON.parse(plan.attributes['sigil.span.output']), 'q');
  assert.equal(plan.events.find((e) => e.name === 'planned')?.attributes.steps, 2);
  assert.equal(fails.status.code, SpanStatusCode.ERROR);
  assert.equal(fails.attributes['error.type'], 'RangeError');
  assert.equal(headers.traceparent.split('-')[2], plan.spanContext().spanId, 'inject names the step');
  assert.deepEqual(await h.captures('otlp_traces'), []);
});
