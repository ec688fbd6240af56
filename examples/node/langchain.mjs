// A LangChain.js chain with a tool, recorded by sigil-sdk/langchain: each model call a generation,
// the tool call a tool execution, the chain a span they nest under (when the application uses
// OpenTelemetry; here the client only exports generations).
//
//   SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 node examples/node/langchain.mjs
//
// Without OPENAI_BASE_URL it answers itself from a fake provider on loopback (no network, no
// key); with OPENAI_BASE_URL and OPENAI_API_KEY it calls that service. Needs the package
// installed first: (cd bindings/node && npm install). Exit status 0 when both model calls were
// recorded and delivered.
import { createRequire } from 'node:module';

// In an application:
//   import { ChatOpenAI } from '@langchain/openai';
//   import { SigilClient } from 'sigil-sdk';
//   import { withSigilLangChainCallbacks } from 'sigil-sdk/langchain';
import { SigilClient } from '../../bindings/node/lib/index.mjs';
import { withSigilLangChainCallbacks } from '../../bindings/node/lib/frameworks/langchain.mjs';

const require = createRequire(new URL('../../bindings/node/package.json', import.meta.url));
const { ChatOpenAI } = await import(require.resolve('@langchain/openai'));
const { HumanMessage } = await import(require.resolve('@langchain/core/messages'));
const { RunnableLambda } = await import(require.resolve('@langchain/core/runnables'));
const { tool } = await import(require.resolve('@langchain/core/tools'));
const { z } = await import(require.resolve('zod'));

let fake;
if (!process.env.OPENAI_BASE_URL) {
  const { FakeProvider, Reply } = await import('../../bindings/node/test/providers/fake_provider.mjs');
  fake = await FakeProvider.start();
  fake.replies('/chat/completions', [Reply.json('openai.chat/response_tool_calls.json'),
    Reply.json('openai.chat/response_text.json')]);
  process.env.OPENAI_BASE_URL = `${fake.url}/v1`;
  process.env.OPENAI_API_KEY = 'not-needed';
}

const sigil = new SigilClient(); // configured from SIGIL_* (endpoint, protocol, auth, ...)

const getWeather = tool(async ({ city }) => `${city}: 18 °C`, {
  name: 'get_weather',
  description: 'The current weather in a city.',
  schema: z.object({ city: z.string(), unit: z.string().optional() }),
});
const llm = new ChatOpenAI({ model: 'gpt-4o', maxRetries: 0, configuration: { baseURL: process.env.OPENAI_BASE_URL } })
  .bindTools([getWeather]);

// The chain: ask, run the tools the model asked for, ask again with their results.
const weatherAgent = RunnableLambda.from(async (question, config) => {
  const messages = [new HumanMessage(question)];
  const ai = await llm.invoke(messages, config);
  messages.push(ai);
  for (const call of ai.tool_calls ?? []) messages.push(await getWeather.invoke(call, config));
  return (await llm.invoke(messages, config)).content;
}).withConfig({ runName: 'weather_agent' });

// One config carries the handler to every run in the chain; metadata.conversation_id (or a
// thread_id) names the conversation, else each run gets sigil:framework:langchain:<run id>.
const config = withSigilLangChainCallbacks({ metadata: { conversation_id: 'conv-langchain-example' } }, sigil,
  { agentName: 'weather-bot', agentVersion: '1.0.0' });
console.log('assistant:', await weatherAgent.invoke('Weather in Paris and Oslo?', config));

await sigil.shutdown();
await fake?.stop();
const stats = sigil.stats();
console.log(`generations: ${stats.generationsEnqueued} enqueued, ${stats.generationsExported} exported`);
process.exitCode = Number(stats.generationsExported) === 2 ? 0 : 1;
