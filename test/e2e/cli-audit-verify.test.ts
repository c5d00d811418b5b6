import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from './cli-run.js';

let dir: string;
let env: NodeJS.ProcessEnv;
let vault: Awaited<ReturnType<typeof startCli>>;
let gatewayPort: number;

/** One gateway request that is refused (no proxy credentials): it still gets its audit row. */
function unauthenticatedConnect(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(gatewayPort, '127.0.0.1', () => socket.write('CONNECT api.github.com:443 HTTP/1.1\r\nHost: api.github.com:443\r\n\r\n'));
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(got.slice(0, 12));
      }
    });
    socket.on('error', reject);
  });
}

async function auditRows(n: number): Promise<void> {
  for (let i = 0; i < n; i++) expect(await unauthenticatedConnect()).toBe('HTTP/1.1 407');
  // The recorder writes in batches: wait until the rows are in.
  for (let tries = 0; tries < 100; tries++) {
    const list = await runCli(['audit', 'list', '--json', '--limit', '1000'], { cwd: dir, env });
    if (list.json?.total >= n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`fewer than ${n} audit rows arrived`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-audit-verify-'));
  env = { PATH: process.env.PATH, HOME: join(dir, 'home'), NANOCLAW_VAULT_DIR: join(dir, 'vault'), NANOCLAW_AUDIT_RETENTION_DAYS: '30' };
  vault = await startCli(['vault', 'serve', '--api-listen', '127.0.0.1:0', '--gateway-listen', '127.0.0.1:0'], {
    cwd: dir,
    env,
    ready: /Vault API listening on (http:\/\/\S+)/,
  });
  const m = /Vault API listening on (http:\/\/\S+?); gateway on port (\d+)/.exec(vault.output())!;
  env.ONECLI_URL = m[1]!;
  gatewayPort = Number(m[2]);
});

afterAll(async () => {
  await vault?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('ncl audit verify', () => {
  it('reports an intact log and its head', async () => {
    await auditRows(3);
    const r = await runCli(['audit', 'verify'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ ok: true, checked: 3, firstBad: null });
    expect(r.json.head.id).toBe(3);
  });

  it('names the first row edited in the database file, exits 1, and says what to do', async () => {
    const db = new DatabaseSync(join(dir, 'vault', 'vault.db'));
    try {
      db.prepare("UPDATE audit SET host = 'nothing-to-see.example' WHERE id = 2").run();
    } finally {
      db.close();
    }
    const r = await runCli(['audit', 'verify'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, firstBad: { id: 2, problem: 'changed', after: 1 } });
    expect(JSON.parse(r.stderr)).toMatchObject({ code: 'audit_tampered' });
    expect(r.stderr).toMatch(/row 2 was changed/);
  });

  it('refuses a retention setting that is not a number of days, naming it', async () => {
    const r = await runCli(['vault', 'serve', '--api-listen', '127.0.0.1:0', '--gateway-listen', '127.0.0.1:0'], {
      cwd: dir,
      env: { ...env, NANOCLAW_AUDIT_RETENTION_DAYS: 'forever', NANOCLAW_VAULT_DIR: join(dir, 'other') },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NANOCLAW_AUDIT_RETENTION_DAYS: expected a number of days/);
  });
});
