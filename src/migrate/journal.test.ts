import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearJournal, journalPath, readJournal, writeJournal } from './journal.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncl-journal-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('migration journal', () => {
  it('sits next to .env, round-trips key → secret name, is 0600, and clears', async () => {
    const path = journalPath(join(dir, '.env'));
    expect(path).toBe(join(dir, '.env.init-onecli.json'));
    expect(await readJournal(path)).toEqual({});
    await writeJournal(path, [{ key: 'ANTHROPIC_API_KEY', secretName: 'Claude' }, { key: 'GITHUB_TOKEN', secretName: 'GITHUB_TOKEN' }]);
    expect(await readJournal(path)).toEqual({ ANTHROPIC_API_KEY: 'Claude', GITHUB_TOKEN: 'GITHUB_TOKEN' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, 'utf8')).version).toBe(1);
    await clearJournal(path);
    await clearJournal(path);
    expect(await readJournal(path)).toEqual({});
  });

  it('ignores a journal it cannot read (a clash is then asked again; nothing is lost)', async () => {
    const path = journalPath(join(dir, '.env'));
    for (const junk of ['{not json', '{"version":2,"entries":[]}', '[]']) {
      await writeFile(path, junk);
      expect(await readJournal(path), junk).toEqual({});
    }
  });
});
