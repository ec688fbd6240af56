'use strict';
// sigil-sdk/gemini: the official `@google/genai` client, recorded.
//
//   instrument(googleGenAI, sigil, options?)  every models.generateContent,
//       models.generateContentStream and models.embedContent of that client
//       is recorded; results, the stream (an async generator) and errors are
//       the SDK's own.
//   models  the reference SDK's wrappers (generateContent, generateContentStream,
//       embedContent) and mappers (fromRequestResponse, fromStream).
const { EventBatch, startFields } = require('./common.js');
const { Call, requireSigil, tapGenerator } = require('./stainless.js');
const { generationApi } = require('./wrappers.js');

const GENERATE = 'gemini.generate_content';
const EMBED = 'gemini.embed_content';
const ORIGINAL = Symbol.for('sigil.provider.original');

/** The request as the engine reads it: the SDK form (model, contents, config). */
function requestBody(params) {
  const body = { model: params?.model, contents: params?.contents };
  if (params?.config !== undefined && params.config !== null) {
    // abortSignal, httpOptions and callable tools are the SDK's, not the request's
    const { abortSignal, httpOptions, ...config } = params.config;
    void abortSignal;
    void httpOptions;
    body.config = config;
  }
  return body;
}

function begin(sigil, options, params, streaming) {
  const rawArtifacts = Boolean(options?.rawArtifacts);
  const start = startFields(options, 'gemini', String(params?.model ?? '').replace(/^models\//, ''));
  const rec = streaming ? sigil.startStreamingGeneration(start) : sigil.startGeneration(start);
  rec.setProviderRequest(GENERATE, requestBody(params), { rawArtifacts });
  const call = new Call(rec, GENERATE, rawArtifacts, false, params);
  if (streaming) call.batch = new EventBatch(rec, GENERATE, rawArtifacts);
  return call;
}

function replace(models, name, make) {
  const original = models?.[name];
  if (typeof original !== 'function' || original[ORIGINAL]) return;
  const recording = make(original);
  Object.defineProperty(recording, ORIGINAL, { value: original });
  models[name] = recording;
}

/**
 * Records every models.generateContent, generateContentStream and
 * embedContent of this GoogleGenAI client into `sigil`. Returns the same
 * client. Options as sigil-sdk/openai's instrument().
 */
function instrument(genai, sigil, options = {}) {
  if (genai === null || typeof genai !== 'object' || genai.models === undefined) {
    throw new TypeError('sigil: instrument() needs a GoogleGenAI client as its first argument');
  }
  requireSigil(sigil, 'instrument()');
  const models = genai.models;
  replace(models, 'generateContent', (original) => async function generateContent(params, ...rest) {
    let call;
    try {
      call = begin(sigil, options, params, false);
    } catch {
      call = undefined; // a client that cannot record: the call goes on unrecorded
    }
    try {
      const response = await original.call(this, params, ...rest);
      call?.succeed(response);
      return response;
    } catch (err) {
      call?.fail(err);
      throw err;
    }
  });
  replace(models, 'generateContentStream', (original) => async function generateContentStream(params, ...rest) {
    let call;
    try {
      call = begin(sigil, options, params, true);
    } catch {
      call = undefined;
    }
    let generator;
    try {
      generator = await original.call(this, params, ...rest);
    } catch (err) {
      call?.fail(err);
      throw err;
    }
    return call === undefined ? generator : tapGenerator(generator, call, params?.config?.abortSignal);
  });
  replace(models, 'embedContent', (original) => async function embedContent(params, ...rest) {
    let call;
    try {
      const start = startFields(options, 'gemini', String(params?.model ?? '').replace(/^models\//, ''));
      delete start.conversationId;
      delete start.conversationTitle;
      delete start.userId;
      call = new Call(sigil.startEmbedding(start), EMBED, false, true, requestBody(params));
    } catch {
      call = undefined;
    }
    try {
      const response = await original.call(this, params, ...rest);
      call?.succeed(response);
      return response;
    } catch (err) {
      call?.fail(err);
      throw err;
    }
  });
  return genai;
}

/** Undoes instrument() on this client. */
function uninstrument(genai) {
  const models = genai?.models;
  for (const name of ['generateContent', 'generateContentStream', 'embedContent']) {
    const current = models?.[name];
    if (typeof current === 'function' && current[ORIGINAL]) models[name] = current[ORIGINAL];
  }
  return genai;
}

// The reference SDK's wrappers and mappers for Gemini: the request travels as
// (model, contents, config), and providerCall receives the same three.
const api = generationApi(GENERATE, 'gemini');
const req = (model, contents, config) => requestBody({ model, contents, config });
const relay = (providerCall) => (r) => providerCall(r.model, r.contents, r.config);

/** The embedding fields of an embedContent call, as the engine maps them. */
function embeddingFromResponse(model, contents, config, response) {
  const list = Array.isArray(contents) ? contents : contents === undefined || contents === null ? [] : [contents];
  const out = { inputCount: list.length };
  const texts = list.map((c) => (typeof c === 'string' ? c
    : (c?.parts ?? []).map((p) => p?.text).filter((x) => typeof x === 'string').join('\n')).trim())
    .filter((x) => x !== '');
  if (texts.length > 0) out.inputTexts = texts;
  const embeddings = Array.isArray(response?.embeddings) ? response.embeddings : [];
  if (Array.isArray(embeddings[0]?.values)) out.dimensions = embeddings[0].values.length;
  const tokens = embeddings.reduce((n, e) => n + (Number.isInteger(e?.statistics?.tokenCount) ? e.statistics.tokenCount : 0), 0);
  if (tokens > 0) out.inputTokens = tokens;
  if (typeof model === 'string') out.responseModel = model.replace(/^models\//, '');
  if (Number.isInteger(config?.outputDimensionality)) out.requestedDimensions = config.outputDimensionality;
  return out;
}

const models = {
  generateContent: (client, model, contents, config, providerCall, options) =>
    api.create(client, req(model, contents, config), relay(providerCall), options),
  generateContentStream: (client, model, contents, config, providerCall, options) =>
    api.stream(client, req(model, contents, config), relay(providerCall), options),
  async embedContent(client, model, contents, config, providerCall, options = {}) {
    requireSigil(client, 'gemini embedContent');
    const start = startFields(options, 'gemini', String(model ?? '').replace(/^models\//, ''));
    delete start.conversationId;
    return client.startEmbedding(start, async (recorder) => {
      const response = await providerCall(model, contents, config);
      recorder.setProviderResult(EMBED, req(model, contents, config), response);
      return response;
    });
  },
  fromRequestResponse: (model, contents, config, response, options) =>
    api.fromRequestResponse(req(model, contents, config), response, options),
  fromStream: (model, contents, config, summary, options) => api.fromStream(req(model, contents, config), summary, options),
  embeddingFromResponse,
};

module.exports = { models, instrument, uninstrument };
