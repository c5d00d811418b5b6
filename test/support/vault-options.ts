import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, type LogSink } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/redact.js';
import type { VaultServerOptions } from '../../src/vault/server.js';

/** A temp directory with a `data/` holding a master key file, for a vault of a test's own. */
export function vaultTestDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, 'data'), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'data', 'master.key'), randomBytes(32).toString('hex'), { mode: 0o600 });
  return dir;
}

/** `startVault` options for a vault in `dir` (see vaultTestDir), API and gateway on free loopback ports. */
export function vaultTestOptions(dir: string, sink: LogSink, more: Partial<VaultServerOptions> = {}): VaultServerOptions {
  return {
    dataDir: join(dir, 'data'),
    env: {},
    logger: new Logger({ level: 'info', sink, redactor: new Redactor() }),
    version: '0.0.0-test',
    api: { host: '127.0.0.1', port: 0 },
    gateway: { host: '127.0.0.1', port: 0 },
    ...more,
  };
}
