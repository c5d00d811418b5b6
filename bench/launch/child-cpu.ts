/**
 * CPU time of a command the bench starts, measured by the shell that runs it: Node reports no
 * resource usage of a child, but POSIX `times` prints the shell's own and then its children's
 * user and system time once the command was waited for. Clock-tick resolution (10 ms on Linux),
 * so only medians of several runs mean much.
 */
const MARK = '@nanoclaw-bench-cpu';

/** `sh` arguments that run `file args…`, then print the CPU times on stderr and exit with the command's code. */
export function withChildCpu(file: string, args: readonly string[]): [string, string[]] {
  return ['/bin/sh', ['-c', `"$@"; code=$?; echo ${MARK} >&2; times >&2; exit $code`, 'sh', file, ...args]];
}

const TIME = /(?:(\d+)m)?(\d+(?:\.\d+)?)s/g;

/** The command's own stderr and its CPU ms (children's user + system), or null when the shell printed no times. */
export function splitChildCpu(stderr: string): { stderr: string; cpuMs: number | null } {
  const at = stderr.lastIndexOf(`${MARK}\n`);
  if (at < 0) return { stderr, cpuMs: null };
  // `times` prints two lines: the shell's own user and system time, then its children's.
  const children = stderr.slice(at + MARK.length + 1).split('\n')[1] ?? '';
  const parts = [...children.matchAll(TIME)].map((m) => Number(m[1] ?? 0) * 60 + Number(m[2]));
  return { stderr: stderr.slice(0, at), cpuMs: parts.length === 2 ? (parts[0]! + parts[1]!) * 1000 : null };
}
