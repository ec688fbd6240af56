// The Node benchmark program for libsigil (bindings/node); see bench/README.md.
//
//   node bench/node/bench.mjs --params '<json>'
//
// It uses bindings/node's package as built by `npm install` there (against the
// libsigil of SIGIL_BUILD_DIR); SIGIL_NODE_ADDON may point at an addon built
// elsewhere. One record is startGeneration -> setResult -> end, timed with the
// monotonic clock; the workload is mapped to the SDK's shapes once, before
// timing. The loops yield to the event loop every 500 records outside the
// timed region (as an application's event loop would; the addon's finalizers
// run there). The result is one JSON object on the last line of stdout.
import { readFileSync } from 'node:fs';
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';

import { SigilClient } from '../../bindings/node/lib/index.mjs';

// Deadlines of the flush after the warmup (export) and of the final flush
// (export, overload), as in bench/c/sigil_bench.c.
const WARMUP_FLUSH_DEADLINE_MS = 60_000;
const FLUSH_DEADLINE_MS = 120_000;
const YIELD_EVERY = 500;

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

function parseParams(argv) {
  const i = argv.indexOf('--params');
  const raw = i >= 0 ? argv[i + 1] : argv[0];
  if (raw === undefined) fail("usage: bench.mjs --params '<json>'");
  try {
    return JSON.parse(raw);
  } catch (err) {
    fail(`params: ${err.message}`);
  }
}

/** The workload's start and result in the SDK's shapes. */
function models(path) {
  const w = JSON.parse(readFileSync(path, 'utf8'));
  const s = w.start;
  const r = w.result;
  const start = {
    conversationId: s.conversation_id,
    agentName: s.agent_name,
    agentVersion: s.agent_version,
    model: { provider: s.model.provider, name: s.model.name },
    maxTokens: s.max_tokens,
    temperature: s.temperature,
    tags: { ...s.tags },
  };
  const message = (m) => {
    const parts = [];
    if (m.text) parts.push({ type: 'text', text: m.text });
    if (m.tool_call) {
      const tc = m.tool_call;
      parts.push({ type: 'tool_call', toolCall: { id: tc.id, name: tc.name, inputJSON: tc.input_json } });
    }
    return { role: m.role, parts };
  };
  const result = {
    systemPrompt: r.system_prompt,
    input: r.input.map(message),
    output: r.output.map(message),
    usage: {
      inputTokens: r.usage.input_tokens,
      outputTokens: r.usage.output_tokens,
      cacheReadInputTokens: r.usage.cache_read_input_tokens,
    },
    responseId: r.response_id,
    responseModel: r.response_model,
    stopReason: r.stop_reason,
    metadata: { ...r.metadata },
  };
  return { start, result };
}

/** median, p99, max and mean in ns, with the ranks of bench/c/bench_util.h. */
function summary(samples) {
  const n = samples.length;
  if (n === 0) return {};
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    median: sorted[Math.floor((n - 1) / 2)],
    p99: sorted[Math.floor((n - 1) * 0.99 + 0.5)],
    max: sorted[n - 1],
    mean: Math.round((sum / n) * 10) / 10,
  };
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function main() {
  const p = parseParams(process.argv.slice(2));
  const { start, result } = models(p.workload_file);
  const generationExport = { protocol: p.protocol };
  if (p.protocol !== 'none') {
    generationExport.endpoint = p.endpoint;
    generationExport.insecure = true;
  }
  if (p.queue_items > 0) generationExport.queueSize = p.queue_items;
  if (p.queue_bytes > 0) generationExport.queueMaxBytes = p.queue_bytes;
  if (p.batch_size > 0) generationExport.batchSize = p.batch_size;
  const client = new SigilClient({
    useEnvironment: false,
    generationExport,
    otlp: { endpoint: p.otlp_endpoint },
  });

  const errors = new Map();
  const note = (err) => errors.set(err.message, (errors.get(err.message) ?? 0) + 1);
  const now = process.hrtime.bigint;

  for (let i = 0; i < p.warmup; i++) {
    const rec = client.startGeneration(start);
    rec.setResult(result);
    const err = rec.end();
    if (err !== undefined) note(err);
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await tick();
  }
  if (errors.size > 0) fail(`warmup records failed: ${JSON.stringify([...errors])}`);
  if (p.workload === 'export' && p.warmup > 0) {
    await client.flush(WARMUP_FLUSH_DEADLINE_MS); // the timed window starts with an empty queue
  }
  const before = client.stats();

  const overload = p.workload === 'overload';
  const n = overload ? Math.floor(p.rate * p.duration_s) : p.n;
  const intervalNs = overload ? 1e9 / p.rate : 0;
  const samples = new Float64Array(n);
  const rssBaseline = process.memoryUsage.rss();
  const cpu0 = cpuSeconds();
  const wall0 = now();
  for (let i = 0; i < n; i++) {
    if (overload) {
      // Absolute deadlines: wait for this record's slot; a late record goes at once.
      const waitMs = (Number(wall0 - now()) + i * intervalNs) / 1e6;
      if (waitMs >= 1) await sleep(Math.floor(waitMs));
      while (Number(now() - wall0) < i * intervalNs) { /* the last fraction of a millisecond */ }
    } else if (i % YIELD_EVERY === YIELD_EVERY - 1) {
      await tick();
    }
    const t0 = now();
    const rec = client.startGeneration(start);
    rec.setResult(result);
    const err = rec.end();
    samples[i] = Number(now() - t0);
    if (err !== undefined) note(err);
  }
  let flushS = 0;
  if (p.workload !== 'record') {
    const f0 = now();
    try {
      await client.flush(FLUSH_DEADLINE_MS);
    } catch (err) {
      console.error(`bench: flush: ${err.message}`);
    }
    flushS = Number(now() - f0) / 1e9;
  }
  const wallS = Number(now() - wall0) / 1e9;
  const cpuS = cpuSeconds() - cpu0;

  const out = {
    ops: n,
    caller_ns: summary(samples),
    wall_s: wallS,
    cpu_s: cpuS,
    rss_baseline_bytes: rssBaseline,
    rss_peak_bytes: process.resourceUsage().maxRSS * 1024,
  };
  if (p.workload !== 'record') {
    const after = client.stats();
    out.delivered = after.generationsExported - before.generationsExported;
    out.dropped = after.droppedTotal - before.droppedTotal;
    out.spooled = after.generationsSpooled - before.generationsSpooled;
    out.flush_s = flushS;
  }
  if (errors.size > 0) {
    console.error(`bench: records that ended with an error: ${JSON.stringify([...errors])}`);
    if (!overload) fail('records failed outside the overload workload; the figures would be wrong');
  }
  await client.shutdown(10_000);
  console.log(JSON.stringify(out));
}

await main();
