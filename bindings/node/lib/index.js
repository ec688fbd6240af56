'use strict';
// sigil-sdk: the Grafana Sigil JavaScript SDK's API, recorded and exported by
// libsigil (loaded as a Node-API addon), so that every language produces the
// same records, spans, metrics and wire bytes.
const client = require('./client.js');
const context = require('./context.js');
const errors = require('./errors.js');
const tracing = require('./tracing.js');

exports.SigilClient = client.SigilClient;
exports.GenerationRecorder = client.GenerationRecorder;
exports.ToolExecutionRecorder = client.ToolExecutionRecorder;
exports.EmbeddingRecorder = client.EmbeddingRecorder;
exports.SpanRecorder = client.SpanRecorder;
exports.createSigilClient = client.createSigilClient;
exports.defaultConfig = client.defaultConfig;
exports.validateGeneration = client.validateGeneration;
exports.SDK_NAME = client.SDK_NAME;
exports.libraryVersion = client.libraryVersion;

exports.withConversationId = context.withConversationId;
exports.withConversationTitle = context.withConversationTitle;
exports.withUserId = context.withUserId;
exports.withAgentName = context.withAgentName;
exports.withAgentVersion = context.withAgentVersion;
exports.withParentTraceparent = context.withParentTraceparent;
exports.withContentCaptureMode = context.withContentCaptureMode;
exports.withSigilContext = context.withSigilContext;
exports.conversationIdFromContext = context.conversationIdFromContext;
exports.conversationTitleFromContext = context.conversationTitleFromContext;
exports.userIdFromContext = context.userIdFromContext;
exports.agentNameFromContext = context.agentNameFromContext;
exports.agentVersionFromContext = context.agentVersionFromContext;
exports.parentTraceparentFromContext = context.parentTraceparentFromContext;
exports.contentCaptureModeFromContext = context.contentCaptureModeFromContext;

exports.traced = tracing.tracedFunction;
exports.currentSpan = tracing.currentSpan;
exports.currentTraceId = tracing.currentTraceId;
exports.inject = tracing.inject;
exports.extract = tracing.extract;
exports.RemoteContext = tracing.RemoteContext;

exports.SigilError = errors.SigilError;
exports.ValidationError = errors.ValidationError;
exports.EnqueueError = errors.EnqueueError;
exports.QueueFullError = errors.QueueFullError;
exports.PayloadTooLargeError = errors.PayloadTooLargeError;
exports.ClientShutdownError = errors.ClientShutdownError;
exports.ConfigError = errors.ConfigError;
exports.InvalidArgumentError = errors.InvalidArgumentError;
exports.TimeoutError = errors.TimeoutError;
exports.TransportError = errors.TransportError;
exports.AlreadyEndedError = errors.AlreadyEndedError;
exports.RatingConflictError = errors.RatingConflictError;
exports.RatingTransportError = errors.RatingTransportError;
exports.UnsupportedError = errors.UnsupportedError;
exports.EngineError = errors.EngineError;
exports.MappingError = errors.MappingError;

// Provider wrappers (also their own entry points: sigil-sdk/openai, ...), as
// the reference SDK exports them: `import { openai } from 'sigil-sdk'`.
exports.openai = require('./providers/openai.js');
exports.anthropic = require('./providers/anthropic.js');
exports.gemini = require('./providers/gemini.js');
exports.bedrock = require('./providers/bedrock.js');
