// ESM entry point: the same module instance as require('sigil-sdk').
import sdk from './index.js';

export const {
  SigilClient,
  GenerationRecorder,
  ToolExecutionRecorder,
  EmbeddingRecorder,
  SpanRecorder,
  traced,
  currentSpan,
  currentTraceId,
  inject,
  extract,
  RemoteContext,
  createSigilClient,
  defaultConfig,
  validateGeneration,
  SDK_NAME,
  libraryVersion,
  withConversationId,
  withConversationTitle,
  withUserId,
  withAgentName,
  withAgentVersion,
  withParentTraceparent,
  withContentCaptureMode,
  withSigilContext,
  conversationIdFromContext,
  conversationTitleFromContext,
  userIdFromContext,
  agentNameFromContext,
  agentVersionFromContext,
  parentTraceparentFromContext,
  contentCaptureModeFromContext,
  SigilError,
  ValidationError,
  EnqueueError,
  QueueFullError,
  PayloadTooLargeError,
  ClientShutdownError,
  ConfigError,
  InvalidArgumentError,
  TimeoutError,
  TransportError,
  AlreadyEndedError,
  RatingConflictError,
  RatingTransportError,
  UnsupportedError,
  EngineError,
  MappingError
} = sdk;
export default sdk;
export const { openai } = sdk;
export const { anthropic } = sdk;
export const { gemini } = sdk;
export const { bedrock } = sdk;
