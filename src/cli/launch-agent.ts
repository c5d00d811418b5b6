import { chmod, chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { VaultClient } from '../client/vault-client.js';
import { writeFileAtomic } from '../common/atomic-write.js';
import { NanoclawError, errorMessage } from '../common/errors.js';
import { createAgentContainer, removeAgentContainer, startAgent } from '../docker/agent-container.js';
import { buildAgentSpec, type VaultContainerConfig } from '../docker/agent-spec.js';
import { connectDocker } from '../docker/docker-client.js';
import { runSelfTest } from '../docker/self-test.js';
import { defaultStubTemplatesDir, writeStubs, type StubReport } from '../docker/stubs.js';
import type { CliContext } from './context.js';
import { proxyEnvForHop } from './gateway-hop.js';
import { prepareGatewayHop } from './launch-gateway.js';
import { agentUser, combinedBundle, gatherLaunchInputs, hostAddresses, type LaunchInputs } from './launch-inputs.js';
import { refuseAnthropicOverride } from './native-conflict.js';
import { connectVault } from './vault-connection.js';
import { VAULT_API_PORT, VAULT_GATEWAY_PORT } from '../config/ports.js';

export interface LaunchOptions {
  folder: string;
  command?: string[];
  skipSelfTest?: boolean;
}

export interface LaunchResult {
  group: string;
  agent: string;
  container: string;
  id: string;
  image: string;
  network: string;
  lockdown: boolean;
  native: boolean;
  selfTest: { passed: true; tried: number } | 'skipped' | 'not_applicable';
  stubs: StubReport;
}

const GIVEN_UP = 'injection at the boundary, per-agent grants and approvals';

/** Reaches the vault, or (native mode only, without lockdown) returns null to run without the gateway. */
async function reachVault(ctx: CliContext, inputs: LaunchInputs): Promise<VaultClient | null> {
  const client = await connectVault(ctx);
  try {
    await client.health();
    return client;
  } catch (err) {
    if (inputs.native && !inputs.settings.egressLockdown) {
      ctx.logger.warn('The vault is not reachable: starting the agent WITHOUT the gateway (native credentials only)', { url: client.url });
      return null;
    }
    const remote = inputs.settings.remoteApiHost;
    throw new NanoclawError('vault_unreachable', `Cannot launch: the vault at ${client.url} does not answer (${errorMessage(err)})`, {
      hint: remote
        ? `The remote vault (NANOCLAW_ONECLI_API_HOST=${remote}) is run by its owner: check the host and your network, then run ncl launch again`
        : 'Start it with: ncl vault up (then run ncl launch again)',
    });
  }
}

/** The agent's container config from the vault, creating the agent (identifier = agentGroupId) on first launch. */
async function fetchContainerConfig(client: VaultClient, inputs: LaunchInputs, folder: string): Promise<VaultContainerConfig> {
  const identifier = inputs.config.agentGroupId;
  const agent = await client.getAgent(identifier).catch(async (err: unknown) => {
    if ((err as NanoclawError).code !== 'not_found') throw err;
    return client.createAgent({ name: folder, identifier }).then(({ token: _token, ...created }) => created);
  });
  const allow = inputs.config.allowHosts;
  if (allow && (agent.egressPolicy !== 'allowlist' || agent.allowHosts.join(',') !== allow.join(','))) {
    await client.updateAgent(agent.id, { egressPolicy: 'allowlist', allowHosts: allow });
  }
  if (inputs.native) await refuseAnthropicOverride(client, agent);
  return client.containerConfig(identifier);
}

/** `ncl launch`: vault → agent → container config → spec → create → (lockdown) self-test → start. */
export async function launchAgent(ctx: CliContext, options: LaunchOptions): Promise<LaunchResult> {
  const { folder } = options;
  const inputs = await gatherLaunchInputs(ctx, folder);
  const { settings } = inputs;
  const lockdown = settings.egressLockdown;
  const docker = await connectDocker({ env: ctx.env });
  const client = await reachVault(ctx, inputs);
  if (inputs.native) {
    ctx.logger.warn(`Native credentials are ON: the agent holds the raw Anthropic credential; you give up ${GIVEN_UP} for it`, { group: folder });
  }
  if (!lockdown) ctx.logger.warn('Egress lockdown is off: clients that ignore the proxy variables can bypass the vault (ncl lockdown on)');
  const network = lockdown ? settings.egressNetwork : settings.outboundNetwork;
  // Fails closed: no relay, or a local vault that is down or not attached, means no agent.
  const hop = client ? await prepareGatewayHop(ctx, docker, settings) : null;
  const fetched = client ? await fetchContainerConfig(client, inputs, folder) : null;
  const vault = fetched && hop ? { ...fetched, env: proxyEnvForHop(fetched.env, hop) } : null;
  if (vault) ctx.logger.redactor.add(new URL(vault.env.HTTPS_PROXY ?? 'http://x').password);

  // The old container goes first: it must not be running while we write into its home.
  await removeAgentContainer(docker, { folder });
  const owner = agentUser();
  const homeDir = join(inputs.paths.groupsDir, folder, 'home');
  await mkdir(homeDir, { recursive: true, mode: 0o700 });
  if (process.getuid?.() === 0) await chown(homeDir, owner.uid, owner.gid);
  const stubNames = [...inputs.config.stubs, ...(vault?.stubs ?? [])];
  const stubs = await writeStubs({ names: [...new Set(stubNames)], homeDir, templatesDir: defaultStubTemplatesDir(), owner });
  for (const kept of stubs.kept) ctx.logger.warn('Left a credentials file untouched: it holds real values, not the placeholder', { file: join(homeDir, kept) });
  for (const skipped of stubs.skipped) ctx.logger.warn('Did not write a stub through a link or over a non-file', { file: join(homeDir, skipped) });

  const caDir = join(inputs.paths.runtimeDir, 'agents', folder);
  const caFiles = { vaultCa: join(caDir, 'vault-ca.pem'), bundle: join(caDir, 'ca-bundle.pem') };
  if (vault) {
    await mkdir(caDir, { recursive: true, mode: 0o755 });
    await chmod(caDir, 0o755);
    await writeFileAtomic(caFiles.vaultCa, vault.caCertificate, { mode: 0o644 });
    await writeFileAtomic(caFiles.bundle, combinedBundle(vault.caCertificate), { mode: 0o644 });
  }

  const user = `${owner.uid}:${owner.gid}`;
  const spec = buildAgentSpec({
    folder,
    config: inputs.config,
    mounts: inputs.mounts,
    vault,
    lockdown,
    egressNetwork: settings.egressNetwork,
    outboundNetwork: settings.outboundNetwork,
    // Without lockdown the spec points the proxy at this host: the local vault's name, or a remote gateway.
    gatewayContainer: hop?.host ?? settings.gatewayContainer,
    defaultImage: inputs.agentImage,
    ...(options.command?.length ? { command: options.command } : {}),
    user,
    homeDir,
    caFiles,
    ...(inputs.native ? { native: { enabled: true, values: inputs.native } } : {}),
    projectDir: inputs.paths.projectDir,
    env: ctx.env,
  });
  const selfTest = lockdown && vault && !options.skipSelfTest;
  if (lockdown && options.skipSelfTest) ctx.logger.warn('Skipping the lockdown self-test (--skip-self-test): an open path out would go unnoticed');
  const created = await createAgentContainer(docker, spec, { gate: !!selfTest });
  try {
    let selfTestResult: LaunchResult['selfTest'] = lockdown ? 'skipped' : 'not_applicable';
    if (selfTest) {
      const started = performance.now();
      const port = Number(new URL(vault.env.HTTPS_PROXY ?? '').port || VAULT_GATEWAY_PORT);
      const report = await runSelfTest({
        docker,
        containerId: created.id,
        user,
        agentNetwork: network,
        hostAddresses: hostAddresses(),
        gateway: { host: 'gateway', port },
        apiPort: VAULT_API_PORT,
      });
      if (!report.ok) {
        const problems = [...report.escapes, ...(report.gatewayProblem ? [report.gatewayProblem] : [])];
        throw new NanoclawError('lockdown_self_test_failed', `Lockdown self-test failed for ${folder}; the container was removed. Open: ${problems.join('; ')}`, {
          hint: `Recreate the lockdown network (ncl vault down && docker network rm ${settings.egressNetwork} && ncl vault up), then launch again`,
          details: { escapes: report.escapes },
        });
      }
      selfTestResult = { passed: true, tried: report.tried };
      ctx.logger.info('Lockdown self-test passed: every path out is closed', { group: folder, tried: report.tried, ms: Math.round(performance.now() - started) });
    }
    await startAgent(docker, created);
    return {
      group: folder,
      agent: inputs.config.agentGroupId,
      container: spec.name ?? '',
      id: created.id,
      image: spec.Image ?? '',
      network,
      lockdown,
      native: !!inputs.native,
      selfTest: selfTestResult,
      stubs,
    };
  } catch (err) {
    await docker.getContainer(created.id).remove({ force: true }).catch(() => undefined);
    throw err;
  }
}
