import { access, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proxyDial } from '../client.js';
import { processTreeProbe } from '../probe.js';
import { INJECTED_HEADER, type Subject } from '../subject.js';
import { findExecutable, freePort, startProxyProcess } from './external.js';
import type { ComparisonStart } from './squid.js';

/**
 * The mitmproxy addon: sets the header on every request, streams both bodies, and dials
 * the bench upstream on loopback (its names are not in DNS) while keeping the SNI it was asked for.
 */
export const MITM_ADDON = `import os

HEADER = os.environ["BENCH_INJECT_HEADER"]
VALUE = os.environ["BENCH_INJECT_VALUE"]
PORT = int(os.environ["BENCH_UPSTREAM_PORT"])


def server_connect(data):
    data.server.address = ("127.0.0.1", PORT)


def requestheaders(flow):
    # With streaming on, the request hook runs after the headers went out: inject here.
    flow.request.headers[HEADER] = VALUE
    flow.request.stream = True


def responseheaders(flow):
    flow.response.stream = True
`;

async function waitForFile(path: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await access(path);
      return;
    } catch (err) {
      if (performance.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Starts mitmdump (Debian mitmproxy) with the injection addon; returns a note instead when it cannot. */
export async function startMitmproxy(o: ComparisonStart): Promise<Subject | string> {
  const mitmdump = await findExecutable('mitmdump');
  if (!mitmdump) return 'mitmproxy skipped: mitmdump not installed (apt-get install mitmproxy)';
  const dir = await mkdtemp(join(tmpdir(), 'nanoclaw-bench-mitm-'));
  await writeFile(join(dir, 'inject.py'), MITM_ADDON);
  await writeFile(join(dir, 'upstream-ca.pem'), o.upstreamCaPem);
  const port = await freePort();
  const args = [
    '--listen-host', '127.0.0.1',
    '--listen-port', String(port),
    '--set', `confdir=${dir}`,
    '--set', `ssl_verify_upstream_trusted_ca=${join(dir, 'upstream-ca.pem')}`,
    '--set', 'stream_large_bodies=1',
    '--set', 'termlog_verbosity=error',
    '--set', 'flow_detail=0',
    '-s', join(dir, 'inject.py'),
  ];
  const env = {
    ...process.env,
    BENCH_INJECT_HEADER: INJECTED_HEADER,
    BENCH_INJECT_VALUE: o.value,
    BENCH_UPSTREAM_PORT: String(o.upstreamPort),
  };
  const started = await startProxyProcess({
    name: 'mitmproxy',
    file: mitmdump,
    args,
    env,
    dir,
    port,
    // mitmproxy writes its CA into confdir on first start; clients must trust it.
    ready: () => waitForFile(join(dir, 'mitmproxy-ca-cert.pem'), 10_000),
  });
  if (typeof started === 'string') return started;
  const caPem = await readFile(join(dir, 'mitmproxy-ca-cert.pem'), 'utf8');
  return {
    name: 'mitmproxy',
    dial: proxyDial({ proxyPort: port, targetPort: o.upstreamPort, ca: caPem }),
    headers: {},
    probe: processTreeProbe(started.proc.pid ?? 0),
    close: started.close,
  };
}
