import { randomBytes } from 'node:crypto';
import { chmod, readFile, readdir, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInitOnecliHarness, type InitOnecliHarness } from './init-onecli-harness.js';

const hex = (n: number) => randomBytes(n).toString('hex');
const V = {
  anthropic: `sk-ant-api03-${hex(16)}`,
  oauth: `sk-ant-oat01-${hex(16)}`,
  openai: `sk-proj-${hex(16)}`,
  github: `ghp_${hex(18)}`,
  acme: `acme-${hex(12)}`,
  telegram: `123456:tg-${hex(12)}`,
  clash: `sk-clash-${hex(12)}`,
  vaultOld: `old-${hex(12)}`,
};
const fixtures = new URL('../fixtures/env/', import.meta.url);

let h: InitOnecliHarness;
beforeAll(async () => {
  h = await startInitOnecliHarness();
});
afterAll(async () => {
  await h?.dispose();
});

const ENV = [
  '# project settings',
  'ASSISTANT_NAME=Andy',
  `ANTHROPIC_API_KEY=${V.anthropic}`,
  `export OPENAI_API_KEY="${V.openai}"   # for the agents`,
  `TELEGRAM_BOT_TOKEN=${V.telegram}`,
  `GITHUB_TOKEN=${V.github}`,
  `GH_TOKEN=${V.github}`,
  `ACME_TOKEN='${V.acme}'`,
  `CLAUDE_CODE_OAUTH_TOKEN=${V.oauth}`,
  'ANTHROPIC_BASE_URL=https://api.anthropic.com',
  'LOG_LEVEL=debug',
  '',
].join('\n');
const AFTER = [
  '# project settings',
  'ASSISTANT_NAME=Andy',
  `TELEGRAM_BOT_TOKEN=${V.telegram}`,
  `CLAUDE_CODE_OAUTH_TOKEN=${V.oauth}`,
  'ANTHROPIC_BASE_URL=https://api.anthropic.com',
  'LOG_LEVEL=debug',
  '',
].join('\n');
const MOVED = ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GITHUB_TOKEN', 'ACME_TOKEN'];

describe('ncl init-onecli against `ncl vault serve`', () => {
  it('--dry-run prints key names and hosts, never a value, and changes nothing', async () => {
    const p = await h.project(ENV);
    const before = (await h.client.listSecrets()).data;
    const r = await h.initOnecli(p, ['--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ANTHROPIC_API_KEY (line 3) → new secret "ANTHROPIC_API_KEY" for api.anthropic.com');
    expect(r.stdout).toContain('GH_TOKEN (line 7): same value as GITHUB_TOKEN');
    expect(r.stdout).toContain('TELEGRAM_BOT_TOKEN (line 5): read by the Telegram channel in the host process');
    expect(r.stdout).toContain('--map ACME_TOKEN=<host>');
    const json = await h.initOnecli(p, ['--dry-run', '--json', '--map', 'ACME_TOKEN=api.acme.test']);
    expect(json.json.moves.map((m: { key: string }) => m.key)).toEqual([...MOVED.slice(0, 3), 'GH_TOKEN', 'ACME_TOKEN']);
    expect(await readFile(p.envFile, 'utf8')).toBe(ENV);
    expect((await h.client.listSecrets()).data).toEqual(before);
    expect(await readdir(p.dir)).toEqual(['.env']);
  });

  it('without a terminal, an open question is a usage error naming its flag, and nothing changes', async () => {
    const p = await h.project(ENV);
    const asked = await h.initOnecli(p, []);
    expect(asked.code).toBe(2);
    expect(JSON.parse(asked.stderr).hint).toContain('--map ACME_TOKEN=<host>');
    expect(JSON.parse(asked.stderr).hint).toContain('--keep ACME_TOKEN');
    const confirm = await h.initOnecli(p, ['--map', 'ACME_TOKEN=api.acme.test']);
    expect(confirm.code).toBe(2);
    expect(JSON.parse(confirm.stderr).hint).toContain('--yes');
    const bad = await h.initOnecli(p, ['--map', 'TELEGRAM_BOT_TOKEN=api.telegram.org']);
    expect(bad.code).toBe(2);
    expect(await readFile(p.envFile, 'utf8')).toBe(ENV);
    expect((await h.client.listSecrets()).data.filter((s) => MOVED.includes(s.name))).toEqual([]);
  });

  it('moves, keeps and grants as specified (existing grants kept); a re-run is a no-op', async () => {
    const unrelated = await h.client.createSecret({ name: 'Unrelated', type: 'api_key', value: V.vaultOld, hostPattern: 'x.test' });
    const main = await h.client.createAgent({ name: 'Main', identifier: 'main', secretMode: 'selective' });
    await h.client.setAgentSecrets(main.id, [unrelated.id]);
    const other = await h.client.createAgent({ name: 'Other', identifier: 'other', secretMode: 'selective' });
    const p = await h.project(ENV);
    await chmod(p.envFile, 0o640);

    const r = await h.initOnecli(p, ['--yes', '--map', 'ACME_TOKEN=api.acme.test']);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(p.envFile, 'utf8')).toBe(AFTER);
    expect((await stat(p.envFile)).mode & 0o777).toBe(0o640);
    expect(await readdir(p.dir)).toEqual(['.env']);
    expect(r.stdout).toContain('Moved 5 key(s)');
    expect(r.stdout).toMatch(/CLAUDE_CODE_OAUTH_TOKEN: ANTHROPIC_API_KEY holds another Anthropic credential/);
    expect(r.stdout).toMatch(/TELEGRAM_BOT_TOKEN: read by the Telegram channel/);

    const secrets = (await h.client.listSecrets()).data;
    const byName = new Map(secrets.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual([...MOVED, 'Unrelated'].sort());
    expect(byName.get('ANTHROPIC_API_KEY')).toMatchObject({ type: 'anthropic', hostPattern: 'api.anthropic.com' });
    expect(byName.get('OPENAI_API_KEY')).toMatchObject({ type: 'openai', hostPattern: 'api.openai.com' });
    expect(byName.get('GITHUB_TOKEN')).toMatchObject({ type: 'generic', hostPattern: '.github.com' });
    expect(byName.get('ACME_TOKEN')).toMatchObject({ type: 'generic', hostPattern: 'api.acme.test' });
    const movedIds = MOVED.map((n) => byName.get(n)!.id);
    expect((await h.client.getAgentSecrets(main.id)).data.sort()).toEqual([unrelated.id, ...movedIds].sort());
    expect((await h.client.getAgentSecrets(other.id)).data.sort()).toEqual([...movedIds].sort());

    const again = await h.initOnecli(p, ['--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json).toMatchObject({ moved: [], envRewritten: false });
    expect(await readFile(p.envFile, 'utf8')).toBe(AFTER);
    expect((await h.client.listSecrets()).data).toEqual(secrets);
    await h.deleteSecrets([...MOVED, 'Unrelated']);
  });

  it('keeps every byte it does not move, for every .env fixture; a broken one is refused untouched', async () => {
    const cases: [string, 'golden' | 'same' | 'refused'][] = [
      ['basic.env', 'golden'],
      ['crlf.env', 'golden'],
      ['crlf-no-final-newline.env', 'golden'],
      ['duplicates.env', 'golden'],
      ['export-and-spacing.env', 'golden'],
      ['no-final-newline.env', 'golden'],
      ['edge-cases.env', 'same'],
      ['multiline.env', 'same'],
      ['malformed.env', 'refused'],
    ];
    for (const [name, expected] of cases) {
      const original = await readFile(new URL(name, fixtures));
      const p = await h.project(original);
      const r = await h.initOnecli(p, ['--yes']);
      const after = await readFile(p.envFile);
      if (expected === 'refused') {
        expect(r.code, name).toBe(1);
        expect(JSON.parse(r.stderr), name).toMatchObject({ code: 'bad_env_file', message: expect.stringContaining('line 5') });
        expect(after.equals(original), name).toBe(true);
      } else {
        expect(r.code, `${name}: ${r.stderr}`).toBe(0);
        const want = expected === 'golden' ? await readFile(new URL(name.replace(/\.env$/, '.remove-keys.golden'), fixtures)) : original;
        expect(after.toString('latin1'), name).toBe(want.toString('latin1'));
      }
      expect(await readdir(p.dir), name).toEqual(['.env']);
      await h.deleteSecrets(['ANTHROPIC_API_KEY', 'GITHUB_TOKEN']);
    }
  });

  it('leaves a clashing key in .env with --yes, and replaces the vault value with --overwrite', async () => {
    const existing = await h.client.createSecret({ name: 'OPENAI_API_KEY', type: 'openai', value: V.vaultOld, hostPattern: 'api.openai.com' });
    const p = await h.project(`OPENAI_API_KEY=${V.clash}\n`);
    const skipped = await h.initOnecli(p, ['--yes']);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stdout).toContain('the vault already has secret "OPENAI_API_KEY"; left in .env');
    expect(await readFile(p.envFile, 'utf8')).toBe(`OPENAI_API_KEY=${V.clash}\n`);
    const replaced = await h.initOnecli(p, ['--yes', '--overwrite', '--json']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.json.moved).toEqual([expect.objectContaining({ key: 'OPENAI_API_KEY', secretId: existing.id, action: 'rotate' })]);
    const now = await h.client.getSecret(existing.id);
    expect(now.updatedAt).not.toBe(existing.updatedAt);
    expect(await readFile(p.envFile, 'utf8')).toBe('');
    await h.deleteSecrets(['OPENAI_API_KEY']);
  });

  it('says how to start a vault when none answers; a dry run still shows the plan', async () => {
    const p = await h.project(ENV);
    const down = { ONECLI_URL: 'http://127.0.0.1:9' };
    const r = await h.initOnecli(p, ['--yes', '--map', 'ACME_TOKEN=api.acme.test'], down);
    expect(r.code).toBe(1);
    const err = JSON.parse(r.stderr);
    expect(err.code).toBe('no_vault');
    expect(err.hint).toContain('ncl vault up');
    expect(err.hint).toContain('ncl vault serve');
    const dry = await h.initOnecli(p, ['--dry-run'], down);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('The vault was not asked');
    expect(await readFile(p.envFile, 'utf8')).toBe(ENV);
  });

  it('never printed a secret value', () => {
    const all = h.outputs.join('\n');
    expect(all.length).toBeGreaterThan(1000);
    for (const v of Object.values(V)) expect(all).not.toContain(v);
  });
});
