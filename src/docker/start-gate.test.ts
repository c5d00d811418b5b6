import { describe, expect, it } from 'vitest';
import { GATE_SCRIPT, gatedSpec } from './start-gate.js';

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
  it('the gate execs the real command only after the signal', () => {
    expect(GATE_SCRIPT).toMatch(/^trap "go=1" USR1;/);
    expect(GATE_SCRIPT).toMatch(/exec "\$@"$/);
  });
});
