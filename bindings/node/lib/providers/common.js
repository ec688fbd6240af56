'use strict';
// What every provider module shares: the engine maps the provider's own JSON
// (docs/providers.md), so a wrapper only hands over the request, the response
// or the stream events, and the error the SDK raised; the caller receives
// exactly what the SDK returned or threw.
const N = require('../native.js');
const { decodeGeneration } = require('../decode.js');
const { MappingError, InvalidArgumentError } = require('../errors.js');

// Stream events reach the engine in batches of at most this many, each with
// the time it reached the caller (so the first-token time is the first
// content event's, not its batch's).
const EVENT_BATCH = 32;

// Unix nanoseconds from a monotonic clock anchored once to the wall clock.
const ANCHOR_NS = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
const nowNs = () => ANCHOR_NS + process.hrtime.bigint();

function text(body) {
  if (body === undefined || body === null) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** Options every wrapper takes; returns the start fields they set. */
function startFields(options, provider, model) {
  const o = options ?? {};
  const start = { model: { provider, name: model === undefined || model === null ? '' : String(model) } };
  if (o.conversationId !== undefined) start.conversationId = o.conversationId;
  if (o.conversationTitle !== undefined) start.conversationTitle = o.conversationTitle;
  if (o.userId !== undefined) start.userId = o.userId;
  if (o.agentName !== undefined) start.agentName = o.agentName;
  if (o.agentVersion !== undefined) start.agentVersion = o.agentVersion;
  if (o.tags !== undefined) start.tags = o.tags;
  if (o.metadata !== undefined) start.metadata = o.metadata;
  return start;
}

/**
 * The reference result shape has no media parts (images, audio, files): they
 * are left out of the messages, as the reference mappers leave them out; a
 * message left with no part is left out too. The recorder-based paths
 * (instrument(), the wrappers) keep them.
 */
function withoutMedia(doc) {
  for (const key of ['input', 'output']) {
    if (!Array.isArray(doc[key])) continue;
    doc[key] = doc[key]
      .map((m) => ({ ...m, parts: (m.parts ?? []).filter((p) => p.media === undefined) }))
      .filter((m) => m.parts.length > 0);
  }
  return doc;
}

/**
 * The normalized result of a provider call, mapped by the engine without a
 * recorder, in the shape recorder.setResult() takes. A body that could only be
 * partly mapped throws a MappingError carrying what was mapped (`.partial`).
 */
function mapGeneration(api, request, response, events, options) {
  const flags = options?.rawArtifacts ? 1 : 0;
  const evs = events === undefined || events === null ? undefined : Array.from(events, (e) => text(e));
  const [st, json, message] = N.providerMapGeneration(String(api), text(request), text(response), evs, flags);
  if (st === 1 || json === undefined) {
    throw new InvalidArgumentError(`sigil: ${message}`, st);
  }
  const g = decodeGeneration(withoutMedia(JSON.parse(json)));
  delete g.id;
  delete g.operationName;
  delete g.startedAt;
  delete g.completedAt;
  const o = options ?? {};
  if (o.conversationId !== undefined) g.conversationId = o.conversationId;
  if (o.agentName !== undefined) g.agentName = o.agentName;
  if (o.agentVersion !== undefined) g.agentVersion = o.agentVersion;
  if (o.tags !== undefined) g.tags = { ...(g.tags ?? {}), ...o.tags };
  if (o.metadata !== undefined) g.metadata = { ...(g.metadata ?? {}), ...o.metadata };
  if (st !== 0) {
    const err = new MappingError(`sigil: the provider JSON could not be fully mapped: ${message}`, st);
    err.partial = g;
    throw err;
  }
  return g;
}

/**
 * Hands stream events to a streaming recorder in batches, with their arrival
 * times: add() as each event reaches the caller, flush() before end().
 */
class EventBatch {
  constructor(recorder, api, rawArtifacts) {
    this.recorder = recorder;
    this.api = api;
    this.flags = rawArtifacts ? 1 : 0;
    this.events = [];
    this.times = new BigInt64Array(EVENT_BATCH);
  }

  add(event) {
    this.times[this.events.length] = nowNs();
    this.events.push(text(event));
    if (this.events.length === EVENT_BATCH) this.flush();
  }

  flush() {
    if (this.events.length === 0) return;
    const events = this.events;
    this.events = [];
    this.recorder.addProviderEvents(this.api, events, this.times.slice(0, events.length),
      { rawArtifacts: this.flags === 1 });
  }
}

module.exports = { EVENT_BATCH, nowNs, text, startFields, mapGeneration, EventBatch };
