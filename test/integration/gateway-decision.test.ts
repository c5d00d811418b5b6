import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pick, seededRandom } from '../support/seeded-random.js';
import { agentConnection, laneHandler } from './fast-lane-harness.js';
import { startHarness, type Harness } from './gateway-harness.js';

/**
 * The one decision (decide-request.ts) on every path: what it decides about a request is what
 * the agent, the upstream and the audit see, whether the fast lane, the native transport's
 * JavaScript path or Node's TLS serves it, and for an upgrade as for a plain request.
 */

const PATHS: [string, { tls: 'native' | 'node'; fastLane: boolean }][] =
  process.env.NANOCLAW_GATEWAY_TLS === 'node'
    ? [['Node TLS', { tls: 'node', fastLane: false }]]
    : [
        ['the fast lane', { tls: 'native', fastLane: true }],
        ['native TLS without the lane', { tls: 'native', fastLane: false }],
      ];

const RESERVED = ['Host', 'content-length', 'Transfer-Encoding', 'connection', 'Upgrade', 'proxy-authorization', 'TE'];

/** A secret that cannot be injected: a value with a line break or NUL, or a reserved header as its target. */
function brokenSecret(r: () => number, i: number) {
  const base = `broken-${i}-${'v'.repeat(8 + Math.floor(r() * 24))}`;
  const at = 1 + Math.floor(r() * (base.length - 2));
  const badValue = `${base.slice(0, at)}${pick(r, ['\r\n', '\n', '\r', '\0', '\r\nX-Evil: 1'])}${base.slice(at)}`;
  const reserved = r() < 0.5;
  return {
    name: `broken-${i}`,
    type: 'generic' as const,
    value: reserved ? base : badValue,
    hostPattern: 'api.github.test',
    pathPattern: `/case-${i}/*`,
    injectionConfig: { headerName: reserved ? pick(r, RESERVED) : 'x-key' },
  };
}

const CASES = 10;
const SEED = 1414;

describe.each(PATHS)('one decision, on %s', (_path, transport) => {
  let h: Harness;
  let token: string;
  const values: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ handler: laneHandler, gateway: transport });
    token = h.addAgent('decision-agent').token;
    // A secret the lane can forward, so the connection is one the lane serves.
    h.addSecret({ name: 'ok', type: 'api_key', value: `ok-${'k'.repeat(24)}`, hostPattern: 'api.github.test', pathPattern: '/json*' });
    const r = seededRandom(SEED);
    for (let i = 0; i < CASES; i++) {
      const s = brokenSecret(r, i);
      values.push(s.value);
      h.addSecret(s);
    }
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses with 502 a request whose secret cannot be injected: nothing upstream, the audit row names the secret', async () => {
    const host = `api.github.test:${h.upstream.port}`;
    const agent = await agentConnection(h, token, host, h.vaultCaPem);
    for (let i = 0; i < 2; i++) {
      agent.send(`GET /json HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      expect((await agent.read('GET')).status).toBe(200);
    }
    // The lane has the connection: what follows is decided in its callback and handed over.
    if (transport.fastLane) expect(h.gateway.laneCounts().forwarded).toBeGreaterThan(0);
    for (let i = 0; i < CASES; i++) {
      const before = h.upstream.requests.length;
      agent.send(`GET /case-${i}/x HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      const res = await agent.read('GET');
      expect(res.status, `case ${i} (seed ${SEED})`).toBe(502);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'bad_gateway' });
      expect(res.body).not.toContain(values[i]!.slice(0, 12));
      expect(h.upstream.requests.length).toBe(before);
    }
    agent.close();
    const rows = h.rows().filter((row) => row.path.startsWith('/case-'));
    expect(rows).toHaveLength(CASES);
    for (const row of rows) {
      expect(row).toMatchObject({ status: 502, decision: 'error', reason: 'injection_failed' });
      expect(row.secretName).toBe(`broken-${row.path.split('/')[1]!.slice('case-'.length)}`);
    }
  });

  it('refuses an upgrade whose secret cannot be injected the same way', async () => {
    const host = `api.github.test:${h.upstream.port}`;
    const agent = await agentConnection(h, token, host, h.vaultCaPem);
    const before = h.upstream.requests.length;
    agent.send(`GET /case-0/ws HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
    const res = await agent.read('GET');
    agent.close();
    expect(res.status).toBe(502);
    expect(h.upstream.requests.length).toBe(before);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.rows().find((row) => row.path === '/case-0/ws')).toMatchObject({
      decision: 'error',
      reason: 'injection_failed',
      secretName: 'broken-0',
    });
  });
});
