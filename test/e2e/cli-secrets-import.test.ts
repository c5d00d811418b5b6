import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger, memorySink } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/redact.js';
import { resolveMasterKey } from '../../src/vault/store/master-key.js';
import { openStore } from '../../src/vault/store/store.js';
import { startSecretService, type StartedSecretService } from '../support/secret-service.js';
import { installStandInSecurity } from '../support/stand-in-security.js';
import { runCli, startCli } from './cli-run.js';

const run = promisify(execFile);
const OPENAI = `sk-import-${randomBytes(12).toString('hex')}`;
const GITHUB = `ghp_${randomBytes(18).toString('hex')}`;
const ACME = `acme_${randomBytes(12).toString('hex')}`;
const KEYRING_GROQ = `gsk_${randomBytes(16).toString('hex')}`;
const DOTENV_MISTRAL = `mistral-${randomBytes(10).toString('hex')}`;
const GOPASS_ANTHROPIC = `sk-ant-${randomBytes(12).toString('hex')}`;
const GOPASS_DEPLOY = `deploy-${randomBytes(12).toString('hex')}`;
const KEYCHAIN_STRIPE = `sk_live_${randomBytes(12).toString('hex')}`;
// A backslash, a quote and a non-ASCII letter: security prints such a value as hex.
const KEYCHAIN_OTHER = `other\\"é-${randomBytes(12).toString('hex')}`;
const ALL = [OPENAI, GITHUB, ACME, KEYRING_GROQ, DOTENV_MISTRAL, GOPASS_ANTHROPIC, GOPASS_DEPLOY, KEYCHAIN_STRIPE, KEYCHAIN_OTHER];

let dir: string;
let env: NodeJS.ProcessEnv;
let vault: Awaited<ReturnType<typeof startCli>>;
let keyring: StartedSecretService;
const printed: string[] = [];

async function ncl(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const r = await runCli(args, { cwd: dir, env: { ...env, ...extraEnv } });
  printed.push(r.stdout, r.stderr);
  return r;
}

/** A real pass store encrypted to a throwaway GPG key without a passphrase. */
async function passStore(): Promise<void> {
  await run('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'nanoclaw test <test@nanoclaw.invalid>', 'default', 'default', 'never'], { env });
  await run('pass', ['init', 'test@nanoclaw.invalid'], { env });
  const insert = (name: string, value: string) =>
    new Promise<void>((resolve, reject) => {
      const child = execFile('pass', ['insert', '--multiline', name], { env }, (err) => (err ? reject(err) : resolve()));
      child.stdin!.end(`${value}\nuser: someone\n`);
    });
  await insert('api/openai', OPENAI);
  await insert('api/GITHUB_TOKEN', GITHUB);
  await insert('api/acme-billing', ACME);
  await insert('personal/bank', 'not-for-agents');
}

/**
 * A real gopass store (Debian's gopass 1.5, which keeps pass's layout in ~/.password-store), filled
 * by gopass itself. Its `insert` reads a password only from a terminal, so each value goes in
 * through `insert -m` and an EDITOR that copies it from a private file: never through argv.
 */
async function gopassStore(): Promise<NodeJS.ProcessEnv> {
  const git = { GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 'test@nanoclaw.invalid', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 'test@nanoclaw.invalid' };
  const editor = join(dir, 'copy-value.sh');
  writeFileSync(editor, `#!/bin/sh\ncat '${join(dir, 'next-value')}' > "$1"\n`, { mode: 0o700 });
  const gopassEnv = { ...env, ...git, PASSWORD_STORE_DIR: undefined, EDITOR: editor };
  // gopass 1.5 creates no missing folder: neither the home the store goes in, nor an entry's folder.
  mkdirSync(env.HOME!, { recursive: true });
  await run('gopass', ['init', 'test@nanoclaw.invalid'], { env: gopassEnv });
  mkdirSync(join(env.HOME!, '.password-store', 'tokens'));
  for (const [name, value] of [['tokens/anthropic', GOPASS_ANTHROPIC], ['tokens/acme-deploy', GOPASS_DEPLOY], ['notes', 'not-for-agents']] as const) {
    writeFileSync(join(dir, 'next-value'), `${value}\nurl: https://example.invalid\n`, { mode: 0o600 });
    await run('gopass', ['insert', '-m', name], { env: gopassEnv });
  }
  rmSync(join(dir, 'next-value'));
  return { PASSWORD_STORE_DIR: undefined };
}

/** What the vault holds under each name, read from its store with its own master key. */
async function storedValues(): Promise<Map<string, string>> {
  const dataDir = env.NANOCLAW_VAULT_DIR!;
  const master = await resolveMasterKey({ env, dataDir, logger: new Logger({ level: 'error', sink: memorySink() }) });
  const store = openStore({ path: join(dataDir, 'vault.db'), masterKey: master.key, redactor: new Redactor() });
  try {
    return new Map(store.secrets.list().map((s) => [s.name, store.secrets.reveal(s.id)!]));
  } finally {
    store.close();
  }
}

let gopassEnv: NodeJS.ProcessEnv;
let keychainEnv: NodeJS.ProcessEnv;
let securityArgv: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-import-'));
  keyring = await startSecretService();
  env = {
    ...keyring.env,
    PATH: process.env.PATH,
    HOME: join(dir, 'home'),
    GNUPGHOME: join(dir, 'gnupg'),
    PASSWORD_STORE_DIR: join(dir, 'store'),
    NANOCLAW_VAULT_DIR: join(dir, 'vault'),
  };
  mkdirSync(env.GNUPGHOME!, { mode: 0o700 });
  await passStore();
  gopassEnv = await gopassStore();
  securityArgv = installStandInSecurity(join(dir, 'macos-bin'), [
    { service: 'stripe', account: 'me', label: 'Stripe live', password: KEYCHAIN_STRIPE },
    { service: 'agents', account: 'deploy-bot', password: KEYCHAIN_OTHER },
    { service: 'stripe', account: 'me', label: 'dashboard.stripe.com', class: 'inet', password: 'web-login' },
    { service: 'bank', account: 'me', label: 'Bank', password: 'not-for-agents' },
  ]);
  keychainEnv = { PATH: `${join(dir, 'macos-bin')}:${process.env.PATH}` };
  // secret-tool reads the secret from stdin.
  await new Promise<void>((resolve, reject) => {
    const child = execFile('secret-tool', ['store', '--label', 'Groq', 'service', 'groq', 'purpose', 'agents'], { env }, (err) => (err ? reject(err) : resolve()));
    child.stdin!.end(KEYRING_GROQ);
  });
  writeFileSync(join(dir, 'old.env'), `MISTRAL_API_KEY=${DOTENV_MISTRAL}\nTELEGRAM_BOT_TOKEN=123:abc\nSOMETHING_ELSE=x\n`);
  vault = await startCli(['vault', 'serve', '--api-listen', '127.0.0.1:0', '--no-gateway'], { cwd: dir, env, ready: /Vault API listening on (http:\/\/\S+)/ });
  env.ONECLI_URL = /Vault API listening on (http:\/\/\S+?)(;|\s|$)/.exec(vault.output())![1]!;
}, 120_000);

afterAll(async () => {
  await vault?.stop();
  await keyring?.[Symbol.asyncDispose]();
  rmSync(dir, { recursive: true, force: true });
});

describe('ncl secrets import', () => {
  it('--dry-run lists what would move from a pass store, with known services filled in, and changes nothing', async () => {
    const r = await ncl(['secrets', 'import', 'pass:api', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.dryRun).toBe(true);
    expect(r.json.imported).toEqual([
      { name: 'api/GITHUB_TOKEN', type: 'generic', hostPattern: '.github.com', service: 'GitHub' },
      { name: 'api/openai', type: 'openai', hostPattern: 'api.openai.com', service: 'OpenAI' },
    ]);
    expect(r.json.skipped).toEqual([{ name: 'api/acme-billing', reason: 'no_host_pattern', detail: expect.stringContaining('--host-pattern') }]);
    expect((await ncl(['secrets', 'list'])).json.data).toEqual([]);
  });

  it('imports from pass, taking the host pattern given for an unknown item, and skips what is already there', async () => {
    const r = await ncl(['secrets', 'import', 'pass:api', '--host-pattern', 'api/acme-billing=api.acme.example']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.imported.map((i: { name: string }) => i.name)).toEqual(['api/GITHUB_TOKEN', 'api/acme-billing', 'api/openai']);
    const list = (await ncl(['secrets', 'list'])).json.data;
    expect(list.find((s: { name: string }) => s.name === 'api/acme-billing')).toMatchObject({ hostPattern: 'api.acme.example', type: 'api_key' });
    const again = await ncl(['secrets', 'import', 'pass:api']);
    expect(again.json.imported).toEqual([]);
    expect(again.json.skipped.map((s: { reason: string }) => s.reason)).toEqual(['exists', 'exists', 'exists']);
  });

  it('imports Secret Service items found by attribute', async () => {
    const r = await ncl(['secrets', 'import', 'keyring:purpose=agents']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.imported).toEqual([expect.objectContaining({ name: 'Groq', hostPattern: 'api.groq.com', service: 'Groq' })]);
  });

  it('finds the gopass store where gopass keeps it, lists it without values, then imports it', async () => {
    const dry = await ncl(['secrets', 'import', 'gopass:tokens', '--dry-run'], gopassEnv);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json).toMatchObject({ source: 'gopass', dryRun: true });
    expect(dry.json.imported).toEqual([{ name: 'tokens/anthropic', type: 'anthropic', hostPattern: 'api.anthropic.com', service: 'Anthropic' }]);
    expect(dry.json.skipped).toEqual([{ name: 'tokens/acme-deploy', reason: 'no_host_pattern', detail: expect.any(String) }]);
    expect((await ncl(['secrets', 'list'])).json.data.map((s: { name: string }) => s.name)).not.toContain('tokens/anthropic');
    const r = await ncl(['secrets', 'import', 'gopass:tokens', '--host-pattern', 'tokens/acme-deploy=deploy.acme.example'], gopassEnv);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.imported.map((i: { name: string }) => i.name)).toEqual(['tokens/acme-deploy', 'tokens/anthropic']);
    const list = (await ncl(['secrets', 'list'])).json.data;
    expect(list.find((s: { name: string }) => s.name === 'tokens/acme-deploy')).toMatchObject({ hostPattern: 'deploy.acme.example' });
    expect(list.map((s: { name: string }) => s.name)).not.toContain('notes');
    // The first line of each entry, as gopass show gives it, and nothing of the lines after.
    const stored = await storedValues();
    expect(stored.get('tokens/anthropic')).toBe(GOPASS_ANTHROPIC);
    expect(stored.get('tokens/acme-deploy')).toBe(GOPASS_DEPLOY);
    expect(stored.get('api/openai')).toBe(OPENAI);
  });

  it('imports macOS keychain generic passwords by service through `security`, never putting a value on its command line', async () => {
    const dry = await ncl(['secrets', 'import', 'keychain:service=stripe', '--dry-run'], keychainEnv);
    expect(dry.code, dry.stderr).toBe(0);
    // The internet password of the same service is not a generic password: left alone.
    expect(dry.json.imported).toEqual([{ name: 'Stripe live', type: 'generic', hostPattern: 'api.stripe.com', service: 'Stripe' }]);
    const r = await ncl(['secrets', 'import', 'keychain:account=deploy-bot', '--host-pattern', 'agents=agents.example'], keychainEnv);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.imported).toEqual([expect.objectContaining({ name: 'agents', hostPattern: 'agents.example' })]);
    expect((await storedValues()).get('agents')).toBe(KEYCHAIN_OTHER);
    const calls = readFileSync(securityArgv, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]);
    expect(calls).toContainEqual(['find-generic-password', '-s', 'agents', '-a', 'deploy-bot', '-g']);
    for (const value of ALL) expect(calls.flat().filter((arg) => arg.includes(value))).toEqual([]);
  });

  it('says the keychain source needs macOS\'s security where there is none', async () => {
    const r = await ncl(['secrets', 'import', 'keychain:service=stripe']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr)).toMatchObject({ code: 'import_source_unavailable', message: expect.stringContaining('security') });
    expect((await ncl(['secrets', 'import', 'keychain:colour=blue'])).code).toBe(2);
  });

  it('imports a dotenv file, leaving host-process tokens and unknown keys out', async () => {
    const r = await ncl(['secrets', 'import', 'dotenv:old.env']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.imported).toEqual([expect.objectContaining({ name: 'MISTRAL_API_KEY', hostPattern: 'api.mistral.ai' })]);
    expect(r.json.skipped.map((s: { name: string; reason: string }) => `${s.name}:${s.reason}`)).toEqual([
      'TELEGRAM_BOT_TOKEN:host_setting',
      'SOMETHING_ELSE:no_host_pattern',
    ]);
  });

  it('says what is wrong with a source it cannot read', async () => {
    const r = await ncl(['secrets', 'import', 'pass:nope']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr)).toMatchObject({ code: 'import_source_missing' });
    expect((await ncl(['secrets', 'import', 'vault9'])).code).toBe(2);
  });

  it('never printed a value', () => {
    const all = printed.join('\n') + vault.output();
    for (const value of ALL) expect(all).not.toContain(value);
  });
});
