import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger, memorySink } from '../common/logger.js';
import { Redactor } from '../common/redact.js';
import type { CliContext } from './context.js';
import { storeDatabaseUrl } from './vault-store-access.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function context(env: NodeJS.ProcessEnv): CliContext & { redactor: Redactor } {
  const cwd = mkdtempSync(join(tmpdir(), 'ncl-store-access-'));
  dirs.push(cwd);
  const redactor = new Redactor();
  return { cwd, env, logger: new Logger({ level: 'info', sink: memorySink(), redactor }), redactor } as unknown as CliContext & { redactor: Redactor };
}

describe('storeDatabaseUrl', () => {
  it('reads the URL from the file NANOCLAW_DATABASE_URL_FILE names (the vault container), and redacts it from then on', async () => {
    const ctx = context({});
    const file = join(ctx.cwd, 'database.url');
    writeFileSync(file, 'postgres://vault:pw-HIDDEN@db:5432/nanoclaw\n', { mode: 0o600 });
    ctx.env.NANOCLAW_DATABASE_URL_FILE = file;
    expect(await storeDatabaseUrl(ctx)).toBe('postgres://vault:pw-HIDDEN@db:5432/nanoclaw');
    expect(ctx.redactor.redact('url=postgres://vault:pw-HIDDEN@db:5432/nanoclaw')).not.toContain('pw-HIDDEN');
  });

  it('says which file it cannot read, and falls back to SQLite when nothing is set', async () => {
    await expect(storeDatabaseUrl(context({ NANOCLAW_DATABASE_URL_FILE: '/nonexistent/database.url' }))).rejects.toMatchObject({
      code: 'bad_settings',
      message: expect.stringContaining('/nonexistent/database.url'),
    });
    expect(await storeDatabaseUrl(context({}))).toBeUndefined();
  });
});
