import { fileURLToPath } from 'node:url';
import { GATEWAY_NODE_FLAGS } from '../../src/vault/gateway/node-flags.js';
import { proxyDial } from '../client.js';
import type { GatewayReady, GatewayStart } from '../gateway-child.js';
import { startChild } from '../ipc.js';
import { childProbe } from '../probe.js';
import { INJECTED_HEADER, UPSTREAM_HOST, type Subject } from '../subject.js';

interface GatewaySubjectStart {
  upstreamPort: number;
  upstreamCaPem: string;
  value: string;
  cpuProfileDir: string | null;
}

/** Starts nanoclaw's gateway in its own process, holding a secret for the upstream (native TLS). */
export function startGatewaySubject(o: GatewaySubjectStart): Promise<Subject> {
  return startGatewayChild(o, 'native', 'gateway');
}

/** The same gateway with its store on Postgres (BENCH_DATABASE_URL, a database it may add a schema to). */
export function startGatewayPostgresSubject(o: GatewaySubjectStart): Promise<Subject> {
  const databaseUrl = process.env.BENCH_DATABASE_URL?.trim();
  if (!databaseUrl) return Promise.reject(new Error('set BENCH_DATABASE_URL=postgres://… to measure the gateway on a Postgres store'));
  return startGatewayChild(o, 'native', 'gateway-postgres', databaseUrl);
}

/** The same gateway with Node's own TLS: what the native transport is measured against. */
export function startGatewayNodeTlsSubject(o: GatewaySubjectStart): Promise<Subject> {
  return startGatewayChild(o, 'node', 'gateway-node-tls');
}

async function startGatewayChild(o: GatewaySubjectStart, tls: 'native' | 'node', name: string, databaseUrl?: string): Promise<Subject> {
  const script = fileURLToPath(new URL('../gateway-child.js', import.meta.url));
  // The flags the vault runs the gateway with, plus --expose-gc: the idle-memory case collects
  // garbage before each RSS reading.
  const profile = o.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfileDir}`] : [];
  const child = startChild(script, { execArgv: [...GATEWAY_NODE_FLAGS, '--expose-gc', ...profile] });
  try {
    const ready = await child.call<GatewayReady>('start', {
      host: UPSTREAM_HOST,
      upstreamPort: o.upstreamPort,
      upstreamCaPem: o.upstreamCaPem,
      headerName: INJECTED_HEADER,
      value: o.value,
      tls,
      ...(databaseUrl ? { databaseUrl } : {}),
    } satisfies GatewayStart);
    return {
      name,
      dial: proxyDial({
        proxyPort: ready.port,
        targetPort: o.upstreamPort,
        ca: ready.caPem,
        proxyAuthorization: `Basic ${Buffer.from(`x:${ready.token}`).toString('base64')}`,
      }),
      headers: {},
      probe: childProbe(child),
      close: () => child.close(),
    };
  } catch (err) {
    await child.close();
    throw err;
  }
}
