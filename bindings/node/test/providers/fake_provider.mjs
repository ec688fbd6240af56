// A fake LLM provider on loopback: a real HTTP server answering the provider
// SDKs with the engine's fixtures (conformance/fixtures/providers/<api>/, the
// files the Python and Go fakes serve). Replies are set per route (a
// substring of the request path), or a sequence of them: a JSON body, a server-sent event stream,
// a Bedrock event stream (binary frames with CRCs), an error status, or a
// stream cut after N events. Every request is kept.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

import { repo } from '../harness.mjs';

export const FIXTURES = join(repo, 'conformance', 'fixtures', 'providers');

export const fixtureText = (path) => readFileSync(join(FIXTURES, path), 'utf8');
export const fixtureJson = (path) => JSON.parse(fixtureText(path));
export const fixtureEvents = (path) => fixtureText(path).split('\n').filter((l) => l.trim() !== '');

export const Reply = {
  json: (path, extra = {}) => ({ kind: 'json', status: 200, body: fixtureText(path), ...extra }),
  sse: (path, extra = {}) => ({ kind: 'sse', status: 200, events: fixtureEvents(path), ...extra }),
  /** Bedrock ConverseStream: each fixture line ({"contentBlockDelta": {...}}) as one event stream frame. */
  eventstream: (path, extra = {}) => ({ kind: 'eventstream', status: 200, events: fixtureEvents(path), ...extra }),
  error: (status, body, headers = {}) => ({ kind: 'json', status, body: JSON.stringify(body), headers }),
};

// --- AWS event stream framing (application/vnd.amazon.eventstream) ----------

function header(name, value) {
  const n = Buffer.from(name);
  const v = Buffer.from(value);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(v.length);
  return Buffer.concat([Buffer.from([n.length]), n, Buffer.from([7]), len, v]); // 7: string
}

/** One message: prelude (total and headers length, CRC32), headers, payload, CRC32. */
export function eventstreamFrame(eventType, payload, messageType = 'event') {
  const headers = messageType === 'exception'
    ? Buffer.concat([header(':exception-type', eventType), header(':content-type', 'application/json'),
      header(':message-type', 'exception')])
    : Buffer.concat([header(':event-type', eventType), header(':content-type', 'application/json'),
      header(':message-type', 'event')]);
  const body = Buffer.from(payload);
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(12 + headers.length + body.length + 4, 0);
  prelude.writeUInt32BE(headers.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const message = Buffer.concat([prelude, headers, body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(message));
  return Buffer.concat([message, crc]);
}

/** A fixture event ({"contentBlockDelta": {...}}) as its frame: the key is the event type. */
function bedrockFrame(eventJson) {
  const [[type, payload]] = Object.entries(JSON.parse(eventJson));
  return eventstreamFrame(type, JSON.stringify(payload), type.endsWith('Exception') ? 'exception' : 'event');
}

/** One server-sent event; typed payloads (Anthropic, OpenAI Responses) also name their event. */
function sseFrame(data) {
  let name = '';
  if (data.startsWith('{')) {
    try {
      const kind = JSON.parse(data).type;
      if (typeof kind === 'string') name = `event: ${kind}\n`;
    } catch {
      // not JSON: sent as is
    }
  }
  return `${name}data: ${data}\n\n`;
}

export class FakeProvider {
  #server;
  #replies = new Map();
  requests = [];

  static async start() {
    const f = new FakeProvider();
    f.#server = createServer((req, res) => f.#answer(req, res));
    f.#server.keepAliveTimeout = 1000;
    await new Promise((resolve) => f.#server.listen(0, '127.0.0.1', resolve));
    f.url = `http://127.0.0.1:${f.#server.address().port}`;
    return f;
  }

  /** Answers every request whose path contains `route` (the longest matching route wins). */
  reply(route, reply) {
    this.#replies.set(route, reply);
  }

  /** Answers the requests whose path contains `route` with `replies` in turn (the last one repeats). */
  replies(route, replies) {
    let served = 0;
    this.#replies.set(route, () => replies[Math.min(served++, replies.length - 1)]);
  }

  clear() {
    this.#replies.clear();
    this.requests = [];
  }

  #answer(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      this.requests.push({ path: req.url, body: body ? JSON.parse(body) : undefined, headers: req.headers });
      let best;
      for (const [route, r] of this.#replies) {
        if (req.url.includes(route) && (best === undefined || route.length > best[0].length)) best = [route, r];
      }
      const reply = typeof best?.[1] === 'function' ? best[1]() : best?.[1];
      if (reply === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"no reply set for this path"}}');
        return;
      }
      if (reply.kind === 'json' || reply.status >= 400) {
        res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
        res.end(reply.body);
        return;
      }
      const events = reply.cutAfter === undefined ? reply.events : reply.events.slice(0, reply.cutAfter);
      const binary = reply.kind === 'eventstream';
      res.writeHead(reply.status, {
        'content-type': binary ? 'application/vnd.amazon.eventstream' : 'text/event-stream',
        ...(reply.headers ?? {}),
      });
      res.flushHeaders();
      for (const e of events) {
        if (res.destroyed) return;
        res.write(binary ? bedrockFrame(e) : sseFrame(e));
        if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      }
      if (reply.drop) {
        res.socket?.destroy();
        return;
      }
      if (reply.hold) return; // keep the stream open: the client ends it
      res.end();
    });
  }

  async stop() {
    this.#server.closeAllConnections?.();
    await new Promise((r) => this.#server.close(r));
  }
}
