import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { FACTS_BEGIN, FACTS_END } from './network-facts.js';
import { GATE_RELEASE, GATE_SCRIPT, gatedSpec } from './start-gate.js';

const base = { name: 'a', Image: 'img:1', Labels: { 'nanoclaw.role': 'agent' } };

describe('gatedSpec', () => {
  it('wraps the image entrypoint and keeps the image cmd (Docker would drop it)', () => {
    const spec = gatedSpec(base, { Entrypoint: ['docker-entrypoint.sh'], Cmd: ['node'] });
    expect(spec.Entrypoint).toEqual(['/bin/sh', '-c', GATE_SCRIPT, 'nanoclaw-gate', 'docker-entrypoint.sh']);
    expect(spec.Cmd).toEqual(['node']);
    expect(spec.Labels).toEqual({ 'nanoclaw.role': 'agent', 'nanoclaw.gated': '1' });
    expect(spec.Image).toBe('img:1');
  });
  it('a spec command wins over the image cmd; a string cmd runs through sh', () => {
    expect(gatedSpec({ ...base, Cmd: ['sh', '-c', 'env'] }, { Cmd: ['node'] }).Cmd).toEqual(['sh', '-c', 'env']);
    expect(gatedSpec(base, { Entrypoint: null, Cmd: 'sleep 1' }).Cmd).toEqual(['/bin/sh', '-c', 'sleep 1']);
  });
  it('a spec entrypoint does not inherit the image cmd', () => {
    expect(gatedSpec({ ...base, Entrypoint: ['x'] }, { Cmd: ['node'] })).toMatchObject({ Cmd: [], Entrypoint: expect.arrayContaining(['x']) });
  });
  it('fails when there is nothing to run', () => {
    expect(() => gatedSpec(base, {})).toThrow(/no command/);
  });
  it('keeps stdin open for the launcher’s one attach', () => {
    expect(gatedSpec(base, { Cmd: ['node'] })).toMatchObject({ OpenStdin: true, StdinOnce: true });
  });
});

/** The gate run by this machine's /bin/sh with `input` on its stdin, the command printing where its own stdin leads. */
function runGate(input: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('/bin/sh', ['-c', GATE_SCRIPT, 'nanoclaw-gate', '/bin/sh', '-c', 'echo ran; readlink /proc/self/fd/0'], { input, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the start gate (run by /bin/sh)', () => {
  it('prints the network facts, then runs the command only after the release line, with stdin on /dev/null', () => {
    const r = runGate(`${GATE_RELEASE}\n`);
    expect(r.stderr).toContain(FACTS_BEGIN);
    expect(r.stderr).toContain(`\n${FACTS_END}\n`);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('ran\n/dev/null\n');
  });

  it('never runs the command when its stdin ends without the release, or brings anything else', () => {
    for (const input of ['', 'go\n', `${GATE_RELEASE}x\n`, `x${GATE_RELEASE}\n`, `\n${GATE_RELEASE}\n`]) {
      const r = runGate(input);
      expect(r.status, JSON.stringify(input)).toBe(1);
      expect(r.stdout).toBe('');
    }
  });
});
