import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VaultClient } from '../client/vault-client.js';
import { NanoclawError } from '../common/errors.js';
import { Logger, memorySink } from '../common/logger.js';
import { Redactor } from '../common/redact.js';
import { rotateApiKey } from '../vault/api/api-key.js';
import { startApiServer, type StartedApi } from '../vault/api/api-server.js';
import { openStore } from '../vault/store/store.js';
import type { VaultStore } from '../vault/store/types.js';
import { applyPlan } from './apply.js';
import { journalPath, readJournal } from './journal.js';
import { buildPlan, type PlanOptions } from './plan.js';
import { readMigrationEnv } from './read-env.js';
import { parseEnvFile } from '../config/env-file.js';

// A real vault API (SQLite file, HTTP) in this process; the e2e test runs the same against `ncl vault serve`.
const fixtures = new URL('../../test/fixtures/env/', import.meta.url);
let dir: string;
let envFile: string;
let store: VaultStore;
let api: StartedApi;
let client: VaultClient;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncl-apply-'));
  envFile = join(dir, '.env');
  const logger = new Logger({ level: 'silent', sink: memorySink(), redactor: new Redactor() });
  store = openStore({ path: join(dir, 'vault.db'), masterKey: randomBytes(32), redactor: logger.redactor });
  const apiKey = rotateApiKey(store);
  api = await startApiServer({ store, logger, version: '0.0.0-test', caPem: () => '', port: 0 });
  client = new VaultClient({ url: api.url, apiKey });
});

afterEach(async () => {
  await api.close();
  store.close();
  await rm(dir, { recursive: true, force: true });
});

async function migrate(options: PlanOptions = {}, checkpoint?: (step: string) => void) {
  const env = await readMigrationEnv(envFile);
  const resumable = await readJournal(journalPath(envFile));
  const plan = buildPlan({ doc: env.doc, existing: store.secrets.list(), options: { resumable, ...options } });
  const result = await applyPlan({ client, envFile, plan, env, ...(checkpoint ? { checkpoint } : {}) });
  return { plan, result };
}

const valueOf = (name: string) => store.secrets.reveal(store.secrets.getByName(name)!.id);
const grants = (identifier: string) => store.agents.getSecretIds(store.agents.getByIdentifier(identifier)!.id)!.sort();

describe('applyPlan', () => {
  it('saves, reads back and grants every agent (keeping its grants) before it rewrites .env once', async () => {
    await copyFile(new URL('basic.env', fixtures), envFile);
    await chmod(envFile, 0o640);
    const original = await readFile(envFile);
    const unrelated = store.secrets.create({ name: 'Unrelated', type: 'api_key', value: 'unrelated-value', hostPattern: 'x.test' });
    const main = store.agents.create({ name: 'Main', identifier: 'main', secretMode: 'selective' }).agent;
    store.agents.setSecretIds(main.id, [unrelated.id]);
    store.agents.create({ name: 'Other', identifier: 'other', secretMode: 'selective' });

    const steps: string[] = [];
    const untouchedAt: string[] = [];
    const { result } = await migrate({}, (step) => {
      steps.push(step);
      if (original.equals(readFileSync(envFile))) untouchedAt.push(step);
    });

    expect(steps).toEqual([
      'start', 'journal-written', 'saved ANTHROPIC_API_KEY', 'confirmed ANTHROPIC_API_KEY', 'saved GITHUB_TOKEN', 'confirmed GITHUB_TOKEN',
      'granted main', 'granted other', 'before-env-write', 'env-written', 'done',
    ]);
    expect(untouchedAt).toEqual(steps.slice(0, steps.indexOf('env-written')));
    // The expected values are the fixture's own (fake) keys, read from test/fixtures.
    const fixtureDoc = parseEnvFile(readFileSync(new URL('basic.env', fixtures), 'utf8'));
    expect(valueOf('ANTHROPIC_API_KEY')).toBe(fixtureDoc.get('ANTHROPIC_API_KEY'));
    expect(valueOf('GITHUB_TOKEN')).toBe(fixtureDoc.get('GITHUB_TOKEN'));
    expect(fixtureDoc.get('GITHUB_TOKEN')).toMatch(/^ghp_/);
    const ids = ['ANTHROPIC_API_KEY', 'GITHUB_TOKEN'].map((n) => store.secrets.getByName(n)!.id);
    expect(grants('main')).toEqual([unrelated.id, ...ids].sort());
    expect(grants('other')).toEqual([...ids].sort());
    expect(result).toMatchObject({ agentCount: 2, grantedTo: ['main', 'other'], envRewritten: true });
    expect(await readFile(envFile, 'latin1')).toBe(await readFile(new URL('basic.remove-keys.golden', fixtures), 'latin1'));
    expect((await stat(envFile)).mode & 0o777).toBe(0o640);
    expect(existsSync(journalPath(envFile))).toBe(false);

    // Re-running is a no-op: nothing to move, the vault and .env as they were.
    const after = await readFile(envFile);
    const before = store.secrets.list();
    const again = await migrate();
    expect(again.plan.moves).toEqual([]);
    expect(again.result.envRewritten).toBe(false);
    expect(store.secrets.list()).toEqual(before);
    expect(await readFile(envFile)).toEqual(after);
  });

  it('stores the value in effect of a duplicated key and removes every line of it', async () => {
    await copyFile(new URL('duplicates.env', fixtures), envFile);
    await migrate();
    expect(valueOf('ANTHROPIC_API_KEY')).toBe('second-fixture');
    expect(await readFile(envFile, 'utf8')).toBe(await readFile(new URL('duplicates.remove-keys.golden', fixtures), 'utf8'));
    expect(valueOf('GITHUB_TOKEN')).toBe('second-gh-fixture');
  });

  it('moves a key holding the same value as a moved one as an alias: one secret, both lines gone', async () => {
    await writeFile(envFile, 'GH_TOKEN=ghp_same_value\nGITHUB_TOKEN=ghp_same_value\nKEEP=1\n');
    const { result } = await migrate();
    expect(result.moved.map((m) => [m.key, m.secretName, m.action])).toEqual([
      ['GITHUB_TOKEN', 'GITHUB_TOKEN', 'create'],
      ['GH_TOKEN', 'GITHUB_TOKEN', 'alias'],
    ]);
    expect(store.secrets.list().map((s) => s.name)).toEqual(['GITHUB_TOKEN']);
    expect(await readFile(envFile, 'utf8')).toBe('KEEP=1\n');
  });

  it('leaves a .env that changed while it ran as it is, and the next run finishes without asking', async () => {
    await writeFile(envFile, 'OPENAI_API_KEY=sk-first\n');
    const edited = 'OPENAI_API_KEY=sk-edited\nNEW=1\n';
    const err = await migrate({}, (step) => {
      if (step === 'before-env-write') writeFileSync(envFile, edited);
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NanoclawError);
    expect((err as NanoclawError).code).toBe('env_changed');
    expect(await readFile(envFile, 'utf8')).toBe(edited);
    expect(await readJournal(journalPath(envFile))).toEqual({ OPENAI_API_KEY: 'OPENAI_API_KEY' });

    const { plan } = await migrate();
    expect(plan.moves.map((m) => m.action)).toEqual(['resume']);
    expect(valueOf('OPENAI_API_KEY')).toBe('sk-edited');
    expect(await readFile(envFile, 'utf8')).toBe('NEW=1\n');
  });

  it('an interrupted run is resumed by the next one instead of clashing with its own secrets', async () => {
    await writeFile(envFile, 'ANTHROPIC_API_KEY=sk-ant-api03-a\nGROQ_API_KEY=gsk_b\n');
    const stop = new Error('stopped');
    await expect(migrate({}, (step) => { if (step === 'saved GROQ_API_KEY') throw stop; })).rejects.toBe(stop);
    expect(store.secrets.list()).toHaveLength(2);
    const { plan } = await migrate();
    expect(plan.questions).toEqual([]);
    expect(plan.moves.map((m) => m.action)).toEqual(['resume', 'resume']);
    expect(store.secrets.list()).toHaveLength(2);
    expect(await readFile(envFile, 'utf8')).toBe('');
  });

  it('--overwrite rotates the existing secret in place: same id, new value, grants kept', async () => {
    const old = store.secrets.create({ name: 'Claude', type: 'anthropic', value: 'sk-ant-old', hostPattern: 'api.anthropic.com' });
    const agent = store.agents.create({ name: 'Main', identifier: 'main', secretMode: 'selective' }).agent;
    store.agents.setSecretIds(agent.id, [old.id]);
    await writeFile(envFile, 'ANTHROPIC_API_KEY=sk-ant-new\n');
    const asked = buildPlan({ doc: (await readMigrationEnv(envFile)).doc, existing: store.secrets.list() });
    expect(asked.questions).toEqual([expect.objectContaining({ kind: 'conflict', existingName: 'Claude' })]);
    await migrate({ onConflict: 'overwrite' });
    expect(store.secrets.list().map((s) => [s.id, s.name])).toEqual([[old.id, 'Claude']]);
    expect(store.secrets.reveal(old.id)).toBe('sk-ant-new');
    expect(grants('main')).toEqual([old.id]);
  });

  it('refuses a plan with open questions and changes nothing', async () => {
    await writeFile(envFile, 'ACME_TOKEN=acme-1\n');
    const env = await readMigrationEnv(envFile);
    const plan = buildPlan({ doc: env.doc, existing: [] });
    await expect(applyPlan({ client, envFile, plan, env })).rejects.toMatchObject({ code: 'plan_incomplete' });
    expect(store.secrets.list()).toEqual([]);
    expect(await readFile(envFile, 'utf8')).toBe('ACME_TOKEN=acme-1\n');
  });
});
