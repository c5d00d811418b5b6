import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../src/config/env-file.js';
import { Redactor } from '../../src/common/redact.js';
import { PgBridge } from '../../src/vault/store/pg-bridge.js';
import { openStore } from '../../src/vault/store/store.js';
import { freePort } from '../support/free-port.js';
import { startPostgres, type StartedPostgres } from '../support/postgres-server.js';
import { uniqueValue } from '../support/sealed-samples.js';
import { CLI, runCli } from './cli-run.js';

// `ncl vault migrate-store`, the built CLI against a real Postgres (Debian's, in a temp dir).
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const masterKey = randomBytes(32);
let pgServer: StartedPostgres;
let dir: string;
let env: NodeJS.ProcessEnv;
const values: string[] = [];
let agentToken = '';

/** A fresh schema's URL with a password in it (trust auth ignores it; it must never be printed). */
async function target(): Promise<string> {
  const url = new URL(await pgServer.freshUrl());
  url.password = PASSWORD;
  return url.toString();
}

const ncl = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(['vault', 'migrate-store', ...args], { cwd: dir, env: { ...env, ...extra } });
const openAt = (databaseUrl: string, key = masterKey) => openStore({ path: 'target', databaseUrl, masterKey: key, redactor: new Redactor() });

function rowCount(url: string, table: string): number {
  const bridge = new PgBridge({ url });
  try {
    return Number(bridge.query(`SELECT COUNT(*) AS n FROM ${table}`).rows[0]!.n);
  } finally {
    bridge.close();
  }
}

/** A SQLite vault with one of everything a snapshot carries. */
function seedSqliteVault(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dataDir, 'master.key'), masterKey.toString('hex'), { mode: 0o600 });
  const store = openStore({ path: join(dataDir, 'vault.db'), masterKey, redactor: new Redactor() });
  try {
    const secrets = ['GitHub', 'OpenAI', 'Stripe'].map((name) => {
      values.push(uniqueValue(name));
      return store.secrets.create({ name, type: 'api_key', value: values.at(-1)!, hostPattern: `${name.toLowerCase()}.test` });
    });
    const { agent, token } = store.agents.create({ name: 'Main', identifier: 'main', secretMode: 'selective' });
    agentToken = token;
    store.agents.setSecretIds(agent.id, [secrets[0]!.id, secrets[2]!.id]);
    store.setCa({ certPem: 'cert', keyPem: uniqueValue('ca-key') });
    store.setSetting('api_key_hash', 'abc');
    store.rules.create({ action: 'rate_limit', hostPattern: 'github.test', limit: 5, window: 'minute' });
    store.approvers.create({ name: 'Ops', role: 'group_admin', agentIds: [agent.id], channel: 'telegram', address: '1' });
    store.audit.appendMany(
      Array.from({ length: 40 }, (_, i) => ({
        agentId: null, agentIdentifier: 'main', method: 'GET', host: 'github.test', path: `/r/${i}`, secretName: 'GitHub',
        decision: 'injected' as const, status: 200, bytesIn: 0, bytesOut: i, durationMs: 1, reason: null,
      })),
    );
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  pgServer = await startPostgres();
  dir = mkdtempSync(join(tmpdir(), 'ncl-move-'));
  env = { PATH: process.env.PATH, HOME: join(dir, 'home'), NANOCLAW_VAULT_DIR: join(dir, 'vault'), LOG_LEVEL: 'info' };
  seedSqliteVault(join(dir, 'vault'));
}, 120_000);

afterAll(async () => {
  await pgServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('ncl vault migrate-store', () => {
  it('copies the vault after a backup, verifies it, says how to switch, and never prints the password', async () => {
    const url = await target();
    const r = await ncl(['--to', url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({
      verified: true,
      resumed: false,
      counts: { secrets: 3, agents: 1, grants: 2, rules: 1, approvers: 1, audit: 40, ca: 1, settings: 1 },
      next: { variable: 'NANOCLAW_DATABASE_URL', writtenTo: null },
    });
    expect(r.json.next.value).toContain('***');
    expect(r.stderr).toMatch(/Backing up .*vault\.db/);
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain(PASSWORD);
      for (const value of values) expect(text).not.toContain(value);
    }
    expect(statSync(r.json.backup).mode & 0o777).toBe(0o600);
    const backup = readFileSync(r.json.backup, 'utf8');
    for (const value of values) expect(backup).not.toContain(value);

    const copy = openAt(url);
    try {
      expect(copy.secrets.list().map((s) => copy.secrets.reveal(s.id))).toEqual(values);
      expect(copy.agents.findByToken(agentToken)?.identifier).toBe('main');
      expect(copy.audit.verify()).toMatchObject({ ok: true, checked: 40 });
    } finally {
      copy.close();
    }

    // A second run finds its own copy and checks it again: nothing doubled.
    const again = await ncl(['--to', url, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json).toMatchObject({ resumed: true, verified: true });
    expect(rowCount(url, 'secrets')).toBe(3);
    expect(rowCount(url, 'audit')).toBe(40);
  });

  it('finishes after a crash at any step, without duplicates', async () => {
    for (const step of [1, 2, 3]) {
      const url = await target();
      const crashed = await ncl(['--to', url, '--json'], { NANOCLAW_TEST_HOOKS: '1', NANOCLAW_TEST_CRASH_AT: String(step) });
      expect(crashed.code, crashed.stderr).not.toBe(0);
      expect(crashed.stderr).toContain(`test-hook: checkpoint ${step}`);
      const r = await ncl(['--to', url, '--json']);
      expect(r.code, `after a crash at checkpoint ${step}: ${r.stderr}`).toBe(0);
      expect(r.json.resumed).toBe(step > 1);
      expect([rowCount(url, 'secrets'), rowCount(url, 'agents'), rowCount(url, 'audit')]).toEqual([3, 1, 40]);
    }
  });

  it('writes NANOCLAW_DATABASE_URL to .env with --write-env, and prints text without --json', async () => {
    const url = await target();
    const r = await ncl(['--to', url, '--write-env']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Moved and verified 3 secrets, 1 agents and 40 audit rows/);
    expect(r.stdout).not.toContain(PASSWORD);
    expect(parseEnvFile(readFileSync(join(dir, '.env'), 'utf8')).get('NANOCLAW_DATABASE_URL')).toBe(url);
    rmSync(join(dir, '.env'));
  });

  it('refuses a database holding another vault, and one made with another master key, leaving both untouched', async () => {
    const other = await target();
    const foreign = openAt(other);
    foreign.secrets.create({ name: 'Theirs', type: 'api_key', value: uniqueValue('theirs'), hostPattern: 'x.test' });
    foreign.close();
    const r = await ncl(['--to', other, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr.trim().split('\n').at(-1)!)).toMatchObject({ code: 'target_not_empty' });
    expect(rowCount(other, 'secrets')).toBe(1);

    const keyed = await target();
    openAt(keyed, randomBytes(32)).close();
    const k = await ncl(['--to', keyed]);
    expect(k.code).toBe(1);
    expect(k.stderr).toMatch(/wrong_master_key/);
    expect(k.stderr).toMatch(/another master key/);
    expect(rowCount(keyed, 'secrets')).toBe(0);
  });

  it('says the database is down without the password, and refuses bad usage with exit 2', async () => {
    const down = `postgres://nanoclaw:${PASSWORD}@127.0.0.1:${await freePort()}/nanoclaw`;
    const r = await ncl(['--to', down]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/store_unavailable/);
    expect(r.stderr).not.toContain(PASSWORD);
    expect((await ncl([])).code).toBe(2);
    const bad = await ncl(['--to', `http://u:${PASSWORD}@db/x`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain(PASSWORD);
    const help = await ncl(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--to <url>[\s\S]*NANOCLAW_DATABASE_URL/);
    // Nothing above touched the SQLite vault's backups beyond the runs that got that far.
    expect(readdirSync(join(dir, 'vault')).filter((f) => f.endsWith('.backup.json')).length).toBeGreaterThan(0);
  });

  it('leaves the database empty when killed in the middle of the copy, and a second run copies everything once', async () => {
    // A bigger vault of its own, so the copy's transaction lasts long enough to be caught inside.
    const dataDir = join(dir, 'big');
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(join(dataDir, 'master.key'), masterKey.toString('hex'), { mode: 0o600 });
    const big = openStore({ path: join(dataDir, 'vault.db'), masterKey, redactor: new Redactor() });
    for (let i = 0; i < 400; i++) big.secrets.create({ name: `s${i}`, type: 'api_key', value: uniqueValue('v'), hostPattern: `h${i}.test` });
    big.close();
    const url = await target();
    const watcher = new pg.Client({ connectionString: url });
    await watcher.connect();
    const child = spawn(process.execPath, [CLI, 'vault', 'migrate-store', '--to', url, '--data-dir', dataDir, '--json'], { cwd: dir, env, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      // Inside the copy's transaction: it has written (an xid) and its last statement put a secret in.
      for (;;) {
        const { rows } = await watcher.query(
          `SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_xid IS NOT NULL AND query LIKE 'INSERT INTO secrets%'`,
        );
        if (rows.length > 0) break;
        if (child.exitCode !== null) throw new Error('the copy finished before it was seen in progress');
      }
      child.kill('SIGKILL');
      await exited;
    } finally {
      await watcher.end();
    }
    expect(rowCount(url, 'secrets')).toBe(0);
    const r = await ncl(['--to', url, '--data-dir', dataDir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ resumed: false, counts: { secrets: 400 } });
    expect(rowCount(url, 'secrets')).toBe(400);
  });
});
