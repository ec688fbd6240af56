// The capture harness (conformance/harness) as a child process: real HTTP,
// gRPC, OTLP and rating servers on loopback that record what arrived.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '..', '..', '..');

export class Harness {
  static async start() {
    const dir = mkdtempSync(join(tmpdir(), 'sigil-node-harness-'));
    const portsFile = join(dir, 'ports.json');
    const child = spawn(process.env.PYTHON ?? 'python3', ['-m', 'harness', 'serve', '--ports-file', portsFile], {
      cwd: join(repo, 'conformance'),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const deadline = Date.now() + 60_000;
    while (!existsSync(portsFile)) {
      if (child.exitCode !== null) throw new Error(`harness exited (${child.exitCode}): ${stderr}`);
      if (Date.now() > deadline) throw new Error(`harness did not start: ${stderr}`);
      await sleep(50);
    }
    const h = new Harness();
    h.child = child;
    h.dir = dir;
    h.ports = JSON.parse(readFileSync(portsFile, 'utf8'));
    return h;
  }

  get httpEndpoint() { return `http://127.0.0.1:${this.ports.http}/api/v1/generations:export`; }
  get grpcEndpoint() { return `127.0.0.1:${this.ports.grpc}`; }
  get apiEndpoint() { return `http://127.0.0.1:${this.ports.api}`; }
  get otlpEndpoint() { return `http://127.0.0.1:${this.ports.otlp}`; }

  /** A client configuration exporting over HTTP to these servers, environment ignored, with `extra` on top. */
  clientConfig(extra) {
    return {
      useEnvironment: false,
      api: { endpoint: this.apiEndpoint },
      otlp: { endpoint: this.otlpEndpoint },
      ...extra,
      generationExport: { protocol: 'http', endpoint: this.httpEndpoint, ...extra?.generationExport },
    };
  }

  async #control(method, path, body) {
    const res = await fetch(`http://127.0.0.1:${this.ports.control}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`harness ${path}: ${JSON.stringify(json)}`);
    return json;
  }

  async captures(kind) { return (await this.#control('GET', `/captures?kind=${kind}`))[kind]; }

  async wait(kind, count, timeoutMs = 10_000) {
    const r = await this.#control('GET', `/captures/wait?kind=${kind}&count=${count}&timeout_ms=${timeoutMs}`);
    if (!r.complete) throw new Error(`expected ${count} ${kind}, got ${r.captures.length}`);
    return r.captures;
  }

  script(target, responses) { return this.#control('POST', '/script', { target, responses }); }
  stall(target, delayMs) { return this.#control('POST', '/stall', { target, delay_ms: delayMs }); }
  reset() { return this.#control('POST', '/reset'); }

  /** Every generation captured over HTTP and gRPC. */
  async generations() {
    const [http, grpc] = await Promise.all([this.captures('http_exports'), this.captures('grpc_exports')]);
    return [...http, ...grpc].flatMap((c) => c.generations ?? []);
  }

  async stop() {
    try {
      await this.#control('POST', '/shutdown');
    } catch {
      this.child.kill('SIGTERM');
    }
    await new Promise((r) => (this.child.exitCode !== null ? r() : this.child.once('exit', r)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
