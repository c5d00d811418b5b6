import { delimiter } from 'node:path';
import { z } from 'zod';
import type { LogLevel } from '../common/logger.js';
import { VAULT_API_PORT, VAULT_GATEWAY_PORT } from './ports.js';

/** Each setting and the variable it is read from (process environment first, then `.env`). */
export const SETTING_VARIABLES = {
  onecliUrl: 'ONECLI_URL',
  onecliApiKey: 'ONECLI_API_KEY',
  remoteApiHost: 'NANOCLAW_ONECLI_API_HOST',
  remoteApiToken: 'NANOCLAW_ONECLI_API_TOKEN',
  remoteGateway: 'NANOCLAW_ONECLI_GATEWAY',
  anthropicBaseUrl: 'NANOCLAW_ANTHROPIC_BASE_URL',
  anthropicAuthToken: 'NANOCLAW_ANTHROPIC_AUTH_TOKEN',
  egressLockdown: 'NANOCLAW_EGRESS_LOCKDOWN',
  egressNetwork: 'NANOCLAW_EGRESS_NETWORK',
  gatewayContainer: 'ONECLI_GATEWAY_CONTAINER',
  outboundNetwork: 'NANOCLAW_OUTBOUND_NETWORK',
  vaultVolume: 'NANOCLAW_VAULT_VOLUME',
  vaultPort: 'NANOCLAW_VAULT_PORT',
  vaultImage: 'NANOCLAW_VAULT_IMAGE',
  agentImage: 'NANOCLAW_AGENT_IMAGE',
  apiKeySha256: 'NANOCLAW_API_KEY_SHA256',
  vaultPublicUrl: 'NANOCLAW_VAULT_PUBLIC_URL',
  apiAllowFrom: 'NANOCLAW_API_ALLOW_FROM',
  nativeCredentials: 'NANOCLAW_NATIVE_CREDENTIALS',
  vaultDir: 'NANOCLAW_VAULT_DIR',
  databaseUrl: 'NANOCLAW_DATABASE_URL',
  vaultKeyFile: 'NANOCLAW_VAULT_KEY_FILE',
  extraCaCerts: 'NANOCLAW_EXTRA_CA_CERTS',
  vaultListen: 'NANOCLAW_VAULT_LISTEN',
  gatewayListen: 'NANOCLAW_GATEWAY_LISTEN',
  allowPrivate: 'NANOCLAW_ALLOW_PRIVATE',
  telegramBotToken: 'TELEGRAM_BOT_TOKEN',
  telegramApiBase: 'NANOCLAW_TELEGRAM_API_BASE',
  approvalTtlSeconds: 'NANOCLAW_APPROVAL_TTL_SECONDS',
  auditRetentionDays: 'NANOCLAW_AUDIT_RETENTION_DAYS',
  gatewayTls: 'NANOCLAW_GATEWAY_TLS',
  logLevel: 'LOG_LEVEL',
} as const;
export type SettingName = keyof typeof SETTING_VARIABLES;

const BOOLEANS: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };
export interface HostPort {
  host: string;
  port: number;
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/;

type Ctx = z.core.$RefinementCtx<string>;

function fail(ctx: Ctx, message: string): never {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
}

function bool(fallback: boolean) {
  return z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return fallback;
      return BOOLEANS[s.toLowerCase()] ?? fail(ctx as Ctx, 'expected true/false, 1/0 or yes/no');
    });
}

/** `host:port` or `[v6]:port` → parts; null when malformed. */
function parseHostPort(s: string): HostPort | null {
  const m = HOST_PORT.exec(s);
  if (!m) return null;
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if ((m[1] === undefined && !HOST.test(host)) || port > 65535) return null;
  return { host: host.toLowerCase(), port };
}

function hostPort(fallback: string) {
  return z
    .string()
    .default(fallback)
    .transform((s, ctx) => parseHostPort(s) ?? fail(ctx as Ctx, 'expected host:port, for example 127.0.0.1:10254 or [::1]:10254'));
}

function httpUrl() {
  return z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return undefined;
      const url = URL.parse(s);
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        return fail(ctx as Ctx, 'expected an http:// or https:// URL, for example http://127.0.0.1:10254');
      }
      return url.href.replace(/\/+$/, ''); // one spelling, so `${url}/api/health` never doubles a slash
    });
}

const dockerName = (fallback: string) =>
  z.string().default(fallback).pipe(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected a Docker name (letters, digits, _ . -)'));

// name[:tag][@digest], lower-case repository as Docker requires; the tag default needs the version, so it is applied by the caller.
const imageRef = () =>
  z
    .string()
    .regex(/^[a-z0-9][a-z0-9._\/:-]*(?:@sha256:[0-9a-f]{64})?$/, 'expected a Docker image reference, for example nanoclaw-vault:0.1.0')
    .optional();

const list = (separators: RegExp) =>
  z
    .string()
    .default('')
    .transform((s) => s.split(separators).map((p) => p.trim()).filter((p) => p !== ''));

/** The raw values (strings, or undefined when unset) → typed settings with their defaults. */
export const SettingsSchema = z.object({
  onecliUrl: httpUrl(),
  onecliApiKey: z.string().optional(),
  remoteApiHost: httpUrl(),
  remoteApiToken: z.string().startsWith('oc_', 'must start with oc_').optional(),
  // The remote vault's gateway as agents (or the lockdown relay) reach it; unset: the API host's name, port 10255.
  remoteGateway: z
    .string()
    .optional()
    .transform((s, ctx) => (s === undefined ? undefined : (parseHostPort(s) ?? fail(ctx as Ctx, 'expected host:port, for example vault.example.com:10255')))),
  // A custom Anthropic-compatible endpoint: `ncl setup` stores the token as a Bearer secret for its host.
  anthropicBaseUrl: httpUrl(),
  anthropicAuthToken: z.string().optional(),
  egressLockdown: bool(false),
  egressNetwork: dockerName('nanoclaw-egress'),
  gatewayContainer: dockerName('onecli'),
  outboundNetwork: dockerName('nanoclaw-outbound'),
  vaultVolume: dockerName('nanoclaw-vault-data'),
  // The host loopback port the vault container's API is published on.
  vaultPort: z
    .string()
    .default(String(VAULT_API_PORT))
    .pipe(z.string().regex(/^\d{1,5}$/, 'expected a port number'))
    .transform(Number)
    .pipe(z.number().int().min(1, 'expected a port from 1 to 65535').max(65535, 'expected a port from 1 to 65535')),
  vaultImage: imageRef(),
  agentImage: imageRef(),
  // Set by `ncl vault up` inside the vault container: the hash of the API key the host keeps in .env.
  apiKeySha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex characters (a SHA-256)').optional(),
  // The API's address as users reach it (connect_url links); the container listens on 0.0.0.0.
  vaultPublicUrl: httpUrl(),
  // Set by `ncl vault up` inside the vault container: who besides loopback may connect to the API.
  apiAllowFrom: list(/,/),
  nativeCredentials: bool(false),
  vaultDir: z.string().optional(),
  // The vault store in Postgres instead of the SQLite file in the data directory.
  databaseUrl: z
    .string()
    .regex(/^postgres(?:ql)?:\/\/\S+$/, 'expected a postgres:// URL such as postgres://nanoclaw@db:5432/nanoclaw')
    .optional(),
  vaultKeyFile: z.string().optional(),
  // Path lists: the platform's separator (`:` or `;`) or commas.
  extraCaCerts: list(new RegExp(`[,${delimiter}]`)),
  vaultListen: hostPort(`127.0.0.1:${VAULT_API_PORT}`),
  gatewayListen: hostPort(`127.0.0.1:${VAULT_GATEWAY_PORT}`),
  // `name:port` entries of host services agents may reach through the gateway (a local Ollama).
  allowPrivate: list(/,/).transform((items, ctx) => {
    const bad = items.filter((item) => !parseHostPort(item));
    if (bad.length > 0) {
      const shown = bad.map((b) => JSON.stringify(b)).join(', ');
      return fail(ctx as unknown as Ctx, `expected name:port entries separated by commas (not ${shown})`);
    }
    return items.map((item) => {
      const { host, port } = parseHostPort(item) as HostPort;
      return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    });
  }),
  // Approval cards on Telegram (read by the vault process); the API base is for tests and self-hosted Bot API servers.
  telegramBotToken: z.string().optional(),
  telegramApiBase: httpUrl(),
  // How long the gateway holds a request that needs a person's approval.
  approvalTtlSeconds: z
    .string()
    .default('180')
    .pipe(z.string().regex(/^\d{1,6}$/, 'expected a number of seconds'))
    .transform(Number)
    .pipe(z.number().int().min(1, 'expected 1 second or more').max(86_400, 'expected at most 86400 seconds (a day)')),
  // Audit rows older than this many days are pruned by the vault; unset keeps them all.
  auditRetentionDays: z
    .string()
    .regex(/^\d{1,5}$/, 'expected a number of days')
    .transform(Number)
    .pipe(z.number().int().min(1, 'expected 1 day or more'))
    .optional(),
  // Who terminates agents' TLS in the gateway: the native transport when built (auto), or forced.
  gatewayTls: z
    .string()
    .default('auto')
    .pipe(z.enum(['auto', 'native', 'node'], { message: 'expected auto, native or node' })),
  logLevel: z.string().optional(),
});

export type RawSettings = Partial<Record<SettingName, string>>;
/** Settings as the product uses them; `logLevel` is checked by the pipeline (a bad one is only a warning). */
export type Settings = Omit<z.output<typeof SettingsSchema>, 'logLevel'> & { logLevel: LogLevel };
