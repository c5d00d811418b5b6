import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa } from './ca.js';
import { LeafCache } from './leaf-cache.js';

const DAY = 86_400_000;
const ca = createCa({ commonName: 'leaf cache test CA' });

interface Handshake {
  authorized: boolean;
  error: string | undefined;
  peerSubjectAltName: string | undefined;
  echoed: string;
}

/** Connects with `ca` as the only trust anchor and `servername` for SNI and hostname checks. */
function handshake(port: number, servername: string, trusted: string): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, ca: [trusted], rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      const result = {
        authorized: socket.authorized,
        error: socket.authorizationError?.toString(),
        peerSubjectAltName: socket.getPeerCertificate().subjectaltname,
      };
      socket.write('ping');
      socket.once('data', (data) => {
        socket.end();
        resolve({ ...result, echoed: data.toString() });
      });
    });
    socket.once('error', reject);
  });
}

describe('LeafCache over a real TLS handshake', () => {
  let server: Server;
  let port: number;
  const cache = new LeafCache({ ca });

  beforeAll(async () => {
    server = createServer(
      {
        SNICallback: (servername, cb) => {
          try {
            cb(null, cache.secureContextFor(servername));
          } catch (err) {
            cb(err as Error);
          }
        },
      },
      (socket) => socket.on('data', (d) => socket.end(`pong:${d.toString()}`)),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('presents a leaf the client trusts through the vault CA alone', async () => {
    const result = await handshake(port, 'api.github.com', ca.certPem);
    expect(result).toMatchObject({ authorized: true, error: undefined, peerSubjectAltName: 'DNS:api.github.com' });
    expect(result.echoed).toBe('pong:ping');
  });

  it('is rejected by a client that does not trust the vault CA', async () => {
    const stranger = createCa();
    const result = await handshake(port, 'api.github.com', stranger.certPem);
    expect(result.authorized).toBe(false);
    expect(result.error).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/i);
  });

  it('does not vouch for a different host than the one the leaf was made for', async () => {
    const leafPem = cache.entryFor('api.github.com').certPem;
    const leaf = new X509Certificate(leafPem);
    expect(leaf.checkHost('api.github.com.evil.test')).toBeUndefined();
    // A strict client asking for another name while the server answers with this leaf fails.
    const server2 = createServer({ SNICallback: (_n, cb) => cb(null, cache.secureContextFor('api.github.com')) }, (s) => s.end());
    await new Promise<void>((resolve) => server2.listen(0, '127.0.0.1', resolve));
    const port2 = (server2.address() as AddressInfo).port;
    try {
      const err = await new Promise<Error>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: port2, servername: 'api.github.com.evil.test', ca: [ca.certPem] });
        s.once('secureConnect', () => reject(new Error('handshake should have failed')));
        s.once('error', resolve);
      });
      expect((err as NodeJS.ErrnoException).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    } finally {
      await new Promise<void>((resolve) => server2.close(() => resolve()));
    }
  });

  it('normalizes the host and reuses one context per host', () => {
    const before = cache.issued;
    const a = cache.secureContextFor('Cached.Example.com.');
    const b = cache.secureContextFor('cached.example.com');
    expect(a).toBe(b);
    expect(cache.issued).toBe(before + 1);
  });

  it('gives distinct hosts distinct leaf keys', () => {
    const spki = (host: string) =>
      new X509Certificate(cache.entryFor(host).certPem).publicKey.export({ type: 'spki', format: 'der' }).toString('hex');
    const keys = new Set(['one.example.com', 'two.example.com', 'three.example.com'].map(spki));
    expect(keys.size).toBe(3);
  });
});

describe('LeafCache renewal and bounds', () => {
  it('re-issues a leaf once it is within the renewal buffer of expiry', () => {
    let now = Date.now();
    const cache = new LeafCache({ ca, ttlDays: 10, renewBeforeMs: 2 * DAY, now: () => now });
    const first = cache.entryFor('renew.example.com');
    now += 7 * DAY;
    expect(cache.entryFor('renew.example.com')).toBe(first);
    now += 1.5 * DAY; // 8.5 days in: inside the 2-day buffer
    const second = cache.entryFor('renew.example.com');
    expect(second).not.toBe(first);
    expect(second.notAfter.getTime()).toBeGreaterThan(first.notAfter.getTime());
    expect(new X509Certificate(second.certPem).serialNumber).not.toBe(new X509Certificate(first.certPem).serialNumber);
    expect(cache.issued).toBe(2);
  });

  it('drops the least recently used host beyond maxEntries', () => {
    const cache = new LeafCache({ ca, maxEntries: 2 });
    const a = cache.entryFor('a.example.com');
    cache.entryFor('b.example.com');
    expect(cache.entryFor('a.example.com')).toBe(a); // a is now most recent
    cache.entryFor('c.example.com'); // evicts b
    expect(cache.size).toBe(2);
    expect(cache.entryFor('a.example.com')).toBe(a);
    const issued = cache.issued;
    cache.entryFor('b.example.com');
    expect(cache.issued).toBe(issued + 1);
  });

  it('refuses a broken CA at construction and an invalid host at lookup', () => {
    expect(() => new LeafCache({ ca: { certPem: ca.certPem, keyPem: createCa().keyPem } })).toThrow(
      expect.objectContaining({ code: 'ca_invalid' }),
    );
    const cache = new LeafCache({ ca });
    expect(() => cache.secureContextFor('*.example.com')).toThrow(expect.objectContaining({ code: 'invalid_host' }));
    expect(cache.caPem).toBe(ca.certPem);
    expect(cache.caCert.ca).toBe(true);
  });

  it('looks a host up before issuing: a cached context, else an issuer; bad hosts throw first', () => {
    const cache = new LeafCache({ ca });
    cache.prepare();
    expect(cache.size).toBe(0);
    expect(cache.issued).toBe(0);
    const issue = cache.lookup('lazy.example.com');
    expect(typeof issue).toBe('function');
    expect(cache.issued).toBe(0);
    const context = (issue as () => unknown)();
    expect(cache.issued).toBe(1);
    expect(cache.lookup('LAZY.example.com.')).toBe(context);
    expect(() => cache.lookup('*.example.com')).toThrow(expect.objectContaining({ code: 'invalid_host' }));
    const expired = new LeafCache({ ca, now: () => Date.now() + 20 * 365 * DAY });
    expect(() => expired.lookup('late.example.com')).toThrow(expect.objectContaining({ code: 'ca_expired' }));
  });
});
