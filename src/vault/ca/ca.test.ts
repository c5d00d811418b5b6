import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCa, issueLeaf } from './ca.js';
import { loadCa } from './load-ca.js';

const dir = mkdtempSync(join(tmpdir(), 'nanoclaw-ca-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const ca = createCa({ commonName: 'test vault CA' });
const caCert = new X509Certificate(ca.certPem);

describe('createCa', () => {
  it('makes a self-signed P-256 CA certificate valid for about ten years', () => {
    expect(caCert.ca).toBe(true);
    expect(caCert.subject).toContain('CN=test vault CA');
    expect(caCert.issuer).toBe(caCert.subject);
    expect(caCert.verify(caCert.publicKey)).toBe(true);
    expect(caCert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(caCert.checkPrivateKey(createPrivateKey(ca.keyPem))).toBe(true);
    const years = (caCert.validToDate.getTime() - Date.now()) / (365.25 * 86_400_000);
    expect(years).toBeGreaterThan(9.9);
    expect(years).toBeLessThan(10.1);
    const backdated = Date.now() - caCert.validFromDate.getTime();
    expect(backdated).toBeGreaterThan(3_590_000);
    expect(backdated).toBeLessThan(3_700_000);
  });

  it('carries the CA extensions openssl expects', () => {
    const text = openssl('x509', '-in', file('ca.pem', ca.certPem), '-noout', '-text');
    expect(text).toMatch(/Version: 3/);
    expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toMatch(/X509v3 Subject Key Identifier:/);
    expect(text).toMatch(/X509v3 Authority Key Identifier:/);
    expect(openssl('verify', '-CAfile', file('ca-self.pem', ca.certPem), file('ca-leaf.pem', ca.certPem))).toMatch(/OK/);
  });

  it('uses a different random 128-bit serial each time', () => {
    const other = new X509Certificate(createCa().certPem);
    expect(other.serialNumber).not.toBe(caCert.serialNumber);
    expect(BigInt(`0x${caCert.serialNumber}`)).toBeGreaterThan(0n);
    expect(caCert.serialNumber.replace(/^00/, '').length).toBeLessThanOrEqual(32);
  });

  it('switches to GeneralizedTime for dates from 2050 on', () => {
    const late = createCa({ now: new Date('2045-06-01T00:00:00Z'), validDays: 3650 });
    const cert = new X509Certificate(late.certPem);
    expect(cert.validFromDate.toISOString()).toBe('2045-05-31T23:00:00.000Z');
    expect(cert.validToDate.getUTCFullYear()).toBe(2055);
    const asn1 = openssl('asn1parse', '-in', file('late.pem', late.certPem));
    expect(asn1).toMatch(/UTCTIME\s+:450531230000Z/);
    expect(asn1).toMatch(/GENERALIZEDTIME\s+:2055\d{10}Z/);
  });
});

describe('issueLeaf', () => {
  it('issues a leaf for exactly one host that node and openssl both accept', () => {
    const leaf = issueLeaf({ ca, host: 'API.GitHub.com.' });
    const cert = new X509Certificate(leaf.certPem);
    expect(cert.subject).toBe('CN=api.github.com');
    expect(cert.subjectAltName).toBe('DNS:api.github.com');
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkHost('api.github.com')).toBe('api.github.com');
    expect(cert.checkHost('evil-api.github.com')).toBeUndefined();
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(createPrivateKey(leaf.keyPem).asymmetricKeyType).toBe('ec');
    expect(Math.abs(leaf.notAfter.getTime() - cert.validToDate.getTime())).toBe(0);

    const leafPath = file('leaf.pem', leaf.certPem);
    const text = openssl('x509', '-in', leafPath, '-noout', '-text');
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature/);
    expect(text).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Server Authentication/);
    expect(text).toMatch(/DNS:api\.github\.com/);
    const caPath = file('ca-for-leaf.pem', ca.certPem);
    expect(openssl('verify', '-CAfile', caPath, '-purpose', 'sslserver', '-verify_hostname', 'api.github.com', leafPath)).toMatch(/: OK/);
    expect(() => openssl('verify', '-CAfile', caPath, '-verify_hostname', 'api.github.com.evil.test', leafPath)).toThrow();
  });

  it('puts an IP literal in an iPAddress SAN (v4 and v6)', () => {
    const v4 = new X509Certificate(issueLeaf({ ca, host: '10.1.2.3' }).certPem);
    expect(v4.subjectAltName).toBe('IP Address:10.1.2.3');
    expect(v4.checkIP('10.1.2.3')).toBe('10.1.2.3');
    const v6 = new X509Certificate(issueLeaf({ ca, host: '[2001:db8::ffff:1.2.3.4]' }).certPem);
    expect(v6.checkIP('2001:db8::ffff:102:304')).toBe('2001:db8::ffff:102:304');
    const v6b = issueLeaf({ ca, host: '::1' }).certPem;
    expect(openssl('verify', '-CAfile', file('ca-ip.pem', ca.certPem), '-verify_ip', '::1', file('v6.pem', v6b))).toMatch(/OK/);
  });

  it('gives every host its own key, never the CA key', () => {
    const a = new X509Certificate(issueLeaf({ ca, host: 'a.example.com' }).certPem);
    const b = new X509Certificate(issueLeaf({ ca, host: 'b.example.com' }).certPem);
    const spki = (c: X509Certificate) => c.publicKey.export({ type: 'spki', format: 'der' }).toString('hex');
    expect(spki(a)).not.toBe(spki(b));
    expect(spki(a)).not.toBe(spki(caCert));
  });

  it('keeps long host names out of the CN and makes the SAN critical', () => {
    const host = `${'a'.repeat(60)}.${'b'.repeat(60)}.example.com`;
    const cert = new X509Certificate(issueLeaf({ ca, host }).certPem);
    expect(cert.subject ?? '').toBe('');
    expect(cert.checkHost(host)).toBe(host);
    expect(openssl('x509', '-in', file('long.pem', cert.toString()), '-noout', '-text')).toMatch(/Subject Alternative Name: critical/);
  });

  it('caps a leaf at the CA expiry and refuses once the CA has expired', () => {
    const shortCa = createCa({ validDays: 2 });
    const leaf = issueLeaf({ ca: shortCa, host: 'x.example.com', validDays: 30 });
    expect(leaf.notAfter.getTime()).toBeLessThanOrEqual(loadCa(shortCa).notAfter.getTime());
    expect(() => issueLeaf({ ca: shortCa, host: 'x.example.com', now: new Date(Date.now() + 3 * 86_400_000) })).toThrow(
      expect.objectContaining({ code: 'ca_expired' }),
    );
  });

  it('refuses wildcards, ports, paths and empty hosts', () => {
    for (const host of ['*.example.com', 'example.com:443', 'example.com/x', '', 'exa mple.com', 'a..b']) {
      expect(() => issueLeaf({ ca, host }), host).toThrow(expect.objectContaining({ code: 'invalid_host' }));
    }
  });

  it('rejects CA material whose key does not belong to the certificate', () => {
    const other = createCa();
    expect(() => issueLeaf({ ca: { certPem: ca.certPem, keyPem: other.keyPem }, host: 'x.example.com' })).toThrow(
      expect.objectContaining({ code: 'ca_invalid' }),
    );
    const leaf = issueLeaf({ ca, host: 'x.example.com' });
    expect(() => loadCa(leaf)).toThrow(expect.objectContaining({ code: 'ca_invalid' }));
  });
});
