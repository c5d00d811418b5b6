import type { HostPort } from '../config/settings-schema.js';
import { GATEWAY_ALIAS, IMAGE_UID, SPEC_HASH_LABEL } from './vault-container-spec.js';
import { VAULT_GATEWAY_PORT } from '../config/ports.js';
import { nodeCrypto } from '../common/node-crypto.js';
import { PACKAGE_LAYOUT } from '../common/package-layout.js';

/** Where the relay listens in its container (the port agents' proxy URLs name) and its loopback-only health port. */
export const RELAY_PORT = VAULT_GATEWAY_PORT;
export const RELAY_HEALTH_PORT = 10256;

export interface RelayContainerInput {
  name: string;
  image: string;
  /** The remote gateway: the relay's one and only destination. */
  target: HostPort;
  outboundNetwork: string;
  egressNetwork: string;
  labels: Record<string, string>;
  logLevel?: string;
}

export interface RelayContainerSpec {
  create: Record<string, unknown> & { name: string; Image: string; Labels: Record<string, string> };
  /** Joined after create, before start (engines before API 1.44 take one network at create). */
  egress: { network: string; aliases: string[] };
  specHash: string;
}

/** The relay container's name for a vault container name (ONECLI_GATEWAY_CONTAINER): one relay per install. */
export function relayContainerName(gatewayContainer: string): string {
  return `${gatewayContainer}-relay`;
}

const SECOND = 1_000_000_000; // Docker durations are nanoseconds
const HEALTH_SCRIPT = `fetch('http://127.0.0.1:${RELAY_HEALTH_PORT}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;
/** The command that checks the relay from inside its container (the healthcheck, and ensureRelay's wait). */
export const RELAY_HEALTH_CMD = ['node', '-e', HEALTH_SCRIPT];

const formatTarget = (t: HostPort) => (t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`);

/**
 * The relay container: the vault image in relay mode, hardened like the vault (no capabilities,
 * no-new-privileges, read-only root, non-root, small limits), nothing published, no volume and
 * no key. On the outbound network for its way out and on the lockdown network as `gateway`. Pure.
 */
export function relayContainerSpec(input: RelayContainerInput): RelayContainerSpec {
  const memory = 128 * 1024 * 1024;
  const body = {
    Image: input.image,
    User: `${IMAGE_UID}:${IMAGE_UID}`,
    Cmd: [
      'node',
      `/app/${PACKAGE_LAYOUT.cliEntry}`,
      'vault',
      'relay',
      '--listen',
      `0.0.0.0:${RELAY_PORT}`,
      '--to',
      formatTarget(input.target),
      '--health-listen',
      `127.0.0.1:${RELAY_HEALTH_PORT}`,
    ],
    Env: ['NODE_ENV=production', ...(input.logLevel ? [`LOG_LEVEL=${input.logLevel}`] : [])],
    Healthcheck: { Test: ['CMD', ...RELAY_HEALTH_CMD], Interval: 10 * SECOND, Timeout: 3 * SECOND, Retries: 3, StartPeriod: 10 * SECOND },
    HostConfig: {
      NetworkMode: input.outboundNetwork,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,noexec,nosuid,nodev,size=8m' },
      RestartPolicy: { Name: 'unless-stopped' },
      PidsLimit: 64,
      Memory: memory,
      MemorySwap: memory,
      // A remote gateway on this machine (a vault run with `ncl vault serve`) is reached by this name.
      ExtraHosts: ['host.docker.internal:host-gateway'],
    },
    NetworkingConfig: { EndpointsConfig: { [input.outboundNetwork]: {} } },
  };
  const egress = { network: input.egressNetwork, aliases: [GATEWAY_ALIAS] };
  const specHash = nodeCrypto().createHash('sha256').update(JSON.stringify({ name: input.name, body, egress })).digest('hex').slice(0, 32);
  return { create: { name: input.name, ...body, Labels: { ...input.labels, [SPEC_HASH_LABEL]: specHash } }, egress, specHash };
}
