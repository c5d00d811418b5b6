import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proofFile } from '../../src/cli/launch-self-test.js';
import { resolvePaths } from '../../src/config/paths.js';
import { agentNetworks } from '../support/agent-networks.js';
import { testLabels } from '../support/test-labels.js';
import { LaunchHarness } from './launch-harness.js';

// The lockdown proof is kept between launches (lockdown-proof.ts). Whatever it is keyed on that
// changes must make the next launch prove again in full: here the lockdown network is recreated
// under the same name as a plain --internal network (new id, no inhibit_ipv4), with the vault
// attached as `gateway` again, and the next launch must find the open path and refuse.

const FOLDER = `proof-${randomBytes(3).toString('hex')}`;
const KEEP_ALIVE = ['node', '-e', "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1 << 30)"];
let h: LaunchHarness;

beforeAll(async () => {
  h = await LaunchHarness.start({ lockdown: true });
  await h.writeGroup(FOLDER, { agentGroupId: FOLDER });
}, 600_000);

afterAll(async () => {
  await h?.[Symbol.asyncDispose]();
});

const launch = () => h.ncl(['launch', FOLDER, '--', ...KEEP_ALIVE]);
const holderOf = async () => (await h.docker.getContainer(h.containerName(FOLDER)).inspect()).HostConfig.NetworkMode?.replace(/^container:/, '') ?? '';
async function removeHolders(network: string): Promise<void> {
  const holders = await h.docker.listContainers({ all: true, filters: { label: [`nanoclaw.network=${network}`] } });
  await Promise.all(holders.map((c) => h.docker.getContainer(c.Id).remove({ force: true })));
}
const proofPath = () => proofFile(resolvePaths({ cwd: h.project.dir, env: h.project.env, home: h.project.env.HOME ?? '' }).runtimeDir, h.names.egress);

describe('the kept lockdown proof (real engine)', () => {
  it('the first launch proves in full, the next one stands on the proof', async () => {
    const first = await launch();
    expect(first.code, first.stderr).toBe(0);
    expect(first.json.selfTest).toMatchObject({ passed: true, proof: 'full' });
    const again = await launch();
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.selfTest).toMatchObject({ passed: true, proof: 'cached', provenAt: first.json.selfTest.provenAt });
  });

  it('a proof whose key no longer matches is not trusted: the launch proves in full again', async () => {
    const record = JSON.parse(await readFile(proofPath(), 'utf8'));
    record.key['network id'] = 'a-network-that-was-removed';
    await writeFile(proofPath(), JSON.stringify(record));
    const r = await launch();
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.selfTest).toMatchObject({ passed: true, proof: 'full' });
    expect(r.logs.join('\n')).toMatch(/Proving the lockdown in full.*network id/);
  });

  it('a network holder that gained a network after the proof is not joined: the next launch makes a new one', async () => {
    const first = await launch();
    expect(first.code, first.stderr).toBe(0);
    const holder = await holderOf();
    expect(await agentNetworks(h.docker, first.json.id)).toEqual([h.names.egress]);
    // The holder's namespace now has a way out (the outbound bridge) besides the lockdown network.
    await h.docker.getNetwork(h.names.outbound).connect({ Container: holder });
    const r = await launch();
    expect(r.code, r.stderr).toBe(0);
    expect(r.logs.join('\n')).toMatch(/Replaced the agent’s network holder.*are not .* alone/);
    expect(await holderOf()).not.toBe(holder);
    expect(await h.docker.getContainer(holder).inspect().catch(() => null)).toBeNull();
    expect(await agentNetworks(h.docker, r.json.id)).toEqual([h.names.egress]);
    // Same network, same facts from inside: the proof stands.
    expect(r.json.selfTest.proof).toBe('cached');
  });

  it('a network holder cut off its network is not joined either', async () => {
    expect((await launch()).code).toBe(0);
    const holder = await holderOf();
    await h.docker.getNetwork(h.names.egress).disconnect({ Container: holder, Force: true });
    const r = await launch();
    expect(r.code, r.stderr).toBe(0);
    expect(r.logs.join('\n')).toMatch(/Replaced the agent’s network holder.*networks none/);
    expect(await agentNetworks(h.docker, r.json.id)).toEqual([h.names.egress]);
  });

  it('the network recreated after the proof, same name, without inhibit_ipv4: the next launch refuses', async () => {
    expect((await launch()).json.selfTest.proof).toBe('cached');
    await h.docker.getContainer(h.containerName(FOLDER)).remove({ force: true });
    // As the failure's hint says: the network holders on it go first, or the network cannot be removed.
    await removeHolders(h.names.egress);
    const net = h.docker.getNetwork(h.names.egress);
    await net.disconnect({ Container: h.names.vault, Force: true });
    await net.remove();
    await h.docker.createNetwork({ Name: h.names.egress, Internal: true, Labels: testLabels(), CheckDuplicate: true });
    await h.docker.getNetwork(h.names.egress).connect({ Container: h.names.vault, EndpointConfig: { Aliases: ['gateway'] } });

    const r = await launch();
    expect(r.code).toBe(1);
    const err = JSON.parse(r.stderr);
    expect(err.code).toBe('lockdown_self_test_failed');
    const gateway = (await h.docker.getNetwork(h.names.egress).inspect()).IPAM?.Config?.[0]?.Gateway;
    expect(err.message).toContain(`${gateway}:`);
    expect(r.logs.join('\n')).toMatch(/Proving the lockdown in full.*network id/);
    expect(await h.docker.getContainer(h.containerName(FOLDER)).inspect().catch(() => null)).toBeNull();
    // Nor is the namespace proven open kept for the next launch to join.
    expect(await h.docker.listContainers({ all: true, filters: { label: [`nanoclaw.network=${h.names.egress}`] } })).toEqual([]);
    // The failed proof is not kept: the launch after it proves (and refuses) again.
    expect(await readFile(proofPath(), 'utf8').catch(() => null)).toBeNull();
  });
});
