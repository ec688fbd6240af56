// Compiled (not run) by `npm run typecheck`: the declarations accept what the
// README shows and reject obvious misuse.
import {
  SigilClient,
  ClientShutdownError,
  SigilError,
  MappingError,
  withConversationId,
  withParentTraceparent,
  withContentCaptureMode,
  contentCaptureModeFromContext,
  conversationIdFromContext,
  type ContentCaptureMode,
  type ContentCaptureResolver,
  type Sanitizer,
  type GenerationResult,
  type SubmitConversationRatingResponse,
  type GenerationExporter,
  type ExportGenerationsRequest,
  type ExportGenerationsResponse,
  type Generation,
  type SigilDebugSnapshot,
  type ToolExecution,
  traced,
  inject,
  extract,
  currentSpan,
  currentTraceId,
  RemoteContext,
  SpanRecorder,
} from 'sigil-sdk';

const client = new SigilClient({
  generationExport: { protocol: 'http', endpoint: 'http://localhost:8080', auth: { mode: 'tenant', tenantId: 't' } },
  api: { endpoint: 'http://localhost:8080' },
  otlp: { endpoint: 'http://localhost:4318' },
  logger: { warn: (m: string) => console.warn(m) },
});

const result: GenerationResult = {
  input: [{ role: 'user', content: 'hi' }],
  output: [{ role: 'assistant', parts: [{ type: 'text', text: 'hello' }, { type: 'tool_call', toolCall: { name: 'w', inputJSON: { city: 'Paris' } } }] }],
  usage: { inputTokens: 3, outputTokens: 2 },
};

const answer: string = await withConversationId('conv-1', () =>
  client.startGeneration({ model: { provider: 'openai', name: 'gpt-5' } }, async (rec) => {
    rec.setResult(result);
    return 'done';
  }));

const rec = client.startStreamingGeneration({ model: { provider: 'openai', name: 'gpt-5' }, contentCapture: 'full' });
rec.setFirstTokenAt(new Date());
const err: SigilError | undefined = rec.end();
if (err instanceof ClientShutdownError) console.log(err.name, err.code, err.status);

await withParentTraceparent(rec.traceparent, async () => {
  const tool = client.startToolExecution({ toolName: 'weather', includeContent: true });
  tool.setResult({ arguments: { city: 'Paris' }, result: 'sunny' });
  tool.end();
});

const rating: SubmitConversationRatingResponse = await client.submitConversationRating('conv-1', {
  ratingId: 'r1',
  rating: 'CONVERSATION_RATING_VALUE_GOOD',
});
console.log(answer, rating.summary.totalCount, client.stats().queueItems);
await client.flush(1000);
await client.shutdown();

// @ts-expect-error: a start needs a model
client.startGeneration({ conversationId: 'x' });
// @ts-expect-error: unknown rating value
void client.submitConversationRating('c', { ratingId: 'r', rating: 'GOOD' });

const privacy = new SigilClient({
  contentCapture: 'no_tool_content',
  contentCaptureResolver: (metadata) => (metadata?.['tenant'] === 'health' ? 'metadata_only' : 'default'),
  redaction: ['secrets', 'email'],
  sanitizer: (value) => value.replaceAll('secret', '[x]'),
  maxFieldBytes: 4096,
  embeddingCapture: { captureInput: true, maxInputItems: 5, maxTextLength: 200 },
  generationExport: { payloadMaxBytes: 4 << 20 },
});
const resolver: ContentCaptureResolver = (_metadata, kind) =>
  kind === 'rating' || conversationIdFromContext() === 'conv-hr' ? 'metadata_only' : undefined;
const sanitizer: Sanitizer = (value, path) => (path.startsWith('rating.') ? value.toUpperCase() : undefined);
new SigilClient({ contentCaptureResolver: resolver, sanitizer, redaction: 'none' });
await privacy.startGeneration({ model: { provider: 'openai', name: 'gpt-5' } }, async (g) => {
  const mode: ContentCaptureMode | undefined = g.contentCaptureMode;
  console.log(mode, contentCaptureModeFromContext());
});
withContentCaptureMode('metadata_only', () => privacy.startToolExecution({ toolName: 't' }).end());
privacy.startEmbedding({ model: { provider: 'openai', name: 'te3' }, contentCapture: 'full' }).end();
// @ts-expect-error: unknown mode
void new SigilClient({ contentCapture: 'everything' });
// @ts-expect-error: unknown redaction category
void new SigilClient({ redaction: ['emails'] });
await privacy.shutdown();

// Provider JSON: objects, text or bytes; a mapping problem is returned, not thrown.
const prov = new SigilClient({ useEnvironment: false });
const pg = prov.startGeneration({ model: { provider: '', name: '' } });
const problem: MappingError | undefined = pg.setProviderResult('openai.chat', { model: 'gpt-4o' }, '{"id":"x"}',
  { rawArtifacts: true });
pg.addProviderEvent('anthropic.messages', new TextEncoder().encode('{"type":"message_stop"}'));
pg.setProviderResponse('a.future.api', new Uint8Array(0));
pg.setMappingError(new Error('unexpected block'));
console.log(problem?.name);
pg.end();
prov.startEmbedding({ model: { provider: 'openai', name: 'te3' } }).setProviderResult('openai.embeddings', null, '{}');
// @ts-expect-error: the options are an object
pg.setProviderRequest('openai.chat', {}, true);
await prov.shutdown();

// A custom exporter (the reference's protocol) and the debug snapshot.
const exporter: GenerationExporter = {
  async exportGenerations(request: ExportGenerationsRequest): Promise<ExportGenerationsResponse> {
    return { results: request.generations.map((g: Generation) => ({ generationId: g.id, accepted: true })) };
  },
};
const exp = new SigilClient({ generationExporter: exporter, debugSnapshotLimit: 10 });
const snap: SigilDebugSnapshot = exp.debugSnapshot();
const firstStart: Date | undefined = snap.generations[0]?.startedAt;
const tools: ToolExecution[] = snap.toolExecutions;
console.log(firstStart, tools.length, snap.queueSize, exp.startGeneration({ model: { provider: 'p', name: 'm' } })
  .lastGeneration?.mode);
// @ts-expect-error: an exporter needs exportGenerations
void new SigilClient({ generationExporter: { shutdown() {} } });
await exp.shutdown();

// Agent tracing: spans, traced functions keep their signatures, W3C propagation.
const tc = new SigilClient();
const span: SpanRecorder = tc.startSpan({ kind: 'retriever', name: 'search' });
const attrErr: SigilError | undefined = span.setAttribute('k', 3, { content: true });
span.addEvent('retrieved', { count: 2, ok: true }, { timestamp: new Date() });
span.setStatus('ok');
span.end();
console.log(attrErr, span.traceparent, span.tracestate, span.traceId, span.capturesContent);
// @ts-expect-error: not a span kind
tc.startSpan({ kind: 'planner' });
// @ts-expect-error: not a status
span.setStatus('fine');
const add = traced((x: number, y: number) => x + y, { client: tc, kind: 'task' });
const sum: number = add(1, 2);
const fetchDocs = tc.traced(async (q: string) => [q], { kind: 'retriever', captureOutput: false });
const docs: Promise<string[]> = fetchDocs('q');
// @ts-expect-error: the wrapped function keeps its parameter types
add('1', 2);
const spanAnswer: Promise<string> = tc.withSpan({ kind: 'agent', name: 'a', root: true }, async (s) => {
  s.setInput({ question: 'q' });
  const headers: Record<string, string> = inject({});
  const remote: RemoteContext | undefined = extract(headers);
  console.log(currentSpan()?.traceId, currentTraceId(), remote?.traceId);
  return remote ? remote.run(() => 'continued') : 'fresh';
});
const h2: Headers = inject(new Headers());
console.log(sum, docs, spanAnswer, h2);
await tc.shutdown();
