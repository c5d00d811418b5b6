import { randomBytes } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultClient } from '../../src/client/vault-client.js';
import { parseEnvFile } from '../../src/config/env-file.js';
import { agentContainerName } from '../../src/docker/agent-spec.js';
import { execInContainer } from '../../src/docker/container-exec.js';
import type { TempProject } from '../support/temp-project.js';
import { runTlsUpstreamContainer, type TlsUpstreamContainer } from '../support/tls-upstream-container.js';
import { SetupHarness } from './setup-harness.js';

// `ncl init-onecli` on a machine with keys in .env and no vault: it installs the vault container
// first (the wizard's fresh path), then moves the keys into it. Then a key added to .env later is
// migrated into an existing group, and an agent launched from that group gets it injected.

const ANTHROPIC = `sk-ant-api03-${randomBytes(24).toString('hex')}`;
const GITHUB = `ghp_${randomBytes(18).toString('hex')}`;
const TELEGRAM = `${700_000_000 + randomBytes(2).readUInt16BE(0)}:AA${randomBytes(16).toString('hex')}`;

const OPENAI = `sk-proj-${randomBytes(24).toString('hex')}`;
const GROUP = `migrated-${randomBytes(3).toString('hex')}`;
const KEEP_ALIVE = ['node', '-e', "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1 << 30)"];

let h: SetupHarness;
let p: TempProject;
let upstream: TlsUpstreamContainer;
let extra: Record<string, string>;
const ncl = (args: string[], input?: string) => h.ncl(p, args, { env: extra, ...(input !== undefined ? { input } : {}) });

beforeAll(async () => {
  h = await SetupHarness.start();
  upstream = await runTlsUpstreamContainer({ docker: h.docker, network: await h.outboundNetwork(), aliases: ['api.openai.com'] });
  extra = { NANOCLAW_EXTRA_CA_CERTS: upstream.caFile, NANOCLAW_ALLOW_PRIVATE: 'api.openai.com:443' };
  p = await h.project(`# keys\nANTHROPIC_API_KEY=${ANTHROPIC}\nGITHUB_TOKEN=${GITHUB}\nTELEGRAM_BOT_TOKEN=${TELEGRAM}\n`);
}, 300_000);

afterAll(async () => {
  await h?.docker.getContainer(agentContainerName(GROUP)).remove({ force: true }).catch(() => undefined);
  await upstream?.close();
  const all = h?.outputs.join('\n') ?? '';
  await h?.[Symbol.asyncDispose]();
  for (const value of [ANTHROPIC, GITHUB, TELEGRAM, OPENAI]) expect(all).not.toContain(value);
});

describe('ncl init-onecli with no vault', () => {
  it('installs the vault container, then moves the keys into it and out of .env', async () => {
    await expect(h.container()).rejects.toThrow(); // nothing there yet
    const r = await ncl(['init-onecli', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { id } = await h.container();
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const env = parseEnvFile(await h.readEnv(p));
    expect(env.get('ONECLI_URL')).toBe(`http://127.0.0.1:${h.port}`);
    expect(env.get('ANTHROPIC_API_KEY')).toBeUndefined();
    expect(env.get('GITHUB_TOKEN')).toBeUndefined();
    expect(env.get('TELEGRAM_BOT_TOKEN')).toBe(TELEGRAM); // a host-process token stays

    const client = new VaultClient({ url: env.get('ONECLI_URL')!, apiKey: env.get('ONECLI_API_KEY')! });
    const hosts = (await client.listSecrets()).data.map((s) => s.hostPattern).sort();
    expect(hosts).toEqual(['.github.com', 'api.anthropic.com']);
  });

  it('a second run finds the vault it installed and changes nothing', async () => {
    const before = await h.container();
    const envBefore = await h.readEnv(p);
    const r = await ncl(['init-onecli', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(await h.container()).toEqual(before);
    expect(await h.readEnv(p)).toBe(envBefore);
  });

  it('a key added later moves into the existing group, whose agent gets it injected and holds none of it', async () => {
    const group = await ncl(['setup', '--yes', '--json', '--auth', 'skip', '--group', GROUP]);
    expect(group.code, group.stderr).toBe(0);
    await appendFile(p.envFile, `OPENAI_API_KEY=${OPENAI}\n`);
    const moved = await ncl(['init-onecli', '--yes', '--json']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(parseEnvFile(await h.readEnv(p)).get('OPENAI_API_KEY')).toBeUndefined();

    const launched = await ncl(['launch', GROUP, '--', ...KEEP_ALIVE]);
    expect(launched.code, launched.stderr).toBe(0);
    const curl = await execInContainer(h.docker, agentContainerName(GROUP), {
      cmd: ['sh', '-c', 'curl -sS --max-time 20 https://api.openai.com/v1/models'],
      user: '1000:1000',
      timeoutMs: 60_000,
    });
    expect(JSON.parse(curl.stdout)).toEqual({ ok: true, path: '/v1/models' });
    const seen = (await upstream.requests()).find((x) => x.url === '/v1/models');
    expect(seen?.headers.authorization).toBe(`Bearer ${OPENAI}`);
    const dump = await execInContainer(h.docker, agentContainerName(GROUP), { cmd: ['sh', '-c', 'env; cat /proc/1/environ'], user: '1000:1000', timeoutMs: 30_000 });
    expect(dump.stdout).not.toContain(OPENAI);
  });
});
