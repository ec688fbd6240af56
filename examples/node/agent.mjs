// An agent traced end to end, across two processes.
//
// The agent (this process) plans with a chain, looks documents up with a retriever, asks a model
// (a generation recorded by hand: no provider is called) and books through a tool that runs as a
// separate "tool service" process, to which the trace travels in W3C traceparent/tracestate
// headers. Everything lands in one trace:
//
//   invoke_agent travel-agent                 (agent, this process)
//     plan                                    (chain)
//       search-docs                           (retriever)
//       generateText gpt-4o                   (generation)
//       execute_tool book                     (tool)
//         book-service                        (task, the tool service's process)
//
// Configured only through the environment, for example with the local receiver:
//   sigil receive &   # prints what arrives
//   SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 \
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 node examples/node/agent.mjs
// Needs the package's addon built first: (cd bindings/node && npm install).

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// In an application: import { ... } from 'sigil-sdk';
import {
  SigilClient, currentSpan, currentTraceId, extract, inject, traced, withConversationId,
} from '../../bindings/node/lib/index.mjs';

const searchDocs = traced(async function searchDocs(query) {
  const docs = ['Paris hotels open all year', 'Book early for spring'];
  currentSpan()?.addEvent('retrieved', { documents: docs.length, query }, { content: true });
  return docs;
}, { kind: 'retriever', name: 'search-docs' });

/** Calls the tool service (another process), handing it the trace in the request headers. */
function bookOverTheWire(city) {
  const headers = inject({ 'content-type': 'application/json' });
  return execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--tool-service', JSON.stringify(headers),
    city], { encoding: 'utf8' }).trim();
}

async function plan(client, question) {
  const docs = await searchDocs(question);
  currentSpan()?.setAttribute('documents', docs.length);
  await client.startGeneration({ model: { provider: 'openai', name: 'gpt-4o' } }, (gen) => {
    gen.setResult({
      input: [{ role: 'user', parts: [{ type: 'text', text: question }] }],
      output: [{ role: 'assistant', parts: [{ type: 'text', text: 'I will book a hotel in Paris.' }] }],
    });
  });
  // The tool's span is current in its callback: the service's span is its child.
  return client.startToolExecution({ toolName: 'book' }, (tool) => {
    const answer = bookOverTheWire('Paris');
    tool.setResult({ arguments: { city: 'Paris' }, result: answer });
    return answer;
  });
}

/** The other process: continues the trace that came in the headers. */
async function toolService(headersJson, city) {
  const client = new SigilClient();
  const book = client.traced(async (destination) => `booked a room in ${destination}`,
    { kind: 'task', name: 'book-service', root: true });
  const remote = extract(JSON.parse(headersJson));
  console.log(remote ? await remote.run(() => book(city)) : await book(city));
  await client.shutdown();
}

async function main() {
  if (process.argv[2] === '--tool-service') {
    await toolService(process.argv[3], process.argv[4]);
    return;
  }
  const client = new SigilClient(); // configured by SIGIL_* and OTEL_* environment variables
  const agent = client.traced(async (question) => {
    console.log('trace', currentTraceId());
    return client.withSpan({ kind: 'chain', name: 'plan' }, () => plan(client, question));
  }, { kind: 'agent', name: 'travel-agent', root: true });
  console.log(await withConversationId('conv-agent-example', () => agent('Where can I stay in Paris?')));
  await client.shutdown();
}

await main();
