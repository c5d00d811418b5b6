import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '../../src/vault/ca/ca.js';
import { startTlsUpstream, type TlsUpstream } from '../../test/support/tls-upstream.js';
import { DialAgent } from '../client.js';
import { INJECTED_HEADER, UPSTREAM_HOST, type Subject } from '../subject.js';
import { startFloor } from './floor.js';

const VALUE = 'floor-test-value-6f1e';

/** One request on `agent`'s kept-alive connection; resolves with its status. */
function send(agent: http.Agent, method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: UPSTREAM_HOST, path, method, agent, headers: { host: UPSTREAM_HOST } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the floor proxy (bench/floor/floor-proxy.c)', () => {
  let upstream: TlsUpstream;
  const floors: Subject[] = [];

  async function floor(upstreamCaPem: string): Promise<Subject> {
    const started = await startFloor({ upstreamPort: upstream.port, upstreamCaPem, value: VALUE, names: [UPSTREAM_HOST] });
    if (typeof started === 'string') throw new Error(started);
    floors.push(started);
    return started;
  }

  async function through(f: Subject, run: (agent: http.Agent) => Promise<void>): Promise<void> {
    const agent = new DialAgent(() => f.dial(UPSTREAM_HOST), { maxSockets: 1 });
    try {
      await run(agent);
    } finally {
      agent.destroy();
    }
  }

  beforeAll(async () => {
    upstream = await startTlsUpstream({ hostnames: [UPSTREAM_HOST] });
  });

  afterAll(async () => {
    for (const f of floors) await f.close();
    await upstream.close();
  });

  it('inserts the header into every request of a kept-alive connection, and never into a body', async () => {
    // A body that looks like a request: the floor must skip it by its Content-Length.
    const lookalike = `GET /smuggled HTTP/1.1\r\nHost: ${UPSTREAM_HOST}\r\n\r\n`;
    await through(await floor(upstream.caPem), async (agent) => {
      expect(await send(agent, 'GET', '/a')).toBe(200);
      expect(await send(agent, 'POST', '/b', lookalike)).toBe(200);
      expect(await send(agent, 'GET', '/c')).toBe(200);
    });
    const seen = upstream.requests;
    expect(seen.map((r) => [r.method, r.url, r.headers[INJECTED_HEADER]])).toEqual([
      ['GET', '/a', VALUE],
      ['POST', '/b', VALUE],
      ['GET', '/c', VALUE],
    ]);
    expect(seen[1]?.body.toString()).toBe(lookalike);
    expect(new Set(seen.map((r) => r.connection)).size).toBe(1);
  });

  it('sends nothing to an upstream whose certificate it cannot verify', async () => {
    const before = upstream.requests.length;
    await through(await floor(createCa({ commonName: 'some other CA' }).certPem), async (agent) => {
      await expect(send(agent, 'GET', '/unverified')).rejects.toThrow();
    });
    expect(upstream.requests.length).toBe(before);
  });
});
