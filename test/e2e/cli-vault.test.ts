import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../src/config/env-file.js';
import { runCli, startCli } from './cli-run.js';

const GITHUB_VALUE = `ghp_${randomBytes(18).toString('hex')}`;
const OPENAI_VALUE = `sk-e2e-${randomBytes(16).toString('hex')}`;
const ROTATED_VALUE = `rotated-${randomBytes(16).toString('hex')}`;
const PASSPHRASE = `pass-${randomBytes(8).toString('hex')}`;

let dir: string;
let env: NodeJS.ProcessEnv;
let vault: Awaited<ReturnType<typeof startCli>> | null = null;
const outputs: string[] = [];

async function ncl(args: string[], input?: string) {
  const r = await runCli(args, { cwd: dir, env, ...(input === undefined ? {} : { input }) });
  outputs.push(r.stdout, r.stderr);
  return r;
}

async function serve() {
  vault = await startCli(['vault', 'serve', '--api-listen', '127.0.0.1:0', '--gateway-listen', '127.0.0.1:0'], {
    cwd: dir,
    env,
    ready: /Vault API listening on (http:\/\/\S+)/,
  });
  const url = /Vault API listening on (http:\/\/\S+?);/.exec(vault.output())![1]!;
  env.ONECLI_URL = url;
}

async function stopVault() {
  if (!vault) return;
  outputs.push(vault.output());
  await vault.stop();
  vault = null;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-e2e-'));
  // No Secret Service in this test: the master key falls back to a 0600 file (with a warning).
  env = {
    PATH: process.env.PATH,
    HOME: join(dir, 'home'),
    NANOCLAW_VAULT_DIR: join(dir, 'vault'),
    LOG_LEVEL: 'debug',
  };
  await serve();
});

afterAll(async () => {
  await stopVault();
  rmSync(dir, { recursive: true, force: true });
});

describe('ncl against `ncl vault serve`', () => {
  it('wrote ONECLI_URL and ONECLI_API_KEY to .env on first start, mode 0600', () => {
    const envFile = join(dir, '.env');
    const doc = parseEnvFile(readFileSync(envFile, 'utf8'));
    expect(doc.get('ONECLI_API_KEY')).toMatch(/^oc_[0-9a-f]{64}$/);
    expect(doc.get('ONECLI_URL')).toBe(env.ONECLI_URL);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(vault!.output()).toMatch(/key file|keyring/i);
    expect(vault!.output()).not.toContain(doc.get('ONECLI_API_KEY'));
  });

  it('creates secrets and agents and follows the NanoClaw grant pattern', async () => {
    const gh = await ncl(['secrets', 'create', '--name', 'GitHub', '--type', 'api_key', '--host-pattern', 'api.github.com', '--value-stdin'], GITHUB_VALUE + '\n');
    expect(gh.code, gh.stderr).toBe(0);
    expect(gh.json).toMatchObject({ name: 'GitHub', type: 'api_key', hostPattern: 'api.github.com' });
    const oa = await ncl(['secrets', 'create', '--name', 'OpenAI', '--type', 'generic', '--host-pattern', 'api.openai.com', '--header-name', 'Authorization', '--value-format', 'Bearer {value}', '--value', OPENAI_VALUE]);
    expect(oa.code, oa.stderr).toBe(0);
    expect(oa.json.injectionConfig).toEqual({ headerName: 'Authorization', valueFormat: 'Bearer {value}' });

    const created = await ncl(['agents', 'create', '--name', 'Main', '--identifier', 'main']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.json.token).toMatch(/^aoc_[0-9a-f]{64}$/);

    // NanoClaw's pattern: list → find the agent → read its grants → write the merged list.
    const agents = await ncl(['agents', 'list']);
    const agent = agents.json.data.find((a: any) => a.identifier === 'main');
    expect(agent).toBeDefined();
    expect(agent).not.toHaveProperty('token');
    const first = await ncl(['agents', 'set-secrets', '--id', agent.id, '--secret-ids', gh.json.id]);
    expect(first.json.data).toEqual([gh.json.id]);
    const current = await ncl(['agents', 'secrets', '--id', agent.id]);
    const merged = [...current.json.data, oa.json.id];
    const second = await ncl(['agents', 'set-secrets', '--id', agent.id, '--secret-ids', merged.join(',')]);
    expect(new Set(second.json.data)).toEqual(new Set([gh.json.id, oa.json.id]));
    // `agents grant` does that merge itself: back to one grant, then add the other.
    await ncl(['agents', 'set-secrets', '--id', 'main', '--secret-ids', gh.json.id]);
    const granted = await ncl(['agents', 'grant', '--id', 'main', '--secret-ids', `${oa.json.id},${gh.json.id}`]);
    expect(granted.code, granted.stderr).toBe(0);
    expect(new Set(granted.json.data)).toEqual(new Set([gh.json.id, oa.json.id]));
    const asking = await ncl(['agents', 'update', '--id', 'main', '--egress', 'ask', '--allow-hosts', 'pypi.org, files.pythonhosted.org']);
    expect(asking.code, asking.stderr).toBe(0);
    expect(asking.json).toMatchObject({ identifier: 'main', egressPolicy: 'ask', allowHosts: ['pypi.org', 'files.pythonhosted.org'] });
    expect((await ncl(['agents', 'update', '--id', 'main', '--egress', 'sometimes'])).code).toBe(2);
    expect((await ncl(['agents', 'update', '--id', 'main', '--egress', 'tunnel', '--allow-hosts', ''])).json).toMatchObject({ egressPolicy: 'tunnel', allowHosts: [] });

    const rotated = await ncl(['secrets', 'update', '--id', gh.json.id, '--value-stdin'], ROTATED_VALUE);
    expect(rotated.code, rotated.stderr).toBe(0);
    const listed = await ncl(['secrets', 'list']);
    expect(listed.json.data.map((s: any) => s.name).sort()).toEqual(['GitHub', 'OpenAI']);

    const status = await ncl(['vault', 'status']);
    expect(status.json).toMatchObject({ status: 'ok', secrets: 2, agents: 1 });
  });

  it('reports errors as JSON with exit 1, usage errors with exit 2, and --help everywhere', async () => {
    const missing = await ncl(['secrets', 'delete', '--id', 'no-such-secret']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stderr)).toMatchObject({ code: 'not_found' });
    const bad = await ncl(['secrets', 'create', '--name', 'x', '--type', 'api_key', '--host-pattern', 'http://x/', '--value', 'abcdefgh']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stderr).message).toContain('hostPattern');
    expect((await ncl(['secrets', 'create', '--bogus'])).code).toBe(2);
    expect((await ncl(['secrets', 'create', '--name', 'x', '--type', 'nope', '--host-pattern', 'a.test'])).code).toBe(2);
    expect((await ncl(['no-such-command'])).code).toBe(2);
    const noValue = await ncl(['secrets', 'create', '--name', 'x', '--type', 'api_key', '--host-pattern', 'a.test']);
    expect(noValue.code).toBe(2);
    expect(noValue.stderr).toContain('--value-stdin');
    const decoy = await ncl(['secrets', 'create', '--name', 'decoy', '--type', 'honeytoken', '--host-pattern', 'aws.a.test']);
    expect(decoy.code, decoy.stderr).toBe(0);
    expect(decoy.json).toMatchObject({ name: 'decoy', type: 'honeytoken', hostPattern: 'aws.a.test' });
    expect((await ncl(['secrets', 'delete', '--id', 'decoy'])).code).toBe(0);
    for (const args of [[], ['vault'], ['vault', 'serve'], ['vault', 'backup'], ['secrets'], ['secrets', 'create'], ['agents'], ['agents', 'set-secrets'], ['setup']]) {
      const help = await ncl([...args, '--help']);
      expect(help.code, args.join(' ')).toBe(0);
      expect(help.stdout).toContain('Usage:');
    }
    const wrongKey = await runCli(['secrets', 'list'], { cwd: dir, env: { ...env, ONECLI_API_KEY: 'oc_' + '0'.repeat(64) } });
    expect(wrongKey.code).toBe(1);
    expect(JSON.parse(wrongKey.stderr)).toMatchObject({ code: 'unauthorized' });
  });

  it('backs up, survives a wipe, and restores every secret and grant', async () => {
    const before = (await ncl(['agents', 'secrets', '--id', 'main'])).json.data;
    await stopVault();
    const backup = join(dir, 'backup.json');
    const made = await ncl(['vault', 'backup', backup, '--passphrase-stdin'], PASSPHRASE);
    expect(made.code, made.stderr).toBe(0);
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    const bytes = readFileSync(backup);
    for (const v of [GITHUB_VALUE, ROTATED_VALUE, OPENAI_VALUE]) expect(bytes.includes(v)).toBe(false);

    rmSync(join(dir, 'vault'), { recursive: true, force: true });
    const wrong = await ncl(['vault', 'restore', backup, '--passphrase-stdin'], 'not-the-passphrase');
    expect(wrong.code).toBe(1);
    const restored = await ncl(['vault', 'restore', backup, '--passphrase-stdin'], PASSPHRASE);
    expect(restored.code, restored.stderr).toBe(0);

    await serve();
    expect((await ncl(['agents', 'secrets', '--id', 'main'])).json.data).toEqual(before);
    expect((await ncl(['secrets', 'list'])).json.data).toHaveLength(2);
  });

  it('says what to do when the vault is down', async () => {
    const down = await runCli(['secrets', 'list'], { cwd: dir, env: { ...env, ONECLI_URL: 'http://127.0.0.1:9' } });
    expect(down.code).toBe(1);
    const err = JSON.parse(down.stderr);
    expect(err.code).toBe('vault_unreachable');
    expect(err.hint).toContain('ncl vault serve');
  });

  it('never printed a secret value', () => {
    const all = outputs.join('\n');
    for (const v of [GITHUB_VALUE, OPENAI_VALUE, ROTATED_VALUE, PASSPHRASE]) expect(all).not.toContain(v);
  });
});
