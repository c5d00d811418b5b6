import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { leafHostnames, subjectAltName } from '../support/tls-certs.js';
import { startTlsUpstream } from '../support/tls-upstream.js';

const run = promisify(execFile);

interface Fetched {
  status: number;
  body: string;
}

function fetchTls(
  url: string,
  opts: { ca?: string; agent?: Agent; servername?: string; method?: string; body?: Buffer; headers?: Record<string, string> },
): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: opts.method ?? 'GET', ca: opts.ca, agent: opts.agent, servername: opts.servername, headers: opts.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('certificate names (pure)', () => {
  it('always covers localhost and 127.0.0.1 once, and marks IPs as IP SANs', () => {
    const names = leafHostnames(['api.github.test', 'localhost', '::1']);
    expect(names).toEqual(['api.github.test', 'localhost', '::1', '127.0.0.1']);
    expect(subjectAltName(names)).toBe('DNS:api.github.test,DNS:localhost,IP:::1,IP:127.0.0.1');
  });
});

describe('startTlsUpstream', () => {
  it('serves TLS that only its own CA validates, and echoes the path', async () => {
    await using upstream = await startTlsUpstream();
    const ok = await fetchTls(`${upstream.url}/v1/ping?x=1`, { ca: upstream.caPem });
    expect(ok).toEqual({ status: 200, body: JSON.stringify({ ok: true, path: '/v1/ping?x=1' }) });
    await expect(fetchTls(`${upstream.url}/`, {})).rejects.toMatchObject({
      code: expect.stringMatching(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/),
    });
    const other = await startTlsUpstream();
    await other.close();
    await expect(fetchTls(`${upstream.url}/`, { ca: other.caPem })).rejects.toThrow();
  });

  it('records method, target, raw header case and a binary body', async () => {
    await using upstream = await startTlsUpstream();
    const body = Buffer.from([0, 1, 2, 255, 254]);
    await fetchTls(`${upstream.url}/upload`, {
      ca: upstream.caPem,
      method: 'POST',
      body,
      headers: { 'X-Api-KEY': 'test-value', 'content-type': 'application/octet-stream' },
    });
    expect(upstream.requests).toHaveLength(1);
    const [seen] = upstream.requests;
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/upload');
    expect(seen?.headers['x-api-key']).toBe('test-value');
    expect(seen?.rawHeaders).toContain('X-Api-KEY');
    expect(seen?.body.equals(body)).toBe(true);
    expect(seen?.httpVersion).toBe('1.1');
  });

  it('keeps connections alive and numbers them', async () => {
    await using upstream = await startTlsUpstream();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await fetchTls(`${upstream.url}/a`, { ca: upstream.caPem, agent });
    await fetchTls(`${upstream.url}/b`, { ca: upstream.caPem, agent });
    agent.destroy();
    await fetchTls(`${upstream.url}/c`, { ca: upstream.caPem });
    const ids = upstream.requests.map((r) => r.connection);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('is valid for the extra hostnames (SNI recorded) and no others; curl agrees', async () => {
    await using upstream = await startTlsUpstream({
      hostnames: ['api.github.test'],
      handler: (_req, res, recorded) => {
        res.writeHead(201, { 'content-type': 'text/plain' });
        res.end(`seen ${recorded.body.length}`);
      },
    });
    const named = await fetchTls(`${upstream.url}/x`, { ca: upstream.caPem, servername: 'api.github.test' });
    expect(named).toEqual({ status: 201, body: 'seen 0' });
    expect(upstream.requests[0]?.servername).toBe('api.github.test');
    await expect(
      fetchTls(`${upstream.url}/x`, { ca: upstream.caPem, servername: 'evil.test' }),
    ).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    const { stdout } = await run('curl', ['-sS', '--cacert', upstream.caFile, '--resolve',
      `api.github.test:${upstream.port}:127.0.0.1`, '-d', 'four', upstream.urlFor('api.github.test', '/curl')]);
    expect(stdout).toBe('seen 4');
  });

  it('closes its port and removes its key material on dispose', async () => {
    let port = 0;
    let dir = '';
    {
      await using upstream = await startTlsUpstream();
      port = upstream.port;
      dir = upstream.certs.dir;
      await access(upstream.certs.keyFile);
    }
    await expect(access(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(
      new Promise((resolve, reject) => connect(port, '127.0.0.1', () => resolve('open')).on('error', reject)),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
