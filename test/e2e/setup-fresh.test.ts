import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultClient } from '../../src/client/vault-client.js';
import { parseEnvFile } from '../../src/config/env-file.js';
import { execInContainer } from '../../src/docker/container-exec.js';
import { agentContainerName } from '../../src/docker/agent-spec.js';
import type { TempProject } from '../support/temp-project.js';
import { runTlsUpstreamContainer, type TlsUpstreamContainer } from '../support/tls-upstream-container.js';
import { SetupHarness } from './setup-harness.js';

// `ncl setup` non-interactively through the fresh and the reuse paths against a real engine,
// then a re-run that changes nothing, then the first group launched with the key injected.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KEY = `sk-ant-api03-${randomBytes(24).toString('hex')}`;
const GROUP = `setup-${randomBytes(3).toString('hex')}`;
const KEEP_ALIVE = ['node', '-e', "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1 << 30)"];

let h: SetupHarness;
let upstream: TlsUpstreamContainer;
let p: TempProject;
let first: Awaited<ReturnType<SetupHarness['ncl']>>;
let extra: Record<string, string>;

beforeAll(async () => {
  h = await SetupHarness.start();
  const network = await h.outboundNetwork();
  upstream = await runTlsUpstreamContainer({ docker: h.docker, network, aliases: ['api.anthropic.com'] });
  extra = { NANOCLAW_EXTRA_CA_CERTS: upstream.caFile, NANOCLAW_ALLOW_PRIVATE: 'api.anthropic.com:443' };
  p = await h.project('# my project\nASSISTANT_NAME=Andy\n');
  first = await h.ncl(p, ['setup', '--yes', '--json', '--anthropic-key-stdin', '--group', GROUP], { input: KEY + '\n', env: extra });
}, 600_000);

afterAll(async () => {
  await h?.docker.getContainer(agentContainerName(GROUP)).remove({ force: true }).catch(() => undefined);
  await upstream?.close();
  const all = h?.outputs.join('\n') ?? '';
  await h?.[Symbol.asyncDispose]();
  if (!first) return; // setup never ran: the failure that stopped it is reported already
  expect(all.length).toBeGreaterThan(500);
  expect(all).not.toContain(KEY);
});

describe('ncl setup --yes (fresh install)', () => {
  it('installs the vault, stores the key, creates and grants the first group, verifies, and prints a JSON summary', async () => {
    expect(first.code, first.stderr).toBe(0);
    const s = first.json;
    expect(s.vault).toMatchObject({ path: 'fresh', url: `http://127.0.0.1:${h.port}`, container: h.names.vault, action: 'created' });
    expect(s.auth).toMatchObject({ status: 'stored', method: 'api-key', secret: 'Anthropic', hostPattern: 'api.anthropic.com' });
    expect(s.group).toMatchObject({ identifier: GROUP, name: 'Main agent', created: true, granted: ['Anthropic'] });
    expect(s.verified).toBe(true);
    // The temp project is outside the checkout: the launcher by its absolute path.
    expect(s.next).toContain(`${ROOT}ncl launch ${GROUP}`);
    // Progress of every step went to stderr.
    for (const title of ['Prerequisites', 'Vault', 'Connect Claude', 'First agent group', 'Verify']) expect(first.stderr).toContain(title);

    const env = parseEnvFile(await h.readEnv(p));
    expect(env.get('ASSISTANT_NAME')).toBe('Andy');
    expect(env.get('ONECLI_URL')).toBe(`http://127.0.0.1:${h.port}`);
    const client = new VaultClient({ url: env.get('ONECLI_URL')!, apiKey: env.get('ONECLI_API_KEY')! });
    const secrets = (await client.listSecrets()).data;
    expect(secrets).toEqual([expect.objectContaining({ name: 'Anthropic', type: 'anthropic', hostPattern: 'api.anthropic.com' })]);
    const agent = await client.getAgent(GROUP);
    expect(agent).toMatchObject({ name: 'Main agent', secretMode: 'selective' });
    expect((await client.getAgentSecrets(agent.id)).data).toEqual([secrets[0]!.id]);
    expect(JSON.parse(await readFile(join(p.dir, 'groups', GROUP, 'container.json'), 'utf8'))).toEqual({ agentGroupId: GROUP });
    const state = JSON.parse(await readFile(join(p.dir, '.nanoclaw', 'setup-state.json'), 'utf8'));
    expect(Object.keys(state.completed).sort()).toEqual(['auth', 'group', 'prerequisites', 'vault', 'verify']);
  });

  it('a second run changes nothing: same container, same start time, same .env and state bytes', async () => {
    const before = await h.container();
    const envBefore = await h.readEnv(p);
    const stateFile = join(p.dir, '.nanoclaw', 'setup-state.json');
    const stateBefore = await readFile(stateFile, 'utf8');
    const again = await h.ncl(p, ['setup', '--yes', '--json', '--group', GROUP], { env: extra });
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.skipped).toEqual(['vault', 'auth', 'group', 'verify']);
    expect(again.json.auth).toMatchObject({ status: 'present', secret: 'Anthropic' });
    expect(await h.container()).toEqual(before);
    expect(await h.readEnv(p)).toBe(envBefore);
    expect(await readFile(stateFile, 'utf8')).toBe(stateBefore);
  });

  it('resumes after an interruption: with the state file gone, every step re-checks and still changes nothing', async () => {
    const before = await h.container();
    const envBefore = await h.readEnv(p);
    await rm(join(p.dir, '.nanoclaw'), { recursive: true });
    const again = await h.ncl(p, ['setup', '--yes', '--json', '--group', GROUP], { env: extra });
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.vault).toMatchObject({ path: 'reuse', url: `http://127.0.0.1:${h.port}` });
    expect(again.json.skipped).toEqual(['auth', 'group']);
    expect(await h.container()).toEqual(before);
    expect(await h.readEnv(p)).toBe(envBefore);
  });

  it('reuse: another project with the key finds the vault on the default port and leaves it untouched', async () => {
    const before = await h.container();
    const apiKey = parseEnvFile(await h.readEnv(p)).get('ONECLI_API_KEY')!;
    const other = await h.project(`ONECLI_API_KEY=${apiKey}\n`);
    const r = await h.ncl(other, ['setup', '--yes', '--json', '--vault', 'reuse', '--group', `${GROUP}-b`], { env: extra });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.vault).toEqual({ path: 'reuse', url: `http://127.0.0.1:${h.port}` });
    expect(r.json.group).toMatchObject({ identifier: `${GROUP}-b`, created: true, granted: ['Anthropic'] });
    expect(await h.container()).toEqual(before);
    expect(parseEnvFile(await h.readEnv(other)).get('ONECLI_URL')).toBe(`http://127.0.0.1:${h.port}`);
    const wrong = await h.project(`ONECLI_API_KEY=oc_${'0'.repeat(64)}\n`);
    const refused = await h.ncl(wrong, ['setup', '--yes', '--vault', 'reuse']);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stderr.trim().split('\n').at(-1)!)).toMatchObject({ code: 'usage_error' });
    expect(await h.readEnv(wrong)).toBe(`ONECLI_API_KEY=oc_${'0'.repeat(64)}\n`);
    expect(await h.container()).toEqual(before);
  });

  it('the first group launches, and the gateway injects the stored key into its Anthropic requests', async () => {
    const r = await h.ncl(p, ['launch', GROUP, '--', ...KEEP_ALIVE], { env: extra });
    expect(r.code, r.stderr).toBe(0);
    const curl = await execInContainer(h.docker, agentContainerName(GROUP), {
      cmd: ['sh', '-c', 'curl -sS --max-time 20 -H "x-api-key: $ANTHROPIC_API_KEY" https://api.anthropic.com/v1/messages'],
      user: '1000:1000',
      timeoutMs: 60_000,
    });
    expect(JSON.parse(curl.stdout)).toEqual({ ok: true, path: '/v1/messages' });
    const seen = (await upstream.requests()).find((x) => x.url === '/v1/messages');
    expect(seen?.headers['x-api-key']).toBe(KEY);
    const env = await execInContainer(h.docker, agentContainerName(GROUP), { cmd: ['env'], user: '1000:1000', timeoutMs: 30_000 });
    expect(env.stdout).toContain('ANTHROPIC_API_KEY=onecli-managed');
    expect(env.stdout).not.toContain(KEY);
  });
});
