import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isListening, occupiedPort } from '../../test/support/free-port.js';
import { Logger, memorySink } from '../common/logger.js';
import { Redactor } from '../common/redact.js';
import { startVault, type VaultServerOptions } from './server.js';
import { LOCK_FILE_NAME } from './store/data-dir-lock.js';

// A vault that cannot start must not stay half up: no listener, no lock, an error naming the setting.

let dir: string;
let busy: Awaited<ReturnType<typeof occupiedPort>>;
let busyPort: number;

function options(over: Partial<VaultServerOptions> = {}): VaultServerOptions {
  return {
    dataDir: join(dir, 'data'),
    env: {},
    logger: new Logger({ level: 'silent', sink: memorySink(), redactor: new Redactor() }),
    version: '0.0.0-test',
    api: { host: '127.0.0.1', port: 0 },
    gateway: { host: '127.0.0.1', port: 0 },
    settings: { apiListen: '--api-listen', gatewayListen: '--gateway-listen', dataDir: '--data-dir', extraCaCerts: 'NANOCLAW_EXTRA_CA_CERTS' },
    ...over,
  };
}

async function health(url: string) {
  const res = await fetch(`${url}/api/health`);
  return { status: res.status, body: (await res.json()) as { status: string; parts: Record<string, string> } };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-vault-startup-'));
  mkdirSync(join(dir, 'data'), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'data', 'master.key'), randomBytes(32).toString('hex'), { mode: 0o600 });
  busy = await occupiedPort();
  busyPort = busy.port;
});
afterAll(async () => {
  await busy.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('vault startup', () => {
  it('health names each part, and answers 503 once the gateway stops serving', async () => {
    const vault = await startVault(options());
    try {
      expect(await health(vault.api.url)).toEqual({ status: 200, body: expect.objectContaining({ status: 'ok', store: 'sqlite', parts: { api: 'ok', gateway: 'ok', store: 'ok' } }) });
      await vault.gateway!.close();
      expect(await health(vault.api.url)).toEqual({ status: 503, body: expect.objectContaining({ status: 'unavailable', parts: { api: 'ok', gateway: 'stopped', store: 'ok' } }) });
      // In the API's error shape, so a client says why.
      expect((await health(vault.api.url)).body).toMatchObject({ error: 'vault_unavailable', code: 'vault_unavailable', message: 'The vault is not serving: its gateway has stopped' });
    } finally {
      await vault.close();
    }
    expect(existsSync(join(dir, 'data', LOCK_FILE_NAME))).toBe(false);
  });

  it('a vault without a gateway by choice is healthy', async () => {
    const vault = await startVault(options({ gateway: false }));
    expect(await health(vault.api.url)).toMatchObject({ status: 200, body: { parts: { gateway: 'off' } } });
    await vault.close();
  });

  it('a gateway port in use: listen_failed naming the flag, and the API it had started is closed again', async () => {
    const apiPort = await freePort();
    const err = await startVault(options({ api: { host: '127.0.0.1', port: apiPort }, gateway: { host: '127.0.0.1', port: busyPort } })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'listen_failed', message: `The vault gateway cannot listen on 127.0.0.1:${busyPort}: port ${busyPort} is in use by another process` });
    expect((err as { hint: string }).hint).toContain('set --gateway-listen to a free host:port');
    expect(await isListening(apiPort)).toBe(false);
    expect(existsSync(join(dir, 'data', LOCK_FILE_NAME))).toBe(false);
    // Nothing was left holding the data directory: the next start works.
    await (await startVault(options())).close();
  });

  it('an API port in use: listen_failed naming the flag', async () => {
    const err = await startVault(options({ api: { host: '127.0.0.1', port: busyPort } })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'listen_failed' });
    expect((err as { hint: string }).hint).toContain('set --api-listen');
    expect(existsSync(join(dir, 'data', LOCK_FILE_NAME))).toBe(false);
  });

  it('a missing extra CA file fails before anything listens', async () => {
    const apiPort = await freePort();
    const err = await startVault(options({ api: { host: '127.0.0.1', port: apiPort }, extraCaFiles: [join(dir, 'missing.pem')] })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'bad_extra_ca', message: `NANOCLAW_EXTRA_CA_CERTS names ${join(dir, 'missing.pem')}, which does not exist` });
    expect(await isListening(apiPort)).toBe(false);
  });
});
