import { describe, expect, it } from 'vitest';
import { pick, seededRandom } from '../../../test/support/seeded-random.js';
import { parseHostPort } from '../inject/host-pattern.js';
import type { Agent } from '../model/records.js';
import type { MitmConnection } from './gateway-context.js';
import { laneHost, laneRefusal, noteServername, refusal, type RequestFacts } from './request-refusal.js';

const agent = { id: 'a1' } as Agent;
const conn = (host = 'api.pay.test', port = 443): MitmConnection => ({
  agent,
  host,
  port,
  address: '93.184.216.34',
  family: 4,
  sniMismatch: null,
  acceptedHost: null,
});
const request = (host: string | undefined, o: Partial<RequestFacts> = {}): RequestFacts => ({
  rawHeaders: host === undefined ? [] : ['Host', host],
  httpVersionMajor: 1,
  headers: { host },
  url: '/v1/x',
  ...o,
});

describe('refusal: the request-level checks of every TLS-terminated path', () => {
  it('accepts the spellings of the CONNECT host and remembers the one accepted for the lane', () => {
    const c = conn();
    expect(laneHost(c)).toBe('api.pay.test');
    for (const host of ['api.pay.test', 'API.pay.test:443', 'api.pay.test.']) expect(refusal(c, request(host))).toBeNull();
    expect(laneHost(c)).toBe('api.pay.test.');
    expect(laneHost(conn('api.pay.test', 8443))).toBe('api.pay.test:8443');
    expect(laneHost(conn('[::1]'))).toBeNull();
  });

  it.each([
    ['another host', request('evil.test'), 'host_mismatch'],
    ['another port', request('api.pay.test:8443'), 'host_mismatch'],
    ['no Host', request(undefined), 'host_mismatch'],
    ['an absolute-form target', request('api.pay.test', { url: 'https://evil.test/' }), 'bad_target'],
    ['two Host headers', request('api.pay.test', { rawHeaders: ['Host', 'api.pay.test', 'Host', 'evil.test'] }), 'bad_framing'],
  ])('refuses %s', (_what, req, reason) => {
    expect(refusal(conn(), req)).toMatchObject({ reason, decision: 'denied' });
  });

  it('refuses every request, on every path, once the TLS name differed from the CONNECT host', () => {
    const c = conn();
    noteServername(c, 'api.pay.test');
    noteServername(c, '');
    expect(c.sniMismatch).toBeNull();
    noteServername(c, 'evil.test');
    expect(refusal(c, request('api.pay.test', { rawHeaders: ['Host', 'a', 'Host', 'b'] }))).toMatchObject({ reason: 'sni_mismatch', error: { status: 421 } });
    expect(laneRefusal(c, '/')).toMatchObject({ reason: 'sni_mismatch' });
  });

  it('gives the lane only a Host spelling the full check accepts, for generated hosts and ports, so the lane checks the target alone', () => {
    const r = seededRandom(1511);
    const label = () => Array.from({ length: 1 + Math.floor(r() * 10) }, () => pick(r, [...'abcdefghijklmnopqrstuvwxyz0123456789-'])).join('').replace(/^-|-$/g, 'x');
    let checked = 0;
    for (let i = 0; i < 300; i++) {
      // As the CONNECT handler parses its target (a name in any case, a number as an address).
      const authority = `${Array.from({ length: 1 + Math.floor(r() * 4) }, label).join('.')}${r() < 0.2 ? '.' : ''}:${r() < 0.3 ? 443 : 1 + Math.floor(r() * 65_535)}`;
      const parsed = parseHostPort(r() < 0.3 ? authority.toUpperCase() : authority, 443);
      if (!parsed) continue;
      const { host, port } = parsed;
      const c = conn(host, port);
      const spelled = laneHost(c);
      expect(refusal(c, request(spelled!)), `${host}:${port}`).toBeNull();
      // Asked again (the spelling refusal remembered, or the same one built again), it is the same.
      expect(laneHost(c)).toBe(spelled);
      expect(laneRefusal(c, '/v1/x')).toBeNull();
      expect(laneRefusal(c, pick(r, ['*', 'https://evil.test/', '', 'x/y']))).toMatchObject({ reason: 'bad_target' });
      checked++;
    }
    expect(checked).toBeGreaterThan(250);
  });
});
