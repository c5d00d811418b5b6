import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pick, seededRandom } from '../support/seeded-random.js';
import { agentConnection } from './fast-lane-harness.js';
import { startHarness, type Harness } from './gateway-harness.js';

/**
 * Header maps have no prototype: a request header named like a property of Object.prototype
 * (`__proto__`, `constructor`, `toString`, …) goes upstream exactly once, with the value sent,
 * on every path (the fast lane and the JavaScript path on native TLS; the gateway-node-tls
 * project runs it on Node's TLS). Names and casings are generated.
 */

const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable',
  'toLocaleString', '__defineGetter__', '__lookupSetter__'];
const PLAIN_NAMES = ['x-trace', 'accept', 'x-a'];

function randomCase(r: () => number, s: string): string {
  return [...s].map((c) => (r() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
}

const native = process.env.NANOCLAW_GATEWAY_TLS !== 'node';
const paths = native ? ([['the fast lane', true], ['the JavaScript path', false]] as const) : ([['the JavaScript path', false]] as const);

describe.each(paths)('request headers named like prototype properties, on %s', (_, fastLane) => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await startHarness({ gateway: { fastLane } });
    token = h.addAgent('proto-agent').token;
    h.addSecret({ name: 'gh', type: 'api_key', value: `proto-${'v'.repeat(24)}`, hostPattern: 'api.github.test' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('go upstream exactly once, as sent', async () => {
    const target = `api.github.test:${h.upstream.port}`;
    const agent = await agentConnection(h, token, target, h.vaultCaPem);
    const r = seededRandom(0x5eed);
    const before = h.upstream.requests.length;
    const sent: [string, string][][] = [];
    // The first request warms the pooled connection the lane needs; the rest may be the lane's.
    for (let i = 0; i < 30; i++) {
      const names = new Set<string>();
      while (names.size < 1 + Math.floor(r() * 4)) names.add(pick(r, r() < 0.8 ? PROTO_NAMES : PLAIN_NAMES));
      const fields = [...names].map((n, k): [string, string] => [r() < 0.5 ? n : randomCase(r, n), `v${i}-${k}`]);
      sent.push(fields);
      agent.send(`GET /json/${i} HTTP/1.1\r\nHost: ${target}\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`);
      expect((await agent.read('GET')).status).toBe(200);
    }
    agent.close();
    const seen = h.upstream.requests.slice(before);
    expect(seen).toHaveLength(sent.length);
    seen.forEach((q, i) => {
      const got = [];
      for (let k = 0; k < q.rawHeaders.length; k += 2) got.push([q.rawHeaders[k]!.toLowerCase(), q.rawHeaders[k + 1]]);
      for (const [name, value] of sent[i]!) {
        expect(got.filter(([n]) => n === name.toLowerCase()), `${name} in request ${i}`).toEqual([[name.toLowerCase(), value]]);
      }
    });
    if (fastLane) expect(h.gateway.laneCounts().forwarded).toBeGreaterThan(10);
  });
});
