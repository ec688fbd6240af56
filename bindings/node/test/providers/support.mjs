// What the provider tests share: the capture harness, the fake provider, and
// a Sigil client pointed at the harness.
import { after, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { SigilClient } from '../../lib/index.mjs';
import { Harness } from '../harness.mjs';
import { FakeProvider } from './fake_provider.mjs';

export async function startServers() {
  const [harness, fake] = await Promise.all([Harness.start(), FakeProvider.start()]);
  return { harness, fake };
}

// Starts both servers before the file's tests (handing them to bind), empties
// them before each test and stops them after the last.
export function useServers(bind) {
  let servers;
  before(async () => {
    servers = await startServers();
    bind(servers);
  });
  after(async () => { await Promise.all([servers?.harness.stop(), servers?.fake.stop()]); });
  beforeEach(async () => {
    servers?.fake.clear();
    await servers?.harness.reset();
  });
}

export function sigilFor(harness, extra = {}) {
  return new SigilClient({
    useEnvironment: false,
    generationExport: { protocol: 'http', endpoint: harness.httpEndpoint },
    api: { endpoint: harness.apiEndpoint },
    otlp: { endpoint: harness.otlpEndpoint },
    ...extra,
  });
}

/** Runs fn(sigil) with a client pointed at the harness, shut down after (it delivers what is queued). */
export async function withSigil(harness, fn, extra) {
  const sigil = sigilFor(harness, extra);
  try {
    return await fn(sigil);
  } finally {
    await sigil.shutdown();
  }
}

export async function spanOf(harness, id) {
  for (let i = 0; i < 100; i++) {
    const spans = (await harness.captures('otlp_traces')).flatMap((x) => x.spans ?? []);
    const found = spans.find((s) => s.attributes['sigil.generation.id'] === id);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no span for ${id}`);
}

// --- running documentation examples ------------------------------------------

const REF = process.env.SIGIL_REFERENCE_REPO ?? '/work/.mirror/grafana+sigil/repo';
const pkg = fileURLToPath(new URL('../..', import.meta.url));

/** A file of the reference repository ($SIGIL_REFERENCE_REPO, a git directory), or undefined without it. */
export function referenceDoc(path) {
  for (const args of [['-C', REF, 'show', `HEAD:${path}`], ['--git-dir', REF, 'show', `HEAD:${path}`]]) {
    try {
      return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      // not a git directory, or no such file
    }
  }
  return undefined;
}

/** Runs a program; asynchronously, so that the fake provider in this process can answer it. */
function runNode(file, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/**
 * Runs `source` as a module inside the package (so `sigil-sdk` and its dependencies resolve), with
 * SIGIL_* and OTEL_* pointing at the harness plus `extraEnv`; fails unless it exits with 0.
 */
export async function runExample(harness, name, source, extraEnv) {
  const dir = `${pkg}/build/reference-examples`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/${name}.mjs`;
  writeFileSync(file, source);
  try {
    const env = Object.fromEntries(Object.entries(process.env)
      .filter(([k]) => !/^(SIGIL_|OTEL_|OPENAI_|ANTHROPIC_)/.test(k)));
    const r = await runNode(file, {
      ...env,
      SIGIL_PROTOCOL: 'http',
      SIGIL_ENDPOINT: `http://127.0.0.1:${harness.ports.http}`,
      SIGIL_API_ENDPOINT: harness.apiEndpoint,
      OTEL_EXPORTER_OTLP_ENDPOINT: harness.otlpEndpoint,
      ...extraEnv,
    });
    assert.equal(r.status, 0, `the examples failed:\n${r.stdout}\n${r.stderr}`);
    return r;
  } finally {
    rmSync(file, { force: true });
  }
}
