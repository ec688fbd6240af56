'use strict';
// Auto-instrumentation of the Stainless-generated provider SDKs (openai,
// @anthropic-ai/sdk): a client's resource methods are replaced on that client
// instance by ones that record the call and return what the SDK returned.
//
// - The SDK's APIPromise stays an APIPromise (withResponse(), asResponse(),
//   _request_id): the recording rides on its own _thenUnwrap.
// - A stream stays the SDK's Stream object (instanceof, controller,
//   toReadableStream(), tee()): only its `iterator` is tapped, so every way
//   of reading it hands each event to the engine as it reaches the caller.
// - The SDK's errors reach the caller unchanged; they are recorded as the
//   call error.
const { EventBatch, startFields } = require('./common.js');

const ORIGINAL = Symbol.for('sigil.provider.original');

// Metadata of a recorded stream that stopped before its end, as in every
// binding: "caller_closed" (break, return(), controller.abort()), "abandoned"
// (dropped unread, or before its end, and garbage-collected) or "error" (the
// stream failed; call_error holds it). When the provider's last event had
// not arrived, the engine's mapping error says the output and usage are partial.
const STREAM_STOPPED_KEY = 'sigil.stream.stopped';

// A stream the caller drops unread (or before its end) is recorded when it is
// garbage-collected, marked "abandoned": the registry holds the call, never the stream.
const abandoned = new FinalizationRegistry((call) => call.finish('abandoned'));

/** One recorded call: a generation (sync or streamed) or an embedding. */
class Call {
  constructor(recorder, api, rawArtifacts, embedding, request) {
    this.recorder = recorder;
    this.api = api;
    this.rawArtifacts = rawArtifacts;
    this.embedding = embedding;
    this.request = request;
    this.done = false;
    this.batch = undefined;
  }

  /** The SDK's parsed result: a body, or a stream to tap. */
  succeed(data) {
    if (this.done) return data;
    try {
      if (data !== null && typeof data === 'object' && typeof data.iterator === 'function' && data.controller) {
        this.batch = new EventBatch(this.recorder, this.api, this.rawArtifacts);
        tapStream(data, this);
        abandoned.register(data, this, this);
        return data;
      }
      if (this.embedding) {
        this.recorder.setProviderResult(this.api, this.request, data);
      } else {
        this.recorder.setProviderResponse(this.api, data, { rawArtifacts: this.rawArtifacts });
      }
    } catch {
      // recording never fails the provider call
    }
    this.finish();
    return data;
  }

  event(value) {
    if (this.done) return;
    try {
      this.batch.add(value);
    } catch {
      // as above
    }
  }

  fail(err) {
    if (this.done) return;
    try {
      this.recorder.setCallError(err);
    } catch {
      // as above
    }
    this.finish(this.batch ? 'error' : '');
  }

  /** Ends the recording; `stopped`: why a stream stopped early (STREAM_STOPPED_KEY), '' when it was read to its end. */
  finish(stopped = '') {
    if (this.done) return;
    this.done = true;
    abandoned.unregister(this);
    try {
      this.batch?.flush();
      if (stopped) this.recorder.setMetadata(STREAM_STOPPED_KEY, stopped);
      this.recorder.end();
    } catch {
      // as above
    }
  }
}

/** Taps a Stainless Stream: its iterator hands each event over as it is read. */
function tapStream(stream, call) {
  const original = stream.iterator;
  stream.iterator = function iterator() {
    const it = original.call(this);
    return {
      async next(...args) {
        let r;
        try {
          r = await it.next(...args);
        } catch (err) {
          call.fail(err);
          throw err;
        }
        if (r.done) call.finish(stream.controller?.signal?.aborted ? 'caller_closed' : '');
        else call.event(r.value);
        return r;
      },
      async return(value) {
        try {
          return typeof it.return === 'function' ? await it.return(value) : { done: true, value };
        } finally {
          call.finish('caller_closed');
        }
      },
      async throw(err) {
        try {
          if (typeof it.throw === 'function') return await it.throw(err);
          throw err;
        } finally {
          call.fail(err);
        }
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  };
}

/**
 * A plain async iterator (@google/genai, Bedrock), tapped: each item is handed
 * over as the caller reads it; the generator returned behaves as the SDK's
 * (break, return(), errors). `signal`: the call's abort signal, if any.
 */
function tapGenerator(generator, call, signal) {
  const tapped = tapping(generator, call, signal);
  abandoned.register(tapped, call, call);
  return tapped;
}

async function* tapping(generator, call, signal) {
  let ended = false;
  try {
    for (;;) {
      let r;
      try {
        r = await generator.next();
      } catch (err) {
        if (signal?.aborted) call.finish('caller_closed');
        else call.fail(err);
        ended = true;
        throw err;
      }
      if (r.done) {
        ended = true;
        call.finish(signal?.aborted ? 'caller_closed' : '');
        return r.value;
      }
      call.event(r.value);
      yield r.value;
    }
  } finally {
    if (!ended) {
      call.finish('caller_closed');
      await generator.return?.(undefined);
    }
  }
}

/** Hangs the recording on the SDK's promise, keeping its type. */
function attach(promise, call) {
  if (promise !== null && typeof promise === 'object' && typeof promise._thenUnwrap === 'function' &&
      promise.responsePromise && typeof promise.responsePromise.then === 'function') {
    promise.responsePromise.then(undefined, (err) => call.fail(err));
    return promise._thenUnwrap((data) => call.succeed(data));
  }
  return Promise.resolve(promise).then((data) => call.succeed(data), (err) => {
    call.fail(err);
    throw err;
  });
}

/**
 * Replaces target[name] with a recording method. spec: { sigil, api, provider, embedding?, options }.
 * Returns whether it was replaced (a method already replaced is left alone).
 */
function instrumentMethod(target, name, spec) {
  if (target === null || typeof target !== 'object') return false;
  const original = target[name];
  if (typeof original !== 'function' || original[ORIGINAL]) return false;
  const { sigil, api, provider, embedding, options } = spec;
  const rawArtifacts = Boolean(options?.rawArtifacts);
  const recording = function (body, requestOptions, ...rest) {
    let call;
    try {
      const start = startFields(options, provider, body?.model);
      if (embedding) {
        delete start.conversationId;
        delete start.conversationTitle;
        delete start.userId;
        call = new Call(sigil.startEmbedding(start), api, rawArtifacts, true, body);
      } else {
        const streaming = body?.stream === true;
        const rec = streaming ? sigil.startStreamingGeneration(start) : sigil.startGeneration(start);
        rec.setProviderRequest(api, body ?? {}, { rawArtifacts });
        call = new Call(rec, api, rawArtifacts, false, body);
      }
    } catch {
      call = undefined; // a client that cannot record: the call goes on unrecorded
    }
    let promise;
    try {
      promise = original.call(this, body, requestOptions, ...rest);
    } catch (err) {
      call?.fail(err);
      throw err;
    }
    return call === undefined ? promise : attach(promise, call);
  };
  Object.defineProperty(recording, ORIGINAL, { value: original });
  Object.defineProperty(recording, 'name', { value: original.name || name });
  target[name] = recording;
  return true;
}

/** Puts back what instrumentMethod replaced. */
function restoreMethod(target, name) {
  const current = target?.[name];
  if (typeof current === 'function' && current[ORIGINAL]) {
    if (Object.prototype.hasOwnProperty.call(target, name)) delete target[name];
    if (target[name] !== current[ORIGINAL]) target[name] = current[ORIGINAL];
  }
}

function requireSigil(sigil, where) {
  if (sigil === null || typeof sigil !== 'object' || typeof sigil.startGeneration !== 'function') {
    throw new TypeError(`sigil: ${where} needs a SigilClient as its second argument`);
  }
}

module.exports = { instrumentMethod, restoreMethod, requireSigil, tapStream, tapGenerator, Call, STREAM_STOPPED_KEY };
