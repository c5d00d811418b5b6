import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyRule } from '../../src/vault/model/policy-rule.js';
import { PATH_SEGMENTS, spellPath } from '../support/path-spellings.js';
import { pick, seededRandom } from '../support/seeded-random.js';
import { agentConnection, laneHandler, VALUE } from './fast-lane-harness.js';
import { startHarness, type Harness } from './gateway-harness.js';

/**
 * Policy sees what the upstream will route, on the native fast lane (which asks the policy
 * through its JavaScript callback with the raw target) and on the TypeScript path: a rule on
 * `/admin/*` stops every spelling of an admin path, and a method-override header counts as the
 * method.
 */

const rules: PolicyRule[] = [
  { id: 'no-admin', action: 'block', hostPattern: 'api.github.test', pathPattern: '/admin/*' },
  { id: 'no-delete', action: 'block', hostPattern: 'api.github.test', pathPattern: '/repos/*', method: 'DELETE' },
];

const HAND_PICKED = ['/x/../admin/y', '//admin/y', '/%61dmin/y', '/x/%2e%2e/admin/y', '/x//..//admin/y', '/%2561dmin/y?q=1'];

function generated(count: number): string[] {
  const r = seededRandom(0xad1);
  return Array.from({ length: count }, () => {
    const tail = Array.from({ length: Math.floor(r() * 3) }, () => pick(r, PATH_SEGMENTS));
    return spellPath(r, ['admin', ...tail]);
  });
}

const paths: { name: string; lane: boolean; skip: boolean }[] = [
  // The lane belongs to the native transport: the gateway-node-tls project has none to test.
  { name: 'the native fast lane', lane: true, skip: process.env.NANOCLAW_GATEWAY_TLS === 'node' },
  { name: 'the TypeScript path', lane: false, skip: false },
];

for (const path of paths) {
  describe.skipIf(path.skip)(`policy readings on ${path.name}`, () => {
    let h: Harness;
    let token: string;
    beforeAll(async () => {
      const tls = path.lane ? { tls: 'native' as const } : {};
      h = await startHarness({ handler: laneHandler, gateway: { ...tls, fastLane: path.lane, policyRules: () => rules } });
      token = h.addAgent('reader').token;
      h.addSecret({ name: 'gh', type: 'api_key', value: VALUE, hostPattern: 'api.github.test' });
    });
    afterAll(async () => {
      await h?.close();
    });

    async function send(requests: { method: string; target: string; headers?: string }[]): Promise<number[]> {
      const host = `api.github.test:${h.upstream.port}`;
      const agent = await agentConnection(h, token, host, h.vaultCaPem);
      const statuses: number[] = [];
      try {
        for (const q of requests) {
          const body = q.method === 'POST' ? 'Content-Length: 2\r\n\r\n{}' : '\r\n';
          agent.send(`${q.method} ${q.target} HTTP/1.1\r\nHost: ${host}\r\n${q.headers ?? ''}${body}`);
          statuses.push((await agent.read(q.method)).status);
        }
      } finally {
        agent.close();
      }
      return statuses;
    }

    it('blocks /admin/* under every spelling, and sends none of them upstream', async () => {
      const targets = [...HAND_PICKED, ...generated(40)];
      const before = h.upstream.requests.length;
      const forwarded = h.gateway.laneCounts().forwarded;
      // An allowed request between the blocked ones: the lane really serves this connection.
      const statuses = await send(targets.flatMap((target) => [{ method: 'GET', target }, { method: 'GET', target: '/json' }]));
      expect(statuses.filter((_, i) => i % 2 === 0)).toEqual(targets.map(() => 403));
      expect(statuses.filter((_, i) => i % 2 === 1)).toEqual(targets.map(() => 200));
      expect(h.upstream.requests.slice(before).map((r) => r.url)).toEqual(targets.map(() => '/json'));
      if (path.lane) expect(h.gateway.laneCounts().forwarded - forwarded).toBeGreaterThanOrEqual(targets.length - 1);
      const blocked = h.rows().filter((r) => r.reason === 'policy_block:no-admin');
      expect(blocked.length).toBe(targets.length);
    });

    it('does not block a path that only mentions /admin in its query', async () => {
      expect(await send([{ method: 'GET', target: '/json?next=/admin/y' }])).toEqual([200]);
    });

    it('counts X-HTTP-Method-Override, X-HTTP-Method and X-Method-Override as the method', async () => {
      const before = h.upstream.requests.length;
      const statuses = await send([
        { method: 'POST', target: '/repos/a', headers: 'X-HTTP-Method-Override: DELETE\r\n' },
        { method: 'POST', target: '/repos/a', headers: 'X-HTTP-Method: delete\r\n' },
        { method: 'POST', target: '/repos/a', headers: 'X-Method-Override: DELETE\r\n' },
        { method: 'POST', target: '/repos/a', headers: 'X-HTTP-Method-Override: PATCH\r\n' },
        { method: 'POST', target: '/repos/a' },
      ]);
      expect(statuses).toEqual([403, 403, 403, 200, 200]);
      expect(h.upstream.requests.length - before).toBe(2);
    });
  });
}
