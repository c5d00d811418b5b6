import { describe, expect, it } from 'vitest';
import { tokenFromProxyAuthorization } from './proxy-auth.js';

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

describe('tokenFromProxyAuthorization', () => {
  it('takes the password of a Basic pair', () => {
    expect(tokenFromProxyAuthorization(basic('x:aoc_abc'))).toBe('aoc_abc');
    expect(tokenFromProxyAuthorization(`basic  ${Buffer.from('u:p:q').toString('base64')}`)).toBe('p:q');
  });

  it.each([
    [undefined],
    [''],
    ['Bearer aoc_abc'],
    [basic('no-colon')],
    [basic('x:')],
    [['Basic eDph', 'Basic eDpi']],
  ])('refuses %j', (header) => {
    expect(tokenFromProxyAuthorization(header as string | string[] | undefined)).toBeNull();
  });
});
