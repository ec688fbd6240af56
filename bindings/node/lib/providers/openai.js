'use strict';
// sigil-sdk/openai: the official `openai` client, recorded.
//
//   instrument(openaiClient, sigil, options?)  every chat.completions.create
//       (stream: true too), responses.create and embeddings.create of that
//       client is recorded; results, streams and errors are the SDK's own.
//   chat.completions / responses / embeddings  the reference SDK's wrappers
//       (create, stream) and mappers (fromRequestResponse, fromStream).
const { startFields } = require('./common.js');
const { generationApi } = require('./wrappers.js');
const { instrumentMethod, restoreMethod, requireSigil } = require('./stainless.js');

const CHAT = 'openai.chat';
const RESPONSES = 'openai.responses';
const EMBEDDINGS = 'openai.embeddings';

const chat = { completions: generationApi(CHAT, 'openai') };
const responses = generationApi(RESPONSES, 'openai');

/** The embedding fields of a request and response, as the engine maps them. */
function embeddingsFromRequestResponse(request, response) {
  const input = request?.input;
  const texts = typeof input === 'string' ? [input]
    : Array.isArray(input) && input.every((x) => typeof x === 'string') ? [...input] : undefined;
  const count = Array.isArray(input) ? input.length : input === undefined || input === null ? 0 : 1;
  const out = { inputCount: count };
  if (texts) out.inputTexts = texts;
  const usage = response?.usage;
  const tokens = usage?.prompt_tokens ?? usage?.total_tokens;
  if (Number.isInteger(tokens)) out.inputTokens = tokens;
  if (typeof response?.model === 'string') out.responseModel = response.model;
  const first = Array.isArray(response?.data) ? response.data[0] : undefined;
  if (Array.isArray(first?.embedding)) out.dimensions = first.embedding.length;
  return out;
}

const embeddings = {
  async create(client, request, providerCall, options = {}) {
    requireSigil(client, 'openai embeddings create');
    const start = startFields(options, 'openai', request?.model);
    delete start.conversationId;
    return client.startEmbedding(start, async (recorder) => {
      const response = await providerCall(request);
      recorder.setProviderResult(EMBEDDINGS, request, response);
      return response;
    });
  },
  fromRequestResponse: embeddingsFromRequestResponse,
};

// [path to the resource, method, api, embedding?]
const METHODS = [
  [['chat', 'completions'], 'create', CHAT, false],
  [['responses'], 'create', RESPONSES, false],
  [['embeddings'], 'create', EMBEDDINGS, true],
];

function resource(client, path) {
  let r = client;
  for (const k of path) r = r?.[k];
  return r;
}

/**
 * Records every chat.completions.create (also with `stream: true`, and the
 * SDK's chat.completions.stream() helper, which calls it), responses.create
 * (and responses.stream()) and embeddings.create of this OpenAI client into
 * `sigil`. Returns the same client. options: conversationId, agentName,
 * agentVersion, tags, metadata, rawArtifacts (AsyncLocalStorage context from
 * withConversationId()... applies as to any generation).
 */
function instrument(openaiClient, sigil, options = {}) {
  if (openaiClient === null || typeof openaiClient !== 'object') {
    throw new TypeError('sigil: instrument() needs an OpenAI client as its first argument');
  }
  requireSigil(sigil, 'instrument()');
  for (const [path, method, api, embedding] of METHODS) {
    instrumentMethod(resource(openaiClient, path), method, { sigil, api, provider: 'openai', embedding, options });
  }
  return openaiClient;
}

/** Undoes instrument() on this client. */
function uninstrument(openaiClient) {
  for (const [path, method] of METHODS) restoreMethod(resource(openaiClient, path), method);
  return openaiClient;
}

module.exports = { chat, responses, embeddings, instrument, uninstrument };
