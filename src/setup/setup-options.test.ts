import { describe, expect, it } from 'vitest';
import { parseSetupFlags } from './setup-options.js';

describe('parseSetupFlags', () => {
  it('takes defaults that ask nothing extra: group main, "Main agent", build allowed, 60 s', () => {
    expect(parseSetupFlags({})).toEqual({
      vault: undefined, reinstall: false, auth: undefined, keyFromStdin: false, group: 'main', groupName: 'Main agent',
      lockdown: undefined, json: false, yes: false, build: true, timeoutMs: 60_000,
    });
  });

  it('keeps the flags it was given', () => {
    const o = parseSetupFlags({ vault: 'remote', auth: 'oauth', anthropicKeyStdin: true, group: 'ops', groupName: ' Ops ', lockdown: false, yes: true, json: true, build: false, timeout: '5' });
    expect(o).toMatchObject({ vault: 'remote', auth: 'oauth', keyFromStdin: true, group: 'ops', groupName: 'Ops', lockdown: false, yes: true, json: true, build: false, timeoutMs: 5000 });
  });

  it('refuses bad values and combinations, naming the flag', () => {
    expect(() => parseSetupFlags({ vault: 'cloud' })).toThrow(/--vault must be one of fresh, reuse, remote/);
    expect(() => parseSetupFlags({ auth: 'password' })).toThrow(/--auth must be one of/);
    expect(() => parseSetupFlags({ reinstall: true, vault: 'remote' })).toThrow(/--reinstall/);
    expect(() => parseSetupFlags({ anthropicKeyStdin: true, auth: 'setup-token' })).toThrow(/--anthropic-key-stdin/);
    expect(() => parseSetupFlags({ group: '../etc' })).toThrow(/--group/);
    expect(() => parseSetupFlags({ groupName: '  ' })).toThrow(/--group-name/);
    expect(() => parseSetupFlags({ timeout: 'soon' })).toThrow(/--timeout/);
  });
});
