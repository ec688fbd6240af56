'use strict';

// LangChain.js callback handler methods over the shared framework base: LangChain and LangGraph
// (whose runs arrive through LangChain's callback manager) are the same handler under two names.

const { SigilFrameworkHandler, withHandlerCallbacks } = require('./shared.js');

/** A callback handler class for `frameworkName`, whose LangChain handler name is `handlerName`. */
function langChainCallbackHandler(frameworkName, handlerName) {
  return class extends SigilFrameworkHandler {
    name = handlerName;
    // Callbacks run inline, in the caller's async context and order, so spans nest and the
    // generation's timing is the model call's (LangChain would otherwise queue them in the background).
    awaitHandlers = true;

    constructor(client, options = {}) {
      super(client, frameworkName, 'javascript', options);
    }

    async handleLLMStart(serialized, prompts, runId, parentRunId, extraParams, tags, metadata, runName) {
      this.onLLMStart(serialized, prompts, runId, parentRunId, extraParams, tags, metadata, runName);
    }

    async handleChatModelStart(serialized, messages, runId, parentRunId, extraParams, tags, metadata, runName) {
      this.onChatModelStart(serialized, messages, runId, parentRunId, extraParams, tags, metadata, runName);
    }

    async handleLLMNewToken(token, _idx, runId, _parentRunId, _tags, fields) {
      this.onLLMNewToken(token, runId, fields?.chunk);
    }

    async handleLLMEnd(output, runId) {
      this.onLLMEnd(output, runId);
    }

    async handleLLMError(error, runId) {
      this.onLLMError(error, runId);
    }

    async handleToolStart(serialized, input, runId, parentRunId, tags, metadata, runName, toolCallId) {
      this.onToolStart(serialized, input, runId, parentRunId, tags, metadata, runName,
        toolCallId === undefined ? undefined : { tool_call_id: toolCallId });
    }

    async handleToolEnd(output, runId) {
      this.onToolEnd(output, runId);
    }

    async handleToolError(error, runId) {
      this.onToolError(error, runId);
    }

    async handleChainStart(serialized, _inputs, runId, parentRunId, tags, metadata, runType, runName, extra) {
      this.onChainStart(serialized, runId, parentRunId, tags, metadata, runType, runName, extra);
    }

    async handleChainEnd(_outputs, runId) {
      this.onChainEnd(runId);
    }

    async handleChainError(error, runId) {
      this.onChainError(error, runId);
    }

    async handleRetrieverStart(serialized, _query, runId, parentRunId, tags, metadata, runName) {
      this.onRetrieverStart(serialized, runId, parentRunId, tags, metadata, runName);
    }

    async handleRetrieverEnd(_documents, runId) {
      this.onRetrieverEnd(runId);
    }

    async handleRetrieverError(error, runId) {
      this.onRetrieverError(error, runId);
    }
  };
}

module.exports = { langChainCallbackHandler, withHandlerCallbacks };
