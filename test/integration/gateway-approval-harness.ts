import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { Logger, memorySink } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/redact.js';
import type { Approval } from '../../src/vault/model/approvals.js';
import { createApprovalService } from '../../src/vault/approvals/approval-service.js';
import type { ApprovalService, Decider } from '../../src/vault/approvals/types.js';
import type { PolicyRule } from '../../src/vault/model/policy-rule.js';
import type { AuditEntry } from '../../src/vault/model/records.js';
import type { RecordedRequest, UpstreamHandler } from '../support/tls-upstream.js';
import { proxyAuth, startHarness, viaProxy, waitForAudit, type Harness, type ProxiedResponse } from './gateway-harness.js';

// Held requests go through the real approval service on the harness's real store; a test
// plays the person at the dashboard (an open viewer makes the owner reachable) and decides.

export const VALUE = 'pay-live-SECRETvalue-0123456789abcdef';
export const owner: Decider = { kind: 'owner', name: 'cli' };

const RULES: PolicyRule[] = [
  { id: 'pay', action: 'manual_approval', hostPattern: 'api.github.test', pathPattern: '/v1/*' },
  { id: 'plain', action: 'manual_approval', hostPattern: 'plain-pay.test' },
];

const handler: UpstreamHandler = (req, res, recorded) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: true, path: req.url, bytes: recorded.body.length }));
};

export interface ApprovalHarness extends AsyncDisposable {
  h: Harness;
  /** Agent `payer`, granted secret `pay` (VALUE) for api.github.test. */
  token: string;
  /** TTL 60 s. */
  service: ApprovalService;
  /** Same store, TTL 400 ms. */
  quick: ApprovalService;
  /** Which service the gateway asks (reset to `service` by `mark()`). */
  use(s: ApprovalService): void;
  /** Closes the dashboard viewer of `service` (nobody reachable); returns the reopen function. */
  hideViewer(): () => void;
  /** Starts a test's bookkeeping: what the upstream saw and what became pending from now on. */
  mark(): void;
  /** The n-th approval (1-based) to become pending since `mark()`. */
  held(n?: number): Promise<Approval>;
  upstreamSaw(): RecordedRequest[];
  /** What the plaintext upstream (plain-pay.test) received. */
  plainSeen: { url: string; body: string }[];
  authority(): string;
  /** An HTTPS request through the gateway to api.github.test (POST /v1/charges by default). */
  send(body: string, extra?: { method?: string; path?: string; headers?: Record<string, string> }): Promise<ProxiedResponse>;
  /** An absolute-form `http://plain-pay.test/send` POST through the gateway. */
  plainPost(body: string): Promise<{ status: number; body: string }>;
  audited(reason: string): Promise<AuditEntry>;
  /** Everything the approval services logged. */
  logLines: string[];
}

async function startPlain(seen: { url: string; body: string }[]): Promise<http.Server> {
  const plain = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', body });
      res.end('plain ok');
    });
  });
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  return plain;
}

/** The gateway harness with approval rules, two approval services on its store, and a plaintext upstream. */
export async function startApprovalHarness(options: { idleTimeoutMs?: number } = {}): Promise<ApprovalHarness> {
  const plainSeen: { url: string; body: string }[] = [];
  const plain = await startPlain(plainSeen);
  const plainPort = (plain.address() as AddressInfo).port;
  let current: ApprovalService | null = null;
  const h = await startHarness({
    handler,
    names: { 'plain-pay.test': ['127.0.0.1'] },
    extraAllow: [`plain-pay.test:${plainPort}`],
    gateway: {
      ...(options.idleTimeoutMs ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      policyRules: () => RULES,
      approvals: { hold: (request, signal) => (current ?? service).hold(request, signal) },
    },
  });
  const sink = memorySink();
  const logger = new Logger({ level: 'debug', sink, redactor: new Redactor() });
  const service = createApprovalService({ store: h.store, logger, ttlMs: 60_000, channels: [] });
  const quick = createApprovalService({ store: h.store, logger, ttlMs: 400, channels: [] });
  const pending: Approval[] = [];
  for (const s of [service, quick]) s.subscribe((e) => e.type === 'pending' && pending.push(e.approval));
  let closeViewer = service.dashboardViewerOpened();
  quick.dashboardViewerOpened();
  const a = h.store.agents.create({ name: 'payer', identifier: 'payer', secretMode: 'selective' });
  h.store.agents.setSecretIds(a.agent.id, [h.addSecret({ name: 'pay', type: 'api_key', value: VALUE, hostPattern: 'api.github.test' })]);

  let seenBefore = 0;
  let pendingBefore = 0;
  const authority = () => `api.github.test:${h.upstream.port}`;
  const close = async (): Promise<void> => {
    service.close();
    quick.close();
    await h.close();
    await new Promise((r) => plain.close(r));
  };
  return {
    h,
    token: a.token,
    service,
    quick,
    use: (s) => (current = s),
    hideViewer: () => {
      closeViewer();
      return () => (closeViewer = service.dashboardViewerOpened());
    },
    mark: () => {
      seenBefore = h.upstream.requests.length;
      pendingBefore = pending.length;
      plainSeen.length = 0;
      current = service;
    },
    held: async (n = 1) => {
      for (let i = 0; i < 300 && pending.length < pendingBefore + n; i++) await new Promise((r) => setTimeout(r, 10));
      const found = pending[pendingBefore + n - 1];
      if (!found) throw new Error(`approval #${n} never became pending`);
      return found;
    },
    upstreamSaw: () => h.upstream.requests.slice(seenBefore),
    plainSeen,
    authority,
    send: (body, extra = {}) =>
      viaProxy(h.gateway.port, {
        token: a.token,
        connect: authority(),
        ca: h.vaultCaPem,
        method: extra.method ?? 'POST',
        path: extra.path ?? '/v1/charges',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...extra.headers },
        body,
      }),
    plainPost: (body) => plainPost({ gatewayPort: h.gateway.port, plainPort, token: a.token, body }),
    audited: (reason) => waitForAudit(h, (r) => r.reason === reason),
    logLines: sink.lines,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * An approval harness for a test file: started before its tests, marked before each, closed
 * after them. The fields are filled in by then: read them inside tests, not at load time.
 */
export function approvalSuite(): ApprovalHarness {
  const suite = {} as ApprovalHarness;
  let started: ApprovalHarness | null = null;
  beforeAll(async () => {
    started = await startApprovalHarness();
    Object.assign(suite, started);
  });
  afterAll(async () => {
    await started?.[Symbol.asyncDispose]();
  });
  beforeEach(() => suite.mark());
  return suite;
}

function plainPost(o: { gatewayPort: number; plainPort: number; token: string; body: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: o.gatewayPort,
      method: 'POST',
      path: `http://plain-pay.test:${o.plainPort}/send`,
      headers: { 'proxy-authorization': proxyAuth(o.token), 'content-length': String(Buffer.byteLength(o.body)) },
      agent: false,
    });
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.once('error', reject);
    req.end(o.body);
  });
}
