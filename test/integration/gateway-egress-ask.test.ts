import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger, memorySink } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/redact.js';
import { rotateApiKey } from '../../src/vault/api/api-key.js';
import { startApiServer, type StartedApi } from '../../src/vault/api/api-server.js';
import { createApprovalService } from '../../src/vault/approvals/approval-service.js';
import type { ApprovalService } from '../../src/vault/approvals/types.js';
import type { Approval } from '../../src/vault/model/approvals.js';
import { pick, seededRandom } from '../support/seeded-random.js';
import { agentConnection, laneHandler } from './fast-lane-harness.js';
import { GATEWAY_SUITES, connectTunnel, proxyAuth, startHarness, waitForAudit, type Harness } from './gateway-harness.js';

/**
 * Egress mode `ask` through the real store, approval service, API and gateway (real TLS
 * handshakes), with the fast lane on and off (the hold is the admission's, before any TLS, so
 * every path shares it; a host with the agent's own secret is on its list and never asked
 * about, so the lane never forwards for a new host): the first CONNECT or plain-HTTP request
 * to a host off the agent's list waits for a person, who allows it once, always (the host joins
 * the list in the store) or denies it; concurrent first requests share one approval; a denied or
 * timed-out one gets a clear refusal.
 */

interface Suite {
  h: Harness;
  api: StartedApi;
  apiKey: string;
  service: ApprovalService;
  quick: ApprovalService;
  use(s: ApprovalService): void;
  token: string;
  agentId: string;
  plainPort: number;
  plain: http.Server;
}

async function start(fastLane: boolean): Promise<Suite> {
  const plain = http.createServer((req, res) => res.end(`plain ok ${req.url}`));
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  const plainPort = (plain.address() as AddressInfo).port;
  let current: ApprovalService | null = null;
  const h = await startHarness({
    handler: laneHandler,
    names: { 'plain-new.test': ['127.0.0.1'] },
    extraAllow: [`plain-new.test:${plainPort}`],
    gateway: { fastLane, approvals: { hold: (r, s) => current!.hold(r, s) } },
  });
  const logger = new Logger({ level: 'silent', sink: memorySink(), redactor: new Redactor() });
  const service = createApprovalService({ store: h.store, logger, ttlMs: 60_000, channels: [] });
  const quick = createApprovalService({ store: h.store, logger, ttlMs: 300, channels: [] });
  quick.dashboardViewerOpened();
  current = service;
  const apiKey = rotateApiKey(h.store);
  const api = await startApiServer({ store: h.store, logger, version: '0.0.0-test', caPem: () => h.vaultCaPem, port: 0, approvals: service, dashboard: false });
  const { agent, token } = h.store.agents.create({ name: 'asker', identifier: 'asker', secretMode: 'selective' });
  h.store.agents.update(agent.id, { egressPolicy: 'ask', allowHosts: ['api.github.test'] });
  // Another agent's secret makes *.github.test hosts intercepted (TLS terminated) for every agent.
  h.addSecret({ name: 'someone else', type: 'api_key', value: `other-${'o'.repeat(24)}`, hostPattern: '*.github.test' });
  return { h, api, apiKey, service, quick, use: (s) => (current = s), token, agentId: agent.id, plainPort, plain };
}

describe.each(GATEWAY_SUITES)('egress mode ask on $name', ({ fastLane }) => {
  const s = {} as Suite;
  beforeAll(async () => Object.assign(s, await start(fastLane)));
  afterAll(async () => {
    s.service?.close();
    s.quick?.close();
    await s.api?.close();
    await s.h?.close();
    await new Promise((r) => s.plain?.close(r));
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${s.api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${s.apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  /**
   * A host client's long-poll. A poll that just ended keeps the client reachable for a grace
   * period, so the card of a request sent after it is routed to host clients, and this poll gets it.
   */
  const poll = async (): Promise<{ cards: Promise<Approval[]> }> => {
    await api('GET', '/api/approvals/pending?timeout=0');
    return { cards: api('GET', '/api/approvals/pending?timeout=10').then((r) => r.json.data as Approval[]) };
  };
  const waitUntil = async (done: () => boolean): Promise<void> => {
    for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  };
  const held = () => s.h.logLines.filter((line) => line.includes('the agent has not used this host')).length;
  const decide = (id: string, body: object) => api('POST', `/api/approvals/${id}/decision`, body);
  const get = async (agent: Awaited<ReturnType<typeof agentConnection>>, host: string, path: string) => {
    agent.send(`GET ${path} HTTP/1.1\r\nHost: ${host}:${s.h.upstream.port}\r\n\r\n`);
    return agent.read('GET');
  };

  it('holds concurrent first CONNECTs to a new host on one approval; allow once opens them all, and the next one asks again', async () => {
    const target = `other.test:${s.h.upstream.port}`;
    const card = (await poll()).cards;
    const heldBefore = held();
    const a = agentConnection(s.h, s.token, target, s.h.upstream.caPem);
    const b = agentConnection(s.h, s.token, target, s.h.upstream.caPem);
    const [pending] = await card;
    expect(pending).toMatchObject({ kind: 'new_host', agentIdentifier: 'asker', method: 'CONNECT', host: 'other.test', path: `:${s.h.upstream.port}`, status: 'pending' });
    await waitUntil(() => held() - heldBefore === 2);
    expect(s.service.list({ status: 'pending' })).toHaveLength(1);
    expect((await decide(pending!.id, { decision: "approve" })).status).toBe(200);
    // Tunnelled (no secret for other.test): the agent's TLS reaches the upstream itself.
    for (const agent of await Promise.all([a, b])) {
      expect((await get(agent, 'other.test', '/first')).status).toBe(200);
      agent.close();
    }
    expect(s.h.store.agents.get(s.agentId)!.allowHosts).toEqual(['api.github.test']);
    const again = (await poll()).cards;
    const denied = connectTunnel(s.h.gateway.port, target, s.token);
    const [second] = await again;
    expect(second!.id).not.toBe(pending!.id);
    await decide(second!.id, { decision: 'deny', reason: 'not this one' });
    const refused = await denied;
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({
      error: 'manual_approval_denied',
      approval_id: second!.id,
      message: expect.stringMatching(/other\.test.*has not used.*not approved \(rejected: not this one\)/),
    });
    await waitForAudit(s.h, (r) => r.reason === `new_host_rejected:${second!.id}` && r.decision === 'denied' && r.status === 403);
  });

  it('allow always adds the host to the agent’s allowlist in the store; the intercepted host is then served without asking', async () => {
    const host = 'x.github.test';
    const card = (await poll()).cards;
    const opened = agentConnection(s.h, s.token, `${host}:${s.h.upstream.port}`, s.h.vaultCaPem);
    const [pending] = await card;
    expect(pending).toMatchObject({ kind: 'new_host', host });
    await decide(pending!.id, { decision: 'approve', always: true });
    const agent = await opened;
    for (let i = 0; i < 3; i++) expect((await get(agent, host, `/json/${i}`)).status).toBe(200);
    agent.close();
    expect(s.h.store.agents.get(s.agentId)).toMatchObject({ egressPolicy: 'ask', allowHosts: ['api.github.test', host] });
    // No second card: the host is on the list now.
    const next = await agentConnection(s.h, s.token, `${host}:${s.h.upstream.port}`, s.h.vaultCaPem);
    expect((await get(next, host, '/json/again')).status).toBe(200);
    next.close();
    expect(s.service.list({ status: 'pending' })).toHaveLength(0);
    // Served inside the TLS-terminated tunnel and audited per request (no secret of its own: nothing injected).
    await waitForAudit(s.h, (r) => r.host === host && r.path === '/json/again' && r.decision === 'passthrough' && r.status === 200);
  });

  it.each([1, 2, 3, 4, 5])('asks once per host however many first CONNECTs arrive together, and answers each as its host was answered (seed %i)', async (seed) => {
    const r = seededRandom(seed * 7919 + (fastLane ? 1 : 0));
    const hosts = ['other.test', 'plain.test', 'github.test', 'evil-api.github.test'];
    const sent = Array.from({ length: 2 + Math.floor(r() * 7) }, () => pick(r, hosts));
    const viewer = s.service.dashboardViewerOpened();
    try {
      const heldBefore = held();
      const results = sent.map((host) => connectTunnel(s.h.gateway.port, `${host}:${s.h.upstream.port}`, s.token));
      const asked = [...new Set(sent)];
      // Every CONNECT has reached the gateway and waits (the gateway logs each one it holds).
      await waitUntil(() => held() - heldBefore === sent.length && s.service.list({ status: 'pending' }).length === asked.length);
      const pending = s.service.list({ status: 'pending' });
      expect(pending.map((a) => a.host).sort()).toEqual(asked.sort());
      const allowed = new Set(asked.filter(() => r() < 0.5));
      for (const a of pending) s.service.decide(a.id, { decision: allowed.has(a.host) ? 'approve' : 'deny' }, { kind: 'owner', name: 'cli' });
      const statuses = await Promise.all(results);
      for (const t of statuses) t.socket.destroy();
      expect(statuses.map((t) => t.status)).toEqual(sent.map((host) => (allowed.has(host) ? 200 : 403)));
      expect(s.service.list({ status: 'pending' })).toEqual([]);
      expect(s.h.store.agents.get(s.agentId)!.allowHosts.filter((h) => hosts.includes(h))).toEqual([]);
    } finally {
      viewer();
    }
  });

  it('cancels the approval once the connection of the only CONNECT waiting on it closes', async () => {
    const target = `gone.test:${s.h.upstream.port}`;
    const heldBefore = held();
    const socket = net.connect(s.h.gateway.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\nProxy-Authorization: ${proxyAuth(s.token)}\r\n\r\n`);
    await waitUntil(() => held() - heldBefore === 1);
    const pending = s.service.list({ status: 'pending' }).find((a) => a.host === 'gone.test');
    expect(pending).toBeDefined();
    // A reset closes the gateway's side too (after a FIN alone it stays open, half-closed).
    socket.resetAndDestroy();
    await waitUntil(() => s.service.list({ status: 'cancelled' }).some((a) => a.id === pending!.id));
    expect(s.service.list({ status: 'pending' }).filter((a) => a.host === 'gone.test')).toEqual([]);
  });

  it('refuses clearly when nobody answers in time', async () => {
    s.use(s.quick);
    try {
      const refused = await connectTunnel(s.h.gateway.port, `a.b.github.test:${s.h.upstream.port}`, s.token);
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body)).toMatchObject({ error: 'manual_approval_denied', message: expect.stringMatching(/not approved \(expired: expired \(no response\)\)/) });
    } finally {
      s.use(s.service);
    }
  });

  it('asks before a plain-HTTP request to a new host, and forwards it once allowed', async () => {
    const card = (await poll()).cards;
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: s.h.gateway.port,
        method: 'GET',
        path: `http://plain-new.test:${s.plainPort}/hello?x=1`,
        headers: { host: `plain-new.test:${s.plainPort}`, 'proxy-authorization': proxyAuth(s.token) },
        agent: false,
      });
      req.once('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.once('error', reject);
      req.end();
    });
    const [pending] = await card;
    expect(pending).toMatchObject({ kind: 'new_host', method: 'GET', host: 'plain-new.test', path: '/hello?x=' });
    await decide(pending!.id, { decision: 'approve' });
    expect(await response).toEqual({ status: 200, body: 'plain ok /hello?x=1' });
  });
});
