import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { NanoclawError, errorMessage } from '../../common/errors.js';
import type { CaMaterial } from '../store/types.js';
import { keyIdentifier, subjectNameOf } from './x509.js';

/** A CA parsed once and checked, ready to sign many leaves without re-reading PEM. */
export interface LoadedCa extends CaMaterial {
  readonly cert: X509Certificate;
  readonly privateKey: KeyObject;
  /** The CA's subject Name, DER, byte for byte: every leaf's issuer. */
  readonly subjectDer: Buffer;
  /** The CA's key identifier: every leaf's authorityKeyIdentifier. */
  readonly keyId: Buffer;
  readonly notAfter: Date;
}

const HINT = 'The stored vault CA is unusable; remove it and restart the vault to create a new one, then relaunch agents so they trust it.';

function invalid(message: string, cause?: unknown): NanoclawError {
  return new NanoclawError('ca_invalid', message, { hint: HINT, cause });
}

/** Parses and validates CA material: a CA certificate whose EC private key matches it. */
export function loadCa(ca: CaMaterial): LoadedCa {
  let cert: X509Certificate;
  let privateKey: KeyObject;
  try {
    cert = new X509Certificate(ca.certPem);
    privateKey = createPrivateKey(ca.keyPem);
  } catch (err) {
    // errorMessage of a PEM parse error names no key material, only what went wrong.
    throw invalid(`Could not parse the vault CA: ${errorMessage(err)}`, err);
  }
  if (!cert.ca) throw invalid(`The vault CA certificate (${cert.subject}) is not a CA certificate.`);
  if (privateKey.asymmetricKeyType !== 'ec') {
    throw invalid(`The vault CA key is ${privateKey.asymmetricKeyType ?? 'unknown'}, not ECDSA P-256.`);
  }
  if (!cert.checkPrivateKey(privateKey)) {
    throw invalid('The vault CA private key does not belong to the vault CA certificate.');
  }
  return {
    certPem: ca.certPem,
    keyPem: ca.keyPem,
    cert,
    privateKey,
    subjectDer: subjectNameOf(Buffer.from(cert.raw)),
    keyId: keyIdentifier(cert.publicKey),
    notAfter: cert.validToDate,
  };
}

/** True when `ca` is already loaded (so callers can accept either form). */
export function isLoadedCa(ca: CaMaterial): ca is LoadedCa {
  return 'privateKey' in ca && 'subjectDer' in ca;
}
