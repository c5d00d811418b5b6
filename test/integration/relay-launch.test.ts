import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostAddresses } from '../../src/cli/launch-inputs.js';
import { agentContainerName } from '../../src/docker/agent-spec.js';
import { execInContainer } from '../../src/docker/container-exec.js';
import { resourceLabels } from '../../src/docker/labels.js';
import { outboundNetworkSpec } from '../../src/docker/network-spec.js';
import { ensureNetwork } from '../../src/docker/networks.js';
import { removeRelay } from '../../src/docker/relay-container.js';
import { relayContainerName } from '../../src/docker/relay-container-spec.js';
import { freePort } from '../support/free-port.js';
import { runCliInProcess } from '../support/in-process-cli.js';
import { makeTempProject, type TempProject } from '../support/temp-project.js';
import { testResourceName } from '../support/test-labels.js';
import { agentNetworks, removeAgentsAndHolders } from '../support/agent-networks.js';
import { LaunchHarness } from './launch-harness.js';

// A remote vault under lockdown: the "remote" is a second vault (the harness's, with the TLS
// upstream on its own network) that this project reaches only as remote-vault.test:10255. No
// local vault runs; `ncl launch` starts the relay, the agent's only hop, and the credential is
// injected by the remote gateway. Nothing else is reachable from the agent.

const SECRET = `ghp_${randomBytes(18).toString('hex')}`;
const FOLDER = `relay-${randomBytes(3).toString('hex')}`;
const KEEP_ALIVE = ['node', '-e', "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1 << 30)"];
const names = { outbound: testResourceName('rl-out'), egress: testResourceName('rl-egress'), vault: testResourceName('rl-novault'), volume: testResourceName('rl-data') };
const relayName = relayContainerName(names.vault);

let remote: LaunchHarness;
let project: TempProject;
let hostService: Server;
let hostHits = 0;
const outputs: string[] = [];

/** `ncl <args>` in the local project, in this process. */
async function ncl(args: string[]) {
  const run = await runCliInProcess(args, { cwd: project.dir, env: project.env });
  outputs.push(run.stdout, run.stderr, ...run.logs);
  return { ...run, json: run.code === 0 ? run.json : null };
}

const agentExec = (cmd: string[]) => execInContainer(remote.docker, agentContainerName(FOLDER), { cmd, user: '1000:1000', timeoutMs: 60_000 });

beforeAll(async () => {
  hostService = createServer((s) => {
    hostHits++;
    s.on('error', () => undefined);
    s.end('host service\n');
  }).listen(0, '0.0.0.0');
  await new Promise((r) => hostService.once('listening', r));
  remote = await LaunchHarness.start({ lockdown: false });
  const { docker } = remote;
  const github = await remote.client.createSecret({ name: 'github', type: 'generic', value: SECRET, hostPattern: 'api.github.test', injectionConfig: { headerName: 'Authorization', valueFormat: 'Bearer {value}' } });
  await remote.client.createAgent({ name: FOLDER, identifier: FOLDER, secretMode: 'selective' });
  await remote.client.setAgentSecrets(FOLDER, [github.id]);
  // The remote machine, as this project's outbound network sees it.
  await ensureNetwork(docker, outboundNetworkSpec({ name: names.outbound, labels: resourceLabels({ role: 'network', env: process.env }) }));
  await docker.getNetwork(names.outbound).connect({ Container: remote.names.vault, EndpointConfig: { Aliases: ['remote-vault.test'] } });

  project = await makeTempProject();
  const apiUrl = `http://127.0.0.1:${remote.apiPort}`;
  const env = {
    NANOCLAW_ONECLI_API_HOST: apiUrl,
    NANOCLAW_ONECLI_API_TOKEN: remote.apiKey,
    NANOCLAW_ONECLI_GATEWAY: 'remote-vault.test:10255',
    ONECLI_URL: apiUrl,
    ONECLI_API_KEY: remote.apiKey,
    NANOCLAW_EGRESS_LOCKDOWN: 'true',
    NANOCLAW_EGRESS_NETWORK: names.egress,
    NANOCLAW_OUTBOUND_NETWORK: names.outbound,
    ONECLI_GATEWAY_CONTAINER: names.vault,
    NANOCLAW_VAULT_IMAGE: remote.images.vault,
    NANOCLAW_AGENT_IMAGE: remote.images.agent,
  };
  await writeFile(project.envFile, Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
  await mkdir(join(project.dir, 'groups', FOLDER), { recursive: true });
  await writeFile(join(project.dir, 'groups', FOLDER, 'container.json'), JSON.stringify({ agentGroupId: FOLDER }));
}, 600_000);

afterAll(async () => {
  const docker = remote?.docker;
  if (docker) {
    await removeAgentsAndHolders(docker, `nanoclaw.group=${FOLDER}`);
    await removeRelay(docker, relayName).catch(() => undefined);
    await docker.getContainer(names.vault).remove({ force: true }).catch(() => undefined);
    await docker.getVolume(names.volume).remove().catch(() => undefined);
    await docker.getNetwork(names.outbound).disconnect({ Container: remote.names.vault, Force: true }).catch(() => undefined);
    for (const n of [names.egress, names.outbound]) await docker.getNetwork(n).remove().catch(() => undefined);
  }
  await remote?.[Symbol.asyncDispose]();
  await project?.dispose();
  hostService?.close();
  const all = [...outputs, ...(remote?.outputs ?? [])].join('\n');
  expect(all).not.toContain(SECRET);
});

describe('ncl launch with a remote vault under lockdown (real engine)', () => {
  let relayId = '';

  it('starts the relay instead of expecting a local vault, and the agent passes the lockdown self-test through it', async () => {
    const r = await ncl(['launch', FOLDER, '--', ...KEEP_ALIVE]);
    expect(r.code, r.stderr + r.logs.join('\n')).toBe(0);
    expect(r.json).toMatchObject({ group: FOLDER, lockdown: true, network: names.egress });
    expect(r.json.selfTest.passed).toBe(true);
    const { docker } = remote;
    expect(await docker.getContainer(names.vault).inspect().catch(() => null)).toBeNull();
    const relay = await docker.getContainer(relayName).inspect();
    relayId = relay.Id;
    expect(relay.State.Running).toBe(true);
    expect(relay.Config.Labels['nanoclaw.role']).toBe('relay');
    expect(relay.Config.Cmd).toContain('remote-vault.test:10255');
    expect(relay.NetworkSettings.Networks[names.egress]?.Aliases).toContain('gateway');
    expect(await agentNetworks(docker, agentContainerName(FOLDER))).toEqual([names.egress]);
    const agent = await docker.getContainer(agentContainerName(FOLDER)).inspect();
    expect(agent.Config.Env).toContainEqual(expect.stringMatching(/^HTTPS_PROXY=http:\/\/x:aoc_[0-9a-f]{64}@gateway:10255$/));
  });

  it('reaches the upstream through the relay and the remote gateway, which injects the credential; the agent holds none', async () => {
    const curl = await agentExec(['curl', '-sS', '--max-time', '20', 'https://api.github.test/via-relay']);
    expect(curl.stderr).toBe('');
    expect(JSON.parse(curl.stdout)).toEqual({ ok: true, path: '/via-relay' });
    const seen = (await remote.upstream.requests()).find((x) => x.url === '/via-relay');
    expect(seen?.headers.authorization).toBe(`Bearer ${SECRET}`);
    const env = await agentExec(['sh', '-c', 'env; cat /proc/1/environ']);
    expect(env.stdout).toContain('HTTPS_PROXY=');
    expect(env.stdout).not.toContain(SECRET);
    expect(env.stdout).not.toContain(remote.apiKey);
  });

  it('reaches nothing else: not the upstream directly, not the host, and the remote gateway refuses what it refuses', async () => {
    const direct = await agentExec(['curl', '-sS', '--noproxy', '*', '--max-time', '5', '-k', `https://${remote.upstream.ip}/direct`]);
    expect(direct.exitCode).not.toBe(0);
    const byName = await agentExec(['curl', '-sS', '--noproxy', '*', '--max-time', '5', 'https://api.github.test/direct']);
    expect(byName.exitCode).not.toBe(0);
    const port = (hostService.address() as { port: number }).port;
    const targets = hostAddresses().filter((a) => !a.includes(':')).map((a) => `${a}:${port}`);
    expect(targets.length).toBeGreaterThan(0);
    const probe = await agentExec([
      'node', '-e',
      `const net=require('net');Promise.all(${JSON.stringify(targets)}.map((t)=>new Promise((ok)=>{const [h,p]=t.split(':');const s=net.connect({host:h,port:+p});s.setTimeout(2000,()=>{s.destroy();ok('closed')});s.on('connect',()=>{s.destroy();ok('open '+t)});s.on('error',(e)=>ok(e.code==='ECONNREFUSED'?'open '+t:'closed'))}))).then((r)=>console.log(r.join(',')))`,
    ]);
    expect(probe.stdout.trim().split(',').every((x) => x === 'closed'), probe.stdout).toBe(true);
    // Through the proxy, a private address the remote vault does not allow: its gateway refuses the CONNECT.
    const refused = await agentExec(['sh', '-c', `curl -s -o /dev/null -w '%{http_connect}' --max-time 10 https://${targets[0]}/ ; echo " exit=$?"`]);
    expect(refused.stdout).toMatch(/^403 exit=(56|35)/);
    expect(hostHits).toBe(0);
  });

  it('a second launch reuses the running relay', async () => {
    const r = await ncl(['launch', FOLDER, '--skip-self-test', '--', ...KEEP_ALIVE]);
    expect(r.code, r.stderr).toBe(0);
    expect((await remote.docker.getContainer(relayName).inspect()).Id).toBe(relayId);
  });

  it('ncl setup with the remote vault under lockdown starts the relay too (after it was removed)', async () => {
    expect(await removeRelay(remote.docker, relayName)).toBe(true);
    const r = await ncl(['setup', '--vault', 'remote', '--lockdown', '--yes', '--json', '--auth', 'skip', '--group', FOLDER, '--no-build']);
    expect(r.code, r.stderr + r.logs.join('\n')).toBe(0);
    expect(r.json.vault).toMatchObject({ path: 'remote' });
    expect(r.json.lockdown).toBe(true);
    const relay = await remote.docker.getContainer(relayName).inspect();
    expect(relay.State.Running).toBe(true);
    expect(relay.Id).not.toBe(relayId);
    expect(relay.Config.Cmd).toContain('remote-vault.test:10255');
    expect(await remote.docker.getContainer(names.vault).inspect().catch(() => null)).toBeNull();
  });

  it('without lockdown the agent goes straight to the remote gateway: no relay in the way', async () => {
    const env = await readFile(project.envFile, 'utf8');
    await writeFile(project.envFile, env.replace('NANOCLAW_EGRESS_LOCKDOWN=true', 'NANOCLAW_EGRESS_LOCKDOWN=false'));
    const r = await ncl(['launch', FOLDER, '--', ...KEEP_ALIVE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ lockdown: false, network: names.outbound });
    const agent = await remote.docker.getContainer(agentContainerName(FOLDER)).inspect();
    expect(agent.Config.Env).toContainEqual(expect.stringMatching(/^HTTPS_PROXY=http:\/\/x:aoc_[0-9a-f]{64}@remote-vault\.test:10255$/));
    const curl = await agentExec(['curl', '-sS', '--max-time', '20', 'https://api.github.test/direct-to-remote']);
    expect(JSON.parse(curl.stdout)).toEqual({ ok: true, path: '/direct-to-remote' });
    const seen = (await remote.upstream.requests()).find((x) => x.url === '/direct-to-remote');
    expect(seen?.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('switching to a local vault (ncl vault up) removes the relay, so only one container answers as gateway', async () => {
    expect((await remote.docker.getContainer(relayName).inspect()).State.Running).toBe(true);
    const port = await freePort();
    await appendFile(project.envFile, `NANOCLAW_VAULT_VOLUME=${names.volume}\nNANOCLAW_VAULT_PORT=${port}\n`);
    const r = await ncl(['vault', 'up', '--no-build', '--json']);
    expect(r.code, r.stderr + r.logs.join('\n')).toBe(0);
    expect(await remote.docker.getContainer(relayName).inspect().catch(() => null)).toBeNull();
    const local = await remote.docker.getContainer(names.vault).inspect();
    expect(local.NetworkSettings.Networks[names.egress]?.Aliases).toContain('gateway');
  });
});
