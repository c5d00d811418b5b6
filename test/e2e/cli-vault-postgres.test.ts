import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../src/config/env-file.js';
import { startPostgres, type StartedPostgres } from '../support/postgres-server.js';
import { runCli, startCli } from './cli-run.js';

/**
 * The CLI as users run it (the bundle) on a Postgres store: the store's worker thread and what
 * it loads must be found from the bundle's layout, not only from tsc's.
 */

const VALUE = `pg-e2e-${randomBytes(16).toString('hex')}`;

let dir: string;
let env: NodeJS.ProcessEnv;
let server: StartedPostgres;
let vault: Awaited<ReturnType<typeof startCli>> | null = null;

beforeAll(async () => {
  server = await startPostgres();
  dir = mkdtempSync(join(tmpdir(), 'ncl-e2e-pg-'));
  env = { PATH: process.env.PATH, HOME: join(dir, 'home'), NANOCLAW_VAULT_DIR: join(dir, 'vault'), NANOCLAW_DATABASE_URL: await server.freshUrl() };
  vault = await startCli(['vault', 'serve', '--api-listen', '127.0.0.1:0', '--gateway-listen', '127.0.0.1:0'], {
    cwd: dir,
    env,
    ready: /Vault API listening on (http:\/\/\S+)/,
  });
  env.ONECLI_URL = /Vault API listening on (http:\/\/\S+?);/.exec(vault.output())![1]!;
  env.ONECLI_API_KEY = parseEnvFile(readFileSync(join(dir, '.env'), 'utf8')).get('ONECLI_API_KEY');
}, 120_000);

afterAll(async () => {
  await vault?.stop();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('ncl vault serve on Postgres, from the bundle', () => {
  it('stores a secret through the API in Postgres and lists it', async () => {
    const created = await runCli(['secrets', 'create', '--name', 'PG', '--type', 'api_key', '--host-pattern', 'api.pg.test', '--value-stdin'], {
      cwd: dir,
      env,
      input: `${VALUE}\n`,
    });
    expect(created.code, created.stderr + vault!.output()).toBe(0);
    const listed = await runCli(['secrets', 'list'], { cwd: dir, env });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.stringify(listed.json)).toContain('api.pg.test');
    // In Postgres, not in a SQLite file of the data directory: read straight from the database.
    const client = new pg.Client({ connectionString: env.NANOCLAW_DATABASE_URL });
    await client.connect();
    try {
      const rows = (await client.query<{ name: string; host_pattern: string }>('SELECT name, host_pattern FROM secrets')).rows;
      expect(rows).toEqual([{ name: 'PG', host_pattern: 'api.pg.test' }]);
    } finally {
      await client.end();
    }
    expect(vault!.output()).not.toContain(VALUE);
  });
});
