import type Docker from 'dockerode';
import { NanoclawError } from '../common/errors.js';
import { execInContainer } from './container-exec.js';
import { judgeSelfTest, PROBE_SCRIPT, selfTestPlan, type ProbeResult, type SelfTestVerdict } from './self-test-probe.js';

export interface DockerTargets {
  bridgeGateways: string[];
  otherContainers: string[];
}

/** Gateway IPs of every Docker network, and the addresses containers have on networks other than `agentNetwork`. */
export async function collectDockerTargets(docker: Docker, agentNetwork: string, limit = 24): Promise<DockerTargets> {
  const networks = await docker.listNetworks();
  const bridgeGateways = networks.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Gateway).filter((g): g is string => !!g));
  const containers = await docker.listContainers();
  const otherContainers: string[] = [];
  for (const c of containers) {
    for (const [name, net] of Object.entries(c.NetworkSettings?.Networks ?? {})) {
      if (name === agentNetwork) continue;
      if (net.IPAddress) otherContainers.push(net.IPAddress);
      if (net.GlobalIPv6Address) otherContainers.push(net.GlobalIPv6Address);
    }
  }
  return { bridgeGateways: [...new Set(bridgeGateways)], otherContainers: [...new Set(otherContainers)].slice(0, limit) };
}

export interface SelfTestOptions {
  docker: Docker;
  /** A running container to probe from (the agent, held at its start gate). */
  containerId: string;
  user: string;
  /** The network the container is on; its own peers are not "another network". */
  agentNetwork: string;
  /** The host's interface addresses, collected by the caller (os.networkInterfaces). */
  hostAddresses: readonly string[];
  gateway: { host: string; port: number };
  apiPort: number;
  /** Ports to knock on at each host and bridge address (default DEFAULT_PROBE_PORTS). */
  ports?: readonly number[];
  timeoutMs?: number;
}

export interface SelfTestReport extends SelfTestVerdict {
  tried: number;
  results: ProbeResult[];
}

/** Tries every path out of the container from inside it (`node -e`) and judges the results. */
export async function runSelfTest(options: SelfTestOptions): Promise<SelfTestReport> {
  const targets = await collectDockerTargets(options.docker, options.agentNetwork);
  const plan = selfTestPlan({
    hostAddresses: options.hostAddresses,
    bridgeGateways: targets.bridgeGateways,
    otherContainers: targets.otherContainers,
    gateway: options.gateway,
    apiPort: options.apiPort,
    ...(options.ports ? { ports: options.ports } : {}),
  });
  const timeoutMs = options.timeoutMs ?? 1500;
  const run = await execInContainer(options.docker, options.containerId, {
    cmd: ['node', '-e', PROBE_SCRIPT, JSON.stringify(plan), String(timeoutMs)],
    user: options.user,
    timeoutMs: timeoutMs * 4 + 15_000,
  });
  let results: ProbeResult[];
  try {
    results = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as ProbeResult[];
  } catch {
    throw new NanoclawError('self_test_failed', `The lockdown self-test could not run in the agent container (exit ${run.exitCode}): ${run.stderr.trim().slice(0, 500)}`, {
      hint: 'The agent image needs node on its PATH; or launch with --skip-self-test (not recommended)',
    });
  }
  return { ...judgeSelfTest(plan, results), tried: plan.length, results };
}
