import { describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS, RELAUNCHED_ENV, relaunchExecArgv } from './node-flags.js';

describe('relaunchExecArgv', () => {
  it('adds the missing gateway flags in front of the given ones', () => {
    expect(relaunchExecArgv(['--enable-source-maps'], {})).toEqual([...GATEWAY_NODE_FLAGS, '--enable-source-maps']);
  });

  it('is null when the flags are on the command line, in NODE_OPTIONS, or the process is a re-run', () => {
    expect(relaunchExecArgv([...GATEWAY_NODE_FLAGS], {})).toBeNull();
    expect(relaunchExecArgv(['--max-semi-space-size=8'], {})).toBeNull();
    expect(relaunchExecArgv([], { NODE_OPTIONS: `--inspect ${GATEWAY_NODE_FLAGS.join(' ')}` })).toBeNull();
    expect(relaunchExecArgv([], { [RELAUNCHED_ENV]: '1' })).toBeNull();
  });
});
