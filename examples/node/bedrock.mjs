// AWS Bedrock Converse / ConverseStream recorded by sigil-sdk/bedrock: one
// instrument() call, and the application's client.send(...) code stays as it is.
//
//   SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 node examples/node/bedrock.mjs
//
// Without BEDROCK_ENDPOINT it answers itself from a fake provider on loopback
// (no network, no AWS account); with BEDROCK_ENDPOINT (and the usual AWS
// credentials and region) it calls that service. Needs the package installed
// first: (cd bindings/node && npm install). Exit status 0 when every call was
// recorded and delivered.
import { createRequire } from 'node:module';

// In an application:
//   import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
//   import { SigilClient, withConversationId } from 'sigil-sdk';
//   import { instrument } from 'sigil-sdk/bedrock';
import { SigilClient, withConversationId } from '../../bindings/node/lib/index.mjs';
import { instrument } from '../../bindings/node/lib/providers/bedrock.mjs';

const require = createRequire(new URL('../../bindings/node/package.json', import.meta.url));
const { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } =
  await import(require.resolve('@aws-sdk/client-bedrock-runtime'));

let fake;
let local = {};
if (!process.env.BEDROCK_ENDPOINT) {
  const { FakeProvider, Reply } = await import('../../bindings/node/test/providers/fake_provider.mjs');
  const { NodeHttpHandler } = await import(require.resolve('@smithy/node-http-handler'));
  fake = await FakeProvider.start();
  fake.reply('/converse', Reply.json('bedrock.converse/response.json'));
  fake.reply('/converse-stream', Reply.eventstream('bedrock.converse/stream.jsonl'));
  local = {
    endpoint: fake.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'not-needed', secretAccessKey: 'not-needed' },
    requestHandler: new NodeHttpHandler(), // the fake speaks HTTP/1.1
  };
} else {
  local = { endpoint: process.env.BEDROCK_ENDPOINT };
}

const sigil = new SigilClient(); // configured from SIGIL_* (endpoint, protocol, auth, ...)
const bedrock = instrument(new BedrockRuntimeClient({ maxAttempts: 1, ...local }), sigil, { agentName: 'ops-agent' });

await withConversationId('conv-bedrock-example', async () => {
  const input = {
    modelId: 'anthropic.claude-3-7-sonnet-20250219-v1:0',
    system: [{ text: 'You are an ops assistant.' }],
    messages: [{ role: 'user', content: [{ text: 'Is the disk full on web-1?' }] }],
    inferenceConfig: { maxTokens: 512 },
  };
  const out = await bedrock.send(new ConverseCommand(input));
  console.log('stop reason:', out.stopReason);
  const streamed = await bedrock.send(new ConverseStreamCommand(input));
  let text = '';
  for await (const event of streamed.stream) text += event.contentBlockDelta?.delta?.text ?? '';
  console.log('streamed:', text);
});

await sigil.shutdown();
await fake?.stop();
const stats = sigil.stats();
console.log(`generations: ${stats.generationsEnqueued} enqueued, ${stats.generationsExported} exported`);
process.exitCode = Number(stats.generationsExported) === 2 ? 0 : 1;
