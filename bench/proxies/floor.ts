import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createCa, issueLeaf } from '../../src/vault/ca/ca.js';
import { proxyDial } from '../client.js';
import { processTreeProbe } from '../probe.js';
import { INJECTED_HEADER, UPSTREAM_HOST, type Subject } from '../subject.js';
import { findExecutable, freePort, startProxyProcess } from './external.js';
import type { ComparisonStart } from './squid.js';

const run = promisify(execFile);

/** Compiled from the repository at bench time: found from bench/proxies (tests) or dist/bench/proxies. */
const SOURCE = ['../floor/floor-proxy.c', '../../../bench/floor/floor-proxy.c']
  .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  .find((path) => existsSync(path));

/**
 * The floor: a minimal C proxy (bench/floor/floor-proxy.c) that only terminates TLS, inserts
 * the header and copies bytes: what a request costs at least on this machine. It floors CPU
 * per request and latency only: it mints no leaves (new connections), and its fixed buffers
 * and plain copy loop are tuned for neither idle memory nor bulk throughput.
 */
export async function startFloor(o: ComparisonStart): Promise<Subject | string> {
  if (!SOURCE) return 'floor skipped: bench/floor/floor-proxy.c is not beside this build';
  const cc = (await findExecutable('cc')) ?? (await findExecutable('gcc'));
  if (!cc) return 'floor skipped: no C compiler (apt-get install gcc libssl-dev)';
  const dir = await mkdtemp(join(tmpdir(), 'nanoclaw-bench-floor-'));
  const binary = join(dir, 'floor-proxy');
  try {
    await run(cc, ['-O2', '-o', binary, SOURCE, '-lssl', '-lcrypto']);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    const detail = (err as { stderr?: string }).stderr?.trim().split('\n')[0] ?? String(err);
    return `floor skipped: could not compile ${SOURCE} (apt-get install libssl-dev): ${detail}`;
  }
  const ca = createCa({ commonName: 'nanoclaw bench floor CA' });
  const leaf = issueLeaf({ ca, host: UPSTREAM_HOST });
  const files = {
    cert: join(dir, 'leaf.pem'),
    key: join(dir, 'leaf.key'),
    upstreamCa: join(dir, 'upstream-ca.pem'),
    header: join(dir, 'header'),
  };
  await writeFile(files.cert, leaf.certPem);
  await writeFile(files.key, leaf.keyPem, { mode: 0o600 });
  await writeFile(files.upstreamCa, o.upstreamCaPem);
  await writeFile(files.header, `${INJECTED_HEADER}: ${o.value}\n`, { mode: 0o600 });
  const port = await freePort();
  const args = [String(port), String(o.upstreamPort), files.cert, files.key, files.upstreamCa, files.header];
  const started = await startProxyProcess({ name: 'floor', file: binary, args, dir, port });
  if (typeof started === 'string') return started;
  return {
    name: 'floor',
    dial: proxyDial({ proxyPort: port, targetPort: o.upstreamPort, ca: ca.certPem }),
    headers: {},
    probe: processTreeProbe(started.proc.pid ?? 0),
    sitsOut: ['connect', 'idle', 'large'],
    close: started.close,
  };
}
