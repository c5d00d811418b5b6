import { basename } from 'node:path';
import { VAULT_API_PORT } from '../config/ports.js';
import { nodeCrypto } from '../common/node-crypto.js';

export const GATEWAY_ALIAS = 'gateway';
export const KEY_MOUNT_PATH = '/run/nanoclaw/master.key';
export const CA_MOUNT_DIR = '/run/nanoclaw/ca';
export const TELEGRAM_TOKEN_MOUNT_PATH = '/run/nanoclaw/telegram.token';
export const DATABASE_URL_MOUNT_PATH = '/run/nanoclaw/database.url';
/** Label holding the hash of the spec a container was created from: a different hash means "replace it". */
export const SPEC_HASH_LABEL = 'nanoclaw.spec';
/** The image's user and group; the vault's files on the volume belong to them. */
export const IMAGE_UID = 1000;

export interface VaultContainerInput {
  name: string;
  image: string;
  volume: string;
  /** Host loopback port the API is published on. */
  apiPort: number;
  outboundNetwork: string;
  egressNetwork: string;
  /** Host path of the master key file (mounted read-only). */
  keyFile: string;
  /** Host paths of extra CA PEM files the gateway trusts (NANOCLAW_EXTRA_CA_CERTS). */
  extraCaFiles: readonly string[];
  allowPrivate: readonly string[];
  /**
   * The outbound network's gateway address(es): the source of connections the host's published
   * port forwards. The API refuses every other client but loopback, so no agent reaches it.
   */
  apiAllowFrom: readonly string[];
  /** SHA-256 hex of the API key the host keeps in .env. */
  apiKeySha256: string;
  /** The container's user (containerUser). */
  user: { user: string; groupAdd: string[] };
  labels: Record<string, string>;
  logLevel?: string;
  /** NANOCLAW_APPROVAL_TTL_SECONDS, when not the default. */
  approvalTtlSeconds?: number;
  /** NANOCLAW_AUDIT_RETENTION_DAYS, when set. */
  auditRetentionDays?: number;
  /** NANOCLAW_GATEWAY_TLS, when not the default (auto). */
  gatewayTls?: 'native' | 'node';
  /** Approval cards on Telegram: the host path of the 0600 bot token file (mounted read-only) and the API base. */
  telegram?: { tokenFile: string; apiBase?: string };
  /** The store in Postgres: the host path of the 0600 file holding NANOCLAW_DATABASE_URL (it may carry a password). */
  databaseUrlFile?: string;
  memoryBytes?: number;
  pidsLimit?: number;
}

export interface VaultContainerSpec {
  /** Body of POST /containers/create (with `name`). */
  create: Record<string, unknown> & { name: string; Image: string; Labels: Record<string, string> };
  /** Joined after create, before start (engines before API 1.44 take one network at create). */
  egress: { network: string; aliases: string[] };
  specHash: string;
}

/**
 * Who the vault runs as. As root on the host: the image's uid 1000, and the key file is
 * chowned to it. Otherwise: the host's uid:gid, so the user's own 0600 key file is readable
 * without chown, plus group 1000 for the volume's 0770 /data. Pure.
 */
export function containerUser(host: { uid: number | undefined; gid: number | undefined }): {
  user: string;
  groupAdd: string[];
  chownKeyTo: { uid: number; gid: number } | null;
} {
  if (host.uid === undefined || host.gid === undefined || host.uid === 0) {
    const chown = host.uid === 0 ? { uid: IMAGE_UID, gid: IMAGE_UID } : null;
    return { user: `${IMAGE_UID}:${IMAGE_UID}`, groupAdd: [], chownKeyTo: chown };
  }
  return { user: `${host.uid}:${host.gid}`, groupAdd: host.gid === IMAGE_UID ? [] : [String(IMAGE_UID)], chownKeyTo: null };
}

const HEALTH_SCRIPT = `fetch('http://127.0.0.1:${VAULT_API_PORT}/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;
const SECOND = 1_000_000_000; // Docker durations are nanoseconds

/** In-container path of the i-th extra CA file (numbered: two files may share a basename). */
export function caMountPath(index: number, hostPath: string): string {
  return `${CA_MOUNT_DIR}/${index}-${basename(hostPath).replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/**
 * The vault container, hardened: no capabilities, no-new-privileges, read-only root with a
 * small /tmp, non-root, pids/memory limits, API published on 127.0.0.1 only (and open to no
 * container), gateway not published, the key (and a Telegram bot token, a database URL) as read-only files (never env vars). Pure.
 */
export function vaultContainerSpec(input: VaultContainerInput): VaultContainerSpec {
  if (input.apiAllowFrom.length === 0) throw new Error('vaultContainerSpec: apiAllowFrom is empty; the host could not reach the API');
  const caPaths = input.extraCaFiles.map((f, i) => caMountPath(i, f));
  const env = [
    'NANOCLAW_VAULT_DIR=/data',
    `NANOCLAW_VAULT_KEY_FILE=${KEY_MOUNT_PATH}`,
    `NANOCLAW_API_KEY_SHA256=${input.apiKeySha256}`,
    `NANOCLAW_VAULT_PUBLIC_URL=http://127.0.0.1:${input.apiPort}`,
    `NANOCLAW_API_ALLOW_FROM=${input.apiAllowFrom.join(',')}`,
    ...(caPaths.length > 0 ? [`NANOCLAW_EXTRA_CA_CERTS=${caPaths.join(',')}`] : []),
    ...(input.allowPrivate.length > 0 ? [`NANOCLAW_ALLOW_PRIVATE=${input.allowPrivate.join(',')}`] : []),
    ...(input.logLevel ? [`LOG_LEVEL=${input.logLevel}`] : []),
    ...(input.approvalTtlSeconds !== undefined ? [`NANOCLAW_APPROVAL_TTL_SECONDS=${input.approvalTtlSeconds}`] : []),
    ...(input.auditRetentionDays !== undefined ? [`NANOCLAW_AUDIT_RETENTION_DAYS=${input.auditRetentionDays}`] : []),
    ...(input.gatewayTls ? [`NANOCLAW_GATEWAY_TLS=${input.gatewayTls}`] : []),
    ...(input.telegram ? [`NANOCLAW_TELEGRAM_TOKEN_FILE=${TELEGRAM_TOKEN_MOUNT_PATH}`] : []),
    ...(input.telegram?.apiBase ? [`NANOCLAW_TELEGRAM_API_BASE=${input.telegram.apiBase}`] : []),
    ...(input.databaseUrlFile ? [`NANOCLAW_DATABASE_URL_FILE=${DATABASE_URL_MOUNT_PATH}`] : []),
  ];
  const mounts = [
    { Type: 'volume', Source: input.volume, Target: '/data', ReadOnly: false },
    { Type: 'bind', Source: input.keyFile, Target: KEY_MOUNT_PATH, ReadOnly: true },
    ...input.extraCaFiles.map((f, i) => ({ Type: 'bind', Source: f, Target: caPaths[i], ReadOnly: true })),
    ...(input.telegram ? [{ Type: 'bind', Source: input.telegram.tokenFile, Target: TELEGRAM_TOKEN_MOUNT_PATH, ReadOnly: true }] : []),
    ...(input.databaseUrlFile ? [{ Type: 'bind', Source: input.databaseUrlFile, Target: DATABASE_URL_MOUNT_PATH, ReadOnly: true }] : []),
  ];
  const memory = input.memoryBytes ?? 512 * 1024 * 1024;
  const api = `${VAULT_API_PORT}/tcp`;
  const body = {
    Image: input.image,
    User: input.user.user,
    Env: env,
    ExposedPorts: { [api]: {} },
    Healthcheck: { Test: ['CMD', 'node', '-e', HEALTH_SCRIPT], Interval: 10 * SECOND, Timeout: 3 * SECOND, Retries: 3, StartPeriod: 30 * SECOND },
    HostConfig: {
      NetworkMode: input.outboundNetwork,
      PortBindings: { [api]: [{ HostIp: '127.0.0.1', HostPort: String(input.apiPort) }] },
      Mounts: mounts,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,noexec,nosuid,nodev,size=64m' },
      RestartPolicy: { Name: 'unless-stopped' },
      PidsLimit: input.pidsLimit ?? 256,
      Memory: memory,
      MemorySwap: memory,
      GroupAdd: input.user.groupAdd,
      // Host services named in NANOCLAW_ALLOW_PRIVATE (a local Ollama) are reached by this name.
      ExtraHosts: ['host.docker.internal:host-gateway'],
    },
    NetworkingConfig: { EndpointsConfig: { [input.outboundNetwork]: {} } },
  };
  const egress = { network: input.egressNetwork, aliases: [GATEWAY_ALIAS] };
  const specHash = nodeCrypto().createHash('sha256').update(JSON.stringify({ name: input.name, body, egress })).digest('hex').slice(0, 32);
  return {
    create: { name: input.name, ...body, Labels: { ...input.labels, [SPEC_HASH_LABEL]: specHash } },
    egress,
    specHash,
  };
}
