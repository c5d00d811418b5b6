import { gzipSync, zstdCompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodedForms } from '../../src/common/redact.js';
import type { UpstreamHandler } from '../support/tls-upstream.js';
import { GATEWAY_SUITES, startHarness, viaProxy, waitForAudit, type Harness } from './gateway-harness.js';

// Characters that make every wire form different: `/` and `+` in base64, `?`/`&`/space URL-encoded.
const VALUE = 'echo-TEST/val+ue?a=1&b=2 ~>>0123';
const FORMS: Record<string, string> = {
  raw: VALUE,
  base64: Buffer.from(VALUE).toString('base64'),
  base64nopad: Buffer.from(VALUE).toString('base64').replace(/=+$/, ''),
  base64url: Buffer.from(VALUE).toString('base64url'),
  url: encodeURIComponent(VALUE),
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The upstream echoes the credential it received, in the form and place the path asks for.
const handler: UpstreamHandler = async (req, res) => {
  const url = new URL(req.url ?? '/', 'https://upstream.test');
  const got = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
  const kind = url.searchParams.get('form') ?? 'raw';
  const form =
    kind === 'raw' ? got
    : kind === 'url' ? encodeURIComponent(got)
    : kind === 'base64url' ? Buffer.from(got).toString('base64url')
    : kind === 'base64nopad' ? Buffer.from(got).toString('base64').replace(/=+$/, '')
    : Buffer.from(got).toString('base64');
  if (url.pathname === '/header') {
    res.writeHead(200, { 'content-type': 'text/plain', 'x-echo': `you sent ${form}` });
    res.end('ok');
  } else if (url.pathname === '/split') {
    res.writeHead(200, { 'content-type': 'application/json' });
    const cut = Math.floor(form.length / 2);
    res.write(`{"token":"${form.slice(0, cut)}`);
    await sleep(40);
    res.end(`${form.slice(cut)}","n":1}`);
  } else if (url.pathname === '/gzip') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end(gzipSync(`{"token":"${form}"}`));
  } else if (url.pathname === '/binary') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '11' });
    res.end('binary body');
  } else if (url.pathname === '/sized' || url.pathname === '/sized-late') {
    // Identity, a Content-Length, and the echo split across two writes; `-late` sends the head
    // alone first, so the first piece of the body (ending inside the echo) is read on its own.
    const body = Buffer.from(`{"token":"${form}","n":1}`);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
    if (url.pathname === '/sized-late') {
      res.flushHeaders();
      await sleep(40);
    }
    const cut = 10 + Math.floor(form.length / 2);
    res.write(body.subarray(0, cut));
    await sleep(40);
    res.end(body.subarray(cut));
  } else if (url.pathname === '/octet') {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(`{"token":"${form}"}`);
  } else if (url.pathname === '/reason') {
    res.writeHead(400, `Bad token ${form}`, { 'content-type': 'text/plain' });
    res.end('no');
  } else if (url.pathname === '/zstd') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'zstd' });
    res.end(zstdCompressSync(`{"token":"${form}"}`));
  } else if (url.pathname === '/accept') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`accept ${req.headers['accept-encoding']}`);
  } else if (url.pathname === '/basic') {
    // The pair the gateway rebuilt around the value, echoed as it arrived.
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`pair ${String(req.headers['x-goog-api-key'] ? req.headers.authorization : '').replace(/^Basic /, '')}`);
  } else {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`before ${form} after`);
  }
};

describe.each(GATEWAY_SUITES)('echoed credentials are redacted before they reach the agent ($name)', ({ fastLane }) => {
  let h: Harness;
  let token: string;

  beforeAll(async () => {
    h = await startHarness({ handler, gateway: { fastLane } });
    token = h.addAgent('echo').token;
    h.addSecret({ name: 'echoed', type: 'api_key', value: VALUE, hostPattern: 'api.github.test' });
    h.addSecret({
      name: 'paired',
      type: 'generic',
      value: VALUE,
      hostPattern: 'api.openai.com',
      injectionConfig: { headerName: 'x-goog-api-key', valueFormat: '{value}' },
    });
  });

  afterAll(async () => {
    await h?.close();
  });

  // Kept alive (as clients do), so the fast lane takes the request when it is on.
  const get = (path: string, headers: Record<string, string> = {}) =>
    viaProxy(h.gateway.port, {
      token,
      connect: `api.github.test:${h.upstream.port}`,
      ca: h.vaultCaPem,
      path,
      headers: { connection: 'keep-alive', ...headers },
    });

  /** A form overwritten at equal length, as the gateway redacts every body. */
  const stars = (form: string): string => '*'.repeat(FORMS[form]!.length);

  function expectClean(text: string): void {
    for (const form of encodedForms(VALUE)) expect(text).not.toContain(form);
  }

    it('uses five distinct wire forms', () => {
      expect(new Set(Object.values(FORMS)).size).toBe(5);
    });

    it.each(Object.keys(FORMS))('in a text body (%s)', async (form) => {
      const res = await get(`/body?form=${form}`);
      expect(res.status).toBe(200);
      expect(res.body).toBe(`before ${stars(form)} after`);
      await waitForAudit(h, (r) => r.path === '/body?form=' && r.reason === 'credential_echo');
    });

    it.each(Object.keys(FORMS))('split across two chunks (%s)', async (form) => {
      const res = await get(`/split?form=${form}`);
      expect(res.body).toBe(`{"token":"${stars(form)}","n":1}`);
    });

    it.each(Object.keys(FORMS))('in an identity body with a Content-Length, which keeps its Content-Length and length (%s)', async (form) => {
      const res = await get(`/sized?form=${form}`);
      const expected = `{"token":"${stars(form)}","n":1}`;
      expect(res.body).toBe(expected);
      expect(res.headers['transfer-encoding']).toBeUndefined();
      expect(res.headers['content-length']).toBe(String(expected.length));
      expectClean(res.body);
      await waitForAudit(h, (r) => r.path === '/sized?form=' && r.reason === 'credential_echo' && r.bytesOut === expected.length);
    });

    it.each(Object.keys(FORMS))('in a Content-Length body whose first piece arrives alone and ends inside the echo (%s)', async (form) => {
      const res = await get(`/sized-late?form=${form}`);
      expect(res.body).toBe(`{"token":"${stars(form)}","n":1}`);
      expectClean(res.body);
    });

    it.each(Object.keys(FORMS))('in a response header (%s)', async (form) => {
      const res = await get(`/header?form=${form}`);
      expect(res.headers['x-echo']).toBe('you sent [REDACTED]');
    });

    it('in a gzip body, which the agent then gets decoded', async () => {
      const res = await get('/gzip?form=base64', { 'accept-encoding': 'gzip' });
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.body).toBe(`{"token":"${stars('base64')}"}`);
    });

    it('scans bodies of every type; one without an echo arrives byte for byte', async () => {
      const res = await get('/binary');
      expect(res.body).toBe('binary body');
      expect((await get('/octet?form=base64')).body).toBe(`{"token":"${stars('base64')}"}`);
    });

    it('redacts the status reason phrase', async () => {
      const res = await get('/reason?form=raw');
      expect(res.status).toBe(400);
      expect(res.statusMessage).toBe('Bad token [REDACTED]');
    });

    it('refuses a body in a coding it cannot decode with a gateway error, and says why in the audit row', async () => {
      const res = await get('/zstd?form=raw', { 'accept-encoding': 'zstd' });
      expect(res.status).toBe(502);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'bad_gateway' });
      expect(res.body).toContain('zstd');
      await waitForAudit(h, (r) => r.path === '/zstd?form=' && r.reason === 'unsupported_encoding' && r.status === 502);
    });

    it('asks the upstream only for codings it decodes', async () => {
      expect((await get('/accept', { 'accept-encoding': 'zstd, *' })).body).toBe('accept gzip, deflate, br');
      expect((await get('/accept')).body).toBe('accept gzip, deflate, br');
    });

    it('redacts the exact Basic pair it rebuilt around the value', async () => {
      const res = await viaProxy(h.gateway.port, {
        token,
        connect: `api.openai.com:${h.upstream.port}`,
        ca: h.vaultCaPem,
        path: '/basic',
        headers: { authorization: `Basic ${Buffer.from('someone:onecli-managed').toString('base64')}` },
      });
      expect(res.body).toMatch(/^pair \*{8,}$/);
    });

    it('never logs or audits the value', () => {
      const rows = h.rows();
      expect(rows.filter((r) => r.reason === 'credential_echo').length).toBeGreaterThanOrEqual(15);
      expectClean(JSON.stringify(rows) + h.logLines.join('\n'));
    });
});
