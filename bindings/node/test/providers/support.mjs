// What the provider tests share: the capture harness, the fake provider, and
// a Sigil client pointed at the harness.
import { SigilClient } from '../../lib/index.mjs';
import { Harness } from '../harness.mjs';
import { FakeProvider } from './fake_provider.mjs';

export async function startServers() {
  const [harness, fake] = await Promise.all([Harness.start(), FakeProvider.start()]);
  return { harness, fake };
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
