// sigil-sdk quickstart: records one of everything and exports it.
//
// Configured only through the environment, for example:
//   SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 node examples/node/quickstart.mjs
//   SIGIL_PROTOCOL=grpc SIGIL_ENDPOINT=127.0.0.1:4317 node examples/node/quickstart.mjs
// SIGIL_API_ENDPOINT adds a conversation rating; OTEL_EXPORTER_OTLP_ENDPOINT adds spans and metrics.
// Needs the package's addon built first: (cd bindings/node && npm install).
//
// Exit status: 0 when everything was recorded and delivered, 1 otherwise.

// In an application: import { ... } from 'sigil-sdk';
import {
  SigilClient,
  SigilError,
  libraryVersion,
  withAgentName,
  withAgentVersion,
  withConversationId,
  withParentTraceparent,
} from '../../bindings/node/lib/index.mjs';

let failures = 0;

/** Prints and counts a local error reported by the SDK. */
function check(what, error) {
  if (error === undefined) {
    console.log(`  ok    ${what}`);
  } else {
    console.log(`  FAIL  ${what}: ${error.name}: ${error.message}`);
    failures++;
  }
}

/** What a provider client throws (an HTTP status, like most SDKs' errors). */
class ProviderUnavailable extends Error {
  status = 503;
}

console.log(`sigil-sdk quickstart on libsigil ${libraryVersion}`);
const client = new SigilClient({ logger: console }); // everything else from SIGIL_* / OTEL_* variables

// Identity set once per request: every recorder started inside picks it up,
// across awaits (AsyncLocalStorage).
await withConversationId('conv-quickstart', () => withAgentName('weather-agent', () => withAgentVersion('1.0.0',
  async () => {
    const sync = client.startGeneration({
      conversationTitle: 'Weather in Paris',
      userId: 'user-42',
      model: { provider: 'anthropic', name: 'claude-sonnet-4-5' },
      systemPrompt: 'You are a concise weather assistant.',
      maxTokens: 1024,
      temperature: 0.7,
      tools: [{
        name: 'get_weather', description: 'Current weather for a city', type: 'function',
        inputSchemaJSON: '{"type":"object","properties":{"city":{"type":"string"}}}',
      }],
      tags: { team: 'weather' },
    });
    // ... call the model, then record what happened:
    sync.setResult({
      input: [
        { role: 'user', content: 'What is the weather in Paris?' },
        {
          role: 'assistant',
          parts: [
            { type: 'thinking', thinking: 'I should call the weather tool.' },
            { type: 'tool_call', toolCall: { id: 'call_1', name: 'get_weather', inputJSON: '{"city":"Paris"}' } },
          ],
        },
        {
          role: 'tool',
          parts: [{ type: 'tool_result', toolResult: { toolCallId: 'call_1', name: 'get_weather', contentJSON: '{"temp_c":18}' } }],
        },
      ],
      output: [{ role: 'assistant', content: 'It is 18°C and sunny in Paris.' }],
      usage: { inputTokens: 120, outputTokens: 42, cacheReadInputTokens: 30 },
      responseId: 'msg_01',
      responseModel: 'claude-sonnet-4-5-20250929',
      stopReason: 'end_turn',
    });
    check(`sync generation ${sync.id}`, sync.end());

    const stream = client.startStreamingGeneration({ model: { provider: 'openai', name: 'gpt-4o-mini' } });
    stream.setFirstTokenAt(new Date()); // when the first chunk arrived
    stream.setResult({
      input: [{ role: 'user', content: 'Tell me a short fact.' }],
      output: [{ role: 'assistant', content: 'Honey never spoils.' }],
      usage: { inputTokens: 12, outputTokens: 5 },
      stopReason: 'stop',
    });
    check(`streaming generation ${stream.id}`, stream.end());

    // The callback form ends the recorder; a provider failure thrown inside it is
    // recorded as the call error (and exported), then rethrown.
    try {
      await client.startGeneration({ model: { provider: 'openai', name: 'gpt-4o' } }, async (rec) => {
        rec.setResult({ input: [{ role: 'user', content: 'Hello?' }] });
        throw new ProviderUnavailable('provider unavailable: 503 Service Unavailable');
      });
    } catch (err) {
      check('failed generation (call error recorded)', err instanceof ProviderUnavailable ? undefined : err);
    }

    // The tool call's span becomes a child of the generation that asked for it.
    withParentTraceparent(sync.traceparent, () => {
      const tool = client.startToolExecution({
        toolName: 'get_weather', toolCallId: 'call_1', toolType: 'function', includeContent: true,
      });
      tool.setResult({ arguments: { city: 'Paris' }, result: { temp_c: 18 } });
      check('tool execution', tool.end());
    });

    await client.startEmbedding(
      { model: { provider: 'openai', name: 'text-embedding-3-small' }, dimensions: 512 },
      async (rec) => {
        rec.setResult({ inputCount: 2, inputTokens: 6, inputTexts: ['Paris', 'Lyon'], responseModel: 'text-embedding-3-small' });
      },
    ).then(() => check('embedding', undefined), (err) => check('embedding', err));
  })));

if (process.env.SIGIL_API_ENDPOINT) {
  try {
    const answer = await client.submitConversationRating('conv-quickstart', {
      ratingId: 'rating-quickstart-1',
      rating: 'CONVERSATION_RATING_VALUE_GOOD',
      comment: 'Spot on',
    });
    check(`rating (conversation now has ${answer.summary.totalCount})`, undefined);
  } catch (err) {
    check('rating', err instanceof SigilError ? err : new SigilError(String(err)));
  }
}

await client.shutdown(10_000); // delivers what is still queued, off the event loop
const stats = client.stats();
console.log(`generations: ${stats.generationsEnqueued} enqueued, ${stats.generationsExported} exported, ` +
  `${stats.generationsRejected} rejected, ${stats.droppedTotal} dropped`);
if (stats.generationsExported !== stats.generationsEnqueued) failures++;
process.exitCode = failures === 0 ? 0 : 1;
