// What the provider tests share: the capture harness, the fake provider, and
// a Sigil client pointed at the harness.
import { after, before, beforeEach } from 'node:test';

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
