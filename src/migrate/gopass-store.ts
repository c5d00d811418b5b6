import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The root store's path in a gopass config file: `[mounts]` `path = …` in today's git-config
 * style `config`, or `path:` (also under `root:`, possibly as `gpgcli-gitcli-fs+file:///…`) in an
 * older `config.yml`. Null when the file names none.
 */
export function storePathInGopassConfig(text: string): string | null {
  let section = '';
  let ymlKey = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    // `[mounts]` holds the root store's path; `[mounts "work"]` a mounted store's.
    const header = /^\[(.*)\]$/.exec(line);
    if (header) section = header[1]!.trim().toLowerCase();
    const ini = /^path\s*=\s*(.+)$/.exec(line);
    if (ini && section === 'mounts') return unquote(ini[1]!);
    // YAML: the root store's `path:` is top-level (gopass 1.5 to 1.7) or under `root:`, never
    // the one of a mount under `mounts:`.
    const top = /^([\w-]+):/.exec(raw);
    if (top) ymlKey = top[1]!;
    const yml = /^path:\s*(.+)$/.exec(line);
    if (yml && (top ? ymlKey === 'path' : ymlKey === 'root')) return unquote(yml[1]!).replace(/^[\w-]+(\+[\w-]+)*\+file:\/\//, '');
  }
  return null;
}

function unquote(s: string): string {
  return s.trim().replace(/^(["'])(.*)\1$/, '$2');
}

async function readIfThere(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch(() => null);
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/**
 * The root store gopass itself would open: `PASSWORD_STORE_DIR`, else the path its config file
 * names, else the first that exists of gopass's data dir (`stores/root`, gopass 1.10 and later)
 * and `~/.password-store` (older gopass, and Debian's `gopass` package, a pass clone that keeps
 * pass's layout). Mounted sub-stores are not followed.
 */
export async function gopassStoreDir(env: NodeJS.ProcessEnv): Promise<string> {
  if (env.PASSWORD_STORE_DIR) return env.PASSWORD_STORE_DIR;
  const home = env.HOME ?? homedir();
  const base = env.GOPASS_HOMEDIR;
  const configDir = base ? join(base, '.config/gopass') : join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'gopass');
  const configs = [env.GOPASS_CONFIG, join(configDir, 'config'), join(configDir, 'config.yml'), join(home, '.gopass.yml')];
  for (const file of configs) {
    const text = file ? await readIfThere(file) : null;
    const path = text ? storePathInGopassConfig(text) : null;
    if (path) return path.replace(/^~(?=\/|$)/, home);
  }
  const dataDir = base ? join(base, '.local/share/gopass') : join(env.XDG_DATA_HOME ?? join(home, '.local/share'), 'gopass');
  const candidates = [join(dataDir, 'stores/root'), join(home, '.password-store')];
  for (const dir of candidates) if (await isDir(dir)) return dir;
  return candidates[0]!;
}
