'use strict';
// The reference SDK's wrapper and mapper shape, shared by every provider:
//   create(sigil, request, providerCall, options?)   one call, recorded
//   stream(sigil, request, providerCall, options?)   providerCall returns a summary
//       { events?, finalResponse?, outputText?, firstChunkAt? }, recorded
//   fromRequestResponse(request, response, options?) / fromStream(request, summary, options?)
//       the normalized result, for recorder.setResult()
const { EventBatch, mapGeneration, startFields } = require('./common.js');
const { requireSigil } = require('./stainless.js');

function asDate(v) {
  if (v === undefined || v === null) return undefined;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function textOutput(text) {
  return [{ role: 'assistant', parts: [{ type: 'text', text }] }];
}

function generationApi(api, provider) {
  const raw = (options) => ({ rawArtifacts: Boolean(options?.rawArtifacts) });
  return {
    async create(client, request, providerCall, options = {}) {
      requireSigil(client, `${api} create`);
      return client.startGeneration(startFields(options, provider, request?.model), async (recorder) => {
        recorder.setProviderRequest(api, request ?? {}, raw(options));
        const response = await providerCall(request);
        recorder.setProviderResponse(api, response, raw(options));
        return response;
      });
    },

    async stream(client, request, providerCall, options = {}) {
      requireSigil(client, `${api} stream`);
      return client.startStreamingGeneration(startFields(options, provider, request?.model), async (recorder) => {
        recorder.setProviderRequest(api, request ?? {}, raw(options));
        const summary = (await providerCall(request)) ?? {};
        const first = asDate(summary.firstChunkAt);
        if (first !== undefined) recorder.setFirstTokenAt(first);
        if (Array.isArray(summary.events) && summary.events.length > 0) {
          const batch = new EventBatch(recorder, api, options.rawArtifacts);
          for (const e of summary.events) batch.add(e);
          batch.flush();
        } else if (summary.finalResponse !== undefined) {
          recorder.setProviderResponse(api, summary.finalResponse, raw(options));
        } else if (typeof summary.outputText === 'string' && summary.outputText !== '') {
          recorder.setResult({ ...mapGeneration(api, request, undefined, undefined, options),
            output: textOutput(summary.outputText) });
        }
        return summary;
      });
    },

    fromRequestResponse(request, response, options = {}) {
      return mapGeneration(api, request, response, undefined, options);
    },

    fromStream(request, summary, options = {}) {
      const s = summary ?? {};
      const events = Array.isArray(s.events) && s.events.length > 0 ? s.events : undefined;
      const result = mapGeneration(api, request, events ? undefined : s.finalResponse, events, options);
      if (!events && s.finalResponse === undefined && typeof s.outputText === 'string' && s.outputText !== '') {
        result.output = textOutput(s.outputText);
      }
      return result;
    },
  };
}

module.exports = { generationApi };
