import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, type memorySink } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/redact.js';
import { startVault, type RunningVault } from '../../src/vault/server.js';

/** A whole vault (API, dashboard, gateway) on loopback in a temp data directory with a key file; `close` removes it all. */
export async function startTempVault(o: { sink: ReturnType<typeof memorySink>; extraCaFiles: string[]; allowPrivate: string[] }): Promise<{ vault: RunningVault; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'ncl-vault-e2e-'));
  writeFileSync(join(dir, 'master.key'), randomBytes(32).toString('hex'), { mode: 0o600 });
  const vault = await startVault({
    dataDir: join(dir, 'vault'),
    env: { NANOCLAW_VAULT_KEY_FILE: join(dir, 'master.key') },
    logger: new Logger({ level: 'debug', sink: o.sink, redactor: new Redactor() }),
    version: 'e2e',
    api: { host: '127.0.0.1', port: 0 },
    gateway: { host: '127.0.0.1', port: 0 },
    extraCaFiles: o.extraCaFiles,
    allowPrivate: o.allowPrivate,
  });
  return {
    vault,
    close: async () => {
      await vault.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
