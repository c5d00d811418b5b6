import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempProjectOptions {
  /** Content of the project's `.env` (written only when given). */
  env?: string;
}

export interface TempProject extends AsyncDisposable {
  /** The project directory (cwd for commands under test). */
  dir: string;
  /** A private HOME, so keyrings, ~/.config and allowlists of the developer are never touched. */
  home: string;
  /** `<dir>/.env`. */
  envFile: string;
  /** Environment for commands under test: HOME → `home`, nothing the product reads inherited. */
  env: NodeJS.ProcessEnv;
  dispose(): Promise<void>;
}

// Settings are read from the process environment before `.env` (DESIGN.md), so a developer's
// own ONECLI_*/NANOCLAW_*/Anthropic variables would silently change what a test sees.
const INHERITED_PREFIXES = ['ONECLI_', 'NANOCLAW_'];
const INHERITED_NAMES = [
  'ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL', 'CLAUDE_CODE_OAUTH_TOKEN',
  'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_STATE_HOME', 'XDG_CACHE_HOME',
];
// Kept: the test run id and test-only switches must reach CLI subprocesses.
const KEPT_PREFIX = 'NANOCLAW_TEST_';

/** `base` without the variables the product reads, with HOME pointed at `home`. */
export function isolatedEnv(base: NodeJS.ProcessEnv, home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    const product = INHERITED_PREFIXES.some((p) => key.startsWith(p)) && !key.startsWith(KEPT_PREFIX);
    if (product || INHERITED_NAMES.includes(key)) continue;
    env[key] = value;
  }
  return { ...env, HOME: home };
}

/** A throwaway project dir and HOME, removed with everything in them on dispose. */
export async function makeTempProject(options: TempProjectOptions = {}): Promise<TempProject> {
  // realpath: macOS's /var → /private/var would otherwise make path comparisons flaky.
  const root = await realpath(await mkdtemp(join(tmpdir(), 'nanoclaw-project-')));
  const dir = join(root, 'project');
  const home = join(root, 'home');
  await mkdir(dir);
  await mkdir(home, { mode: 0o700 });
  const envFile = join(dir, '.env');
  if (options.env !== undefined) await writeFile(envFile, options.env, { mode: 0o600 });
  const dispose = () => rm(root, { recursive: true, force: true });
  return {
    dir,
    home,
    envFile,
    env: isolatedEnv(process.env, home),
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}
