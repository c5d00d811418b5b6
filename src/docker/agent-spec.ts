import type { ContainerCreateOptions } from 'dockerode';
import { NanoclawError } from '../common/errors.js';
import type { ContainerJson } from '../config/container-json.js';
import { DEFAULT_INSTALL, resourceLabels } from './labels.js';
import { PLACEHOLDER } from '../common/placeholder.js';

/** What the vault's `/v1/container-config` returns (structurally; docker may not import the vault's schemas). */
export interface VaultContainerConfig {
  env: Record<string, string>;
  caCertificate: string;
  caCertificateContainerPath: string;
  stubs: string[];
}

export const NATIVE_VARIABLES = ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL'] as const;
export type NativeVariable = (typeof NATIVE_VARIABLES)[number];

export const AGENT_HOME = '/home/node';
export const CA_BUNDLE_CONTAINER_PATH = '/etc/nanoclaw/ca-bundle.pem';
/** Tools that read one CA bundle file: OpenSSL/curl, Python requests, git, Deno. */
export const BUNDLE_VARIABLES = ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO', 'DENO_CERT'] as const;
export const NO_PROXY = 'localhost,127.0.0.1,::1';
export const LABEL_LOCKDOWN = 'nanoclaw.lockdown';
export const LABEL_NATIVE = 'nanoclaw.native';
export const LABEL_COMMAND = 'nanoclaw.command';
/** The project directory that launched it: lockdown restarts relaunch only their own project's agents. */
export const LABEL_PROJECT = 'nanoclaw.project';
const PROXY_VARIABLES = ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy'];
const PLACEHOLDER_VARIABLES = ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN'];
const CLAUDE_CREDENTIAL_VARIABLES = ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_AUTH_TOKEN'];
const SOCKET_PATHS = ['/var/run', '/run', '/var/run/docker.sock', '/run/docker.sock'];

export interface AgentSpecInput {
  folder: string;
  config: ContainerJson;
  /** Extra mounts, already checked against the allowlist and resolved (host paths absolute). */
  mounts: readonly { hostPath: string; containerPath: string; readonly: boolean }[];
  /** null only in native mode with no vault: then no gateway is applied at all. */
  vault: VaultContainerConfig | null;
  lockdown: boolean;
  /**
   * The id of the container holding the agent's network namespace (network-holder.ts): the agent
   * joins it, on the network the launcher judged for it (the lockdown network, by its id).
   */
  networkHolder: string;
  /** The vault container's name: the proxy host on the outbound network. */
  gatewayContainer: string;
  /** The default agent image; `config.image` wins. */
  defaultImage: string;
  /** `ncl launch <folder> -- command…`; wins over `config.command`. */
  command?: readonly string[];
  /** `uid:gid` the agent runs as; never root. */
  user: string;
  /** Host dir mounted as the agent's home (stubs live there). */
  homeDir: string;
  /** Host files: the vault CA alone, and system CAs + vault CA. */
  caFiles: { vaultCa: string; bundle: string };
  /** NANOCLAW_NATIVE_CREDENTIALS and the values read from .env; ignored entirely when not enabled. */
  native?: { enabled: boolean; values: Partial<Record<NativeVariable, string>> };
  install?: string;
  /** The project directory (a label, so commands can tell their own agents from another project's). */
  projectDir?: string;
  /** For the test-run labels (NANOCLAW_TEST_RUN_ID). */
  env: Readonly<Record<string, string | undefined>>;
}

/** The agent container's name for a group folder. */
export function agentContainerName(folder: string, install: string = DEFAULT_INSTALL): string {
  return install === DEFAULT_INSTALL ? `nanoclaw-agent-${folder}` : `nanoclaw-${install}-agent-${folder}`;
}

/** A launch's container name held by a container nanoclaw did not create: refused, and left alone. */
export function nameTaken(name: string): NanoclawError {
  return new NanoclawError('name_taken', `A container named ${name} exists and was not created by nanoclaw; it is left alone`, {
    hint: `Rename or remove it yourself (docker rm -f ${name}), then launch again`,
  });
}

/** The same proxy URL (token, port) with the host the agent can reach on its network. */
export function rehostProxy(proxy: string, host: string): string {
  const url = URL.parse(proxy);
  if (!url || !url.password) throw noToken();
  url.hostname = host;
  return url.href.replace(/\/$/, '');
}

function noToken(): NanoclawError {
  return new NanoclawError('bad_container_config', 'The vault’s container config has no agent token in HTTPS_PROXY', {
    hint: 'Check that ONECLI_URL points at a nanoclaw or OneCLI vault of a compatible version',
  });
}

function refuseSocket(hostPath: string, containerPath: string): void {
  for (const p of [hostPath, containerPath]) {
    const clean = p.replace(/\/+$/, '') || '/';
    if (clean === '/' || clean.endsWith('/docker.sock') || SOCKET_PATHS.includes(clean)) {
      throw new NanoclawError('docker_socket_refused', `Refusing to mount ${hostPath} at ${containerPath}: agents never get the Docker socket or the host root`, {
        hint: 'Remove that entry from additionalMounts in container.json',
      });
    }
  }
}

function gatewayEnv(input: AgentSpecInput, vault: VaultContainerConfig): Record<string, string> {
  const host = input.lockdown ? 'gateway' : input.gatewayContainer;
  const env: Record<string, string> = { ...vault.env };
  if (!env.HTTPS_PROXY) throw noToken();
  for (const name of PROXY_VARIABLES) env[name] = rehostProxy(env[name] ?? env.HTTPS_PROXY, host);
  env.NODE_EXTRA_CA_CERTS = vault.caCertificateContainerPath;
  for (const name of BUNDLE_VARIABLES) env[name] = CA_BUNDLE_CONTAINER_PATH;
  env.NO_PROXY = NO_PROXY;
  env.no_proxy = NO_PROXY;
  return env;
}

/** The dockerode create options of an agent container. Pure: same input, same spec. */
export function buildAgentSpec(input: AgentSpecInput): ContainerCreateOptions {
  const { config, vault } = input;
  const native = input.native?.enabled ? input.native.values : null;
  if (!vault && !native) {
    throw new NanoclawError('gateway_not_applied', 'Refusing to start an agent without the vault gateway', {
      hint: 'Start the vault: ncl vault up',
    });
  }
  const mounts = [{ hostPath: input.homeDir, containerPath: AGENT_HOME, readonly: false }];
  if (vault) {
    mounts.push({ hostPath: input.caFiles.vaultCa, containerPath: vault.caCertificateContainerPath, readonly: true });
    mounts.push({ hostPath: input.caFiles.bundle, containerPath: CA_BUNDLE_CONTAINER_PATH, readonly: true });
  }
  mounts.push(...input.mounts);
  for (const m of mounts) refuseSocket(m.hostPath, m.containerPath);
  const binds = mounts.map((m) => `${m.hostPath}:${m.containerPath}:${m.readonly ? 'ro' : 'rw'}`);

  const env: Record<string, string> = { ...config.env, ...(vault ? gatewayEnv(input, vault) : {}), HOME: AGENT_HOME };
  if (native) {
    for (const name of PLACEHOLDER_VARIABLES) delete env[name];
    for (const name of NATIVE_VARIABLES) if (native[name]) env[name] = native[name];
  } else if (env.ANTHROPIC_BASE_URL && !CLAUDE_CREDENTIAL_VARIABLES.some((name) => env[name])) {
    // A custom Anthropic endpoint (ncl setup's custom auth): Claude Code starts only with some
    // credential set, and the gateway's Bearer secret for that host replaces this placeholder.
    env.ANTHROPIC_AUTH_TOKEN = PLACEHOLDER;
  }
  if (/^(0|root)(:|$)/.test(input.user)) {
    throw new NanoclawError('root_agent_refused', 'Refusing to run an agent as root', { hint: 'Run ncl launch as a non-root user, or let it pick uid 1000' });
  }

  const command = input.command?.length ? [...input.command] : config.command;
  const labels: Record<string, string> = {
    ...resourceLabels({ role: 'agent', install: input.install, group: input.folder, env: input.env }),
    [LABEL_LOCKDOWN]: input.lockdown ? '1' : '0',
  };
  if (input.projectDir) labels[LABEL_PROJECT] = input.projectDir;
  if (native) labels[LABEL_NATIVE] = '1';
  if (input.command?.length) labels[LABEL_COMMAND] = JSON.stringify(input.command);
  return {
    name: agentContainerName(input.folder, input.install),
    Image: config.image ?? input.defaultImage,
    ...(command ? { Cmd: command } : {}),
    User: input.user,
    Env: Object.entries(env)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`),
    Labels: labels,
    HostConfig: {
      Binds: binds,
      NetworkMode: `container:${input.networkHolder}`,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      PidsLimit: config.resources.pids,
      Memory: config.resources.memory,
      MemorySwap: config.resources.memory,
      NanoCpus: Math.round(config.resources.cpus * 1e9),
    },
  };
}
