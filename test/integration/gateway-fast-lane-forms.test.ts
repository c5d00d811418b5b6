import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pick, seededRandom } from '../support/seeded-random.js';
import type { UpstreamHandler } from '../support/tls-upstream.js';
import { agentConnection, type Seen } from './fast-lane-harness.js';
import { startHarness, type Harness } from './gateway-harness.js';
import { loadBinding } from '../../src/vault/gateway/native-tls/binding.js';

/**
 * The lane keeps a request's echo forms for the next request on the connection (SetForms in
 * native/tls-transport/lane-forward.cc). Requests for two secrets and for none, in a generated
 * order on one kept-alive connection, must each be scanned for their own value's forms only, on
 * the lane exactly as on the JavaScript path. Connections using the same value share one copy of
 * its forms (Transport::formSets), which must outlive every connection that holds it.
 */

const A = `lane-a-${'x'.repeat(24)}`;
const B = `lane-b-${'y'.repeat(24)}`;
const BODY = `A=${A} B=${B} A64=${Buffer.from(A).toString('base64')} B64=${Buffer.from(B).toString('base64')}`;

const handler: UpstreamHandler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(BODY.length) });
  res.end(BODY);
};

const stars = (s: string): string => '*'.repeat(s.length);
const redacted = (value: string): string =>
  BODY.replace(value, stars(value)).replace(Buffer.from(value).toString('base64'), stars(Buffer.from(value).toString('base64')));

// The lane is the native transport's: the gateway-node-tls project (Node's TLS) has none to test.
describe.skipIf(process.env.NANOCLAW_GATEWAY_TLS === 'node')('the fast lane’s forms from one request to the next', () => {
  const suites: { h: Harness; token: string }[] = [];

  beforeAll(async () => {
    for (const fastLane of [true, false]) {
      const h = await startHarness({ handler, gateway: { tls: 'native', fastLane } });
      const { token } = h.addAgent('forms-agent');
      h.addSecret({ name: 'a', type: 'api_key', value: A, hostPattern: 'api.github.test', pathPattern: '/a/*' });
      h.addSecret({ name: 'b', type: 'api_key', value: B, hostPattern: 'api.github.test', pathPattern: '/b/*' });
      suites.push({ h, token });
    }
  });
  afterAll(async () => {
    for (const s of suites) await s.h.close();
  });

  it('scans each response for its own request’s value, whatever came before on the connection', async () => {
    const random = seededRandom(14);
    const paths = ['/a/0', '/a/1', '/b/0', '/none', '/a/2', '/none', '/b/1', '/b/2'];
    for (let i = 0; i < 24; i++) paths.push(pick(random, ['/a/', '/b/', '/none/']) + String(i));
    const bodies: string[][] = [];
    for (const { h, token } of suites) {
      const target = `api.github.test:${h.upstream.port}`;
      const agent = await agentConnection(h, token, target, h.vaultCaPem);
      const seen: Seen[] = [];
      for (const path of paths) {
        agent.send(`GET ${path} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
        seen.push(await agent.read('GET'));
      }
      agent.close();
      bodies.push(seen.map((r) => r.body));
    }
    const expected = paths.map((p) => (p.startsWith('/a/') ? redacted(A) : p.startsWith('/b/') ? redacted(B) : BODY));
    expect(bodies[0]).toEqual(expected);
    expect(bodies[1]).toEqual(expected);
    // The lane served most injected ones (one after a request it handed to JavaScript may need a
    // pooled connection first).
    expect(suites[0]!.h.gateway.laneCounts().forwarded).toBeGreaterThanOrEqual(paths.filter((p) => !p.startsWith('/none')).length / 2);
  });

  it('scans each response for its own value when connections that share a value’s forms come and go, and after idle lanes gave back their buffers', async () => {
    const random = seededRandom(1414);
    const binding = loadBinding();
    if ('error' in binding) throw new Error(binding.error);
    for (const [k, { h, token }] of suites.entries()) {
      const target = `api.github.test:${h.upstream.port}`;
      const open: { agent: Awaited<ReturnType<typeof agentConnection>>; prefix: string }[] = [];
      for (let step = 0; step < 40; step++) {
        // Keep three to five connections open; now and then one leaves, and a new one comes.
        if (open.length < 3 || (open.length < 5 && random() < 0.3)) {
          open.push({ agent: await agentConnection(h, token, target, h.vaultCaPem), prefix: pick(random, ['/a/', '/b/']) });
        }
        const at = Math.floor(random() * open.length);
        const conn = open[at]!;
        // Mostly the connection's usual secret; sometimes the other one, or none.
        const prefix = random() < 0.8 ? conn.prefix : pick(random, ['/a/', '/b/', '/none/']);
        conn.agent.send(`GET ${prefix}${step} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
        const { body } = await conn.agent.read('GET');
        const expected = prefix === '/a/' ? redacted(A) : prefix === '/b/' ? redacted(B) : BODY;
        expect(body, `suite ${k}, step ${step}, ${prefix}`).toBe(expected);
        if (random() < 0.15) open.splice(at, 1)[0]!.agent.close();
        // What the transport does once connections stop coming and going (LaneTrim).
        if (random() < 0.2) binding.trimMemory();
      }
      for (const { agent } of open) agent.close();
    }
  });
});
