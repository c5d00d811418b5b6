import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http, { type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll } from 'vitest';
import { Logger, memorySink } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/redact.js';
import { createCa } from '../../src/vault/ca/ca.js';
import { LeafCache } from '../../src/vault/ca/leaf-cache.js';
import { startGateway, type GatewayOptions, type StartedGateway } from '../../src/vault/gateway/gateway-server.js';
import type { Agent } from '../../src/vault/model/records.js';
import { openStore } from '../../src/vault/store/store.js';
import type { CaMaterial, NewSecret, VaultStore } from '../../src/vault/store/types.js';
import { startTlsUpstream, type TlsUpstream, type UpstreamHandler } from '../support/tls-upstream.js';

/** Names the test upstream's certificate covers; the gateway resolves them to 127.0.0.1. */
export const UPSTREAM_NAMES = [
  'api.github.test',
  'evil-api.github.test',
  'api.github.test.evil.test',
  'github.test',
  'x.github.test',
  'a.b.github.test',
  'api.anthropic.com',
  'api.openai.com',
  // GitHub's own names: the service catalogue gives them their injection forms (git on github.com takes Basic).
  'api.github.com',
  'github.com',
  'plain.test',
  'other.test',
  'gmail.googleapis.com',
];

export interface Harness extends AsyncDisposable {
  store: VaultStore;
  gateway: StartedGateway;
  upstream: TlsUpstream;
  /** Everything the gateway logged. */
  logLines: string[];
  vaultCaPem: string;
  /** What another process needs to open the same store and run a gateway on it. */
  storeFile: { dbPath: string; masterKeyHex: string; ca: CaMaterial };
  /** Audit rows, newest first, after writing the gateway's queued ones. */
  rows(): import('../../src/vault/model/records.js').AuditEntry[];
  addAgent(identifier: string): { agent: Agent; token: string };
  addSecret(secret: NewSecret): string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  handler?: UpstreamHandler;
  gateway?: Partial<GatewayOptions>;
  /** Default true: the upstream's loopback address is in allowPrivate. */
  allowUpstream?: boolean;
  /** More names for the test resolver. */
  names?: Record<string, string[]>;
  /** More upstream CAs to trust and private destinations to allow (e.g. a second test server). */
  extraCaPem?: string[];
  extraAllow?: string[];
}

/** A real store on a temp SQLite file, a fresh vault CA, a TLS upstream and the gateway. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'nanoclaw-gw-'));
  const redactor = new Redactor();
  const sink = memorySink();
  const logger = new Logger({ level: 'debug', redactor, sink });
  const masterKey = randomBytes(32);
  const store = openStore({ path: join(dir, 'vault.db'), masterKey, redactor });
  const ca = createCa({ commonName: 'nanoclaw test vault CA' });
  const upstream = await startTlsUpstream({
    hostnames: UPSTREAM_NAMES,
    ...(options.handler ? { handler: options.handler } : {}),
  });
  const gateway = await startGateway({
    store,
    leafCache: new LeafCache({ ca }),
    logger,
    host: '127.0.0.1',
    port: 0,
    extraCaPem: [upstream.caPem, ...(options.extraCaPem ?? [])],
    allowPrivate: [...(options.allowUpstream === false ? [] : [`127.0.0.1:${upstream.port}`]), ...(options.extraAllow ?? [])],
    resolve: async (host) => {
      if (UPSTREAM_NAMES.includes(host)) return ['127.0.0.1'];
      const extra = options.names?.[host];
      if (extra) return extra;
      throw new Error(`test resolver: unknown name ${host}`);
    },
    connectUrlBase: 'http://vault.test:10254',
    // Both transports pass the same tests: CI runs this suite once per NANOCLAW_GATEWAY_TLS.
    tls: (process.env.NANOCLAW_GATEWAY_TLS as GatewayOptions['tls']) ?? 'native',
    ...options.gateway,
  });
  const close = async (): Promise<void> => {
    await gateway.close();
    await upstream.close();
    store.close();
    await rm(dir, { recursive: true, force: true });
  };
  return {
    store,
    gateway,
    upstream,
    logLines: sink.lines,
    vaultCaPem: ca.certPem,
    storeFile: { dbPath: join(dir, 'vault.db'), masterKeyHex: masterKey.toString('hex'), ca },
    rows: () => {
      gateway.flushAudit();
      return store.audit.list({ limit: 1000, offset: 0 }).data;
    },
    addAgent: (identifier) => store.agents.create({ name: identifier, identifier, secretMode: 'all' }),
    addSecret: (secret) => store.secrets.create(secret).id,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * An agent whose CONNECTs to api.github.test the gateway terminates (it holds a secret for the
 * host), and the `host:port` of the test upstream under that name.
 */
export function interceptedAgent(h: Harness, identifier: string): { token: string; target: string } {
  const { token } = h.addAgent(identifier);
  h.addSecret({ name: `gh-${identifier}`, type: 'api_key', value: `gh-${identifier}-${'v'.repeat(24)}`, hostPattern: 'api.github.test' });
  return { token, target: `api.github.test:${h.upstream.port}` };
}

/** A harness with one intercepted agent, for a test file about that agent's connections. */
export interface InterceptedSuite {
  h: Harness;
  token: string;
  target: string;
}

/**
 * Starts a harness with `options` and an intercepted agent before the file's tests and closes it
 * after them. The fields are filled in by then: read them inside tests, not at load time.
 */
export function interceptedSuite(identifier: string, options: HarnessOptions = {}): InterceptedSuite {
  const suite = {} as InterceptedSuite;
  beforeAll(async () => {
    suite.h = await startHarness(options);
    Object.assign(suite, interceptedAgent(suite.h, identifier));
  });
  afterAll(async () => {
    await suite.h?.close();
  });
  return suite;
}

export const proxyAuth = (token: string): string => `Basic ${Buffer.from(`x:${token}`).toString('base64')}`;

export interface ProxiedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The reason phrase; absent when the gateway answered the CONNECT itself. */
  statusMessage?: string;
}

/** Sends CONNECT to the gateway and returns the status and the raw socket when it is 200. */
export function connectTunnel(
  gatewayPort: number,
  target: string,
  token: string | null,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string; socket: import('node:net').Socket }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: gatewayPort,
      method: 'CONNECT',
      path: target,
      headers: { host: target, ...(token ? { 'proxy-authorization': proxyAuth(token) } : {}) },
      agent: false,
    });
    req.once('connect', (res, socket, head: Buffer) => {
      let body = head.toString();
      if (res.statusCode !== 200) {
        socket.on('data', (d: Buffer) => (body += d.toString()));
        socket.once('close', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, socket }));
        return;
      }
      resolve({ status: 200, headers: res.headers, body, socket });
    });
    req.once('error', reject);
    req.end();
  });
}

export interface ProxiedRequest {
  token: string | null;
  /** CONNECT authority, e.g. `api.github.test:443`. */
  connect: string;
  servername?: string;
  /** The CAs the client trusts: the vault CA for intercepted hosts, the upstream's for tunnels. */
  ca: string | string[];
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** An HTTPS request through the gateway: CONNECT, TLS (verifying `ca`), one HTTP/1.1 request. */
export async function viaProxy(gatewayPort: number, r: ProxiedRequest): Promise<ProxiedResponse> {
  const tunnel = await connectTunnel(gatewayPort, r.connect, r.token);
  if (tunnel.status !== 200) return { status: tunnel.status, headers: tunnel.headers, body: tunnel.body };
  const hostOnly = r.connect.replace(/:\d+$/, '');
  const secure = tls.connect({ socket: tunnel.socket, servername: r.servername ?? hostOnly, ca: r.ca });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  return new Promise((resolve, reject) => {
    const req = http.request({
      createConnection: () => secure,
      method: r.method ?? 'GET',
      path: r.path ?? '/',
      headers: { host: r.connect.endsWith(':443') ? hostOnly : r.connect, ...r.headers },
    });
    req.once('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.once('end', () => {
        secure.destroy();
        tunnel.socket.destroy();
        resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: res.headers, body });
      });
    });
    req.once('error', reject);
    req.end(r.body);
  });
}

/** Writes raw bytes and collects everything until the peer closes (or `waitMs` passes). */
export function rawExchange(
  socket: import('node:net').Socket | tls.TLSSocket,
  bytes: string,
  waitMs = 2_000,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, waitMs);
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('error', () => {});
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    socket.write(bytes);
  });
}

/** CONNECT + TLS to an intercepted host, returning the TLS socket for raw HTTP bytes. */
export async function mitmSocket(
  h: Harness,
  token: string,
  connect: string,
  servername?: string,
): Promise<tls.TLSSocket> {
  const tunnel = await connectTunnel(h.gateway.port, connect, token);
  if (tunnel.status !== 200) throw new Error(`CONNECT ${connect} answered ${tunnel.status}: ${tunnel.body}`);
  const secure = tls.connect({
    socket: tunnel.socket,
    servername: servername ?? connect.replace(/:\d+$/, ''),
    ca: h.vaultCaPem,
    // The SNI tests ask for another name on purpose; the gateway's certificate names the CONNECT host.
    checkServerIdentity: () => undefined,
  });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  return secure;
}

/** Polls the audit log until a row matches (rows of tunnels are written when they close). */
export async function waitForAudit(
  h: Pick<Harness, 'rows'>,
  match: (row: import('../../src/vault/model/records.js').AuditEntry) => boolean,
  timeoutMs = 3_000,
): Promise<import('../../src/vault/model/records.js').AuditEntry> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const row = h.rows().find(match);
    if (row) return row;
    if (Date.now() > until) throw new Error('no matching audit row was written');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The gateway paths a promise about what reaches the agent is tested on: the fast lane and the
 * TypeScript path under native TLS, or the TypeScript path alone when CI runs the suite under Node TLS.
 */
export const GATEWAY_SUITES: { name: string; fastLane: boolean }[] =
  process.env.NANOCLAW_GATEWAY_TLS === 'node'
    ? [{ name: 'TypeScript path, Node TLS', fastLane: false }]
    : [
        { name: 'fast lane, native TLS', fastLane: true },
        { name: 'TypeScript path, native TLS', fastLane: false },
      ];
