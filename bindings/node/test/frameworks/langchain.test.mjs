// sigil-sdk/langchain with real LangChain.js: ChatOpenAI (@langchain/openai over the real openai
// SDK) talks to the fake provider on loopback; generations, tool executions and spans are read at
// the capture harness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import { Document } from '@langchain/core/documents';
import { HumanMessage } from '@langchain/core/messages';
import { BaseRetriever } from '@langchain/core/retrievers';
import { RunnableLambda } from '@langchain/core/runnables';
import { ChatOpenAI } from '@langchain/openai';
import { trace } from '@opentelemetry/api';

import {
  SigilLangChainHandler, createSigilLangChainHandler, withSigilLangChainCallbacks,
} from 'sigil-sdk/langchain';
import {
  Reply, STREAM_TEXT, TEXT, assertWeatherLoop, brokenWeather, byStart, generationSpan, getWeather, hostTracing, named,
  parentOf, settle, useServers, withTracedSigil,
} from './support.mjs';
import { withSigil } from '../providers/support.mjs';

let harness;
let fake;
useServers((s) => ({ harness, fake } = s));

const chatModel = () => new ChatOpenAI({
  model: 'gpt-4o', apiKey: 'test', maxRetries: 0, configuration: { baseURL: `${fake.url}/v1` },
});

/** A chain with a tool: the model asks for tool calls, the tool answers each, the model answers. */
function weatherAgent(weatherTool = getWeather, { stream = false } = {}) {
  const llm = chatModel().bindTools([weatherTool]);
  // Streamed: the model's answer is gathered from its chunks (ChatOpenAI's streaming flag would
  // have invoke() estimate token counts with tiktoken, which fetches its ranks from the internet).
  const ask = async (messages, config) => {
    if (!stream) return llm.invoke(messages, config);
    let whole;
    for await (const chunk of await llm.stream(messages, config)) whole = whole === undefined ? chunk : whole.concat(chunk);
    return whole;
  };
  return RunnableLambda.from(async (question, config) => {
    const messages = [new HumanMessage(question)];
    const ai = await ask(messages, config);
    messages.push(ai);
    for (const call of ai.tool_calls ?? []) messages.push(await weatherTool.invoke(call, config));
    return (await ask(messages, config)).content;
  }).withConfig({ runName: 'weather_agent' });
}

function agentReplies(stream = false) {
  fake.replies('/chat/completions', stream
    ? [Reply.sse('openai.chat/stream_tool_calls.jsonl'), Reply.sse('openai.chat/stream_text.jsonl')]
    : [Reply.json('openai.chat/response_tool_calls.json'), Reply.json('openai.chat/response_text.json')]);
}

test('a chain with a tool records generations, tool executions and nested spans', async () => {
  agentReplies();
  await withTracedSigil(harness, async ({ sigil }) => {
    const config = withSigilLangChainCallbacks({ tags: ['travel'] }, sigil, { agentName: 'weather-bot' });
    assert.equal(await weatherAgent().invoke('Weather in Paris and Oslo?', config), TEXT);
  });
  const { gens, spans } = await settle(harness, { generations: 2, names: ['langchain.chain weather_agent'] });
  const [first, second] = byStart(gens);
  for (const g of [first, second]) {
    assert.equal(g.mode, 'GENERATION_MODE_SYNC');
    assert.deepEqual(g.model, { provider: 'openai', name: 'gpt-4o' });
    assert.equal(g.agent_name, 'weather-bot');
    assert.equal(g.tags['sigil.framework.name'], 'langchain');
    assert.equal(g.tags['sigil.framework.source'], 'handler');
    assert.equal(g.tags['sigil.framework.language'], 'javascript');
    assert.equal(g.metadata['sigil.framework.run_type'], 'chat');
    assert.deepEqual(g.metadata['sigil.framework.tags'], ['travel']);
    assert.match(g.metadata['sigil.framework.component_name'], /ChatOpenAI$/);
    assert.equal(g.conversation_id, `sigil:framework:langchain:${g.metadata['sigil.framework.run_id']}`);
  }
  assertWeatherLoop(first, second, 'tool_calls');

  const [chain] = named(spans, 'langchain.chain weather_agent');
  assert.equal(chain.attributes['sigil.framework.run_type'], 'chain');
  assert.equal(chain.attributes['gen_ai.operation.name'], 'framework_chain');
  assert.equal(chain.status.code, 'STATUS_CODE_OK');
  const runId = chain.attributes['sigil.framework.run_id'];
  for (const g of [first, second]) {
    assert.equal(g.metadata['sigil.framework.parent_run_id'], runId);
    const span = generationSpan(spans, g);
    assert.equal(parentOf(spans, span).span_id, chain.span_id);
    assert.equal(span.attributes['sigil.framework.run_type'], 'chat');
    assert.equal(span.attributes['sigil.framework.parent_run_id'], runId);
  }
  const tools = named(spans, 'execute_tool get_weather');
  assert.equal(tools.length, 2);
  for (const span of tools) assert.equal(parentOf(spans, span).span_id, chain.span_id);
  assert.deepEqual(new Set(tools.map((s) => s.attributes['gen_ai.tool.call.id'])), new Set(['call_a1', 'call_b2']));
  // The tool's text result, JSON-quoted on the span (docs/telemetry.md).
  assert.deepEqual(new Set(tools.map((s) => s.attributes['gen_ai.tool.call.result'])),
    new Set(['"Paris: 18 c"', '"Oslo: 18 c"']));
});

test('a streamed model call is a stream generation with its time to first token', async () => {
  fake.reply('/chat/completions', Reply.sse('openai.chat/stream_text.jsonl'));
  let ttft;
  await withTracedSigil(harness, async ({ sigil }) => {
    let text = '';
    for await (const chunk of await chatModel().stream('Weather?', withSigilLangChainCallbacks(undefined, sigil))) {
      text += chunk.content;
    }
    assert.equal(text, STREAM_TEXT);
    await sigil.flush();
    ttft = sigil.metricsSnapshot().metrics.filter((m) => m.name === 'gen_ai.client.time_to_first_token');
  });
  const { gens } = await settle(harness, { generations: 1 });
  const [g] = gens;
  assert.equal(g.mode, 'GENERATION_MODE_STREAM');
  assert.equal(g.output[0].parts[0].text, STREAM_TEXT);
  assert.equal(g.model.provider, 'openai');
  assert.equal(ttft.flatMap((m) => m.points).reduce((n, p) => n + Number(p.count), 0), 1);
});

test('a streamed chain with a tool', async () => {
  agentReplies(true);
  await withTracedSigil(harness, async ({ sigil }) => {
    const config = withSigilLangChainCallbacks(undefined, sigil);
    assert.equal(await weatherAgent(getWeather, { stream: true }).invoke('Weather?', config), STREAM_TEXT);
  });
  const { gens, spans } = await settle(harness, { generations: 2, names: ['langchain.chain weather_agent'] });
  const [first, second] = byStart(gens);
  assert.equal(first.mode, 'GENERATION_MODE_STREAM');
  assert.equal(second.mode, 'GENERATION_MODE_STREAM');
  const calls = first.output[0].parts.filter((p) => p.tool_call);
  assert.ok(calls.length > 0);
  assert.equal(second.output[0].parts[0].text, STREAM_TEXT);
  assert.equal(named(spans, 'execute_tool get_weather').length, calls.length);
});

test('an erroring tool is a failed tool execution inside a failed chain', async () => {
  agentReplies();
  await withTracedSigil(harness, async ({ sigil }) => {
    await assert.rejects(weatherAgent(brokenWeather).invoke('Weather?', withSigilLangChainCallbacks(undefined, sigil)),
      /weather backend down for Paris/);
  });
  const { spans } = await settle(harness, { generations: 1, names: ['langchain.chain weather_agent', 'execute_tool'] });
  const [toolSpan] = named(spans, 'execute_tool get_weather');
  assert.equal(toolSpan.status.code, 'STATUS_CODE_ERROR');
  assert.match(toolSpan.status.message, /weather backend down for Paris/);
  const [chain] = named(spans, 'langchain.chain weather_agent');
  assert.equal(parentOf(spans, toolSpan).span_id, chain.span_id);
  assert.equal(chain.status.code, 'STATUS_CODE_ERROR');
  assert.equal(chain.attributes['error.type'], 'framework_error');
  assert.deepEqual(chain.events.map((e) => e.name), ['exception']);
});

test('a provider error is a failed generation', async () => {
  fake.reply('/chat/completions', Reply.error(500, { error: { message: 'upstream broke' } }));
  await withTracedSigil(harness, async ({ sigil }) => {
    await assert.rejects(chatModel().invoke('hi', withSigilLangChainCallbacks(undefined, sigil)), /upstream broke/);
  });
  const { gens, spans } = await settle(harness, { generations: 1 });
  assert.match(gens[0].call_error, /upstream broke/);
  assert.equal(generationSpan(spans, gens[0]).status.code, 'STATUS_CODE_ERROR');
});

test('concurrent runs keep their own trees', async () => {
  fake.reply('/chat/completions', Reply.json('openai.chat/response_text.json'));
  await withTracedSigil(harness, async ({ sigil }) => {
    const llm = chatModel();
    const asker = RunnableLambda.from(async (q, config) => (await llm.invoke(q, config)).content)
      .withConfig({ runName: 'asker' });
    const handler = new SigilLangChainHandler(sigil); // one handler shared by every run
    await Promise.all(Array.from({ length: 6 }, (_, i) => asker.invoke('Weather?',
      { callbacks: [handler], metadata: { thread_id: `thread-${i}` } })));
    assert.equal(handler.openRuns, 0);
  });
  const { gens, spans } = await settle(harness, { generations: 6, names: ['langchain.chain asker'] });
  assert.deepEqual(gens.map((g) => g.conversation_id).sort(), Array.from({ length: 6 }, (_, i) => `thread-${i}`));
  assert.equal(named(spans, 'langchain.chain asker').length, 6);
  for (const g of gens) {
    const parent = parentOf(spans, generationSpan(spans, g));
    assert.equal(parent.attributes['sigil.framework.thread_id'], g.conversation_id);
    assert.equal(parent.attributes['sigil.framework.run_id'], g.metadata['sigil.framework.parent_run_id']);
  }
});

test('runs that never end are bounded and recorded as abandoned', async () => {
  await withTracedSigil(harness, async ({ sigil }) => {
    const handler = createSigilLangChainHandler(sigil, { maxOpenRuns: 3 });
    for (let i = 0; i < 5; i++) { // a framework that lost its end callbacks, five times
      await handler.handleChatModelStart({ name: 'ChatOpenAI' }, [[new HumanMessage('hi')]], randomUUID(), undefined,
        { invocation_params: { model: 'gpt-4o' } });
    }
    assert.equal(handler.openRuns, 3);
  });
  const { gens } = await settle(harness, { generations: 2 });
  assert.equal(gens.length, 2);
  for (const g of gens) assert.match(g.call_error, /abandoned/);
});

test('withSigilLangChainCallbacks adds one handler and keeps the caller\'s', async () => {
  await withTracedSigil(harness, async ({ sigil }) => {
    const mine = new SigilLangChainHandler(sigil);
    const other = { name: 'other', handleLLMStart() {} };
    const config = withSigilLangChainCallbacks({ callbacks: [other, mine], tags: ['x'] }, sigil);
    assert.deepEqual(config.callbacks, [other, mine]);
    assert.deepEqual(config.tags, ['x']);
    const added = withSigilLangChainCallbacks({ callbacks: other }, sigil).callbacks;
    assert.equal(added.length, 2);
    assert.ok(added[1] instanceof SigilLangChainHandler);
  });
});

class TravelDocs extends BaseRetriever {
  lc_namespace = ['sigil', 'tests'];

  async _getRelevantDocuments(query) {
    return [new Document({ pageContent: `notes on ${query}` })];
  }
}

test('a retriever run is a span under its chain; options and callback metadata reach the generation', async () => {
  fake.reply('/chat/completions', Reply.json('openai.chat/response_text.json'));
  await withTracedSigil(harness, async ({ sigil }) => {
    const llm = chatModel();
    const retriever = new TravelDocs().withConfig({ runName: 'travel_docs' });
    const rag = RunnableLambda.from(async (q, config) => {
      const docs = await retriever.invoke(q, config);
      return (await llm.invoke(`${docs[0].pageContent}: ${q}`, config)).content;
    }).withConfig({ runName: 'rag' });
    const config = withSigilLangChainCallbacks({
      metadata: { conversation_id: 'conv-9', thread_id: 'thread-9', retry_attempt: 2, event_id: 'evt-1' },
    }, sigil, {
      providerResolver: ({ modelName }) => (modelName === 'gpt-4o' ? 'azure-openai' : 'openai'),
      captureInputs: false,
      extraTags: { team: 'travel' },
      extraMetadata: { tenant: 'acme' },
      agentVersion: '2.0.0',
    });
    assert.equal(await rag.invoke('Paris', config), TEXT);
  });
  const { gens, spans } = await settle(harness, { generations: 1, names: ['langchain.chain rag',
    'langchain.retriever travel_docs'] });
  const [g] = gens;
  assert.equal(g.conversation_id, 'conv-9'); // an explicit conversation id wins over the thread id
  assert.equal(g.metadata['sigil.framework.thread_id'], 'thread-9');
  assert.equal(g.metadata['sigil.framework.retry_attempt'], 2);
  assert.equal(g.metadata['sigil.framework.event_id'], 'evt-1');
  assert.equal(g.metadata.tenant, 'acme');
  assert.equal(g.tags.team, 'travel');
  assert.equal(g.agent_version, '2.0.0');
  assert.equal(g.model.provider, 'custom'); // the resolver's unknown name
  assert.equal(g.input, undefined); // captureInputs: false
  assert.equal(g.output[0].parts[0].text, TEXT);
  const span = generationSpan(spans, g);
  assert.equal(span.attributes['sigil.framework.retry_attempt'], 2);
  assert.equal(span.attributes['sigil.framework.event_id'], 'evt-1');
  const [chain] = named(spans, 'langchain.chain rag');
  const [retriever] = named(spans, 'langchain.retriever travel_docs');
  assert.equal(parentOf(spans, retriever).span_id, chain.span_id);
  assert.equal(retriever.attributes['gen_ai.operation.name'], 'framework_retriever');
  assert.equal(retriever.attributes['sigil.framework.run_type'], 'retriever');
  assert.equal(retriever.attributes['gen_ai.conversation.id'], 'conv-9');
  assert.equal(parentOf(spans, span).span_id, chain.span_id);
});

test('without a tracer on the client: chain spans through the global tracer, the engine\'s own spans under them',
  async () => {
    agentReplies();
    const provider = hostTracing(harness);
    trace.setGlobalTracerProvider(provider);
    try {
      await withSigil(harness, async (sigil) => {
        assert.equal(await weatherAgent().invoke('Weather?', withSigilLangChainCallbacks(undefined, sigil)), TEXT);
      });
      await provider.forceFlush();
    } finally {
      trace.disable();
      await provider.shutdown();
    }
    const { gens, spans } = await settle(harness, { generations: 2, names: ['langchain.chain weather_agent',
      'execute_tool get_weather'] });
    const [chain] = named(spans, 'langchain.chain weather_agent');
    for (const g of gens) assert.equal(parentOf(spans, generationSpan(spans, g)).span_id, chain.span_id);
    const tools = named(spans, 'execute_tool get_weather');
    assert.equal(tools.length, 2);
    for (const t of tools) assert.equal(parentOf(spans, t).span_id, chain.span_id);
  });
