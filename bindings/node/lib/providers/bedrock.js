'use strict';
// sigil-sdk/bedrock: the official `@aws-sdk/client-bedrock-runtime` client,
// recorded.
//
//   instrument(bedrockRuntimeClient, sigil, options?)  every ConverseCommand
//       and ConverseStreamCommand sent through that client is recorded; other
//       commands pass straight through. The output, its `stream` (an async
//       iterable of ConverseStream events) and errors are the SDK's own.
const { EventBatch, startFields } = require('./common.js');
const { Call, requireSigil, tapGenerator } = require('./stainless.js');

const CONVERSE = 'bedrock.converse';
const ORIGINAL = Symbol.for('sigil.provider.original');
const COMMANDS = { ConverseCommand: false, ConverseStreamCommand: true };

/** The command input as JSON; bytes (images, documents) as base64, as the wire has them. */
function inputJson(input) {
  return JSON.stringify(input ?? {}, function replace(key, value) {
    const original = this[key];
    if (original instanceof Uint8Array) return Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64');
    return value;
  });
}

/**
 * Records every Converse and ConverseStream command sent through this
 * BedrockRuntimeClient into `sigil`. Returns the same client. Options as
 * sigil-sdk/openai's instrument().
 */
function instrument(bedrock, sigil, options = {}) {
  if (bedrock === null || typeof bedrock !== 'object' || typeof bedrock.send !== 'function') {
    throw new TypeError('sigil: instrument() needs a BedrockRuntimeClient as its first argument');
  }
  requireSigil(sigil, 'instrument()');
  const original = bedrock.send;
  if (original[ORIGINAL]) return bedrock;
  const rawArtifacts = Boolean(options?.rawArtifacts);
  const send = function send(command, ...rest) {
    const streaming = COMMANDS[command?.constructor?.name];
    if (streaming === undefined) return original.call(this, command, ...rest);
    let call;
    try {
      const start = startFields(options, 'bedrock', command.input?.modelId);
      const rec = streaming ? sigil.startStreamingGeneration(start) : sigil.startGeneration(start);
      rec.setProviderRequest(CONVERSE, inputJson(command.input), { rawArtifacts });
      call = new Call(rec, CONVERSE, rawArtifacts, false, command.input);
      if (streaming) call.batch = new EventBatch(rec, CONVERSE, rawArtifacts);
    } catch {
      call = undefined; // a client that cannot record: the call goes on unrecorded
    }
    const sent = original.call(this, command, ...rest);
    if (call === undefined) return sent;
    const signal = rest.find((o) => o && typeof o === 'object' && o.abortSignal)?.abortSignal;
    return Promise.resolve(sent).then((output) => {
      if (!streaming) return call.succeed(output);
      const stream = output?.stream;
      if (stream === undefined || stream === null || typeof stream[Symbol.asyncIterator] !== 'function') {
        call.finish();
        return output;
      }
      output.stream = tapGenerator(stream[Symbol.asyncIterator](), call, signal);
      return output;
    }, (err) => {
      call.fail(err);
      throw err;
    });
  };
  Object.defineProperty(send, ORIGINAL, { value: original });
  bedrock.send = send;
  return bedrock;
}

/** Undoes instrument() on this client. */
function uninstrument(bedrock) {
  const current = bedrock?.send;
  if (typeof current === 'function' && current[ORIGINAL]) {
    if (Object.prototype.hasOwnProperty.call(bedrock, 'send')) delete bedrock.send;
    if (bedrock.send !== current[ORIGINAL]) bedrock.send = current[ORIGINAL];
  }
  return bedrock;
}

module.exports = { instrument, uninstrument };
