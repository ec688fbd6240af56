'use strict';
// sigil-sdk/anthropic: the official `@anthropic-ai/sdk` client, recorded.
//
//   instrument(anthropicClient, sigil, options?)  every messages.create
//       (stream: true too) and messages.stream() of that client is recorded;
//       results, streams, MessageStream and errors are the SDK's own.
//   messages  the reference SDK's wrappers (create, stream) and mappers
//       (fromRequestResponse, fromStream).
const { generationApi } = require('./wrappers.js');
const { instrumentMethod, restoreMethod, requireSigil } = require('./stainless.js');

const MESSAGES = 'anthropic.messages';

const messages = generationApi(MESSAGES, 'anthropic');

/**
 * Records every messages.create of this Anthropic client (also with
 * `stream: true`, and the SDK's messages.stream() helper, which calls it) into
 * `sigil`. Returns the same client. Options as sigil-sdk/openai's instrument().
 */
function instrument(anthropicClient, sigil, options = {}) {
  if (anthropicClient === null || typeof anthropicClient !== 'object') {
    throw new TypeError('sigil: instrument() needs an Anthropic client as its first argument');
  }
  requireSigil(sigil, 'instrument()');
  instrumentMethod(anthropicClient.messages, 'create', { sigil, api: MESSAGES, provider: 'anthropic', options });
  return anthropicClient;
}

/** Undoes instrument() on this client. */
function uninstrument(anthropicClient) {
  restoreMethod(anthropicClient?.messages, 'create');
  return anthropicClient;
}

module.exports = { messages, instrument, uninstrument };
