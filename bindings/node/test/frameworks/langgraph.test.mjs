// sigil-sdk/langgraph with real LangGraph.js: a tool-calling graph (ChatOpenAI from
// @langchain/openai against the fake provider, the prebuilt ToolNode) with a MemorySaver
// checkpointer; generations, tool executions and spans are read at the capture harness.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { END, MemorySaver, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode } from '@langchain/langgraph/prebuilt';
import { ChatOpenAI } from '@langchain/openai';

import { SigilLangGraphHandler, withSigilLangGraphCallbacks } from 'sigil-sdk/langgraph';
import {
  Reply, STREAM_TEXT, TEXT, brokenWeather, byStart, generationSpan, getWeather, named, parentOf, settle, useServers,
  withTracedSigil,
} from './support.mjs';

let harness;
let fake;
useServers((s) => ({ harness, fake } = s));

/** agent -> (tool calls?) tools -> agent -> END, remembering each thread in a MemorySaver. */
function weatherGraph({ weatherTool = getWeather, checkpointer = new MemorySaver() } = {}) {
  const llm = new ChatOpenAI({
    model: 'gpt-4o', apiKey: 'test', maxRetries: 0, configuration: { baseURL: `${fake.url}/v1` },
  }).bindTools([weatherTool]);
  // handleToolErrors off: a failing tool fails the graph run (as an erroring tool should be seen).
  const tools = new ToolNode([weatherTool], { handleToolErrors: false });
  return new StateGraph(MessagesAnnotation)
    .addNode('agent', async (state, config) => ({ messages: [await llm.invoke(state.messages, config)] }))
    .addNode('tools', tools)
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', (state) => (state.messages.at(-1).tool_calls?.length ? 'tools' : END))
    .addEdge('tools', 'agent')
    .compile({ checkpointer });
}

test('a graph with a checkpointer: one conversation per thread_id across invocations, nested spans', async () => {
  fake.replies('/chat/completions', [Reply.json('openai.chat/response_tool_calls.json'),
    Reply.json('openai.chat/response_text.json'), Reply.json('openai.chat/response_text.json')]);
  await withTracedSigil(harness, async ({ sigil }) => {
    const graph = weatherGraph();
    const config = withSigilLangGraphCallbacks({ configurable: { thread_id: 'trip-42' } }, sigil,
      { agentName: 'planner' });
    const first = await graph.invoke({ messages: [{ role: 'user', content: 'Weather in Paris and Oslo?' }] }, config);
    assert.equal(first.messages.at(-1).content, TEXT);
    const firstLength = first.messages.length;
    const second = await graph.invoke({ messages: [{ role: 'user', content: 'And tomorrow?' }] }, config);
    // The checkpointer kept the thread: the second run's state holds the first run's messages.
    const texts = second.messages.map((m) => m.content);
    assert.ok(second.messages.length > firstLength);
    assert.ok(texts.includes('Weather in Paris and Oslo?') && texts.includes('And tomorrow?'), JSON.stringify(texts));
  });
  const { gens, spans } = await settle(harness, { generations: 3, names: ['langgraph.chain agent',
    'execute_tool get_weather'] });
  const ordered = byStart(gens);
  for (const g of ordered) {
    assert.equal(g.conversation_id, 'trip-42');
    assert.equal(g.agent_name, 'planner');
    assert.equal(g.tags['sigil.framework.name'], 'langgraph');
    assert.equal(g.metadata['sigil.framework.thread_id'], 'trip-42');
    assert.equal(g.metadata['sigil.framework.langgraph.node'], 'agent');
    assert.deepEqual(g.model, { provider: 'openai', name: 'gpt-4o' });
    const span = generationSpan(spans, g);
    assert.equal(span.attributes['sigil.framework.langgraph.node'], 'agent');
    // The model run's parent is the agent node's span, itself under the graph's span.
    const node = parentOf(spans, span);
    assert.equal(node.name, 'langgraph.chain agent');
    assert.equal(node.attributes['sigil.framework.langgraph.node'], 'agent');
    assert.equal(node.attributes['sigil.framework.thread_id'], 'trip-42');
    assert.equal(node.attributes['gen_ai.conversation.id'], 'trip-42');
    const graphSpan = parentOf(spans, node);
    assert.equal(graphSpan.attributes['sigil.framework.parent_run_id'], undefined);
    assert.equal(graphSpan.attributes['sigil.framework.run_type'], 'chain');
  }
  // The second invocation's model call saw the whole thread (the checkpointer's history).
  assert.ok(ordered[2].input.length >= 5, JSON.stringify(ordered[2].input.map((m) => m.role)));
  const toolSpans = named(spans, 'execute_tool get_weather');
  assert.equal(toolSpans.length, 2);
  for (const s of toolSpans) {
    assert.equal(s.attributes['gen_ai.conversation.id'], 'trip-42');
    let up = parentOf(spans, s);
    while (!up.name.startsWith('langgraph.chain tools')) up = parentOf(spans, up);
    assert.equal(up.attributes['sigil.framework.langgraph.node'], 'tools');
  }
  // Two graph runs, each a root of its own trace.
  const roots = spans.filter((s) => s.name.startsWith('langgraph.chain') && !s.parent_span_id);
  assert.equal(roots.length, 2);
});

test('a streamed graph run: stream generations and the streamed answer', async () => {
  fake.replies('/chat/completions', [Reply.sse('openai.chat/stream_tool_calls.jsonl'),
    Reply.sse('openai.chat/stream_text.jsonl')]);
  await withTracedSigil(harness, async ({ sigil }) => {
    // streamMode "messages" has the model stream its tokens (LangGraph's own handler asks for them).
    const graph = weatherGraph();
    const config = withSigilLangGraphCallbacks({ configurable: { thread_id: 'stream-1' }, streamMode: 'messages' },
      sigil);
    let text = '';
    for await (const [chunk, meta] of await graph.stream({ messages: [{ role: 'user', content: 'Weather?' }] }, config)) {
      if (meta.langgraph_node === 'agent' && typeof chunk.content === 'string') text += chunk.content;
    }
    assert.equal(text, STREAM_TEXT);
  });
  const { gens } = await settle(harness, { generations: 2 });
  const [first, second] = byStart(gens);
  assert.equal(first.mode, 'GENERATION_MODE_STREAM');
  assert.equal(second.mode, 'GENERATION_MODE_STREAM');
  assert.ok(first.output[0].parts.some((p) => p.tool_call));
  assert.equal(second.output[0].parts[0].text, STREAM_TEXT);
  for (const g of gens) assert.equal(g.conversation_id, 'stream-1');
});

test('an erroring tool node: a failed tool execution and failed node and graph spans', async () => {
  fake.replies('/chat/completions', [Reply.json('openai.chat/response_tool_calls.json')]);
  await withTracedSigil(harness, async ({ sigil }) => {
    const graph = weatherGraph({ weatherTool: brokenWeather });
    const config = withSigilLangGraphCallbacks({ configurable: { thread_id: 'broken' } }, sigil);
    await assert.rejects(graph.invoke({ messages: [{ role: 'user', content: 'Weather?' }] }, config),
      /weather backend down/);
  });
  const { spans } = await settle(harness, { generations: 1, names: ['execute_tool get_weather',
    'langgraph.chain tools'] });
  const failed = named(spans, 'execute_tool get_weather');
  assert.ok(failed.length >= 1);
  for (const s of failed) assert.equal(s.status.code, 'STATUS_CODE_ERROR');
  const [toolsNode] = named(spans, 'langgraph.chain tools');
  assert.equal(toolsNode.status.code, 'STATUS_CODE_ERROR');
  assert.equal(toolsNode.attributes['error.type'], 'framework_error');
});

test('concurrent graph runs on different threads never mix', async () => {
  fake.reply('/chat/completions', Reply.json('openai.chat/response_text.json'));
  await withTracedSigil(harness, async ({ sigil }) => {
    const graph = weatherGraph();
    const handler = new SigilLangGraphHandler(sigil);
    await Promise.all(Array.from({ length: 5 }, (_, i) => graph.invoke(
      { messages: [{ role: 'user', content: `Weather ${i}?` }] },
      { callbacks: [handler], configurable: { thread_id: `t-${i}` } })));
    assert.equal(handler.openRuns, 0);
  });
  const { gens, spans } = await settle(harness, { generations: 5 });
  assert.deepEqual(gens.map((g) => g.conversation_id).sort(), ['t-0', 't-1', 't-2', 't-3', 't-4']);
  for (const g of gens) {
    const node = parentOf(spans, generationSpan(spans, g));
    assert.equal(node.attributes['sigil.framework.thread_id'], g.conversation_id);
    assert.equal(g.input[0].parts[0].text, `Weather ${g.conversation_id.slice(2)}?`);
  }
});
