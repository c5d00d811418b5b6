// Runs first, on whatever Node the user has: only syntax and built-ins that Node 14 already knew.

/** The lowest Node version of package.json's `engines.node` (`>=22.13`); undefined when the range has another form. */
export function minimumNode(range: string | undefined): string | undefined {
  return /^\s*>=\s*v?(\d+(?:\.\d+){0,2})\s*$/.exec(range ?? '')?.[1];
}

function parts(version: string): number[] {
  const nums = version.replace(/^v/, '').split('.').map((n) => Number.parseInt(n, 10));
  return [0, 1, 2].map((i) => (Number.isFinite(nums[i]) ? (nums[i] as number) : 0));
}

/** Whether `version` (e.g. `20.20.2`) is at least `minimum` (e.g. `22.13`). Pure. */
export function nodeVersionSatisfies(version: string, minimum: string): boolean {
  const have = parts(version);
  const need = parts(minimum);
  for (let i = 0; i < 3; i += 1) {
    if (have[i] !== need[i]) return (have[i] as number) > (need[i] as number);
  }
  return true;
}

export interface NodeAdviceInput {
  version: string;
  minimum: string;
  execPath: string;
  /** This checkout's `ncl` launcher as the user types it, when it exists. */
  launcher?: string;
  /** Whether `.node/bin/node` (what ./setup.sh installs) exists beside the launcher. */
  localNode: boolean;
  /** This checkout's `setup.sh` as the user types it, when it exists. */
  setup?: string;
}

/** What to tell a user whose Node is too old to run nanoclaw. Pure. */
export function nodeAdvice(input: NodeAdviceInput): string {
  const lines = [`nanoclaw needs Node >= ${input.minimum}; this is Node ${input.version} (${input.execPath}).`];
  if (input.launcher && input.localNode) {
    lines.push(`./setup.sh installed a newer Node in .node/: run commands with ${input.launcher} … (for example: ${input.launcher} --help).`);
  } else if (input.setup) {
    const then = input.launcher ? `, then run commands with ${input.launcher} …` : '';
    lines.push(`Run ${input.setup}: it installs Node 24 into .node/ when yours is older${then}.`);
  }
  lines.push('Or install Node 24 LTS (https://nodejs.org) and put it first on PATH.');
  return lines.join('\n');
}

/** How a user in the current directory types the path of a file: `./ncl` inside it, else the absolute path. Pure. */
export function commandPath(relativePath: string, absolutePath: string): string {
  if (relativePath === '' || relativePath.startsWith('..') || relativePath.startsWith('/')) return absolutePath;
  return `./${relativePath}`;
}
