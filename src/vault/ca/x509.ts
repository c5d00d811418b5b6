import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { NanoclawError } from '../../common/errors.js';
import { children, readElement } from './der-read.js';
import * as der from './der.js';

/** X.509 v3 certificate assembly (RFC 5280 4.1), signed with ECDSA / SHA-256. */

const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const OID_COMMON_NAME = '2.5.4.3';
const OID_ORGANIZATION = '2.5.4.10';

export interface CertificateSpec {
  /** Positive, at most 20 bytes (RFC 5280 4.1.2.2). */
  serial: Buffer;
  /** DER Name of the issuer; for a leaf, the CA's subject byte for byte. */
  issuer: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** The subject's public key, or its SubjectPublicKeyInfo DER when already exported. */
  subjectPublicKey: KeyObject | Buffer;
  /** The issuer's private key (the subject's own key for a self-signed CA). */
  signingKey: KeyObject;
  /** DER `Extension` elements (see extensions.ts). */
  extensions: Buffer[];
}

/** A random, non-zero 128-bit serial; `der.integer` keeps it positive (at most 17 bytes encoded). */
export function randomSerial(): Buffer {
  for (;;) {
    const serial = randomBytes(16);
    if (serial.some((b) => b !== 0)) return serial;
  }
}

/** A DER Name of one CN (and optionally one O) attribute; an empty Name when neither is given. */
export function buildName(opts: { commonName?: string; organization?: string }): Buffer {
  const rdns: Buffer[] = [];
  const attr = (type: string, value: string) =>
    der.set(der.sequence(der.oid(type), der.utf8String(value)));
  if (opts.organization) rdns.push(attr(OID_ORGANIZATION, opts.organization));
  if (opts.commonName) rdns.push(attr(OID_COMMON_NAME, opts.commonName));
  return der.sequence(...rdns);
}

/** The key identifier of RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(publicKey: KeyObject | Buffer): Buffer {
  const spki = readElement(Buffer.isBuffer(publicKey) ? publicKey : publicKey.export({ type: 'spki', format: 'der' }));
  const bits = children(spki)[1];
  if (!bits || bits.tag !== der.TAG.bitString) throw new RangeError('malformed SubjectPublicKeyInfo');
  return createHash('sha1').update(bits.content.subarray(1)).digest();
}

/** Builds and signs a certificate; returns its DER. */
export function buildCertificate(spec: CertificateSpec): Buffer {
  if (spec.signingKey.asymmetricKeyType !== 'ec') {
    throw new NanoclawError('ca_invalid', 'The vault CA key is not an EC key; only ECDSA P-256 is supported.', {
      hint: 'Let the vault create a new CA (delete the stored CA, then restart the vault).',
    });
  }
  if (spec.notAfter.getTime() <= spec.notBefore.getTime()) {
    throw new RangeError('certificate notAfter must be later than notBefore');
  }
  const algorithm = der.sequence(der.oid(OID_ECDSA_WITH_SHA256));
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)), // v3
    der.integer(spec.serial),
    algorithm,
    spec.issuer,
    der.sequence(der.time(spec.notBefore), der.time(spec.notAfter)),
    spec.subject,
    Buffer.isBuffer(spec.subjectPublicKey)
      ? spec.subjectPublicKey
      : spec.subjectPublicKey.export({ type: 'spki', format: 'der' }),
    der.explicit(3, der.sequence(...spec.extensions)),
  );
  // node:crypto emits a DER ECDSA-Sig-Value for EC keys by default, which is what X.509 wants.
  const signature = sign('sha256', tbs, spec.signingKey);
  return der.sequence(tbs, algorithm, der.bitString(signature));
}

/** PEM armour with 64-column lines (RFC 7468). */
export function toPem(derBytes: Buffer, label = 'CERTIFICATE'): string {
  const body = derBytes.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/** The subject Name of a DER certificate, byte for byte (the issuer field its leaves must carry). */
export function subjectNameOf(certDer: Buffer): Buffer {
  const tbs = children(readElement(certDer))[0];
  const fields = tbs ? children(tbs) : [];
  // tbs: [0] version, serial, signature, issuer, validity, subject, ...
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[offset + 4];
  if (!subject || subject.tag !== der.TAG.sequence) throw new RangeError('malformed certificate');
  return Buffer.from(subject.raw);
}
