import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger, memorySink } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/redact.js';
import { PLACEHOLDER } from '../../src/common/placeholder.js';
import { rotateApiKey } from '../../src/vault/api/api-key.js';
import { startApiServer, type StartedApi } from '../../src/vault/api/api-server.js';
import { createApprovalService } from '../../src/vault/approvals/approval-service.js';
import type { ApprovalChannel, ApprovalService } from '../../src/vault/approvals/types.js';
import type { Alert } from '../../src/vault/model/approvals.js';
import { mostly, pick, seededRandom } from '../support/seeded-random.js';
import { agentConnection, laneHandler } from './fast-lane-harness.js';
import { GATEWAY_SUITES, startHarness, waitForAudit, type Harness } from './gateway-harness.js';

/**
 * A honeytoken through the real store, API and gateway, on the native fast lane and the
 * JavaScript path (and Node's TLS when the suite runs with NANOCLAW_GATEWAY_TLS=node): every
 * request that would use the decoy, wherever the agent put the placeholder, is refused with
 * a clear error, never reaches the upstream, is audited as such and raises an alert on every
 * channel (the dashboard's feed and the host clients' long-poll get each one, Telegram the first
 * of a minute); the same requests to
 * a host with a real secret go through.
 */

interface Suite {
  h: Harness;
  api: StartedApi;
  apiKey: string;
  service: ApprovalService;
  token: string;
  decoyValue: string;
  telegram: Alert[];
  dashboard: Alert[];
}

/** Where an agent may put the placeholder: every place the injection looks, and none. */
const PLACEMENTS = [
  'none',
  'bearer',
  'x-api-key',
  'custom-header',
  'basic-pair',
  'query',
  'path',
  'body',
  'upper-case',
] as const;

function request(r: () => number, host: string, n: number): { raw: string; method: string; path: string } {
  const placement = pick(r, PLACEMENTS);
  const method = placement === 'body' ? 'POST' : mostly(r, ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']);
  const segment = pick(r, ['v1', 'repos', 'user', 'a%2Fb', 'x.y']);
  let path = `/${segment}/case-${n}`;
  if (placement === 'path') path += `/${PLACEHOLDER}`;
  if (placement === 'query') path += `?token=${PLACEHOLDER}&page=${n}`;
  else if (r() < 0.3) path += `?page=${n}`;
  const headers: string[] = [`Host: ${host}`];
  if (placement === 'bearer') headers.push(`Authorization: Bearer ${PLACEHOLDER}`);
  if (placement === 'x-api-key') headers.push(`X-Api-Key: ${PLACEHOLDER}`);
  if (placement === 'custom-header') headers.push(`X-Custom-Token: ${PLACEHOLDER}`);
  if (placement === 'upper-case') headers.push(`Authorization: token ${PLACEHOLDER.toUpperCase()}`);
  if (placement === 'basic-pair') headers.push(`Authorization: Basic ${Buffer.from(`x-access-token:${PLACEHOLDER}`).toString('base64')}`);
  const body = placement === 'body' ? JSON.stringify({ key: PLACEHOLDER, n }) : method === 'GET' || method === 'DELETE' ? '' : 'x=1';
  if (body !== '' || method !== 'GET') headers.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return { raw: `${method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n${body}`, method, path };
}

async function start(fastLane: boolean): Promise<Suite> {
  const telegram: Alert[] = [];
  const dashboard: Alert[] = [];
  let service: ApprovalService | null = null;
  const h = await startHarness({
    handler: laneHandler,
    gateway: { fastLane, approvals: { hold: (r, s) => service!.hold(r, s), alert: (a) => service!.alert(a) } },
  });
  const logger = new Logger({ level: 'silent', sink: memorySink(), redactor: new Redactor() });
  const channel: ApprovalChannel = {
    kind: 'telegram',
    reachable: () => true,
    present: async () => {},
    settle: async () => {},
    alert: async (a) => void telegram.push(a),
  };
  service = createApprovalService({ store: h.store, logger, ttlMs: 60_000, channels: [channel] });
  service.subscribeAlerts((a) => dashboard.push(a));
  const apiKey = rotateApiKey(h.store);
  const api = await startApiServer({ store: h.store, logger, version: '0.0.0-test', caPem: () => h.vaultCaPem, port: 0, approvals: service, dashboard: false });
  const { agent, token } = h.addAgent('spy');
  h.store.approvers.create({ name: 'Owner', role: 'owner', agentIds: [], channel: 'telegram', address: '4242' });
  const decoy = h.store.secrets.create({ name: 'GitHub deploy key', type: 'honeytoken', value: `decoy-${'d'.repeat(30)}`, hostPattern: 'api.github.test' });
  h.addSecret({ name: 'anthropic', type: 'anthropic', value: `sk-ant-api-${'r'.repeat(30)}`, hostPattern: 'api.anthropic.com' });
  expect(agent.secretMode).toBe('all');
  return { h, api, apiKey, service, token, decoyValue: h.store.secrets.reveal(decoy.id)!, telegram, dashboard };
}

describe.each(GATEWAY_SUITES)('a honeytoken on $name', ({ fastLane }) => {
  const s = {} as Suite;
  beforeAll(async () => Object.assign(s, await start(fastLane)));
  afterAll(async () => {
    s.service?.close();
    await s.api?.close();
    await s.h?.close();
  });

  it('refuses, audits and alerts every request that would use the decoy, wherever the placeholder is; the same requests to a real secret’s host go through', async () => {
    const { h } = s;
    const port = h.upstream.port;
    const seenBefore = h.upstream.requests.length;
    const poll = fetch(`${s.api.url}/api/alerts?timeout=10&agent=spy`, { headers: { authorization: `Bearer ${s.apiKey}` } });
    const decoyHost = `api.github.test:${port}`;
    const realHost = `api.anthropic.com:${port}`;
    const r = seededRandom(fastLane ? 1801 : 1802);
    const cases = Array.from({ length: 30 }, (_, n) => n);
    const decoyAgent = await agentConnection(h, s.token, decoyHost, h.vaultCaPem);
    const realAgent = await agentConnection(h, s.token, realHost, h.vaultCaPem);
    const sent: { method: string; path: string }[] = [];
    for (const n of cases) {
      const seed = r();
      const decoyReq = request(seededRandom(Math.floor(seed * 2 ** 31)), decoyHost, n);
      decoyAgent.send(decoyReq.raw);
      const refused = await decoyAgent.read(decoyReq.method);
      expect(refused.status, decoyReq.raw).toBe(403);
      const body = JSON.parse(refused.body) as { error: string; message: string };
      expect(body.error).toBe('blocked_by_policy');
      // Like any block: nothing tells the agent that this credential was a decoy, or that anyone was told.
      expect(body.message).toMatch(/^Blocked by policy: /);
      expect(body.message).not.toMatch(/decoy|honeytoken|alert|trap/i);
      sent.push(decoyReq);
      // The same request to a host with a real secret: forwarded (the difference is the decoy).
      const realReq = request(seededRandom(Math.floor(seed * 2 ** 31)), realHost, n);
      realAgent.send(realReq.raw);
      expect((await realAgent.read(realReq.method)).status).toBe(200);
    }
    decoyAgent.close();
    realAgent.close();

    // Nothing that would have used the decoy reached the upstream; every real one did.
    const upstream = h.upstream.requests.slice(seenBefore);
    expect(upstream).toHaveLength(cases.length);
    for (const req of upstream) expect(req.rawHeaders.join('\n')).not.toMatch(/api\.github\.test/);

    // Audited as blocked by a honeytoken, naming the decoy.
    for (const { path } of sent) {
      const row = await waitForAudit(h, (row) => row.host === 'api.github.test' && row.path.startsWith(path.split('?')[0]!));
      expect(row).toMatchObject({ decision: 'blocked', reason: 'honeytoken', secretName: 'GitHub deploy key', status: 403 });
    }

    // One alert per request, naming the agent and the request, on every channel.
    const expected = sent.map(({ method, path }) => ({ agentIdentifier: 'spy', method, host: 'api.github.test', path: path.replace(/=[^&]*/g, '=') }));
    const shape = (a: Alert) => ({ agentIdentifier: a.agentIdentifier, method: a.method, host: a.host, path: a.path });
    expect(s.dashboard.map(shape)).toEqual(expected);
    await new Promise((r) => setImmediate(r));
    // Telegram hears of the first at once; more uses of the same decoy by the same agent within a minute are not pushed again.
    expect(s.telegram.map(shape)).toEqual(expected.slice(0, 1));
    const polled = (await (await poll).json()) as { data: Alert[] };
    expect(polled.data.length).toBeGreaterThanOrEqual(1);
    expect(polled.data.map(shape)).toEqual(expected.slice(0, polled.data.length));
    const all = (await (await fetch(`${s.api.url}/api/alerts`, { headers: { authorization: `Bearer ${s.apiKey}` } })).json()) as { data: Alert[] };
    expect(all.data.map(shape)).toEqual(expected);

    // Never the decoy's value, anywhere the agent or an approver could look.
    const everything = JSON.stringify([upstream.map((u) => [u.rawHeaders, u.body.toString('latin1')]), all, s.telegram, h.rows(), h.logLines]);
    expect(everything).not.toContain(s.decoyValue);

    // The lane really served the real host's requests on this suite (and never on the other).
    if (process.env.NANOCLAW_GATEWAY_TLS !== 'node') {
      if (fastLane) expect(h.gateway.laneCounts().forwarded).toBeGreaterThan(0);
      else expect(h.gateway.laneCounts().forwarded).toBe(0);
    }
  });

  it('refuses a WebSocket upgrade that would use the decoy, and alerts', async () => {
    const before = s.dashboard.length;
    const agent = await agentConnection(s.h, s.token, `api.github.test:${s.h.upstream.port}`, s.h.vaultCaPem);
    agent.send(
      `GET /socket HTTP/1.1\r\nHost: api.github.test:${s.h.upstream.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    const res = await agent.read('GET');
    agent.close();
    expect(res.status).toBe(403);
    expect(s.dashboard.slice(before).map((a) => a.path)).toEqual(['/socket']);
  });
});
