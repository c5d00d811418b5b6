import { describe, expect, it } from 'vitest';
import { hostMatches, isValidHost, normalizeHost, parseHostPort } from './host-pattern.js';

describe('normalizeHost', () => {
  it('lower-cases, strips one trailing dot and IPv6 brackets', () => {
    expect(normalizeHost('API.GitHub.COM.')).toBe('api.github.com');
    expect(normalizeHost('[::1]')).toBe('::1');
    expect(normalizeHost(' example.com ')).toBe('example.com');
    expect(normalizeHost('example.com..')).toBe('example.com..');
  });
});

describe('hostMatches', () => {
  it('matches an exact pattern, whatever the case or a trailing dot', () => {
    expect(hostMatches('api.github.com', 'api.github.com')).toBe(true);
    expect(hostMatches('api.github.com', 'API.GITHUB.COM')).toBe(true);
    expect(hostMatches('api.github.com', 'api.github.com.')).toBe(true);
    expect(hostMatches('API.github.com.', 'api.github.com')).toBe(true);
  });

  it('never matches a neighbouring host', () => {
    for (const host of [
      'api.github.com.evil.test',
      'evil-api.github.com',
      'evilapi.github.com',
      'github.com',
      'x.api.github.com',
      'api.github.co',
      'api.github.com..',
      'api.github.com:443',
      'api.github.com/x',
      'api.github.com@evil.test',
      '',
    ]) {
      expect(hostMatches('api.github.com', host), host).toBe(false);
    }
  });

  it('matches subdomains at any depth under *. but not the apex', () => {
    expect(hostMatches('*.googleapis.com', 'gmail.googleapis.com')).toBe(true);
    expect(hostMatches('*.googleapis.com', 'a.b.googleapis.com')).toBe(true);
    expect(hostMatches('*.googleapis.com', 'GMAIL.GoogleAPIs.com.')).toBe(true);
    expect(hostMatches('*.googleapis.com', 'googleapis.com')).toBe(false);
    expect(hostMatches('*.googleapis.com', 'evilgoogleapis.com')).toBe(false);
    expect(hostMatches('*.googleapis.com', 'googleapis.com.evil.test')).toBe(false);
    expect(hostMatches('*.googleapis.com', '.googleapis.com')).toBe(false);
    expect(hostMatches('*.googleapis.com', 'a..googleapis.com')).toBe(false);
  });

  it('matches the apex and its subdomains under a leading dot', () => {
    expect(hostMatches('.github.com', 'github.com')).toBe(true);
    expect(hostMatches('.github.com', 'api.github.com')).toBe(true);
    expect(hostMatches('.github.com', 'A.B.GitHub.com.')).toBe(true);
    expect(hostMatches('.github.com', 'evilgithub.com')).toBe(false);
    expect(hostMatches('.github.com', 'github.com.evil.test')).toBe(false);
    expect(hostMatches('.github.com', 'github.co')).toBe(false);
    expect(hostMatches('.github.com', '.github.com')).toBe(false);
    expect(hostMatches('.0.0.1', '10.0.0.1')).toBe(false);
  });

  it('treats a bare * or a malformed pattern as matching nothing', () => {
    expect(hostMatches('*', 'example.com')).toBe(false);
    expect(hostMatches('*.', 'example.com')).toBe(false);
    expect(hostMatches('*.com.', 'example.evil')).toBe(false);
    expect(hostMatches('a.*.com', 'a.b.com')).toBe(false);
  });

  it('matches IP literals only exactly', () => {
    expect(hostMatches('10.0.0.1', '10.0.0.1')).toBe(true);
    expect(hostMatches('::1', '[::1]')).toBe(true);
    expect(hostMatches('*.0.0.1', '10.0.0.1')).toBe(false);
  });
});

describe('isValidHost', () => {
  it('refuses names a resolver might read as a number', () => {
    expect(isValidHost('2130706433')).toBe(false);
    expect(isValidHost('127.1')).toBe(false);
    expect(isValidHost('0x7f.1')).toBe(false);
    expect(isValidHost('127.0.0.1')).toBe(true);
    expect(isValidHost('my_host.internal')).toBe(true);
    expect(isValidHost(`${'a'.repeat(64)}.com`)).toBe(false);
  });
});

describe('parseHostPort', () => {
  it('parses host:port, [v6]:port and a bare host', () => {
    expect(parseHostPort('api.github.com:443', 80)).toEqual({ host: 'api.github.com', port: 443 });
    expect(parseHostPort('API.GitHub.com.:8443', 80)).toEqual({ host: 'api.github.com', port: 8443 });
    expect(parseHostPort('[2001:db8::1]:443', 80)).toEqual({ host: '2001:db8::1', port: 443 });
    expect(parseHostPort('[::1]', 443)).toEqual({ host: '::1', port: 443 });
    expect(parseHostPort('example.com', 80)).toEqual({ host: 'example.com', port: 80 });
    expect(parseHostPort('10.0.0.1:22', 80)).toEqual({ host: '10.0.0.1', port: 22 });
  });

  it('rejects garbage', () => {
    for (const bad of [
      '',
      ':443',
      'example.com:',
      'example.com:0',
      'example.com:65536',
      'example.com:+443',
      'example.com:44 3',
      'example.com:443:1',
      '::1:443',
      '[::1',
      '[example.com]:443',
      '[::1]443',
      'user@example.com:443',
      'example.com/path:443',
      'exa mple.com:443',
      'example.com\r\n:443',
      '*.example.com:443',
      '[fe80::1%25eth0]:443',
      '2130706433:80',
      'a..b:443',
    ]) {
      expect(parseHostPort(bad, 443), JSON.stringify(bad)).toBeNull();
    }
  });
});
