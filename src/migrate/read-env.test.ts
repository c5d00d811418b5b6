import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NanoclawError } from '../common/errors.js';
import { readMigrationEnv } from './read-env.js';

const fixtures = new URL('../../test/fixtures/env/', import.meta.url);
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncl-read-env-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function failure(path: string): Promise<NanoclawError> {
  try {
    await readMigrationEnv(path);
  } catch (err) {
    return err as NanoclawError;
  }
  throw new Error('expected readMigrationEnv to fail');
}

describe('readMigrationEnv', () => {
  it('returns the document and its exact text', async () => {
    const path = join(dir, '.env');
    await copyFile(new URL('crlf-no-final-newline.env', fixtures), path);
    const env = await readMigrationEnv(path);
    expect(env.text).toBe(await readFile(path, 'utf8'));
    expect(env.doc.get('GITHUB_TOKEN')).toBe('ghp_fixture_crlf_last');
  });

  it('refuses a broken quote, naming the line, and names the others', async () => {
    const path = join(dir, '.env');
    await copyFile(new URL('malformed.env', fixtures), path);
    const err = await failure(path);
    expect(err.code).toBe('bad_env_file');
    expect(err.message).toContain('line 5');
    expect(err.message).toContain('lines 7');
    expect(err.message).toContain('nothing was changed');
    expect(err.hint).toContain('Fix line 5');
    expect(err.message).not.toContain('sk-ant-fixture-malformed');
  });

  it('accepts a line that is only not an assignment, and says when .env is missing', async () => {
    const path = join(dir, '.env');
    await writeFile(path, 'export ONLY_A_NAME\nOPENAI_API_KEY=sk-1\n');
    expect((await readMigrationEnv(path)).doc.warnings).toHaveLength(1);
    expect((await failure(join(dir, 'missing.env'))).code).toBe('no_env_file');
  });
});
