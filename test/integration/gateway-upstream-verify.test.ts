import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTlsUpstream, type TlsUpstream } from '../support/tls-upstream.js';
import { startHarness, viaProxy, waitForAudit, type Harness } from './gateway-harness.js';

// The gateway forwards an injected request only over TLS it has verified: an upstream whose
// certificate the gateway does not trust, or that names another host, gets nothing. Runs on
// both transports (the gateway-node-tls project repeats it with Node's TLS).
const VALUE = `ghp_${'Verify0'.repeat(5)}`;

let h: Harness;
let token: string;
let untrusted: TlsUpstream;
let misnamed: TlsUpstream;

beforeAll(async () => {
  // Its own CA, which the gateway is never told about.
  untrusted = await startTlsUpstream({ hostnames: ['untrusted.test'] });
  // A CA the gateway trusts, but a certificate for another name only.
  misnamed = await startTlsUpstream({ hostnames: ['someone-else.test'] });
  h = await startHarness({
    names: { 'untrusted.test': ['127.0.0.1'], 'misnamed.test': ['127.0.0.1'] },
    extraCaPem: [misnamed.caPem],
    extraAllow: [`127.0.0.1:${untrusted.port}`, `127.0.0.1:${misnamed.port}`],
  });
  token = h.addAgent('verifier').token;
  for (const host of ['untrusted.test', 'misnamed.test']) {
    h.addSecret({ name: host, type: 'api_key', value: VALUE, hostPattern: host });
  }
});

afterAll(async () => {
  await h?.close();
  await untrusted?.close();
  await misnamed?.close();
});

describe('upstream certificate verification', () => {
  it.each([
    ['an unknown CA', 'untrusted.test', () => untrusted],
    ['a certificate for another name', 'misnamed.test', () => misnamed],
  ])('refuses an upstream with %s: 502, and the upstream never sees the request or the value', async (_what, host, server) => {
    const upstream = server();
    const res = await viaProxy(h.gateway.port, {
      token,
      connect: `${host}:${upstream.port}`,
      ca: h.vaultCaPem,
      path: '/secret-path',
    });
    expect(res.status).toBe(502);
    expect(res.body).not.toContain(VALUE);
    expect(upstream.requests).toHaveLength(0);
    const row = await waitForAudit(h, (r) => r.host === host && r.path === '/secret-path');
    expect(row.status).toBe(502);
    expect(h.logLines.join('\n')).not.toContain(VALUE);
  });
});
