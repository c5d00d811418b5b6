import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pick, seededRandom } from '../support/seeded-random.js';
import { agentConnection } from './fast-lane-harness.js';
import { startHarness, type Harness } from './gateway-harness.js';

/**
 * Pooled upstream connections belong to one agent and one secret (upstream-pool.ts, pool-key.ts):
 * two agents with their own secrets for the same host, on kept-alive connections, never share an
 * upstream connection, nor do one agent's requests injected with two different secrets. Run on
 * the fast lane and the JavaScript path (native TLS), and by the gateway-node-tls project on
 * Node's TLS; the test upstream numbers its connections.
 */

const VALUES = { a: `pool-a-${'1'.repeat(24)}`, a2: `pool-a2-${'2'.repeat(24)}`, b: `pool-b-${'3'.repeat(24)}` };

interface Suite {
  h: Harness;
  tokens: { a: string; b: string };
}

async function startSuite(fastLane: boolean): Promise<Suite> {
  const h = await startHarness({ gateway: { fastLane } });
  const a = h.store.agents.create({ name: 'a', identifier: 'pool-a', secretMode: 'selective' });
  const b = h.store.agents.create({ name: 'b', identifier: 'pool-b', secretMode: 'selective' });
  const sa = h.addSecret({ name: 'a', type: 'api_key', value: VALUES.a, hostPattern: 'api.github.test' });
  const sa2 = h.addSecret({ name: 'a2', type: 'api_key', value: VALUES.a2, hostPattern: 'api.github.test', pathPattern: '/two/*' });
  const sb = h.addSecret({ name: 'b', type: 'api_key', value: VALUES.b, hostPattern: 'api.github.test' });
  h.store.agents.setSecretIds(a.agent.id, [sa, sa2]);
  h.store.agents.setSecretIds(b.agent.id, [sb]);
  return { h, tokens: { a: a.token, b: b.token } };
}

const native = process.env.NANOCLAW_GATEWAY_TLS !== 'node';
// The lane is the native transport's; Node's TLS has only the JavaScript path.
const paths = native ? ([['the fast lane', true], ['the JavaScript path', false]] as const) : ([['the JavaScript path', false]] as const);

describe.each(paths)('pooled upstream connections on %s', (_, fastLane) => {
  let s: Suite;
  beforeAll(async () => {
    s = await startSuite(fastLane);
  });
  afterAll(async () => {
    await s?.h.close();
  });

  it('never carry two agents’ requests, nor one agent’s requests with two secrets', async () => {
    const { h, tokens } = s;
    const target = `api.github.test:${h.upstream.port}`;
    const before = h.upstream.requests.length;
    const a = await agentConnection(h, tokens.a, target, h.vaultCaPem);
    const b = await agentConnection(h, tokens.b, target, h.vaultCaPem);
    const r = seededRandom(0x9001);
    const sent: string[] = [];
    for (let i = 0; i < 40; i++) {
      const [who, conn] = r() < 0.5 ? (['b', b] as const) : (['a', a] as const);
      const path = who === 'a' && r() < 0.4 ? `/two/${i}` : pick(r, [`/one/${i}`, `/json/${i}?q=${i}`]);
      conn.send(`GET ${path} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
      expect((await conn.read('GET')).status).toBe(200);
      sent.push(path);
    }
    a.close();
    b.close();
    const seen = h.upstream.requests.slice(before);
    expect(seen.map((q) => q.url)).toEqual(sent);
    const byConnection = new Map<number, Set<string>>();
    for (const q of seen) {
      const auth = String(q.headers.authorization);
      byConnection.set(q.connection, (byConnection.get(q.connection) ?? new Set()).add(auth));
    }
    for (const [connection, auths] of byConnection) {
      expect([...auths].map((v) => v.slice(0, 16)), `upstream connection ${connection}`).toHaveLength(1);
    }
    // Every value was really used, and connections were really reused (else the test shows nothing).
    const all = seen.map((q) => q.headers.authorization);
    for (const v of Object.values(VALUES)) expect(all).toContain(`Bearer ${v}`);
    expect(byConnection.size).toBeLessThan(seen.length / 2);
    if (fastLane) expect(h.gateway.laneCounts().forwarded).toBeGreaterThan(10);
  });
});
