import { UsageError } from '../common/errors.js';

export const VAULT_MODES = ['fresh', 'reuse', 'remote'] as const;
export type VaultMode = (typeof VAULT_MODES)[number];
export const AUTH_MODES = ['api-key', 'oauth', 'setup-token', 'custom', 'skip'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** The command line of `ncl setup` as commander hands it over. */
export interface SetupFlags {
  vault?: string;
  reinstall?: boolean;
  auth?: string;
  anthropicKeyStdin?: boolean;
  group?: string;
  groupName?: string;
  lockdown?: boolean;
  json?: boolean;
  yes?: boolean;
  build?: boolean;
  timeout?: string;
}

/** Validated wizard options; undefined means "ask, or take the default under --yes". */
export interface SetupOptions {
  vault: VaultMode | undefined;
  reinstall: boolean;
  auth: AuthMode | undefined;
  keyFromStdin: boolean;
  group: string;
  groupName: string;
  lockdown: boolean | undefined;
  json: boolean;
  yes: boolean;
  /** false: never build images (fail when one is missing). */
  build: boolean;
  timeoutMs: number;
}

export const DEFAULT_GROUP = 'main';
export const DEFAULT_GROUP_NAME = 'Main agent';
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got "${value}")`);
}

/** Checks the flags and their combinations. Pure; throws UsageError naming the flag. */
export function parseSetupFlags(flags: SetupFlags): SetupOptions {
  const vault = oneOf('--vault', flags.vault, VAULT_MODES);
  const auth = oneOf('--auth', flags.auth, AUTH_MODES);
  if (flags.reinstall && vault !== undefined && vault !== 'fresh') {
    throw new UsageError(`--reinstall replaces a local vault and cannot go with --vault ${vault}`);
  }
  if (flags.anthropicKeyStdin && auth !== undefined && auth !== 'api-key' && auth !== 'oauth') {
    throw new UsageError(`--anthropic-key-stdin reads an API key or OAuth token, which --auth ${auth} does not use`);
  }
  const group = flags.group ?? DEFAULT_GROUP;
  if (!IDENTIFIER.test(group)) {
    throw new UsageError(`--group must be letters, digits, ., _ or - (got "${group}")`, { hint: 'For example: --group main' });
  }
  const groupName = (flags.groupName ?? DEFAULT_GROUP_NAME).trim();
  if (!groupName) throw new UsageError('--group-name must not be empty');
  const seconds = Number(flags.timeout ?? '60');
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout must be a number of seconds (got "${flags.timeout}")`);
  return {
    vault,
    reinstall: flags.reinstall === true,
    auth,
    keyFromStdin: flags.anthropicKeyStdin === true,
    group,
    groupName,
    lockdown: flags.lockdown,
    json: flags.json === true,
    yes: flags.yes === true,
    build: flags.build !== false,
    timeoutMs: seconds * 1000,
  };
}
