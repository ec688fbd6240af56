// sigil-sdk/vercel-ai-sdk with the real AI SDK (ai, @ai-sdk/openai's chat model) against the fake
// provider: generateText with a tool over two steps, streamText, an erroring tool, a failed stream
// and concurrent calls; generations, tool executions and spans read at the capture harness.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';

import { createSigilVercelAiSdk } from 'sigil-sdk/vercel-ai-sdk';
import {
  Reply, STREAM_TEXT, TEXT, assertWeatherLoop, byStart, generationSpan, named, settle, useServers, withTracedSigil,
} from './support.mjs';

let harness;
let fake;
useServers((s) => ({ harness, fake } = s));

const model = () => createOpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'test' }).chat('gpt-4o');
const inputSchema = z.object({ city: z.string(), unit: z.string().default('c') });
const weather = tool({ description: 'The current weather in a city.', inputSchema,
  execute: async ({ city, unit }) => `${city}: 18 ${unit}` });
const brokenWeather = tool({ description: 'The current weather in a city (its backend is down).', inputSchema,
  execute: async ({ city }) => { throw new Error(`weather backend down for ${city}`); } });

function toolThenText(stream = false) {
  fake.replies('/chat/completions', stream
    ? [Reply.sse('openai.chat/stream_tool_calls.jsonl'), Reply.sse('openai.chat/stream_text.jsonl')]
    : [Reply.json('openai.chat/response_tool_calls.json'), Reply.json('openai.chat/response_text.json')]);
}

test('generateText with a tool: one generation per step, a tool execution per call', async () => {
  toolThenText();
  await withTracedSigil(harness, async ({ sigil }) => {
    const instrumentation = createSigilVercelAiSdk(sigil, { agentName: 'research-agent', agentVersion: '1.0.0',
      extraTags: { team: 'travel' } });
    const result = await generateText({
      model: model(), prompt: 'Weather in Paris and Oslo?', tools: { get_weather: weather }, stopWhen: stepCountIs(2),
      ...instrumentation.generateTextHooks({ conversationId: 'chat-123' }),
    });
    assert.equal(result.text, TEXT);
  });
  const { gens, spans } = await settle(harness, { generations: 2, names: ['execute_tool get_weather'] });
  const [first, second] = byStart(gens);
  for (const g of [first, second]) {
    assert.equal(g.conversation_id, 'chat-123');
    assert.equal(g.agent_name, 'research-agent');
    assert.equal(g.agent_version, '1.0.0');
    assert.equal(g.mode, 'GENERATION_MODE_SYNC');
    assert.equal(g.operation_name, 'generateText');
    assert.deepEqual(g.model, { provider: 'openai', name: 'gpt-4o' });
    assert.equal(g.tags['sigil.framework.name'], 'vercel-ai-sdk');
    assert.equal(g.tags.team, 'travel');
  }
  assert.equal(first.input[0].parts[0].text, 'Weather in Paris and Oslo?');
  assertWeatherLoop(first, second, 'tool-calls');
  const tools = named(spans, 'execute_tool get_weather');
  assert.deepEqual(tools.map((s) => s.attributes['gen_ai.tool.call.id']).sort(), ['call_a1', 'call_b2']);
  for (const s of tools) {
    assert.equal(s.attributes['gen_ai.conversation.id'], 'chat-123');
    assert.equal(s.status.code, 'STATUS_CODE_UNSET');
  }
  assert.equal(generationSpan(spans, first).attributes['gen_ai.operation.name'], 'generateText');
});

test('streamText: stream generations with their time to first token', async () => {
  toolThenText(true);
  let ttft;
  await withTracedSigil(harness, async ({ sigil }) => {
    const instrumentation = createSigilVercelAiSdk(sigil);
    const result = streamText({
      model: model(), prompt: 'Weather?', tools: { get_weather: weather }, stopWhen: stepCountIs(2),
      ...instrumentation.streamTextHooks({ conversationId: 'stream-1' }),
    });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    assert.equal(text, STREAM_TEXT);
    await sigil.flush();
    ttft = sigil.metricsSnapshot().metrics.filter((m) => m.name === 'gen_ai.client.time_to_first_token');
  });
  const { gens } = await settle(harness, { generations: 2 });
  const [first, second] = byStart(gens);
  for (const g of [first, second]) {
    assert.equal(g.mode, 'GENERATION_MODE_STREAM');
    assert.equal(g.operation_name, 'streamText');
    assert.equal(g.conversation_id, 'stream-1');
  }
  assert.ok(first.output[0].parts.some((p) => p.tool_call));
  assert.equal(second.output[0].parts[0].text, STREAM_TEXT);
  assert.equal(ttft.flatMap((m) => m.points).reduce((n, p) => n + Number(p.count), 0), 2);
});

test('an erroring tool is a failed tool execution; the loop goes on', async () => {
  toolThenText();
  await withTracedSigil(harness, async ({ sigil }) => {
    const instrumentation = createSigilVercelAiSdk(sigil);
    await generateText({
      model: model(), prompt: 'Weather?', tools: { get_weather: brokenWeather }, stopWhen: stepCountIs(2),
      ...instrumentation.generateTextHooks({ conversationId: 'broken' }),
    });
  });
  const { gens, spans } = await settle(harness, { generations: 2, names: ['execute_tool get_weather'] });
  const tools = named(spans, 'execute_tool get_weather');
  assert.equal(tools.length, 2);
  for (const s of tools) {
    assert.equal(s.status.code, 'STATUS_CODE_ERROR');
    assert.match(s.status.message, /weather backend down for (Paris|Oslo)/);
  }
  const second = byStart(gens)[1];
  assert.ok(second.input.flatMap((m) => m.parts).filter((p) => p.tool_result).every((p) => p.tool_result.is_error));
});

test('a failed stream records its step as a failed generation', async () => {
  fake.reply('/chat/completions', Reply.error(500, { error: { message: 'upstream broke' } }));
  await withTracedSigil(harness, async ({ sigil }) => {
    const instrumentation = createSigilVercelAiSdk(sigil);
    const result = streamText({ model: model(), prompt: 'hi', maxRetries: 0,
      ...instrumentation.streamTextHooks({ conversationId: 'fails' }) });
    // The AI SDK hands a stream's error to onError and ends the text stream empty.
    let text = '';
    for await (const delta of result.textStream) text += delta;
    assert.equal(text, '');
  });
  const { gens, spans } = await settle(harness, { generations: 1 });
  assert.match(gens[0].call_error, /upstream broke/);
  assert.equal(gens[0].conversation_id, 'fails');
  assert.equal(generationSpan(spans, gens[0]).status.code, 'STATUS_CODE_ERROR');
});

test('concurrent calls keep their own conversations; without one, a call has its own', async () => {
  fake.reply('/chat/completions', Reply.json('openai.chat/response_text.json'));
  await withTracedSigil(harness, async ({ sigil }) => {
    const instrumentation = createSigilVercelAiSdk(sigil);
    await Promise.all(Array.from({ length: 5 }, (_, i) => generateText({ model: model(), prompt: `q${i}`,
      ...instrumentation.generateTextHooks(i < 4 ? { conversationId: `c-${i}` } : {}) })));
  });
  const { gens } = await settle(harness, { generations: 5 });
  for (const g of gens) {
    const prompt = g.input[0].parts[0].text;
    const i = Number(prompt.slice(1));
    if (i < 4) assert.equal(g.conversation_id, `c-${i}`);
    else assert.match(g.conversation_id, /^sigil:framework:vercel-ai-sdk:[0-9a-f-]{36}$/);
  }
});
