import { chmod, chown, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VaultClient } from '../client/vault-client.js';
import { writeFileAtomic } from '../common/atomic-write.js';
import { NanoclawError, errorMessage } from '../common/errors.js';
import { createAgent, ensureNetworkHolder, findAgentContainers, imageCommand, inspectHolder, openGate, removeContainer, startContainer } from '../docker/agent-launch.js';
import { agentContainerName, buildAgentSpec, type VaultContainerConfig } from '../docker/agent-spec.js';
import { dockerConnectionOptions, type DockerConnection } from '../docker/docker-connection.js';
import { EngineApi } from '../docker/engine-api.js';
import { inspectLockdownNetwork, readLockdownState, type LockdownNetwork } from '../docker/lockdown-state.js';
import { defaultStubTemplatesDir, writeStubs, type StubReport } from '../docker/stubs.js';
import type { CliContext } from './context.js';
import { proxyEnvForHop } from './gateway-hop.js';
import { lockdownGatewayContainer, plannedGatewayHop, prepareGatewayHop } from './launch-gateway.js';
import { agentUser, bundleIsCurrent, combinedBundle, gatherLaunchInputs, type LaunchInputs } from './launch-inputs.js';
import { checkLockdown, lockdownExpectation, type LockdownExpectationInput, type SelfTestOutcome } from './launch-self-test.js';
import { refuseAnthropicOverride } from './native-conflict.js';
import { vaultClientFor } from './vault-connection.js';
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
  selfTest: SelfTestOutcome | 'skipped' | 'not_applicable';
  stubs: StubReport;
}

const GIVEN_UP = 'injection at the boundary, per-agent grants and approvals';
const orNull = <T>(p: Promise<T>): Promise<T | null> => p.catch((err: unknown) => ((err as NanoclawError).code === 'not_found' ? null : Promise.reject(err)));

/** The agent's container config, creating the agent (identifier = agentGroupId) on first launch; asked for together with the agent. */
async function fetchContainerConfig(client: VaultClient, inputs: LaunchInputs, folder: string): Promise<VaultContainerConfig> {
  const identifier = inputs.config.agentGroupId;
  const [found, early] = await Promise.all([orNull(client.getAgent(identifier)), orNull(client.containerConfig(identifier))]);
  const agent = found ?? (await client.createAgent({ name: folder, identifier }));
  const allow = inputs.config.allowHosts;
  // Egress mode ask keeps its mode and the hosts people allowed always; container.json's are added.
  const missing = allow?.filter((h) => !agent.allowHosts.includes(h)) ?? [];
  if (allow && agent.egressPolicy === 'ask') {
    if (missing.length > 0) await client.updateAgent(agent.id, { allowHosts: [...agent.allowHosts, ...missing] });
  } else if (allow && (agent.egressPolicy !== 'allowlist' || agent.allowHosts.join(',') !== allow.join(','))) {
    await client.updateAgent(agent.id, { egressPolicy: 'allowlist', allowHosts: allow });
  }
  if (inputs.native) await refuseAnthropicOverride(client, agent);
  return early ?? client.containerConfig(identifier);
}

/** The vault's container config, or (native mode only, without lockdown) null to run without the gateway. */
async function vaultConfig(ctx: CliContext, inputs: LaunchInputs, folder: string): Promise<VaultContainerConfig | null> {
  const client = vaultClientFor(ctx, inputs.settings);
  try {
    return await fetchContainerConfig(client, inputs, folder);
  } catch (err) {
    // No separate health call: the agent lookup itself tells a vault that does not answer.
    if ((err as NanoclawError).code !== 'vault_unreachable') throw err;
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

const readOrNull = (file: string) => readFile(file, 'utf8').catch(() => null);

/** Writes the vault CA and the combined bundle unless they are current (as on almost every launch). */
async function writeCaFiles(files: { vaultCa: string; bundle: string }, vaultCa: string): Promise<void> {
  const [ca, bundle] = await Promise.all([readOrNull(files.vaultCa), readOrNull(files.bundle)]);
  await Promise.all([
    ca === vaultCa ? undefined : writeFileAtomic(files.vaultCa, vaultCa, { mode: 0o644 }),
    bundleIsCurrent(bundle, vaultCa) ? undefined : writeFileAtomic(files.bundle, combinedBundle(vaultCa), { mode: 0o644 }),
  ]);
}

/** The group's home with its stubs, and the CA files of the vault (none without a vault). */
async function prepareHome(ctx: CliContext, o: { inputs: LaunchInputs; folder: string; owner: { uid: number; gid: number }; vault: VaultContainerConfig | null }) {
  const { inputs, folder, owner, vault } = o;
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
    await writeCaFiles(caFiles, vault.caCertificate);
  }
  return { homeDir, caFiles, stubs };
}

/**
 * Starts a gated agent and releases it once its network is proven (launch-self-test.ts); a gate
 * closed unreleased (the check threw) exits without running the command. The proof
 * key is worked out while the engine starts the container: the engine's /version is its slowest
 * answer, and the key's hash loads node:crypto.
 */
async function startBehindGate(
  ctx: CliContext,
  o: {
    engine: EngineApi;
    connection: DockerConnection;
    id: string;
    /** The lockdown network as inspected before the create (the agent joined it by this id). */
    judged: LockdownNetwork;
    gatewayContainer: string;
    check: Omit<LockdownExpectationInput, 'state'>;
    folder: string;
    user: string;
  },
): Promise<SelfTestOutcome> {
  const { engine, id } = o;
  const gate = await openGate(engine, id);
  let outcome: SelfTestOutcome;
  try {
    const started = startContainer(engine, id);
    started.catch(() => undefined);
    const state = await readLockdownState(engine, { network: o.judged, gatewayContainer: o.gatewayContainer, connection: o.connection });
    const expected = await lockdownExpectation({ ...o.check, state });
    await started;
    outcome = await checkLockdown(ctx, { ...o.check, folder: o.folder, containerId: id, facts: gate.facts, user: o.user, expected });
    await gate.release();
  } finally {
    gate.close();
  }
  return outcome;
}

/**
 * `ncl launch`: at once the vault (agent, container config), the gateway hop, the old container and,
 * under lockdown, the image and the network; then home, stubs and CA files; create; under lockdown
 * the gate holds the agent until its network is proven (startBehindGate); start or release.
 */
export async function launchAgent(ctx: CliContext, options: LaunchOptions): Promise<LaunchResult> {
  const { folder } = options;
  const inputs = await gatherLaunchInputs(ctx, folder);
  const { settings } = inputs;
  const lockdown = settings.egressLockdown;
  const connection = dockerConnectionOptions({ env: ctx.env });
  const engine = new EngineApi(connection);
  if (inputs.native) {
    ctx.logger.warn(`Native credentials are ON: the agent holds the raw Anthropic credential; you give up ${GIVEN_UP} for it`, { group: folder });
  }
  if (!lockdown) ctx.logger.warn('Egress lockdown is off: clients that ignore the proxy variables can bypass the vault (ncl lockdown on)');
  if (lockdown && options.skipSelfTest) ctx.logger.warn('Skipping the lockdown self-test (--skip-self-test): an open path out would go unnoticed');
  const network = lockdown ? settings.egressNetwork : settings.outboundNetwork;
  const name = agentContainerName(folder);
  const image = inputs.config.image ?? inputs.agentImage;

  // The vault's answer is the longest wait of the launch: asked first, the engine meanwhile.
  const vaultWork = vaultConfig(ctx, inputs, folder);
  vaultWork.catch(() => undefined);
  // Fails closed: no relay, or a local vault that is down or not attached, means no agent.
  const hopWork = prepareGatewayHop(ctx, engine, settings);
  hopWork.catch(() => undefined); // judged below, unless the vault is down in native mode
  const gated = lockdown && !options.skipSelfTest;
  const gateWork = gated ? imageCommand(engine, image) : Promise.resolve(null);
  gateWork.catch(() => undefined);
  // The lockdown network, inspected while the vault answers: the agent joins it by this id, so the
  // network judged is the one it is on. The rest of the proof key is read while the engine starts it.
  // A relay for a remote vault is started with the networks it joins, so its network is inspected after.
  const networkReady = gated && plannedGatewayHop(settings).kind === 'relay' ? hopWork : Promise.resolve();
  const networkWork = gated ? networkReady.then(() => inspectLockdownNetwork(engine, network)) : null;
  networkWork?.catch(() => undefined);
  // The holder of the agent's network, as it is: reused when judged right (network-holder.ts).
  const holderWork = inspectHolder(engine, { folder, network: { name: network } });
  holderWork.catch(() => undefined);
  const [fetched, old] = await Promise.all([vaultWork, findAgentContainers(engine, { name, folder })]);
  // The old container goes once the vault said yes: it must not be running while we write into its home.
  await Promise.all(old.map((id) => removeContainer(engine, id)));
  const hop = fetched ? await hopWork : null;
  const vault = fetched && hop ? { ...fetched, env: proxyEnvForHop(fetched.env, hop) } : null;
  if (vault) ctx.logger.redactor.add(new URL(vault.env.HTTPS_PROXY ?? 'http://x').password);
  const gateImage = vault ? await gateWork : null;
  const judged = gateImage ? await networkWork : null;

  const owner = agentUser();
  const holderInput = { folder, image, network: { name: network, ...(judged ? { id: judged.Id } : {}) }, env: ctx.env };
  const [{ homeDir, caFiles, stubs }, holder] = await Promise.all([
    prepareHome(ctx, { inputs, folder, owner, vault }),
    holderWork.then((found) => ensureNetworkHolder(engine, holderInput, found)),
  ]);
  if (holder.replaced) ctx.logger.info('Replaced the agent’s network holder', { group: folder, why: holder.replaced });
  const user = `${owner.uid}:${owner.gid}`;
  const spec = buildAgentSpec({
    folder,
    config: inputs.config,
    mounts: inputs.mounts,
    vault,
    lockdown,
    networkHolder: holder.id,
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
  const id = await createAgent(engine, spec, { gateImage });
  try {
    let selfTest: LaunchResult['selfTest'] = lockdown ? 'skipped' : 'not_applicable';
    if (gateImage && vault && hop && judged) {
      const check = {
        network,
        gateway: { host: 'gateway', port: Number(new URL(vault.env.HTTPS_PROXY ?? '').port || VAULT_GATEWAY_PORT) },
        apiPort: VAULT_API_PORT,
        runtimeDir: inputs.paths.runtimeDir,
      };
      const gatewayContainer = lockdownGatewayContainer(settings, hop);
      selfTest = await startBehindGate(ctx, { engine, connection, id, judged, gatewayContainer, check, folder, user });
    } else {
      await startContainer(engine, id);
    }
    return { group: folder, agent: inputs.config.agentGroupId, container: name, id, image: spec.Image ?? image, network, lockdown, native: !!inputs.native, selfTest, stubs };
  } catch (err) {
    await removeContainer(engine, id).catch(() => undefined);
    // A namespace proven open is not kept for the next launch to join.
    if ((err as NanoclawError).code === 'lockdown_self_test_failed') await removeContainer(engine, holder.id).catch(() => undefined);
    throw err;
  }
}
