// What the framework tests share: the capture harness and the fake provider (test/providers),
// the application's OpenTelemetry SDK exporting OTLP to the harness (framework spans and, through
// the host pipeline, the engine's generation and tool spans), and readers of the run tree.
import { context } from '@opentelemetry/api';
import { AsyncHooksContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';

import { tool } from '@langchain/core/tools';
import { z } from 'zod';

import { sigilFor } from '../providers/support.mjs';

export { useServers } from '../providers/support.mjs';
export { Reply } from '../providers/fake_provider.mjs';

context.setGlobalContextManager(new AsyncHooksContextManager().enable());

export const TEXT = 'Paris: 18 °C, clear. Oslo: 7 °C, rain.'; // openai.chat/response_text.json
export const STREAM_TEXT = 'Paris is sunny today.'; // openai.chat/stream_text.jsonl

// The tool the fixtures' tool calls name (openai.chat/response_tool_calls.json: Paris, then Oslo).
const weatherSchema = z.object({ city: z.string(), unit: z.string().default('c') });
export const getWeather = tool(async ({ city, unit }) => `${city}: 18 ${unit}`,
  { name: 'get_weather', description: 'The current weather in a city.', schema: weatherSchema });
export const brokenWeather = tool(async ({ city }) => { throw new Error(`weather backend down for ${city}`); },
  { name: 'get_weather', description: 'The current weather in a city (its backend is down).', schema: weatherSchema });

/** The application's tracer provider, exporting every span to the harness as it ends. */
export function hostTracing(harness) {
  const exporter = new OTLPTraceExporter({ url: `${harness.otlpEndpoint}/v1/traces` });
  return new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
}

/**
 * Runs fn({ sigil, provider }) with a client pointed at the harness whose spans go through the
 * application's tracer (the host pipeline); flushes both after, whatever fn did.
 */
export async function withTracedSigil(harness, fn, extra = {}) {
  const provider = hostTracing(harness);
  const sigil = sigilFor(harness, { tracer: provider.getTracer('framework-tests'), ...extra });
  try {
    return await fn({ sigil, provider });
  } finally {
    await sigil.shutdown();
    await provider.forceFlush();
    await provider.shutdown();
  }
}

export async function spans(harness) {
  return (await harness.captures('otlp_traces')).flatMap((x) => x.spans ?? []);
}

/** Waits until `count` generations and spans starting with each of `names` arrived; returns both. */
export async function settle(harness, { generations = 0, names = [] } = {}) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [gens, all] = await Promise.all([harness.generations(), spans(harness)]);
    const done = gens.length >= generations && names.every((n) => all.some((s) => s.name.startsWith(n)));
    if (done) return { gens, spans: all };
    if (Date.now() > deadline) {
      throw new Error(`expected ${generations} generations and spans ${names}: got ${gens.length}, `
        + `${JSON.stringify(all.map((s) => s.name))}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const named = (all, prefix) => all.filter((s) => s.name.startsWith(prefix));

export function parentOf(all, span) {
  const parent = all.find((s) => s.span_id === span.parent_span_id && s.trace_id === span.trace_id);
  if (parent === undefined) throw new Error(`no parent captured for ${span.name}`);
  return parent;
}

export function generationSpan(all, g) {
  const span = all.find((s) => s.attributes['sigil.generation.id'] === g.id);
  if (span === undefined) throw new Error(`no span for generation ${g.id}`);
  return span;
}

export const byStart = (gens) => [...gens].sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at));

/**
 * The two generations of the weather tool loop (openai.chat/response_tool_calls.json, then
 * response_text.json): the first asks for both tool calls, the second gets their results and
 * answers. `stopReason` as the framework reports the fixture's "tool_calls".
 */
export function assertWeatherLoop(first, second, stopReason) {
  const calls = first.output[0].parts.filter((p) => p.tool_call).map((p) => p.tool_call);
  assert.deepEqual(calls.map((c) => [c.id, c.name]), [['call_a1', 'get_weather'], ['call_b2', 'get_weather']]);
  assert.equal(first.stop_reason, stopReason);
  assert.equal(first.usage.input_tokens, '1117');
  assert.equal(first.usage.output_tokens, '46');
  assert.equal(first.response_model, 'gpt-4o-2024-08-06');
  const results = second.input.flatMap((m) => m.parts).filter((p) => p.tool_result).map((p) => p.tool_result);
  assert.deepEqual(results.map((r) => [r.tool_call_id, r.content]), [['call_a1', 'Paris: 18 c'], ['call_b2', 'Oslo: 18 c']]);
  assert.equal(second.output[0].parts[0].text, TEXT);
}
