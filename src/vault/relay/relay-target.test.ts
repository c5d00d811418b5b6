import { describe, expect, it } from 'vitest';
import { formatHostPort, parseHostPort } from './relay-target.js';

describe('parseHostPort / formatHostPort', () => {
  it('reads names, IPv4 and bracketed IPv6 with a port, lower-casing the host', () => {
    expect(parseHostPort('Vault.Example.com:10255')).toEqual({ host: 'vault.example.com', port: 10255 });
    expect(parseHostPort(' 10.0.0.7:443 ')).toEqual({ host: '10.0.0.7', port: 443 });
    expect(parseHostPort('[fd00::1]:10255')).toEqual({ host: 'fd00::1', port: 10255 });
  });

  it('refuses what is not one address: no port, port 0 or too big, paths, schemes, bare IPv6', () => {
    for (const bad of ['vault.example.com', 'h:0', 'h:65536', 'http://h:1', 'h:1/x', 'fd00::1:10255', ':10255', '-h:1', 'a b:1']) {
      expect(parseHostPort(bad), bad).toBeNull();
    }
  });

  it('round-trips, bracketing IPv6', () => {
    for (const s of ['vault.example.com:10255', '10.0.0.7:443', '[fd00::1]:10255']) expect(formatHostPort(parseHostPort(s)!)).toBe(s);
  });
});
