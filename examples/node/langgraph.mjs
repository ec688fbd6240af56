// A LangGraph.js graph with a checkpointer, recorded by sigil-sdk/langgraph: the thread_id
// names the conversation across invocations, each model call is a generation carrying the graph
// node it ran in, the tool call a tool execution.
//
//   SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 node examples/node/langgraph.mjs
//
// Without OPENAI_BASE_URL it answers itself from a fake provider on loopback (no network, no
// key); with OPENAI_BASE_URL and OPENAI_API_KEY it calls that service. Needs the package
// installed first: (cd bindings/node && npm install). Exit status 0 when the three model calls
// were recorded and delivered.
import { createRequire } from 'node:module';

// In an application:
//   import { ChatOpenAI } from '@langchain/openai';
//   import { MemorySaver, MessagesAnnotation, StateGraph, START, END } from '@langchain/langgraph';
//   import { ToolNode } from '@langchain/langgraph/prebuilt';
//   import { SigilClient } from 'sigil-sdk';
//   import { withSigilLangGraphCallbacks } from 'sigil-sdk/langgraph';
import { SigilClient } from '../../bindings/node/lib/index.mjs';
import { withSigilLangGraphCallbacks } from '../../bindings/node/lib/frameworks/langgraph.mjs';

const require = createRequire(new URL('../../bindings/node/package.json', import.meta.url));
const { ChatOpenAI } = await import(require.resolve('@langchain/openai'));
const { END, MemorySaver, MessagesAnnotation, START, StateGraph } = await import(require.resolve('@langchain/langgraph'));
const { ToolNode } = await import(require.resolve('@langchain/langgraph/prebuilt'));
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

// agent -> tools (while the model asks for them) -> agent -> END; the MemorySaver keeps each thread.
const graph = new StateGraph(MessagesAnnotation)
  .addNode('agent', async (state, config) => ({ messages: [await llm.invoke(state.messages, config)] }))
  .addNode('tools', new ToolNode([getWeather]))
  .addEdge(START, 'agent')
  .addConditionalEdges('agent', (state) => (state.messages.at(-1).tool_calls?.length ? 'tools' : END))
  .addEdge('tools', 'agent')
  .compile({ checkpointer: new MemorySaver() });

// The handler rides in the config with the thread; every generation of the thread has
// conversation id "trip-42" and metadata sigil.framework.langgraph.node "agent".
const config = withSigilLangGraphCallbacks({ configurable: { thread_id: 'trip-42' } }, sigil,
  { agentName: 'trip-planner', agentVersion: '1.0.0' });
const answer = (state) => state.messages.findLast((m) => m.type === 'ai').content;
console.log('assistant:', answer(await graph.invoke({ messages: [{ role: 'user', content: 'Weather in Paris and Oslo?' }] },
  config)));
console.log('assistant:', answer(await graph.invoke({ messages: [{ role: 'user', content: 'And tomorrow?' }] }, config)));

await sigil.shutdown();
await fake?.stop();
const stats = sigil.stats();
console.log(`generations: ${stats.generationsEnqueued} enqueued, ${stats.generationsExported} exported`);
process.exitCode = Number(stats.generationsExported) === 3 ? 0 : 1;
