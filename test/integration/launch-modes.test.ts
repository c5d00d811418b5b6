import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testLabels } from '../support/test-labels.js';
import { agentNetworks } from '../support/agent-networks.js';
import { LaunchHarness } from './launch-harness.js';

// Launch modes against one vault: lockdown off, two groups with different grants, stubs,
// lockdown toggling, native credentials, a bad container.json and a vault that is down.

const rand = () => randomBytes(3).toString('hex');
const A = `grp-a-${rand()}`;
const B = `grp-b-${rand()}`;
const SECRETS = {
  github: `ghp_${randomBytes(18).toString('hex')}`,
  other: `other-${randomBytes(16).toString('hex')}`,
  native: `sk-ant-api03-native-${randomBytes(16).toString('hex')}`,
  vaultClaude: `sk-ant-api03-vault-${randomBytes(16).toString('hex')}`,
};
const KEEP_ALIVE = ['node', '-e', "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1 << 30)"];
const REAL_CREDENTIALS = '{"access_token":"ya29.a-real-token-someone-put-here","refresh_token":"1//real"}\n';
let h: LaunchHarness;

async function envOf(folder: string): Promise<Record<string, string>> {
  const info = await h.docker.getContainer(h.containerName(folder)).inspect();
  return Object.fromEntries(info.Config.Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}
async function networksOf(folder: string): Promise<string[]> {
  return agentNetworks(h.docker, h.containerName(folder));
}
async function curl(folder: string, url: string, extra = ''): Promise<string> {
  return (await h.exec(folder, ['sh', '-c', `curl -sS --max-time 20 ${extra} ${url}`])).stdout;
}

beforeAll(async () => {
  h = await LaunchHarness.start({ lockdown: false });
  const gh = await h.client.createSecret({ name: 'github', type: 'generic', value: SECRETS.github, hostPattern: 'api.github.test', injectionConfig: { headerName: 'Authorization', valueFormat: 'Bearer {value}' } });
  const other = await h.client.createSecret({ name: 'other', type: 'generic', value: SECRETS.other, hostPattern: 'api.other.test', injectionConfig: { headerName: 'X-Other', valueFormat: '{value}' } });
  for (const [folder, secret] of [[A, gh], [B, other]] as const) {
    await h.client.createAgent({ name: folder, identifier: folder, secretMode: 'selective' });
    await h.client.setAgentSecrets(folder, [secret.id]);
  }
  await h.writeGroup(A, { agentGroupId: A, stubs: ['gcal'] });
  const bDir = await h.writeGroup(B, { agentGroupId: B, stubs: ['gmail'] });
  await mkdir(join(bDir, 'home', '.gmail-mcp'), { recursive: true });
  await writeFile(join(bDir, 'home', '.gmail-mcp', 'credentials.json'), REAL_CREDENTIALS, { mode: 0o600 });
}, 600_000);

afterAll(async () => {
  const all = h?.outputs.join('\n') ?? '';
  await h?.[Symbol.asyncDispose]();
  for (const v of Object.values(SECRETS)) expect(all).not.toContain(v);
});

describe('ncl launch modes (real engine)', () => {
  it('a bad container.json fails naming the field, and nothing is created', async () => {
    const bad = `bad-${rand()}`;
    await h.writeGroup(bad, { agentGroupId: bad, env: { GITHUB_TOKEN: 'x' }, resources: { memory: 'lots' } });
    const r = await h.ncl(['launch', bad]);
    expect(r.code).toBe(1);
    const err = JSON.parse(r.stderr);
    expect(err.code).toBe('bad_container_json');
    expect(err.message).toContain(join('groups', bad, 'container.json'));
    expect(err.message).toContain('env.GITHUB_TOKEN');
    expect(err.message).toContain('resources.memory');
    expect(await h.docker.getContainer(h.containerName(bad)).inspect().catch(() => null)).toBeNull();
    await expect(h.client.getAgent(bad)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('lockdown off: the outbound bridge, proxy via the vault container, one warning about bypassing', async () => {
    const r = await h.ncl(['launch', A, '--', ...KEEP_ALIVE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ lockdown: false, selfTest: 'not_applicable', network: h.names.outbound });
    expect(r.logs.filter((l) => /lockdown is off.*bypass the vault/.test(l))).toHaveLength(1);
    expect(await networksOf(A)).toEqual([h.names.outbound]);
    expect((await envOf(A)).HTTPS_PROXY).toMatch(new RegExp(`^http://x:aoc_[0-9a-f]{64}@${h.names.vault}:10255$`));
    expect(JSON.parse(await curl(A, 'https://api.github.test/a-off')).path).toBe('/a-off');
    const seen = await h.upstream.requests();
    expect(seen.find((x) => x.url === '/a-off')?.headers.authorization).toBe(`Bearer ${SECRETS.github}`);
  });

  it('stubs: the placeholder is written, a pre-existing real credentials file is left untouched and reported', async () => {
    const r = await h.ncl(['launch', B, '--', ...KEEP_ALIVE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.stubs.kept).toEqual(['.gmail-mcp/credentials.json']);
    expect(r.json.stubs.written).toContain('.gmail-mcp/gcp-oauth.keys.json');
    expect(r.logs.some((l) => /Left a credentials file untouched/.test(l) && l.includes('credentials.json'))).toBe(true);
    const inside = await h.exec(B, ['cat', '/home/node/.gmail-mcp/gcp-oauth.keys.json']);
    expect(inside.stdout).toContain('"client_id": "onecli-managed"');
    expect(await readFile(join(h.project.dir, 'groups', B, 'home', '.gmail-mcp', 'credentials.json'), 'utf8')).toBe(REAL_CREDENTIALS);
    const gcal = await h.exec(A, ['cat', '/home/node/.config/google-calendar-mcp/tokens.json']);
    expect(gcal.stdout).toContain('onecli-managed');
    const mode = await h.exec(A, ['stat', '-c', '%a %u', '/home/node/.config/google-calendar-mcp/tokens.json']);
    expect(mode.stdout.trim()).toBe('600 1000');
  });

  it('two groups with different grants: each sees only its own injections', async () => {
    await curl(A, 'https://api.github.test/a-gh');
    await curl(A, 'https://api.other.test/a-other');
    await curl(B, 'https://api.github.test/b-gh');
    await curl(B, 'https://api.other.test/b-other');
    const seen = await h.upstream.requests();
    const at = (p: string) => seen.find((x) => x.url === p)?.headers;
    expect(at('/a-gh')?.authorization).toBe(`Bearer ${SECRETS.github}`);
    expect(at('/a-other')?.['x-other']).toBeUndefined();
    expect(at('/b-gh')?.authorization).toBeUndefined();
    expect(at('/b-other')?.['x-other']).toBe(SECRETS.other);
  });

  it('lockdown on/off edits only that line, lists the agents to restart, and --restart moves them', async () => {
    const before = await readFile(h.project.envFile, 'utf8');
    const on = await h.ncl(['lockdown', 'on']);
    expect(on.code, on.stderr).toBe(0);
    const after = await readFile(h.project.envFile, 'utf8');
    expect(after).toBe(before.replace('NANOCLAW_EGRESS_LOCKDOWN=false', 'NANOCLAW_EGRESS_LOCKDOWN=true'));
    expect(on.json.lockdown).toBe(true);
    const stale = on.json.agents.filter((a: any) => a.needsRestart).map((a: any) => a.group);
    expect(stale).toEqual(expect.arrayContaining([A, B]));
    expect(on.logs.some((l) => l.includes('ncl lockdown on --restart'))).toBe(true);
    expect(await networksOf(A)).toEqual([h.names.outbound]); // nothing restarted yet

    const restart = await h.ncl(['lockdown', 'on', '--restart']);
    expect(restart.code, restart.stderr).toBe(0);
    expect(restart.json.restarted).toEqual(expect.arrayContaining([A, B]));
    for (const g of [A, B]) expect(await networksOf(g)).toEqual([h.names.egress]);
    expect((await envOf(A)).HTTPS_PROXY).toMatch(/@gateway:10255$/);
    expect(JSON.parse(await curl(A, 'https://api.github.test/a-locked')).path).toBe('/a-locked');
    const status = await h.ncl(['lockdown', 'status']);
    expect(status.json.agents.filter((a: any) => [A, B].includes(a.group)).every((a: any) => a.lockdown && !a.needsRestart)).toBe(true);

    const off = await h.ncl(['lockdown', 'off', '--restart']);
    expect(off.code, off.stderr).toBe(0);
    expect(await readFile(h.project.envFile, 'utf8')).toBe(before);
    expect(await networksOf(A)).toEqual([h.names.outbound]);
    // The recorded `-- command` survived both relaunches.
    expect((await h.docker.getContainer(h.containerName(A)).inspect()).Config.Cmd).toEqual(KEEP_ALIVE);
  });

  it('native mode: a clear error without keys; with one, the raw key and a warning on every launch', async () => {
    await h.setEnv({ NANOCLAW_NATIVE_CREDENTIALS: 'true' });
    const none = await h.ncl(['launch', A, '--', ...KEEP_ALIVE]);
    expect(JSON.parse(none.stderr).code).toBe('native_credentials_missing');
    await h.setEnv({ ANTHROPIC_API_KEY: SECRETS.native, NANOCLAW_EGRESS_LOCKDOWN: 'true' });
    const r = await h.ncl(['launch', A, '--', ...KEEP_ALIVE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.native).toBe(true);
    expect(r.logs.some((l) => /Native credentials are ON.*injection at the boundary, per-agent grants and approvals/.test(l))).toBe(true);
    expect(r.logs.join('\n')).not.toContain(SECRETS.native);
    const env = await envOf(A);
    expect(env.ANTHROPIC_API_KEY).toBe(SECRETS.native);
    expect(env.HTTPS_PROXY).toMatch(/@gateway:10255$/);
    // Under lockdown the vault stays the only hop: the raw key passes through it unchanged.
    const out = await curl(A, 'https://api.anthropic.com/v1/native', '-H "x-api-key: $ANTHROPIC_API_KEY"');
    expect(JSON.parse(out).path).toBe('/v1/native');
    const seen = (await h.upstream.requests()).find((x) => x.url === '/v1/native');
    expect(seen?.headers['x-api-key']).toBe(SECRETS.native);
    const again = await h.ncl(['launch', A, '--', ...KEEP_ALIVE]);
    expect(again.logs.some((l) => /Native credentials are ON/.test(l))).toBe(true);

    // A vault secret for api.anthropic.com granted to the agent would replace the native key: refused.
    const claude = await h.client.createSecret({ name: 'vault-claude', type: 'anthropic', value: SECRETS.vaultClaude, hostPattern: 'api.anthropic.com' });
    const grants = (await h.client.getAgentSecrets(A)).data;
    await h.client.setAgentSecrets(A, [...grants, claude.id]);
    const conflict = await h.ncl(['launch', A, '--', ...KEEP_ALIVE]);
    expect(conflict.code).toBe(1);
    expect(JSON.parse(conflict.stderr)).toMatchObject({ code: 'native_conflict', hint: expect.stringContaining(`ncl agents set-secrets --id ${A}`) });
    await h.client.setAgentSecrets(A, grants);

    await h.setEnv({ NANOCLAW_NATIVE_CREDENTIALS: null, ANTHROPIC_API_KEY: null });
    const off = await h.ncl(['launch', A, '--', ...KEEP_ALIVE]);
    expect(off.code, off.stderr).toBe(0);
    // The placeholder every agent gets, not the raw key.
    expect((await envOf(A)).ANTHROPIC_API_KEY).toBe('onecli-managed');
    expect(off.logs.some((l) => /Native credentials/.test(l))).toBe(false);
    await h.setEnv({ ANTHROPIC_API_KEY: SECRETS.native });
    const flagUnset = await h.ncl(['launch', A, '--', ...KEEP_ALIVE]);
    expect(flagUnset.code).toBe(0);
    expect((await envOf(A)).ANTHROPIC_API_KEY).toBe('onecli-managed'); // in .env, but the flag is unset
    await h.setEnv({ ANTHROPIC_API_KEY: null, NANOCLAW_EGRESS_LOCKDOWN: 'false' });
  });

  it('never touches a container it did not create, even under the agent’s name', async () => {
    const folder = `foreign-${rand()}`;
    await h.writeGroup(folder, { agentGroupId: folder });
    // From our own agent image, so it even inherits the image's nanoclaw.managed label.
    const foreign = await h.docker.createContainer({ name: h.containerName(folder), Image: h.images.agent, Labels: testLabels() });
    try {
      const r = await h.ncl(['launch', folder, '--', ...KEEP_ALIVE]);
      expect(JSON.parse(r.stderr)).toMatchObject({ code: 'name_taken', hint: expect.stringContaining('docker rm -f') });
      expect((await foreign.inspect()).Id).toBe(foreign.id);
    } finally {
      await foreign.remove({ force: true });
    }
  });

  it('a vault that is down: a clear error with `ncl vault up`, and nothing is started', async () => {
    await h.ncl(['stop', B]);
    await h.stopVault();
    const r = await h.ncl(['launch', B, '--', ...KEEP_ALIVE]);
    expect(r.code).toBe(1);
    const err = JSON.parse(r.stderr);
    expect(err.code).toBe('vault_unreachable');
    expect(err.hint).toContain('ncl vault up');
    expect(await h.docker.getContainer(h.containerName(B)).inspect().catch(() => null)).toBeNull();
  });
});
