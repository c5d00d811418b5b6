import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecretService, type StartedSecretService } from '../support/secret-service.js';
import { runCli, startCli } from './cli-run.js';

const run = promisify(execFile);
const OPENAI = `sk-import-${randomBytes(12).toString('hex')}`;
const GITHUB = `ghp_${randomBytes(18).toString('hex')}`;
const ACME = `acme_${randomBytes(12).toString('hex')}`;
const KEYRING_GROQ = `gsk_${randomBytes(16).toString('hex')}`;
const DOTENV_MISTRAL = `mistral-${randomBytes(10).toString('hex')}`;
const ALL = [OPENAI, GITHUB, ACME, KEYRING_GROQ, DOTENV_MISTRAL];

let dir: string;
let env: NodeJS.ProcessEnv;
let vault: Awaited<ReturnType<typeof startCli>>;
let keyring: StartedSecretService;
const printed: string[] = [];

async function ncl(args: string[]) {
  const r = await runCli(args, { cwd: dir, env });
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
