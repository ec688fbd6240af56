// sigil-sdk/openai-agents with the real OpenAI Agents JS SDK (@openai/agents over the real openai
// client, chat completions against the fake provider): a handoff then a tool, a streamed run and
// concurrent runs; generations, tool executions and spans read at the capture harness.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  Agent, Runner, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled, tool,
} from '@openai/agents';
import OpenAI from 'openai';
import { z } from 'zod';

import { withSigilOpenAIAgentsHooks } from 'sigil-sdk/openai-agents';
import { fixtureJson } from '../providers/fake_provider.mjs';
import {
  Reply, STREAM_TEXT, TEXT, generationSpan, named, parentOf, settle, useServers, withTracedSigil,
} from './support.mjs';

let harness;
let fake;
useServers((s) => ({ harness, fake } = s));

setTracingDisabled(true); // the SDK's own traces would go to OpenAI's service
setOpenAIAPI('chat_completions'); // what the fake provider's fixtures speak

/** Points the Agents SDK's default OpenAI client at the fake provider (started before the tests). */
function useFakeProvider() {
  setDefaultOpenAIClient(new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'test', maxRetries: 0 }));
}

/** A chat completion asking for one tool call (the tool-calls fixture with its calls replaced). */
function toolCall(name, args, id) {
  const body = fixtureJson('openai.chat/response_tool_calls.json');
  body.choices[0].message.tool_calls = [{ id, type: 'function', function: { name, arguments: JSON.stringify(args) } }];
  return { kind: 'json', status: 200, body: JSON.stringify(body) };
}

const getWeather = tool({
  name: 'get_weather',
  description: 'The current weather in a city.',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => `${city}: 18 °C`,
});
const weatherAgent = () => new Agent({ name: 'weather', instructions: 'Answer with the weather.', model: 'gpt-4o',
  tools: [getWeather] });

test('a run with a handoff and a tool: a generation per agent, the tool under its agent, the handoff a span', async () => {
  useFakeProvider();
  fake.replies('/chat/completions', [toolCall('transfer_to_weather', {}, 'call_h1'),
    toolCall('get_weather', { city: 'Paris' }, 'call_w1'), Reply.json('openai.chat/response_text.json')]);
  await withTracedSigil(harness, async ({ sigil }) => {
    const triage = new Agent({ name: 'triage', instructions: 'Hand weather questions over.', model: 'gpt-4o',
      handoffs: [weatherAgent()] });
    const runner = new Runner();
    const { detach } = withSigilOpenAIAgentsHooks(runner, sigil, { agentName: 'travel-desk' });
    const result = await runner.run(triage, 'Weather in Paris?', { context: { conversationId: 'conv-7' } });
    detach();
    assert.equal(result.finalOutput, TEXT);
  });
  const { gens, spans } = await settle(harness, { generations: 2, names: ['execute_tool get_weather',
    'openai-agents.chain agent_handoff'] });
  for (const g of gens) {
    assert.equal(g.conversation_id, 'conv-7');
    assert.equal(g.agent_name, 'travel-desk');
    assert.equal(g.tags['sigil.framework.name'], 'openai-agents');
    assert.deepEqual(g.model, { provider: 'openai', name: 'gpt-4o' });
  }
  const triage = gens.find((g) => g.metadata['sigil.framework.component_name'] === 'triage');
  const weather = gens.find((g) => g.metadata['sigil.framework.component_name'] === 'weather');
  assert.equal(triage.input[0].parts[0].text, 'Weather in Paris?');
  assert.equal(weather.output[0].parts[0].text, TEXT);
  const [toolSpan] = named(spans, 'execute_tool get_weather');
  assert.equal(toolSpan.attributes['gen_ai.tool.call.id'], 'call_w1');
  assert.equal(toolSpan.attributes['gen_ai.tool.call.result'], '"Paris: 18 °C"');
  assert.equal(parentOf(spans, toolSpan).span_id, generationSpan(spans, weather).span_id);
  const [handoff] = named(spans, 'openai-agents.chain agent_handoff');
  assert.equal(handoff.attributes['sigil.framework.run_type'], 'handoff');
  assert.equal(handoff.attributes['gen_ai.conversation.id'], 'conv-7');
  assert.equal(parentOf(spans, handoff).span_id, generationSpan(spans, triage).span_id);
});

test('a streamed run is recorded when its stream completes', async () => {
  useFakeProvider();
  fake.reply('/chat/completions', Reply.sse('openai.chat/stream_text.jsonl'));
  await withTracedSigil(harness, async ({ sigil }) => {
    const runner = new Runner();
    withSigilOpenAIAgentsHooks(runner, sigil);
    const agent = new Agent({ name: 'streamer', instructions: 'Be brief.', model: 'gpt-4o' });
    const result = await runner.run(agent, 'Weather?', { stream: true, context: { sessionId: 'sess-1' } });
    let text = '';
    for await (const chunk of result.toTextStream()) text += chunk;
    await result.completed;
    assert.equal(text, STREAM_TEXT);
  });
  const { gens } = await settle(harness, { generations: 1 });
  assert.equal(gens[0].conversation_id, 'sess-1');
  assert.equal(gens[0].output[0].parts[0].text, STREAM_TEXT);
});

test('concurrent runs on one runner never mix', async () => {
  useFakeProvider();
  fake.reply('/chat/completions', Reply.json('openai.chat/response_text.json'));
  await withTracedSigil(harness, async ({ sigil }) => {
    const runner = new Runner();
    const { handler } = withSigilOpenAIAgentsHooks(runner, sigil);
    const agent = new Agent({ name: 'asker', instructions: 'Be brief.', model: 'gpt-4o' });
    await Promise.all(Array.from({ length: 5 }, (_, i) => runner.run(agent, `Weather ${i}?`,
      { context: { conversationId: `c-${i}` } })));
    assert.equal(handler.openRuns, 0);
  });
  const { gens } = await settle(harness, { generations: 5 });
  for (const g of gens) assert.equal(g.input[0].parts[0].text, `Weather ${g.conversation_id.slice(2)}?`);
});
