import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger, memorySink } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/redact.js';
import { KEYRING_SERVICE, keyringAccount } from '../../src/vault/store/keyring-backend.js';
import { resolveMasterKey } from '../../src/vault/store/master-key.js';
import { openStore } from '../../src/vault/store/store.js';
import { startSecretService, type StartedSecretService } from '../support/secret-service.js';

// A second Node process resolving the key, run from the TypeScript sources by Node's type
// stripping (the hook maps `.js` imports to the `.ts` files). It prints the key's SHA-256 only.
const RESOLVER = `
import { registerHooks } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
registerHooks({ resolve(spec, ctx, next) {
  if (spec.startsWith('.') && spec.endsWith('.js') && ctx.parentURL?.startsWith('file:')
      && !existsSync(fileURLToPath(new URL(spec, ctx.parentURL)))) return next(spec.slice(0, -3) + '.ts', ctx);
  return next(spec, ctx);
} });
const job = JSON.parse(process.env.JOB);
const { resolveMasterKey } = await import(job.masterKeyModule);
const { Logger } = await import(job.loggerModule);
const got = await resolveMasterKey({ env: process.env, dataDir: job.dataDir, logger: new Logger({ level: 'info' }) });
process.stdout.write(JSON.stringify({ source: got.source, sha: createHash('sha256').update(got.key).digest('hex') }) + '\\n');
`;

const sha = (key: Buffer) => createHash('sha256').update(key).digest('hex');
const run = promisify(execFile);

/** Resolves the key in a fresh process with `env`; returns what it printed and logged. */
function resolveInChild(dataDir: string, env: NodeJS.ProcessEnv): Promise<{ source: string; sha: string; stderr: string }> {
  const job = {
    dataDir,
    masterKeyModule: new URL('../../src/vault/store/master-key.ts', import.meta.url).href,
    loggerModule: new URL('../../src/common/logger.ts', import.meta.url).href,
  };
  const childEnv: NodeJS.ProcessEnv = { ...env, JOB: JSON.stringify(job) };
  delete childEnv.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', RESOLVER], { env: childEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`resolver exited ${code}: ${stderr}`));
      resolve({ ...(JSON.parse(stdout) as { source: string; sha: string }), stderr });
    });
  });
}

const onPath = (bin: string) =>
  (process.env.PATH ?? '').split(delimiter).some((d) => {
    try {
      accessSync(join(d, bin), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

let service: StartedSecretService;
const dirs: string[] = [];
const newDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ncl-keyring-'));
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  service = await startSecretService();
});
afterAll(async () => {
  await service?.[Symbol.asyncDispose]();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('vault master key and the OS keyring', () => {
  it('keeps the key in a real Secret Service: same key twice, nothing in the data dir, seen by other processes', async () => {
    const dataDir = newDir();
    const sink = memorySink();
    const logger = new Logger({ level: 'debug', sink });
    const first = await resolveMasterKey({ env: {}, dataDir, logger });
    const second = await resolveMasterKey({ env: {}, dataDir, logger });
    expect(first.source).toBe('keyring');
    expect(second.source).toBe('keyring');
    expect(second.key.equals(first.key)).toBe(true);
    expect(readdirSync(dataDir)).toEqual([]);
    expect(sink.lines).toEqual([]);

    // Another process on the same bus reads the same key back.
    const other = await resolveInChild(dataDir, { ...process.env, ...service.env });
    expect(other).toMatchObject({ source: 'keyring', sha: sha(first.key) });
    if (onPath('secret-tool')) {
      const { stdout } = await run('secret-tool', ['lookup', 'service', KEYRING_SERVICE, 'username', keyringAccount(dataDir)], { env: { ...process.env, ...service.env } });
      expect(stdout.trim()).toBe(first.key.toString('hex'));
    }

    // A vault made with it opens again with the key from the keyring.
    const value = `keyring-${randomBytes(8).toString('hex')}`;
    const store = openStore({ path: join(dataDir, 'vault.db'), masterKey: first.key, redactor: new Redactor() });
    const id = store.secrets.create({ name: 'K', type: 'api_key', value, hostPattern: 'k.test' }).id;
    store.close();
    const again = await resolveMasterKey({ env: {}, dataDir, logger });
    const reopened = openStore({ path: join(dataDir, 'vault.db'), masterKey: again.key, redactor: new Redactor() });
    expect(reopened.secrets.reveal(id)).toBe(value);
    reopened.close();
    expect(readdirSync(dataDir).filter((f) => f.includes('key'))).toEqual([]);
  });

  it('without a reachable Secret Service falls back to a 0600 master.key and warns once', async () => {
    const dataDir = newDir();
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    const first = await resolveInChild(dataDir, env);
    expect(first.source).toBe('file');
    const file = join(dataDir, 'master.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(sha(Buffer.from(readFileSync(file, 'utf8').trim(), 'hex'))).toBe(first.sha);
    const warnings = first.stderr.split('\n').filter((l) => / WARN /.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/No usable OS keyring.*master\.key/);
    expect(warnings[0]).toMatch(/reason=.*DBus|reason=.*DBUS/i);

    const second = await resolveInChild(dataDir, env);
    expect(second).toMatchObject({ source: 'file', sha: first.sha });
    expect(second.stderr).not.toMatch(/ WARN /);
  });
});
