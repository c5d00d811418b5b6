import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostAddresses } from '../../src/cli/launch-inputs.js';
import { DEFAULT_PROBE_PORTS } from '../../src/docker/self-test-probe.js';
import { runSelfTest } from '../../src/docker/self-test.js';
import { testLabels, testResourceName } from '../support/test-labels.js';
import { LaunchHarness } from './launch-harness.js';

// The escape suite: from a real agent container under lockdown, every path out but the gateway
// is closed. And the control: the same probes from a container on a plain `--internal` network
// (no inhibit_ipv4) find the host service, so it is our network that closes the path.

const FOLDER = `esc-${randomBytes(3).toString('hex')}`;
const KEEP_ALIVE = ['node', '-e', "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1 << 30)"];
let h: LaunchHarness;
let hostService: Server;
let servicePort: number;
let plainNetwork: string;
let plainGateway: string;
const ports = () => [...DEFAULT_PROBE_PORTS, servicePort];

beforeAll(async () => {
  // A host service listening on every address, as a developer's Ollama or MCP server might.
  hostService = createServer((s) => {
    s.on('error', () => undefined); // probes reset their connections
    s.end('host service\n');
  }).listen(0, '0.0.0.0');
  await new Promise((r) => hostService.once('listening', r));
  servicePort = (hostService.address() as { port: number }).port;
  h = await LaunchHarness.start({ lockdown: true });
  await h.writeGroup(FOLDER, { agentGroupId: FOLDER });
  plainNetwork = testResourceName('plain-internal');
  await h.docker.createNetwork({ Name: plainNetwork, Internal: true, Labels: testLabels(), CheckDuplicate: true });
  const info = await h.docker.getNetwork(plainNetwork).inspect();
  const gateway = info.IPAM?.Config?.[0]?.Gateway;
  if (!gateway) throw new Error(`network ${plainNetwork} has no IPv4 gateway: ${JSON.stringify(info.IPAM)}`);
  plainGateway = gateway;
}, 600_000);

afterAll(async () => {
  await h?.[Symbol.asyncDispose]();
  await h?.docker.getNetwork(plainNetwork).remove().catch(() => undefined);
  hostService?.close();
});

/** A throwaway container of the agent image on `network`, running until removed. */
async function idleContainer(network: string): Promise<string> {
  const c = await h.docker.createContainer({
    Image: h.images.agent,
    Cmd: KEEP_ALIVE,
    User: '1000:1000',
    Labels: testLabels(),
    HostConfig: { NetworkMode: network, CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'] },
  });
  await c.start();
  return c.id;
}

describe('egress lockdown (real engine)', () => {
  it('the launch self-test passes and every path out of the agent is closed, the host service too', async () => {
    const r = await h.ncl(['launch', FOLDER, '--', ...KEEP_ALIVE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.selfTest.passed).toBe(true);
    const report = await runSelfTest({
      docker: h.docker,
      containerId: h.containerName(FOLDER),
      user: '1000:1000',
      agentNetwork: h.names.egress,
      hostAddresses: hostAddresses(),
      gateway: { host: 'gateway', port: 10255 },
      apiPort: 10254,
      ports: ports(),
    });
    expect(report.escapes).toEqual([]);
    expect(report.gatewayProblem).toBeNull();
    const result = (target: string) => report.results.find((x) => x.target === target);
    expect(result(`${plainGateway}:${servicePort}`)?.outcome).toBe('closed');
    for (const ip of hostAddresses().filter((a) => !a.includes(':'))) expect(result(`${ip}:${servicePort}`)?.outcome).toBe('closed');
    expect(result('169.254.169.254:80')?.outcome).toBe('closed');
    expect(result('1.1.1.1:443')?.outcome).toBe('closed');
    expect(result('example.com')?.outcome).toBe('closed');
    expect(result('gateway:10254')).toMatchObject({ kind: 'http', outcome: 'closed' });
    expect(result('gateway:10255')).toMatchObject({ kind: 'gateway', outcome: 'open', detail: 'HTTP 407' });
    // The vault on the outbound network is "a container on another network": not reachable.
    const vault = await h.docker.getContainer(h.names.vault).inspect();
    const vaultOutboundIp = vault.NetworkSettings.Networks[h.names.outbound]?.IPAddress;
    expect(result(`${vaultOutboundIp}:10254`)?.outcome).toBe('closed');
  });

  it('the same probes from a plain --internal network reach the host service: the difference is our network', async () => {
    const id = await idleContainer(plainNetwork);
    const report = await runSelfTest({
      docker: h.docker,
      containerId: id,
      user: '1000:1000',
      agentNetwork: plainNetwork,
      hostAddresses: hostAddresses(),
      gateway: { host: 'gateway', port: 10255 },
      apiPort: 10254,
      ports: ports(),
    }).finally(() => h.docker.getContainer(id).remove({ force: true }));
    expect(report.ok).toBe(false);
    // The bridge gateway is the host (os.networkInterfaces lists it too): the service answers there.
    expect(report.escapes.find((e) => e.startsWith(`${plainGateway}:${servicePort} (`))).toMatch(/: connected\)$/);
  });

  it('the gateway refuses CONNECT to private addresses, the host and its own API', async () => {
    const targets = [`${plainGateway}:${servicePort}`, '169.254.169.254:80', '127.0.0.1:10254', `host.docker.internal:${servicePort}`, `${h.upstream.ip}:443`];
    for (const target of targets) {
      const r = await h.exec(FOLDER, ['sh', '-c', `curl -sS --noproxy "" --max-time 10 -o /dev/null https://${target}/ 2>&1; echo " exit=$?"`]);
      expect(r.stdout, target).toMatch(/CONNECT tunnel failed, response 403|403/);
      expect(r.stdout, target).not.toMatch(/exit=0/);
    }
    // Through the proxy as plain HTTP, the API is refused too; and directly it does not answer.
    const viaProxy = await h.exec(FOLDER, ['sh', '-c', 'curl -sS --noproxy "" --max-time 10 -o /dev/null -w "%{http_code}" http://gateway:10254/api/health']);
    expect(viaProxy.stdout).toBe('403');
    const direct = await h.exec(FOLDER, ['sh', '-c', 'curl -sS --max-time 5 --noproxy "*" http://gateway:10254/api/health; echo " exit=$?"']);
    expect(direct.stdout).not.toContain('"status":"ok"');
    expect(direct.stdout).not.toMatch(/exit=0/);
    // Closed at the network level: the connection is refused (curl exit 7), not accepted and dropped.
    expect(direct.stdout).toMatch(/exit=7/);
  });

  it('a launch whose self-test finds an open path removes the container and names the path', async () => {
    // Lockdown "on" but pointed at the plain internal network, with the vault attached there as gateway.
    const bad = `${FOLDER}-bad`;
    await h.writeGroup(bad, { agentGroupId: bad });
    await h.docker.getNetwork(plainNetwork).connect({ Container: h.names.vault, EndpointConfig: { Aliases: ['gateway'] } });
    try {
      const r = await h.ncl(['launch', bad, '--', ...KEEP_ALIVE], { NANOCLAW_EGRESS_NETWORK: plainNetwork });
      expect(r.code).toBe(1);
      const err = JSON.parse(r.stderr);
      expect(err.code).toBe('lockdown_self_test_failed');
      expect(err.message).toContain(`${plainGateway}:`);
      expect(await h.docker.getContainer(h.containerName(bad)).inspect().catch(() => null)).toBeNull();
    } finally {
      await h.docker.getNetwork(plainNetwork).disconnect({ Container: h.names.vault, Force: true }).catch(() => undefined);
    }
  });
});
