import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../src/config/env-file.js';
import { startInitOnecliHarness, type InitOnecliHarness } from './init-onecli-harness.js';
import { freePort } from '../support/free-port.js';
import { fakeClaudeDir, SetupHarness } from './setup-harness.js';

// The remote path: a second vault instance (`ncl vault serve` in a child process) stands in
// for a remote OneCLI. No local vault container may appear; a bad token or an unreachable
// host is a clear error and leaves .env byte for byte as it was.

const OAUTH = `sk-ant-oat01-${randomBytes(24).toString('hex')}`;
const ORIGINAL = '# remote project\nASSISTANT_NAME=Andy\n';

let h: SetupHarness;
let remote: InitOnecliHarness;

beforeAll(async () => {
  h = await SetupHarness.start();
  remote = await startInitOnecliHarness();
}, 600_000);

afterAll(async () => {
  const all = [...(h?.outputs ?? []), ...(remote?.outputs ?? [])].join('\n');
  await remote?.dispose();
  await h?.[Symbol.asyncDispose]();
  expect(all).not.toContain(OAUTH);
  if (remote) expect(all).not.toContain(remote.apiKey);
});

const remoteEnv = (host: string, token: string) => ({ NANOCLAW_ONECLI_API_HOST: host, NANOCLAW_ONECLI_API_TOKEN: token });
const lastJsonLine = (text: string) => JSON.parse(text.trim().split('\n').at(-1) ?? '{}');

describe('ncl setup with a remote vault', () => {
  it('an unreachable host is a clear error naming the host, and .env is unchanged', async () => {
    const p = await h.project(ORIGINAL);
    const host = `http://127.0.0.1:${await freePort()}`;
    const r = await h.ncl(p, ['setup', '--yes', '--auth', 'skip'], { env: remoteEnv(host, `oc_${'1'.repeat(64)}`) });
    expect(r.code).toBe(1);
    const err = lastJsonLine(r.stderr);
    expect(err.code).toBe('remote_vault_unreachable');
    expect(err.message).toContain(`${host}/api/health`);
    expect(err.hint).toContain('NANOCLAW_ONECLI_API_HOST');
    expect(await h.readEnv(p)).toBe(ORIGINAL);
  });

  it('a rejected token is a clear error, and .env is unchanged', async () => {
    const p = await h.project(ORIGINAL);
    const bad = `oc_${randomBytes(32).toString('hex')}`;
    const r = await h.ncl(p, ['setup', '--yes', '--auth', 'skip'], { env: remoteEnv(remote.url, bad) });
    expect(r.code).toBe(1);
    const err = lastJsonLine(r.stderr);
    expect(err.code).toBe('remote_token_rejected');
    expect(err.hint).toContain('NANOCLAW_ONECLI_API_TOKEN');
    expect(r.stderr + r.stdout).not.toContain(bad);
    expect(await h.readEnv(p)).toBe(ORIGINAL);
  });

  it('a token without oc_ is refused before anything is tried', async () => {
    const p = await h.project(ORIGINAL);
    const r = await h.ncl(p, ['setup', '--yes'], { env: remoteEnv(remote.url, 'not-a-token') });
    expect(r.code).toBe(1);
    expect(lastJsonLine(r.stderr)).toMatchObject({ code: 'bad_settings' });
    expect(await h.readEnv(p)).toBe(ORIGINAL);
  });

  it('writes ONECLI_URL and ONECLI_API_KEY, stores a token captured from claude setup-token, and starts no vault container', async () => {
    const p = await h.project(ORIGINAL);
    const bin = await fakeClaudeDir(p.home, OAUTH);
    const env = { ...remoteEnv(remote.url, remote.apiKey), PATH: `${bin}:${process.env.PATH}` };
    const r = await h.ncl(p, ['setup', '--yes', '--json', '--auth', 'setup-token', '--group', 'remote-main', '--group-name', 'Remote agent'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.vault).toEqual({ path: 'remote', url: remote.url });
    expect(r.json.auth).toMatchObject({ status: 'stored', method: 'setup-token', hostPattern: 'api.anthropic.com' });
    expect(r.stderr).toContain('Opening your browser to sign in');
    expect(r.stderr).toContain('[token captured, not shown]');
    const doc = parseEnvFile(await h.readEnv(p));
    expect(doc.get('ONECLI_URL')).toBe(remote.url);
    expect(doc.get('ONECLI_API_KEY')).toBe(remote.apiKey);
    expect(doc.get('ASSISTANT_NAME')).toBe('Andy');
    expect(await h.docker.getContainer(h.names.vault).inspect().catch(() => null)).toBeNull();
    const secrets = (await remote.client.listSecrets()).data;
    const anthropic = secrets.find((s) => s.type === 'anthropic');
    expect(anthropic).toMatchObject({ name: 'Anthropic', hostPattern: 'api.anthropic.com' });
    const agent = await remote.client.getAgent('remote-main');
    expect(agent.name).toBe('Remote agent');
    expect((await remote.client.getAgentSecrets(agent.id)).data).toEqual([anthropic!.id]);
    expect(JSON.parse(await readFile(join(p.dir, 'groups', 'remote-main', 'container.json'), 'utf8'))).toEqual({ agentGroupId: 'remote-main' });

    const again = await h.ncl(p, ['setup', '--yes', '--json', '--group', 'remote-main'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.skipped).toEqual(['vault', 'auth', 'group', 'verify']);
    expect((await remote.client.listSecrets()).data).toEqual(secrets);
  });

  it('a custom Anthropic endpoint becomes a Bearer secret for its host; only ANTHROPIC_BASE_URL goes to .env', async () => {
    const token = `custom-${randomBytes(16).toString('hex')}`;
    const p = await h.project(`${ORIGINAL}NANOCLAW_ANTHROPIC_AUTH_TOKEN=${token}\n`);
    const env = { ...remoteEnv(remote.url, remote.apiKey), NANOCLAW_ANTHROPIC_BASE_URL: 'https://llm.internal.test/anthropic' };
    const r = await h.ncl(p, ['setup', '--yes', '--json', '--group', 'custom-main'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.auth).toMatchObject({ status: 'stored', method: 'custom', hostPattern: 'llm.internal.test' });
    const secret = (await remote.client.listSecrets()).data.find((s) => s.hostPattern === 'llm.internal.test');
    expect(secret).toMatchObject({ type: 'generic', injectionConfig: { headerName: 'Authorization', valueFormat: 'Bearer {value}' } });
    const text = await h.readEnv(p);
    expect(text).not.toContain(token);
    expect(parseEnvFile(text).get('ANTHROPIC_BASE_URL')).toBe('https://llm.internal.test/anthropic');
    const config = JSON.parse(await readFile(join(p.dir, 'groups', 'custom-main', 'container.json'), 'utf8'));
    expect(config).toEqual({ agentGroupId: 'custom-main', env: { ANTHROPIC_BASE_URL: 'https://llm.internal.test/anthropic' } });
    expect(r.stdout + r.stderr).not.toContain(token);
  });
});
