import { describe, expect, it } from 'vitest';
import { pathForAudit } from './audit-recorder.js';

describe('pathForAudit', () => {
  it.each([
    ['/v1/messages', '/v1/messages'],
    ['/search?q=secret&page=2', '/search?q=&page='],
    ['/x?flag&key=v=w', '/x?flag&key='],
    ['/x?key=abc#frag', '/x?key='],
    ['/x?', '/x?'],
  ])('%s → %s', (path, expected) => {
    expect(pathForAudit(path)).toBe(expected);
  });

  it('caps very long paths', () => {
    expect(pathForAudit('/' + 'a'.repeat(5000))).toHaveLength(2048);
  });
});
