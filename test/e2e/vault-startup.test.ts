import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isListening, occupiedPort } from '../support/free-port.js';
import { runCli, startCli } from './cli-run.js';

// `ncl vault serve` that cannot start exits 1 with an error naming the setting to fix and leaves
// nothing listening; commands that change the data directory refuse while a vault holds it.

let dir: string;
let env: NodeJS.ProcessEnv;
let busy: Awaited<ReturnType<typeof occupiedPort>>;
let busyPort: number;

async function serveFails(extraEnv: Record<string, string>, args: string[] = []) {
  const apiPort = await freePort();
  const r = await runCli(['vault', 'serve', '--api-listen', `127.0.0.1:${apiPort}`, '--gateway-listen', '127.0.0.1:0', ...args], { cwd: dir, env: { ...env, ...extraEnv } });
  const lines = r.stderr.trim().split('\n');
  return { ...r, error: JSON.parse(lines[lines.length - 1]!) as { code: string; message: string; hint: string }, apiUp: await isListening(apiPort) };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-e2e-startup-'));
  env = { PATH: process.env.PATH, HOME: join(dir, 'home'), NANOCLAW_VAULT_DIR: join(dir, 'vault'), LOG_LEVEL: 'info' };
  busy = await occupiedPort();
  busyPort = busy.port;
});
afterAll(async () => {
  await busy.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ncl vault serve that cannot start', () => {
  it('NANOCLAW_EXTRA_CA_CERTS naming a missing file: exit 1, the setting and file named, nothing listening', async () => {
    const r = await serveFails({ NANOCLAW_EXTRA_CA_CERTS: join(dir, 'nope.pem') });
    expect(r.code).toBe(1);
    expect(r.error).toMatchObject({ code: 'bad_extra_ca', message: `NANOCLAW_EXTRA_CA_CERTS names ${join(dir, 'nope.pem')}, which does not exist` });
    expect(r.stderr).not.toContain('bug');
    expect(r.apiUp).toBe(false);
  });

  it('NANOCLAW_EXTRA_CA_CERTS naming a file that is not a certificate', async () => {
    writeFileSync(join(dir, 'bad.pem'), '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n');
    const r = await serveFails({ NANOCLAW_EXTRA_CA_CERTS: join(dir, 'bad.pem') });
    expect(r.code).toBe(1);
    expect(r.error.message).toBe(`NANOCLAW_EXTRA_CA_CERTS names ${join(dir, 'bad.pem')}, which is not usable: certificate 1 of 1 is not a valid X.509 certificate`);
    expect(r.apiUp).toBe(false);
  });

  it('a gateway port in use: exit 1, --gateway-listen named, the API closed again', async () => {
    const r = await serveFails({}, ['--gateway-listen', `127.0.0.1:${busyPort}`]);
    expect(r.code).toBe(1);
    expect(r.error.code).toBe('listen_failed');
    expect(r.error.message).toContain(`port ${busyPort} is in use`);
    expect(r.error.hint).toContain('--gateway-listen');
    expect(r.apiUp).toBe(false);
  });

  it('an API port in use from .env-style settings: NANOCLAW_VAULT_LISTEN named', async () => {
    const r = await runCli(['vault', 'serve', '--gateway-listen', '127.0.0.1:0'], { cwd: dir, env: { ...env, NANOCLAW_VAULT_LISTEN: `127.0.0.1:${busyPort}` } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('"code":"listen_failed"');
    expect(r.stderr).toContain('set NANOCLAW_VAULT_LISTEN to a free host:port');
  });

  it('a data directory it cannot create: exit 1, NANOCLAW_VAULT_DIR named', async () => {
    writeFileSync(join(dir, 'a-file'), '');
    const r = await serveFails({ NANOCLAW_VAULT_DIR: join(dir, 'a-file', 'vault') });
    expect(r.code).toBe(1);
    expect(r.error.code).toBe('data_dir_unwritable');
    expect(r.error.hint).toContain('Set NANOCLAW_VAULT_DIR');
    expect(r.apiUp).toBe(false);
  });
});

describe('commands that change the data directory while `ncl vault serve` holds it', () => {
  it('restore and rotate-api-key refuse, naming the vault process; after it stops they run', async () => {
    const vault = await startCli(['vault', 'serve', '--api-listen', '127.0.0.1:0', '--gateway-listen', '127.0.0.1:0'], { cwd: dir, env, ready: /Vault API listening on/ });
    try {
      for (const args of [['vault', 'rotate-api-key'], ['vault', 'restore', join(dir, 'backup.json'), '--passphrase-stdin']]) {
        writeFileSync(join(dir, 'backup.json'), '{}');
        const r = await runCli(args, { cwd: dir, env, input: 'a-long-passphrase\n' });
        expect(r.code, r.stderr).toBe(1);
        const err = JSON.parse(r.stderr.trim().split('\n').pop()!) as { code: string; message: string; hint: string };
        expect(err.code).toBe('vault_in_use');
        expect(err.message).toMatch(/in use by process \d+ \(ncl vault serve --api-listen 127\.0\.0\.1:0/);
      }
    } finally {
      await vault.stop();
    }
    const rotated = await runCli(['vault', 'rotate-api-key'], { cwd: dir, env });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.json).toMatchObject({ rotated: true });
  });
});
