// Type declarations for sigil-sdk: the Grafana Sigil JavaScript SDK's API over
// libsigil. Names and shapes follow the reference SDK (@grafana/sigil-sdk-js);
// members marked "Extension" go beyond it.

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

/** Generation export protocol. */
export type GenerationExportProtocol = 'grpc' | 'http' | 'none';
/** Generation mode. */
export type GenerationMode = 'SYNC' | 'STREAM';
/** Export authentication mode. */
export type ExportAuthMode = 'none' | 'tenant' | 'bearer' | 'basic';
/** Content capture mode (which content leaves the process). */
export type ContentCaptureMode =
  | 'default'
  | 'full'
  | 'no_tool_content'
  | 'metadata_only'
  | 'full_with_metadata_spans';

/** Authentication for generation export (and ratings). */
export interface ExportAuthConfig {
  mode: ExportAuthMode;
  tenantId?: string;
  bearerToken?: string;
  /** Basic-auth user; the tenant id when empty. */
  basicUser?: string;
  basicPassword?: string;
}

/** Where and how generations are exported. Unset fields fall back to SIGIL_* variables, then defaults. */
export interface GenerationExportConfig {
  /** Default "grpc" (env SIGIL_PROTOCOL). */
  protocol: GenerationExportProtocol;
  /** Default "localhost:4317" (env SIGIL_ENDPOINT). */
  endpoint: string;
  headers?: Record<string, string>;
  auth: ExportAuthConfig;
  /** Plaintext for scheme-less endpoints; unset: plaintext only for loopback hosts. */
  insecure: boolean;
  batchSize: number;
  flushIntervalMs: number;
  queueSize: number;
  /** Retries after the first attempt; 0 disables retries. */
  maxRetries: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  payloadMaxBytes: number;
  /** Extension: the queue's memory budget in bytes. */
  queueMaxBytes: number;
  /** Extension: timeout of one export attempt. */
  attemptTimeoutMs: number;
  /** Extension: PEM CA bundle for the Sigil server (export and ratings), replacing the system
   *  store (env SIGIL_CA_FILE, then SSL_CERT_FILE). */
  caFile?: string;
  /** Extension: OpenSSL hashed CA directory (env SIGIL_CA_DIR, then SSL_CERT_DIR). */
  caDir?: string;
  /** Extension: PEM client certificate for mTLS, may hold the key (env SIGIL_CLIENT_CERT). */
  clientCert?: string;
  /** Extension: PEM key of the client certificate (env SIGIL_CLIENT_KEY). */
  clientKey?: string;
}

/** The Sigil HTTP API (ratings). */
export interface ApiConfig {
  /** Default "http://localhost:8080" (env SIGIL_API_ENDPOINT). */
  endpoint: string;
}

/** Embedding input texts on spans (may contain PII; off by default). */
export interface EmbeddingCaptureConfig {
  captureInput: boolean;
  maxInputItems: number;
  maxTextLength: number;
}

/** Extension: OTLP/HTTP export of spans and metrics (OTEL_* variables apply when unset). */
export interface OtlpConfig {
  /** Base URL, e.g. "http://localhost:4318"; "/v1/traces" and "/v1/metrics" are appended. */
  endpoint?: string;
  tracesEndpoint?: string;
  metricsEndpoint?: string;
  headers?: Record<string, string>;
  /** PEM CA bundle for the collector (env OTEL_EXPORTER_OTLP_[TRACES_|METRICS_]CERTIFICATE);
   *  unset everywhere: generationExport.caFile. */
  certificate?: string;
  /** PEM client certificate and key for mTLS (env OTEL_EXPORTER_OTLP_*CLIENT_CERTIFICATE,
   *  OTEL_EXPORTER_OTLP_*CLIENT_KEY); unset everywhere: generationExport.clientCert / clientKey. */
  clientCertificate?: string;
  clientKey?: string;
  serviceName?: string;
  resourceAttributes?: Record<string, string>;
  metricExportIntervalMs?: number;
}

/** Receives the engine's background diagnostics (export failures, drops). */
export interface SigilLogger {
  debug?: (message: string, ...args: unknown[]) => void;
  /** Extension: info-level messages (debug is used when absent). */
  info?: (message: string, ...args: unknown[]) => void;
  warn?: (message: string, ...args: unknown[]) => void;
  error?: (message: string, ...args: unknown[]) => void;
}

/** Client configuration. Everything is optional. */
export interface SigilSdkConfigInput {
  generationExport?: Partial<GenerationExportConfig> & { auth?: ExportAuthConfig };
  api?: Partial<ApiConfig>;
  embeddingCapture?: Partial<EmbeddingCaptureConfig>;
  logger?: SigilLogger;
  /**
   * Sends generations to this exporter instead of a Sigil server (the reference's protocol). The
   * engine batches, applies the privacy pass, retries a rejected promise with backoff and counts the
   * results in stats(); exportGenerations runs on the event loop, one batch at a time, and its
   * shutdown() (if any) is awaited by client.shutdown(). Without a `shutdown()` of the client, what
   * is still queued when the process exits cannot reach it.
   */
  generationExporter?: GenerationExporter;
  /**
   * Extension: how many generations and tool executions debugSnapshot() keeps, the most recent
   * (default 100); 0 turns the snapshot (and its per-generation copy) off.
   */
  debugSnapshotLimit?: number;
  /**
   * The application's OpenTelemetry tracer (@opentelemetry/api `Tracer`): with it, Sigil's spans are
   * started and ended through it (host pipeline; see `telemetryMode`).
   */
  tracer?: unknown;
  /** The application's OpenTelemetry meter: the four GenAI histograms are recorded through it. */
  meter?: unknown;
  /**
   * Where spans and GenAI metrics go: "engine" (libsigil's own OTLP export, see `otlp`), "host"
   * (`tracer` and `meter`, else the global providers of @opentelemetry/api) or "both". Unset: "host"
   * when a tracer or meter is given, else "engine".
   */
  telemetryMode?: 'engine' | 'host' | 'both';
  /** Accepted for compatibility and not used. */
  now?: () => Date;
  /** Accepted for compatibility and not used. */
  sleep?: (durationMs: number) => Promise<void>;
  /** Extension: consult SIGIL_* / OTEL_* variables (default true). */
  useEnvironment?: boolean;
  /** Extension: log debug-level diagnostics too (env SIGIL_DEBUG). */
  debug?: boolean;
  /** Extension: default agent name for records that set none (env SIGIL_AGENT_NAME). */
  agentName?: string;
  /** Extension: default agent version (env SIGIL_AGENT_VERSION). */
  agentVersion?: string;
  /** Extension: default end-user id (env SIGIL_USER_ID). */
  userId?: string;
  /** Extension: tags merged under every generation's own (env SIGIL_TAGS). */
  tags?: Record<string, string>;
  /** Extension: OTLP export of spans and metrics. */
  otlp?: OtlpConfig;
  /**
   * Extension: which content leaves the process (env SIGIL_CONTENT_CAPTURE_MODE; the engine's
   * default is "no_tool_content"). A start's own `contentCapture`, the context's
   * (withContentCaptureMode, a generation's callback) and the resolver win over it.
   */
  contentCapture?: ContentCaptureMode;
  /**
   * Extension: decides a record's mode when neither its start nor the context sets one, from the
   * metadata it starts with (a generation's or rating's; undefined for tool executions and
   * embeddings) and its kind. It runs on the event loop in the async context of the call that
   * started the record (or submitted the rating), so the *FromContext() helpers tell the
   * conversation, user and agent. Return undefined or "default" to defer to `contentCapture`;
   * a throw or an unknown mode fails closed (metadata_only). Must not record through this client.
   */
  contentCaptureResolver?: ContentCaptureResolver;
  /** Extension: built-in redaction categories (env SIGIL_REDACT; default "all"). */
  redaction?: 'all' | 'none' | RedactionCategory[];
  /**
   * Extension: sees every text value about to leave the process, after built-in redaction, with
   * its field path ("generation.output[0].parts[0].text", "rating.comment",
   * "rating.metadata.<key>", ...); return a replacement, or undefined to keep it. A throw
   * replaces it with "[REDACTED:sanitizer_error]". Called on the event loop, often: keep it
   * quick; must not record through this client.
   */
  sanitizer?: Sanitizer;
  /**
   * Extension: per-field byte limit for content text values (env SIGIL_MAX_FIELD_BYTES; none by
   * default; at least 64). Cut values end in "…[truncated N bytes]"; fields that hold JSON stay
   * valid JSON.
   */
  maxFieldBytes?: number;
  /** Extension: keep undeliverable generations on disk and replay them (env SIGIL_SPOOL_*). */
  spool?: SpoolConfig;
  /**
   * Extension: a JSON price table whose entries add to and replace the built-in ones (env
   * SIGIL_PRICES_FILE; docs/cost.md). A bad table makes the constructor throw a ConfigError.
   */
  pricesFile?: string;
  /** Extension: token estimates for generations without usage (env SIGIL_TOKEN_ESTIMATES; default on). */
  tokenEstimates?: boolean;
  /**
   * Extension: share of traces whose generations keep their content, 0 to 1 (env
   * SIGIL_CONTENT_SAMPLE_RATE; default 1). Outside it a generation is exported metadata-only.
   */
  contentSampleRate?: number;
  /**
   * Extension: share of traces whose generations are exported, 0 to 1 (env SIGIL_EXPORT_SAMPLE_RATE;
   * default 1). Outside it nothing is exported; spans and metrics still count it.
   */
  exportSampleRate?: number;
}

/** Extension: the disk spool (see the Spool section of sigil.h). */
export interface SpoolConfig {
  /** Directory of the segment files (created 0700); unset or "" disables the spool. */
  dir?: string;
  /** Byte budget of all segments (default 256 MiB). */
  maxBytes?: number;
  /** Age budget (default 7 days). */
  maxAgeMs?: number;
  /** Durability of writes (default "batch"). */
  sync?: 'none' | 'batch' | 'record';
  /**
   * Which generations go through the spool (env SIGIL_SPOOL_MODE). "fallback" (default): only
   * what cannot be delivered. "write_ahead": every generation is in the spool before end()
   * returns and leaves it once the server answered, so a crash loses nothing ended; needs `dir`.
   */
  mode?: 'fallback' | 'write_ahead';
}

/** The kinds of record a content capture resolver decides for. */
export type RecordKind = 'generation' | 'tool_execution' | 'embedding' | 'rating';
/** Extension: see SigilSdkConfigInput.contentCaptureResolver. */
export type ContentCaptureResolver = (
  metadata: Record<string, unknown> | undefined,
  recordKind: RecordKind,
) => ContentCaptureMode | undefined;
/** Extension: see SigilSdkConfigInput.sanitizer. */
export type Sanitizer = (value: string, path: string) => string | undefined | void;

/** Redaction categories (see the Privacy section of sigil.h). */
export type RedactionCategory =
  | 'secrets'
  | 'email'
  | 'env_secrets'
  | 'payment_card'
  | 'national_id'
  | 'phone'
  | 'injection';

/** The resolved shape of a configuration (what defaultConfig returns: nothing set). */
export interface SigilSdkConfig extends SigilSdkConfigInput {
  generationExport: Partial<GenerationExportConfig>;
  api: Partial<ApiConfig>;
  embeddingCapture: Partial<EmbeddingCaptureConfig>;
}

// ---------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------

/** Provider and model. */
export interface ModelRef {
  provider: string;
  name: string;
}

/**
 * A sigil.v1 bytes field: a string is sent as its UTF-8 bytes, a Uint8Array
 * exactly; any other JSON value (object, array, number, boolean) as its
 * compact JSON text (extension).
 */
export type BytesValue = string | Uint8Array | Record<string, unknown> | unknown[] | number | boolean;

/** A tool the model may call. */
export interface ToolDefinition {
  name: string;
  description?: string;
  type?: string;
  /** JSON schema of the input. */
  inputSchemaJSON?: BytesValue;
  /** Extension: the tool is loaded on demand. */
  deferred?: boolean;
}

/** Token counters (bigints for values beyond 2^53). */
export interface TokenUsage {
  inputTokens?: number | bigint;
  outputTokens?: number | bigint;
  /** input + output when unset. */
  totalTokens?: number | bigint;
  cacheReadInputTokens?: number | bigint;
  cacheWriteInputTokens?: number | bigint;
  cacheCreationInputTokens?: number | bigint;
  reasoningTokens?: number | bigint;
}

export interface PartMetadata {
  providerType?: string;
}

export interface ToolCallPart {
  id?: string;
  name: string;
  inputJSON?: BytesValue;
}

export interface ToolResultPart {
  toolCallId?: string;
  name?: string;
  content?: string;
  contentJSON?: BytesValue;
  isError?: boolean;
}

/** Extension: a media part. */
export interface MediaPart {
  kind?: string;
  url?: string;
  mimeType?: string;
  name?: string;
}

export type MessagePart =
  | { type: 'text'; text: string; metadata?: PartMetadata }
  | { type: 'thinking'; thinking: string; metadata?: PartMetadata }
  | { type: 'tool_call'; toolCall: ToolCallPart; metadata?: PartMetadata }
  | { type: 'tool_result'; toolResult: ToolResultPart; metadata?: PartMetadata }
  | { type: 'media'; media: MediaPart; metadata?: PartMetadata };

export interface Message {
  /** "user", "assistant" or "tool" (the MESSAGE_ROLE_* names are accepted too). */
  role: string;
  /** Text shorthand: one text part, used when `parts` is empty. */
  content?: string;
  name?: string;
  parts?: MessagePart[];
}

/** A raw provider artifact. */
export interface Artifact {
  /** "request", "response", "tools" or "provider_event". */
  type: string;
  name?: string;
  payload?: BytesValue;
  mimeType?: string;
  recordId?: string;
  uri?: string;
}

/** What a generation starts with. */
export interface GenerationStart {
  id?: string;
  conversationId?: string;
  conversationTitle?: string;
  userId?: string;
  agentName?: string;
  agentVersion?: string;
  mode?: GenerationMode;
  operationName?: string;
  model: ModelRef;
  systemPrompt?: string;
  maxTokens?: number | bigint;
  temperature?: number;
  topP?: number;
  toolChoice?: string;
  thinkingEnabled?: boolean;
  tools?: ToolDefinition[];
  tags?: Record<string, string>;
  metadata?: Record<string, unknown>;
  /** A Date, milliseconds since the epoch, or (extension) nanoseconds as a bigint. */
  startedAt?: Date | number | bigint;
  /**
   * Extension: this generation's content capture mode; unset takes the context's
   * (withContentCaptureMode), then the resolver's and the client's.
   */
  contentCapture?: ContentCaptureMode;
}

/** What a generation produced. Result fields win over start fields; tags and metadata merge. */
export interface GenerationResult {
  conversationId?: string;
  conversationTitle?: string;
  userId?: string;
  agentName?: string;
  agentVersion?: string;
  operationName?: string;
  responseId?: string;
  responseModel?: string;
  maxTokens?: number | bigint;
  temperature?: number;
  topP?: number;
  toolChoice?: string;
  thinkingEnabled?: boolean;
  input?: Message[];
  output?: Message[];
  tools?: ToolDefinition[];
  usage?: TokenUsage;
  stopReason?: string;
  completedAt?: Date | number;
  tags?: Record<string, string>;
  metadata?: Record<string, unknown>;
  artifacts?: Artifact[];
  /** Extension. */
  id?: string;
  /** Extension. */
  systemPrompt?: string;
  /** Extension. */
  model?: ModelRef;
  /** Extension. */
  mode?: GenerationMode;
  /** Extension. */
  startedAt?: Date | number;
  /** Extension. */
  parentGenerationIds?: string[];
  /** Extension: "sha256:" + 64 lowercase hex digits. */
  effectiveVersion?: string;
}

export interface EmbeddingStart {
  model: ModelRef;
  agentName?: string;
  agentVersion?: string;
  dimensions?: number | bigint;
  encodingFormat?: string;
  /** Accepted for compatibility and not recorded. */
  tags?: Record<string, string>;
  /** Accepted for compatibility and not recorded. */
  metadata?: Record<string, unknown>;
  startedAt?: Date | number | bigint;
  /** Extension: this embedding's mode; unset takes the resolver's, then the client's (not the context's). */
  contentCapture?: ContentCaptureMode;
}

export interface EmbeddingResult {
  inputCount: number | bigint;
  inputTokens?: number | bigint;
  /** Captured on the span only with embeddingCapture.captureInput. */
  inputTexts?: string[];
  responseModel?: string;
  dimensions?: number | bigint;
}

export interface ToolExecutionStart {
  /** A blank name gives a recorder that records nothing. */
  toolName: string;
  toolCallId?: string;
  toolType?: string;
  toolDescription?: string;
  conversationId?: string;
  conversationTitle?: string;
  agentName?: string;
  agentVersion?: string;
  /** The model that asked for the tool call. */
  requestModel?: string;
  /** The provider that served that model. */
  requestProvider?: string;
  /** Capture arguments and result on the span. */
  includeContent?: boolean;
  startedAt?: Date | number | bigint;
  /**
   * Extension: this tool execution's mode; unset takes the context's (the generation whose
   * callback runs it, or withContentCaptureMode), then the resolver's and the client's.
   */
  contentCapture?: ContentCaptureMode;
}

export interface ToolExecutionResult {
  /** Text as is; any other value as JSON. */
  arguments?: unknown;
  /** Text as is; any other value as JSON. */
  result?: unknown;
  completedAt?: Date | number | bigint;
}

// ---------------------------------------------------------------------------
// Recorders
// ---------------------------------------------------------------------------

/** Records one generation. */
/**
 * A provider API the engine maps (docs/providers.md). Generation recorders take the first five,
 * embedding recorders the last two.
 */
export type ProviderApi =
  | 'openai.chat'
  | 'openai.responses'
  | 'anthropic.messages'
  | 'gemini.generate_content'
  | 'bedrock.converse'
  | 'openai.embeddings'
  | 'gemini.embed_content';

/** Provider JSON: a parsed object (serialized with JSON.stringify), JSON text, or its bytes. */
export type ProviderBody = object | string | Uint8Array | ArrayBuffer;

export interface ProviderOptions {
  /** Also keep the provider JSON as artifacts (exported only when the content capture mode allows it). */
  rawArtifacts?: boolean;
}

/** One generation's result from a generation exporter. */
export interface ExportGenerationResult {
  generationId: string;
  accepted: boolean;
  error?: string;
}

/** One batch handed to a generation exporter. */
export interface ExportGenerationsRequest {
  generations: Generation[];
}

/** What a generation exporter returns: per-generation results (missing ones count as accepted). */
export interface ExportGenerationsResponse {
  results: ExportGenerationResult[];
}

/** A custom generation sink (the reference's pluggable exporter interface). */
export interface GenerationExporter {
  exportGenerations(request: ExportGenerationsRequest): Promise<ExportGenerationsResponse>;
  shutdown?(): Promise<void> | void;
}

/** A generation as the engine normalized it: what exporters and debugSnapshot() receive. */
export interface Generation {
  id: string;
  conversationId?: string;
  conversationTitle?: string;
  userId?: string;
  agentName?: string;
  agentVersion?: string;
  mode: GenerationMode;
  operationName: string;
  traceId?: string;
  spanId?: string;
  model: ModelRef;
  systemPrompt?: string;
  responseId?: string;
  responseModel?: string;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  toolChoice?: string;
  thinkingEnabled?: boolean;
  input?: Message[];
  output?: Message[];
  tools?: ToolDefinition[];
  usage?: TokenUsage;
  stopReason?: string;
  startedAt: Date;
  completedAt: Date;
  tags?: Record<string, string>;
  metadata?: Record<string, unknown>;
  artifacts?: Artifact[];
  callError?: string;
}

/** A tool execution as debugSnapshot() keeps it. */
export interface ToolExecution {
  toolName: string;
  toolCallId?: string;
  toolType?: string;
  toolDescription?: string;
  conversationId?: string;
  conversationTitle?: string;
  agentName?: string;
  agentVersion?: string;
  requestModel?: string;
  requestProvider?: string;
  includeContent: boolean;
  startedAt: Date;
  completedAt: Date;
  arguments?: unknown;
  result?: unknown;
  callError?: string;
}

/** The in-memory snapshot of debugSnapshot(). */
export interface SigilDebugSnapshot {
  generations: Generation[];
  toolExecutions: ToolExecution[];
  /** Generations waiting in the export queue. */
  queueSize: number;
}

export declare class GenerationRecorder {
  private constructor();
  /**
   * Extension: the generation as end() normalized it; undefined before end(), for a recorder that
   * did not start, or with debugSnapshotLimit 0.
   */
  readonly lastGeneration: Generation | undefined;
  /** Extension: the generation id (given at start or generated). */
  readonly id: string;
  /** Extension: the W3C traceparent of the generation's span ("" when it has none). */
  readonly traceparent: string;
  /** Extension: whether end() was called. */
  readonly ended: boolean;
  /**
   * Extension: the content capture mode resolved at start (own > context > resolver > client);
   * undefined for a recorder that did not start. Tool executions started in the generation's
   * callback follow it.
   */
  readonly contentCaptureMode: Exclude<ContentCaptureMode, 'default'> | undefined;
  /** Sets the result (the last call wins). Returns an input error (extension; also reported by end()). */
  setResult(result: GenerationResult): SigilError | undefined;
  /** Records a provider failure: the generation is still exported, with call_error set. */
  setCallError(error: unknown): void;
  /** Records when the first streamed token arrived (now when omitted). */
  /** Maps the request body; throws InvalidArgumentError for an unknown API, returns a MappingError for a body it could only partly map. */
  setProviderRequest(api: ProviderApi | (string & {}), body: ProviderBody, options?: ProviderOptions): MappingError | undefined;
  /** Maps the response body, as setProviderRequest. */
  setProviderResponse(api: ProviderApi | (string & {}), body: ProviderBody, options?: ProviderOptions): MappingError | undefined;
  /** setProviderRequest then setProviderResponse; the first mapping problem. */
  setProviderResult(api: ProviderApi | (string & {}), request: ProviderBody, response: ProviderBody, options?: ProviderOptions): MappingError | undefined;
  /** Feeds one stream event; the engine accumulates them until end(). */
  addProviderEvent(api: ProviderApi | (string & {}), event: ProviderBody, options?: ProviderOptions): MappingError | undefined;
  /** Marks the generation with a mapping problem of your own (span error.type "mapping_error"). */
  setMappingError(message: string | Error): SigilError | undefined;
  setFirstTokenAt(firstTokenAt?: Date | number | bigint): void;
  /** Ends the recording; returns the local error (extension), also kept for getError(). */
  end(): SigilError | undefined;
  /** The local error of end(): validation, queue full, shut down... Never a provider failure. */
  getError(): SigilError | undefined;
}

/** Records one tool execution (a span and metrics). */
export declare class ToolExecutionRecorder {
  private constructor();
  readonly traceparent: string;
  readonly ended: boolean;
  setResult(result: ToolExecutionResult): SigilError | undefined;
  /** Records that the tool failed. */
  setCallError(error: unknown): void;
  end(): SigilError | undefined;
  /** The local error of end(), else the tool's own failure. */
  getError(): Error | undefined;
}

/** Records one embedding call (a span and metrics). */
export declare class EmbeddingRecorder {
  private constructor();
  readonly traceparent: string;
  readonly ended: boolean;
  setResult(result: EmbeddingResult): SigilError | undefined;
  /** Maps the call from the provider's request and/or response body (either may be omitted). */
  setProviderResult(api: ProviderApi | (string & {}), request?: ProviderBody | null, response?: ProviderBody | null): MappingError | undefined;
  setCallError(error: unknown): void;
  end(): SigilError | undefined;
  getError(): SigilError | undefined;
}

// ---------------------------------------------------------------------------
// Agent tracing (docs/agent-tracing.md)
// ---------------------------------------------------------------------------

export type SpanKind = 'agent' | 'chain' | 'retriever' | 'workflow' | 'task' | 'custom';
/** An attribute value: booleans, numbers (integers as ints), bigints and strings keep their type; anything else is written as JSON. */
export type SpanAttributeValue = string | number | bigint | boolean | object | null;

export interface SpanStart {
  /** Default "custom". */
  kind?: SpanKind;
  /** The step's name (an agent's: the span is "invoke_agent <agentName or name>"); blank gives the kind's name. */
  name?: string;
  conversationId?: string;
  conversationTitle?: string;
  agentName?: string;
  agentVersion?: string;
  startedAt?: Date | number | bigint;
  contentCapture?: ContentCaptureMode;
  /** The parent: a traceparent (remote), an extract()-ed context, or a span; else the current span. */
  parent?: string | RemoteContext | SpanRecorder;
  /** The tracestate that came with a `parent` traceparent string. */
  tracestate?: string;
  /** A new trace, unless an extract()-ed context is current. */
  root?: boolean;
}

export interface TracedOptions extends SpanStart {
  /** The client; else the current span's (without either the function just runs). */
  client?: SigilClient;
  /** Record the arguments (an array) when the span keeps content. Default true. */
  captureInput?: boolean;
  /** Record the return value (awaited) when the span keeps content. Default true. */
  captureOutput?: boolean;
  /** Set on every span. */
  attributes?: Record<string, SpanAttributeValue>;
}

/** Records one span of an application step: spans only, no generation export and no metrics. */
export declare class SpanRecorder {
  private constructor();
  readonly client: SigilClient;
  /** The span's W3C traceparent ("" when it did not start). */
  readonly traceparent: string;
  /** The W3C tracestate it carries on (its propagated parent's), or "". */
  readonly tracestate: string;
  /** 32 hex digits, or "" when it did not start. */
  readonly traceId: string;
  readonly ended: boolean;
  /** Whether content values would be kept under the span's content capture mode (false once ended). */
  readonly capturesContent: boolean;
  setAttribute(key: string, value: SpanAttributeValue, options?: { content?: boolean }): SigilError | undefined;
  setAttributes(attributes: Record<string, SpanAttributeValue>, options?: { content?: boolean }): SigilError | undefined;
  /** sigil.span.input, as JSON; always content. */
  setInput(value: unknown): SigilError | undefined;
  /** sigil.span.output, as JSON; always content. */
  setOutput(value: unknown): SigilError | undefined;
  addEvent(
    name: string,
    attributes?: Record<string, SpanAttributeValue>,
    options?: { content?: boolean; timestamp?: Date | number | bigint },
  ): SigilError | undefined;
  setStatus(status: 'ok' | 'error' | 'unset', message?: string): SigilError | undefined;
  /** Status ERROR, error.type (the error's name) and an "exception" event. */
  setError(error: unknown): SigilError | undefined;
  /** Ends the span; returns the first input error, also kept for getError(). */
  end(): SigilError | undefined;
  getError(): SigilError | undefined;
}

/** A trace context from another process (extract()). */
export declare class RemoteContext {
  constructor(traceparent: string, tracestate?: string);
  readonly traceparent: string;
  readonly tracestate: string | undefined;
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled: boolean;
  /** Runs `fn` so that what starts inside continues this trace. */
  run<T>(fn: () => T): T;
}

/** A header map inject() writes into and extract() reads (IncomingMessage.headers, fetch Headers, a Map). */
export type HeaderCarrier =
  | Record<string, string | string[] | undefined>
  | { get(name: string): string | null | undefined; set?(name: string, value: string): unknown };

/** Wraps `fn` so that each call is a span, current while it runs (see TracedOptions). */
export declare function traced<F extends (...args: any[]) => any>(fn: F, options?: TracedOptions): F;
/** The innermost span open in this context, or undefined. */
export declare function currentSpan(): SpanRecorder | undefined;
/** The trace id that records started here would join, or undefined. */
export declare function currentTraceId(): string | undefined;
/** Writes the current traceparent (and tracestate) into `headers` and returns it. */
export declare function inject<H extends HeaderCarrier = Record<string, string>>(headers?: H): H;
/** The trace context in `headers`, or undefined without a valid traceparent. */
export declare function extract(headers: HeaderCarrier): RemoteContext | undefined;

/** The callback form of the start methods. */
export type RecorderCallback<TRecorder, TResult> = (recorder: TRecorder) => TResult | Promise<TResult>;

// ---------------------------------------------------------------------------
// Ratings
// ---------------------------------------------------------------------------

export type ConversationRatingValue = 'CONVERSATION_RATING_VALUE_GOOD' | 'CONVERSATION_RATING_VALUE_BAD';

export interface ConversationRatingInput {
  ratingId: string;
  rating: ConversationRatingValue;
  comment?: string;
  metadata?: Record<string, unknown>;
  generationId?: string;
  raterId?: string;
  source?: string;
}

export interface ConversationRating {
  ratingId: string;
  conversationId: string;
  generationId?: string;
  rating: ConversationRatingValue;
  comment?: string;
  metadata?: Record<string, unknown>;
  raterId?: string;
  source?: string;
  createdAt: string;
}

export interface ConversationRatingSummary {
  totalCount: number;
  goodCount: number;
  badCount: number;
  latestRating?: ConversationRatingValue;
  latestRatedAt: string;
  latestBadAt?: string;
  hasBadRating: boolean;
}

export interface SubmitConversationRatingResponse {
  rating: ConversationRating;
  summary: ConversationRatingSummary;
}

// ---------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------

/** Extension: export counters since the client started. */
export interface SigilStats {
  generationsEnqueued: number;
  generationsExported: number;
  generationsRejected: number;
  droppedQueueFull: number;
  droppedByteBudget: number;
  droppedPayloadTooLarge: number;
  droppedRetryExhausted: number;
  droppedShutdownTimeout: number;
  droppedSpoolFull: number;
  droppedTotal: number;
  /** Undeliverable generations kept in the spool (with a spool directory). */
  generationsSpooled: number;
  /** Spooled generations delivered later and accepted. */
  generationsReplayed: number;
  validationFailures: number;
  exportAttempts: number;
  exportRetries: number;
  queueItems: number;
  queueBytes: number;
  /** Spans accepted by the OTLP receiver (the engine's own OTLP export). */
  spansExported: number;
  /** Spans lost: neither exported nor spooled. */
  spansDropped: number;
  /** Metrics exports that did not reach the receiver and were not spooled. */
  metricExportsFailed: number;
  /** Spans kept in the spool when the receiver could not take them (with a spool directory). */
  spansSpooled: number;
  /** Spooled spans this client delivered later. */
  spansReplayed: number;
  /** Final metrics snapshots kept in the spool. */
  metricExportsSpooled: number;
  /** Spooled snapshots this client delivered later. */
  metricExportsReplayed: number;
  scoresEnqueued: number;
  scoresExported: number;
  scoresRejected: number;
  scoresDropped: number;
  scoreExportAttempts: number;
  scoreExportRetries: number;
  /** Generations with usage (or an estimate) whose model has no price. */
  generationsUnpriced: number;
  /** Generations not exported: outside the export sample. */
  generationsExportSampledOut: number;
  /** Generations exported metadata-only: outside the content sample. */
  generationsContentSampledOut: number;
}

export declare class SigilClient {
  /** Throws a ConfigError (name "InvalidConfig") for an invalid configuration. */
  constructor(config?: SigilSdkConfigInput);

  startGeneration(start: GenerationStart): GenerationRecorder;
  startGeneration<TResult>(
    start: GenerationStart,
    callback: RecorderCallback<GenerationRecorder, TResult>,
  ): Promise<TResult>;

  startStreamingGeneration(start: GenerationStart): GenerationRecorder;
  startStreamingGeneration<TResult>(
    start: GenerationStart,
    callback: RecorderCallback<GenerationRecorder, TResult>,
  ): Promise<TResult>;

  startToolExecution(start: ToolExecutionStart): ToolExecutionRecorder;
  startToolExecution<TResult>(
    start: ToolExecutionStart,
    callback: RecorderCallback<ToolExecutionRecorder, TResult>,
  ): Promise<TResult>;

  startEmbedding(start: EmbeddingStart): EmbeddingRecorder;
  startEmbedding<TResult>(
    start: EmbeddingStart,
    callback: RecorderCallback<EmbeddingRecorder, TResult>,
  ): Promise<TResult>;

  /** Starts a span of an application step (agent tracing); call end(), or use withSpan(). */
  startSpan(start?: SpanStart): SpanRecorder;
  /**
   * Runs `callback(span)` with a new span current; ends it when the callback returns or its promise
   * settles. An error marks the span and is rethrown.
   */
  withSpan<TResult>(start: SpanStart, callback: (span: SpanRecorder) => TResult): TResult;
  /** traced(fn, options) with this client. */
  traced<F extends (...args: any[]) => any>(fn: F, options?: Omit<TracedOptions, 'client'>): F;

  /** Sends a rating now, off the event loop. `options` is an extension. */
  submitConversationRating(
    conversationId: string,
    input: ConversationRatingInput,
    options?: { timeoutMs?: number },
  ): Promise<SubmitConversationRatingResponse>;

  /** Queues an evaluation score and returns its score id (docs/scores.md). */
  submitScore(score: Score): string;

  /** Waits, off the event loop, until what was recorded is delivered or dropped (default 10 s). */
  flush(timeoutMs?: number): Promise<void>;
  /** Stops accepting records and delivers what is queued (default 10 s). Idempotent; never rejects. */
  shutdown(timeoutMs?: number): Promise<void>;

  /** Copies of the generations and tool executions recorded so far (see debugSnapshotLimit), and the queue size. */
  debugSnapshot(): SigilDebugSnapshot;

  /** Extension. */
  stats(): SigilStats;
  /** Extension: the aggregated GenAI histograms (see sigil_client_metrics_snapshot). */
  metricsSnapshot(): Record<string, unknown>;
}

/** Equivalent to `new SigilClient(config)`. */
export declare function createSigilClient(config?: SigilSdkConfigInput): SigilClient;
/** A configuration with nothing set: the environment and the engine's defaults apply. */
export declare function defaultConfig(): SigilSdkConfig;
/** Extension: validates a result (plus `model`) with the rules end() applies. */
export declare function validateGeneration(generation: GenerationResult): SigilError | undefined;
/** Extension: the SDK identity this package stamps ("sdk-js"). */
export declare const SDK_NAME: string;
/** Extension: the loaded libsigil's version. */
export declare const libraryVersion: string;

// ---------------------------------------------------------------------------
// Context (AsyncLocalStorage)
// ---------------------------------------------------------------------------

export declare function withConversationId<T>(conversationId: string, callback: () => T): T;
export declare function withConversationTitle<T>(conversationTitle: string, callback: () => T): T;
export declare function withUserId<T>(userId: string, callback: () => T): T;
export declare function withAgentName<T>(agentName: string, callback: () => T): T;
export declare function withAgentVersion<T>(agentVersion: string, callback: () => T): T;
/** Extension: recorders started inside are children of this W3C traceparent. */
export declare function withParentTraceparent<T>(traceparent: string, callback: () => T): T;
/**
 * Extension: a content capture mode for the generations and tool executions started inside that
 * set none themselves (wins over the resolver and the client; not for embeddings).
 */
export declare function withContentCaptureMode<T>(mode: ContentCaptureMode, callback: () => T): T;
/** Extension: several values at once. */
export declare function withSigilContext<T>(
  values: {
    conversationId?: string;
    conversationTitle?: string;
    userId?: string;
    agentName?: string;
    agentVersion?: string;
    parentTraceparent?: string;
    contentCaptureMode?: ContentCaptureMode;
  },
  callback: () => T,
): T;
export declare function conversationIdFromContext(): string | undefined;
export declare function conversationTitleFromContext(): string | undefined;
export declare function userIdFromContext(): string | undefined;
export declare function agentNameFromContext(): string | undefined;
export declare function agentVersionFromContext(): string | undefined;
export declare function parentTraceparentFromContext(): string | undefined;
/** Extension: the mode set by withContentCaptureMode or the running generation callback. */
export declare function contentCaptureModeFromContext(): ContentCaptureMode | undefined;

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/** Canonical error names, shared by every libsigil binding. */
export type SigilErrorName =
  | 'InvalidArgument'
  | 'ValidationFailed'
  | 'QueueFull'
  | 'PayloadTooLarge'
  | 'ClientShutdown'
  | 'InvalidUTF8'
  | 'InvalidJSON'
  | 'InvalidConfig'
  | 'Timeout'
  | 'TransportError'
  | 'AlreadyEnded'
  | 'OutOfMemory'
  | 'InternalError'
  | 'ByteBudgetExceeded'
  | 'Rejected'
  | 'RatingValidationFailed'
  | 'RatingConflict'
  | 'Unsupported';

/** Base class of every error the SDK throws or reports. */
export declare class SigilError extends Error {
  /** The canonical name ("QueueFull"). */
  name: SigilErrorName | string;
  /** The C status name ("SIGIL_E_QUEUE_FULL"). */
  readonly code: string;
  /** The pinned engine status number. */
  readonly status: number;
}
export declare class ValidationError extends SigilError {}
export declare class EnqueueError extends SigilError {}
export declare class QueueFullError extends EnqueueError {}
export declare class PayloadTooLargeError extends EnqueueError {}
export declare class ClientShutdownError extends EnqueueError {}
export declare class ConfigError extends SigilError {}
export declare class InvalidArgumentError extends SigilError {}
export declare class TimeoutError extends SigilError {}
export declare class TransportError extends SigilError {}
export declare class AlreadyEndedError extends SigilError {}
export declare class RatingConflictError extends SigilError {}
export declare class RatingTransportError extends SigilError {}
export declare class UnsupportedError extends SigilError {}
export declare class EngineError extends SigilError {}
/** Provider JSON the engine could only partly map: returned by the provider methods, never thrown. */
export declare class MappingError extends SigilError {}

// Stream events in batches (appended; see README "Providers").
export interface GenerationRecorder {
  /**
   * Feeds several stream events at once, in order, as that many addProviderEvent calls would.
   * `arrivedAt`: when each event reached the caller (a BigInt64Array of Unix nanoseconds, or Dates /
   * epoch milliseconds), so the first content event still sets the time to first token.
   */
  addProviderEvents(api: ProviderApi | (string & {}), events: Iterable<ProviderBody>,
    arrivedAt?: BigInt64Array | ArrayLike<Date | number | bigint>, options?: ProviderOptions): MappingError | undefined;
}
export interface GenerationRecorder {
  /** Extension: adds one string metadata entry to the result (kept when a provider mapping is set later). */
  setMetadata(key: string, value: string): SigilError | undefined;
}
export * as openai from './providers/openai.js';
export * as anthropic from './providers/anthropic.js';
export * as gemini from './providers/gemini.js';
export * as bedrock from './providers/bedrock.js';

/** One evaluation result for a generation (docs/scores.md). */
export interface Score {
  /** The idempotency key; generated ("sc_" + 16 hex digits) when absent. */
  scoreId?: string;
  generationId: string;
  conversationId?: string;
  traceId?: string;
  spanId?: string;
  evaluatorId: string;
  evaluatorVersion: string;
  /** What was scored, e.g. "helpfulness". */
  key: string;
  /** The type picks the kind: number (finite), boolean or string. */
  value: number | boolean | string;
  passed?: boolean;
  /** Sent as metadata "label". */
  label?: string;
  /** Sent as the explanation. */
  rationale?: string;
  metadata?: Record<string, unknown>;
  /** Default: the time of the call. */
  createdAt?: Date | bigint;
}
