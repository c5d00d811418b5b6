import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GATEWAY_NODE_FLAGS } from '../../src/vault/gateway/node-flags.js';
import { proxyDial, type Dial } from '../client.js';
import type { GatewayReady, GatewayStart } from '../gateway-child.js';
import { startChild, type Child } from '../ipc.js';
import { BASELINE_SUBJECT, TWIN_SUBJECT } from '../settings.js';
import { childProbe, type Probe } from '../probe.js';
import { INJECTED_HEADER, UPSTREAM_HOST, type Subject } from '../subject.js';

interface GatewaySubjectStart {
  upstreamPort: number;
  upstreamCaPem: string;
  value: string;
  cpuProfileDir: string | null;
}

/** Starts nanoclaw's gateway in its own process, holding a secret for the upstream (native TLS). */
export function startGatewaySubject(o: GatewaySubjectStart): Promise<Subject> {
  return startGatewayChild(o, { tls: 'native', name: 'gateway' });
}

/** This build's gateway again (TWIN_SUBJECT): what the same build reads as against itself in one run. */
export function startGatewayTwinSubject(o: GatewaySubjectStart): Promise<Subject> {
  return startGatewayChild(o, { tls: 'native', name: TWIN_SUBJECT });
}

/** The same gateway with its store on Postgres (BENCH_DATABASE_URL, a database it may add a schema to). */
export function startGatewayPostgresSubject(o: GatewaySubjectStart): Promise<Subject> {
  const databaseUrl = process.env.BENCH_DATABASE_URL?.trim();
  if (!databaseUrl) return Promise.reject(new Error('set BENCH_DATABASE_URL=postgres://… to measure the gateway on a Postgres store'));
  return startGatewayChild(o, { tls: 'native', name: 'gateway-postgres', databaseUrl });
}

/** The same gateway with Node's own TLS: what the native transport is measured against. */
export function startGatewayNodeTlsSubject(o: GatewaySubjectStart): Promise<Subject> {
  return startGatewayChild(o, { tls: 'node', name: 'gateway-node-tls' });
}

/** The same gateway (native TLS) whose secret is an `oauth2` connection: what a request costs with one. */
export function startGatewayOAuthSubject(o: GatewaySubjectStart): Promise<Subject> {
  return startGatewayChild(o, { tls: 'native', name: 'gateway-oauth', secretType: 'oauth2' });
}

/**
 * The gateway of another built checkout (BENCH_BASELINE, its dist/ as `npm run build` left it),
 * started the same way: the build a change is measured against, in the same run.
 */
export async function startGatewayBaselineSubject(o: GatewaySubjectStart & { baseline: string | null }): Promise<Subject | string> {
  if (o.baseline === null) return 'gateway-baseline skipped: BENCH_BASELINE is not set';
  const script = resolve(o.baseline, 'dist/bench/gateway-child.js');
  if (!existsSync(script)) return `gateway-baseline skipped: ${script} does not exist (run npm run build in ${o.baseline})`;
  return startGatewayChild(o, { tls: 'native', name: BASELINE_SUBJECT, script });
}

interface GatewayChildOptions {
  tls: 'native' | 'node';
  name: string;
  secretType?: 'generic' | 'oauth2';
  /** Postgres instead of a SQLite file (the `gateway-postgres` row). */
  databaseUrl?: string;
  /** Another checkout's gateway-child.js (the `gateway-baseline` row); this one's by default. */
  script?: string;
}

async function startGatewayChild(o: GatewaySubjectStart, c: GatewayChildOptions): Promise<Subject> {
  let current = await launchGateway(o, c);
  return {
    name: c.name,
    // Read at each call: `renew` swaps the process under the same subject.
    dial: (host) => current.dial(host),
    headers: {},
    probe: { figures: () => current.probe.figures(), gc: () => current.probe.gc() },
    close: () => current.child.close(),
    async renew() {
      await current.child.close();
      current = await launchGateway(o, c);
    },
  };
}

/** One gateway process, started and ready, with its dial and probe. */
async function launchGateway(o: GatewaySubjectStart, c: GatewayChildOptions): Promise<{ child: Child; dial: Dial; probe: Probe }> {
  const { tls, secretType = 'generic', databaseUrl } = c;
  const script = c.script ?? fileURLToPath(new URL('../gateway-child.js', import.meta.url));
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
      secretType,
      ...(databaseUrl ? { databaseUrl } : {}),
    } satisfies GatewayStart);
    const dial = proxyDial({
      proxyPort: ready.port,
      targetPort: o.upstreamPort,
      ca: ready.caPem,
      proxyAuthorization: `Basic ${Buffer.from(`x:${ready.token}`).toString('base64')}`,
    });
    return { child, dial, probe: childProbe(child) };
  } catch (err) {
    await child.close();
    throw err;
  }
}
