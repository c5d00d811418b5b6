import { describe, expect, it } from 'vitest';
import { BASELINE_SUBJECT, caseWanted, DEFAULT_SETTINGS, readSettings, TWIN_SUBJECT, wanted } from './settings.js';

describe('readSettings', () => {
  it('uses the defaults without variables', () => {
    expect(readSettings({})).toEqual(DEFAULT_SETTINGS);
  });

  it('reads each knob, keeping fractional seconds and rounding counts', () => {
    const s = readSettings({ BENCH_SECONDS: '1.5', BENCH_IDLE_CONNECTIONS: '200.4', BENCH_LARGE_MIB: '64' });
    expect(s.seconds).toBe(1.5);
    expect(s.idleConnections).toBe(200);
    expect(s.largeMiB).toBe(64);
  });

  it('names the variable that is out of range or not a number', () => {
    expect(() => readSettings({ BENCH_SECONDS: 'fast' })).toThrow(/BENCH_SECONDS=fast/);
    expect(readSettings({ BENCH_RESTART: '1' }).restart).toBe(true);
    expect(readSettings({ BENCH_RESTART: ' 0 ' }).restart).toBe(false);
    expect(() => readSettings({ BENCH_RESTART: 'yes' })).toThrow(/BENCH_RESTART=yes is neither 0 nor 1/);
    expect(() => readSettings({ BENCH_SECONDS: '0' })).toThrow(/between 0.5 and 120/);
    expect(() => readSettings({ BENCH_ROUNDS: '-1' })).toThrow(
      expect.objectContaining({ code: 'invalid_bench_setting', hint: expect.stringContaining('BENCH_ROUNDS=3') }),
    );
  });

  it('limits subjects with BENCH_ONLY but always keeps direct', () => {
    const s = readSettings({ BENCH_ONLY: 'Gateway, squid' });
    expect(s.only).toEqual(['gateway', 'squid']);
    expect(wanted(s, 'gateway')).toBe(true);
    expect(wanted(s, 'direct')).toBe(true);
    expect(wanted(s, 'mitmproxy')).toBe(false);
    expect(wanted(DEFAULT_SETTINGS, 'mitmproxy')).toBe(true);
  });

  it('adds the gateway of another checkout and this one\'s twin with BENCH_BASELINE, whatever BENCH_ONLY says, and only then', () => {
    const s = readSettings({ BENCH_ONLY: 'gateway,floor', BENCH_BASELINE: ' /work/before ' });
    expect(s.baseline).toBe('/work/before');
    for (const subject of [BASELINE_SUBJECT, TWIN_SUBJECT]) {
      expect(wanted(s, subject)).toBe(true);
      expect(wanted(readSettings({ BENCH_ONLY: subject }), subject)).toBe(false);
      expect(wanted(DEFAULT_SETTINGS, subject)).toBe(false);
    }
  });

  it('limits cases with BENCH_CASES', () => {
    const s = readSettings({ BENCH_CASES: 'keepalive,SSE' });
    expect(caseWanted(s, 'keepalive')).toBe(true);
    expect(caseWanted(s, 'sse')).toBe(true);
    expect(caseWanted(s, 'idle')).toBe(false);
    expect(caseWanted(DEFAULT_SETTINGS, 'idle')).toBe(true);
  });

  it('turns on CPU profiling of the gateway with BENCH_CPU_PROF_DIR', () => {
    expect(readSettings({ BENCH_CPU_PROF_DIR: ' /tmp/prof ' }).cpuProfileDir).toBe('/tmp/prof');
  });
});
