// An OpenAI Agents JS run with a handoff and a tool, recorded by sigil-sdk/openai-agents: each
// agent's run a generation, the tool call a tool execution, the handoff a span.
//
//   SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 node examples/node/openai-agents.mjs
//
// Without OPENAI_BASE_URL it answers itself from a fake provider on loopback (no network, no
// key); with OPENAI_BASE_URL and OPENAI_API_KEY it calls that service. Needs the package
// installed first: (cd bindings/node && npm install). Exit status 0 when both agent runs were
// recorded and delivered.
import { createRequire } from 'node:module';

// In an application:
//   import { Agent, Runner, tool } from '@openai/agents';
//   import { SigilClient } from 'sigil-sdk';
//   import { withSigilOpenAIAgentsHooks } from 'sigil-sdk/openai-agents';
import { SigilClient } from '../../bindings/node/lib/index.mjs';
import { withSigilOpenAIAgentsHooks } from '../../bindings/node/lib/frameworks/openai-agents.mjs';

const require = createRequire(new URL('../../bindings/node/package.json', import.meta.url));
const { Agent, Runner, setOpenAIAPI, setTracingDisabled, tool } = await import(require.resolve('@openai/agents'));
const { z } = await import(require.resolve('zod'));

let fake;
if (!process.env.OPENAI_BASE_URL) {
  const { FakeProvider, Reply, fixtureJson } = await import('../../bindings/node/test/providers/fake_provider.mjs');
  fake = await FakeProvider.start();
  const call = (name, args, id) => {
    const body = fixtureJson('openai.chat/response_tool_calls.json');
    body.choices[0].message.tool_calls = [{ id, type: 'function', function: { name, arguments: JSON.stringify(args) } }];
    return { kind: 'json', status: 200, body: JSON.stringify(body) };
  };
  fake.replies('/chat/completions', [call('transfer_to_weather', {}, 'call_h1'),
    call('get_weather', { city: 'Paris' }, 'call_w1'), Reply.json('openai.chat/response_text.json')]);
  process.env.OPENAI_BASE_URL = `${fake.url}/v1`;
  process.env.OPENAI_API_KEY = 'not-needed';
  setTracingDisabled(true); // the Agents SDK's own traces would go to OpenAI's service
  setOpenAIAPI('chat_completions'); // what the fake provider speaks
}

const sigil = new SigilClient(); // configured from SIGIL_* (endpoint, protocol, auth, ...)

const getWeather = tool({
  name: 'get_weather',
  description: 'The current weather in a city.',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => `${city}: 18 °C`,
});
const weather = new Agent({ name: 'weather', instructions: 'Answer with the weather.', model: 'gpt-4o',
  tools: [getWeather] });
const triage = new Agent({ name: 'triage', instructions: 'Hand weather questions over.', model: 'gpt-4o',
  handoffs: [weather] });

const runner = new Runner();
const hooks = withSigilOpenAIAgentsHooks(runner, sigil, { agentName: 'travel-desk', agentVersion: '1.0.0' });
// The run context's conversationId (or sessionId / groupId) names the conversation.
const result = await runner.run(triage, 'Weather in Paris?', { context: { conversationId: 'conv-agents-example' } });
console.log('assistant:', result.finalOutput);
hooks.detach();

await sigil.shutdown();
await fake?.stop();
const stats = sigil.stats();
console.log(`generations: ${stats.generationsEnqueued} enqueued, ${stats.generationsExported} exported`);
process.exitCode = Number(stats.generationsExported) === 2 ? 0 : 1;
