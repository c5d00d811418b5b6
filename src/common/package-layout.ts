import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NanoclawError } from './errors.js';

/**
 * Where the built package keeps what runs, relative to the package root. The CLI is one bundle
 * (scripts/bundle.mjs writes it after tsc): every runner of the CLI (package.json's bin, ./ncl,
 * setup.sh, the vault image and its relay, the e2e tests, the bench) names this one path; package-layout.test.ts checks the
 * ones that cannot import it (shell scripts and package.json).
 */
export const PACKAGE_LAYOUT = {
  /** The CLI's entry; its lazily loaded parts sit beside it in chunks/. */
  cliEntry: 'dist/cli/ncl.js',
  /** tsc's output of src/main.ts: what the bundler reads. */
  compiledEntry: 'dist/src/main.js',
  /** The gateway's native TLS transport (scripts/build-native.mjs). */
  nativeAddon: 'dist/native/tls_transport.node',
  /**
   * Modules loaded by URL at run time (a worker thread's script, and what it imports by URL), by
   * name: tsc's output of each, which the bundle also writes as a file of its own beside the
   * CLI's entry (`dist/cli/<name>.js`), since a bundled chunk has no such file beside it.
   */
  loadedByUrl: {
    'pg-worker': 'dist/src/vault/store/pg-worker.js',
    'audit-chain': 'dist/src/vault/store/audit-chain.js',
    'audit-writer-worker': 'dist/src/vault/store/audit-writer-worker.js',
  },
} as const;

/**
 * The installed nanoclaw package: the nearest ancestor of `from` with a package.json named
 * "nanoclaw". Found by walking up rather than by a fixed `../..`, because the same module runs
 * from src/ (tests), dist/src/ (tsc) and dist/cli/chunks/ (the bundle).
 */
export function findPackageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    try {
      if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'nanoclaw') return dir;
    } catch {
      /* no package.json here, or not ours: keep looking */
    }
    if (dirname(dir) === dir) {
      throw new NanoclawError('package_not_found', `Cannot find the nanoclaw package above ${from}`, {
        hint: 'Run ncl from an installed nanoclaw package (npm install), or reinstall it',
      });
    }
  }
}
