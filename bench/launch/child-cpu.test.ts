import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { splitChildCpu, withChildCpu } from './child-cpu.js';

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [sh, shArgs] = withChildCpu(file, args);
  return new Promise((resolve) =>
    execFile(sh, shArgs, (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout: String(stdout), stderr: String(stderr) })),
  );
}

describe('CPU time of a child, from the shell', () => {
  it('reads the children line of dash and bash formats, minutes included', () => {
    expect(splitChildCpu('warn\n@nanoclaw-bench-cpu\n0m0.000000s 0m0.000000s\n0m0.180000s 0m0.030000s\n')).toEqual({ stderr: 'warn\n', cpuMs: 210 });
    expect(splitChildCpu('@nanoclaw-bench-cpu\n0m0.001s 0m0.002s\n1m2.500s 0m0.250s\n').cpuMs).toBeCloseTo(62_750);
  });

  it('gives null and the stderr unchanged without the mark or with a broken line', () => {
    expect(splitChildCpu('just an error\n')).toEqual({ stderr: 'just an error\n', cpuMs: null });
    expect(splitChildCpu('@nanoclaw-bench-cpu\n0m0.0s 0m0.0s\n').cpuMs).toBeNull();
  });

  it('keeps the command output and exit code, and counts the CPU a busy child spent', async () => {
    const busy = 'const t = process.cpuUsage(); while (process.cpuUsage(t).user < 150_000); console.error("done"); process.exit(3)';
    const r = await run(process.execPath, ['-e', busy]);
    expect(r.code).toBe(3);
    const { stderr, cpuMs } = splitChildCpu(r.stderr);
    expect(stderr).toBe('done\n');
    // Below the 150 ms it spent: the shell counts in clock ticks, the child in microseconds.
    expect(cpuMs).toBeGreaterThanOrEqual(100);
  });
});
