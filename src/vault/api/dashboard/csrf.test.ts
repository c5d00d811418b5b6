import { describe, expect, it } from 'vitest';
import { parseCookies, setCookie } from './cookies.js';
import { sameOrigin, tokensEqual } from './csrf.js';

describe('tokensEqual', () => {
  it('accepts only the exact token', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true);
    expect(tokensEqual('abd', 'abc')).toBe(false);
    expect(tokensEqual('abcd', 'abc')).toBe(false);
  });

  it('refuses missing and empty tokens, even against an empty expectation', () => {
    expect(tokensEqual(undefined, 'abc')).toBe(false);
    expect(tokensEqual('', 'abc')).toBe(false);
    expect(tokensEqual('', '')).toBe(false);
  });
});

describe('sameOrigin', () => {
  const host = '127.0.0.1:10254';

  it('accepts the dashboard origin and a request without Origin or Referer', () => {
    expect(sameOrigin({ host, origin: 'http://127.0.0.1:10254' })).toBe(true);
    expect(sameOrigin({ host, referer: 'http://127.0.0.1:10254/dashboard/secrets' })).toBe(true);
    expect(sameOrigin({ host })).toBe(true);
  });

  it('refuses other sites, other ports, opaque origins and junk', () => {
    expect(sameOrigin({ host, origin: 'http://evil.example' })).toBe(false);
    expect(sameOrigin({ host, origin: 'http://127.0.0.1:9999' })).toBe(false);
    expect(sameOrigin({ host, origin: 'null' })).toBe(false);
    expect(sameOrigin({ host, referer: 'not a url' })).toBe(false);
    expect(sameOrigin({ host, referer: 'file:///etc/passwd' })).toBe(false);
  });

  it('trusts Origin over Referer', () => {
    expect(sameOrigin({ host, origin: 'http://evil.example', referer: `http://${host}/dashboard` })).toBe(false);
  });

  it('refuses a request without a Host header', () => {
    expect(sameOrigin({ origin: 'http://127.0.0.1:10254' })).toBe(false);
  });
});

describe('cookies', () => {
  it('parses a Cookie header, first name wins', () => {
    const c = parseCookies('a=1; ncl_dashboard=xyz; a=2;junk; b = 3 ');
    expect(c.get('a')).toBe('1');
    expect(c.get('ncl_dashboard')).toBe('xyz');
    expect(c.get('b')).toBe('3');
    expect(parseCookies(undefined).size).toBe(0);
  });

  it('sets HttpOnly, SameSite=Strict and the /dashboard path', () => {
    const v = setCookie('ncl_dashboard', 'abc', 60);
    expect(v).toBe('ncl_dashboard=abc; HttpOnly; SameSite=Strict; Path=/dashboard; Max-Age=60');
    expect(setCookie('x', 'y', 1, true)).toMatch(/; Secure$/);
  });
});
