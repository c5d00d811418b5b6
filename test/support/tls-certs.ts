import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NanoclawError, errorMessage } from '../../src/common/errors.js';

const run = promisify(execFile);

export interface TestCertificates {
  dir: string;
  /** PEM of the test CA: what a client (or NANOCLAW_EXTRA_CA_CERTS) must trust. */
  caPem: string;
  caFile: string;
  certPem: string;
  certFile: string;
  keyPem: string;
  keyFile: string;
  /** Names the leaf is valid for (always includes localhost and 127.0.0.1). */
  hostnames: string[];
}

export interface MakeTestCertificatesOptions {
  hostnames?: string[];
  /** Where to write the files (default: a fresh temp dir the caller removes). */
  dir?: string;
}

/** Leaf names: the given ones plus localhost and 127.0.0.1, without duplicates. */
export function leafHostnames(hostnames: string[] = []): string[] {
  return [...new Set([...hostnames, 'localhost', '127.0.0.1'])];
}

/** The `subjectAltName` value for `hostnames`: `IP:` for addresses, `DNS:` for names. */
export function subjectAltName(hostnames: string[]): string {
  return hostnames.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
}

/** An OpenSSL config with a CA profile and a TLS server leaf profile for `hostnames`. */
export function opensslConfig(hostnames: string[]): string {
  return [
    '[req]', 'distinguished_name = dn', '[dn]',
    '[ca]',
    'basicConstraints = critical, CA:TRUE, pathlen:0',
    'keyUsage = critical, keyCertSign, cRLSign',
    'subjectKeyIdentifier = hash',
    '[leaf]',
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = serverAuth',
    `subjectAltName = ${subjectAltName(hostnames)}`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
    '',
  ].join('\n');
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new NanoclawError('openssl_failed', `openssl ${args[0]} failed: ${stderr.trim() || errorMessage(err)}`, {
      hint: 'apt-get install -y openssl (.ci/run installs it)',
      cause: err,
    });
  }
}

/**
 * Generates a throwaway CA and a server certificate for `hostnames` with the openssl CLI
 * (ECDSA P-256, valid 7 days). Every call makes a new CA, so tests never share trust.
 */
export async function makeTestCertificates(
  options: MakeTestCertificatesOptions = {},
): Promise<TestCertificates> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'nanoclaw-tls-')));
  const hostnames = leafHostnames(options.hostnames);
  await writeFile(join(dir, 'openssl.cnf'), opensslConfig(hostnames));
  const ec = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  const tag = randomBytes(4).toString('hex');
  await openssl(dir, ['genpkey', ...ec, '-out', 'ca.key']);
  await openssl(dir, ['req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '7',
    '-subj', `/CN=nanoclaw test CA ${tag}`, '-config', 'openssl.cnf', '-extensions', 'ca', '-out', 'ca.pem']);
  await openssl(dir, ['genpkey', ...ec, '-out', 'server.key']);
  await openssl(dir, ['req', '-new', '-key', 'server.key', '-subj', `/CN=${hostnames[0]}`,
    '-config', 'openssl.cnf', '-out', 'server.csr']);
  await openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
    '-set_serial', `0x${randomBytes(12).toString('hex')}`, '-days', '7', '-sha256',
    '-extfile', 'openssl.cnf', '-extensions', 'leaf', '-out', 'server.pem']);
  const file = (name: string) => join(dir, name);
  return {
    dir,
    caPem: await readFile(file('ca.pem'), 'utf8'),
    caFile: file('ca.pem'),
    certPem: await readFile(file('server.pem'), 'utf8'),
    certFile: file('server.pem'),
    keyPem: await readFile(file('server.key'), 'utf8'),
    keyFile: file('server.key'),
    hostnames,
  };
}
