import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpAgent, secretForms } from './agent-dump.js';
import { agentNetworks } from '../support/agent-networks.js';
import { LaunchHarness } from './launch-harness.js';

// THE INVARIANT (DESIGN.md): an agent launched behind the vault can dump its whole environment
// and every file it can read, and finds no secret value; yet curl and node inside it reach an
// upstream through the gateway, which receives the real credential.

const SECRETS = {
  github: `ghp_${randomBytes(18).toString('hex')}`,
  anthropic: `sk-ant-api03-${randomBytes(24).toString('hex')}`,
  gmail: `ya29.${randomBytes(24).toString('hex')}`,
  other: `other-${randomBytes(16).toString('hex')}`,
};
const FOLDER = `inv-${randomBytes(3).toString('hex')}`;
const KEEP_ALIVE = ['node', '-e', "console.log('agent ready'); process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1 << 30)"];

let h: LaunchHarness;

beforeAll(async () => {
  h = await LaunchHarness.start({ lockdown: true });
  const c = h.client;
  const gh = await c.createSecret({ name: 'github', type: 'generic', value: SECRETS.github, hostPattern: 'api.github.test', injectionConfig: { headerName: 'Authorization', valueFormat: 'Bearer {value}' } });
  const an = await c.createSecret({ name: 'anthropic', type: 'anthropic', value: SECRETS.anthropic, hostPattern: 'api.anthropic.com' });
  const gm = await c.createSecret({ name: 'gmail', type: 'generic', value: SECRETS.gmail, hostPattern: 'gmail.googleapis.com', injectionConfig: { headerName: 'Authorization', valueFormat: 'Bearer {value}' } });
  await c.createSecret({ name: 'other', type: 'generic', value: SECRETS.other, hostPattern: 'api.other.test', injectionConfig: { headerName: 'X-Other', valueFormat: '{value}' } });
  await c.createAgent({ name: FOLDER, identifier: FOLDER, secretMode: 'selective' });
  await c.setAgentSecrets(FOLDER, [gh.id, an.id, gm.id]);
  await h.writeGroup(FOLDER, { agentGroupId: FOLDER, stubs: ['gmail'], env: { TZ: 'UTC' } });
}, 600_000);

afterAll(async () => {
  const all = h?.outputs.join('\n') ?? '';
  await h?.[Symbol.asyncDispose]();
  for (const v of Object.values(SECRETS)) expect(all).not.toContain(v);
});

describe('ncl launch under lockdown (real engine)', () => {
  let launched: any;

  it('launches after the self-test passes', async () => {
    const r = await h.ncl(['launch', FOLDER, '--', ...KEEP_ALIVE]);
    expect(r.code, r.stderr + r.logs.join('\n')).toBe(0);
    launched = r.json;
    expect(launched).toMatchObject({ group: FOLDER, agent: FOLDER, lockdown: true, native: false, network: h.names.egress });
    expect(launched.selfTest.passed).toBe(true);
    expect(launched.selfTest.tried).toBeGreaterThan(10);
    expect(launched.stubs.written).toContain('.gmail-mcp/credentials.json');
    const info = await h.docker.getContainer(launched.id).inspect();
    expect(info.State.Running).toBe(true);
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.SecurityOpt).toEqual(['no-new-privileges']);
    expect(await agentNetworks(h.docker, launched.id)).toEqual([h.names.egress]);
    expect(info.Config.User).toBe('1000:1000');
    expect(JSON.stringify(info.HostConfig.Binds)).not.toContain('docker.sock');
  });

  it('nothing the agent can read holds a secret value: env, PID 1, every file on every mount', async () => {
    const dump = await dumpAgent(h.docker, h.containerName(FOLDER), '1000:1000');
    // The dump must be real, or "zero hits" means nothing.
    expect(dump.files).toBeGreaterThan(50);
    expect(dump.text).toContain('=== file /home/node/.gmail-mcp/credentials.json');
    expect(dump.text).toContain('=== file /etc/nanoclaw/ca-bundle.pem');
    expect(dump.text).toMatch(/HTTPS_PROXY=http:\/\/x:aoc_[0-9a-f]{64}@gateway:10255/);
    expect(dump.text).toContain('ANTHROPIC_API_KEY=onecli-managed');
    expect(dump.skipped.every((p) => /\/node$|\.so/.test(p)), dump.skipped.join(',')).toBe(true);
    for (const [name, value] of Object.entries(SECRETS)) {
      for (const form of secretForms(value)) expect(dump.text.includes(form), `${name} found in the agent`).toBe(false);
    }
  });

  it('curl and node reach the upstream through the gateway, which injects the real credential', async () => {
    const curl = await h.exec(FOLDER, ['curl', '-sS', '--max-time', '20', 'https://api.github.test/via-curl']);
    expect(curl.stderr).toBe('');
    expect(JSON.parse(curl.stdout)).toEqual({ ok: true, path: '/via-curl' });
    const node = await h.exec(FOLDER, ['node', '-e', "fetch('https://api.github.test/via-node').then((r) => r.json()).then((j) => console.log(j.path))"]);
    expect(node.stderr).toBe('');
    expect(node.stdout.trim()).toBe('/via-node');
    const anthropic = await h.exec(FOLDER, ['sh', '-c', 'curl -sS --max-time 20 -H "x-api-key: $ANTHROPIC_API_KEY" https://api.anthropic.com/v1/messages']);
    expect(JSON.parse(anthropic.stdout)).toEqual({ ok: true, path: '/v1/messages' });
    const seen = await h.upstream.requests();
    const byPath = (p: string) => seen.find((r) => r.url === p);
    expect(byPath('/via-curl')?.headers.authorization).toBe(`Bearer ${SECRETS.github}`);
    expect(byPath('/via-node')?.headers.authorization).toBe(`Bearer ${SECRETS.github}`);
    expect(byPath('/v1/messages')?.headers['x-api-key']).toBe(SECRETS.anthropic);
  });

  it('the stub keeps its placeholder; the gateway swaps it on the matching host only', async () => {
    const r = await h.exec(FOLDER, ['sh', '-c', 'curl -sS --max-time 20 -H "Authorization: Bearer $(node -p "require(\'/home/node/.gmail-mcp/credentials.json\').access_token")" https://gmail.googleapis.com/gmail/v1/users/me']);
    expect(JSON.parse(r.stdout).path).toBe('/gmail/v1/users/me');
    const seen = await h.upstream.requests();
    expect(seen.find((x) => x.url === '/gmail/v1/users/me')?.headers.authorization).toBe(`Bearer ${SECRETS.gmail}`);
    // A secret not granted to this group is never injected.
    await h.exec(FOLDER, ['curl', '-sS', '--max-time', '20', 'https://api.other.test/not-granted']);
    const other = (await h.upstream.requests()).find((x) => x.url === '/not-granted');
    expect(other?.headers['x-other']).toBeUndefined();
  });

  it('ncl ps lists it, ncl logs shows its output, ncl stop removes it and the holder of its network', async () => {
    const ps = await h.ncl(['ps', '--json']);
    expect(ps.json.data.find((a: any) => a.group === FOLDER)).toMatchObject({ state: 'running', lockdown: true });
    const table = await h.ncl(['ps']);
    expect(table.stdout).toMatch(new RegExp(`${FOLDER}\\s+running\\s+on`));
    const logs = await h.ncl(['logs', FOLDER]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe('agent ready\n');
    const holders = () => h.docker.listContainers({ all: true, filters: { label: ['nanoclaw.role=netns', `nanoclaw.group=${FOLDER}`] } });
    expect(await holders()).toHaveLength(1);
    const stop = await h.ncl(['stop', FOLDER]);
    expect(stop.json).toEqual({ group: FOLDER, stopped: true });
    expect(await h.docker.getContainer(h.containerName(FOLDER)).inspect().catch(() => null)).toBeNull();
    // The holder of its network goes with it: nothing of the group is left running.
    expect(await holders()).toEqual([]);
    expect((await h.ncl(['stop', FOLDER])).json.stopped).toBe(false);
  });

  it('ncl vault down --purge removes the network holders no agent joins, so the networks can go', async () => {
    const r = await h.ncl(['launch', FOLDER, '--', ...KEEP_ALIVE]);
    expect(r.code, r.stderr).toBe(0);
    // The agent is gone without ncl stop (it exited, or someone removed it): its holder stays.
    await h.docker.getContainer(r.json.id).remove({ force: true });
    const holder = (await h.docker.listContainers({ all: true, filters: { label: [`nanoclaw.network=${h.names.egress}`] } }))[0];
    expect(holder).toBeDefined();
    // (The harness's upstream stays on the outbound network, so only the egress network can go here.)
    await h.ncl(['vault', 'down', '--purge', '--json']);
    expect(await h.docker.getContainer(holder!.Id).inspect().catch(() => null)).toBeNull();
    expect(await h.docker.getNetwork(h.names.egress).inspect().catch(() => null)).toBeNull();
  });
});
