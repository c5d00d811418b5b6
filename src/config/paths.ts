import { isAbsolute, join, resolve } from 'node:path';

export interface PathsInput {
  /** The project directory (where `.env` and `groups/` live). */
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  /** The vault data directory from loaded settings (NANOCLAW_VAULT_DIR read from env, then `.env`); wins over `env`. */
  vaultDir?: string;
}

export interface ProjectPaths {
  projectDir: string;
  envFile: string;
  /** The vault's data: its SQLite file, and the key file where no keyring works. */
  vaultDir: string;
  dbFile: string;
  /** Private runtime files such as key mounts: never inside the project directory. */
  runtimeDir: string;
  /** Downloads worth keeping between builds (the Claude Code package): `$XDG_CACHE_HOME/nanoclaw`. */
  cacheDir: string;
  configDir: string;
  mountAllowlistFile: string;
  groupsDir: string;
}

/** An XDG base directory from `env` when set to an absolute path (the spec says to ignore others), else `fallback`. */
function xdgDir(env: PathsInput['env'], name: string, fallback: string): string {
  const value = env[name];
  return value && isAbsolute(value) ? value : fallback;
}

/** `~` and `~/x` as users write them in `.env`, relative paths against the project. */
function userPath(path: string, home: string, projectDir: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return resolve(projectDir, path);
}

/** Where everything lives, from the project directory, the environment and the home directory. Pure. */
export function resolvePaths(input: PathsInput): ProjectPaths {
  const { env } = input;
  const home = resolve(input.home);
  const projectDir = resolve(input.cwd);
  const explicitVault = input.vaultDir || env.NANOCLAW_VAULT_DIR;
  const vaultDir = explicitVault
    ? userPath(explicitVault, home, projectDir)
    : join(xdgDir(env, 'XDG_DATA_HOME', join(home, '.local', 'share')), 'nanoclaw', 'vault');
  const runtime = env.XDG_RUNTIME_DIR;
  const cacheDir = join(xdgDir(env, 'XDG_CACHE_HOME', join(home, '.cache')), 'nanoclaw');
  const runtimeDir = runtime && isAbsolute(runtime) ? join(runtime, 'nanoclaw') : join(cacheDir, 'run');
  const configDir = join(xdgDir(env, 'XDG_CONFIG_HOME', join(home, '.config')), 'nanoclaw');
  return {
    projectDir,
    envFile: join(projectDir, '.env'),
    vaultDir,
    dbFile: join(vaultDir, 'vault.db'),
    runtimeDir,
    cacheDir,
    configDir,
    mountAllowlistFile: join(configDir, 'mount-allowlist.json'),
    groupsDir: join(projectDir, 'groups'),
  };
}
