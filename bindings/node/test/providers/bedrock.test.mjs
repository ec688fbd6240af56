// The official `@aws-sdk/client-bedrock-runtime` client against the fake
// provider (Converse JSON, ConverseStream as a binary AWS event stream),
// recorded by sigil-sdk/bedrock; what arrives at the capture harness is asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  CountTokensCommand,
  ThrottlingException,
  InternalServerException,
} from '@aws-sdk/client-bedrock-runtime';

import { NodeHttpHandler } from '@smithy/node-http-handler';

import * as sigilBedrock from 'sigil-sdk/bedrock';
import { withConversationId } from 'sigil-sdk';
import { Reply, fixtureJson } from './fake_provider.mjs';
import { useServers, withSigil, spanOf } from './support.mjs';

let harness;
let fake;
useServers((s) => ({ harness, fake } = s));

const MODEL = 'anthropic.claude-3-7-sonnet-20250219-v1:0';
const INPUT = {
  modelId: MODEL,
  system: [{ text: 'You are an ops assistant.' }],
  messages: [{ role: 'user', content: [{ text: 'Is the disk full on web-1?' }, {
    image: { format: 'png', source: { bytes: new Uint8Array([137, 80, 78, 71]) } },
  }] }],
  inferenceConfig: { maxTokens: 512, temperature: 0.1 },
  toolConfig: { tools: [{ toolSpec: { name: 'run_command', inputSchema: { json: { type: 'object' } } } }] },
};

const provider = () => new BedrockRuntimeClient({
  region: 'us-east-1',
  endpoint: fake.url,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
  // The fake provider speaks HTTP/1.1; the client's default handler is HTTP/2.
  requestHandler: new NodeHttpHandler(),
});

test('ConverseCommand: the output is the SDK\'s, the call is recorded', async () => {
  fake.reply('/converse', Reply.json('bedrock.converse/response.json'));
  let out;
  await withSigil(harness, async (sigil) => {
    const client = sigilBedrock.instrument(provider(), sigil, { agentName: 'ops' });
    out = await withConversationId('conv-b', () => client.send(new ConverseCommand(INPUT)));
  });
  assert.equal(out.stopReason, 'tool_use');
  assert.equal(out.$metadata.httpStatusCode, 200);
  assert.equal(fake.requests[0].body.messages[0].content[1].image.source.bytes, 'iVBORw==');
  const [g] = await harness.generations();
  assert.equal(g.mode, 'GENERATION_MODE_SYNC');
  assert.deepEqual(g.model, { provider: 'bedrock', name: MODEL });
  assert.equal(g.conversation_id, 'conv-b');
  assert.equal(g.agent_name, 'ops');
  assert.equal(g.system_prompt, 'You are an ops assistant.');
  assert.equal(g.max_tokens, '512');
  assert.deepEqual(g.tools.map((t) => t.name), ['run_command']);
  assert.equal(g.stop_reason, 'tool_use');
  assert.equal(g.usage.cache_read_input_tokens, '512');
  const want = fixtureJson('bedrock.converse/response.json').output.message.content.find((c) => c.toolUse).toolUse;
  assert.equal(g.output[0].parts.find((p) => p.tool_call).tool_call.id, want.toolUseId);
});

test('ConverseStreamCommand: events as the SDK yields them, tool input split across deltas', async () => {
  fake.reply('/converse-stream', Reply.eventstream('bedrock.converse/stream.jsonl'));
  const kinds = [];
  await withSigil(harness, async (sigil) => {
    const client = sigilBedrock.instrument(provider(), sigil);
    const out = await client.send(new ConverseStreamCommand(INPUT));
    for await (const event of out.stream) kinds.push(Object.keys(event).find((k) => k !== '$unknown'));
  });
  assert.equal(kinds[0], 'messageStart');
  assert.equal(kinds.at(-1), 'metadata');
  const [g] = await harness.generations();
  assert.equal(g.mode, 'GENERATION_MODE_STREAM');
  const parts = g.output[0].parts;
  assert.equal(parts.find((p) => p.text !== undefined).text, 'Running df.');
  const call = parts.find((p) => p.tool_call).tool_call;
  assert.equal(call.name, 'run_command');
  assert.equal(call.input_json_text, '{"host": "web-1", "cmd": "df -h"}');
  assert.equal(g.usage.total_tokens, '342');
  assert.equal(g.metadata?.['sigil.stream.stopped'], undefined);
});

test('break out of the stream is recorded as stopped by the caller', async () => {
  fake.reply('/converse-stream', { ...Reply.eventstream('bedrock.converse/stream.jsonl'), delayMs: 10 });
  await withSigil(harness, async (sigil) => {
    const client = sigilBedrock.instrument(provider(), sigil);
    const out = await client.send(new ConverseStreamCommand(INPUT));
    let n = 0;
    for await (const event of out.stream) {
      void event;
      if (++n === 5) break;
    }
  });
  const [g] = await harness.generations();
  assert.equal(g.metadata['sigil.stream.stopped'], 'caller_closed');
  const span = await spanOf(harness, g.id);
  assert.equal(span.attributes['error.type'], 'mapping_error');
});

for (const [status, type, cls] of [[429, 'ThrottlingException', ThrottlingException],
  [500, 'InternalServerException', InternalServerException]]) {
  test(`a provider ${status} is re-thrown unchanged and recorded as the call error`, async () => {
    fake.reply('/converse', Reply.error(status, { message: `fake ${status}` }, { 'x-amzn-errortype': type }));
    let caught;
    await withSigil(harness, async (sigil) => {
      const client = sigilBedrock.instrument(provider(), sigil);
      await assert.rejects(client.send(new ConverseCommand(INPUT)), (err) => {
        caught = err;
        return true;
      });
    });
    assert.ok(caught instanceof cls, caught?.name);
    assert.equal(caught.$metadata.httpStatusCode, status);
    const [g] = await harness.generations();
    assert.match(g.call_error, new RegExp(`fake ${status}`));
  });
}

test('other commands pass straight through, unrecorded', async () => {
  fake.reply('/count-tokens', { kind: 'json', status: 200, body: '{"inputTokens": 7}' });
  let out;
  await withSigil(harness, async (sigil) => {
    const client = sigilBedrock.instrument(provider(), sigil);
    out = await client.send(new CountTokensCommand({ modelId: MODEL, input: { converse: { messages: INPUT.messages } } }));
  });
  assert.equal(out.inputTokens, 7);
  assert.equal((await harness.generations()).length, 0);
});

test('many concurrent streams are recorded once each', async () => {
  fake.reply('/converse-stream', Reply.eventstream('bedrock.converse/stream.jsonl'));
  const n = 20;
  await withSigil(harness, async (sigil) => {
    const client = sigilBedrock.instrument(provider(), sigil);
    await Promise.all(Array.from({ length: n }, (_, i) => withConversationId(`b-${i}`, async () => {
      const out = await client.send(new ConverseStreamCommand(INPUT));
      for await (const e of out.stream) void e;
    })));
  });
  const gens = await harness.generations();
  assert.equal(gens.length, n);
  assert.equal(new Set(gens.map((g) => g.conversation_id)).size, n);
});
